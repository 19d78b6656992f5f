# tests/ has no __init__.py (its helpers are imported as top-level modules), so pytest imports
# tests/lab/ as the package `lab`; the lab's plugin is therefore `lab.fixtures`.
# `catalog_coverage` fails a whole-suite run in which some catalog code is produced by no test;
# `lab.browser` is the session's Chromium (marker `browser`);
# `loopback_only` makes names other than loopback fail to resolve in this process.
pytest_plugins = ["lab.fixtures", "lab.browser", "catalog_coverage", "loopback_only"]
