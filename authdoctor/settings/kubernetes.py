"""Kubernetes manifests (`helm template ... | authdoctor check --k8s -`, or `kubectl get
deploy,cm,secret -o yaml`): each Deployment / StatefulSet / ReplicaSet / Pod container that runs
Open WebUI is one settings source.

The container's environment is built the way the kubelet builds it (`kubelet_pods.go`
makeEnvironmentVariables): every `envFrom` source in order (with its `prefix`; a later source wins),
then every `env` entry in order (`env` wins over `envFrom`). An `env` value's `$(VAR)` references
expand to variables defined before it; an unresolvable reference stays as written and `$$` is a
literal `$` (so `$$(VAR)` gives `$(VAR)`), as the EnvVar API documents. `valueFrom` and `envFrom`
references are resolved against the ConfigMaps and Secrets in the same input (Secret `data` is
base64, `stringData` plain and wins). A reference to an object that is not in the input is never
guessed: the variable is set, its value is unknown (`EnvVar.unknown`), and an `envFrom` of such an
object is recorded in `EnvSource.unresolved`. Every value read from a Secret is marked secret.

`spec.replicas` (default 1) counts as that many app processes, like compose's `deploy.replicas`.
Every manifest is parsed by `authdoctor.settings.yamlsafe`; locations point at the line of the
value in the input and name the document (or `kind: List` item) and object.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from authdoctor.errors import ConfigError
from authdoctor.findings import SourceLocation
from authdoctor.settings.files import read_text_or_stdin
from authdoctor.settings.images import is_openwebui_image
from authdoctor.settings.interpolate import InterpolationBudget, InterpolationError
from authdoctor.settings.model import ComposeService, EnvSource, EnvVar
from authdoctor.settings.yamlsafe import compose_documents, mapping_get, seq_nodes, to_python

WHAT = "Kubernetes manifests"
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "ReplicaSet", "Pod")
# Volumes whose content does not outlive the pod (or cannot be written): a key file there is lost
# when a rollout replaces the pod.
_EPHEMERAL_VOLUMES = ("emptyDir", "configMap", "secret", "downwardAPI", "projected", "ephemeral")
# enableServiceLinks (default true) defines FOO_SERVICE_HOST / FOO_PORT... for every service; we
# do not know them, so a reference to one has an unknown value rather than the literal text.
_SERVICE_LINK = re.compile(r"_(SERVICE_HOST|SERVICE_PORT(_\w+)?|PORT(_\w+)?)$")


@dataclass(frozen=True)
class _Object:
    """One Kubernetes object of the input, with its YAML node (for line numbers)."""

    kind: str
    name: str
    namespace: str | None
    data: dict[str, Any]
    node: Any
    where: str  # "document 3" or "document 1, item 4"

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.name}"


def _line(node: Any) -> int | None:
    mark = getattr(node, "start_mark", None)
    return mark.line + 1 if mark is not None else None


def _objects(text: str, path: str) -> list[_Object]:
    objects: list[_Object] = []
    for number, node in enumerate(compose_documents(text, path, what=WHAT), start=1):
        data = to_python(node, path, what=WHAT)
        if data is None:
            continue
        where = f"document {number}"
        if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
            raise ConfigError(f"{where} is not a Kubernetes object (a mapping with 'kind:'); "
                              "give manifests, e.g. `helm template ...` or `kubectl get ... -o yaml`",
                              path=path, line=_line(node))
        if data["kind"] == "List" or (data["kind"].endswith("List") and "items" in data):
            items = data.get("items") or []
            if not isinstance(items, list):
                raise ConfigError(f"{where}: 'items' of a {data['kind']} must be a list",
                                  path=path, line=_line(node))
            item_nodes = seq_nodes(mapping_get(node, "items"))
            for index, item in enumerate(items, start=1):
                item_node = item_nodes[index - 1] if index <= len(item_nodes) else None
                objects.append(_object(item, item_node, f"{where}, item {index}", path))
        else:
            objects.append(_object(data, node, where, path))
    return objects


def _object(data: Any, node: Any, where: str, path: str) -> _Object:
    if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
        raise ConfigError(f"{where} is not a Kubernetes object (a mapping with 'kind:')",
                          path=path, line=_line(node))
    metadata = data.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    name = metadata.get("name")
    namespace = metadata.get("namespace")
    return _Object(kind=data["kind"], name=str(name) if name is not None else "(unnamed)",
                   namespace=str(namespace) if namespace is not None else None,
                   data=data, node=node, where=where)


# --------------------------------------------------------------------------- ConfigMaps, Secrets


@dataclass(frozen=True)
class _Value:
    value: str
    location: SourceLocation


class _Store:
    """The ConfigMaps and Secrets of the input, by kind, namespace and name, decoded."""

    def __init__(self, objects: Sequence[_Object], path: str) -> None:
        self._objects = {(o.kind, o.namespace, o.name): o for o in objects
                         if o.kind in ("ConfigMap", "Secret")}
        self._path = path
        self._decoded: dict[tuple[str, str | None, str], dict[str, _Value]] = {}
        self.budget = InterpolationBudget()  # what $(VAR) expansion may produce for the file

    def find(self, kind: str, namespace: str | None, name: str) -> _Object | None:
        """The object in the workload's namespace; objects or workloads without a namespace
        (typical of `helm template`) match by name alone."""
        exact = self._objects.get((kind, namespace, name))
        if exact is not None:
            return exact
        for (k, ns, n), obj in self._objects.items():
            if k == kind and n == name and (ns is None or namespace is None):
                return obj
        return None

    def values(self, obj: _Object) -> dict[str, _Value]:
        key = (obj.kind, obj.namespace, obj.name)
        if key not in self._decoded:
            self._decoded[key] = self._decode(obj)
        return self._decoded[key]

    def _decode(self, obj: _Object) -> dict[str, _Value]:
        result: dict[str, _Value] = {}
        fields = ("data",) if obj.kind == "ConfigMap" else ("data", "stringData")
        for field_name in fields:  # stringData after data: the API server lets it win
            section = obj.data.get(field_name)
            if section is None:
                continue
            if not isinstance(section, dict):
                raise ConfigError(f"{obj.where}, {obj.ref}: '{field_name}' must be a mapping",
                                  path=self._path, line=_line(obj.node))
            nodes = mapping_get(mapping_get(obj.node, field_name), None)
            for key, raw in section.items():
                line = _line(nodes.get(str(key)))
                if not isinstance(raw, str):
                    raise ConfigError(
                        f"{obj.where}, {obj.ref}: the value of '{key}' in '{field_name}' is not a "
                        "string; Kubernetes rejects it (quote it)", path=self._path, line=line)
                value = raw
                if obj.kind == "Secret" and field_name == "data":
                    value = self._base64(raw, obj, str(key), line)
                location = SourceLocation(self._path, line, f"{key} in {obj.ref}, {obj.where}")
                result[str(key)] = _Value(value, location)
        return result

    def _base64(self, raw: str, obj: _Object, key: str, line: int | None) -> str:
        try:
            decoded = base64.b64decode(raw.replace("\n", "").replace("\r", ""), validate=True)
        except (binascii.Error, ValueError):
            raise ConfigError(f"{obj.where}, {obj.ref}: data '{key}' is not valid base64 "
                              "(Secret 'data' values are base64; use 'stringData' for plain text)",
                              path=self._path, line=line) from None
        try:
            return decoded.decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError(f"{obj.where}, {obj.ref}: data '{key}' decodes to bytes that are not "
                              "UTF-8 text, which cannot be an Open WebUI setting",
                              path=self._path, line=line) from None


# --------------------------------------------------------------------------- $(VAR) expansion


def expand(value: str, lookup: Mapping[str, str],
           budget: InterpolationBudget | None = None) -> tuple[str, list[str]]:
    """Kubernetes' `$(VAR)` expansion (k8s.io/kubernetes third_party/forked/golang/expansion):
    `$(NAME)` becomes `lookup[NAME]`, an unknown NAME stays `$(NAME)`, `$$` is `$`, and a `$`
    before anything else is kept. Returns the text and every name referenced (escaped ones not).
    Linear in the text; substituted values spend `budget` (InterpolationTooLarge when spent)."""
    budget = budget if budget is not None else InterpolationBudget()
    out: list[str] = []
    referenced: list[str] = []
    close = -2  # the next ')' after the last search (-1: none left), so the text is scanned once
    i = 0
    while i < len(value):
        char = value[i]
        if char != "$" or i + 1 >= len(value):
            out.append(char)
            i += 1
            continue
        following = value[i + 1]
        if following == "$":
            out.append("$")
            i += 2
        elif following == "(":
            if close != -1 and close < i + 2:
                close = value.find(")", i + 2)
            if close < 0:
                out.append("$(")
                i += 2
                continue
            name = value[i + 2:close]
            referenced.append(name)
            resolved = lookup.get(name)
            if resolved is not None:
                budget.spend(len(resolved))
            out.append(resolved if resolved is not None else f"$({name})")
            i = close + 1
        else:
            out.append("$" + following)
            i += 2
    return "".join(out), referenced


class _KnownValues(Mapping[str, str]):
    """The values of the variables defined so far whose value is known, without copying them
    for every variable (a container with thousands of `$(VAR)` entries)."""

    def __init__(self, defined: Mapping[str, EnvVar]) -> None:
        self._defined = defined

    def __getitem__(self, name: str) -> str:
        var = self._defined[name]
        if var.unknown is not None:
            raise KeyError(name)
        return var.value

    def __iter__(self) -> Iterator[str]:
        return (name for name, var in self._defined.items() if var.unknown is None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


# --------------------------------------------------------------------------- workloads


@dataclass(frozen=True)
class _Container:
    workload: _Object
    pod_spec: dict[str, Any]
    pod_node: Any
    data: dict[str, Any]
    node: Any

    @property
    def name(self) -> str:
        return str(self.data.get("name") or "(unnamed)")

    @property
    def image(self) -> str:
        return str(self.data.get("image") or "")


def _pod(workload: _Object) -> tuple[dict[str, Any], Any] | None:
    spec = workload.data.get("spec")
    spec_node = mapping_get(workload.node, "spec")
    if not isinstance(spec, dict):
        return None
    if workload.kind == "Pod":
        return spec, spec_node
    template = spec.get("template")
    pod_spec = template.get("spec") if isinstance(template, dict) else None
    if not isinstance(pod_spec, dict):
        return None
    return pod_spec, mapping_get(mapping_get(spec_node, "template"), "spec")


def _containers(workloads: Sequence[_Object]) -> list[_Container]:
    result: list[_Container] = []
    for workload in workloads:
        pod = _pod(workload)
        if pod is None:
            continue
        pod_spec, pod_node = pod
        containers = pod_spec.get("containers") or []
        if not isinstance(containers, list):
            continue
        nodes = seq_nodes(mapping_get(pod_node, "containers"))
        for index, container in enumerate(containers):
            if isinstance(container, dict):
                node = nodes[index] if index < len(nodes) else None
                result.append(_Container(workload, pod_spec, pod_node, container, node))
    return result


def load_kubernetes(path: str, names: Sequence[str] = ()) -> list[EnvSource]:
    """One EnvSource per Open WebUI container: named by `names` (a workload or container name),
    else every container whose image is Open WebUI's."""
    text, shown = read_text_or_stdin(path, WHAT)
    objects = _objects(text, shown)
    workloads = [o for o in objects if o.kind in WORKLOAD_KINDS]
    containers = _containers(workloads)
    if not containers:
        kinds = sorted({o.kind for o in objects}) or ["none"]
        raise ConfigError(f"no {', '.join(WORKLOAD_KINDS[:-1])} or Pod with containers in the "
                          f"input (kinds here: {', '.join(kinds)})", path=shown)
    listing = ", ".join(f"{c.workload.ref} (container {c.name})" for c in containers)
    if names:
        selected = [c for c in containers if c.workload.name in names or c.name in names]
        matched = {c.workload.name for c in selected} | {c.name for c in selected}
        missing = [n for n in names if n not in matched]
        if missing:
            raise ConfigError(f"no workload or container named '{missing[0]}'; here: {listing}",
                              path=shown)
    else:
        selected = [c for c in containers if is_openwebui_image(c.image)]
        if not selected:
            raise ConfigError("no container runs an Open WebUI image; name one with --service "
                              f"(containers here: {listing})", path=shown)
    store = _Store(objects, shown)
    several = {c.workload.ref for c in selected
               if sum(1 for other in selected if other.workload is c.workload) > 1}
    return [_source(c, store, shown, with_container=c.workload.ref in several) for c in selected]


def _source(container: _Container, store: _Store, path: str, *, with_container: bool) -> EnvSource:
    workload = container.workload
    failures: list[tuple[str, SourceLocation | None]] = []
    variables, unresolved = _environment(container, store, path, failures)
    label = f"{path}:{workload.ref}" + (f"[{container.name}]" if with_container else "")
    compose = ComposeService(name=workload.ref, image=container.image or None,
                             volume_targets=_persistent_mounts(container), path=path,
                             replicas=_replicas(workload, path))
    return EnvSource(label=label, vars=variables, compose=compose, unresolved=tuple(unresolved),
                     start_failures=tuple(failures))


def _replicas(workload: _Object, path: str) -> int:
    """`spec.replicas` of a Deployment / StatefulSet / ReplicaSet (Kubernetes' default is 1); a
    Pod is one. Zero (scaled down) still describes one app when it runs. Anything but an integer
    (`replicas: "3"`) is refused, as the Kubernetes API refuses it."""
    if workload.kind == "Pod":
        return 1
    spec = workload.data.get("spec")
    value = spec.get("replicas") if isinstance(spec, dict) else None
    if value is None:
        return 1
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{workload.ref} ({workload.where}): spec.replicas must be an integer, "
                          f"not {type(value).__name__} (the Kubernetes API refuses it)", path=path)
    return max(value, 1)


def _persistent_mounts(container: _Container) -> tuple[str, ...]:
    """Mount paths of volumes that outlive the pod (a PersistentVolumeClaim, a StatefulSet claim
    template, hostPath, NFS...): not emptyDir, ConfigMap, Secret or other pod-scoped volumes."""
    volumes = container.pod_spec.get("volumes") or []
    kinds: dict[str, set[str]] = {}
    if isinstance(volumes, list):
        for volume in volumes:
            if isinstance(volume, dict) and volume.get("name") is not None:
                kinds[str(volume["name"])] = {str(k) for k in volume if k != "name"}
    mounts = container.data.get("volumeMounts") or []
    targets: list[str] = []
    if isinstance(mounts, list):
        for mount in mounts:
            if not isinstance(mount, dict) or not mount.get("mountPath"):
                continue
            if kinds.get(str(mount.get("name")), set()) & set(_EPHEMERAL_VOLUMES):
                continue
            targets.append(str(mount["mountPath"]))
    return tuple(targets)


def _ref(source: Any, where: str, path: str, line: int | None) -> tuple[str, bool]:
    """(name, optional) of a configMapRef / secretRef / *KeyRef."""
    if not isinstance(source, dict) or not isinstance(source.get("name"), str):
        raise ConfigError(f"{where}: the reference has no 'name'", path=path, line=line)
    return source["name"], source.get("optional") is True


def _environment(container: _Container, store: _Store, path: str,
                 failures: list[tuple[str, SourceLocation | None]] | None = None,
                 ) -> tuple[dict[str, EnvVar], list[str]]:
    """The container's variables, the `envFrom` objects missing from the input (`unresolved`),
    and, in `failures`, references the kubelet refuses (a key its object does not have)."""
    workload = container.workload
    namespace = workload.namespace
    context = f"{workload.where}, {workload.ref} container {container.name}"
    variables: dict[str, EnvVar] = {}
    unresolved: list[str] = []

    env_from = container.data.get("envFrom") or []
    env_from_nodes = seq_nodes(mapping_get(container.node, "envFrom"))
    if not isinstance(env_from, list):
        raise ConfigError(f"{context}: 'envFrom' must be a list", path=path, line=_line(container.node))
    for index, entry in enumerate(env_from):
        line = _line(env_from_nodes[index]) if index < len(env_from_nodes) else None
        if not isinstance(entry, dict):
            raise ConfigError(f"{context}: an 'envFrom' entry must be a mapping", path=path, line=line)
        prefix = str(entry.get("prefix") or "")
        if "configMapRef" in entry:
            kind, (name, optional) = "ConfigMap", _ref(entry["configMapRef"], context, path, line)
        elif "secretRef" in entry:
            kind, (name, optional) = "Secret", _ref(entry["secretRef"], context, path, line)
        else:
            continue
        obj = store.find(kind, namespace, name)
        if obj is None:
            unresolved.append(f"envFrom {kind}/{name}{' (optional)' if optional else ''} "
                              f"at {path}:{line}")
            continue
        for key, found in store.values(obj).items():
            var_name = prefix + key
            variables[var_name] = EnvVar(var_name, found.value, _via(var_name, key, found),
                                         secret_source=kind == "Secret")

    env = container.data.get("env") or []
    env_nodes = seq_nodes(mapping_get(container.node, "env"))
    if not isinstance(env, list):
        raise ConfigError(f"{context}: 'env' must be a list", path=path, line=_line(container.node))
    for index, entry in enumerate(env):
        node = env_nodes[index] if index < len(env_nodes) else None
        line = _line(node)
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise ConfigError(f"{context}: an 'env' entry needs a 'name'", path=path, line=line)
        name = entry["name"]
        location = SourceLocation(path, line, f"{name} in {workload.ref}, {workload.where}")
        if entry.get("valueFrom") is not None:
            var = _value_from(name, entry["valueFrom"], location, store, namespace, context, path,
                              failures)
            if var is not None:
                variables[name] = var
            continue
        value = entry.get("value", "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise ConfigError(f"{context}: env {name} has a {type(value).__name__} value; "
                              "Kubernetes rejects it (env values are strings: quote it)",
                              path=path, line=_line(mapping_get(node, "value")) or line)
        variables[name] = _expanded(name, value, location, variables, store.budget,
                                    unresolved=unresolved)
    return variables, unresolved


def _expanded(name: str, value: str, location: SourceLocation,
              defined: Mapping[str, EnvVar], budget: InterpolationBudget | None = None, *,
              unresolved: Sequence[str] = ()) -> EnvVar:
    """An `env` value with `$(VAR)` expanded against the variables defined before it. A reference
    to a variable whose value is unknown (or to a service link variable) makes this one unknown,
    and so does a reference to a name defined nowhere when an `envFrom` object is missing from
    the input: that object may define it, so the literal `$(VAR)` would be a guess."""
    if "$" not in value:
        return EnvVar(name, value, location)
    try:
        expanded, refs = expand(value, _KnownValues(defined), budget)
    except InterpolationError as exc:
        raise ConfigError(f"env {name}: {exc}", path=location.path, line=location.line,
                          key=name) from None
    secret = any(defined[n].secret for n in refs if n in defined)
    for ref in refs:
        if ref in defined and defined[ref].unknown is not None:
            return EnvVar(name, "", location, secret_source=secret,
                          unknown=f"$({ref}) ({defined[ref].unknown})")
        if ref not in defined and _SERVICE_LINK.search(ref):
            return EnvVar(name, "", location, secret_source=secret,
                          unknown=f"$({ref}), a Kubernetes service link variable")
        if ref not in defined and unresolved:
            return EnvVar(name, "", location, secret_source=secret,
                          unknown=f"$({ref}), which {unresolved[0].split(' ', 2)[1]} may define")
    return EnvVar(name, expanded, location, secret_source=secret)


def _via(name: str, key: str, found: _Value) -> SourceLocation:
    """The location of a value read from a ConfigMap or Secret key, naming the variable too."""
    if name == key:
        return found.location
    return SourceLocation(found.location.path, found.location.line, f"{name} from {found.location.key}")


def _value_from(name: str, source: Any, location: SourceLocation, store: _Store,
                namespace: str | None, context: str, path: str,
                failures: list[tuple[str, SourceLocation | None]] | None = None) -> EnvVar | None:
    """The variable a `valueFrom` gives: the key's value when its object is in the input, None
    when an optional key is absent (Kubernetes then leaves it unset), else an unknown value."""
    if not isinstance(source, dict):
        raise ConfigError(f"{context}: env {name}: 'valueFrom' must be a mapping",
                          path=path, line=location.line)
    for field_name, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
        if field_name not in source:
            continue
        ref = source[field_name]
        ref_name, optional = _ref(ref, f"{context}: env {name}", path, location.line)
        key = str(ref.get("key", ""))
        secret = kind == "Secret"
        obj = store.find(kind, namespace, ref_name)
        if obj is None:
            return EnvVar(name, "", location, secret_source=secret, unknown=f"{kind}/{ref_name}")
        values = store.values(obj)
        if key in values:
            found = values[key]
            return EnvVar(name, found.value, _via(name, key, found), secret_source=secret)
        if optional:
            return None
        if failures is not None:  # the kubelet refuses: CreateContainerConfigError
            failures.append((f"env {name} takes key '{key}' of {kind}/{ref_name}, which that {kind} "
                             "does not have", location))
        return EnvVar(name, "", location, secret_source=secret,
                      unknown=(f"{kind}/{ref_name} key '{key}', which the {kind} in the input does "
                               "not have (Kubernetes does not start the container)"))
    if "fieldRef" in source:
        field_ref = source["fieldRef"]
        field_path = field_ref.get("fieldPath") if isinstance(field_ref, dict) else None
        return EnvVar(name, "", location, unknown=f"the pod field {field_path}")
    if "resourceFieldRef" in source:
        resource_ref = source["resourceFieldRef"]
        resource = resource_ref.get("resource") if isinstance(resource_ref, dict) else None
        return EnvVar(name, "", location, unknown=f"the container resource {resource}")
    return EnvVar(name, "", location, unknown="a valueFrom source authdoctor does not read")
