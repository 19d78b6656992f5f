"""Catalog entries for the 'oidc' area."""

from authdoctor.catalog import CodeInfo
from authdoctor.findings import Severity  # noqa: F401

ENTRIES: tuple[CodeInfo, ...] = ()
