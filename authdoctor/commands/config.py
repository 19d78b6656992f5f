"""`authdoctor config show` and `config schema`."""

from __future__ import annotations

import json
from typing import Any

from authdoctor.settings import SettingsInputs


def _relevant(name: str) -> bool:
    from authdoctor.openwebui.variables import looks_like_setting

    return looks_like_setting(name)


def run_config_show(inputs: SettingsInputs, *, as_json: bool, show_all: bool) -> int:
    """Every replica's variables as read. Values are shown masked where they are read
    (`EnvVar.shown`: a secret by its length, credentials inside other values as `***`); the text
    form escapes control characters, so a value cannot move the cursor or forge a line."""
    from authdoctor.masking import mask
    from authdoctor.output import one_line, write_output
    from authdoctor.settings import load_deployment

    deployment = load_deployment(inputs)
    replicas: list[dict[str, Any]] = []
    for replica in deployment.replicas:
        variables = []
        for var in sorted(replica.vars.values(), key=lambda v: v.name):
            if replica.label == "process environment" and not show_all and not _relevant(var.name):
                continue
            variables.append({"name": var.name, "value": var.shown,
                              "source": str(var.location) if var.location else None})
        replicas.append({"label": replica.label, "variables": variables,
                         "unresolved": list(replica.unresolved)})
    account = deployment.test_account
    data = {
        "public_url": deployment.shown_public_url,
        "sources": list(deployment.sources),
        "replicas": replicas,
        "test_account": None if account is None else {
            "email": account.email, "ldap_user": account.ldap_user,
            "password": mask(account.password) if account.password else None,
        },
        "probe": {"timeout_s": deployment.probe.timeout_s, "verify_tls": deployment.probe.verify_tls,
                  "ca_file": deployment.probe.ca_file},
    }
    if as_json:
        write_output(json.dumps(data, indent=2), None)
        return 0
    lines = [f"public URL: {one_line(deployment.shown_public_url or '(not set)')}",
             f"sources: {', '.join(one_line(s) for s in deployment.sources)}"]
    for replica_data in replicas:
        lines.append("")
        lines.append(f"[{one_line(replica_data['label'])}]")
        width = max((len(v["name"]) for v in replica_data["variables"]), default=0)
        for var in replica_data["variables"]:
            where = f"   # {one_line(var['source'])}" if var["source"] else ""
            lines.append(f"  {one_line(var['name']):<{width}} = {one_line(var['value'])}{where}")
        lines.extend(f"  (plus every variable of {one_line(note)}, which is not in the input: unknown)"
                     for note in replica_data["unresolved"])
    write_output("\n".join(lines), None)
    return 0


def run_config_schema() -> int:
    from authdoctor.output import write_output
    from authdoctor.settings.deploy_yaml import json_schema

    write_output(json.dumps(json_schema(), indent=2), None)
    return 0
