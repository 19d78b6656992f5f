"""One test per secret-handling defect of the adversarial run of 2026-11-28 (L1-L10, W4, U6, U13),
each built from the report's own reproduction. The wider sweep is tests/test_secret_sweep.py."""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from render_fixtures import validate_json_report, validate_sarif

from authdoctor.cli import main

Capsys = pytest.CaptureFixture[str]


def run_cli(capsys: Capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as excinfo:
        main(list(args))
    out, err = capsys.readouterr()
    code = excinfo.value.code
    return (code if isinstance(code, int) else 0), out, err


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


# --------------------------------------------------------------------------- L1

L1_VALUES = {
    "OPENAI_API_KEYS": "sk-live-AAAA1;sk-live-BBBB2",
    "AUTOMATIC1111_API_AUTH": "admin:hunter2pw",
    "GOOGLE_APPLICATION_CREDENTIALS_JSON": '{"private_key":"-----BEGIN PRIVATE KEY-----MIIEgoog"}',
    "CHROMA_CLIENT_AUTH_CREDENTIALS": "chroma-cred-77",
    "CHROMA_HTTP_HEADERS": "Authorization=Bearer chromahdr88",
    "EXTERNAL_DOCUMENT_LOADER_HEADERS": '{"X-Api-Key": "extdochdr99"}',
    "TOOL_SERVER_CONNECTIONS": '[{"url":"http://t","key":"tool-key-123"}]',
    "OPENAI_API_CONFIGS": '{"0":{"key":"oaicfgkey44"}}',
    "SOUGOU_API_SK": "sougou-sk-55",
    "WEBHOOK_URL": "https://hooks.slack.com/services/T0/B0/slacktoken123",
    "PLAYWRIGHT_WS_URL": "ws://browser:3000/?token=pwwstoken66",
    "DB_PASS": "dbpass-unknown-1",
    "GPG_PASSPHRASE": "gpgphrase-unknown-2",
    "BACKUP_PASSPHRASE": "backupphrase-3",
}
L1_SECRETS = ("sk-live-AAAA1", "sk-live-BBBB2", "hunter2pw", "MIIEgoog", "chroma-cred-77", "chromahdr88",
              "extdochdr99", "tool-key-123", "oaicfgkey44", "sougou-sk-55", "slacktoken123",
              "pwwstoken66", "dbpass-unknown-1", "gpgphrase-unknown-2", "backupphrase-3")


def _dotenv(values: dict[str, str]) -> str:
    return "".join(f"{name}='{value}'\n" for name, value in values.items())


@pytest.mark.parametrize("source", ["env-file", "compose", "config-env", "from-env"])
@pytest.mark.parametrize("extra", [[], ["--json"], ["--all"]])
def test_l1_config_show_masks_every_credential_bearing_variable(
        capsys: Capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str,
        extra: list[str]) -> None:
    if source == "env-file":
        args = ["--env-file", write(tmp_path, "l1.env", _dotenv(L1_VALUES))]
    elif source == "compose":
        environment = "".join(f"      {name}: {json.dumps(value)}\n" for name, value in L1_VALUES.items())
        args = ["--compose", write(tmp_path, "docker-compose.yml",
                                   "services:\n  webui:\n    image: ghcr.io/open-webui/open-webui:main\n"
                                   f"    environment:\n{environment}")]
    elif source == "config-env":
        env = "".join(f"  {name}: {json.dumps(value)}\n" for name, value in L1_VALUES.items())
        args = ["--config", write(tmp_path, "deploy.yaml", f"version: 1\nenv:\n{env}")]
    else:
        for name, value in L1_VALUES.items():
            monkeypatch.setenv(name, value)
        args = ["--from-env"]
    code, out, err = run_cli(capsys, "config", "show", *args, *extra)
    assert code == 0, err
    for secret in L1_SECRETS:
        assert secret not in out + err, (source, secret)
    if source != "from-env" or "--all" in extra:
        assert "OPENAI_API_KEYS" in out and "<secret, 27 chars>" in out
        assert "ws://browser:3000/?token=***" in out


# --------------------------------------------------------------------------- L2


@pytest.mark.parametrize("line", ["OPENAI_API_KEYS=sk-live-AAAA   \n", "OPENAI_API_KEYS=\" sk-live-QQQQ\"\n",
                                  "SOUGOU_API_SK=sk-live-ZZZZ   \n"])
@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
def test_l2_value_whitespace_finding_never_shows_an_api_key(capsys: Capsys, tmp_path: Path, line: str,
                                                           fmt: str) -> None:
    path = write(tmp_path, "l2.env", "WEBUI_URL=https://chat.example.org\n" + line)
    code, out, err = run_cli(capsys, "check", "--env-file", path, "--offline", "--only", "config",
                             "--format", fmt)
    assert code in (0, 1), err
    assert "config.value-whitespace" in out
    assert "sk-live" not in out + err


# --------------------------------------------------------------------------- L3


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
def test_l3_public_url_password_is_masked_in_the_report(capsys: Capsys, tmp_path: Path, fmt: str) -> None:
    path = write(tmp_path, "l3.env", "WEBUI_URL=https://chat.example.org\n")
    _code, out, err = run_cli(capsys, "check", "--env-file", path, "--offline", "--only", "secret",
                             "--public-url", "https://admin:S3cretPW@chat.example.org", "--format", fmt)
    assert "S3cretPW" not in out + err
    if fmt == "text":
        assert out.splitlines()[0].endswith("check: https://admin:***@chat.example.org")


def test_l3_public_url_password_is_masked_by_config_show(capsys: Capsys, tmp_path: Path) -> None:
    path = write(tmp_path, "l3.yaml", "version: 1\npublic_url: https://admin:S3cretPW@chat.example.org\n")
    for extra in ([], ["--json"]):
        code, out, err = run_cli(capsys, "config", "show", "--config", path, *extra)
        assert code == 0 and "S3cretPW" not in out + err
        assert "https://admin:***@chat.example.org" in out


# --------------------------------------------------------------------------- L5


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
def test_l5_redis_url_without_a_scheme_keeps_its_password_masked(capsys: Capsys, tmp_path: Path,
                                                                fmt: str) -> None:
    path = write(tmp_path, "l5.env", "WEBUI_URL=https://chat.example.org\nREDIS_URL=:Xk29hunter2@redis:6379/0\n")
    code, out, err = run_cli(capsys, "check", "--env-file", path, "--offline", "--only", "redis",
                             "--format", fmt)
    assert code == 1 and "redis.url-invalid" in out
    assert "hunter2" not in out + err
    code, out, err = run_cli(capsys, "config", "show", "--env-file", path)
    assert "hunter2" not in out + err and "REDIS_URL = :***@redis:6379/0" in out


# --------------------------------------------------------------------------- L6


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
@pytest.mark.parametrize("verbose", [[], ["-v"]])
def test_l6_every_credentialed_cors_entry_is_masked(capsys: Capsys, tmp_path: Path, fmt: str,
                                                    verbose: list[str]) -> None:
    path = write(tmp_path, "l6.env", "WEBUI_URL=https://chat.example.org\n"
                 "CORS_ALLOW_ORIGIN=https://a:pwONE111@chat.example.org;https://b:pwTWO222@x[.org\n")
    _code, out, err = run_cli(capsys, "check", "--env-file", path, "--offline", "--only", "config",
                             "--format", fmt, *verbose)
    assert "config.cors-origin-invalid" in out
    assert "pwONE111" not in out + err and "pwTWO222" not in out + err
    if fmt == "text":  # masked where it sits, not mangled
        assert "https://b:***@x[.org" in out


# --------------------------------------------------------------------------- L7 and W4

WORD_SECRETS = ["null", "true", "error", "check", "https", "schema"]


def _parse(fmt: str, text: str) -> None:
    if fmt == "json":
        validate_json_report(json.loads(text))
    elif fmt == "sarif":
        validate_sarif(json.loads(text))
    else:
        ET.fromstring(text)


@pytest.mark.parametrize("secret", WORD_SECRETS)
@pytest.mark.parametrize("fmt", ["json", "sarif", "junit"])
def test_l7_a_secret_equal_to_a_word_of_the_report_corrupts_nothing(capsys: Capsys, tmp_path: Path,
                                                                    secret: str, fmt: str) -> None:
    path = write(tmp_path, "l7.env",
                 f"WEBUI_URL=https://chat.example.org\nWEBUI_SECRET_KEY={secret}\nWEBUI_AUTH=yes\n")
    _code, out, _err = run_cli(capsys, "check", "--env-file", path, "--offline", "--format", fmt,
                              "--now", "2026-11-28T00:00:00Z")
    _parse(fmt, out)
    if fmt == "json":
        data = json.loads(out)
        assert data["command"] == "check" and "schema" in data
        # No mask stands where an ordinary word of the report was (which would reveal the
        # secret by its position): masks appear only as the value of a secret variable.
        for finding in data["findings"]:
            for key in ("title", "detail", "fix", "subject"):
                assert "<secret," not in finding[key], (key, finding[key])
            for name, value in finding["evidence"].items():
                assert "<secret," not in value or "SECRET" in name, (name, value)


@pytest.mark.parametrize("secret", WORD_SECRETS)
@pytest.mark.parametrize("fmt", ["json", "sarif", "junit"])
def test_w4_the_exit_code_matches_a_parseable_report(capsys: Capsys, tmp_path: Path, secret: str,
                                                     fmt: str) -> None:
    path = write(tmp_path, "w4.env", f"WEBUI_URL=https://chat.example.org\nWEBUI_SECRET_KEY={secret}\n")
    code, out, _err = run_cli(capsys, "check", "--env-file", path, "--offline", "--format", fmt,
                             "--now", "2026-11-28T00:00:00Z")
    _parse(fmt, out)
    if fmt == "json":
        assert json.loads(out)["exit_code"] == code
    elif fmt == "junit":
        failures = int(ET.fromstring(out).attrib["failures"])
        assert (failures > 0) == (code == 1)


# --------------------------------------------------------------------------- L8


def test_l8_a_wrapped_secret_line_never_becomes_a_variable_name(capsys: Capsys, tmp_path: Path) -> None:
    path = write(tmp_path, "l8.env",
                 "WEBUI_URL=https://chat.example.org\nWEBUI_SECRET_KEY=\nXk29wrappedSECRETvalue0123456789\n")
    for command in (["config", "show"], ["config", "show", "--json"], ["check", "--offline"]):
        _code, out, err = run_cli(capsys, *command, "--env-file", path)
        assert "Xk29wrapped" not in out + err, command


def test_a_variable_that_feeds_a_secret_is_masked_like_it(capsys: Capsys, tmp_path: Path) -> None:
    """`S=...` then `WEBUI_SECRET_KEY=${S}`: the secret also sits under a name that says nothing.
    Found by the bad-input corpus (env/syntax/secret-from-interpolation-config-show)."""
    path = write(tmp_path, "feed.env", "WEBUI_URL=https://chat.example.org\nS=Xk29fedSecret0123456789\n"
                 "PART=Xk29partOfIt\nWEBUI_SECRET_KEY=${S}\nOAUTH_CLIENT_SECRET=pre-${PART}-post\n"
                 "WEBUI_NAME=chat\n")
    for command in (["config", "show"], ["config", "show", "--json"], ["check", "--offline", "-v"]):
        code, out, err = run_cli(capsys, *command, "--env-file", path)
        assert code in (0, 1), err
        assert "Xk29" not in out + err, command
    _code, out, _err = run_cli(capsys, "config", "show", "--env-file", path)
    assert "WEBUI_NAME = chat" in " ".join(out.split())  # an ordinary value is still shown


def test_a_misspelt_secret_setting_is_masked_everywhere(capsys: Capsys, tmp_path: Path) -> None:
    """`OAUTH_CLIENT_SECRT` holds the client secret the user meant for OAUTH_CLIENT_SECRET: it is
    a secret in every finding (value-whitespace too) and in `config show` (code review)."""
    path = write(tmp_path, "misspelt.env", 'WEBUI_URL=https://chat.example.org\n'
                 'OAUTH_CLIENT_SECRT="abcdEFGH1234xyz "\n')
    for command in (["config", "show"], ["config", "show", "--json"], ["check", "--offline", "-v"]):
        _code, out, err = run_cli(capsys, *command, "--env-file", path)
        assert "abcdEFGH" not in out + err, command
    _code, out, _err = run_cli(capsys, "check", "--offline", "--env-file", path, "--format", "json")
    titles = {f["code"]: f["title"] for f in json.loads(out)["findings"]}
    assert "did you mean OAUTH_CLIENT_SECRET" in titles["config.unknown-variable"]
    assert "config.value-whitespace" in titles


@pytest.mark.parametrize("value", ["WEBUI_SECRET_KEY", "l7c.env"])
def test_a_secret_equal_to_a_word_of_the_report_is_not_revealed_by_the_net(
        capsys: Capsys, tmp_path: Path, value: str) -> None:
    """L7 residue (review of issue 7): the net replaced the variable name or the file name in
    the report's own text, and the mask's position told the secret."""
    path = write(tmp_path, "l7c.env", f'WEBUI_URL=https://chat.example.org\nWEBUI_SECRET_KEY="{value}"\n')
    _code, out, _err = run_cli(capsys, "check", "--offline", "--env-file", path)
    assert "<secret, " + str(len(value)) + " chars> is too weak" not in out
    assert "settings from: <secret" not in out


# --------------------------------------------------------------------------- L9


def test_l9_a_secret_given_to_secret_env_is_not_echoed(capsys: Capsys) -> None:
    code, out, err = run_cli(capsys, "jwt", "verify", "eyJhbGciOiJIUzI1NiJ9.e30.c2ln",
                             "--secret-env", "Xk29-my-real-secret")
    assert code == 2 and "Xk29" not in out + err
    assert "give the variable's name, not the secret" in err


def test_l9_a_variable_name_given_to_secret_env_is_still_named(capsys: Capsys,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEBUI_SECRET_KEY", raising=False)
    code, _out, err = run_cli(capsys, "jwt", "verify", "eyJhbGciOiJIUzI1NiJ9.e30.c2ln",
                              "--secret-env", "WEBUI_SECRET_KEY")
    assert code == 2 and "--secret-env WEBUI_SECRET_KEY: that environment variable is not set" in err


def test_l9_a_secret_given_to_secret_file_is_not_echoed(capsys: Capsys) -> None:
    code, out, err = run_cli(capsys, "jwt", "verify", "eyJhbGciOiJIUzI1NiJ9.e30.c2ln",
                             "--secret-file", "Xk29-my-real-secret")
    assert code == 2 and "Xk29" not in out + err and "--secret-file <argument of 19 chars" in err


def test_l9_a_password_with_equals_is_not_listed_as_a_cookie_name(capsys: Capsys) -> None:
    code, out, err = run_cli(capsys, "jwt", "decode", "Xk29pass=word")
    assert code == 2 and "Xk29" not in out + err


def test_l9_an_env_parse_error_names_line_and_column_but_quotes_nothing(capsys: Capsys,
                                                                        tmp_path: Path) -> None:
    path = write(tmp_path, "l9.env", "WEBUI_URL=https://chat.example.org\nXk29secretword and more\n")
    code, out, err = run_cli(capsys, "check", "--env-file", path, "--offline")
    assert code == 2 and "Xk29" not in out + err
    assert "l9.env:2: cannot parse line, column 15:" in err


# --------------------------------------------------------------------------- L10


@pytest.mark.parametrize("extra", [[], ["--json"]])
def test_l10_a_token_in_the_jwks_url_query_is_masked(capsys: Capsys, extra: list[str]) -> None:
    _code, out, err = run_cli(capsys, "jwt", "verify", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln", "--jwks",
                              "http://127.0.0.1:9/jwks?access_token=Xk29tok&x=1", "--timeout", "1", *extra)
    assert "Xk29tok" not in out + err
    assert "http://127.0.0.1:9/jwks?access_token=***&x=1" in out


# --------------------------------------------------------------------------- U6


def test_u6_a_non_secret_field_with_password_in_its_path_shows_the_bad_value(capsys: Capsys,
                                                                             tmp_path: Path) -> None:
    path = write(tmp_path, "pa.yaml", 'version: 1\nauth:\n  password_auth: "yes"\n')
    code, _out, err = run_cli(capsys, "check", "--config", path, "--offline")
    assert code == 2 and "'auth.password_auth' must be a boolean, got string 'yes'" in err
    # A real secret field stays masked.
    path = write(tmp_path, "sk.yaml", "version: 1\nldap:\n  app_password: [Xk29listpw]\n")
    code, _out, err = run_cli(capsys, "check", "--config", path, "--offline")
    assert code == 2 and "Xk29" not in err


# --------------------------------------------------------------------------- U13


def _b64(obj: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def test_u13_a_newline_in_a_claim_cannot_forge_a_report_line(capsys: Capsys) -> None:
    header = {"alg": "HS256", "kid": "a\nERROR    jwt.fake  forged line\n0 errors · exit 0"}
    payload = {"exp": 1900000000, "x\ny": "z"}
    token = f"{_b64(header)}.{_b64(payload)}.c2ln"
    _code, out, _err = run_cli(capsys, "jwt", "decode", token, "--now", "2026-11-28T00:00:00Z")
    lines = out.splitlines()
    assert not any(line.startswith(("ERROR    jwt.fake", "0 errors")) for line in lines)
    assert "a\\x0aERROR" in out and "x\\x0ay" in out


def test_u13_config_show_escapes_terminal_control_sequences(capsys: Capsys, tmp_path: Path) -> None:
    path = write(tmp_path, "ansi.env",
                 'WEBUI_NAME=\x1b[2J\x1b]0;pwned\x07x\nWEBUI_BANNER="a\nforged = line"\n')
    code, out, _err = run_cli(capsys, "config", "show", "--env-file", path)
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b[2J\\x1b]0;pwned\\x07x" in out
    assert not any(line.startswith("forged") for line in out.splitlines())


def test_u13_bidirectional_controls_are_shown_as_escapes(capsys: Capsys, tmp_path: Path) -> None:
    """U+202E (right-to-left override) reorders what a terminal shows (review of issue 7)."""
    path = write(tmp_path, "bidi.env", "WEBUI_URL=https://chat.example.org\nWEBUI_NAME=ab\u202edc\n")
    _code, out, _err = run_cli(capsys, "config", "show", "--env-file", path)
    assert "\u202e" not in out and "ab\\u202edc" in out
    header = base64.urlsafe_b64encode(b'{"alg":"HS256"}').rstrip(b"=").decode()
    payload = base64.urlsafe_b64encode('{"sub":"x\u202ey","exp":1900000000}'.encode()).rstrip(b"=")
    _code, out, _err = run_cli(capsys, "jwt", "decode", f"{header}.{payload.decode()}.c2ln")
    assert "\u202e" not in out and "x\\u202ey" in out
