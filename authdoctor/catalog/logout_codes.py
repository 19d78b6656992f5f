"""Catalog entries for the 'logout' area."""

from authdoctor.catalog import CodeInfo
from authdoctor.findings import Severity  # noqa: F401

ENTRIES: tuple[CodeInfo, ...] = ()
