# tests/ has no __init__.py (its helpers are imported as top-level modules), so pytest imports
# tests/lab/ as the package `lab`; the lab's plugin is therefore `lab.fixtures`.
pytest_plugins = ["lab.fixtures"]
