"""docker-compose files: the Open WebUI service's `environment:` (list and map forms),
`env_file:` and volumes (to judge whether a generated secret key survives a recreate)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from authdoctor.errors import ConfigError
from authdoctor.findings import SourceLocation
from authdoctor.settings.envfile import parse_env_text
from authdoctor.settings.files import read_text
from authdoctor.settings.interpolate import interpolate
from authdoctor.settings.model import ComposeService, EnvSource, EnvVar

OPENWEBUI_IMAGE_HINTS = ("open-webui", "openwebui")


def _services(data: Any, path: str) -> dict[str, Any]:
    if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
        raise ConfigError("no 'services:' mapping found; is this a docker-compose file?", path=path)
    return data["services"]


def _is_openwebui(service: Mapping[str, Any]) -> bool:
    image = str(service.get("image") or "")
    return any(hint in image.lower() for hint in OPENWEBUI_IMAGE_HINTS)


def load_compose(path: str, service_names: Sequence[str], environ: Mapping[str, str]) -> list[EnvSource]:
    """One EnvSource per selected service (named ones, else every service running the Open
    WebUI image). `env_file:` entries are read first, `environment:` wins, like compose."""
    import yaml

    text = read_text(path, "compose file")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(f"invalid YAML: {getattr(exc, 'problem', None) or exc}", path=path,
                          line=mark.line + 1 if mark is not None else None) from None
    services = _services(data, path)
    if service_names:
        missing = [name for name in service_names if name not in services]
        if missing:
            raise ConfigError(f"service '{missing[0]}' not found; services here: "
                              f"{', '.join(services)}", path=path)
        selected = list(service_names)
    else:
        selected = [name for name, svc in services.items() if isinstance(svc, dict) and _is_openwebui(svc)]
        if not selected:
            raise ConfigError("no service runs an Open WebUI image; name one with --service "
                              f"(services here: {', '.join(services)})", path=path)
    lines = text.splitlines()
    return [_service_source(path, name, services[name], environ, lines) for name in selected]


def _line_of(lines: list[str], needle: str) -> int | None:
    for number, line in enumerate(lines, start=1):
        if needle in line:
            return number
    return None


def _service_source(path: str, name: str, service: Any, environ: Mapping[str, str],
                    lines: list[str]) -> EnvSource:
    if not isinstance(service, dict):
        raise ConfigError(f"service '{name}' is not a mapping", path=path)
    base = Path(path).parent
    variables: dict[str, EnvVar] = {}
    env_files = service.get("env_file") or []
    if isinstance(env_files, str | dict):
        env_files = [env_files]
    for entry in env_files:
        file_path = entry.get("path") if isinstance(entry, dict) else entry
        required = entry.get("required", True) if isinstance(entry, dict) else True
        full = base / str(file_path)
        if not full.exists() and not required:
            continue
        variables.update(parse_env_text(read_text(full, "env file"), str(full), environ))
    environment = service.get("environment") or {}
    items: list[tuple[str, str | None]] = []
    if isinstance(environment, dict):
        items = [(str(k), None if v is None else str(v).lower() if isinstance(v, bool) else str(v))
                 for k, v in environment.items()]
    elif isinstance(environment, list):
        for entry in environment:
            key, sep, value = str(entry).partition("=")
            items.append((key, value if sep else None))
    else:
        raise ConfigError(f"service '{name}': 'environment' must be a list or a mapping", path=path)
    for key, value in items:
        if value is None:  # `- NAME` passes the variable through from the host environment
            if key not in environ:
                continue
            value = environ[key]
        resolved, _missing = interpolate(value, environ)
        line = _line_of(lines, key)
        variables[key] = EnvVar(key, resolved, SourceLocation(path, line, key),
                                raw=lines[line - 1] if line else None)
    volumes = []
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            volumes.append(str(volume.get("target", "")))
        else:
            parts = str(volume).split(":")
            volumes.append(parts[1] if len(parts) > 1 else parts[0])
    compose = ComposeService(name=name, image=service.get("image"), volume_targets=tuple(volumes),
                             path=path)
    return EnvSource(label=f"{path}:{name}", vars=variables, compose=compose)
