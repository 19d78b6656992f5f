"""Settings files that cost too much or are misread (adversarial report 2026-11-28: H1, H2, H3, L4,
U5, U8, U9, U11, the loading half of W2; issue 7 §1-2 and issue 8 §2 for settings files).

Every hostile input here is a clear one-line error (exit 2), quickly and in bounded memory; no
message quotes source text that may hold a secret. The reproductions are the report's, verbatim
where they are short enough to run in a test. Timings are not asserted here (see
benchmarks/settings_loading.py); the subprocess cases only guard against a hang.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authdoctor.cli import main
from authdoctor.errors import ConfigError
from authdoctor.settings import SettingsInputs, load_deployment
from authdoctor.settings.compose import load_compose
from authdoctor.settings.deploy_yaml import parse_deploy_yaml
from authdoctor.settings.envfile import parse_env_text
from authdoctor.settings.files import MAX_SETTINGS_FILE_BYTES
from authdoctor.settings.interpolate import interpolate
from authdoctor.settings.yamlsafe import compose_documents, to_python

OWUI = "ghcr.io/open-webui/open-webui:main"
HANG_GUARD_S = 120  # a hang fails the test instead of stalling the suite; not a performance target


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as excinfo:
        main(list(args))
    out, err = capsys.readouterr()
    code = excinfo.value.code
    return (code if isinstance(code, int) else 0), out, err


def run_subprocess(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "authdoctor", *args], capture_output=True,
                          text=True, check=False, cwd=cwd, env=env, timeout=HANG_GUARD_S)


def laughs(levels: int, *, prefix: str = "") -> list[str]:
    """The report's billion-laughs lines: `a` holds nine strings, each next anchor nine aliases
    of the previous one (9**levels strings once expanded)."""
    names = "abcdefghijklmnop"[: levels + 1]
    lines = [f"{prefix}a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]"]
    lines += [f"{prefix}{c}: &{c} [{','.join(['*' + p] * 9)}]" for p, c in itertools.pairwise(names)]
    return lines


def assert_one_clean_line(err: str) -> None:
    assert err.startswith("authdoctor: error: ")
    assert err.count("\n") == 1, err
    assert "Traceback" not in err


# --------------------------------------------------------------------------- H1: deploy.yaml laughs


def test_h1_deploy_yaml_billion_laughs_is_a_clear_error(tmp_path: Path) -> None:
    # the report's file, verbatim: 9**9 strings once expanded (it ran for > 120 s)
    (tmp_path / "laughs.yaml").write_text("\n".join(["version: 1", *laughs(8)]) + "\n")
    for command in (["check", "--config", "laughs.yaml", "--offline"],
                    ["config", "show", "--config", "laughs.yaml"]):
        result = run_subprocess(*command, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert_one_clean_line(result.stderr)
        assert "laughs.yaml:7:" in result.stderr
        assert "once its aliases (*name) are expanded; refused" in result.stderr


def test_h1_alias_expansion_is_counted_in_full() -> None:
    # 9**6 = 531,441 strings: more than the bound, though the file is 250 bytes
    text = "\n".join(["version: 1", *laughs(5, prefix="x-"), "env: {A: b}"]) + "\n"
    with pytest.raises(ConfigError, match=r"more than 250,000 keys and values once its aliases"):
        parse_deploy_yaml(text, "deploy.yaml", {})


def test_h1_small_alias_use_still_works() -> None:
    text = "version: 1\nx-ldap: &ldap {host: ldap.example.org, port: 636}\nldap: *ldap\n"
    deploy = parse_deploy_yaml(text, "deploy.yaml", {})
    assert deploy.env.get("LDAP_SERVER_PORT") == "636"


@pytest.mark.parametrize("text", ["a: &a [*a]\n", "a: &a {b: *a}\n"])
def test_an_alias_inside_its_own_anchor_is_refused(text: str) -> None:
    with pytest.raises(ConfigError, match="is used inside the node it refers to"):
        compose_documents(text, "f.yaml", what="config file")


def test_nesting_depth_is_bounded() -> None:
    from authdoctor.settings.yamlsafe import MAX_YAML_DEPTH

    deep = "[" * 500 + "]" * 500 + "\n"
    with pytest.raises(ConfigError, match=f"nested more than {MAX_YAML_DEPTH} levels deep"):
        compose_documents(deep, "f.yaml", what="config file")
    ok = "[" * MAX_YAML_DEPTH + "]" * MAX_YAML_DEPTH + "\n"
    assert len(compose_documents(ok, "f.yaml", what="config file")) == 1


def test_yaml_text_size_is_bounded() -> None:
    with pytest.raises(ConfigError, match="longer than"):
        compose_documents("a: b\n" * (MAX_SETTINGS_FILE_BYTES // 5 + 1), "f.yaml", what="compose file")


def test_multi_document_bound_counts_the_whole_stream() -> None:
    # the bound is for the stream: a Kubernetes file cannot split a bomb over documents
    document = "\n".join(laughs(3)) + "\n"   # 8,307 keys and values each, aliases expanded
    stream = "---\n".join([document] * 40)   # 332,280 in all
    with pytest.raises(ConfigError, match="once its aliases"):
        compose_documents(stream, "k8s.yaml", what="manifest")
    assert len(compose_documents("---\n".join([document] * 25), "k8s.yaml", what="manifest")) == 25


# --------------------------------------------------------------------------- H2: compose laughs


def test_h2_compose_billion_laughs_is_a_clear_error(tmp_path: Path) -> None:
    # the report's file, verbatim (89 s and 2.8 GB before)
    lines = laughs(8, prefix="x-")
    lines += ["services:", "  w:", f"    image: {OWUI}", "    environment: *i"]
    (tmp_path / "laughs-compose.yml").write_text("\n".join(lines) + "\n")
    for command in (["check", "--compose", "laughs-compose.yml", "--offline"],
                    ["config", "show", "--compose", "laughs-compose.yml"]):
        result = run_subprocess(*command, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert_one_clean_line(result.stderr)
        assert "once its aliases (*name) are expanded; refused" in result.stderr


@pytest.mark.parametrize("where", ["    environment: *g", "    volumes: *g", "    image: *g"])
def test_h2_compose_alias_expansion_is_bounded(tmp_path: Path, where: str) -> None:
    lines = [*laughs(6, prefix="x-"), "services:", "  w:", f"    image: {OWUI}", where]
    if where.startswith("    image"):
        lines.remove(f"    image: {OWUI}")
    path = tmp_path / "docker-compose.yml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ConfigError, match="once its aliases"):
        load_compose(str(path), ["w"], {})


# --------------------------------------------------------------------------- H3: interpolation bomb


def bomb(levels: int) -> str:
    """The report's .env: L0 is 100 characters, each next line ten references to the previous."""
    return "L0=" + "x" * 100 + "\n" + "".join(
        f"L{i}=" + f"${{L{i - 1}}}" * 10 + "\n" for i in range(1, levels + 1))


@pytest.mark.parametrize("levels", [7, 8])
def test_h3_env_interpolation_bomb_is_refused(levels: int) -> None:
    # 7 levels: 1.12 GB RSS before; 8: MemoryError, exit 3
    with pytest.raises(ConfigError) as excinfo:
        parse_env_text(bomb(levels), "bomb.env", {})
    message = str(excinfo.value)
    assert message.startswith("bomb.env:7: L6: the variable references in this file (${VAR}, "
                              "$(VAR)) produce more than 16,777,216 characters; refused")
    assert "xxxxxxxx" not in message


def test_h3_bomb_through_the_project_env_next_to_compose(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(bomb(7))
    path = tmp_path / "docker-compose.yml"
    path.write_text(f"services:\n  w:\n    image: {OWUI}\n")
    with pytest.raises(ConfigError, match=r"\.env:7: L6: the variable references in this file"):
        load_compose(str(path), [], {})


def test_h3_compose_references_share_one_budget(tmp_path: Path) -> None:
    # each value is small; together they would be 40 copies of a 1 MB variable
    path = tmp_path / "docker-compose.yml"
    environment = "".join(f"      V{i}: ${{BIG}}\n" for i in range(40))
    path.write_text(f"services:\n  w:\n    image: {OWUI}\n    environment:\n{environment}")
    with pytest.raises(ConfigError, match=r"references in this file \(.*\) produce more than"):
        load_compose(str(path), [], {"BIG": "B" * 1_000_000})


def test_h3_deploy_yaml_references_share_one_budget() -> None:
    text = "version: 1\nenv:\n" + "".join(f"  V{i}: ${{BIG}}\n" for i in range(40))
    with pytest.raises(ConfigError, match=r"deploy.yaml:\d+: 'env.V\d+': the variable references"):
        parse_deploy_yaml(text, "deploy.yaml", {"BIG": "B" * 1_000_000})


def test_h3_kubernetes_dependent_variables_share_one_budget(tmp_path: Path) -> None:
    # the same bomb with Kubernetes' $(VAR): 1.1 GB and exit 0 before
    env = ["        - name: L0\n          value: " + "x" * 100]
    env += [f"        - name: L{i}\n          value: \"" + f"$(L{i - 1})" * 10 + "\"" for i in range(1, 9)]
    path = tmp_path / "k8s.yaml"
    path.write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: owui}\nspec:\n"
                    "  template:\n    spec:\n      containers:\n      - name: owui\n"
                    f"        image: {OWUI}\n        env:\n" + "\n".join(env) + "\n")
    with pytest.raises(ConfigError) as excinfo:
        load_deployment(SettingsInputs(k8s=(str(path),), environ={}))
    assert str(excinfo.value).startswith(f"{path}:23: env L6: the variable references in this file")


def test_a_large_secret_referenced_once_is_fine() -> None:
    env = parse_env_text("WEBUI_SECRET_KEY=${FROM_VAULT}\n", "a.env", {"FROM_VAULT": "S" * 4_000_000})
    assert len(env["WEBUI_SECRET_KEY"].value) == 4_000_000


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="${}:-AB_x \\", max_size=30))
def test_dotenv_interpolation_is_python_dotenvs(value: str) -> None:
    """The linear implementation resolves exactly what python-dotenv's regex resolves."""
    from dotenv.variables import Literal, Variable, parse_variables

    env = {"A": "a-value", "B": "", "": "empty-name", "A:": "never"}
    parts, missing = [], []
    for atom in parse_variables(value):
        if isinstance(atom, Variable):
            if atom.name not in env and atom.default is None:
                missing.append(atom.name)
            parts.append(atom.resolve(env))
        elif isinstance(atom, Literal):
            parts.append(atom.value)
    assert interpolate(value, env) == ("".join(parts), missing)


def _projection(bindings: object) -> list[tuple[object, ...]]:
    """What parse_env_text takes from python-dotenv's bindings: per variable its name, value,
    the line of its key and the raw line; an error (its line may differ: python-dotenv counts
    from blank lines before the bad one)."""
    seen: list[tuple[object, ...]] = []
    for binding in bindings:  # type: ignore[attr-defined]
        if binding.error:
            seen.append(("error",))
            break
        if binding.key is None:
            continue
        if any(char.isspace() for char in binding.key):
            # a quoted name holding whitespace (' '=x): python-dotenv's line for it can count
            # from the blank lines before it, so only the name and value are compared
            seen.append((binding.key, binding.value))
            continue
        original = binding.original.string
        start = original.find(binding.key)
        start = 0 if start < 0 else original.rfind("\n", 0, start) + 1
        line = binding.original.line + original[:start].count("\n")
        seen.append((binding.key, binding.value, line, original[start:].rstrip("\n")))
    return seen


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.one_of(
    st.sampled_from(["A=b", "A=", "A=b c ", "A=b#c", "A= #c", "# c", "", "  ", "\t# x", "export A=b",
                     "A='q'", 'A="q\nr"', "A", "=x", "A=\"open", "A=b\r", " A=b", "A.b=c",
                     "A=$B", "A=\xa0b", "\ufeffA=b", "A=b\x0b", "Ä=b"]),
    st.text(alphabet="AB=#'\" \t\r\\x$", max_size=8)), max_size=12).map("\n".join))
def test_env_fast_path_reads_what_python_dotenv_reads(text: str) -> None:
    import io

    from dotenv.parser import parse_stream

    from authdoctor.settings.envfile import _bindings

    assert _projection(_bindings(text)) == _projection(parse_stream(io.StringIO(text)))


# --------------------------------------------------------------------------- L4: no source text


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("l4a.yaml", "version: 1\nldap:\n  app_password: !Xk29-hunter2\n",
         "l4a.yaml:3: invalid YAML in the config file, column 17: a value starts with '!', which "
         "YAML reads as a tag; put the value in quotes (or remove the tag)"),
        ("l4b.yaml", "version: 1\nsecret_key: *Xk29hunter2\n",
         "l4b.yaml:2: invalid YAML in the config file, column 13: a value starts with '*', which "
         "YAML reads as an alias of an '&anchor' that is not defined; put the value in quotes"),
        ("l4c.yaml", "version: 1\ntest_account:\n  password: 1990-01-01\n",
         "l4c.yaml:3: 'test_account.password' must be a string, got a date (put it in quotes to "
         "keep it as text)"),
        ("l4e.yaml", "version: 1\nsecret_key: @Xk29hunter2\n",
         "l4e.yaml:2: invalid YAML in the config file, column 13: a value starts with a character "
         "YAML reserves"),
        ("l4f.yaml", "version: 1\nsecret_key: !!int Xk29hunter2\n",
         "l4f.yaml:2: invalid YAML in the config file, column 13: a value does not fit the type "
         "its tag (!!...) asks for"),
        ("l4g.yaml", 'version: 1\nsecret_key: "Xk29\\qhunter2"\n',
         "l4g.yaml:2: invalid YAML in the config file, column 18: scanner error: found unknown "
         "escape character"),
    ],
)
def test_l4_deploy_yaml_errors_never_quote_the_value(capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path, name: str, text: str,
                                                      expected: str) -> None:
    (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, "check", "--config", name, "--offline")
    assert code == 2
    assert_one_clean_line(err)
    assert err.startswith(f"authdoctor: error: {expected}"), err
    for fragment in ("Xk29", "hunter2", "1990"):
        assert fragment not in out + err


@pytest.mark.parametrize("value", ["!Xk29-hunter2", "*Xk29hunter2", "`Xk29hunter2"])
def test_l4_compose_errors_never_quote_the_value(capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path, value: str) -> None:
    (tmp_path / "l4d").mkdir()
    (tmp_path / "l4d" / "docker-compose.yml").write_text(
        f"services:\n  w:\n    image: {OWUI}\n    environment:\n      LDAP_APP_PASSWORD: {value}\n")
    code, out, err = run_cli(capsys, "check", "--compose", str(tmp_path / "l4d" / "docker-compose.yml"),
                             "--offline")
    assert code == 2
    assert_one_clean_line(err)
    assert "docker-compose.yml:5: invalid YAML in the compose file, column 26: a value starts" in err
    assert "Xk29" not in out + err and "hunter2" not in out + err


@pytest.mark.parametrize(("text", "where"), [
    ("version: 1\nldap:\n  Xk29pastedSecret0: x\n", "deploy.yaml:3: unknown key under 'ldap'"),
    ("version: 1\nXk29pastedSecret0: x\n", "deploy.yaml:2: unknown key at the top level")])
def test_l4_an_unknown_key_that_is_no_misspelling_is_not_quoted(text: str, where: str) -> None:
    # the report's lesser variant: a secret pasted as a key was echoed ("unknown key 'ldap.<text>'")
    with pytest.raises(ConfigError) as excinfo:
        parse_deploy_yaml(text, "deploy.yaml", {})
    assert str(excinfo.value).startswith(f"{where} (not shown: it may be a pasted value); known keys")
    assert "Xk29" not in str(excinfo.value)


# --------------------------------------------------------------------------- U5: merge keys


def test_u5_deploy_yaml_merge_keys_work(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # the report's file: a multi-line "could not determine a constructor" error before
    path = tmp_path / "merge.yaml"
    path.write_text("version: 1\nx-auth: &a {signup: false}\nauth:\n  <<: *a\n")
    deploy = parse_deploy_yaml(path.read_text(), "merge.yaml", {})
    assert deploy.env.get("ENABLE_SIGNUP") == "false"
    location = deploy.env.location("ENABLE_SIGNUP")
    assert location is not None and location.line == 2   # where the merged key is written
    code, out, err = run_cli(capsys, "config", "show", "--config", str(path))
    assert code == 0, err
    assert "ENABLE_SIGNUP = false" in out


def test_u5_own_keys_win_over_merged_ones_and_duplicates_are_still_errors() -> None:
    text = ("version: 1\nx-defaults: &d {signup: false, login_form: false}\n"
            "auth:\n  <<: *d\n  signup: true\n")
    deploy = parse_deploy_yaml(text, "deploy.yaml", {})
    assert (deploy.env.get("ENABLE_SIGNUP"), deploy.env.get("ENABLE_LOGIN_FORM")) == ("true", "false")
    location = deploy.env.location("ENABLE_SIGNUP")
    assert location is not None and location.line == 5
    with pytest.raises(ConfigError, match=re.escape("deploy.yaml:6: duplicate key 'auth.signup'")):
        parse_deploy_yaml(text + "  signup: false\n", "deploy.yaml", {})


def test_u5_extension_keys_are_only_allowed_at_the_top() -> None:
    with pytest.raises(ConfigError, match=re.escape("deploy.yaml:3: unknown key under 'auth' (not shown")):
        parse_deploy_yaml("version: 1\nauth:\n  x-mine: 1\n", "deploy.yaml", {})


# --------------------------------------------------------------------------- U8, U9, U11


def test_u8_an_integer_service_key_is_the_service_named_by_its_text(tmp_path: Path) -> None:
    path = tmp_path / "int.yml"
    path.write_text(f"services:\n  1:\n    image: {OWUI}\n    environment: [WEBUI_URL=https://x.org]\n")
    [by_name] = load_compose(str(path), ["1"], {})
    [by_image] = load_compose(str(path), [], {})
    assert by_name.compose is not None and by_name.compose.name == "1"
    assert by_name.get("WEBUI_URL") == by_image.get("WEBUI_URL") == "https://x.org"


def test_u9_an_empty_env_file_path_is_named_as_such(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run_cli(capsys, "check", "--env-file", "", "--offline")
    assert code == 2
    assert err == "authdoctor: error: the env file path is empty; give the path of a file\n"


@pytest.mark.parametrize("name", ["\n", "a\x1b[2Jb", "\udcff"])
def test_a_path_with_control_characters_stays_one_line(capsys: pytest.CaptureFixture[str],
                                                       name: str) -> None:
    code, _out, err = run_cli(capsys, "check", "--env-file", name, "--offline")
    assert code == 2
    assert_one_clean_line(err)
    assert "\x1b" not in err and "env file not found" in err


@pytest.mark.parametrize(
    ("env_file", "message"),
    [("[{required: true}]", "service 'w': 'env_file' entry 1 has no 'path'"),
     ("[[a]]", "service 'w': 'env_file' entry 1 must be a path (text) or a mapping with 'path:'"),
     ("[{path: [a]}]", "'env_file' entry 1 must be a path (text)"),
     ("[{path: a.env, required: maybe}]", "'env_file' entry 1: 'required' must be true or false"),
     ("{path: a.env}", "'env_file' must be a path or a list of paths")],
)
def test_u11_odd_env_file_entries_are_named(tmp_path: Path, env_file: str, message: str) -> None:
    path = tmp_path / "docker-compose.yml"
    path.write_text(f"services:\n  w:\n    image: {OWUI}\n    env_file: {env_file}\n")
    with pytest.raises(ConfigError) as excinfo:
        load_compose(str(path), [], {})
    assert message in str(excinfo.value)
    assert "None" not in str(excinfo.value) and "['a']" not in str(excinfo.value)


def test_env_file_entries_follow_compose(tmp_path: Path) -> None:
    (tmp_path / "present.env").write_text("A=from-file\n")
    path = tmp_path / "docker-compose.yml"
    path.write_text(f"services:\n  w:\n    image: {OWUI}\n    env_file:\n"
                    "      - path: ${DIR:-.}/present.env\n      - {path: absent.env, required: 'false'}\n")
    [service] = load_compose(str(path), [], {})
    assert service.get("A") == "from-file"


# --------------------------------------------------------------------------- non-regular files


@pytest.mark.parametrize("option", ["--env-file", "--config", "--compose"])
def test_a_fifo_is_refused_not_read(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                    option: str) -> None:
    fifo = tmp_path / "settings.fifo"
    os.mkfifo(fifo)
    code, _out, err = run_cli(capsys, "check", option, str(fifo), "--offline")
    assert code == 2
    assert "is not a regular file but a named pipe (FIFO)" in err


def test_a_fifo_as_the_project_env_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / ".env")
    path = tmp_path / "docker-compose.yml"
    path.write_text(f"services:\n  w:\n    image: {OWUI}\n")
    with pytest.raises(ConfigError, match=r"\.env: env file is not a regular file but a named pipe"):
        load_compose(str(path), [], {})


def test_a_fifo_as_compose_env_file_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "owui.env")
    path = tmp_path / "docker-compose.yml"
    path.write_text(f"services:\n  w:\n    image: {OWUI}\n    env_file: owui.env\n")
    with pytest.raises(ConfigError, match="is not a regular file but a named pipe"):
        load_compose(str(path), [], {})


# --------------------------------------------------------------------------- W2: big inputs


def test_w2_a_4mb_secret_loads(tmp_path: Path) -> None:
    path = tmp_path / "big.env"
    path.write_text("WEBUI_URL=https://x.org\nWEBUI_SECRET_KEY=" + "S" * (4 * 1024 * 1024) + "\n")
    deployment = load_deployment(SettingsInputs(env_files=(str(path),), environ={}))
    assert len(deployment.replicas[0].get("WEBUI_SECRET_KEY") or "") == 4 * 1024 * 1024


def test_w2_files_above_the_documented_size_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.env"
    path.write_text("WEBUI_SECRET_KEY=" + "S" * MAX_SETTINGS_FILE_BYTES + "\n")
    with pytest.raises(ConfigError, match=r"larger than 5,242,880 bytes \(5 MiB\)"):
        load_deployment(SettingsInputs(env_files=(str(path),), environ={}))


def test_w2_many_keys_load(tmp_path: Path) -> None:
    text = "version: 1\nenv:\n" + "".join(f"  VAR_{i}: value{i}\n" for i in range(5000))
    deploy = parse_deploy_yaml(text, "deploy.yaml", {})
    assert deploy.env.get("VAR_4999") == "value4999"


# --------------------------------------------------------------------------- issue 8 §2: compose


def write_compose(tmp_path: Path, service_body: str) -> Path:
    path = tmp_path / "docker-compose.yml"
    path.write_text(f"services:\n  w:\n    image: {OWUI}\n{service_body}")
    return path


def test_required_variable_fails_as_compose_does(capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTHER_SECRET", "Xk29-other-secret-value")
    monkeypatch.delenv("SK", raising=False)
    path = write_compose(tmp_path, "    environment:\n"
                                   "      WEBUI_SECRET_KEY: ${SK:?set SK in .env (${OTHER_SECRET})}\n")
    code, out, err = run_cli(capsys, "check", "--compose", str(path), "--offline")
    assert code == 2
    assert_one_clean_line(err)
    assert err == (f"authdoctor: error: {path}:5: 'services.w.environment.WEBUI_SECRET_KEY': "
                   "required variable SK is missing a value: set SK in .env (${OTHER_SECRET})\n")
    assert "Xk29" not in out + err


@pytest.mark.parametrize(
    ("value", "environ", "expected"),
    [("${SK:?empty is missing too}", {"SK": ""}, "required variable SK is missing a value: empty"),
     ("${SK?only unset counts}", {}, "required variable SK is missing a value: only unset counts"),
     ("${SK:?}", {}, "required variable SK is missing a value"),
     ("pa${ss", {}, "a '${' is never closed with '}'"),
     ("${ss!}", {}, "is followed by something other than"),
     ("${}", {}, "a '${' is not followed by a variable name")],
)
def test_interpolation_compose_refuses(tmp_path: Path, value: str, environ: dict[str, str],
                                       expected: str) -> None:
    path = write_compose(tmp_path, f"    environment:\n      A: '{value}'\n")
    with pytest.raises(ConfigError, match=r"docker-compose.yml:5: 'services.w.environment.A': ") as exc:
        load_compose(str(path), [], environ)
    assert expected in str(exc.value)
    assert "ss!" not in str(exc.value) and "pa" not in str(exc.value).split(": ", 1)[1]


def test_a_required_variable_anywhere_in_the_file_fails_it(tmp_path: Path) -> None:
    path = write_compose(tmp_path, "  db:\n    image: postgres\n    ports: ['${DB_PORT:?no port}:5432']\n")
    with pytest.raises(ConfigError, match=re.escape("'services.db.ports.0': required variable DB_PORT")):
        load_compose(str(path), [], {})


@pytest.mark.parametrize(
    ("value", "environ", "expected"),
    [("${SK:?x}", {"SK": "v"}, "v"), ("${SK?x}", {"SK": ""}, ""),
     ("${U:-d}", {"U": ""}, "d"), ("${U-d}", {"U": ""}, ""), ("${U-d}", {}, "d"),
     ("${U:+x}", {"U": "v"}, "x"), ("${U:+x}", {"U": ""}, ""), ("${U+x}", {"U": ""}, "x"),
     ("${U+x}", {}, ""), ("a$$b", {}, "a$b"), ("$U-x", {"U": "v"}, "v-x"),
     ("${U:-${V:-deep}}", {}, "deep"), ("p$1x", {}, "p$1x"), ("end$", {}, "end$"),
     ('${U:-{"json":1}}', {}, '{"json":1}')],
)
def test_interpolation_follows_the_compose_specification(value: str, environ: dict[str, str],
                                                         expected: str) -> None:
    from authdoctor.settings.interpolate import interpolate_compose

    assert interpolate_compose(value, environ)[0] == expected


@pytest.mark.parametrize(
    ("environment", "message"),
    [("      - =value\n", "'environment' entry 1 has no variable name before '='"),
     ("      - 'A =b'\n", "environment variable A is declared with a space before '='"),
     ("      - 5\n", "'environment' entry 1 is not NAME=value text"),
     ("      - {A: b}\n", "'environment' entry 1 is not NAME=value text"),
     ("      - A=1\n      - A=1\n", "'environment' entry 2 repeats entry 1 exactly"),
     ("      A: {b: 1}\n", "environment variable A has a mapping as its value"),
     ("      A: [1, 2]\n", "environment variable A has a list as its value"),
     ("      '': x\n", "an 'environment' entry has an empty variable name")],
)
def test_environment_entries_compose_refuses_are_reported(tmp_path: Path, environment: str,
                                                          message: str) -> None:
    path = write_compose(tmp_path, "    environment:\n" + environment)
    with pytest.raises(ConfigError) as excinfo:
        load_compose(str(path), [], {})
    assert f"service 'w': {message}" in str(excinfo.value)
    assert "docker-compose.yml:" in str(excinfo.value)


def test_environment_entries_compose_accepts_still_load(tmp_path: Path) -> None:
    path = write_compose(tmp_path, "    environment:\n      - 'A=b'\n      - 'B=1'\n      - C\n"
                                   "      - 'D=x=y'\n      - '${NAME_E}=$$e'\n      - 'F=${EQ}'\n")
    [service] = load_compose(str(path), [], {"C": "from-host", "NAME_E": "E", "EQ": "p=q"})
    assert [service.get(name) for name in "ABCDEF"] == ["b", "1", "from-host", "x=y", "$e", "p=q"]


@pytest.mark.parametrize(
    ("text", "message"),
    [(f"services:\n  w:\n    image: {OWUI}\n  w:\n    image: {OWUI}\n",
      ":4: the key 'w' is repeated in the same mapping ('services.w')"),
     (f"services:\n  w:\n    image: {OWUI}\n    environment:\n      A: x\n      A: y\n",
      ":6: the key 'A' is repeated in the same mapping ('services.w.environment.A')")],
)
def test_a_duplicate_key_is_a_configuration_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "docker-compose.yml"
    path.write_text(text)
    with pytest.raises(ConfigError) as excinfo:
        load_compose(str(path), [], {})
    assert f"docker-compose.yml{message}; docker compose refuses the file" in str(excinfo.value)


def test_the_open_webui_service_is_found_by_its_interpolated_image(tmp_path: Path) -> None:
    path = tmp_path / "docker-compose.yml"
    path.write_text("services:\n  db:\n    image: postgres\n  app:\n    image: ${APP_IMAGE}\n")
    [service] = load_compose(str(path), [], {"APP_IMAGE": OWUI})
    assert service.compose is not None
    assert (service.compose.name, service.compose.image) == ("app", OWUI)


def test_an_env_file_shared_by_many_services_is_read_once(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from authdoctor.settings import compose, files

    (tmp_path / "big.env").write_text("WEBUI_SECRET_KEY=" + "S" * 1_000_000 + "\n")
    services = "".join(f"  s{i}:\n    image: {OWUI}\n    env_file: big.env\n" for i in range(200))
    path = tmp_path / "docker-compose.yml"
    path.write_text("services:\n" + services)
    reads: list[str] = []
    real = files.read_text

    def counting(file: str | Path, what: str) -> str:
        reads.append(str(file))
        return real(file, what)

    monkeypatch.setattr(compose, "read_text", counting)
    loaded = load_compose(str(path), [], {})
    assert len(loaded) == 200
    assert reads.count(str(tmp_path / "big.env")) == 1


def test_compose_reset_and_override_tags_are_read_as_compose_does(tmp_path: Path) -> None:
    path = write_compose(tmp_path, "    environment: !override\n      A: 1\n      B: !reset x\n"
                                   "      C: !override 'c'\n    volumes: !reset []\n")
    [service] = load_compose(str(path), [], {"B": "from-host"})
    assert (service.get("A"), service.get("B"), service.get("C")) == ("1", None, "c")


def test_a_required_variable_in_an_env_file_fails_as_compose_does(tmp_path: Path) -> None:
    """compose reads `env_file:` with its own interpolation: `${VAR:?message}` unset stops it with
    the author's message (review of issue 8: the literal text was taken as the key)."""
    (tmp_path / "ef.env").write_text("WEBUI_SECRET_KEY=${MISSINGVAR:?set the key}\nA=${B:-dflt}\n")
    path = tmp_path / "docker-compose.yml"
    path.write_text("services:\n  w:\n    image: ghcr.io/open-webui/open-webui:main\n"
                    "    env_file: ef.env\n")
    with pytest.raises(ConfigError, match="set the key") as excinfo:
        load_compose(str(path), [], {})
    assert "ef.env:1" in str(excinfo.value)
    [service] = load_compose(str(path), [], {"MISSINGVAR": "Xk29-value-from-host"})
    assert (service.get("WEBUI_SECRET_KEY"), service.get("A")) == ("Xk29-value-from-host", "dflt")


def test_compose_reset_of_a_whole_service_removes_it(tmp_path: Path) -> None:
    """`old: !reset {}` drops the service before services are listed (code review: it failed)."""
    path = tmp_path / "docker-compose.yml"
    path.write_text("services:\n  old: !reset {}\n  w:\n    image: ghcr.io/open-webui/open-webui:main\n"
                    "    environment:\n      WEBUI_URL: https://chat.example.org\n")
    [service] = load_compose(str(path), [], {})
    assert service.get("WEBUI_URL") == "https://chat.example.org"


def test_to_python_keeps_its_signature_and_types() -> None:
    [node] = compose_documents("a: 1\nb: [x, {c: true}]\n", "f.yaml", what="manifest")
    assert to_python(node, "f.yaml", what="manifest") == {"a": 1, "b": ["x", {"c": True}]}


def test_a_compose_volume_that_is_a_list_is_refused_at_once(tmp_path: Path) -> None:
    """Aliases under the node cap that put nested lists in `volumes:` were rendered whole: 13 s
    and gigabytes (review of issue 7). compose's schema allows a string or a mapping."""
    lines = ["x-a: &a [" + ",".join(["xxxxxxxxxx"] * 9) + "]"]
    lines += [f"x-{c}: &{c} [{','.join(['*' + p] * 9)}]" for p, c in zip("abcd", "bcde", strict=True)]
    lines += ["services:", "  w:", "    image: ghcr.io/open-webui/open-webui:main", "    volumes: *e"]
    path = tmp_path / "docker-compose.yml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ConfigError, match="'volumes' entry 1 is a list, not a path or a mapping"):
        load_compose(str(path), [], {})
