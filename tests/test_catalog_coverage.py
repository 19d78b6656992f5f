"""The catalog-coverage exemption list may only name real catalog codes of live probes."""

from __future__ import annotations

from catalog_coverage import NOT_YET_PRODUCED

from authdoctor.catalog import CATALOG


def test_exempt_codes_exist() -> None:
    assert NOT_YET_PRODUCED.issubset(CATALOG)

