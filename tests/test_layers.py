"""The package's floors: the CLI (`authdoctor.cli`) is the top one and nothing imports it; the
commands and everything else use `authdoctor.output` for terminal and output plumbing."""

from __future__ import annotations

import ast
from pathlib import Path

import authdoctor

PACKAGE = Path(authdoctor.__file__).parent


def _imported_modules(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_nothing_outside_the_cli_imports_the_cli() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent)
        if relative.parts[:2] == ("authdoctor", "cli") or relative.name == "__main__.py":
            continue
        imported = _imported_modules(ast.parse(path.read_text(encoding="utf-8")))
        bad = sorted(name for name in imported
                     if name == "authdoctor.cli" or name.startswith("authdoctor.cli."))
        if bad:
            offenders.append(f"{relative}: {', '.join(bad)}")
    assert offenders == []


def test_the_layer_test_sees_an_offender() -> None:
    tree = ast.parse("def f():\n    from authdoctor.cli.common import write_output\n")
    assert "authdoctor.cli.common" in _imported_modules(tree)
