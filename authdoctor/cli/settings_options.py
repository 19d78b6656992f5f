"""The settings-source options shared by `check` and `config show`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from authdoctor.settings import SettingsInputs

ConfigOpt = Annotated[str | None, typer.Option(
    "--config", "-c", metavar="FILE",
    help="deploy.yaml describing the deployment (see `authdoctor config schema`).")]
EnvFileOpt = Annotated[list[str] | None, typer.Option(
    "--env-file", "-e", metavar="FILE",
    help="Open WebUI .env file. Repeat for several replicas; they are compared.")]
ComposeOpt = Annotated[list[str] | None, typer.Option(
    "--compose", metavar="FILE", help="docker-compose file; the Open WebUI service's environment.")]
DockerInspectOpt = Annotated[list[str] | None, typer.Option(
    "--docker-inspect", metavar="FILE|-",
    help="Output of `docker inspect CONTAINER...` (- for stdin); each Open WebUI container's env.")]
K8sOpt = Annotated[list[str] | None, typer.Option(
    "--k8s", metavar="FILE|-",
    help="Kubernetes manifests (`helm template`, `kubectl get ... -o yaml`; - for stdin): each Open "
         "WebUI container, with its ConfigMap and Secret references resolved.")]
ServiceOpt = Annotated[list[str] | None, typer.Option(
    "--service", metavar="NAME",
    help="Compose service, container or workload to read (default: the Open WebUI image).")]
FromEnvOpt = Annotated[bool, typer.Option(
    "--from-env", help="Read Open WebUI variables from this process's environment.")]
PublicUrlOpt = Annotated[str | None, typer.Option(
    "--public-url", metavar="URL", help="The URL users open (default: WEBUI_URL).")]
AppUrlOpt = Annotated[str | None, typer.Option(
    "--url", metavar="URL",
    help="Where authdoctor reaches the app, e.g. an internal address (default: the public URL).")]


def settings_inputs(config: str | None, env_file: list[str] | None, compose: list[str] | None,
                    service: list[str] | None, from_env: bool, public_url: str | None, *,
                    docker_inspect: list[str] | None = None,
                    k8s: list[str] | None = None, app_url: str | None = None) -> SettingsInputs:
    from authdoctor.commands.common import parse_public_url
    from authdoctor.settings import SettingsInputs

    return SettingsInputs(config=config, env_files=tuple(env_file or ()),
                          compose_files=tuple(compose or ()), compose_services=tuple(service or ()),
                          docker_inspect=tuple(docker_inspect or ()), k8s=tuple(k8s or ()),
                          from_env=from_env, public_url=parse_public_url(public_url),
                          app_url=parse_public_url(app_url, option="--url"))
