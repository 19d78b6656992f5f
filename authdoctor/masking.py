"""Secret masking: no password, client secret, signing key or full token reaches any output.

Masking is structural: a value is masked where it is read, never found again in rendered text.
1. Which values are secret is decided from the variable's name (`is_secret_name`: a curated list
   of Open WebUI's credential-bearing variables, a name heuristic for every other name; see
   `authdoctor.openwebui.secrets`). A secret variable is shown as `mask(value)`: its length only.
2. Every other value is shown through `mask_credentials`, which masks the credentials inside it
   where they sit: a URL's password (with or without a scheme, each URL of a `;`/`,` list on its
   own), secret-named query or `name=value` parameters, secret-named JSON fields, `Bearer …`
   tokens and PEM private keys. `shown_value(name, value)` picks between the two; checks and
   `config show` use it, so evidence never holds a raw secret.
3. A safety net (`Redactor`) runs over each string field of a report before it is rendered (never
   over the rendered text, which would corrupt JSON, SARIF or XML when a secret equals a key or a
   keyword, and reveal the secret by the mask's position). It only replaces secrets that cannot be
   an ordinary word of the report (`nettable`), so a mask never stands where a common word was.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

MIN_REDACT_LENGTH = 6
EMBEDDED_MASK = "***"


def is_secret_name(name: str) -> bool:
    """True for variables whose whole value is a secret (WEBUI_SECRET_KEY, OPENAI_API_KEYS,
    *_CLIENT_SECRET, passwords, unknown names such as DB_PASS)."""
    from authdoctor.openwebui.secrets import is_secret_variable

    return is_secret_variable(name)


def mask(value: str | None) -> str:
    """A printable stand-in for a secret that tells its length but nothing of its content."""
    if value is None:
        return "<unset>"
    if value == "":
        return "<empty>"
    return f"<secret, {len(value)} chars>"


# --------------------------------------------------------------------------- credentials inside a value

_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")


def _url_starts(text: str) -> list[tuple[int, int]]:
    """(start, end) of every place a URL's authority begins: `scheme://`, and also a scheme-
    relative `//host` and the typo `redis//host` (clients reject both, but their passwords are
    still passwords). Found from each `//` backwards, so a long value costs one scan, not a
    regex attempt at every position."""
    starts: list[tuple[int, int]] = []
    index = text.find("//")
    while index >= 0:
        begin = index - 1 if index > 0 and text[index - 1] == ":" else index
        while begin > 0 and index - begin < 32 and text[begin - 1] in _SCHEME_CHARS:
            begin -= 1
        while begin < index and not text[begin].isalpha():  # a scheme starts with a letter
            begin += 1
        starts.append((begin, index + 2))
        index = text.find("//", index + 2)
    return starts
_ENTRY_END = ";, \t\r\n"
_BARE_ENTRY = re.compile(r"[^;,\s]+")
_BARE_HOST = re.compile(r"(?:[A-Za-z0-9._\-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]*)?(?:[/?#].*)?")
_PAIR = re.compile(r"(?<![A-Za-z0-9_.\-])([A-Za-z0-9_.\-]{1,64})=([^&;,#\s]+)")
_JSON_PAIR = re.compile(r""""([^"\\]{1,64})"\s*:\s*"((?:[^"\\]|\\.)*)"|"""
                        r"""'([^'\\]{1,64})'\s*:\s*'((?:[^'\\]|\\.)*)'""")
_BEARER = re.compile(r"(?i)\b(?:bearer|basic)\s+([A-Za-z0-9._~+/=\-]{6,})")
_PEM = re.compile(r"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----(.*?)"
                  r"(?:-----END [A-Z0-9 ]{0,40}PRIVATE KEY-----|\Z)", re.DOTALL)
_FIELD_SECRET = re.compile(r"(?i)pass|pwd|secret|token|auth|credential|api[-_]?key|private|signature|"
                           r"^sig$|^code$|(?:^|[-_.])key$|^sk$|^dsn$|cookie|session")
_FIELD_PLAIN = re.compile(r"(?i)(?:type|method|mode|provider|url|uri|endpoint|enabled?|name|expires?|"
                          r"expires_in|length|file|path|_id|-id)$")


def is_secret_field(name: str) -> bool:
    """A query parameter, `name=value` or JSON field name that holds a credential
    (`access_token`, `password`, `api_key`, `Authorization`, `sig`), not `auth_type` or `token_url`."""
    return bool(_FIELD_SECRET.search(name)) and not _FIELD_PLAIN.search(name)


def _userinfo_spans(text: str) -> list[tuple[int, int]]:
    """The password of each URL's userinfo (the whole userinfo when it has no ':'). A URL runs to
    the next `scheme://`, so every URL of a list is masked on its own; inside one URL the userinfo
    ends at the LAST '@', because generated passwords hold '/', '#', '?' and '@'. Without any
    scheme, `user:password@host` entries (REDIS_URL=:pw@redis:6379) are recognised too."""
    spans: list[tuple[int, int]] = []
    schemes = _url_starts(text)
    if schemes:
        for index, (_start, begin) in enumerate(schemes):
            end = schemes[index + 1][0] if index + 1 < len(schemes) else len(text)
            entry = text[begin:end].rstrip(_ENTRY_END)
            space = re.search(r"\s", entry)  # a URL ends at whitespace (prose, a list)
            if space is not None:
                entry = entry[:space.start()].rstrip(_ENTRY_END)
            at = entry.rfind("@")
            if at <= 0:
                continue
            colon = entry.find(":", 0, at)
            if colon < 0:
                spans.append((begin, begin + at))
            elif colon + 1 < at:
                spans.append((begin + colon + 1, begin + at))
        return spans
    if "@" not in text or ":" not in text:
        return spans
    for match in _BARE_ENTRY.finditer(text):
        entry = match.group(0)
        at = entry.rfind("@")
        colon = entry.find(":", 0, max(at, 0))
        if at <= 0 or colon < 0 or colon + 1 >= at or "/" in entry[:colon]:
            continue
        if _BARE_HOST.fullmatch(entry, at + 1):
            spans.append((match.start() + colon + 1, match.start() + at))
    return spans


def _credential_spans(text: str) -> list[tuple[int, int]]:
    spans = _userinfo_spans(text)
    if "=" in text:
        spans += [m.span(2) for m in _PAIR.finditer(text) if is_secret_field(m.group(1))]
    if ":" in text and ('"' in text or "'" in text):
        for m in _JSON_PAIR.finditer(text):
            key, group = (m.group(1), 2) if m.group(1) is not None else (m.group(3), 4)
            if is_secret_field(key) and m.end(group) > m.start(group):
                spans.append(m.span(group))
    lowered = text.lower()
    if "bearer" in lowered or "basic" in lowered:
        spans += [m.span(1) for m in _BEARER.finditer(text)]
    if "PRIVATE KEY-----" in text:
        spans += [m.span(1) for m in _PEM.finditer(text) if m.end(1) > m.start(1)]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mask_credentials(text: str) -> str:
    """`text` with every credential inside it replaced by `***` where it sits
    (`redis://:pw@host` → `redis://:***@host`, `…?access_token=tok` → `…?access_token=***`)."""
    spans = _credential_spans(text)
    if not spans:
        return text
    out: list[str] = []
    last = 0
    for start, end in spans:
        out.append(text[last:start])
        out.append(EMBEDDED_MASK)
        last = end
    out.append(text[last:])
    return "".join(out)


def credential_parts(text: str) -> list[str]:
    """The credentials `mask_credentials` masks, as they are written and decoded (percent or JSON
    escapes), for the safety net."""
    import contextlib
    from urllib.parse import unquote

    parts: list[str] = []
    for start, end in _credential_spans(text):
        part = text[start:end]
        parts.append(part)
        if "%" in part:
            parts.append(unquote(part))
        if "\\" in part:
            import json

            with contextlib.suppress(ValueError):
                parts.append(json.loads(f'"{part}"'))
    return parts


def mask_url(url: str) -> str:
    """The URL with its password and secret query parameters replaced (redis://:pw@host →
    redis://:***@host); also right for lists of URLs and for values that are not URLs."""
    return mask_credentials(url)


def url_password(url: str) -> str | None:
    """The password in a URL's userinfo (or the whole userinfo when it has no ':')."""
    spans = _userinfo_spans(url)
    return url[spans[0][0]:spans[0][1]] if spans else None


def shown_value(name: str, value: str) -> str:
    """How a variable's value may be shown: a secret variable by its length only, anything else
    with the credentials inside it masked."""
    return mask(value) if is_secret_name(name) else mask_credentials(value)


_VARIABLE_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*")
_SETTINGS_FILE_NAME = re.compile(r"[\w.\-]+\.(?:env|ya?ml|json|toml|ini|conf|txt)", re.IGNORECASE)
_PATH_LIKE = re.compile(r"[A-Za-z0-9_./~\-]+")
_OPTION = re.compile(r"--?[a-z][a-z0-9]*(?:-[a-z0-9]+)*")


def shown_argument(text: str, kind: str) -> str:
    """A command-line argument as an error message may quote it. An argument meant to name an
    environment variable (`kind="name"`), a file (`kind="path"`) or an option (`kind="option"`) is
    quoted only when it has that shape (`WEBUI_SECRET_KEY`, `./key.pem`, `--jsn`); otherwise it may
    be the secret itself, pasted in the wrong place, and only its length is told."""
    pattern = {"name": _VARIABLE_NAME, "option": _OPTION}.get(kind, _PATH_LIKE)
    plausible = len(text) <= 255 and pattern.fullmatch(text) is not None
    if plausible and kind == "path":
        plausible = "/" in text or re.search(r"\.[A-Za-z0-9]{1,8}$", text) is not None
    return text if plausible else f"<argument of {len(text)} chars, not shown>"


def mask_token(token: str) -> str:
    """A JWT shown by its shape only: the header segment's start and the total length."""
    head = token.split(".", 1)[0]
    return f"{head[:10]}…<token, {len(token)} chars>"


# --------------------------------------------------------------------------- the safety net


def nettable(secret: str) -> bool:
    """Whether the safety net may replace this secret wherever it appears. A secret that could
    also be an ordinary word or number of a report (`null`, `error`, `https`, `2026`, a short
    value) is left alone: replacing it would corrupt the text and reveal the secret by where the
    mask stands. Such values are masked where they are read (`shown_value`), which is the rule;
    the net is for secrets that can only be there by mistake: at least 6 characters mixing
    letters, digits and symbols, or 20 characters of one kind."""
    if len(secret) < MIN_REDACT_LENGTH:
        return False
    if _VARIABLE_NAME.fullmatch(secret) or _SETTINGS_FILE_NAME.fullmatch(secret):
        return False  # WEBUI_SECRET_KEY=WEBUI_SECRET_KEY, or a file name: words of the report itself
    if len(secret) >= 20:  # first: a 4 MB value is not scanned character by character
        return True
    kinds = (any(c.isalpha() for c in secret) + any(c.isdigit() for c in secret)
             + any(not c.isalnum() and not c.isspace() for c in secret))
    return kinds >= 2


class Redactor:
    """Replaces every known, nettable secret in one string with its mask. Longest secrets first,
    so a token that contains a shorter secret is replaced whole. Use it on fields (`Report.map_text`),
    never on rendered output."""

    def __init__(self, secrets: Iterable[str]) -> None:
        values = {s for s in secrets if s and nettable(s)}
        self._secrets = sorted(values, key=len, reverse=True)
        # Long secrets (a key file, a 4 MB value) are replaced as plain strings, in linear time;
        # compiling them into a regex costs seconds and memory for nothing.
        self._long = [s for s in self._secrets if len(s) > _TRIE_MAX]
        short = [s for s in self._secrets if len(s) <= _TRIE_MAX]
        self._pattern = _pattern(short) if short else None

    def __call__(self, text: str) -> str:
        if not text:
            return text
        for secret in self._long:  # longest first, so a longer secret is replaced whole
            if secret in text:
                text = text.replace(secret, mask(secret))
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: mask(m.group(0)), text)

    @property
    def secrets(self) -> list[str]:
        return list(self._secrets)


def occurring_in(candidates: Iterable[str], texts: Iterable[str]) -> set[str]:
    """The candidates that occur somewhere in any of `texts`, in time linear in the texts'
    length (one trie regex in a lookahead, so overlapping occurrences are all seen) rather than
    one search per candidate and text. Used to find variables that feed a secret."""
    texts = list(texts)
    longest_text = max((len(t) for t in texts), default=0)
    wanted = {c for c in candidates if c and len(c) <= longest_text}  # longer ones fit nowhere
    # A long candidate (a pasted certificate) is tested directly: in a trie it would cost a dict
    # per character.
    found = {c for c in wanted if len(c) > _TRIE_MAX and any(c in text for text in texts)}
    wanted = {c for c in wanted if len(c) <= _TRIE_MAX}
    if not wanted:
        return found
    trie: dict[str, Any] = {}
    for candidate in wanted:
        node = trie
        for char in candidate:
            node = node.setdefault(char, {})
        node[""] = {}
    try:
        finder = re.compile(f"(?=({_trie_regex(trie)}))")
    except (RecursionError, re.error, OverflowError):
        return found | {c for c in wanted if any(c in text for text in texts)}
    for text in texts:
        for match in finder.finditer(text):
            longest = match.group(1)  # the trie prefers the longest; shorter ones are its prefixes
            found.update(longest[:end] for end in range(1, len(longest) + 1)
                         if longest[:end] in wanted)
    return found


def _pattern(secrets: list[str]) -> re.Pattern[str]:
    """One regex matching any of `secrets` (each at most `_TRIE_MAX` characters; the `Redactor`
    replaces longer ones as plain strings), longest first. They go in a trie (`ab|ac` ->
    `a(?:b|c)`), so thousands of them (a long CORS list, say) cost a few steps per character of
    text instead of one per secret. A plain alternation is the fallback for tries too deep to
    compile."""
    trie: dict[str, Any] = {}
    for secret in secrets:
        node = trie
        for char in secret:
            node = node.setdefault(char, {})
        node[""] = {}
    try:
        return re.compile(_trie_regex(trie))
    except (RecursionError, re.error, OverflowError):
        return re.compile("|".join(re.escape(s) for s in secrets))


_TRIE_MAX = 256


def _trie_regex(node: dict[str, Any]) -> str:
    chain: list[str] = []
    while len(node) == 1 and "" not in node:  # a run without branches: no recursion
        (char, node), = node.items()
        chain.append(re.escape(char))
    if not node or list(node) == [""]:
        return "".join(chain)
    branches = [re.escape(char) + _trie_regex(child) for char, child in node.items() if char]
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return "".join(chain) + (f"(?:{body})?" if "" in node else body)
