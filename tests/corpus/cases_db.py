"""`db show` and `check --database` (issue 13): the databases of the rbac category (garbage, a
truncated or emptied SQLite file, a FIFO, a directory, an old schema), database URLs of every
shape with passwords in them, and tokens that are not tokens. Every database file must be
byte-identical afterwards (read-only), and no URL password may show."""

from __future__ import annotations

from collections.abc import Iterator

from corpus.cases_rbac import DB, URL, _old_schema, database
from corpus.model import Case, marker

ENV = "app.env"
ENV_TEXT = b"WEBUI_SECRET_KEY=5f3a9c1e7b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a\n"


def _case(name: str, *argv: str, files: tuple[tuple[str, bytes], ...] | None = None,
          secrets: tuple[str, ...] = (), fifos: tuple[str, ...] = ()) -> Case:
    return Case(f"db/{name}", argv, files=((DB, database()),) if files is None else files,
                secrets=secrets, fifos=fifos)


def databases() -> Iterator[Case]:
    good = database()
    shapes = {
        "good": good,
        "empty-file": b"",
        "garbage": b"\x00\xff" * 2048,
        "header-only": good[:100],
        "truncated-half": good[: len(good) // 2],
        "zeroed-pages": good[:4096] + b"\x00" * (len(good) - 4096),
        "old-schema": _old_schema(),
    }
    for name, data in shapes.items():
        yield _case(f"show-{name}", "db", "show", "--database", URL, files=((DB, data),))
        yield _case(f"check-{name}-json", "check", "--env-file", ENV, "--database", URL, "--only", "db",
                    "--format", "json", files=((DB, data), (ENV, ENV_TEXT)))
    yield _case("implicit-data-dir", "check", "--env-file", ENV, "--only", "db", "--only", "jwt",
                files=((DB, good), (ENV, ENV_TEXT + b"DATA_DIR=.\n")))
    yield _case("fifo", "db", "show", "--database", "sqlite:///pipe.db", files=(), fifos=("pipe.db",))
    yield _case("directory", "db", "show", "--database", "sqlite:///.")
    yield _case("missing", "db", "show", "--database", "sqlite:///nope.db")
    yield _case("no-database", "db", "show")
    yield _case("database-empty", "db", "show", "--database", "")


def urls() -> Iterator[Case]:
    for index, shape in enumerate((
            "postgresql://owui:{pw}@127.0.0.1:1/owui",
            "postgres://owui:{pw}@[::1]:1/owui?sslmode=require",
            "postgresql+psycopg2://owui:{pw}@127.0.0.1:1/owui",
            "mysql://root:{pw}@db/owui",
            "sqlite+sqlcipher:///:{pw}@webui.db",
            "http://user:{pw}@example.com/",
            "host=127.0.0.1 port=1 dbname=owui user=owui password={pw}",
            "postgresql://owui@127.0.0.1:1/owui?password={pw}",
            "postgresql://owui:{pw}@127.0.0.1:1/owui?sslmode=bogus",
    )):
        secret = marker(f"db-url-{index}", 20)
        for fmt in ("text", "json"):
            yield _case(f"url-{index}-{fmt}", "db", "show", "--database", shape.format(pw=secret),
                        "--format", fmt, "--timeout", "5", secrets=(secret,))
        yield _case(f"check-url-{index}", "check", "--env-file", ENV, "--only", "db", "--database",
                    shape.format(pw=secret), "--timeout", "5", secrets=(secret,),
                    files=((ENV, ENV_TEXT),))


def tokens() -> Iterator[Case]:
    for name, token in (("garbage", "not-a-token"), ("empty", ""), ("huge", "a." * 50_000 + "b"),
                        ("non-utf8", "ey\udcff.x.y"), ("bearer", "Bearer ")):
        yield _case(f"token-{name}", "db", "show", "--database", URL, "--token", token)


def cases() -> list[Case]:
    return [*databases(), *urls(), *tokens()]
