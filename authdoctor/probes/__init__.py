"""Live probes: I/O only, each returning an *observation* (see the live-probe design).

Three layers: a probe (`authdoctor.probes.<protocol>`) takes plain arguments and returns a frozen
observation of what it saw, including how it failed; a check's live half evaluates observations
with pure functions (no I/O) into findings; the runner runs the areas concurrently under the
run's deadline. A probe never raises for a DNS, TCP, TLS, protocol or timeout failure: the
failure is data (`ProbeFailure`), with the first rung of the failure ladder that failed and that
rung's evidence, so evaluation and tests can work from hand-made observations.

Observations are plain data and serialise to JSON (`to_dict`); secrets are never put into one
(a probe masks a proxy's credentials and never sends URL credentials).

`ProbeSession` (in `authdoctor.probes.cache`) is the per-run entry point live halves use: it holds
the probe options, the run's deadline and the per-run cache, so two areas asking for the same
document cause one request.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Rung(StrEnum):
    """The failure ladder: the first rung that failed names where to look."""

    DNS = "dns"
    TCP = "tcp"
    TLS = "tls"
    PROTOCOL = "protocol"
    APPLICATION = "application"


#: The steps after each rung, named in `ProbeFailure.not_attempted`.
LADDER: tuple[Rung, ...] = (Rung.DNS, Rung.TCP, Rung.TLS, Rung.PROTOCOL, Rung.APPLICATION)


def later_rungs(rung: Rung) -> tuple[Rung, ...]:
    """The rungs after `rung`: what a failure there left unchecked."""
    return LADDER[LADDER.index(rung) + 1:]


@dataclass(frozen=True)
class ProbeFailure:
    """How a probe failed: the rung, a one-line cause in plain words, and that rung's evidence
    (name -> shown value, never a secret). `timed_out` is True when the probe's time ran out
    at this rung rather than getting an answer."""

    rung: Rung
    summary: str
    evidence: dict[str, str] = field(default_factory=dict)
    timed_out: bool = False

    @property
    def not_attempted(self) -> tuple[Rung, ...]:
        return later_rungs(self.rung)

    def to_dict(self) -> dict[str, Any]:
        return {"rung": self.rung.value, "summary": self.summary, "evidence": dict(self.evidence),
                "timed_out": self.timed_out,
                "not_attempted": [r.value for r in self.not_attempted]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProbeFailure:
        return cls(rung=Rung(data["rung"]), summary=data["summary"],
                   evidence=dict(data.get("evidence", {})), timed_out=bool(data.get("timed_out")))


@dataclass(frozen=True)
class TlsCertificate:
    """The peer certificate as far as it could be read (for a TLS failure's evidence)."""

    subject: str
    issuer: str
    sans: tuple[str, ...] = ()
    not_before: str = ""
    not_after: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["sans"] = list(self.sans)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TlsCertificate:
        return cls(subject=data["subject"], issuer=data["issuer"], sans=tuple(data.get("sans", ())),
                   not_before=data.get("not_before", ""), not_after=data.get("not_after", ""))


__all__ = ["LADDER", "ProbeFailure", "Rung", "TlsCertificate", "later_rungs"]
