"""`docker inspect` output (`docker inspect open-webui | authdoctor check --docker-inspect -`): each
Open WebUI container's `Config.Env` is one settings source (one replica).

`Config.Env` is the container's whole environment as `NAME=value` strings, the image's `ENV`
defaults included (Open WebUI's image sets `WEBUI_SECRET_KEY=""`, which its start script treats as
unset), so values are exactly what the app receives. The compose labels
`com.docker.compose.project` / `com.docker.compose.service` name the service, `Mounts[].Destination`
the container paths that outlive the container (a `tmpfs` mount does not). Locations point at the
line of the `NAME=value` entry in the JSON and name the container.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from authdoctor.errors import ConfigError
from authdoctor.findings import SourceLocation
from authdoctor.settings.files import read_text_or_stdin
from authdoctor.settings.images import is_openwebui_image
from authdoctor.settings.model import ComposeService, EnvSource, EnvVar, PublishedPort

WHAT = "docker inspect output"
PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"


LineOf = Callable[[int | None], int | None]  # a text offset → its 1-based line


class _Entry(NamedTuple):
    """One container of the inspect output, with what selecting and reading it needs."""

    container: dict[str, Any]
    config: dict[str, Any]
    name: str
    labels: dict[str, Any]


class _Positions(list[Any]):
    """A JSON array that remembers the text offset where each element starts."""

    starts: list[int]


def _decode(text: str, path: str) -> Any:
    """JSON with the start offset of every array element (for line numbers). The pure-Python
    scanner is used because its array parser can be wrapped; inputs are bounded in size."""
    import json
    import json.decoder
    import json.scanner

    def parse_array(s_and_end: tuple[str, int], scan_once: Any) -> tuple[list[Any], int]:
        starts: list[int] = []

        def scan(string: str, index: int) -> Any:
            starts.append(index)
            return scan_once(string, index)

        values, end = json_array(s_and_end, scan)
        result = _Positions(values)
        result.starts = starts[: len(values)]
        return result, end

    json_array: Any = getattr(json.decoder, "JSONArray")  # noqa: B009 (not in the stubs)
    decoder: Any = json.JSONDecoder()
    decoder.parse_array = parse_array
    decoder.scan_once = getattr(json.scanner, "py_make_scanner")(decoder)  # noqa: B009
    try:
        return decoder.decode(text)
    except json.JSONDecodeError as exc:
        # The message names the kind of error and the position, never the text (it may be a secret).
        raise ConfigError(f"invalid JSON in the {WHAT}, column {exc.colno}: {exc.msg.lower()}; "
                          "give the output of `docker inspect CONTAINER`",
                          path=path, line=exc.lineno) from None
    except RecursionError:
        raise ConfigError(f"the {WHAT} nests too deeply to be docker inspect output",
                          path=path) from None


def _containers(data: Any, path: str) -> list[dict[str, Any]]:
    """The container objects of the list (a single object is accepted too)."""
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list) and not data:
        raise ConfigError(f"the {WHAT} is an empty list: no container (docker inspect of a "
                          "container that does not exist prints [])", path=path)
    if not isinstance(data, list):
        raise ConfigError(f"the {WHAT} is not a JSON list of containers; give the output of "
                          "`docker inspect CONTAINER`", path=path)
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            raise ConfigError(f"entry {index + 1} of the {WHAT} is not a container object", path=path)
    return list(data)


def _name(container: dict[str, Any], index: int) -> str:
    name = container.get("Name")
    if isinstance(name, str) and name.strip("/"):
        return name.strip("/")
    ident = container.get("Id")
    return str(ident)[:12] if isinstance(ident, str) and ident else f"container {index + 1}"


def _config(container: dict[str, Any], name: str, path: str) -> dict[str, Any]:
    config = container.get("Config")
    if "RepoTags" in container and "State" not in container:
        raise ConfigError(f"'{name}' is an image, not a container: give `docker inspect CONTAINER` "
                          "(an image's Config.Env lacks the settings given at `docker run`)",
                          path=path)
    if not isinstance(config, dict) or not isinstance(config.get("Env") or [], list):
        raise ConfigError(f"container '{name}' has no Config.Env list; is this `docker inspect` "
                          "of a container?", path=path)
    return config


def load_docker_inspect(path: str, names: Sequence[str] = ()) -> list[EnvSource]:
    """One EnvSource per selected container: named by `names` (container name or compose service),
    else those running an Open WebUI image; a single container is taken as given."""
    text, shown = read_text_or_stdin(path, WHAT)
    containers = _containers(_decode(text, shown), shown)
    newlines = [i for i, char in enumerate(text) if char == "\n"]

    def line_of(offset: int | None) -> int | None:
        return None if offset is None else bisect.bisect_right(newlines, offset - 1) + 1

    entries: list[_Entry] = []
    for index, container in enumerate(containers):
        name = _name(container, index)
        config = _config(container, name, shown)
        labels = config.get("Labels") if isinstance(config.get("Labels"), dict) else {}
        entries.append(_Entry(container, config, name, labels or {}))
    listing = ", ".join(entry.name for entry in entries)
    if names:
        selected = [e for e in entries if e.name in names or e.labels.get(SERVICE_LABEL) in names]
        matched = {e.name for e in selected} | {str(e.labels.get(SERVICE_LABEL)) for e in selected}
        missing = [n for n in names if n not in matched]
        if missing:
            raise ConfigError(f"no container or compose service named '{missing[0]}'; "
                              f"containers here: {listing}", path=shown)
    elif len(entries) == 1:
        selected = entries
    else:
        selected = [e for e in entries if is_openwebui_image(str(e.config.get("Image") or ""))]
        if not selected:
            raise ConfigError("no container runs an Open WebUI image; name one with --service "
                              f"(containers here: {listing})", path=shown)
    return [_source(entry, shown, line_of) for entry in selected]


def _published(bindings: Any) -> tuple[PublishedPort, ...]:
    """`HostConfig.PortBindings` (`docker run -p`): {"8080/tcp": [{"HostIp": "", "HostPort":
    "3000"}]}; an empty HostIp binds every interface of the host, as in a compose `ports:` entry
    without an address (the trusted-header exposure rule reads both)."""
    if not isinstance(bindings, dict):
        return ()
    ports = []
    for container_port, hosts in bindings.items():
        target = str(container_port).partition("/")[0]
        for host in hosts if isinstance(hosts, list) else []:
            if not isinstance(host, dict):
                continue
            host_ip = str(host.get("HostIp") or "") or None
            published = str(host.get("HostPort") or "") or None
            shown = f"{host_ip or '0.0.0.0'}:{published or ''}->{container_port}"
            ports.append(PublishedPort(host_ip=host_ip, published=published, target=target, raw=shown))
    return tuple(ports)


def _source(chosen: _Entry, path: str, line_of: LineOf) -> EnvSource:
    container, config, name, labels = chosen
    env = config.get("Env") or []
    starts = env.starts if isinstance(env, _Positions) else []
    variables: dict[str, EnvVar] = {}
    for index, entry in enumerate(env):
        if not isinstance(entry, str):
            raise ConfigError(f"container '{name}': Config.Env entry {index + 1} is not a string",
                              path=path, line=line_of(starts[index] if index < len(starts) else None))
        key, sep, value = entry.partition("=")
        if not sep or not key:
            continue  # `docker run -e NAME` with NAME unset on the host: not in the container
        line = line_of(starts[index] if index < len(starts) else None)
        variables[key] = EnvVar(key, value, SourceLocation(path, line, f"{key} in container {name}"))
    service = labels.get(SERVICE_LABEL)
    project = labels.get(PROJECT_LABEL)
    mounts = container.get("Mounts")
    targets = tuple(str(m["Destination"]) for m in (mounts if isinstance(mounts, list) else [])
                    if isinstance(m, dict) and m.get("Destination") and m.get("Type") != "tmpfs")
    host_config = container.get("HostConfig")
    host_config = host_config if isinstance(host_config, dict) else {}
    network_mode = host_config.get("NetworkMode")
    compose = ComposeService(name=str(service) if service else name,
                             image=str(config.get("Image")) if config.get("Image") else None,
                             volume_targets=targets, path=path, replicas=1,
                             published=_published(host_config.get("PortBindings")),
                             network_mode=network_mode if isinstance(network_mode, str) else None)
    label = f"{path}:{name}" + (f" ({project}/{service})" if project and service else "")
    return EnvSource(label=label, vars=variables, compose=compose)
