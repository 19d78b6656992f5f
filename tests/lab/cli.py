"""`scripts/lab`: the whole lab by hand.

  scripts/lab up          start every server (fixed ports, base 24000) and print URLs and credentials
  scripts/lab status      what runs (exit 1 if the lab is not fully up); --json for the state file
  scripts/lab env         `export AUTHDOCTOR_LAB_..._PORT=...` lines of the running lab
  scripts/lab down        stop every lab process (by PID and start time)
  scripts/lab demo        up (if needed), then `authdoctor check --config fixtures/lab/deploy.yaml`,
                          then which seeded misconfiguration was reported; stops what it started
                          unless --keep

Environment: AUTHDOCTOR_LAB_DIR (state folder, default <repo>/.lab-run/lab),
AUTHDOCTOR_LAB_PORT_BASE (default 24000; `free` = any free ports), AUTHDOCTOR_LAB_<SERVICE>_PORT.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import lab as lab_mod
from .paths import REPO

# Seeded misconfigurations of fixtures/lab/openwebui.env + deploy.yaml, and the codes that name them.
SEEDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("WEBUI_SECRET_KEY=lab-secret: a short, guessable signing key", ("secret.weak",)),
    ("WEBUI_AUTH_COOKIE_SAME_SITE=none without Secure: browsers refuse the token cookie",
     ("cookie.samesite-none-without-secure",)),
    ("REDIS_URL points at an allkeys-lru Redis without persistence: revocations can vanish",
     ("redis.eviction-may-drop-revocations", "redis.revocation-not-persistent")),
    ("OPENID_PROVIDER_URL: the provider's issuer has a trailing slash the URL lacks",
     ("oidc.issuer-mismatch",)),
    ("LDAP_SERVER_PORT: the LDAPS server's certificate names another host",
     ("ldap.tls-hostname-mismatch",)),
)


def run_dir() -> Path:
    return Path(os.environ.get("AUTHDOCTOR_LAB_DIR", str(lab_mod.DEFAULT_DIR))).resolve()


def _rel(path: str | Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(REPO))
    except ValueError:
        return str(path)


def format_state(state: Mapping[str, Any], alive: int, total: int) -> str:
    out: list[str] = []
    status = "running" if alive == total else f"PARTLY running ({alive} of {total} processes)"
    out.append(f"authdoctor lab: {status}; {total} processes, state in {_rel(state['run_dir'])}"
               f" (start-up took {state.get('startup_s', 0):.1f} s)")
    app = state.get("app")
    if app:
        users = "   ".join(f"{u['email']} / {u['password']} ({u['role']})" for u in app["users"])
        out += ["", "App under test (Open WebUI 0.12.4 auth surface, runs with fixtures/lab/openwebui.env)",
                f"  {app['url']}", f"  accounts: {users}",
                f"  Redis for revocation: {app['env'].get('REDIS_URL', '(none)')}"]
    ldaps = state.get("ldap", {})
    if ldaps:
        first = next(iter(ldaps.values()))
        out += ["", f"LDAP (slapd)   base {first['base_dn']}   service account {first['app_dn']} / "
                    f"{first['app_password']}   admin {first['admin_dn']} / {first['admin_password']}"]
        for name, info in ldaps.items():
            out.append(f"  {name:<16} ldap://{info['host']}:{info['port']} (StartTLS)   "
                       f"ldaps://{info['host']}:{info['ldaps_port']}   certificate: {info['tls']}")
        users = ", ".join(f"{u['uid']}/{u['password']}" + ("" if u["mail"] else " (no mail)")
                          for u in first["users"])
        out.append(f"  users (ou=people): {users}")
        groups = ", ".join(f"{g}: {' '.join(m)}" for g, m in first["groups"].items())
        out.append(f"  groups (ou=groups): {groups}")
    certs = state.get("certs", {})
    if certs:
        out.append(f"  lab CA: {_rel(certs['ca_file'])}   (also signs the Redis TLS certificate)")
    redis = state.get("redis", {})
    if redis:
        out += ["", "Redis"]
        for name, info in redis.items():
            extra = ""
            if info.get("sentinel_port"):
                extra = f"   sentinel {info['host']}:{info['sentinel_port']} master {info['master_name']}"
            if info.get("cluster_ports"):
                extra = f"   nodes {', '.join(str(p) for p in info['cluster_ports'])}"
            if info.get("users"):
                extra = "   users " + ", ".join(f"{u}/{p}" for u, p in info["users"].items())
            out.append(f"  {name:<11} {info['url']}{extra}")
    oidc = state.get("oidc", {})
    if oidc:
        healthy = oidc.get("healthy", next(iter(oidc.values())))
        client = healthy["clients"]["authdoctor-lab"]
        out += ["", "OIDC (panva oidc-provider 8.8.1)   client "
                    f"{client['client_id']} / {client['client_secret']}; public client authdoctor-lab-public "
                    "(PKCE S256)",
                "  sign in at the IdP with alice or bob (any password)"]
        for name, info in oidc.items():
            out.append(f"  {name:<22} {info['discovery_url']}{_oidc_note(name, info)}")
    out += ["", "Try:  .venv/bin/authdoctor check --config fixtures/lab/deploy.yaml",
            "      scripts/lab env   (port variables, if you changed the ports)",
            "Stop: scripts/lab down"]
    return "\n".join(out)


def _oidc_note(name: str, info: Mapping[str, Any]) -> str:
    notes = []
    if info["issuer"] != info["url"]:
        notes.append(f"issuer says {info['issuer']}")
    if not info["end_session"]:
        notes.append("no end_session_endpoint")
    if name == "html_discovery":
        notes.append("discovery and JWKS answer HTML")
    if name == "not_found":
        notes.append("discovery answers 404")
    if info.get("mount"):
        notes.append(f"Microsoft preset: MICROSOFT_CLIENT_LOGIN_BASE_URL="
                     f"{info['url'][: len(info['url']) - len(info['mount'])]}, "
                     f"MICROSOFT_CLIENT_TENANT_ID={info['mount'].strip('/').split('/')[0]}")
    tls = {"tls": "the lab CA (--ca-file certs/ca.pem)", "tls_unknown_ca": "an unknown CA",
           "tls_expired": "an expired certificate", "tls_wrong_host": "a wrong-host certificate"}
    if name in tls:
        notes.append(f"https with {tls[name]}")
    if info["delay_s"]:
        notes.append(f"every response delayed {info['delay_s']:g} s")
    return f"   ({'; '.join(notes)})" if notes else ""


def cmd_up(args: argparse.Namespace) -> int:
    directory = run_dir()
    state = lab_mod.read_state(directory)
    if state is not None:
        alive = lab_mod.alive_processes(state)
        if len(alive) == len(state.get("processes", [])) and alive:
            print(format_state(state, len(alive), len(alive)))
            print("\n(already running)")
            return 0
        if alive:
            print(f"stopping the {len(alive)} processes left of an earlier, partly stopped lab")
        lab_mod.stop_lab(directory)
    missing = lab_mod.missing_binaries()
    if missing:
        print(f"lab: missing {', '.join(missing)}; run scripts/install-lab-deps", file=sys.stderr)
        return 2
    try:
        running = lab_mod.start_lab(directory)
    except Exception as exc:
        print(f"lab: start failed: {exc}", file=sys.stderr)
        return 1
    state = running.describe()
    print(format_state(state, len(running.processes), len(running.processes)))
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    count, left = lab_mod.stop_lab(run_dir())
    if left:
        print(f"lab: {len(left)} processes did not stop: "
              + ", ".join(f"{p.name} (pid {p.pid})" for p in left), file=sys.stderr)
        return 1
    print(f"lab stopped ({count} processes)" if count else "lab: nothing was running")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    state = lab_mod.read_state(run_dir())
    if state is None:
        print("lab: not running (scripts/lab up)")
        return 1
    total = len(state.get("processes", []))
    alive = len(lab_mod.alive_processes(state))
    if args.json:
        print(json.dumps({**state, "alive": alive}, indent=2))
    else:
        print(format_state(state, alive, total))
    return 0 if alive == total and total else 1


def _port_exports(state: Mapping[str, Any]) -> dict[str, str]:
    env = {lab_mod.port_env_name(k): str(v) for k, v in state["ports"].items()}
    env["AUTHDOCTOR_LAB_DIR"] = str(state["run_dir"])
    return env


def cmd_env(args: argparse.Namespace) -> int:
    state = lab_mod.read_state(run_dir())
    if state is None:
        print("lab: not running (scripts/lab up)", file=sys.stderr)
        return 1
    for name, value in _port_exports(state).items():
        print(f"export {name}={value}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    directory = run_dir()
    state = lab_mod.read_state(directory)
    started_here = False
    if state is None or len(lab_mod.alive_processes(state)) != len(state.get("processes", [])):
        print("== starting the lab (scripts/lab up)")
        code = cmd_up(args)
        if code != 0:
            return code
        started_here = True
        state = lab_mod.read_state(directory)
    assert state is not None
    try:
        print("\n== seeded misconfigurations (fixtures/lab/openwebui.env, fixtures/lab/deploy.yaml)")
        for text, _codes in SEEDS:
            print(f"  - {text}")
        env = {**os.environ, **_port_exports(state)}
        command = [sys.executable, "-m", "authdoctor", "check", "--config", "fixtures/lab/deploy.yaml"]
        print(f"\n== {' '.join(['authdoctor', *command[3:]])}\n", flush=True)
        shown = subprocess.run(command, cwd=REPO, env=env, check=False)
        report_path = directory / "demo-report.json"
        subprocess.run([*command, "--format", "json", "--output", str(report_path)], cwd=REPO, env=env,
                       check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if shown.returncode not in (0, 1):
            print(f"\nauthdoctor check ended with exit code {shown.returncode} (2 = usage/config error, "
                  "3 = internal error)", file=sys.stderr)
            return shown.returncode
        found: set[str] = set()
        try:
            report = json.loads(report_path.read_text())
            found = {f["code"] for f in report.get("findings", [])}
        except (OSError, ValueError):
            pass
        print("\n== seeded misconfigurations and what authdoctor reported")
        for text, codes in SEEDS:
            hit = [c for c in codes if c in found]
            mark = "found  " if hit else "not yet"
            print(f"  [{mark}] {', '.join(hit or codes)}: {text}")
        print("\n'not yet': no check reports it today (live checks are being added); the lab serves it.")
        return 0
    finally:
        if started_here and not args.keep:
            print("\n== stopping the lab (scripts/lab up keeps it running)")
            cmd_down(args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/lab", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="start the whole lab")
    sub.add_parser("down", help="stop the whole lab")
    status = sub.add_parser("status", help="what runs")
    status.add_argument("--json", action="store_true", help="print the state file")
    sub.add_parser("env", help="export lines for the port variables")
    demo = sub.add_parser("demo", help="seeded misconfigurations + authdoctor check")
    demo.add_argument("--keep", action="store_true", help="leave the lab running afterwards")
    args = parser.parse_args(argv)
    commands = {"up": cmd_up, "down": cmd_down, "status": cmd_status, "env": cmd_env, "demo": cmd_demo}
    return commands[args.command](args)


if __name__ == "__main__":
    raise SystemExit(main())
