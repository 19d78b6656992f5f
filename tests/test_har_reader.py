"""`authdoctor har`: reading the file. Every bad input is one `authdoctor: error:` line (exit 2)
that never quotes the file's text, or a finding; entries without answers are kept and reported."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from har_factory import APP, entry, har, password_signin, write

from authdoctor.cli import main
from authdoctor.errors import UsageError
from authdoctor.har.reader import MAX_ENTRIES, read_har

SECRET = "Pa55word-only-in-the-file"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as excinfo:
        main(["har", *args])
    out, err = capsys.readouterr()
    code = excinfo.value.code
    return (code if isinstance(code, int) else 0), out, err


BAD_INPUTS = {
    "empty": (b"", "is empty"),
    "not-json": (f"password={SECRET}\n".encode(), "is not JSON"),
    "html": (f"<html><body>{SECRET}</body></html>".encode(), "is not JSON"),
    "truncated": (json.dumps(har(password_signin())).encode()[:300], "is truncated"),
    "trailing": (json.dumps(har([])).encode() + f" {SECRET}".encode(), "text after its JSON"),
    "list": (b"[1, 2, 3]", "top level is a list"),
    "no-log": (json.dumps({"password": SECRET}).encode(), "no \"log\" object"),
    "log-not-object": (b'{"log": 3}', "\"log\" is a number"),
    "no-entries": (json.dumps({"log": {"version": "1.2", "creator": {"name": SECRET}}}).encode(),
                   "no log.entries"),
    "entries-not-list": (b'{"log": {"version": "1.2", "entries": {}}}', "log.entries is"),
    "har-1.1": (json.dumps(har([], version="1.1")).encode(), "HAR version '1.1'"),
    "gzip": (gzip.compress(json.dumps(har([])).encode()), "gzip-compressed"),
    "utf16": (json.dumps(har([])).encode("utf-16"), "UTF-16"),
    "deep": (b'{"log": {"version": "1.2", "entries": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}}",
             "more than 256 levels deep"),
    "deep-before-entries": (b'{"log": {"creator": ' + b'{"a":' * 50_000 + b"1" + b"}" * 50_000
                            + b', "entries": []}}', "more than 256 levels deep"),
    "latin1": (b'{"log": {"version": "1.2", "entries": [{"request": {"url": "\xe9\xff"}}]}}', "UTF-8"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_one_error_line(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, expected = BAD_INPUTS[case]
    path = tmp_path / "login.har"
    path.write_bytes(data)
    code, out, err = run(capsys, str(path))
    assert code == 2, (out, err)
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("authdoctor: error: HAR file "), err
    assert expected in lines[0]
    assert SECRET not in err and "Traceback" not in err


def test_not_a_regular_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(tmp_path))
    assert code == 2 and "is a directory" in err
    code, _, err = run(capsys, str(tmp_path / "missing.har"))
    assert code == 2 and "No such file" in err


def test_bom_and_version_after_entries_are_read(tmp_path: Path) -> None:
    text = json.dumps({"log": {"entries": [entry("GET", f"{APP}/api/config")], "version": "1.2"}})
    path = tmp_path / "bom.har"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    log = read_har(str(path))
    assert log.version == "1.2" and len(log.entries) == 1


def test_entries_without_response_are_kept_and_reported(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "x.har", [
        *password_signin(),
        entry("GET", f"{APP}/api/v1/auths/", response=False, error="net::ERR_ABORTED"),
        {"request": {"method": "GET"}},  # no URL: ignored
        "not an entry",  # type: ignore[list-item]
    ])
    log = read_har(str(path))
    assert [e.has_response for e in log.entries] == [True, True, False]
    assert log.entries_total == 5
    code, out, _ = run(capsys, str(path), "--format", "json")
    found = {f["code"]: f for f in json.loads(out)["findings"]}
    assert "net::ERR_ABORTED" in found["har.no-response"]["evidence"]["#3"]
    assert code == 0


def test_the_entry_cap_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from authdoctor.commands import har as command
    from authdoctor.har import reader

    monkeypatch.setattr(reader, "MAX_ENTRIES", 2)
    path = write(tmp_path / "x.har", [*password_signin(), entry("GET", f"{APP}/api/config")])
    log = read_har(str(path))
    assert (len(log.entries), log.entries_total) == (2, 3)
    assert MAX_ENTRIES == 10_000
    del command


def test_secrets_are_collected(tmp_path: Path) -> None:
    path = write(tmp_path / "x.har", password_signin(password=SECRET))
    log = read_har(str(path))
    assert SECRET in log.secrets
    assert any(s.startswith("eyJ") for s in log.secrets)


@pytest.mark.parametrize("buffer", [3, 7, 64, 4 * 1024 * 1024])
def test_depth_check_ignores_brackets_inside_strings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     buffer: int) -> None:
    """Brackets and escaped quotes inside strings are not structure, whatever the read size (a
    string or an escape cut by a read boundary included); real nesting past the limit is refused."""
    from authdoctor.har import reader

    monkeypatch.setattr(reader, "READ_BUFFER", buffer)
    body = '[[[{{{ " [[[ \\ ' * 400  # written as JSON: quotes and backslashes escaped
    path = write(tmp_path / "x.har", [entry("GET", f"{APP}/api/config", body=body)])
    assert '\\" [[[ \\\\' in path.read_text()
    assert len(read_har(str(path)).entries) == 1
    deep = tmp_path / "deep.har"
    deep.write_text('{"log": {"entries": [' + '{"a": "]]]", "b": ' * 300 + "1" + "}" * 300 + "]}}")
    with pytest.raises(UsageError, match="more than 256 levels deep"):
        read_har(str(deep))
    fine = tmp_path / "fine.har"
    fine.write_text('{"log": {"entries": [' + '{"a": "[[[", "b": ' * 200 + "1" + "}" * 200 + "]}}")
    assert read_har(str(fine)).entries_total == 1
