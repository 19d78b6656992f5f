"""`--from-env`: the process environment as the settings, bytes and all. Rebuilt from the
adversarial report of 2026-11-28 (--from-env, 15 inputs): H6g (non-UTF-8 names and values) and
L1 (config show --all)."""

from __future__ import annotations

from collections.abc import Iterator

from corpus.model import Case, env, marker

URL = (b"WEBUI_URL", b"https://chat.example.org")


def cases() -> Iterator[Case]:
    secret = marker("from-env/secret", 32)
    check = ("check", "--from-env", "--offline")
    yield Case(
        "from-env/non-utf8-secret-value",
        (*check, "--only", "secret"),
        env=(URL, (b"WEBUI_SECRET_KEY", b"abc\xffdef" + secret.encode())),
        secrets=(secret,),
        defects=("H6g",),
    )
    for fmt in ("text", "json", "sarif", "junit"):
        yield Case(
            f"from-env/non-utf8-name-{fmt}",
            (*check, "--format", fmt),
            env=(URL, (b"WEBUI_\xe9X", b"1")),
            defects=("H6g",),
        )
        yield Case(
            f"from-env/non-utf8-value-{fmt}",
            (*check, "--format", fmt),
            env=(URL, (b"WEBUI_NAME", b"caf\xe9")),
            defects=("H6g",),
        )
    yield Case(
        "from-env/non-utf8-config-show",
        ("config", "show", "--from-env", "--all"),
        env=(URL, (b"WEBUI_\xe9X", b"\xff"), (b"WEBUI_SECRET_KEY", b"\xfe" + secret.encode())),
        secrets=(secret,),
        defects=("H6g",),
    )
    yield Case(
        "from-env/non-utf8-config-show-json",
        ("config", "show", "--from-env", "--json"),
        env=(URL, (b"WEBUI_SECRET_KEY", b"\xfe" + secret.encode())),
        secrets=(secret,),
        defects=("H6g",),
    )
    yield Case("from-env/empty-environment", check)
    yield Case(
        "from-env/secret-with-newline",
        check,
        env=env(WEBUI_URL="https://chat.example.org", WEBUI_SECRET_KEY=f"{secret}\nsecond"),
        secrets=(secret,),
    )
    yield Case(
        "from-env/ansi-values-config-show",
        ("config", "show", "--from-env"),
        env=env(WEBUI_NAME="\x1b[2J\x1b]0;pwned\x07x"),
        defects=("U13",),
    )
    yield Case("from-env/huge-value", check, env=(URL, (b"WEBUI_NAME", b"n" * 2_000_000)))
    yield Case(
        "from-env/5000-other-variables",
        check,
        env=(URL, *[(f"APP_X_{i}".encode(), b"v") for i in range(5000)]),
    )
    yield Case(
        "from-env/100-unknown-webui-variables",
        check,
        env=(URL, *[(f"WEBUI_X_{i}".encode(), b"v") for i in range(100)]),
    )
    yield Case(
        "from-env/with-env-file",
        (*check, "--env-file", "o.env"),
        env=(URL,),
        files=(("o.env", b"WEBUI_URL=https://other.example.org\n"),),
    )
    others = {
        "DB_PASS": marker("from-env/db-pass", 20),
        "GPG_PASSPHRASE": marker("from-env/gpg", 20),
        "OPENAI_API_KEYS": marker("from-env/openai-keys", 20),
    }
    yield Case(
        "from-env/config-show-all-credentials",
        ("config", "show", "--from-env", "--all"),
        env=(URL, *env(**others)),
        secrets=tuple(others.values()),
        defects=("L1",),
    )
