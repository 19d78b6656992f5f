"""`authdoctor config show|schema`: the effective settings (secrets masked) and the deploy.yaml
JSON Schema."""

from __future__ import annotations

from typing import Annotated

import typer

from authdoctor.cli.settings_options import (
    ComposeOpt,
    ConfigOpt,
    DockerInspectOpt,
    EnvFileOpt,
    FromEnvOpt,
    K8sOpt,
    PublicUrlOpt,
    ServiceOpt,
    settings_inputs,
)


def register(app: typer.Typer) -> None:
    config_app = typer.Typer(help="Inspect settings: what authdoctor reads, and the deploy.yaml schema.",
                             no_args_is_help=True)
    app.add_typer(config_app, name="config")

    @config_app.command("show")
    def show(
        config: ConfigOpt = None,
        env_file: EnvFileOpt = None,
        compose: ComposeOpt = None,
        service: ServiceOpt = None,
        docker_inspect: DockerInspectOpt = None,
        k8s: K8sOpt = None,
        from_env: FromEnvOpt = False,
        public_url: PublicUrlOpt = None,
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
        show_all: Annotated[bool, typer.Option(
            "--all", help="With --from-env: also variables that are not Open WebUI settings.")] = False,
    ) -> int:
        """Print the effective settings per replica, where each came from, secrets masked."""
        from authdoctor.commands.config import run_config_show

        inputs = settings_inputs(config, env_file, compose, service, from_env, public_url,
                                 docker_inspect=docker_inspect, k8s=k8s)
        return run_config_show(inputs, as_json=as_json, show_all=show_all)

    @config_app.command("schema")
    def schema() -> int:
        """Print the JSON Schema of deploy.yaml (draft 2020-12)."""
        from authdoctor.commands.config import run_config_schema

        return run_config_schema()
