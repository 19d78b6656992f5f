"""docker-compose files: the Open WebUI service's `environment:` (list and map forms),
`env_file:` and volumes (to judge whether a generated secret key survives a recreate).

Values are read the way `docker compose` hands them to the container, not the way a YAML 1.1
parser would: compose parses YAML 1.2, so in `environment:` a bare `yes`/`on` stays the string
`yes` (which Open WebUI reads as false), `0636` stays `0636`, and only `true`/`false` become
booleans (passed as `true`/`false`). `${VAR}` / `${VAR:-default}` resolve from the process
environment, then from the `.env` file next to the compose file (compose's own rule); `$$` is a
literal `$`. Line numbers come from the YAML nodes, so findings point at the exact line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from authdoctor.errors import ConfigError
from authdoctor.findings import SourceLocation
from authdoctor.settings.envfile import parse_env_text
from authdoctor.settings.files import read_text
from authdoctor.settings.interpolate import interpolate
from authdoctor.settings.model import ComposeService, EnvSource, EnvVar, PublishedPort

OPENWEBUI_IMAGE_HINTS = ("open-webui", "openwebui")
_YAML12_BOOL = re.compile(r"^(true|True|TRUE|false|False|FALSE)$")
_DOLLAR = "\x00dollar\x00"


def _services(data: Any, path: str) -> dict[str, Any]:
    if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
        raise ConfigError("no 'services:' mapping found; is this a docker-compose file?", path=path)
    services: dict[str, Any] = data["services"]
    return services


def _is_openwebui(service: Mapping[str, Any]) -> bool:
    image = str(service.get("image") or "")
    return any(hint in image.lower() for hint in OPENWEBUI_IMAGE_HINTS)


def _project_env(path: str, environ: Mapping[str, str]) -> dict[str, str]:
    """Interpolation variables: the project's `.env` (next to the compose file), overridden by the
    process environment, as `docker compose` does."""
    lookup: dict[str, str] = {}
    dot_env = Path(path).parent / ".env"
    if dot_env.is_file():
        lookup.update({k: v.value for k, v in parse_env_text(read_text(dot_env, "env file"),
                                                             str(dot_env), environ).items()})
    lookup.update(environ)
    return lookup


def _interpolate(value: str, lookup: Mapping[str, str]) -> str:
    escaped = value.replace("$$", _DOLLAR)
    resolved, _missing = interpolate(escaped, lookup)
    return resolved.replace(_DOLLAR, "$")


def load_compose(path: str, service_names: Sequence[str], environ: Mapping[str, str]) -> list[EnvSource]:
    """One EnvSource per selected service (named ones, else every service running the Open
    WebUI image). `env_file:` entries are read first, `environment:` wins, like compose."""
    import yaml

    text = read_text(path, "compose file")
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(f"invalid YAML: {getattr(exc, 'problem', None) or exc}", path=path,
                          line=mark.line + 1 if mark is not None else None) from None
    services = _services(data, path)
    if service_names:
        missing = [name for name in service_names if name not in services]
        if missing:
            raise ConfigError(f"service '{missing[0]}' not found; services here: "
                              f"{', '.join(map(str, services))}", path=path)
        selected = list(service_names)
    else:
        selected = [name for name, svc in services.items() if isinstance(svc, dict) and _is_openwebui(svc)]
        if not selected:
            raise ConfigError("no service runs an Open WebUI image; name one with --service "
                              f"(services here: {', '.join(map(str, services))})", path=path)
    lookup = _project_env(path, environ)
    lines = text.splitlines()
    service_nodes = _mapping_get(_mapping_get(root, "services"), None)
    sources = [_service_source(path, name, services[name], lookup, lines=lines,
                               node=service_nodes.get(name))
               for name in selected]
    return [_with_network_facts(source, services, lookup) for source in sources]


def _mapping_get(node: Any, key: str | None) -> Any:
    """The value node under `key` of a mapping node (merge keys followed), or for key=None a dict
    of all key → value nodes."""
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return {} if key is None else None
    pairs: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if key_node.value == "<<":
            merged = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in merged:
                for k, v in _mapping_get(source, None).items():
                    pairs.setdefault(k, v)
            continue
        pairs[str(key_node.value)] = value_node
    return pairs if key is None else pairs.get(key)


def _scalar_text(node: Any) -> str | None:
    """A mapping value as compose passes it: None for null (pass-through), `true`/`false` for
    YAML 1.2 booleans, otherwise the scalar's own text."""
    import yaml

    if not isinstance(node, yaml.ScalarNode):
        return None
    if node.style is None or node.style == "":
        if node.value in ("", "~", "null", "Null", "NULL"):
            return None
        if _YAML12_BOOL.match(node.value):
            return str(node.value).lower()
    return str(node.value)


def _environment(path: str, name: str, service: Mapping[str, Any], node: Any,
                 lines: list[str]) -> list[tuple[str, str | None, int | None, str | None]]:
    """(name, value or None for pass-through, line, raw line) for each `environment:` entry."""
    import yaml

    environment = service.get("environment") or {}
    env_node = _mapping_get(node, "environment")
    items: list[tuple[str, str | None, int | None, str | None]] = []

    def raw(line: int | None) -> str | None:
        return lines[line - 1] if line and line <= len(lines) else None

    if isinstance(environment, dict):
        nodes = _mapping_get(env_node, None) if env_node is not None else {}
        for key in environment:
            value_node = nodes.get(str(key))
            if value_node is not None:
                line = value_node.start_mark.line + 1
                items.append((str(key), _scalar_text(value_node), line, raw(line)))
            else:
                value = environment[key]
                text = (None if value is None else
                        str(value).lower() if isinstance(value, bool) else str(value))
                items.append((str(key), text, None, None))
    elif isinstance(environment, list):
        entry_nodes = env_node.value if isinstance(env_node, yaml.SequenceNode) else []
        for index, entry in enumerate(environment):
            entry_node = entry_nodes[index] if index < len(entry_nodes) else None
            line = entry_node.start_mark.line + 1 if entry_node is not None else None
            key, sep, value = str(entry).partition("=")
            items.append((key, value if sep else None, line, raw(line)))
    else:
        raise ConfigError(f"service '{name}': 'environment' must be a list or a mapping", path=path)
    return items


def _service_source(path: str, name: str, service: Any, lookup: Mapping[str, str], *,
                    lines: list[str], node: Any) -> EnvSource:
    if not isinstance(service, dict):
        raise ConfigError(f"service '{name}' is not a mapping", path=path)
    base = Path(path).parent
    variables: dict[str, EnvVar] = {}
    env_files = service.get("env_file") or []
    if isinstance(env_files, str | dict):
        env_files = [env_files]
    if not isinstance(env_files, list):
        raise ConfigError(f"service '{name}': 'env_file' must be a path or a list of paths", path=path)
    for entry in env_files:
        file_path = entry.get("path") if isinstance(entry, dict) else entry
        required = entry.get("required", True) if isinstance(entry, dict) else True
        full = base / str(file_path)
        if not full.exists() and not required:
            continue
        variables.update(parse_env_text(read_text(full, "env file"), str(full), lookup))
    for key, text, line, raw in _environment(path, name, service, node, lines):
        if text is None:  # `- NAME` / `NAME:` passes the variable through from the host
            if key not in lookup:
                continue
            value = lookup[key]
        else:
            value = _interpolate(text, lookup)
        variables[key] = EnvVar(key, value, SourceLocation(path, line, key), raw=raw)
    volumes = []
    volume_entries = service.get("volumes") or []
    if not isinstance(volume_entries, list):
        raise ConfigError(f"service '{name}': 'volumes' must be a list", path=path)
    for volume in volume_entries:
        if isinstance(volume, dict):
            volumes.append(str(volume.get("target", "")))
        else:
            volumes.append(_volume_target(_interpolate(str(volume), lookup)))
    image = service.get("image")
    compose = ComposeService(name=name, image=str(image) if image is not None else None,
                             volume_targets=tuple(volumes), path=path,
                             replicas=_service_replicas(service))
    return EnvSource(label=f"{path}:{name}", vars=variables, compose=compose)


def _service_replicas(service: dict[str, Any]) -> int:
    """Containers compose starts for the service: `deploy.replicas`, else the legacy `scale`,
    else 1. A value compose itself would reject counts as 1 (the file is then not ours to judge)."""
    deploy = service.get("deploy")
    value = deploy.get("replicas") if isinstance(deploy, dict) else None
    if value is None:
        value = service.get("scale")
    if isinstance(value, bool) or not isinstance(value, int | str):
        return 1
    try:
        count = int(value)
    except ValueError:
        return 1
    return count if count >= 1 else 1


def _volume_target(spec: str) -> str:
    """The container path of a short-syntax volume: `src:target[:mode]` or just `target`
    (a Windows drive letter in the source, `C:\\x:/app`, is skipped)."""
    parts = spec.split(":")
    if len(parts) >= 2 and len(parts[0]) == 1 and parts[0].isalpha() and parts[1].startswith("\\"):
        parts = [parts[0] + ":" + parts[1], *parts[2:]]
    if len(parts) == 1:
        return parts[0]
    return parts[1]


# --------------------------------------------------------------------------- network facts


def _with_network_facts(source: EnvSource, services: Mapping[Any, Any],
                        lookup: Mapping[str, str]) -> EnvSource:
    """`source` with its service's published ports, network mode and neighbours filled in (what
    the trusted-header and forwarded-header checks need to see who can reach the app)."""
    import dataclasses

    compose = source.compose
    if compose is None:
        return source
    service = services.get(compose.name)
    if not isinstance(service, dict):
        return source
    mode = service.get("network_mode")
    neighbours = tuple((str(name), str(other.get("image") or ""))
                       for name, other in services.items()
                       if name != compose.name and isinstance(other, dict))
    facts = dataclasses.replace(
        compose, published=_published_ports(service.get("ports"), lookup),
        network_mode=_interpolate(str(mode), lookup) if isinstance(mode, str) else None,
        neighbours=neighbours)
    return dataclasses.replace(source, compose=facts)


def _published_ports(entries: Any, lookup: Mapping[str, str]) -> tuple[PublishedPort, ...]:
    """The `ports:` entries in both compose syntaxes. Short: `[HOST_IP:][HOST:]CONTAINER[/proto]`
    (an IPv6 host address in brackets; a bare container port is published on a random host port
    on every interface); long: `target`, `published`, `host_ip`. Entries compose itself would
    refuse are skipped."""
    if not isinstance(entries, list):
        return ()
    ports: list[PublishedPort] = []
    for entry in entries:
        if isinstance(entry, dict):
            target = entry.get("target")
            if target is None or isinstance(target, bool):
                continue
            address = entry.get("host_ip")
            published = entry.get("published")
            host_ip = _interpolate(str(address), lookup) if address is not None else None
            host_port = _interpolate(str(published), lookup) if published is not None else None
            container = _interpolate(str(target), lookup)
            ports.append(PublishedPort(
                host_ip=host_ip, published=host_port, target=container,
                raw=":".join(part for part in (host_ip, host_port, container) if part)))
            continue
        if isinstance(entry, bool) or not isinstance(entry, int | str):
            continue
        spec = _interpolate(str(entry), lookup).strip()
        body = spec.split("/", 1)[0]
        host_ip = None
        if body.startswith("["):
            end = body.find("]")
            if end == -1:
                continue
            host_ip, body = body[1:end], body[end + 1:].lstrip(":")
        parts = body.split(":")
        if len(parts) == 1:
            ports.append(PublishedPort(host_ip, None, parts[0], raw=spec))
        elif len(parts) == 2:
            ports.append(PublishedPort(host_ip, parts[0] or None, parts[1], raw=spec))
        elif len(parts) == 3 and host_ip is None:
            ports.append(PublishedPort(parts[0], parts[1] or None, parts[2], raw=spec))
    return tuple(ports)
