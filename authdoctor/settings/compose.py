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
from authdoctor.settings.images import is_openwebui_image
from authdoctor.settings.interpolate import (
    InterpolationBudget,
    InterpolationError,
    interpolate_compose,
)
from authdoctor.settings.model import ComposeService, EnvSource, EnvVar, PublishedPort
from authdoctor.settings.yamlsafe import mapping_get

_YAML12_BOOL = re.compile(r"^(true|True|TRUE|false|False|FALSE)$")
# YAML 1.2 core schema plain scalars that are not strings (what compose's YAML parser types)
_YAML12_NOT_STRING = re.compile(
    r"^(~|null|Null|NULL|true|True|TRUE|false|False|FALSE|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))?$")
_WHAT = "compose file"


def _is_openwebui(service: Mapping[str, Any], lookup: Mapping[str, str] | None = None) -> bool:
    """Whether the service runs an Open WebUI image (`image:` interpolated when `lookup` is
    given: `image: ${OWUI_IMAGE:-ghcr.io/open-webui/open-webui:main}`)."""
    image = str(service.get("image") or "")
    if lookup is not None:
        image = _interpolate(image, lookup)
    return is_openwebui_image(image)


def _project_env(path: str, environ: Mapping[str, str]) -> dict[str, str]:
    """Interpolation variables: the project's `.env` (next to the compose file), overridden by the
    process environment, as `docker compose` does. The `.env` has its own interpolation budget."""
    lookup: dict[str, str] = {}
    dot_env = Path(path).parent / ".env"
    if dot_env.exists():  # a FIFO or a folder named .env is an error (read_text), never a wait
        lookup.update({k: v.value for k, v in parse_env_text(read_text(dot_env, "env file"),
                                                             str(dot_env), environ,
                                                             compose=True).items()})
    lookup.update(environ)
    return lookup


def _interpolate(value: str, lookup: Mapping[str, str]) -> str:
    """`value` interpolated as compose does (`$$` is a literal `$`). `load_compose` has checked
    every string of the file first, so the errors compose would report are reported there, with
    the line; this one only names the file's problem in general terms."""
    try:
        return interpolate_compose(value, lookup)[0]
    except InterpolationError as exc:
        raise ConfigError(f"invalid interpolation: {exc}") from None


def load_compose(path: str, service_names: Sequence[str], environ: Mapping[str, str]) -> list[EnvSource]:
    """One EnvSource per selected service (named ones, else every service running the Open
    WebUI image). `env_file:` entries are read first, `environment:` wins, like compose.

    What docker compose refuses is a ConfigError here too (exit 2), never silently skipped: a
    repeated key, `${VAR:?message}` with VAR unset or empty (the message is shown, the value
    never), a malformed `${...}`, and `environment` / `env_file` entries the compose schema or
    Docker reject. Parsing and its bounds are `settings.yamlsafe`'s."""
    import yaml

    from authdoctor.settings.yamlsafe import compose_document, duplicate_key, to_python

    text = read_text(path, _WHAT)
    root = compose_document(text, path, what=_WHAT)
    if root is not None:
        duplicate = duplicate_key(root)
        if duplicate is not None:
            key_node, key_path = duplicate
            raise ConfigError(f"the key '{key_path[-1]}' is repeated in the same mapping "
                              f"('{'.'.join(key_path)}'); docker compose refuses the file",
                              path=path, line=key_node.start_mark.line + 1)
    _apply_compose_tags(root)  # first: `!reset` may remove a whole service
    services_node = mapping_get(root, "services")
    if not isinstance(services_node, yaml.MappingNode):
        raise ConfigError("no 'services:' mapping found; is this a docker-compose file?", path=path)
    service_nodes: dict[str, Any] = mapping_get(services_node, None)
    lookup = _project_env(path, environ)
    _check_interpolation(root, path, lookup)
    # Service names as compose reads them: the key's text (`1:` is the service "1").
    services = {name: to_python(node, path, what=_WHAT) for name, node in service_nodes.items()}
    if service_names:
        missing = [name for name in service_names if name not in services]
        if missing:
            raise ConfigError(f"service '{missing[0]}' not found; services here: "
                              f"{', '.join(services)}", path=path)
        selected = list(dict.fromkeys(service_names))
    else:
        selected = [name for name, svc in services.items()
                    if isinstance(svc, dict) and _is_openwebui(svc, lookup)]
        if not selected:
            raise ConfigError("no service runs an Open WebUI image; name one with --service "
                              f"(services here: {', '.join(services)})", path=path)
    lines = text.splitlines()
    env_cache: dict[Path, dict[str, EnvVar]] = {}  # one read per env_file, however many services
    sources = [_service_source(path, name, services[name], lookup, lines=lines,
                               node=service_nodes.get(name), env_cache=env_cache)
               for name in selected]
    return [_with_network_facts(source, services, lookup) for source in sources]


def _apply_compose_tags(root: Any) -> None:
    """Compose's own YAML tags, in place: a value tagged `!reset` is removed (with its key), and
    `!override` is an ordinary value. They matter when files are merged; in one file these are
    their effects, and PyYAML's safe loader would otherwise refuse both as unknown tags."""
    import yaml

    defaults = {yaml.MappingNode: "tag:yaml.org,2002:map", yaml.SequenceNode: "tag:yaml.org,2002:seq"}
    resolver: Any = yaml.resolver.Resolver()
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if node.tag == "!override":
            plain = isinstance(node, yaml.ScalarNode) and node.style in (None, "")
            node.tag = (defaults.get(type(node)) or
                        (resolver.resolve(yaml.ScalarNode, node.value, (True, False)) if plain
                         else "tag:yaml.org,2002:str"))
        if isinstance(node, yaml.MappingNode):
            node.value = [(k, v) for k, v in node.value if v.tag != "!reset"]
            for key_node, value_node in node.value:
                stack.extend((key_node, value_node))
        elif isinstance(node, yaml.SequenceNode):
            node.value = [item for item in node.value if item.tag != "!reset"]
            stack.extend(node.value)


def _check_interpolation(root: Any, path: str, lookup: Mapping[str, str]) -> None:
    """Interpolate every string value of the file once, as compose does before anything else,
    so what compose refuses is refused here with its line: `${VAR:?message}`, malformed `${...}`,
    and references that produce more than the per-file budget (a reference bomb)."""
    import yaml

    budget = InterpolationBudget()
    stack: list[tuple[Any, tuple[str, ...]]] = [(root, ())]
    while stack:  # every use of an alias counts: yamlsafe bounds the expanded size
        node, where = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
                stack.append((value_node, (*where, key)))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, (*where, str(index))) for index, item in enumerate(node.value))
        elif isinstance(node, yaml.ScalarNode) and "$" in node.value:
            try:
                interpolate_compose(node.value, lookup, budget)
            except InterpolationError as exc:
                raise ConfigError(f"'{'.'.join(where)}': {exc}", path=path,
                                  line=node.start_mark.line + 1, key=".".join(where)) from None


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


def _environment(path: str, name: str, node: Any, lines: list[str],
                 lookup: Mapping[str, str]) -> list[tuple[str, str | None, int | None, str | None]]:
    """(name, interpolated value or None for pass-through, line, raw line) for each
    `environment:` entry. As in compose, a mapping value is interpolated, and a list entry is
    interpolated whole before it is split at its first '=' (`- ${NAME}=x` names a variable).

    Entries that docker compose or Docker refuse are ConfigErrors, never dropped: in the mapping
    form an empty name or a list / mapping as the value (compose schema: a value is a string,
    number, boolean or null); in the list form an entry that is not text (a number, a boolean,
    null, a list, a mapping), the same entry twice (schema: uniqueItems), a name ending in a
    space ("declared with a trailing space"), or an empty name (`=value`: Docker refuses to
    create the container, "invalid environment variable")."""
    import yaml

    env_node = mapping_get(node, "environment")
    items: list[tuple[str, str | None, int | None, str | None]] = []

    def raw(line: int | None) -> str | None:
        return lines[line - 1] if line and line <= len(lines) else None

    def refuse(message: str, at: Any) -> ConfigError:
        return ConfigError(f"service '{name}': {message}", path=path,
                           line=at.start_mark.line + 1 if at is not None else None)

    if env_node is None or (isinstance(env_node, yaml.ScalarNode) and _scalar_text(env_node) is None):
        return items
    if isinstance(env_node, yaml.MappingNode):
        for key, value_node in mapping_get(env_node, None).items():
            if key == "":
                raise refuse("an 'environment' entry has an empty variable name; docker compose "
                             "refuses it", value_node)
            if not isinstance(value_node, yaml.ScalarNode):
                kind = "a list" if isinstance(value_node, yaml.SequenceNode) else "a mapping"
                raise refuse(f"environment variable {key} has {kind} as its value; docker compose "
                             "refuses it (a value is text, a number, a boolean or empty)",
                             value_node)
            line = value_node.start_mark.line + 1
            text = _scalar_text(value_node)
            items.append((key, None if text is None else _interpolate(text, lookup), line, raw(line)))
        return items
    if not isinstance(env_node, yaml.SequenceNode):
        raise refuse("'environment' must be a list or a mapping", env_node)
    seen: dict[str, int] = {}
    for index, entry_node in enumerate(env_node.value, start=1):
        if not isinstance(entry_node, yaml.ScalarNode) or (
                entry_node.style in (None, "") and _YAML12_NOT_STRING.match(entry_node.value)):
            raise refuse(f"'environment' entry {index} is not NAME=value text (docker compose "
                         "refuses it; put the entry in quotes)", entry_node)
        entry = str(entry_node.value)
        line = entry_node.start_mark.line + 1
        if entry in seen:
            raise refuse(f"'environment' entry {index} repeats entry {seen[entry]} exactly; docker "
                         "compose refuses duplicate entries", entry_node)
        seen[entry] = index
        key, sep, value = _interpolate(entry, lookup).partition("=")
        if not key.strip():
            raise refuse(f"'environment' entry {index} has no variable name before '='; Docker "
                         "refuses to create such a container", entry_node)
        if key[-1].isspace():
            raise refuse(f"environment variable {key.rstrip()} is declared with a space before "
                         "'='; docker compose refuses it", entry_node)
        items.append((key, value if sep else None, line, raw(line)))
    return items


_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")


def _env_files(path: str, name: str, service: Mapping[str, Any],
               lookup: Mapping[str, str]) -> list[tuple[Path, bool]]:
    """(file, required) for each `env_file:` entry, as the compose schema allows them: a path, or
    a list of paths and `{path: ..., required: ..., format: ...}` mappings (`path` is required;
    `required` is a boolean or the text of one). Paths are interpolated and relative to the
    compose file's folder. Anything else is a ConfigError naming the entry."""
    entries = service.get("env_file")
    if entries is None:
        return []
    if isinstance(entries, str):
        entries = [entries]
    if not isinstance(entries, list):
        raise ConfigError(f"service '{name}': 'env_file' must be a path or a list of paths", path=path)
    base = Path(path).parent
    files: list[tuple[Path, bool]] = []
    for index, entry in enumerate(entries, start=1):
        required: Any = True
        if isinstance(entry, dict):
            file_path, required = entry.get("path"), entry.get("required", True)
            if file_path is None:
                raise ConfigError(f"service '{name}': 'env_file' entry {index} has no 'path'",
                                  path=path)
        else:
            file_path = entry
        if not isinstance(file_path, str) or not file_path:
            raise ConfigError(f"service '{name}': 'env_file' entry {index} must be a path (text) "
                              "or a mapping with 'path:'", path=path)
        if isinstance(required, str) and required in _TRUE + _FALSE:
            required = required in _TRUE
        if not isinstance(required, bool):
            raise ConfigError(f"service '{name}': 'env_file' entry {index}: 'required' must be "
                              "true or false", path=path)
        files.append((base / _interpolate(file_path, lookup), required))
    return files


def _service_source(path: str, name: str, service: Any, lookup: Mapping[str, str], *,
                    lines: list[str], node: Any,
                    env_cache: dict[Path, dict[str, EnvVar]] | None = None) -> EnvSource:
    if not isinstance(service, dict):
        raise ConfigError(f"service '{name}' is not a mapping", path=path)
    env_cache = {} if env_cache is None else env_cache
    variables: dict[str, EnvVar] = {}
    for full, required in _env_files(path, name, service, lookup):
        if not required and not full.exists():
            continue
        if full not in env_cache:
            env_cache[full] = parse_env_text(read_text(full, "env file"), str(full), lookup, compose=True)
        variables.update(env_cache[full])
    for key, given, line, raw in _environment(path, name, node, lines, lookup):
        if given is None and key not in lookup:
            continue  # `- NAME` / `NAME:` passes the variable through from the host, if set
        value = lookup[key] if given is None else given
        variables[key] = EnvVar(key, value, SourceLocation(path, line, key), raw=raw)
    volumes = []
    volume_entries = service.get("volumes") or []
    if not isinstance(volume_entries, list):
        raise ConfigError(f"service '{name}': 'volumes' must be a list", path=path)
    for index, volume in enumerate(volume_entries, 1):
        if not isinstance(volume, (str, dict)):
            # compose's schema: a volume is a short-syntax string or a long-syntax mapping; a
            # nested list (from an alias) would otherwise be rendered whole (review of issue 7)
            raise ConfigError(f"service '{name}': 'volumes' entry {index} is a "
                              f"{type(volume).__name__}, not a path or a mapping; docker compose "
                              "refuses it", path=path)
        if isinstance(volume, dict):
            volumes.append(_interpolate(str(volume.get("target", "")), lookup))
        else:
            volumes.append(_volume_target(_interpolate(str(volume), lookup)))
    image = service.get("image")
    compose = ComposeService(name=name,
                             image=_interpolate(str(image), lookup) if image is not None else None,
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
