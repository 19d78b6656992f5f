"""`authdoctor config show` and `config schema`."""

from __future__ import annotations

import json
from typing import Any

from authdoctor.settings import SettingsInputs


def _relevant(name: str) -> bool:
    from authdoctor.openwebui.variables import looks_like_setting

    return looks_like_setting(name)


def run_config_show(inputs: SettingsInputs, *, as_json: bool, show_all: bool) -> int:
    from authdoctor.masking import Redactor, is_secret_name, mask, mask_url
    from authdoctor.output import write_output
    from authdoctor.settings import load_deployment
    from authdoctor.settings.model import UnknownValueError

    deployment = load_deployment(inputs)
    redactor = Redactor(deployment.secret_values())
    replicas: list[dict[str, Any]] = []
    for replica in deployment.replicas:
        variables = []
        for var in sorted(replica.vars.values(), key=lambda v: v.name):
            if replica.label == "process environment" and not show_all and not _relevant(var.name):
                continue
            if var.unknown is not None:
                value = var.unknown_text
            else:
                secret = var.secret or is_secret_name(var.name)
                value = redactor(mask(var.value) if secret else mask_url(var.value))
            variables.append({"name": var.name, "value": value,
                              "source": str(var.location) if var.location else None})
        replicas.append({"label": replica.label, "variables": variables,
                         "unresolved": list(replica.unresolved)})
    try:
        public_url = deployment.effective_public_url
        public_url = redactor(public_url) if public_url else public_url
    except UnknownValueError as exc:
        public_url = f"(WEBUI_URL is {exc.reason})"
    data = {
        "public_url": public_url,
        "sources": list(deployment.sources),
        "replicas": replicas,
        "test_account": None if deployment.test_account is None else {
            "email": deployment.test_account.email, "ldap_user": deployment.test_account.ldap_user,
            "password": mask(deployment.test_account.password) if deployment.test_account.password else None,
        },
        "probe": {"timeout_s": deployment.probe.timeout_s, "verify_tls": deployment.probe.verify_tls,
                  "ca_file": deployment.probe.ca_file},
    }
    if as_json:
        write_output(json.dumps(data, indent=2), None)
        return 0
    lines = [f"public URL: {data['public_url'] or '(not set)'}",
             f"sources: {', '.join(deployment.sources)}"]
    for replica_data in replicas:
        lines.append("")
        lines.append(f"[{replica_data['label']}]")
        width = max((len(v["name"]) for v in replica_data["variables"]), default=0)
        for var in replica_data["variables"]:
            where = f"   # {var['source']}" if var["source"] else ""
            lines.append(f"  {var['name']:<{width}} = {var['value']}{where}")
        lines.extend(f"  (plus every variable of {note}, which is not in the input: unknown)"
                     for note in replica_data["unresolved"])
    write_output("\n".join(lines), None)
    return 0


def run_config_schema() -> int:
    from authdoctor.output import write_output
    from authdoctor.settings.deploy_yaml import json_schema

    write_output(json.dumps(json_schema(), indent=2), None)
    return 0
