"""docker-compose files (`--compose`, `--service`): service shapes, environment shapes,
env_file entries, the project `.env`, aliases and tags. Rebuilt from the adversarial report of
2026-11-28 (compose, 68 inputs): H2 (billion laughs), H3 through the project .env, L4, U7, U8,
U11, and what it found sound (env_file and project .env secrets masked, 2,000 services)."""

from __future__ import annotations

from collections.abc import Iterator

from corpus.cases_env import bomb
from corpus.model import HEALTHY_ENV, WEBUI_IMAGE, Case, env, marker

IMAGE = f"    image: {WEBUI_IMAGE}\n"


def _compose(
    name: str,
    text: str | bytes,
    *extra: str,
    command: str = "check",
    more: tuple[tuple[str, bytes], ...] = (),
    secrets: tuple[str, ...] = (),
    defects: tuple[str, ...] = (),
    environ: tuple[tuple[bytes, bytes], ...] = (),
) -> Case:
    data = text.encode("utf-8") if isinstance(text, str) else text
    argv = (
        ("check", "--compose", "docker-compose.yml", "--offline", *extra)
        if command == "check"
        else ("config", "show", "--compose", "docker-compose.yml", *extra)
    )
    return Case(
        f"compose/{name}",
        argv,
        files=(("docker-compose.yml", data), *more),
        secrets=secrets,
        defects=defects,
        env=environ,
    )


def service(environment: str) -> str:
    """One Open WebUI service whose `environment:` is the given YAML text (already indented)."""
    return "services:\n  webui:\n" + IMAGE + "    environment:" + environment


def environment_shapes() -> Iterator[Case]:
    secret = marker("compose/env-secret", 32)
    shapes: dict[str, str] = {
        "mapping": f"\n      WEBUI_URL: https://chat.example.org\n      WEBUI_SECRET_KEY: {secret}\n",
        "list": f"\n      - WEBUI_URL=https://chat.example.org\n      - WEBUI_SECRET_KEY={secret}\n",
        "list-name-only": "\n      - WEBUI_SECRET_KEY\n      - WEBUI_URL=\n",
        "list-with-spaces": f"\n      - 'WEBUI_SECRET_KEY = {secret}'\n",
        "list-duplicates": (
            f"\n      - WEBUI_SECRET_KEY={secret}\n      - WEBUI_SECRET_KEY=other-0123456789abcdef\n"
        ),
        "null-values": "\n      WEBUI_SECRET_KEY:\n      WEBUI_URL: ~\n",
        "int-bool-float": (
            "\n      WEBUI_AUTH: true\n      LDAP_SERVER_PORT: 636\n      X: 1.5e3\n      Y: 0x1F\n"
        ),
        "nested-mapping": "\n      WEBUI_AUTH: {a: 1}\n",
        "nested-list": "\n      WEBUI_AUTH: [1, 2]\n",
        "list-of-mappings": "\n      - {WEBUI_AUTH: 'true'}\n",
        "list-of-lists": "\n      - [a, b]\n",
        "scalar": " WEBUI_AUTH=true\n",
        "empty-list": " []\n",
        "empty-mapping": " {}\n",
        "null": "\n",
        "int-key": "\n      1: x\n      2.5: y\n      true: z\n",
        "empty-key": "\n      '': x\n",
        "key-with-equals": "\n      'A=B': x\n",
        "merge-key": f"\n      <<: {{WEBUI_SECRET_KEY: {secret}}}\n      WEBUI_URL: https://chat.example.org\n",
        "interpolated": "\n      WEBUI_SECRET_KEY: ${OW_SECRET}\n",
        "interpolated-required-missing": "\n      WEBUI_SECRET_KEY: ${OW_MISSING:?set it}\n",
        "interpolated-default": "\n      WEBUI_SECRET_KEY: ${OW_MISSING:-fallback-0123456789abcdef}\n",
        "dollar-dollar": "\n      WEBUI_NAME: $$HOME\n",
        "unclosed-interpolation": "\n      WEBUI_NAME: ${OW\n",
        "ansi-value": '\n      WEBUI_NAME: "\\e[2J\\e]0;pwned\\a"\n',
        "very-long-value": "\n      WEBUI_NAME: " + "v" * 500_000 + "\n",
        "deep-value": "\n      WEBUI_NAME: " + "[" * 3000 + "]" * 3000 + "\n",
    }
    for name, body in shapes.items():
        yield _compose(f"environment/{name}", service(body), secrets=(secret,), environ=env(OW_SECRET=secret))
        if name in ("mapping", "list", "merge-key", "ansi-value"):
            yield _compose(
                f"environment/{name}-config-show",
                service(body),
                command="config",
                secrets=(secret,),
                defects=("U13",) if name == "ansi-value" else (),
            )


def service_shapes() -> Iterator[Case]:
    texts: dict[str, str | bytes] = {
        "empty-file": "",
        "no-services": "version: '3'\n",
        "services-null": "services:\n",
        "services-list": "services:\n  - webui\n",
        "services-scalar": "services: webui\n",
        "service-null": "services:\n  webui:\n",
        "service-list": "services:\n  webui: [a]\n",
        "no-openwebui-image": "services:\n  db:\n    image: postgres\n",
        "two-openwebui": "services:\n  a:\n" + IMAGE + "  b:\n" + IMAGE,
        "image-not-string": "services:\n  webui:\n    image: [x]\n",
        "image-missing-build-only": "services:\n  webui:\n    build: .\n",
        "int-service-name": "services:\n  1:\n" + IMAGE,
        "null-service-name": "services:\n  ~:\n" + IMAGE,
        "top-level-list": "- services\n",
        "tabs": "services:\n\twebui:\n",
        "two-documents": "services: {}\n---\nservices: {}\n",
        "deploy-replicas-string": "services:\n  webui:\n" + IMAGE + "    deploy:\n      replicas: many\n",
        "deploy-replicas-huge": "services:\n  webui:\n"
        + IMAGE
        + "    deploy:\n      replicas: "
        + "9" * 400
        + "\n",
        "deploy-replicas-negative": "services:\n  webui:\n" + IMAGE + "    deploy:\n      replicas: -3\n",
        "scale-float": "services:\n  webui:\n" + IMAGE + "    scale: 2.5\n",
        "volumes-garbage": "services:\n  webui:\n" + IMAGE + "    volumes: [1, {a: b}, '::::', '']\n",
        "volumes-scalar": "services:\n  webui:\n" + IMAGE + "    volumes: data\n",
        "extends": "services:\n  webui:\n" + IMAGE + "    extends: {file: other.yml, service: x}\n",
        "2000-services": "services:\n"
        + "".join(f"  s{i}:\n    image: nginx\n" for i in range(2000))
        + "  webui:\n"
        + IMAGE,
        "python-tag": "services:\n  webui: !!python/object/apply:os.system ['echo pwned']\n",
        "utf16": ("services:\n  webui:\n" + IMAGE).encode("utf-16"),
        "binary": bytes(range(256)),
        "deep-nesting": "services:\n  webui:\n" + IMAGE + "    labels: " + "[" * 5000 + "]" * 5000 + "\n",
    }
    laughs = ["x-a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]"] + [
        f"x-{c}: &{c} [{','.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    ]
    for where in ("environment", "image", "volumes", "labels"):
        texts[f"billion-laughs-in-{where}"] = (
            "\n".join(
                [
                    *laughs,
                    "services:",
                    "  w:",
                    f"    image: {WEBUI_IMAGE}" if where != "image" else "    image: *i",
                    f"    {where}: *i" if where != "image" else "",
                ]
            )
            + "\n"
        )
    for name, text in texts.items():
        defects = (
            ("H2",) if name.startswith("billion-laughs") else (("U8",) if name == "int-service-name" else ())
        )
        yield _compose(f"service/{name}", text, defects=defects)
    yield _compose(
        "service/billion-laughs-config-show",
        texts["billion-laughs-in-environment"],
        command="config",
        defects=("H2",),
    )
    yield _compose(
        "service/int-service-name-selected", texts["int-service-name"], "--service", "1", defects=("U8",)
    )
    yield _compose("service/unknown-service-selected", texts["two-openwebui"], "--service", "nope")
    yield _compose("service/empty-service-name", texts["two-openwebui"], "--service", "")
    yield Case(
        "compose/service/service-without-compose",
        ("check", "--service", "webui", "--offline"),
        defects=("U7",),
    )
    yield Case(
        "compose/service/service-with-env-file",
        ("check", "--service", "webui", "--env-file", "o.env", "--offline"),
        files=(("o.env", HEALTHY_ENV.encode()),),
        defects=("U7",),
    )
    for name, path in {
        "directory": ".",
        "dev-zero": "/dev/zero",
        "missing": "nope.yml",
        "empty-path": "",
    }.items():
        yield Case(f"compose/path/{name}", ("check", "--compose", path, "--offline"))
    yield Case("compose/path/fifo", ("check", "--compose", "c.fifo", "--offline"), fifos=("c.fifo",))


def tags_and_aliases() -> Iterator[Case]:
    tag = marker("compose/tag-secret", 14)
    alias = marker("compose/alias-secret", 14)
    for var in ("LDAP_APP_PASSWORD", "WEBUI_SECRET_KEY", "OAUTH_CLIENT_SECRET"):
        yield _compose(
            f"leak/tag-{var}", service(f"\n      {var}: !{tag}\n"), secrets=(tag,), defects=("L4",)
        )
        yield _compose(
            f"leak/alias-{var}", service(f"\n      {var}: *{alias}\n"), secrets=(alias,), defects=("L4",)
        )
    yield _compose("leak/tag-in-list-form", service(f"\n      - !{tag} x\n"), secrets=(tag,), defects=("L4",))
    yield _compose(
        "yaml/anchor-reused-environment",
        f"x-env: &e\n  WEBUI_URL: https://chat.example.org\nservices:\n  a:\n{IMAGE}    environment: *e\n"
        f"  b:\n{IMAGE}    environment: *e\n",
    )
    yield _compose("yaml/self-alias", "x: &x [*x]\nservices:\n  w:\n" + IMAGE + "    environment: *x\n")


def env_files() -> Iterator[Case]:
    secret = marker("compose/env-file-secret", 32)
    dot_secret = marker("compose/dot-env-secret", 32)
    ok = (("webui.env", f"WEBUI_URL=https://chat.example.org\nWEBUI_SECRET_KEY={secret}\n".encode()),)
    entries: dict[str, str] = {
        "string": " webui.env\n",
        "list": "\n      - webui.env\n",
        "mapping-path": "\n      - path: webui.env\n        required: true\n",
        "required-no-path": "\n      - required: true\n",
        "nested-list": "\n      - [a]\n",
        "int": " 5\n",
        "null-entry": "\n      - ~\n",
        "missing-optional": "\n      - path: nope.env\n        required: false\n",
        "missing": " nope.env\n",
        "directory": " .\n",
        "dev-zero": " /dev/zero\n",
        "absolute-missing": " /nonexistent/webui.env\n",
        "empty-string": " ''\n",
        "fifo": " e.fifo\n",
    }
    for name, value in entries.items():
        text = "services:\n  webui:\n" + IMAGE + "    env_file:" + value
        defects = ("U11",) if name in ("required-no-path", "nested-list") else ()
        yield Case(
            f"compose/env-file/{name}",
            ("check", "--compose", "docker-compose.yml", "--offline"),
            files=(("docker-compose.yml", text.encode()), *ok),
            fifos=("e.fifo",) if name == "fifo" else (),
            secrets=(secret,),
            defects=defects,
        )
    project = service("\n      WEBUI_SECRET_KEY: ${DOT_SECRET}\n      WEBUI_URL: https://chat.example.org\n")
    yield _compose(
        "dot-env/secret",
        project,
        more=((".env", f"DOT_SECRET={dot_secret}\n".encode()),),
        secrets=(dot_secret,),
    )
    yield _compose(
        "dot-env/secret-config-show",
        project,
        command="config",
        more=((".env", f"DOT_SECRET={dot_secret}\n".encode()),),
        secrets=(dot_secret,),
    )
    yield _compose(
        "dot-env/bomb",
        service("\n      WEBUI_NAME: ${L7}\n"),
        more=((".env", bomb(7).encode()),),
        defects=("H3",),
    )
    yield _compose("dot-env/not-utf8", project, more=((".env", b"DOT_SECRET=\xff\xfe\n"),))
    yield _compose("dot-env/binary", project, more=((".env", bytes(range(256))),))
    yield _compose("dot-env/directory", project, more=((".env/x", b""),))
    yield _compose(
        "dot-env/env-file-bomb",
        "services:\n  webui:\n" + IMAGE + "    env_file: b.env\n",
        more=(("b.env", bomb(7).encode()),),
        defects=("H3",),
    )


def cases() -> Iterator[Case]:
    yield from environment_shapes()
    yield from service_shapes()
    yield from tags_and_aliases()
    yield from env_files()
