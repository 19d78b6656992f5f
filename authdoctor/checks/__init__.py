"""Check modules, one per area of diagnosis. See `authdoctor.checks.base` for the contract."""
