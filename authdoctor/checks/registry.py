"""Discovery of check modules: every module in `authdoctor.checks` that defines
`CHECK: CheckSpec` is a check area. Adding a check is adding one module (and its tests)."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from authdoctor.checks.base import CheckSpec

# `har` is the `authdoctor har` command's own area: it judges a browser's recording, not the
# settings, so `check` does not run it (commands/har.py gives the runner its CheckSpec).
_NOT_CHECKS = frozenset({"base", "registry", "har"})


@cache
def all_checks() -> dict[str, CheckSpec]:
    """Area name → spec, in module-name order (stable output)."""
    import authdoctor.checks as package

    found: dict[str, CheckSpec] = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name in _NOT_CHECKS or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"authdoctor.checks.{info.name}")
        spec = getattr(module, "CHECK", None)
        if not isinstance(spec, CheckSpec):
            raise TypeError(f"authdoctor.checks.{info.name} defines no CHECK: CheckSpec")
        if spec.area in found:
            raise ValueError(f"two check modules claim area {spec.area!r}")
        found[spec.area] = spec
    return found
