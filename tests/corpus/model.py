"""One bad input to the CLI, as data: what to write, how to run it, what must not leak.

A `Case` is pure data so that the generators stay small and the runner (`corpus.runner`) can
materialise it in a scratch directory, run it in a forked or freshly executed process and check
it with the one assertion (`corpus.check.problems`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Stdout = Literal["pipe", "closed", "broken-pipe", "full"]
Process = Literal["fork", "exec"]

# Written into argv and env values; replaced at run time by the base URL of the misbehaving
# JWKS servers (`corpus.servers`), whose port is only known once the fixture has started them.
JWKS = "@JWKS@"


@dataclass(frozen=True)
class Case:
    """One command line with its inputs.

    - `id`: `category/name`, stable, unique; the pytest id of the case.
    - `argv`: the arguments after `authdoctor`, run with the case's scratch directory as the
      working directory (so relative paths name the files below). Strings may hold lone
      surrogates: that is how Python hands non-UTF-8 argv bytes to the program.
    - `files`: (relative path, bytes) written before the run; they must be byte-identical after
      it (authdoctor is read-only). `fifos` are named pipes created with no writer.
    - `stdin`: the bytes on standard input (empty unless the case reads `-`).
    - `env`: the process environment besides PATH, HOME, LANG and NO_COLOR; bytes, so names and
      values can be non-UTF-8.
    - `secrets`: markers that must never appear in stdout, stderr or an --output file, whole,
      URL-encoded or as any 6-character fragment.
    - `outputs`: --output paths the run may write (scanned for secrets and parsed).
    - `stdout`: `pipe` (captured), `closed` (fd 1 closed), `broken-pipe` (reader gone),
      `full` (/dev/full). Anything but `pipe` runs in a freshly executed interpreter.
    - `process`: `fork` runs `authdoctor.cli.main(argv)` in a child forked from a process that has
      already imported authdoctor (fast); `exec` runs `python -m authdoctor` (a real start-up).
    - `slow`: a big input that takes seconds even when handled well; run early, so that the
      batch does not end waiting for it.
    - `defects`: ids in the adversarial report of 2026-11-28 (L*, H*, W*, U*) that this input
      reproduced there; shown with a failure so the reader knows which fix it waits for.
    """

    id: str
    argv: tuple[str, ...]
    files: tuple[tuple[str, bytes], ...] = ()
    fifos: tuple[str, ...] = ()
    stdin: bytes = b""
    env: tuple[tuple[bytes, bytes], ...] = ()
    secrets: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    stdout: Stdout = "pipe"
    process: Process = "fork"
    defects: tuple[str, ...] = ()
    slow: bool = False

    @property
    def machine_format(self) -> str | None:
        """json, sarif or junit when the case asks for a machine-readable report, else None."""
        args = list(self.argv)
        if "--json" in args:
            return "json"
        for index, arg in enumerate(args):
            for flag in ("--format", "-f"):
                if arg == flag and index + 1 < len(args):
                    value = args[index + 1]
                    return value if value in ("json", "sarif", "junit") else None
                if arg.startswith(flag + "="):
                    value = arg.split("=", 1)[1]
                    return value if value in ("json", "sarif", "junit") else None
        return None


def env(**values: str) -> tuple[tuple[bytes, bytes], ...]:
    """Environment pairs from keyword arguments (UTF-8)."""
    return tuple((name.encode(), value.encode("utf-8", "surrogateescape")) for name, value in values.items())


def text(value: str) -> bytes:
    return value.encode("utf-8")


def marker(seed: str, length: int = 16) -> str:
    """A secret-looking value unique to `seed`: 'Xk29' and base32 of its hash. Its 6-character
    fragments do not occur in authdoctor's own words, so any fragment in the output is a leak."""
    import base64
    import hashlib

    digest = base64.b32encode(hashlib.sha256(seed.encode()).digest()).decode().rstrip("=")
    return ("Xk29" + digest.lower().replace("a", "Q"))[:length]


def b64(data: bytes | str) -> str:
    import base64

    raw = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def token(
    header: object = None,
    payload: object = None,
    signature: str = "c2lnbmF0dXJl",
    *,
    raw_header: bytes | None = None,
    raw_payload: bytes | None = None,
) -> str:
    """A JWT from JSON-able header and payload (or raw segment bytes); the signature as given."""
    import json

    head = (
        raw_header
        if raw_header is not None
        else json.dumps(header if header is not None else {"alg": "HS256", "typ": "JWT"}).encode()
    )
    body = (
        raw_payload
        if raw_payload is not None
        else json.dumps(payload if payload is not None else {"sub": "1", "exp": 1798138903}).encode()
    )
    return f"{b64(head)}.{b64(body)}.{signature}"


def hs256(payload: dict[str, object], secret: bytes, header: dict[str, object] | None = None) -> str:
    """A correctly signed HS256 token."""
    import hashlib
    import hmac
    import json

    signing_input = f"{b64(json.dumps(header or {'alg': 'HS256', 'typ': 'JWT'}))}.{b64(json.dumps(payload))}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


HEALTHY_ENV = (
    "WEBUI_URL=https://chat.example.org\n"
    "WEBUI_SECRET_KEY=3b9e7c1a5d2f4e6a8c0b1d3f5e7a9c2b4d6f8e0a1c3e5b7d9f2a4c6e8b0d1f3a\n"
)
WEBUI_IMAGE = "ghcr.io/open-webui/open-webui:main"
