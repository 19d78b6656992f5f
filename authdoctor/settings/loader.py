"""Combine the settings sources named on the command line into one `Deployment`.

Rules (also in `authdoctor check --help`):
- each `--env-file`, each compose service, each Open WebUI container of `--docker-inspect` or
  `--k8s` and `--from-env` is one *replica* (several replicas are compared with each other by the
  settings checks); a Kubernetes workload's `replicas:` counts as that many app processes;
- `--service NAME` picks a compose service, a container (docker inspect: its name or compose
  service; Kubernetes: its name or its workload's) instead of the Open WebUI image ones;
- `--config deploy.yaml` fields override or complement every replica's variables; with no other
  source, deploy.yaml alone describes the one replica;
- authdoctor's own options (public URL, test account, probe) come from deploy.yaml.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from authdoctor.errors import ConfigError, UsageError
from authdoctor.settings.files import STDIN_PATH
from authdoctor.settings.model import Deployment, EnvSource, ProbeOptions


@dataclass(frozen=True)
class SettingsInputs:
    """The settings sources a command was given."""

    config: str | None = None
    env_files: Sequence[str] = ()
    compose_files: Sequence[str] = ()
    compose_services: Sequence[str] = ()
    docker_inspect: Sequence[str] = ()
    k8s: Sequence[str] = ()
    from_env: bool = False
    public_url: str | None = None
    app_url: str | None = None
    environ: Mapping[str, str] | None = field(default=None, repr=False)

    @property
    def empty(self) -> bool:
        return not (self.config is not None or self.env_files or self.compose_files
                    or self.docker_inspect or self.k8s or self.from_env)


def load_deployment(inputs: SettingsInputs) -> Deployment:
    """Read every source; raise ConfigError (exit 2) on anything unreadable or invalid. The
    deployment records every file read (`files_read`)."""
    from authdoctor.settings.files import recording_reads

    with recording_reads() as reads:
        deployment = _load_deployment(inputs)
    return dataclasses.replace(deployment, files_read=tuple(dict.fromkeys(reads)))


def _load_deployment(inputs: SettingsInputs) -> Deployment:
    from authdoctor.settings.envfile import load_env_file, load_process_env

    environ = os.environ if inputs.environ is None else inputs.environ
    if inputs.compose_services and not (inputs.compose_files or inputs.docker_inspect or inputs.k8s):
        # first: it is the more precise message
        raise UsageError("--service needs --compose, --docker-inspect or --k8s")
    if inputs.empty:
        raise UsageError("no settings given: use --env-file FILE, --config deploy.yaml, "
                         "--compose docker-compose.yml, --docker-inspect FILE, --k8s FILE "
                         "or --from-env")
    if [*inputs.docker_inspect, *inputs.k8s].count("-") > 1:
        raise UsageError("only one of --docker-inspect and --k8s can read stdin (-)")

    replicas: list[EnvSource] = [load_env_file(path, environ) for path in inputs.env_files]
    if inputs.compose_files:
        from authdoctor.settings.compose import load_compose

        for path in inputs.compose_files:
            try:
                replicas.extend(load_compose(path, list(inputs.compose_services), environ))
            except RecursionError:
                raise ConfigError("invalid YAML: an alias refers to itself or nests too deeply",
                                  path=path) from None
    if inputs.docker_inspect:
        from authdoctor.settings.docker_inspect import load_docker_inspect

        for path in inputs.docker_inspect:
            replicas.extend(load_docker_inspect(path, list(inputs.compose_services)))
    if inputs.k8s:
        from authdoctor.settings.kubernetes import load_kubernetes

        for path in inputs.k8s:
            try:
                replicas.extend(load_kubernetes(path, list(inputs.compose_services)))
            except RecursionError:
                raise ConfigError("invalid YAML: an alias refers to itself or nests too deeply",
                                  path=path) from None
    if inputs.from_env:
        replicas.append(load_process_env(environ))

    sources = [*inputs.env_files, *inputs.compose_files,
               *(STDIN_PATH if p == "-" else p for p in (*inputs.docker_inspect, *inputs.k8s))]
    if inputs.from_env:
        sources.append("process environment")
    public_url = None
    test_account = None
    probe = ProbeOptions()
    declared_replicas: int | None = None
    if inputs.config is not None:
        from authdoctor.settings.deploy_yaml import load_deploy_yaml

        deploy = load_deploy_yaml(inputs.config, environ)
        sources.insert(0, inputs.config)
        if replicas:
            replicas = [r.overlay(deploy.env, label=f"{r.label} + {inputs.config}") for r in replicas]
        else:
            replicas = [deploy.env]
        public_url = deploy.public_url
        test_account = deploy.test_account
        probe = deploy.probe
        declared_replicas = deploy.replicas
    return Deployment(
        replicas=tuple(replica.with_secret_feeders() for replica in replicas),
        public_url=inputs.public_url or public_url,
        app_url=inputs.app_url,
        test_account=test_account,
        probe=probe,
        sources=tuple(sources),
        declared_replicas=declared_replicas,
    )
