"""Running a per-settings rule over every replica, and comparing replicas (pure helpers).

A deployment may have several sources (one per replica: each `--env-file`, each compose
service). Rules that judge one replica's settings run on each of them; identical findings are
reported once, with the replicas they concern in the evidence.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable

from authdoctor.findings import Finding
from authdoctor.settings.model import Deployment, EnvSource


def each_replica(deployment: Deployment,
                 rule: Callable[[EnvSource], Iterable[Finding]]) -> list[Finding]:
    """`rule` applied to every replica; a finding that several replicas share is kept once
    (first location), naming the replicas in `evidence['replicas']` when there are several."""
    replicas = deployment.replicas or (deployment.env,)
    merged: dict[tuple[str, str, str, str], tuple[Finding, list[str]]] = {}
    for replica in replicas:
        for found in rule(replica):
            key = (found.code, found.subject, found.title, found.detail)
            if key in merged:
                merged[key][1].append(replica.label)
            else:
                merged[key] = (found, [replica.label])
    result = []
    for found, labels in merged.values():
        if len(replicas) > 1:
            evidence = {**found.evidence, "replicas": ", ".join(labels)}
            result.append(dataclasses.replace(found, evidence=evidence))
        else:
            result.append(found)
    return result


def distinct_values(deployment: Deployment,
                    read: Callable[[EnvSource], str | None]) -> dict[str | None, list[str]]:
    """Value → labels of the replicas that have it (in replica order)."""
    groups: dict[str | None, list[str]] = {}
    for replica in deployment.replicas:
        groups.setdefault(read(replica), []).append(replica.label)
    return groups
