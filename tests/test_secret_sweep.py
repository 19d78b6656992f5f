"""The secret sweep: a unique marker in every credential-bearing variable and field of every
settings source, then every command, format and flag a user can combine; the output (stdout,
stderr and --output files) must hold no marker, no URL-encoded marker and no 6-character fragment
of one.

Sources: --env-file (two replicas with different shapes), --compose (environment:, env_file: and
${VAR} from the project .env), --config deploy.yaml (every secret field, public_url, the test
account, env:, ${VAR} from the environment), --from-env. Commands: check in text, json, sarif and
junit, with -v, --debug and --output; config show (text, --json, --all); jwt decode and jwt
verify (HMAC secret from the environment and a file, JWKS URL with credentials); and the error
paths of every parser (.env, deploy.yaml, compose, the jwt command line).

Everything runs in-process through `authdoctor.cli.main`, so the sweep stays fast.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from fake_redis import FakeRedis, fake_redis  # noqa: F401 - the fixture

from authdoctor.cli import main
from authdoctor.openwebui.secrets import SECRET_VARIABLES
from authdoctor.settings.deploy_yaml import PROVIDERS

Capsys = pytest.CaptureFixture[str]
FRAGMENT = 6
NOW = "2026-11-28T00:00:00Z"


@dataclass
class Markers:
    """Unique, unmistakable secret values. `+` makes the URL-encoded form differ."""

    issued: list[str] = field(default_factory=list)

    def new(self, *, url_safe: bool = False) -> str:
        marker = f"Zq{len(self.issued):03d}Xv7Wk{'_' if url_safe else '+'}Jp"
        self.issued.append(marker)
        return marker

    def fragments(self) -> set[str]:
        found: set[str] = set()
        for marker in self.issued:
            for form in {marker, quote(marker, safe=""), quote_plus(marker)}:
                found.update(form[i:i + FRAGMENT] for i in range(len(form) - FRAGMENT + 1))
        return found


def assert_clean(markers: Markers, *texts: str) -> None:
    """No marker, URL-encoded marker or 6-character fragment of one in any text."""
    fragments = markers.fragments()
    for text in texts:
        grams = {text[i:i + FRAGMENT] for i in range(len(text) - FRAGMENT + 1)}
        leaked = sorted(grams & fragments)
        if leaked:
            at = text.find(leaked[0])
            context = text[max(at - 60, 0):at + 60]
            raise AssertionError(f"secret fragment {leaked[0]!r} in output: …{context!r}…")


def run(capsys: Capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as excinfo:
        main(list(args))
    out, err = capsys.readouterr()
    code = excinfo.value.code
    return (code if isinstance(code, int) else 0), out, err


# --------------------------------------------------------------------------- what holds secrets

JSON_VARIABLES = frozenset({"GOOGLE_APPLICATION_CREDENTIALS_JSON", "OPENAI_API_CONFIGS", "OLLAMA_API_CONFIGS",
                            "TOOL_SERVER_CONNECTIONS", "TERMINAL_SERVER_CONNECTIONS",
                            "EXTERNAL_DOCUMENT_LOADER_HEADERS"})
#: Names Open WebUI does not read, secret by the name heuristic.
UNKNOWN_SECRET_NAMES = ("DB_PASS", "GPG_PASSPHRASE", "SMTP_AUTH", "BACKUP_API_TOKEN", "S3_BACKUP_SECRET",
                        "WEBUI_SECRET_KEYS", "LDAP_BIND_PASSWORD")
#: Settings that make the checks look at (and quote) the values above.
CONTEXT = {
    "ENABLE_OAUTH": "true", "OAUTH_CLIENT_ID": "owui", "ENABLE_OAUTH_SIGNUP": "true",
    "GOOGLE_CLIENT_ID": "g-id", "MICROSOFT_CLIENT_ID": "ms-id", "GITHUB_CLIENT_ID": "gh-id",
    "FEISHU_CLIENT_ID": "fs-id", "ENABLE_LDAP": "true", "LDAP_APP_DN": "cn=reader,dc=example,dc=org",
    "LDAP_SEARCH_BASE": "dc=example,dc=org", "WEBSOCKET_MANAGER": "redis", "ENABLE_WEBSOCKET_SUPPORT": "true",
}


def _secret_value(name: str, markers: Markers) -> str:
    marker = markers.new()
    if name in JSON_VARIABLES:
        return json.dumps({"url": "http://tool:8000", "key": marker, "headers": {"Authorization": "x"}})
    if name == "CHROMA_HTTP_HEADERS":
        return f"Authorization=Bearer {marker}"
    if name == "AUTOMATIC1111_API_AUTH":
        return f"admin:{marker}"
    if name == "WEBHOOK_URL":
        return f"https://hooks.slack.com/services/T0/B0/{marker}"
    if name == "OPENAI_API_KEYS":
        return f"sk-{marker};sk-{markers.new()}"
    return marker


def _url_values(markers: Markers, shape: str) -> dict[str, str]:
    """Credential-bearing URLs and lists; shape 'b' uses the odd forms (no scheme, '/' and '@' in
    passwords, a token in the query of a list entry)."""
    m = markers.new
    if shape == "a":
        return {
            "WEBUI_URL": f"https://admin:{m()}@chat.example.org",
            "REDIS_URL": f"redis://default:{m()}@cache:6379/0",
            "WEBSOCKET_REDIS_URL": f"rediss://:{m()}@cache:6380/1",
            "DATABASE_URL": f"postgresql://owui:{m()}@db:5432/owui",
            "PGVECTOR_DB_URL": f"postgresql://vec:{m()}@db:5432/vec",
            "OLLAMA_BASE_URLS": f"http://u:{m()}@o1:11434;http://u:{m()}@o2:11434",
            "CORS_ALLOW_ORIGIN": f"https://a:{m()}@chat.example.org;https://b:{m()}@x[.org",
            "OPENID_PROVIDER_URL": f"https://idp.example.org/realms/x?access_token={m()}",
            "OPENID_REDIRECT_URI": f"http://u:{m()}@chat.example.org/oauth/oidc/callback/",
            "OPENID_END_SESSION_ENDPOINT": f"http://idp.example.org/logout?id_token_hint={m()}",
            "PLAYWRIGHT_WS_URL": f"ws://browser:3000/?token={m()}",
            "LDAP_SERVER_HOST": f"ldap://cn:{m()}@ldap.example.org",
            "YOUTUBE_LOADER_PROXY_URL": f"http://proxy:{m()}@proxy:3128",
        }
    return {
        "WEBUI_URL": f"http://{m()}@127.0.0.1:3000/",
        "REDIS_URL": f":{m()}/x@redis:6379/0",
        "WEBSOCKET_REDIS_URL": f"redis://:{m()}@{m()}@cache:6379/zero",
        "DATABASE_URL": f"postgresql://owui:{m()}%2Fq@db:5432/owui?sslpassword={m()}",
        "CORS_ALLOW_ORIGIN": f"https://ok.example.org;https://c:{m()}@c.example.org/;app://d:{m()}@d",
        "OPENID_PROVIDER_URL": f"ftp://idp.example.org/?client_secret={m()}",
        "MICROSOFT_REDIRECT_URI": f"https://chat.example.org/oauth/microsoft/callback?code={m()}&sig={m()}",
        "WEBUI_AUTH_SIGNOUT_REDIRECT_URL": f"https://x:{m()}@idp.example.org/bye",
        "LDAP_SERVER_HOST": f"ldaps://{m()}@ldap.example.org:636",
    }


def _variables(markers: Markers, shape: str) -> dict[str, str]:
    values = dict(CONTEXT)
    values.update({name: _secret_value(name, markers) for name in sorted(SECRET_VARIABLES)})
    values.update({name: markers.new() for name in UNKNOWN_SECRET_NAMES})
    values.update(_url_values(markers, shape))
    if shape == "b":  # whitespace findings quote values: a secret and a key list with spaces
        values["WEBUI_SECRET_KEY"] = f" {markers.new()}"
        values["LDAP_APP_PASSWORD"] = f"{markers.new()} "
    return values


def _dotenv(values: dict[str, str], unquoted: tuple[str, ...] = ()) -> str:
    lines = []
    for name, value in values.items():
        if name in unquoted:
            lines.append(f"{name}={value}   ")  # trailing spaces only `docker run --env-file` keeps
        else:
            lines.append(f"{name}='{value}'")
    return "\n".join(lines) + "\n"


@dataclass
class World:
    markers: Markers
    args: dict[str, list[str]]
    environ: dict[str, str]  # set for every run (deploy.yaml ${VAR}, --from-env)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    markers = Markers()
    root = tmp_path_factory.mktemp("sweep")
    environ: dict[str, str] = {}

    # --env-file: two replicas of different shapes (replica checks compare and quote them).
    env_a = root / "a.env"
    env_a.write_text(_dotenv(_variables(markers, "a"), unquoted=("OPENAI_API_KEY", "SOUGOU_API_SK")))
    env_b = root / "b.env"
    env_b.write_text(_dotenv(_variables(markers, "b")))

    # --compose: environment:, env_file: and ${VAR} from the project .env.
    project = root / "compose"
    project.mkdir()
    compose_vars = _variables(markers, "a")
    in_env_file = {k: v for i, (k, v) in enumerate(compose_vars.items()) if i % 2}
    inline = {k: v for i, (k, v) in enumerate(compose_vars.items()) if not i % 2}
    (project / "app.env").write_text(_dotenv(in_env_file))
    project_secret, project_redis = markers.new(), markers.new()
    (project / ".env").write_text(f"PROJECT_SECRET={project_secret}\nPROJECT_REDIS_PW={project_redis}\n")
    inline["WEBUI_SECRET_KEY"] = "${PROJECT_SECRET}"
    inline["REDIS_URL"] = "redis://:${PROJECT_REDIS_PW}@cache:6379/0"
    environment = "".join(f"      {k}: {json.dumps(v.replace('$', '$$') if '${' not in v else v)}\n"
                          for k, v in inline.items())
    compose = project / "docker-compose.yml"
    compose.write_text("services:\n  webui:\n    image: ghcr.io/open-webui/open-webui:main\n"
                       f"    env_file: [app.env]\n    environment:\n{environment}")

    # --config deploy.yaml: every secret field, URLs with credentials, the test account, env:.
    m = markers.new
    environ["SWEEP_LDAP_PASSWORD"] = m()
    providers = "".join(
        f"      {name}:\n        client_id: {name}-id\n        client_secret: {json.dumps(m())}\n"
        f"        redirect_uri: \"https://u:{m()}@chat.example.org/oauth/{name}/callback\"\n"
        for name in PROVIDERS)
    env_block = "".join(f"  {k}: {json.dumps(v)}\n" for k, v in _variables(markers, "b").items()
                        if k not in ("WEBUI_SECRET_KEY", "LDAP_APP_PASSWORD", "REDIS_URL"))
    deploy = root / "deploy.yaml"
    deploy.write_text(
        "version: 1\n"
        f"public_url: \"https://admin:{m()}@chat.example.org\"\n"
        f"webui_url: \"https://admin:{m()}@chat.example.org\"\n"
        f"secret_key: {json.dumps(m())}\n"
        f"cors_allow_origin: [\"https://a:{m()}@chat.example.org\", \"https://b:{m()}@x[.org\"]\n"
        f"oauth:\n  enabled: true\n  providers:\n{providers}"
        f"ldap:\n  enabled: true\n  host: \"ldap://r:{m()}@ldap.example.org\"\n"
        "  app_dn: cn=reader,dc=example,dc=org\n  app_password: ${SWEEP_LDAP_PASSWORD}\n"
        f"redis:\n  url: \"redis://:{m()}@cache:6379/0\"\n"
        f"test_account:\n  email: admin@example.org\n  password: {json.dumps(m())}\n"
        f"  ldap_user: alice\n  ldap_password: {json.dumps(m())}\n  token: {json.dumps(m())}\n"
        f"  id_token: {json.dumps(m())}\n"
        f"env:\n{env_block}")

    # --from-env: the process environment.
    environ.update(_variables(markers, "a"))
    return World(markers=markers, environ=environ, args={
        "env-file": ["--env-file", str(env_a), "--env-file", str(env_b)],
        "compose": ["--compose", str(compose)],
        "config": ["--config", str(deploy)],
        "config+env-file": ["--config", str(deploy), "--env-file", str(env_a)],
        "from-env": ["--from-env"],
    })


@pytest.fixture
def env(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    for name, value in world.environ.items():
        monkeypatch.setenv(name, value)
    yield world


SOURCES = ["env-file", "compose", "config", "config+env-file", "from-env"]


# --------------------------------------------------------------------------- check and config show


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
@pytest.mark.parametrize("flags", [[], ["-v"], ["--debug"]], ids=["plain", "verbose", "debug"])
def test_check_shows_no_secret(capsys: Capsys, env: World, source: str, fmt: str, flags: list[str]) -> None:
    debug = ["--debug"] if "--debug" in flags else []
    verbose = [f for f in flags if f != "--debug"]
    code, out, err = run(capsys, *debug, "check", *env.args[source], "--offline", "--format", fmt,
                         "--now", NOW, *verbose)
    assert code in (0, 1), err
    assert out.strip() and "Traceback" not in err
    assert_clean(env.markers, out, err)


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("command", [["check", "--offline", "--format", "json", "--now", NOW, "-v"],
                                     ["config", "show", "--all"]], ids=["check", "config-show"])
def test_values_are_masked_where_they_are_read_not_by_the_net(
        capsys: Capsys, env: World, monkeypatch: pytest.MonkeyPatch, source: str, command: list[str]) -> None:
    """The safety net off: every secret must already be masked where the value was read."""
    from authdoctor.masking import Redactor

    monkeypatch.setattr(Redactor, "__call__", lambda self, text: text)
    code, out, err = run(capsys, *command[:2], *env.args[source], *command[2:])
    assert code in (0, 1), err
    assert_clean(env.markers, out, err)


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("fmt", ["json", "junit"])
def test_check_output_file_shows_no_secret(capsys: Capsys, env: World, tmp_path: Path, source: str,
                                           fmt: str) -> None:
    target = tmp_path / f"report.{fmt}"
    code, out, err = run(capsys, "check", *env.args[source], "--offline", "--format", fmt, "--now", NOW,
                         "--output", str(target))
    assert code in (0, 1), err
    assert_clean(env.markers, out, err, target.read_text(encoding="utf-8"))


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("extra", [[], ["--json"], ["--all"], ["--json", "--all"]])
def test_config_show_shows_no_secret(capsys: Capsys, env: World, source: str, extra: list[str]) -> None:
    code, out, err = run(capsys, "--debug", "config", "show", *env.args[source], *extra)
    assert code == 0, err
    assert "<secret," in out and "***" in out  # it did show the masked settings
    assert_clean(env.markers, out, err)


# --------------------------------------------------------------------------- jwt


def _b64(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _hs256(secret: str, payload: dict[str, object]) -> str:
    import hashlib
    import hmac

    signing = f"{_b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}))}.{_b64(json.dumps(payload))}"
    signature = hmac.new(secret.encode(), signing.encode(), hashlib.sha256).digest()
    return f"{signing}.{_b64(signature)}"


@pytest.mark.parametrize("as_json", [[], ["--json"]])
@pytest.mark.parametrize("debug", [[], ["--debug"], ["no-net"]], ids=["plain", "debug", "no-net"])
@pytest.mark.parametrize("case", ["decode", "decode-stdin", "secret-env", "secret-env-wrong", "secret-file",
                                  "jwks-url", "issuer-url"])
def test_jwt_shows_no_secret(capsys: Capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str,
                             as_json: list[str], debug: list[str]) -> None:
    if debug == ["no-net"]:  # the safety net off: the token, secret and URL are masked where read
        from authdoctor.masking import Redactor

        monkeypatch.setattr(Redactor, "__call__", lambda self, text: text)
        debug = []
    markers = Markers()
    secret = markers.new()
    payload = {"id": "8b177929", "exp": 1900000000, "iat": 1795719703}
    token = _hs256(secret, payload)
    # The token is a secret too: its signature segment must never be shown, nor the whole.
    markers.issued.append(token.rsplit(".", 1)[1])
    monkeypatch.setenv("SWEEP_JWT_SECRET", secret)
    key_file = tmp_path / "secret.key"
    key_file.write_text(secret + "\n")
    if case == "decode":
        args = ["jwt", "decode", token]
    elif case == "decode-stdin":
        import io

        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(f"Bearer {token}\n".encode())))
        args = ["jwt", "decode", "-"]
    elif case == "secret-env":
        args = ["jwt", "verify", token, "--secret-env", "SWEEP_JWT_SECRET"]
    elif case == "secret-env-wrong":
        args = ["jwt", "verify", _hs256(markers.new(), payload), "--secret-env", "SWEEP_JWT_SECRET"]
    elif case == "secret-file":
        args = ["jwt", "verify", token, "--secret-file", str(key_file)]
    elif case == "jwks-url":
        url = f"http://reader:{markers.new()}@127.0.0.1:9/jwks?access_token={markers.new()}"
        args = ["jwt", "verify", token, "--jwks", url, "--timeout", "1"]
    else:  # the keys through the issuer's discovery document
        url = f"http://reader:{markers.new()}@127.0.0.1:9/realm?access_token={markers.new()}"
        args = ["jwt", "verify", token, "--issuer", url, "--timeout", "1"]
    code, out, err = run(capsys, *debug, *args, "--now", NOW, *as_json)
    assert code in (0, 1), err
    assert_clean(markers, out, err)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
@pytest.mark.parametrize("net", [True, False], ids=["net", "no-net"])
@pytest.mark.parametrize("given", ["option", "stdin", "deploy-yaml", "garbage"])
def test_id_token_shows_no_secret(capsys: Capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  given: str, net: bool, fmt: str) -> None:
    """`check --id-token` (issue 9 probe 8b): the ID token is checked live (against a provider
    that does not answer here) and never shown, whole or in part, safety net on or off."""
    if not net:
        from authdoctor.masking import Redactor

        monkeypatch.setattr(Redactor, "__call__", lambda self, text: text)
    markers = Markers()
    payload = {"iss": "http://127.0.0.1:9", "sub": "u1", "aud": "owui", "exp": 1900000000,
               "iat": 1795719703, "email": "alice@example.org"}
    token = _hs256(markers.new(), payload)
    markers.issued.append(token.rsplit(".", 1)[1])
    if given == "garbage":  # a pasted password instead of a token
        token = markers.new()
    env_file = tmp_path / "app.env"
    env_file.write_text("OAUTH_CLIENT_ID=owui\nOAUTH_CLIENT_SECRET=client-secret-for-sweep\n"
                        "OPENID_PROVIDER_URL=http://127.0.0.1:9/.well-known/openid-configuration\n"
                        "WEBUI_URL=http://127.0.0.1:9\n")
    args = ["check", "--env-file", str(env_file), "--only", "oauth", "--probe-timeout", "1",
            "--format", fmt, "--now", NOW, "-v"]
    if given in ("option", "garbage"):
        args += ["--id-token", token]
    elif given == "stdin":
        import io

        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(f"{token}\n".encode())))
        args += ["--id-token", "-"]
    else:
        deploy = tmp_path / "deploy.yaml"
        deploy.write_text(f"version: 1\ntest_account:\n  id_token: {json.dumps(token)}\n")
        args += ["--config", str(deploy)]
    code, out, err = run(capsys, *args)
    assert code in (0, 1), err
    assert ("jwt.malformed" if given == "garbage" else "oauth.id-token-unchecked") in out
    assert_clean(markers, out, err)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
@pytest.mark.parametrize("net", [True, False], ids=["net", "no-net"])
@pytest.mark.parametrize("case", ["inspect", "inspect-unreachable", "inspect-token", "jwt-decode",
                                  "jwt-decode-unreachable"])
def test_redis_password_shows_no_secret(capsys: Capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        fake_redis: FakeRedis,  # noqa: F811 - the fixture
                                        case: str, net: bool, fmt: str) -> None:
    """`redis inspect` and `jwt decode --redis-url` (issue 12): the password (and user) in the Redis
    URL is sent to that Redis only and never shown, whether the Redis answers or not, safety net
    on or off; a --token is never shown either."""
    if not net:
        from authdoctor.masking import Redactor

        monkeypatch.setattr(Redactor, "__call__", lambda self, text: text)
    markers = Markers()
    port = 9 if case.endswith("unreachable") else fake_redis.port
    url = f"redis://app:{markers.new()}@127.0.0.1:{port}/0"
    token = _hs256(markers.new(), {"id": "8b177929", "jti": "j-1", "exp": 1900000000, "iat": 1795719703})
    markers.issued.append(token.rsplit(".", 1)[1])
    if case.startswith("jwt-decode"):
        as_json = ["--json"] if fmt == "json" else []
        args = ["jwt", "decode", token, "--redis-url", url, "--now", NOW, *as_json]
    else:
        env_file = tmp_path / "app.env"
        env_file.write_text(f"REDIS_URL={url}\nWEBSOCKET_MANAGER=redis\n")
        args = ["redis", "inspect", "--env-file", str(env_file), "--probe-timeout", "1", "--format", fmt,
                "--now", NOW, "-v", *(["--token", token] if case == "inspect-token" else [])]
    code, out, err = run(capsys, *args)
    assert code in (0, 1), err
    if case.endswith("unreachable"):
        assert "redis.unreachable" in out
    elif case.startswith("inspect"):
        assert "redis.revocation-keys" in out and "AUTH" in fake_redis.received
    assert_clean(markers, out, err)


# --------------------------------------------------------------------------- the live sign-in


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
@pytest.mark.parametrize("net", [True, False], ids=["net", "no-net"])
@pytest.mark.parametrize("case", ["signin-signout", "wrong-password", "samesite-none", "other-key",
                                  "given-token"])
def test_live_signin_shows_no_password_and_no_token(capsys: Capsys, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch, case: str, net: bool,
                                                    fmt: str) -> None:
    """`check --user --password-env --signout` (issue 10 probes 2-4) against the imitation of Open
    WebUI in this process: the test account's password, the app's key and every token the app
    issued (its payload and signature segments, which the cookies carry too) are never shown,
    whether the sign-in works or not, safety net on or off."""
    import threading

    from lab.app_under_test import AppState, make_server
    from lab.ports import free_port

    if not net:
        from authdoctor.masking import Redactor

        monkeypatch.setattr(Redactor, "__call__", lambda self, text: text)
    markers = Markers()
    password, key = markers.new(), markers.new()
    issued: list[str] = []
    create = AppState.create_token

    def recording(self: AppState, user: object, method: str) -> tuple[str, int | None]:
        token, exp = create(self, user, method)  # type: ignore[arg-type]
        issued.append(token)
        return token, exp

    monkeypatch.setattr(AppState, "create_token", recording)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app_env = {"WEBUI_SECRET_KEY": key, "WEBUI_URL": url, "ENABLE_SIGNUP": "false",
               "LAB_APP_USERS": json.dumps([{"email": "admin@example.org", "password": password,
                                             "role": "admin"}])}
    if case == "samesite-none":
        app_env["WEBUI_AUTH_COOKIE_SAME_SITE"] = "none"
    server = make_server("127.0.0.1", port, app_env)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings = {k: v for k, v in app_env.items() if k != "LAB_APP_USERS"}
        if case == "other-key":
            settings["WEBUI_SECRET_KEY"] = markers.new()
        env_file = tmp_path / "app.env"
        env_file.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
        monkeypatch.setenv("SWEEP_OWUI_PASSWORD", markers.new() if case == "wrong-password" else password)
        account = ["--user", "admin@example.org", "--password-env", "SWEEP_OWUI_PASSWORD", "--signout"]
        if case == "given-token":
            import httpx

            account = ["--token", httpx.post(f"{url}/api/v1/auths/signin", timeout=5, json={
                "email": "admin@example.org", "password": password}).json()["token"]]
        code, out, err = run(capsys, "check", "--env-file", str(env_file), "--only", "deploy", "--only",
                             "cookie", *account, "--format", fmt, "-v")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    assert code in (0, 1), err
    if fmt != "sarif":  # SARIF lists every rule of the catalog
        assert ("deploy.signin-failed" in out) == (case == "wrong-password")
        assert ("deploy.session-summary" in out) == (case != "wrong-password")
    assert bool(issued) == (case != "wrong-password")
    for token in issued:
        markers.issued.extend(token.split(".")[1:])
    assert_clean(markers, out, err)


# --------------------------------------------------------------------------- error paths

M1, M2 = "Zq900Xv7Wk+Jp", "Zq901Xv7Wk_Jp"


@dataclass(frozen=True)
class ErrorCase:
    files: dict[str, str]
    args: tuple[str, ...]
    code: int = 2  # a usage or configuration error; 1 for a token decoded as malformed


ERROR_CASES = {
    "env-space-in-line": ErrorCase({"a.env": f"WEBUI_SECRET_KEY {M1}\n"}, ("check", "--env-file", "a.env")),
    "env-bare-secret-words": ErrorCase({"a.env": f"{M1} {M2}\n"}, ("check", "--env-file", "a.env")),
    "env-unclosed-quote": ErrorCase({"a.env": f"WEBUI_SECRET_KEY='{M1}\n"},
                                    ("config", "show", "--env-file", "a.env")),
    "env-junk-after-quote": ErrorCase({"a.env": f"LDAP_APP_PASSWORD=\"{M1}\" {M2}\n"},
                                      ("check", "--env-file", "a.env")),
    "yaml-secret-wrong-type": ErrorCase({"d.yaml": f"version: 1\nsecret_key: [{M1}]\n"},
                                        ("check", "--config", "d.yaml")),
    "yaml-secret-number": ErrorCase({"d.yaml": "version: 1\nldap:\n  app_password: {a: 1}\n"},
                                    ("check", "--config", "d.yaml")),
    "yaml-section-as-text": ErrorCase({"d.yaml": f"version: 1\ntest_account: password {M1}\n"},
                                      ("check", "--config", "d.yaml")),
    "yaml-env-secret-wrong-type": ErrorCase({"d.yaml": f"version: 1\nenv:\n  DB_PASS: [{M1}]\n"},
                                            ("check", "--config", "d.yaml")),
    "yaml-missing-variable": ErrorCase({"d.yaml": "version: 1\nsecret_key: ${SWEEP_UNSET_VAR}\n"},
                                       ("check", "--config", "d.yaml")),
    "yaml-bad-indent": ErrorCase({"d.yaml": f"version: 1\nldap:\n  app_password: {M1}\n bad: x\n"},
                                 ("check", "--config", "d.yaml")),
    "compose-bad-yaml": ErrorCase({"c.yml": "services:\n  w:\n    image: ghcr.io/open-webui/open-webui:main\n"
                                            f"    environment:\n      A: [{M1}\n"},
                                  ("check", "--compose", "c.yml")),
    "compose-env-file-bad-line": ErrorCase(
        {"c.yml": "services:\n  w:\n    image: ghcr.io/open-webui/open-webui:main\n    env_file: [x.env]\n",
         "x.env": f"LDAP_APP_PASSWORD {M1}\n"}, ("check", "--compose", "c.yml")),
    "compose-project-env-bad-line": ErrorCase(
        {"c.yml": "services:\n  w:\n    image: ghcr.io/open-webui/open-webui:main\n", ".env": f"PW {M1}\n"},
        ("check", "--compose", "c.yml")),
    "jwt-secret-env-is-the-secret": ErrorCase({}, ("jwt", "verify", "eyJhbGciOiJIUzI1NiJ9.e30.c2ln",
                                                   "--secret-env", M1)),
    "jwt-secret-file-is-the-secret": ErrorCase({}, ("jwt", "verify", "eyJhbGciOiJIUzI1NiJ9.e30.c2ln",
                                                    "--secret-file", M1)),
    "jwt-password-as-cookie": ErrorCase({}, ("jwt", "decode", f"{M1}={M2}")),
    "jwt-password-as-token": ErrorCase({}, ("jwt", "decode", f"{M1}.{M2}"), code=1),
    "jwt-password-as-option": ErrorCase({}, ("jwt", "decode", f"-{M1}={M2}")),
    "jwt-two-keys": ErrorCase({}, ("jwt", "verify", "eyJhbGciOiJIUzI1NiJ9.e30.c2ln", "--secret-file", M1,
                                   "--jwks", f"https://u:{M2}@idp.example.org/jwks")),
    # L4: YAML parse errors that quoted the offending text (fixed on the inputs branch).
    "yaml-tag-password": ErrorCase({"d.yaml": f"version: 1\nldap:\n  app_password: !{M1}\n"},
                                   ("check", "--config", "d.yaml")),
    "yaml-alias-secret": ErrorCase({"d.yaml": f"version: 1\nsecret_key: *{M2}\n"},
                                   ("check", "--config", "d.yaml")),
    "compose-tag-password": ErrorCase(
        {"c.yml": "services:\n  w:\n    image: ghcr.io/open-webui/open-webui:main\n"
                  f"    environment:\n      LDAP_APP_PASSWORD: !{M1}\n"}, ("check", "--compose", "c.yml")),
}


@pytest.mark.parametrize("debug", [[], ["--debug"]])
@pytest.mark.parametrize("case", list(ERROR_CASES.values()), ids=list(ERROR_CASES))
def test_error_messages_show_no_secret(capsys: Capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       case: ErrorCase, debug: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SWEEP_UNSET_VAR", raising=False)
    for name, text in case.files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    code, out, err = run(capsys, *debug, *case.args)
    assert code == case.code, (out, err)
    if code == 2:
        assert err.startswith("authdoctor: error: ") and len(err.strip().splitlines()) == 1, err
    markers = Markers(issued=[M1, M2])
    assert_clean(markers, out, err)
