"""`authdoctor explain CODE`: what a finding means, why, and how to fix it."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    @app.command("explain")
    def explain(
        code: Annotated[str | None, typer.Argument(metavar="CODE",
                        help="A finding code, e.g. cookie.samesite-none-without-secure.")] = None,
        list_all: Annotated[bool, typer.Option("--list", "-l", help="List every code.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    ) -> int:
        """Explain a finding code: what fails, why, and the fix. Unknown codes exit 2 with the
        closest known ones. `--list` prints the whole catalog."""
        from authdoctor.commands.explain import run_explain

        return run_explain(code, list_all=list_all, as_json=as_json)
