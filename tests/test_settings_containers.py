"""Settings read from where Open WebUI runs: `docker inspect` output (--docker-inspect) and
Kubernetes manifests (--k8s), through the loaders and through the CLI a user runs.

Fixtures (written for these tests, in the layout the tools print):
- fixtures/docker/inspect-compose.json: `docker inspect` of a compose project's open-webui and
  redis containers (4-space indent and HTML-safe escapes, as docker prints them; the image's own
  ENV defaults included, as Config.Env has them);
- fixtures/docker/inspect-open-webui.json: the open-webui container alone;
- fixtures/k8s/helm-template.yaml: `helm template`-style output (ConfigMap, Secret, Service,
  Deployment with replicas: 3, a Secret reference to an object not in the output);
- fixtures/k8s/kubectl-list.yaml: `kubectl get sts,cm,secret -o yaml` (a `kind: List`).
"""

from __future__ import annotations

import base64
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from authdoctor.cli import main
from authdoctor.errors import ConfigError
from authdoctor.settings import SettingsInputs, load_deployment
from authdoctor.settings.docker_inspect import load_docker_inspect
from authdoctor.settings.kubernetes import expand, load_kubernetes
from authdoctor.settings.model import UnknownValueError

ROOT = Path(__file__).resolve().parent.parent
DOCKER = ROOT / "fixtures" / "docker" / "inspect-compose.json"
DOCKER_ONE = ROOT / "fixtures" / "docker" / "inspect-open-webui.json"
HELM = ROOT / "fixtures" / "k8s" / "helm-template.yaml"
KLIST = ROOT / "fixtures" / "k8s" / "kubectl-list.yaml"

OAUTH_SECRET = "q7Vb2kP9xR4mT8wZ1nC6yH3jL5sD0fGa"  # in the docker fixture
DB_PASSWORD = "Tr0ub4dor&3xyz"
HELM_KEY = "t3Hk9Qm2Vx7Lc4Rz8Np1Ws6Yb0Fd5Gj3Ae7Ku2Mi9Oq4"  # base64 in the helm fixture's Secret
HELM_OAUTH = "Zq8mV2xK7pR4tW1nC9yH6jL3sD5fGa0b"
LDAP_PASSWORD = "Vv3#pL9!sQ2@wE7r"


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), start=1) if needle in line)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as excinfo:
        main(list(args))
    out, err = capsys.readouterr()
    code = excinfo.value.code
    return (code if isinstance(code, int) else 0), out, err


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code, out, _err = run(capsys, "check", *args, "--offline", "--format", "json",
                          "--now", "2026-11-28T08:00:00Z")
    return code, json.loads(out)


def by_code(report: dict[str, Any], code: str) -> dict[str, Any]:
    return next(f for f in report["findings"] if f["code"] == code)


def stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def k8s(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "manifests.yaml"
    path.write_text(text)
    return path


def b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


# --------------------------------------------------------------------------- docker inspect


def test_docker_inspect_reads_the_open_webui_container_only() -> None:
    [source] = load_docker_inspect(str(DOCKER))
    assert source.label == f"{DOCKER}:open-webui (openwebui/open-webui)"
    assert source.get("WEBUI_URL") == "https://chat.example.com"
    assert source.get("DATABASE_URL") == f"postgresql://openwebui:{DB_PASSWORD}@db:5432/openwebui"
    assert source.get("WEBUI_SECRET_KEY") == ""  # the image's ENV default, as the container has it
    assert source.get("REDIS_VERSION") is None  # the redis container is not a source
    assert source.compose is not None
    assert source.compose.name == "open-webui"
    assert source.compose.image == "ghcr.io/open-webui/open-webui:v0.12.4"
    assert source.compose.volume_targets == ("/app/backend/data",)
    location = source.location("OPENID_REDIRECT_URI")
    assert location is not None
    assert (location.line, location.key) == (line_of(DOCKER, '"OPENID_REDIRECT_URI='),
                                             "OPENID_REDIRECT_URI in container open-webui")


def _inspect(tmp_path: Path, *containers: dict[str, Any]) -> Path:
    path = tmp_path / "inspect.json"
    path.write_text(json.dumps(list(containers), indent=4))
    return path


def _container(name: str, image: str, env: list[str], **extra: Any) -> dict[str, Any]:
    return {"Id": "a" * 64, "Name": "/" + name, "State": {"Running": True},
            "Config": {"Image": image, "Env": env, "Labels": extra.pop("labels", {})}, **extra}


def test_docker_inspect_single_container_is_taken_as_given(tmp_path: Path) -> None:
    path = _inspect(tmp_path, _container("webui", "registry.local/chat:1", ["WEBUI_URL=https://a"]))
    [source] = load_docker_inspect(str(path))
    assert source.get("WEBUI_URL") == "https://a"


def test_docker_inspect_several_containers_need_an_open_webui_image_or_a_name(tmp_path: Path) -> None:
    path = _inspect(tmp_path,
                    _container("web", "registry.local/chat:1", ["WEBUI_URL=https://a"],
                               labels={"com.docker.compose.service": "chat"}),
                    _container("db", "postgres:17", ["POSTGRES_PASSWORD=x"]))
    with pytest.raises(ConfigError, match=r"no container runs an Open WebUI image.*web, db"):
        load_docker_inspect(str(path))
    [source] = load_docker_inspect(str(path), ["chat"])  # the compose service label
    assert source.get("WEBUI_URL") == "https://a"
    with pytest.raises(ConfigError, match="no container or compose service named 'nope'"):
        load_docker_inspect(str(path), ["nope"])


def test_docker_inspect_tmpfs_mounts_do_not_persist_a_key(tmp_path: Path) -> None:
    mounts = [{"Type": "tmpfs", "Destination": "/app/backend"},
              {"Type": "bind", "Destination": "/app/backend/data"}]
    path = _inspect(tmp_path, _container("w", "ghcr.io/open-webui/open-webui:main", [], Mounts=mounts))
    [source] = load_docker_inspect(str(path))
    assert source.compose is not None and source.compose.volume_targets == ("/app/backend/data",)


@pytest.mark.parametrize(("text", "message"), [
    ('[{"Config": {"Env": ["WEBUI_SECRET_KEY=hunter2-secret"]}', "invalid JSON"),
    ('{"a": 1', "invalid JSON"),
    ("[]", "an empty list: no container"),
    ('"text"', "not a JSON list of containers"),
    ("[1]", "entry 1 of the docker inspect output is not a container object"),
    ('[{"Id": "x", "Config": {"Env": "A=1"}}]', "has no Config.Env list"),
    ('[{"Id": "sha256:x", "RepoTags": ["open-webui:main"], "Config": {"Env": []}}]',
     "is an image, not a container"),
])
def test_docker_inspect_malformed_input_is_a_config_error(tmp_path: Path, text: str,
                                                          message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as excinfo:
        load_docker_inspect(str(path))
    assert "hunter2" not in str(excinfo.value)


# --------------------------------------------------------------------------- $(VAR) expansion


@pytest.mark.parametrize(("value", "expected"), [
    ("$(A)/x", "a/x"),
    ("$$(A)", "$(A)"),            # escaped: never expanded
    ("$$$(A)", "$a"),
    ("$(MISSING)", "$(MISSING)"),  # unresolvable: left as written
    ("p@$$word", "p@$word"),
    ("a$b", "a$b"),                # `$` before anything else is kept
    ("end$", "end$"),
    ("$(A", "$(A"),                # incomplete reference
    ("$(A)$(B)", "ab"),
])
def test_kubernetes_expansion_rule(value: str, expected: str) -> None:
    assert expand(value, {"A": "a", "B": "b"})[0] == expected


# --------------------------------------------------------------------------- Kubernetes loader


def test_helm_template_resolves_configmap_and_secret_references() -> None:
    [source] = load_kubernetes(str(HELM))
    deployment = load_deployment(SettingsInputs(k8s=(str(HELM),), environ={}))
    assert deployment.replica_count == 3  # spec.replicas
    assert source.label == f"{HELM}:Deployment/open-webui"
    key = source.vars["WEBUI_SECRET_KEY"]
    assert (key.value, key.secret) == (HELM_KEY, True)  # Secret data is base64
    assert key.location is not None
    assert key.location.line == line_of(HELM, "webui-secret-key: ")
    assert key.location.key == ("WEBUI_SECRET_KEY from webui-secret-key in Secret/open-webui-secrets, "
                                "document 2")
    assert source.vars["OAUTH_CLIENT_SECRET"].secret
    assert source.get("WEBUI_URL") == "https://chat.example.com"  # envFrom the ConfigMap
    assert not source.vars["WEBUI_URL"].secret
    # $(WEBUI_URL) expands to the variable defined before it (from envFrom)
    assert source.get("OPENID_REDIRECT_URI") == "https://chat.example.com/oauth/oidc/callback"
    assert source.compose is not None
    assert source.compose.volume_targets == ("/app/backend/data",)  # a PersistentVolumeClaim
    assert HELM_KEY in deployment.secret_values() and HELM_OAUTH in deployment.secret_values()


def test_a_reference_to_an_object_not_in_the_input_is_unknown_never_guessed() -> None:
    [source] = load_kubernetes(str(HELM))
    var = source.vars["DATABASE_URL"]
    assert var.unknown_text == "set from Secret/open-webui-postgres, value unknown"
    assert "DATABASE_URL" in source
    with pytest.raises(UnknownValueError, match="DATABASE_URL is set from Secret/open-webui-postgres"):
        source.get("DATABASE_URL")
    assert "DATABASE_URL" not in {v.name for v in source}  # checks iterate known values only


def test_kubectl_list_items_and_envfrom_secret() -> None:
    [source] = load_kubernetes(str(KLIST))
    deployment = load_deployment(SettingsInputs(k8s=(str(KLIST),), environ={}))
    assert deployment.replica_count == 2  # the StatefulSet's replicas
    password = source.vars["LDAP_APP_PASSWORD"]
    assert (password.value, password.secret) == (LDAP_PASSWORD, True)
    assert password.location is not None
    assert password.location.key == "LDAP_APP_PASSWORD in Secret/open-webui-ldap, document 1, item 3"
    assert source.get("WEBSOCKET_REDIS_URL") == "redis://open-webui-redis:6379/0"
    assert source.compose is not None
    assert source.compose.volume_targets == ("/app/backend/data",)  # a volumeClaimTemplate


DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ai
spec:
  template:
    spec:
      containers:
        - name: web
          image: ghcr.io/open-webui/open-webui:main
{container}
{volumes}
"""


def _deploy(container: str, volumes: str = "", extra: str = "") -> str:
    return extra + "---\n" + DEPLOY.format(container=container, volumes=volumes)


def test_env_wins_over_envfrom_and_later_envfrom_wins(tmp_path: Path) -> None:
    text = _deploy("""\
          envFrom:
            - configMapRef: {name: one}
            - configMapRef: {name: two}
            - prefix: OWUI_
              configMapRef: {name: one}
          env:
            - name: WEBUI_URL
              value: https://env.example
""", extra="""\
apiVersion: v1
kind: ConfigMap
metadata: {name: one}
data: {WEBUI_URL: "https://one.example", ENABLE_SIGNUP: "true"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: two, namespace: ai}
data: {ENABLE_SIGNUP: "false"}
""")
    [source] = load_kubernetes(str(k8s(tmp_path, text)))
    assert source.get("WEBUI_URL") == "https://env.example"
    assert source.get("ENABLE_SIGNUP") == "false"
    assert source.get("OWUI_WEBUI_URL") == "https://one.example"
    assert source.compose is not None and source.compose.replicas == 1  # Kubernetes' default


def test_configmap_in_another_namespace_does_not_count(tmp_path: Path) -> None:
    text = _deploy("""\
          env:
            - name: WEBUI_URL
              valueFrom: {configMapKeyRef: {name: cfg, key: url}}
""", extra="""\
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: other}
data: {url: "https://x.example"}
""")
    [source] = load_kubernetes(str(k8s(tmp_path, text)))
    assert source.vars["WEBUI_URL"].unknown == "ConfigMap/cfg"


def test_secret_string_data_wins_and_optional_keys(tmp_path: Path) -> None:
    text = _deploy("""\
          env:
            - name: WEBUI_SECRET_KEY
              valueFrom: {secretKeyRef: {name: s, key: key}}
            - name: LDAP_APP_PASSWORD
              valueFrom: {secretKeyRef: {name: s, key: absent, optional: true}}
            - name: OAUTH_CLIENT_SECRET
              valueFrom: {secretKeyRef: {name: s, key: absent}}
""", extra=f"""\
apiVersion: v1
kind: Secret
metadata: {{name: s}}
data: {{key: {b64("from-data")}}}
stringData: {{key: from-string-data}}
""")
    [source] = load_kubernetes(str(k8s(tmp_path, text)))
    assert source.get("WEBUI_SECRET_KEY") == "from-string-data"
    assert "LDAP_APP_PASSWORD" not in source  # optional and absent: Kubernetes leaves it unset
    unknown = source.vars["OAUTH_CLIENT_SECRET"].unknown_text
    assert "Secret/s key 'absent'" in unknown and "does not start the container" in unknown


def test_expansion_through_unknown_and_secret_values(tmp_path: Path) -> None:
    text = _deploy("""\
          env:
            - name: REDIS_PASSWORD
              valueFrom: {secretKeyRef: {name: s, key: pw}}
            - name: REDIS_URL
              value: "redis://:$(REDIS_PASSWORD)@redis:6379/0"
            - name: DATABASE_URL
              valueFrom: {secretKeyRef: {name: missing, key: url}}
            - name: WEBSOCKET_REDIS_URL
              value: "$(DATABASE_URL)"
            - name: OPENID_PROVIDER_URL
              value: "http://$(KEYCLOAK_SERVICE_HOST)/realms/x"
            - name: WEBUI_URL
              value: "$$(NOT_EXPANDED)"
""", extra=f"""\
apiVersion: v1
kind: Secret
metadata: {{name: s}}
data: {{pw: {b64("s3cret-pw")}}}
""")
    [source] = load_kubernetes(str(k8s(tmp_path, text)))
    redis_url = source.vars["REDIS_URL"]
    assert (redis_url.value, redis_url.secret) == ("redis://:s3cret-pw@redis:6379/0", True)
    assert source.vars["WEBSOCKET_REDIS_URL"].unknown == "$(DATABASE_URL) (Secret/missing)"
    assert "service link" in (source.vars["OPENID_PROVIDER_URL"].unknown or "")
    assert source.get("WEBUI_URL") == "$(NOT_EXPANDED)"


def test_envfrom_an_object_not_in_the_input_makes_unset_variables_unknown(tmp_path: Path) -> None:
    text = _deploy("""\
          envFrom:
            - secretRef: {name: elsewhere}
          env:
            - name: WEBUI_URL
              value: https://chat.example
""")
    path = k8s(tmp_path, text)
    [source] = load_kubernetes(str(path))
    assert source.get("WEBUI_URL") == "https://chat.example"
    assert source.unresolved == (f"envFrom Secret/elsewhere at {path}:14",)
    with pytest.raises(UnknownValueError) as excinfo:
        source.get("LDAP_APP_PASSWORD")  # not set here, but the Secret may set it
    assert "Secret/elsewhere" in excinfo.value.reason and "may set it" in excinfo.value.reason


def test_mounts_of_pod_scoped_volumes_do_not_persist_a_key(tmp_path: Path) -> None:
    text = _deploy("""\
          volumeMounts:
            - {name: scratch, mountPath: /app/backend}
            - {name: data, mountPath: /app/backend/data}
""", volumes="""\
      volumes:
        - {name: scratch, emptyDir: {}}
        - {name: data, hostPath: {path: /srv/owui}}
""")
    [source] = load_kubernetes(str(k8s(tmp_path, text)))
    assert source.compose is not None and source.compose.volume_targets == ("/app/backend/data",)


def test_service_option_names_a_workload_or_container(tmp_path: Path) -> None:
    text = """\
apiVersion: v1
kind: Pod
metadata: {name: chat}
spec:
  containers:
    - {name: app, image: registry.local/chat:1, env: [{name: WEBUI_URL, value: "https://p"}]}
    - {name: sidecar, image: envoyproxy/envoy:v1.31}
"""
    path = str(k8s(tmp_path, text))
    with pytest.raises(ConfigError,
                       match=r"no container runs an Open WebUI image.*Pod/chat \(container app\)"):
        load_kubernetes(path)
    [source] = load_kubernetes(path, ["app"])
    assert source.get("WEBUI_URL") == "https://p"
    assert len(load_kubernetes(path, ["chat"])) == 2  # the workload: both containers
    assert [s.label for s in load_kubernetes(path, ["chat"])] == [f"{path}:Pod/chat[app]",
                                                                  f"{path}:Pod/chat[sidecar]"]


@pytest.mark.parametrize(("text", "message"), [
    ("a: [b\n", "invalid YAML in the Kubernetes manifests"),
    ("- just\n- a list\n", "document 1 is not a Kubernetes object"),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
     "no Deployment, StatefulSet, ReplicaSet or Pod"),
    ("kind: List\nitems: {a: 1}\n", "'items' of a List must be a list"),
    (_deploy("          env:\n            - name: LDAP_SERVER_PORT\n              value: 636\n"),
     "env LDAP_SERVER_PORT has a int value; Kubernetes rejects it"),
    (_deploy("          env:\n            - value: x\n"), "an 'env' entry needs a 'name'"),
    (_deploy("          env:\n            - name: K\n"
             "              valueFrom: {secretKeyRef: {name: s, key: k}}\n",
             extra="apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {k: 'hunter2-not-base64!'}\n"),
     "Secret/s: data 'k' is not valid base64"),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {ENABLE_SIGNUP: yes}\n---\n"
     + DEPLOY.format(container="          envFrom: [{configMapRef: {name: c}}]", volumes=""),
     "the value of 'ENABLE_SIGNUP' in 'data' is not a string"),
    (DEPLOY.replace("spec:\n  template:", 'spec:\n  replicas: "3"\n  template:').format(
        container="", volumes=""),
     "spec.replicas must be an integer, not str"),
])
def test_kubernetes_malformed_input_is_a_config_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as excinfo:
        load_kubernetes(str(k8s(tmp_path, text)))
    assert "hunter2" not in str(excinfo.value)
    assert str(excinfo.value).startswith(str(tmp_path))


def test_base64_error_names_document_and_line(tmp_path: Path) -> None:
    text = _deploy("          envFrom: [{secretRef: {name: s}}]\n",
                   extra="apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  k: '%%%'\n")
    path = k8s(tmp_path, text)
    with pytest.raises(ConfigError) as excinfo:
        load_kubernetes(str(path))
    assert str(excinfo.value).startswith(f"{path}:5: document 1, Secret/s: data 'k'")


# --------------------------------------------------------------------------- through the CLI


def test_cli_docker_inspect_from_stdin(capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    stdin(monkeypatch, DOCKER_ONE.read_bytes())
    code, report = run_json(capsys, "--docker-inspect", "-")
    assert code == 1
    codes = {f["code"] for f in report["findings"] if f["severity"] not in ("ok", "skipped")}
    assert {"oauth.redirect-uri-trailing-slash", "cookie.samesite-strict-breaks-oauth",
            "secret.missing", "secret.not-persisted"} <= codes
    slash = by_code(report, "oauth.redirect-uri-trailing-slash")
    assert slash["location"] == {"path": "<stdin>",
                                 "line": line_of(DOCKER_ONE, '"OPENID_REDIRECT_URI='),
                                 "key": "OPENID_REDIRECT_URI in container open-webui"}
    assert "/app/backend/data" in by_code(report, "secret.not-persisted")["evidence"]["volumes"]
    assert report["sources"] == ["<stdin>"]


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
def test_cli_container_sources_mask_secrets_in_every_format(capsys: pytest.CaptureFixture[str],
                                                            fmt: str) -> None:
    for args in (["--docker-inspect", str(DOCKER)], ["--k8s", str(HELM)], ["--k8s", str(KLIST)]):
        _code, out, _err = run(capsys, "check", *args, "--offline", "--format", fmt)
        for secret in (OAUTH_SECRET, DB_PASSWORD, HELM_KEY, HELM_OAUTH, LDAP_PASSWORD):
            assert secret not in out
    for args in (["--docker-inspect", str(DOCKER)], ["--k8s", str(HELM)], ["--k8s", str(KLIST)]):
        _code, out, _err = run(capsys, "config", "show", *args)
        for secret in (OAUTH_SECRET, DB_PASSWORD, HELM_KEY, HELM_OAUTH, LDAP_PASSWORD):
            assert secret not in out


def test_cli_helm_template(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = run_json(capsys, "--k8s", str(HELM))
    assert code == 1
    revocation = by_code(report, "redis.not-configured")
    assert revocation["evidence"]["processes"] == "3 replicas"
    assert by_code(report, "redis.websocket-not-redis")["severity"] == "warning"
    fernet = by_code(report, "secret.encryption-key-invalid")  # the Secret's key, decoded
    assert fernet["location"]["line"] == line_of(HELM, "webui-secret-key: ")
    unknown = by_code(report, "config.value-unknown")
    assert unknown["severity"] == "info"
    assert unknown["evidence"] == {"DATABASE_URL": "set from Secret/open-webui-postgres, value unknown"}
    assert unknown["location"]["line"] == line_of(HELM, "- name: DATABASE_URL")
    assert unknown["location"]["key"] == "DATABASE_URL in Deployment/open-webui, document 5"


def test_cli_kubectl_list_does_not_judge_an_unknown_secret(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = run_json(capsys, "--k8s", str(KLIST))
    assert code == 1
    secret_area = next(c for c in report["checks"] if c["area"] == "secret")
    assert secret_area["status"] == "skipped"
    [skipped] = [f for f in report["findings"] if f["code"] == "secret.skipped"]
    assert skipped["detail"] == ("not judged: WEBUI_SECRET_KEY is set from Secret/open-webui-secret, "
                                 "value unknown (authdoctor does not guess values)")
    assert not any(f["code"].startswith("secret.") and f["severity"] in ("error", "warning")
                   for f in report["findings"])
    port = by_code(report, "ldap.tls-port-mismatch")
    assert port["location"]["line"] == line_of(KLIST, 'LDAP_SERVER_PORT: "389"')
    assert port["location"]["key"] == "LDAP_SERVER_PORT in ConfigMap/open-webui, document 1, item 2"
    assert "ldap.setting-missing" not in {f["code"] for f in report["findings"]}  # from the Secret


def test_cli_envfrom_missing_object_is_not_judged_as_unset(capsys: pytest.CaptureFixture[str],
                                                           tmp_path: Path) -> None:
    text = _deploy("""\
          envFrom:
            - configMapRef: {name: elsewhere}
          env:
            - name: ENABLE_LDAP
              value: "true"
            - name: LDAP_APP_DN
              value: cn=svc,dc=example,dc=com
""")
    code, report = run_json(capsys, "--k8s", str(k8s(tmp_path, text)))
    codes = {f["code"] for f in report["findings"]}
    assert "ldap.setting-missing" not in codes  # LDAP_APP_PASSWORD may come from the ConfigMap
    assert "ldap.skipped" in codes
    title = by_code(report, "config.value-unknown")["title"]
    assert "settings may come from envFrom ConfigMap/elsewhere" in title
    assert code == 0


def test_cli_config_show_prints_unknown_values(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "config", "show", "--k8s", str(HELM))
    assert code == 0
    assert "  DATABASE_URL                = set from Secret/open-webui-postgres, value unknown   # " in out
    assert "  WEBUI_SECRET_KEY            = <secret, 44 chars>   # " in out
    code, out, _err = run(capsys, "config", "show", "--k8s", str(HELM), "--json")
    [replica] = json.loads(out)["replicas"]
    variables = {v["name"]: v for v in replica["variables"]}
    assert variables["OPENID_REDIRECT_URI"]["value"] == "https://chat.example.com/oauth/oidc/callback"
    assert variables["OAUTH_CLIENT_SECRET"]["source"] == (
        f"{HELM}:{line_of(HELM, 'oauth-client-secret: ')} "
        "(OAUTH_CLIENT_SECRET from oauth-client-secret in Secret/open-webui-secrets, document 2)")


@pytest.mark.parametrize(("args", "data", "message"), [
    (["--docker-inspect", "-"], b'[{"Config": {"Env": ["A=b"]', "authdoctor: error: <stdin>:1: invalid JSON"),
    (["--k8s", "-"], b"kind: [\n", "authdoctor: error: <stdin>:2: invalid YAML in the Kubernetes manifests"),
    (["--k8s", "-"], b"\xff\xfe", "authdoctor: error: <stdin>:1: Kubernetes manifests is not UTF-8"),
    (["--k8s", "-", "--docker-inspect", "-"], b"",
     "authdoctor: error: only one of --docker-inspect and --k8s"),
    (["--service", "x", "--env-file", "a.env"], b"",
     "authdoctor: error: --service needs --compose, --docker-inspect or --k8s"),
    (["--k8s", "missing.yaml"], b"", "authdoctor: error: missing.yaml: Kubernetes manifests not found"),
])
def test_cli_malformed_input_is_exit_2_one_line(capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch,
                                                args: list[str], data: bytes, message: str) -> None:
    stdin(monkeypatch, data)
    code, out, err = run(capsys, "check", *args, "--offline")
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith(message)


# --------------------------------------------------------------------------- any shape


def _any_value() -> Any:
    from hypothesis import strategies as st

    scalars = st.one_of(st.none(), st.booleans(), st.integers(-2, 5),
                        st.sampled_from(["", "s", "$(A)", "$$", "=", "ZZ==", "open-webui", "name", "key"]))
    return st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["name", "key", "value", "valueFrom", "secretKeyRef",
                                         "configMapKeyRef", "optional", "prefix", "secretRef",
                                         "configMapRef", "fieldRef", "data", "stringData"]),
                        inner, max_size=3)), max_leaves=8)


def test_any_manifest_shape_ends_in_settings_or_a_config_error(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    import contextlib

    import yaml
    from hypothesis import HealthCheck, given, settings

    folder = tmp_path_factory.mktemp("k8s-shapes")

    @settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
    @given(env=_any_value(), env_from=_any_value(), data=_any_value(), replicas=_any_value())
    def check(env: Any, env_from: Any, data: Any, replicas: Any) -> None:
        docs = [
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": data},
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": data},
            {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
             "spec": {"replicas": replicas, "template": {"spec": {"containers": [
                 {"name": "w", "image": "ghcr.io/open-webui/open-webui:main", "env": env,
                  "envFrom": env_from}]}}}},
        ]
        path = folder / "m.yaml"
        path.write_text(yaml.safe_dump_all(docs))
        with contextlib.suppress(ConfigError):
            for source in load_kubernetes(str(path)):
                for var in source.vars.values():
                    assert isinstance(var.value, str)
        with contextlib.suppress(ConfigError):
            load_deployment(SettingsInputs(k8s=(str(path),), environ={}))

    check()


def test_any_docker_inspect_shape_ends_in_settings_or_a_config_error(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    import contextlib

    from hypothesis import HealthCheck, given, settings

    folder = tmp_path_factory.mktemp("docker-shapes")

    @settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
    @given(env=_any_value(), mounts=_any_value(), labels=_any_value())
    def check(env: Any, mounts: Any, labels: Any) -> None:
        path = folder / "i.json"
        path.write_text(json.dumps([{"Id": "x", "Name": "/w", "Mounts": mounts,
                                     "Config": {"Image": "open-webui", "Env": env, "Labels": labels}}]))
        with contextlib.suppress(ConfigError):
            load_docker_inspect(str(path))

    check()


def test_stdin_on_a_terminal_is_refused_instead_of_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    from authdoctor.settings.files import read_text_or_stdin

    class Terminal(io.TextIOWrapper):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal(io.BytesIO(b"never read")))
    with pytest.raises(ConfigError, match="stdin is a terminal; pipe it in"):
        read_text_or_stdin("-", "Kubernetes manifests")


def test_every_value_from_a_secret_is_masked_whatever_its_name(capsys: pytest.CaptureFixture[str],
                                                               tmp_path: Path) -> None:
    text = _deploy("          envFrom: [{secretRef: {name: env}}]\n", extra="""\
apiVersion: v1
kind: Secret
metadata: {name: env}
stringData:
  WEBUI_URL: "https://chat.internal-name.example"
  ENABLE_LDAP: "true"
  LDAP_SERVER_HOST: ldap.internal-name.example
  LDAP_SERVER_PORT: "389"
""")
    path = str(k8s(tmp_path, text))
    for fmt in ("text", "json", "sarif", "junit"):
        _code, out, _err = run(capsys, "check", "--k8s", path, "--offline", "--format", fmt)
        assert "internal-name" not in out
        assert "ldap.tls-port-mismatch" in out  # still judged: values are known, only hidden
        # a boolean or a port is no secret: masking every 'true' would garble the sentences
        assert "<secret, 4 chars>" not in out and "<secret, 3 chars>" not in out
    _code, out, _err = run(capsys, "config", "show", "--k8s", path)
    assert "internal-name" not in out
    assert "ENABLE_LDAP      = <secret, 4 chars>" in out  # config show masks the variable itself


def test_a_reference_a_missing_envfrom_object_may_define_is_not_taken_literally(tmp_path: Path) -> None:
    """`$(CLIENT_ID)` with CLIENT_ID defined nowhere and an `envFrom` Secret missing from the input:
    the Secret may define it, so the value is unknown, not the literal text (code review)."""
    text = _deploy("""\
          envFrom:
            - secretRef: {name: oauth}
          env:
            - name: OAUTH_CLIENT_ID
              value: $(CLIENT_ID)
            - name: WEBUI_NAME
              value: chat
""")
    path = tmp_path / "manifests.yaml"
    path.write_text(text)
    [source] = load_kubernetes(str(path))
    client_id = source.vars["OAUTH_CLIENT_ID"]
    assert client_id.unknown is not None and "Secret/oauth" in client_id.unknown
    assert source.vars["WEBUI_NAME"].value == "chat"


def test_a_key_missing_from_its_configmap_keeps_the_container_from_starting(tmp_path: Path) -> None:
    """A non-optional configMapKeyRef to a key the ConfigMap lacks: the kubelet never starts the
    container, an error, not an unknown value (review of issue 8)."""
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {A: x}\n" + _deploy("""\
          env:
            - name: ENABLE_SIGNUP
              valueFrom: {configMapKeyRef: {name: c, key: ENABLE_SIGNUPP}}
            - name: WEBUI_NAME
              valueFrom: {configMapKeyRef: {name: c, key: NOPE, optional: true}}
"""))
    path = tmp_path / "manifests.yaml"
    path.write_text(text)
    [source] = load_kubernetes(str(path))
    assert [failure for failure, _ in source.start_failures] == [
        "env ENABLE_SIGNUP takes key 'ENABLE_SIGNUPP' of ConfigMap/c, which that ConfigMap does not have"]
    from authdoctor.checks.config import start_failure_findings

    [found] = start_failure_findings(source)
    assert (found.code, found.severity.value) == ("config.startup-fails", "error")
    assert found.location is not None and found.location.line is not None


@pytest.mark.parametrize(("bindings", "exposed"), [
    ({"8080/tcp": [{"HostIp": "", "HostPort": "3000"}]}, True),
    ({"8080/tcp": [{"HostIp": "0.0.0.0", "HostPort": "3000"}, {"HostIp": "::", "HostPort": "3000"}]}, True),
    ({"8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": "3000"}]}, False),
    (None, False),
])
def test_docker_inspect_port_bindings_feed_the_trusted_header_exposure_rule(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, bindings: Any, exposed: bool) -> None:
    """`docker run -p 3000:8080` with trusted-header sign-in: anyone who reaches the port can send
    the header (review of issue 8: the rule read compose `ports:` only)."""
    path = _inspect(tmp_path, _container(
        "open-webui", "ghcr.io/open-webui/open-webui:main",
        ["WEBUI_URL=https://chat.example.org", "WEBUI_AUTH_TRUSTED_EMAIL_HEADER=X-Email"],
        HostConfig={"PortBindings": bindings, "NetworkMode": "bridge"}))
    with pytest.raises(SystemExit):
        main(["check", "--docker-inspect", str(path), "--offline", "--only", "trusted-header",
              "--format", "json"])
    codes = [f["code"] for f in json.loads(capsys.readouterr().out)["findings"]]
    assert ("trusted-header.backend-exposed" in codes) is exposed
