"""`authdoctor jwt decode|verify` (being built)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    jwt_app = typer.Typer(help="Decode and verify JWTs.", no_args_is_help=True)
    app.add_typer(jwt_app, name="jwt")
