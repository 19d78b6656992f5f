"""The secret sweep: every credential-bearing Open WebUI variable, through every source type,
in `check` (all formats, -v) and `config show` (text and JSON). Rebuilt from the adversarial
report of 2026-11-28 (secret sweep, 160 inputs): L1 (names the masking did not know), the
standard names that stayed masked, REDIS_URL password shapes, and replicas that differ."""

from __future__ import annotations

from collections.abc import Iterator

from corpus.model import WEBUI_IMAGE, Case, env, marker

URL = "https://chat.example.org"

# Masked at ea9bd1f: must stay masked.
STANDARD = (
    "WEBUI_SECRET_KEY",
    "WEBUI_JWT_SECRET_KEY",
    "OAUTH_CLIENT_SECRET",
    "MICROSOFT_CLIENT_SECRET",
    "GOOGLE_CLIENT_SECRET",
    "GITHUB_CLIENT_SECRET",
    "FEISHU_CLIENT_SECRET",
    "LDAP_APP_PASSWORD",
    "OAUTH_SESSION_TOKEN_ENCRYPTION_KEY",
    "OAUTH_CLIENT_INFO_ENCRYPTION_KEY",
    "MFA_ENCRYPTION_KEY",
    "DATABASE_PASSWORD",
    "OPENAI_API_KEY",
    "WEBUI_ADMIN_PASSWORD",
    "S3_SECRET_ACCESS_KEY",
    "QDRANT_API_KEY",
    "MILVUS_TOKEN",
    "ELASTICSEARCH_PASSWORD",
    "CODE_EXECUTION_JUPYTER_AUTH_TOKEN",
    "CODE_EXECUTION_JUPYTER_AUTH_PASSWORD",
    "FORWARD_USER_INFO_HEADER_JWT_SECRET",
    "OTEL_BASIC_AUTH_PASSWORD",
    "ORACLE_DB_PASSWORD",
    "AZURE_STORAGE_KEY",
    "SCIM_TOKEN",
    "REDIS_SENTINEL_PASSWORD",
)
# Shown in clear at ea9bd1f (L1): value templates, {s} is the secret.
UNKNOWN_TO_MASKING = {
    "OPENAI_API_KEYS": "sk-{s};sk-other{s}",
    "AUTOMATIC1111_API_AUTH": "admin:{s}",
    "GOOGLE_APPLICATION_CREDENTIALS_JSON": '{{"private_key":"-----BEGIN PRIVATE KEY-----{s}"}}',
    "CHROMA_CLIENT_AUTH_CREDENTIALS": "{s}",
    "CHROMA_HTTP_HEADERS": "Authorization=Bearer {s}",
    "EXTERNAL_DOCUMENT_LOADER_HEADERS": '{{"X-Api-Key":"{s}"}}',
    "TOOL_SERVER_CONNECTIONS": '[{{"url":"http://t","key":"{s}"}}]',
    "OPENAI_API_CONFIGS": '{{"0":{{"key":"{s}"}}}}',
    "SOUGOU_API_SK": "{s}",
    "WEBHOOK_URL": "https://hooks.slack.com/services/T0/B0/{s}",
    "PLAYWRIGHT_WS_URL": "ws://browser:3000/?token={s}",
}
URL_SECRETS = {  # REDIS_URL shapes: {s} is the password
    "plain": "redis://:{s}@redis:6379/0",
    "slash": "redis://:{s}/x@redis:6379/0",
    "at": "redis://:{s}@x@redis:6379/0",
    "colon": "redis://user:{s}:x@redis:6379/0",
    "percent": "redis://:{s}%2F%40@redis:6379/0",
    "hash": "redis://:{s}#x@redis:6379/0",
    "question": "redis://:{s}?x@redis:6379/0",
    "no-colon": "redis://{s}@redis:6379",
    "ipv6": "redis://:{s}@[::1]:6379/0",
    "sentinel": "redis+sentinel://:{s}@s1:26379,s2:26379/mymaster/0",
    "unix": "unix://:{s}@/run/redis.sock?db=0",
    "bad-port": "redis://:{s}@redis:notaport/0",
    "slash-bad-port": "redis://:{s}/x@redis:99999/0",
    "spaces": "  redis://:{s}@redis:6379/0  ",
    "tls": "rediss://default:{s}@redis:6380/0",
    "no-scheme": ":{s}@redis:6379/0",
}
URL_DEFECTS = {"no-scheme": ("L5",)}


def _sources(
    name: str, value: str
) -> dict[str, tuple[tuple[str, ...], tuple[tuple[str, bytes], ...], tuple[tuple[bytes, bytes], ...]]]:
    """(settings options, files, environment) for each source type holding NAME=VALUE."""
    quoted = value.replace("\\", "\\\\").replace('"', '\\"')
    env_file = f'WEBUI_URL={URL}\n{name}="{quoted}"\n'.encode()
    compose = (
        f"services:\n  webui:\n    image: {WEBUI_IMAGE}\n    environment:\n"
        f"      WEBUI_URL: {URL}\n      {name}: '{value.replace(chr(39), chr(39) * 2)}'\n"
    ).encode()
    deploy = (
        f"version: 1\npublic_url: {URL}\nenv:\n  {name}: '{value.replace(chr(39), chr(39) * 2)}'\n"
    ).encode()
    return {
        "env-file": (("--env-file", "o.env"), (("o.env", env_file),), ()),
        "compose": (("--compose", "docker-compose.yml"), (("docker-compose.yml", compose),), ()),
        "deploy-yaml": (("--config", "deploy.yaml"), (("deploy.yaml", deploy),), ()),
        "from-env": (("--from-env",), (), env(WEBUI_URL=URL, **{name: value})),
    }


def _cases(
    prefix: str,
    name: str,
    value: str,
    secret: str,
    defects: tuple[str, ...],
    commands: tuple[tuple[str, ...], ...],
    sources: tuple[str, ...],
) -> Iterator[Case]:
    for source, (options, files, environ) in _sources(name, value).items():
        if source not in sources:
            continue
        for command in commands:
            tail = command[1:]
            argv = (
                (command[0], *options, *tail)
                if command[0] == "check"
                else ("config", "show", *options, *tail)
            )
            label = " ".join(command).replace("config show", "config-show").replace(" ", "")
            yield Case(
                f"secrets/{prefix}/{name}/{source}/{label}",
                argv,
                files=files,
                env=environ,
                secrets=(secret,),
                defects=defects,
            )


def cases() -> Iterator[Case]:
    check_all = (
        ("check", "--offline"),
        ("check", "--offline", "--format", "json"),
        ("check", "--offline", "--format", "sarif"),
        ("check", "--offline", "--format", "junit"),
        ("check", "--offline", "-v"),
        ("config show",),
        ("config show", "--json"),
    )
    for name in STANDARD:
        secret = marker(f"secrets/{name}", 24)
        yield from _cases(
            "standard", name, secret, secret, (), (("check", "--offline"), ("config show",)), ("env-file",)
        )
        if name in ("WEBUI_SECRET_KEY", "LDAP_APP_PASSWORD", "OAUTH_CLIENT_SECRET"):
            yield from _cases(
                "standard",
                name,
                secret,
                secret,
                (),
                (check_all[1], check_all[5]),
                ("compose", "deploy-yaml", "from-env"),
            )
            yield from _cases(
                "standard",
                name,
                secret,
                secret,
                (),
                (check_all[2], check_all[3], check_all[4]),
                ("env-file",),
            )
    for name, template in UNKNOWN_TO_MASKING.items():
        secret = marker(f"secrets/l1/{name}", 20)
        value = template.format(s=secret)
        yield from _cases(
            "l1",
            name,
            value,
            secret,
            ("L1",),
            (("config show",),),
            ("env-file", "compose", "deploy-yaml", "from-env"),
        )
        yield from _cases("l1", name, value, secret, ("L1",), (("config show", "--json"),), ("env-file",))
        yield from _cases("l1", name, value, secret, (), (("check", "--offline", "-v"),), ("env-file",))
    for shape, template in URL_SECRETS.items():
        secret = marker(f"secrets/redis/{shape}", 14)
        value = template.format(s=secret)
        for command in (("check", "--offline", "--format", "json"), ("config show",)):
            yield from _cases(
                f"redis-url-{shape}",
                "REDIS_URL",
                value,
                secret,
                URL_DEFECTS.get(shape, ()),
                (command,),
                ("env-file",),
            )
    for name in ("DB_PASS", "GPG_PASSPHRASE", "BACKUP_PASSPHRASE"):
        secret = marker(f"secrets/other/{name}", 20)
        yield from _cases("non-openwebui", name, secret, secret, ("L1",), (("config show",),), ("env-file",))
    first, second = marker("secrets/replica-1", 32), marker("secrets/replica-2", 32)
    files = (
        (
            "a.env",
            f"WEBUI_URL={URL}\nWEBUI_SECRET_KEY={first}\nREDIS_URL=redis://:{first}@r:6379/0\n".encode(),
        ),
        (
            "b.env",
            f"WEBUI_URL={URL}\nWEBUI_SECRET_KEY={second}\nREDIS_URL=redis://:{second}@r:6379/0\n".encode(),
        ),
    )
    for fmt in ("text", "json", "sarif", "junit"):
        yield Case(
            f"secrets/replicas-differ-{fmt}",
            ("check", "--env-file", "a.env", "--env-file", "b.env", "--offline", "--format", fmt),
            files=files,
            secrets=(first, second),
        )
    yield Case(
        "secrets/replicas-differ-config-show",
        ("config", "show", "--env-file", "a.env", "--env-file", "b.env"),
        files=files,
        secrets=(first, second),
    )
    yield Case(
        "secrets/replicas-differ-debug-verbose",
        ("--debug", "check", "--env-file", "a.env", "--env-file", "b.env", "--offline", "-v"),
        files=files,
        secrets=(first, second),
    )
    short = "Xk2"
    yield Case(
        "secrets/three-char-secret",
        ("check", "--env-file", "s.env", "--offline"),
        files=(("s.env", f"WEBUI_URL={URL}\nWEBUI_SECRET_KEY={short}\n".encode()),),
    )
