"""`authdoctor jwt decode` as a user meets it: what is shown, what never is (the token), the JSON
contract, exit codes, input forms, and that the decode path stays light."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jwt_factory import EXPIRES, NOW, SECRET, b64, hs_token, owui_payload, run_cli, run_json, stdin_bytes

from authdoctor.cli import build_app
from authdoctor.findings import Finding, Severity

Capsys = pytest.CaptureFixture[str]
TOKEN = hs_token()
SIGNATURE = TOKEN.rsplit(".", 1)[1]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
HEAVY = ("httpx", "httpcore", "redis", "ldap3", "dns", "cryptography", "jwt", "pydantic", "yaml",
         "jsonschema", "dotenv")


def test_text_output_shows_claims_times_hints_and_masks_the_token(capsys: Capsys) -> None:
    code, out, err = run_cli(capsys, "jwt", "decode", TOKEN, "--now", NOW)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"authdoctor jwt decode  {TOKEN[:10]}…<token, {len(TOKEN)} chars>"
    for heading in ("Header", "Payload", "Times  now 2026-11-26T22:01:43Z · leeway 0 s"):
        assert heading in lines
    assert any(line.startswith("Signature  not verified") for line in lines)
    assert re.search(r"^  id +8b177929-71d3-43a4-8aed-7297d8683943 +Open WebUI user id", out, re.M)
    assert re.search(r"^  exp +2026-12-24T19:01:43Z +expires in 27 d 21 h$", out, re.M)
    assert re.search(r"^  lifetime +28 d +iat to exp$", out, re.M)
    assert "not verified" in out
    assert lines[-1] == "no problems found · exit 0 (fail-on error)"
    assert TOKEN not in out and SIGNATURE not in out
    assert "\x1b[" not in out  # not a terminal: no colour


def test_findings_come_with_seen_and_fix_lines(capsys: Capsys) -> None:
    code, out, _ = run_cli(capsys, "jwt", "decode", TOKEN, "--now", str(EXPIRES + 3 * 3600))
    assert code == 1
    assert re.search(r"^ERROR    jwt\.expired  The token expired 3 h ago", out, re.M)
    assert re.search(r"^         seen: A verifier must reject", out, re.M)
    assert re.search(r"^         fix:  Sign in again", out, re.M)
    assert out.splitlines()[-1] == "1 error · exit 1 (fail-on error)"
    assert all(len(line) <= 100 for line in out.splitlines())


def test_json_document_is_the_stable_contract(capsys: Capsys) -> None:
    code, doc = run_json(capsys, "jwt", "decode", TOKEN, "--now", NOW)
    assert code == 0
    assert list(doc) == ["schema", "command", "token", "header", "payload", "times", "hints", "verification",
                         "findings", "summary", "fail_on", "exit_code"]
    assert doc["schema"] == "https://authdoctor.dev/schemas/jwt-decode-1.json"
    assert doc["command"] == "jwt decode"
    assert doc["header"] == {"alg": "HS256", "typ": "JWT"}
    assert doc["payload"] == owui_payload()
    assert set(doc["times"]) == {"now", "leeway_s", "exp", "iat", "nbf", "lifetime_s", "lifetime",
                                 "lifetime_from"}
    assert doc["verification"] is None
    assert (doc["fail_on"], doc["exit_code"]) == ("error", 0)
    assert doc["summary"] == {s.value: 0 for s in Severity}


def test_json_findings_are_finding_to_dict(capsys: Capsys) -> None:
    _, doc = run_json(capsys, "jwt", "decode", hs_token(owui_payload(exp=None), "changeme"), "--now", NOW)
    reference = Finding(code="jwt.no-expiry", severity=Severity.WARNING, title="t").to_dict()
    assert [f["code"] for f in doc["findings"]] == ["jwt.weak-secret", "jwt.no-expiry"]  # worst first
    for finding in doc["findings"]:
        assert list(finding) == list(reference)
    assert doc["summary"]["error"] == 1 and doc["summary"]["warning"] == 1


def test_same_clock_same_bytes(capsys: Capsys) -> None:
    first = run_cli(capsys, "jwt", "decode", TOKEN, "--now", NOW, "--json")
    second = run_cli(capsys, "jwt", "decode", TOKEN, "--now", NOW, "--json")
    assert first == second


@pytest.mark.parametrize("form", [
    "Bearer {t}", "bearer {t}", "Authorization: Bearer {t}", "token={t}; oauth_session_id=abc",
    "theme=dark; token={t}", "'{t}'", '"{t}"\n', "  {t}  ",
])
def test_input_forms(capsys: Capsys, form: str) -> None:
    code, doc = run_json(capsys, "jwt", "decode", form.format(t=TOKEN), "--now", NOW)
    assert (code, doc["payload"]) == (0, owui_payload())


def test_stdin(capsys: Capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    with stdin_bytes(monkeypatch, f"Bearer {TOKEN}\n".encode()):
        code, doc = run_json(capsys, "jwt", "decode", "-", "--now", NOW)
    assert (code, doc["payload"]) == (0, owui_payload())


def test_binary_stdin_is_a_one_line_error(capsys: Capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    with stdin_bytes(monkeypatch, b"\x00\xff\xfe garbage \x89PNG"):
        code, out, err = run_cli(capsys, "jwt", "decode", "-")
    assert (code, out) == (2, "")
    assert err == "authdoctor: error: stdin is not text (byte 0xff at offset 1): give the token itself\n"


@pytest.mark.parametrize(("token", "segment", "title"), [
    ("eyJhbGciOiJIUzI1NiJ9", "token", "The token is malformed: it has no '.' at all"),
    (f"{TOKEN}.x", "token", "The token is malformed: it has 4 segments"),
    (f"{b64('nope')}.{TOKEN.split('.')[1]}.{SIGNATURE}", "header", "The token's header segment is malformed"),
    (f"{TOKEN.split('.')[0]}.%%%.{SIGNATURE}", "payload", "The token's payload segment is malformed"),
    ("x" * 70000, "token", "characters long"),
])
def test_malformed_is_a_finding_naming_the_segment(capsys: Capsys, token: str, segment: str,
                                                   title: str) -> None:
    code, doc = run_json(capsys, "jwt", "decode", token, "--now", NOW)
    assert code == 1
    [finding] = doc["findings"]
    assert (finding["code"], finding["severity"], finding["subject"]) == ("jwt.malformed", "error", segment)
    assert title in finding["title"]
    assert doc["header"] is None and doc["payload"] is None and doc["times"] is None
    assert token not in json.dumps(doc)
    code, out, err = run_cli(capsys, "jwt", "decode", token, "--now", NOW)
    assert code == 1 and "jwt.malformed" in out and err == ""


def test_garbage_that_is_not_a_token_is_not_echoed(capsys: Capsys) -> None:
    password = "hunter2-correct-horse-battery"
    code, out, _ = run_cli(capsys, "jwt", "decode", password)
    assert code == 1
    assert "<input, 29 chars>" in out
    assert "hunter2" not in out


@pytest.mark.parametrize(("args", "message"), [
    (["--fail-on", "panic"], "--fail-on 'panic': choose error, warning or info"),
    (["--now", "yesterday"], "--now 'yesterday' is not a date"),
    (["--leeway", "soon"], "--leeway 'soon' is not a number of seconds"),
    (["--leeway", "-5"], "give seconds, 0 or more"),
    (["--leeway"], "Option '--leeway' requires an argument."),
    (["--bogus"], "No such option: --bogus"),
    (["second-token"], "Got 2 arguments; give one TOKEN"),
    (["--redis-url"], "Option '--redis-url' requires an argument."),
    (["--redis-url", "http://cache:6379"], "--redis-url 'http://cache:6379': the scheme is http://"),
    (["--redis-url", "redis://:pw@cache:port/0"], "the port is not a number"),
    (["--redis-url", "redis://cache/0", "--redis-prefix="], "--redis-prefix: the prefix is empty"),
])
def test_usage_errors_exit_2_with_one_line(capsys: Capsys, args: list[str], message: str) -> None:
    code, out, err = run_cli(capsys, "jwt", "decode", TOKEN, *args)
    assert (code, out) == (2, "")
    assert message in err and err.count("\n") == 1
    assert TOKEN not in err


@pytest.mark.parametrize(("token", "message"), [
    ("", "no token given"), ("sk-0123456789abcdef0123456789abcdef", "Open WebUI API key"),
])
def test_nothing_to_decode_exits_2(capsys: Capsys, token: str, message: str) -> None:
    code, _, err = run_cli(capsys, "jwt", "decode", token)
    assert code == 2 and message in err


def test_fail_on_threshold(capsys: Capsys) -> None:
    token = hs_token(owui_payload(exp=None))  # one warning: jwt.no-expiry
    assert run_cli(capsys, "jwt", "decode", token, "--now", NOW)[0] == 0
    assert run_cli(capsys, "jwt", "decode", token, "--now", NOW, "--fail-on", "warning")[0] == 1
    assert run_cli(capsys, "jwt", "decode", token, "--now", NOW, "--fail-on=info")[0] == 1


def test_colour_only_when_asked_and_the_text_is_the_same(capsys: Capsys,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    token = hs_token(owui_payload(exp=None), "secret")
    _, plain, _ = run_cli(capsys, "jwt", "decode", token, "--now", NOW)
    monkeypatch.setenv("FORCE_COLOR", "1")
    _, coloured, _ = run_cli(capsys, "jwt", "decode", token, "--now", NOW)
    assert "\x1b[" in coloured
    assert ANSI.sub("", coloured) == plain
    monkeypatch.setenv("NO_COLOR", "1")
    assert run_cli(capsys, "jwt", "decode", token, "--now", NOW)[1] == plain
    monkeypatch.delenv("NO_COLOR")
    assert run_cli(capsys, "--no-color", "jwt", "decode", token, "--now", NOW)[1] == plain


def test_hostile_claims_cannot_reach_the_terminal(capsys: Capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    token = hs_token({"sub": "\x1b]0;pwned\x07\x1b[2J", "name": "\ud800", "exp": 1798138903}, SECRET)
    code, out, _ = run_cli(capsys, "jwt", "decode", token, "--now", NOW)
    assert code == 0
    assert "\x1b]0" not in out and "\x07" not in out and "\x1b[2J" not in out
    assert "\\x1b]0;pwned\\x07" in out and "\\ud800" in out


def test_typer_route_and_fast_route_print_the_same(capsys: Capsys) -> None:
    """`main` runs `jwt decode` without typer; through typer (as after global options other than
    --no-color/--debug) the `decode` command parses the same arguments the same way."""
    fast = run_cli(capsys, "jwt", "decode", TOKEN, "--now", NOW, "--json")
    app = build_app()
    result = app(args=["jwt", "decode", TOKEN, "--now", NOW, "--json"], prog_name="authdoctor",
                 standalone_mode=False)
    out, _ = capsys.readouterr()
    assert (result, out) == (fast[0], fast[1])


def test_help_is_typer_help_with_the_options(capsys: Capsys) -> None:
    code, out, _ = run_cli(capsys, "jwt", "decode", "--help")
    assert code == 0
    assert "Usage: authdoctor jwt decode [OPTIONS] TOKEN" in out
    for option in ("--json", "--now", "--fail-on", "--leeway", "Exit codes"):
        assert option in out
    code, out, err = run_cli(capsys, "jwt", "decode")
    assert code == 2 and "Usage: authdoctor jwt decode" in out + err


# --------------------------------------------------------------------------- start-up hygiene

def _third_party_modules(code: str) -> tuple[set[str], set[str]]:
    """(top-level non-stdlib modules loaded, all module names) by a fresh interpreter."""
    script = (code + "\nimport sys, json\n"
              "names = sorted(sys.modules)\n"
              "top = sorted({n.split('.')[0] for n in names} - set(sys.stdlib_module_names))\n"
              "sys.__stdout__.write('\\n' + json.dumps([top, names]))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert "Traceback" not in result.stderr, result.stderr
    top, names = json.loads(result.stdout.rsplit("\n", 1)[1])
    return set(top) - {"_virtualenv", "__editable___authdoctor_0_1_0_finder"}, set(names)


def _base_modules() -> set[str]:
    return _third_party_modules("import typer, rich.console")[0]


def test_decode_loads_nothing_heavy() -> None:
    """The decode path, run in a fresh process so no other test's imports count."""
    token = hs_token(owui_payload(exp=None), "t0p-s3cr3t")  # findings, weak-secret HMAC, hints
    code = ("import sys\nfrom authdoctor.cli import main\n"
            f"try:\n    main(['jwt', 'decode', {token!r}, '--now', {NOW!r}])\n"
            "except SystemExit:\n    pass\n")
    top, names = _third_party_modules(code)
    assert not [m for m in HEAVY if m in top], top
    assert "jwt" not in names  # PyJWT (imports cryptography); authdoctor.jwt is ours
    assert top <= _base_modules() | {"authdoctor"}, top - _base_modules()


def test_decode_json_loads_not_even_rich() -> None:
    code = ("import sys\nfrom authdoctor.cli import main\n"
            f"try:\n    main(['jwt', 'decode', {TOKEN!r}, '--json'])\n"
            "except SystemExit:\n    pass\n")
    _, names = _third_party_modules(code)
    assert "rich.table" not in names and "pydantic" not in names


def test_cli_import_and_app_build_stay_light() -> None:
    top, _ = _third_party_modules("import authdoctor.cli\nauthdoctor.cli.build_app()")
    assert top <= _base_modules() | {"authdoctor"}, top - _base_modules()


def test_main_as_a_subprocess_never_shows_a_traceback() -> None:
    for args in (["jwt", "decode", "\udcff\udcfe"], ["jwt", "decode", "a.b.c"], ["jwt", "decode", ""]):
        result = subprocess.run([sys.executable, "-m", "authdoctor", *args], capture_output=True,
                                text=True, errors="surrogateescape", check=False)
        assert result.returncode in (1, 2), (args, result)
        assert "Traceback" not in result.stderr



@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(raw=st.text(max_size=200) | st.sampled_from([TOKEN[:n] for n in range(0, len(TOKEN), 7)]),
       as_json=st.booleans())
def test_any_argument_ends_in_a_report_or_a_one_line_error(capsys: Capsys, raw: str, as_json: bool) -> None:
    if raw.startswith("-") and raw != "-":
        raw = " " + raw  # an option, not a token: covered by the usage-error tests
    if raw.strip() == "-":
        return
    code, out, err = run_cli(capsys, "jwt", "decode", raw, "--now", NOW, *(["--json"] if as_json else []))
    assert code in (0, 1, 2)
    assert "Traceback" not in err and "internal error" not in err
    if code == 2:
        assert out == "" and err.startswith("authdoctor: error: ") and err.count("\n") == 1
    elif as_json:
        assert json.loads(out)["exit_code"] == code


# --------------------------------------------------------------------------- --redis-url (issue 12)

def test_redis_options_take_the_fast_path_and_parse_like_typer(capsys: Capsys) -> None:
    from authdoctor.cli import fast
    from authdoctor.cli.jwt_cmd import parse_decode_args

    args = ["jwt", "decode", TOKEN, "--redis-url", "redis://127.0.0.1:9/0", "--redis-prefix=owui"]
    assert fast.fast_command(args) is not None
    parsed = parse_decode_args(args[2:])
    assert (parsed.redis_url, parsed.redis_prefix) == ("redis://127.0.0.1:9/0", "owui")
    assert parse_decode_args([TOKEN]).redis_prefix == "open-webui"
    code, out, err = run_cli(capsys, *args, "--json", "--now", "2026-11-28T00:00:00Z")
    assert code == 1 and err == ""
    found = [f for f in json.loads(out)["findings"] if f["code"] == "redis.unreachable"]
    assert found and found[0]["title"] == ("Redis cannot be reached: 127.0.0.1:9: connection refused "
                                           "(nothing listens on that port)")
    code, out, _ = run_cli(capsys, "jwt", "decode", "--help")
    assert "--redis-url URL" in out and "--redis-prefix" in out
