"""deploy.yaml (`--config`): YAML structure, aliases and tags, every field with a wrong type,
interpolation, encodings. Rebuilt from the adversarial report of 2026-11-28 (deploy.yaml, 191
inputs): H1 (billion laughs), L3, L4, U5, U6, W2, and what it found sound (one-line type errors
with file:line for all leaf fields, did-you-mean, secret fields masked, !!python refused)."""

from __future__ import annotations

from collections.abc import Iterator

from corpus.model import Case, marker

HEAD = "version: 1\npublic_url: https://chat.example.org\n"

# Every leaf of the deploy.yaml schema with its type (`authdoctor config schema`, at ea9bd1f).
LEAVES: dict[str, str] = {
    "app": "string",
    "public_url": "string",
    "webui_url": "string",
    "secret_key": "secret",
    "auth.enabled": "boolean",
    "auth.password_auth": "boolean",
    "auth.signup": "boolean",
    "auth.login_form": "boolean",
    "auth.default_user_role": "string",
    "auth.signout_redirect_url": "string",
    "jwt.expires_in": "duration",
    "cookies.same_site": "string",
    "cookies.secure": "boolean",
    "cookies.auth_same_site": "string",
    "cookies.auth_secure": "boolean",
    "cors_allow_origin": "list",
    "oauth.enabled": "boolean",
    "oauth.signup": "boolean",
    "oauth.merge_accounts_by_email": "boolean",
    "oauth.allowed_domains": "list",
    "oauth.email_claim": "string",
    "oauth.username_claim": "string",
    "oauth.sub_claim": "string",
    "oauth.role_management.enabled": "boolean",
    "oauth.role_management.roles_claim": "string",
    "oauth.role_management.allowed_roles": "list",
    "oauth.role_management.admin_roles": "list",
    "oauth.group_management.enabled": "boolean",
    "oauth.group_management.groups_claim": "string",
    **{
        f"oauth.providers.{p}.{f}": ("secret" if f == "client_secret" else "string")
        for p, fields in {
            "google": ("client_id", "client_secret", "redirect_uri", "scopes"),
            "microsoft": (
                "client_id",
                "client_secret",
                "tenant_id",
                "login_base_url",
                "redirect_uri",
                "scopes",
            ),
            "github": ("client_id", "client_secret", "redirect_uri", "scopes"),
            "oidc": (
                "client_id",
                "client_secret",
                "provider_url",
                "redirect_uri",
                "scopes",
                "code_challenge_method",
                "name",
                "end_session_endpoint",
            ),
            "feishu": ("client_id", "client_secret", "redirect_uri", "scopes"),
        }.items()
        for f in fields
    },
    "ldap.enabled": "boolean",
    "ldap.label": "string",
    "ldap.host": "string",
    "ldap.port": "port",
    "ldap.use_tls": "boolean",
    "ldap.ca_cert_file": "string",
    "ldap.validate_cert": "boolean",
    "ldap.app_dn": "string",
    "ldap.app_password": "secret",
    "ldap.search_base": "string",
    "ldap.search_filter": "string",
    "ldap.attribute_for_mail": "string",
    "ldap.attribute_for_username": "string",
    "redis.url": "secret-url",
    "redis.sentinel_hosts": "list",
    "redis.sentinel_port": "port",
    "redis.cluster": "boolean",
    "redis.key_prefix": "string",
    "redis.websocket_manager": "string",
    "trusted_header.email": "string",
    "trusted_header.name": "string",
    "trusted_header.groups": "string",
    "trusted_header.role": "string",
    "replicas": "integer",
    "env": "object",
    "test_account.email": "string",
    "test_account.password": "secret",
    "test_account.ldap_user": "string",
    "test_account.ldap_password": "secret",
    "test_account.token": "secret",
    "probe.timeout": "number",
    "probe.verify_tls": "boolean",
    "probe.ca_file": "string",
}


def nest(path: str, value: str) -> str:
    """`a.b.c` and a YAML value text as nested block mappings."""
    parts = path.split(".")
    lines = [f"{'  ' * depth}{part}:" for depth, part in enumerate(parts[:-1])]
    lines.append(f"{'  ' * (len(parts) - 1)}{parts[-1]}: {value}")
    return "\n".join(lines) + "\n"


def _config(
    name: str,
    text: str | bytes,
    *extra: str,
    command: str = "check",
    secrets: tuple[str, ...] = (),
    defects: tuple[str, ...] = (),
    env: tuple[tuple[bytes, bytes], ...] = (),
) -> Case:
    data = text.encode("utf-8") if isinstance(text, str) else text
    argv = (
        ("check", "--config", "deploy.yaml", "--offline", *extra)
        if command == "check"
        else ("config", "show", "--config", "deploy.yaml", *extra)
    )
    return Case(
        f"deploy-yaml/{name}", argv, files=(("deploy.yaml", data),), secrets=secrets, defects=defects, env=env
    )


def wrong_types() -> Iterator[Case]:
    """Each leaf given a value of the wrong type; secret leaves hold a marker that must stay hidden."""
    for path, kind in LEAVES.items():
        secret = marker(f"deploy-yaml/type/{path}", 20)
        wrong = {
            "string": "[1, 2]",
            "boolean": "maybe",
            "duration": "[8h]",
            "list": "{a: 1}",
            "port": "[389]",
            "integer": "many",
            "object": "[A=1]",
            "number": "soon",
            "secret": f"[{secret}]",
            "secret-url": f"{{url: 'redis://:{secret}@h:6379'}}",
        }[kind]
        yield _config(
            f"type/{path}",
            HEAD + nest(path, wrong) if path != "public_url" else "version: 1\n" + nest(path, wrong),
            secrets=(secret,) if kind.startswith("secret") else (),
        )
    for path in (
        "secret_key",
        "ldap.app_password",
        "test_account.password",
        "oauth.providers.oidc.client_secret",
    ):
        secret = marker(f"deploy-yaml/int-secret/{path}", 20)
        yield _config(f"type/{path}-as-mapping", HEAD + nest(path, f"{{{secret}: 1}}"), secrets=(secret,))


def structure() -> Iterator[Case]:
    laughs = ["version: 1", "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]"] + [
        f"{c}: &{c} [{','.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    ]
    texts: dict[str, str | bytes] = {
        "empty": "",
        "only-comment": "# nothing\n",
        "null-document": "null\n",
        "list-top-level": "- version: 1\n",
        "scalar-top-level": "just text\n",
        "number-top-level": "42\n",
        "two-documents": HEAD + "---\n" + HEAD,
        "document-end-marker": HEAD + "...\n",
        "tabs-indent": "version: 1\nldap:\n\thost: x\n",
        "unclosed-flow": "version: 1\nldap: {host: x\n",
        "unclosed-quote": "version: 1\napp: 'open\n",
        "duplicate-keys": HEAD + "app: a\napp: b\n",
        "version-2": "version: 2\n",
        "version-string": "version: '1'\n",
        "version-missing": "public_url: https://chat.example.org\n",
        "version-huge": "version: " + "9" * 5000 + "\n",
        "replicas-negative": HEAD + "replicas: -1\n",
        "replicas-huge": HEAD + "replicas: " + "9" * 400 + "\n",
        "replicas-float": HEAD + "replicas: 1.5\n",
        "replicas-bool": HEAD + "replicas: yes\n",
        "probe-timeout-inf": HEAD + "probe:\n  timeout: .inf\n",
        "probe-timeout-nan": HEAD + "probe:\n  timeout: .nan\n",
        "probe-timeout-negative": HEAD + "probe:\n  timeout: -5\n",
        "ldap-port-huge": HEAD + "ldap:\n  port: 99999999999999999999\n",
        "expires-in-float": HEAD + "jwt:\n  expires_in: 1.5e300\n",
        "unknown-top-key": HEAD + "ldpa:\n  host: x\n",
        "unknown-nested-key": HEAD + "ldap:\n  hots: x\n",
        "deep-nesting": HEAD + "env:\n  A: " + "[" * 5000 + "]" * 5000 + "\n",
        "deep-block-nesting": HEAD + "".join("  " * i + f"k{i}:\n" for i in range(500)),
        "billion-laughs": "\n".join(laughs) + "\n",
        "self-alias": HEAD + "env: &e\n  A: *e\n",
        "alias-as-key": HEAD + "x: &k app\n*k : y\n",
        "anchor-on-scalar-used-twice": HEAD + "app: &a x\nldap:\n  host: *a\n",
        "merge-key": "version: 1\nx-auth: &a {signup: false}\nauth:\n  <<: *a\n",
        "merge-key-list": "version: 1\nx: &a {enabled: true}\ny: &b {signup: false}\nauth:\n  <<: [*a, *b]\n",
        "python-object-tag": HEAD + "app: !!python/object/apply:os.system ['echo pwned']\n",
        "binary-tag": HEAD + "app: !!binary aGVsbG8=\n",
        "set-tag": HEAD + "cors_allow_origin: !!set {a, b}\n",
        "timestamp-app": HEAD + "app: 2001-12-14t21:59:43.10-05:00\n",
        "omap": HEAD + "env: !!omap [A: 1]\n",
        "complex-key": HEAD + "? [a, b]\n: c\n",
        "null-key": HEAD + "~: x\n",
        "bool-key": HEAD + "true: x\n",
        "int-key-in-env": HEAD + "env:\n  1: x\n",
        "env-nested-value": HEAD + "env:\n  WEBUI_AUTH: {a: 1}\n",
        "env-list-value": HEAD + "env:\n  WEBUI_AUTH: [true]\n",
        "env-null-value": HEAD + "env:\n  WEBUI_AUTH:\n",
        "env-as-list": HEAD + "env:\n  - WEBUI_AUTH=true\n",
        "ansi-in-app": HEAD + 'app: "\\e[2J\\e]0;pwned\\a"\n',
        "control-in-key": HEAD + '"ap\\u0007p": x\n',
        "bom": "\ufeff" + HEAD,
        "crlf": HEAD.replace("\n", "\r\n"),
        "utf16": HEAD.encode("utf-16"),
        "latin1": (HEAD + "app: Café\n").encode("latin-1"),
        "nul-bytes": HEAD.encode() + b"\x00\x00",
        "binary": bytes(range(256)),
        "over-5mb": HEAD + "# " + "x" * (5 * 1024 * 1024) + "\n",
        "50k-keys": HEAD + "env:\n" + "".join(f"  X_{i}: v\n" for i in range(50_000)),
        "long-line": HEAD + "app: " + "a" * 1_000_000 + "\n",
        "directive": "%YAML 1.1\n---\n" + HEAD,
        "bad-directive": "%YAML 9.9\n---\n" + HEAD,
        "anchor-undefined": HEAD + "app: *nothing\n",
        "huge-anchor-name": HEAD + "app: &" + "a" * 100_000 + " x\n",
    }
    for name, text in texts.items():
        defects = {
            "billion-laughs": ("H1",),
            "merge-key": ("U5",),
            "merge-key-list": ("U5",),
            "50k-keys": ("W2",),
        }.get(name, ())
        yield _config(f"yaml/{name}", text, defects=defects)
        if name in ("billion-laughs", "merge-key", "deep-nesting", "two-documents", "ansi-in-app"):
            yield _config(
                f"yaml/{name}-config-show",
                text,
                command="config",
                defects=defects + (("U13",) if name == "ansi-in-app" else ()),
            )


def leaks() -> Iterator[Case]:
    """L3 (password in public_url), L4 (YAML errors quoting secret text), U6 (over-masking)."""
    password = marker("deploy-yaml/public-url-password", 16)
    text = f"version: 1\npublic_url: https://admin:{password}@chat.example.org\n"
    for fmt in ("text", "json", "sarif", "junit"):
        yield _config(
            f"leak/public-url-password-{fmt}", text, "--format", fmt, secrets=(password,), defects=("L3",)
        )
    yield _config(
        "leak/public-url-password-config-show", text, command="config", secrets=(password,), defects=("L3",)
    )
    yield _config(
        "leak/public-url-password-config-show-json",
        text,
        "--json",
        command="config",
        secrets=(password,),
        defects=("L3",),
    )
    tag = marker("deploy-yaml/tag-secret", 14)
    alias = marker("deploy-yaml/alias-secret", 14)
    for path in (
        "ldap.app_password",
        "secret_key",
        "test_account.password",
        "oauth.providers.google.client_secret",
    ):
        yield _config(f"leak/tag-{path}", HEAD + nest(path, f"!{tag}"), secrets=(tag,), defects=("L4",))
        yield _config(f"leak/alias-{path}", HEAD + nest(path, f"*{alias}"), secrets=(alias,), defects=("L4",))
    yield _config(
        "leak/tag-config-show",
        HEAD + nest("ldap.app_password", f"!{tag}"),
        command="config",
        secrets=(tag,),
        defects=("L4",),
    )
    yield _config(
        "leak/date-password",
        HEAD + "test_account:\n  password: 1987-06-23\n",
        secrets=("1987-06-23",),
        defects=("L4",),
    )
    yield _config(
        "leak/date-secret-key", HEAD + "secret_key: 1993-07-19\n", secrets=("1993-07-19",), defects=("L4",)
    )
    pasted = marker("deploy-yaml/pasted-as-key", 16)
    yield _config(
        "leak/secret-pasted-as-key", HEAD + f"ldap:\n  {pasted}: x\n", secrets=(pasted,), defects=("L4",)
    )
    yield _config("leak/password-auth-yes-string", HEAD + 'auth:\n  password_auth: "yes"\n', defects=("U6",))
    sealed = marker("deploy-yaml/interpolated", 24)
    from corpus.model import env

    yield _config(
        "leak/secret-from-environment",
        HEAD + "secret_key: ${OW_SECRET}\n",
        secrets=(sealed,),
        env=env(OW_SECRET=sealed),
    )
    yield _config(
        "leak/secret-from-environment-config-show",
        HEAD + "secret_key: ${OW_SECRET}\n",
        command="config",
        secrets=(sealed,),
        env=env(OW_SECRET=sealed),
    )
    yield _config("interpolation/unset-variable", HEAD + "secret_key: ${UNSET_ONE}\n")
    yield _config("interpolation/default", HEAD + "secret_key: ${UNSET_ONE:-fallback-value-0123456789}\n")
    yield _config(
        "interpolation/unclosed",
        HEAD + "secret_key: ${OW_SECRET\n",
        env=env(OW_SECRET=sealed),
        secrets=(sealed,),
    )
    yield _config("interpolation/nested", HEAD + "secret_key: ${A:-${B:-${C}}}\n")
    yield _config(
        "interpolation/non-utf8-value",
        HEAD + "secret_key: ${OW_SECRET}\n",
        env=((b"OW_SECRET", b"ab\xff" + sealed.encode()),),
        secrets=(sealed,),
        defects=("H6g",),
    )
    yield _config(
        "interpolation/value-is-yaml", HEAD + "ldap: ${OW_YAML}\n", env=env(OW_YAML="{host: x, port: [1]}")
    )
    yield _config("interpolation/huge-value", HEAD + "app: ${BIG}\n", env=env(BIG="b" * 1_000_000))
    yield _config("interpolation/in-key", HEAD + "${KEY}: x\n", env=env(KEY="ldap"))


def cases() -> Iterator[Case]:
    yield from wrong_types()
    yield from structure()
    yield from leaks()
