"""The redis area's live half, evaluation only: a `RedisObservation` (authdoctor.probes.redis)
and the settings to findings. No I/O.

What it rests on (Open WebUI 0.12.4, read in `utils/auth.py` and `utils/redis.py`, recorded live
in openwebui-live-0.12.4 §3.7):

- `invalidate_token` writes `{prefix}:auth:token:{jti}:revoked` = '1' with `EX = exp - now`;
  `is_valid_token` refuses a token whose key exists, and one whose user's
  `{prefix}:auth:user:{id}:revoked_at` is >= its `iat` (or that has no `iat`).
- Any `RedisError` in that check is logged ('Revocation check failed; accepting token') and the
  token is accepted: a Redis that cannot be reached or refuses the credentials makes the app fail
  open (revoked tokens work again), and sign-out answers 500.
- Revocations live only in Redis: no RDB and no AOF loses them at a restart; an `allkeys-*`
  eviction policy may drop them.

Failure modes named here: `redis.unreachable`, `redis.auth-failed`,
`redis.revocation-not-persistent`, `redis.eviction-may-drop-revocations`,
`redis.topology-degraded`, `redis.revocation-key-no-ttl`, `redis.key-prefix-mismatch`,
`redis.revocation-ttl-too-long`, `redis.revocation-keys` (the summary of `redis inspect`) and
`jwt.revoked`; a step that could not be made (CONFIG or INFO refused by an ACL, a scan cut short
by the deadline) is a partial skip that says what was not checked.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from authdoctor.checks.base import finding, skipped
from authdoctor.findings import Finding, Severity
from authdoctor.probes.redis import KeyStats, RedisObservation, TokenState

AREA = "redis"
FAILS_OPEN = ("Open WebUI then fails open: every revocation check raises, is logged as "
              "'Revocation check failed; accepting token' and the token is accepted, so signed-out "
              "tokens work again; sign-out (POST /api/v1/auths/signout) answers 500.")


def _partial(reason: str, fix: str = "") -> Finding:
    return dataclasses.replace(skipped(AREA, reason, fix=fix), partial=True)


def _where(obs: RedisObservation) -> str:
    return f"{obs.topology} Redis at {obs.address}"


def connection_findings(obs: RedisObservation, url_shown: str) -> list[Finding]:
    """`redis.unreachable` (with its rung) and `redis.auth-failed` (which command was refused)."""
    if obs.failure is not None:
        f = obs.failure
        later = ", ".join(r.value for r in f.not_attempted)
        evidence = {"REDIS_URL": url_shown, "failed at": f.rung.value, **f.evidence}
        if later:
            evidence["not attempted"] = later
        return [finding(
            "redis.unreachable",
            f"Redis cannot be reached: {f.summary}",
            detail=f"The {_where(obs)} failed at the {f.rung.value} step: {f.summary}. " + FAILS_OPEN,
            fix=_unreachable_fix(obs),
            evidence=evidence, subject="REDIS_URL")]
    if obs.auth_refused:
        what = {"NOAUTH": "asks for a password and REDIS_URL gives none",
                "WRONGPASS": "refuses the user name or password in REDIS_URL",
                "NOPERM": f"lets the user in but its ACL refuses {obs.refused_command}"}.get(
                    obs.auth_refused, f"refuses {obs.refused_command}")
        return [finding(
            "redis.auth-failed",
            f"Redis {what}",
            detail=(f"The {_where(obs)} answered {obs.refused_command} with {obs.refused_text!r}. "
                    + FAILS_OPEN),
            fix=("Put the right credentials in REDIS_URL (redis://<user>:<password>@host:6379/0, "
                 "URL-encoded) and allow that ACL user GET/SET on '<REDIS_KEY_PREFIX>:*'"
                 + (" (authdoctor also reads INFO and SCAN; a user without them is reported, not "
                    "failed)" if obs.auth_refused == "NOPERM" else "") + "."),
            evidence={"REDIS_URL": url_shown, "command": obs.refused_command, "reply": obs.refused_text},
            subject="REDIS_URL")]
    return []


def _unreachable_fix(obs: RedisObservation) -> str:
    f = obs.failure
    assert f is not None
    if f.rung.value == "dns":
        return ("Fix the host name in REDIS_URL (or REDIS_SENTINEL_HOSTS): it must resolve from the "
                "app's container.")
    if f.rung.value == "tls":
        return ("Trust the Redis server's CA (REDIS_URL ...?ssl_ca_certs=/path/ca.pem, or --ca-file for "
                "authdoctor), or fix the certificate's names.")
    if obs.sentinel is not None or obs.topology == "sentinel":
        return ("Check REDIS_SENTINEL_HOSTS/REDIS_SENTINEL_PORT and that the Sentinels monitor the master "
                "named by REDIS_URL's host part.")
    return ("Make the REDIS_URL host and port reachable from every Open WebUI container (network, "
            "firewall, Redis bind and protected-mode), then run authdoctor again.")


def server_findings(obs: RedisObservation) -> list[Finding]:
    """Persistence and eviction (from INFO and CONFIG GET save)."""
    s = obs.server
    if s is None:
        return []
    if s.info_refused:
        return [_partial(f"persistence and eviction not checked: INFO was refused ({s.info_refused})",
                         fix="Allow the ACL user +info to let authdoctor read them.")]
    out: list[Finding] = []
    where = f"{_where(obs)}" + (f" (master {s.address})" if s.address not in obs.address else "")
    if s.aof_enabled is False:
        if s.save is None:
            out.append(_partial(
                "RDB persistence not checked: CONFIG GET save was refused"
                + (f" ({s.config_refused})" if s.config_refused else "")
                + "; AOF is off, so revocations survive a restart only if RDB snapshots are on",
                fix="Allow the ACL user +config|get, or check `save` in redis.conf by hand."))
        elif not s.save.strip():
            out.append(finding(
                "redis.revocation-not-persistent",
                "Redis keeps revocations in memory only: a restart forgets every sign-out",
                detail=(f"The {where} has neither RDB snapshots (save '') nor AOF (appendonly no). "
                        "Its revocation keys live only in memory: after a restart or failover, every "
                        "token signed out before is accepted again until its exp."),
                fix="Enable persistence on this Redis (appendonly yes, or a save schedule such as "
                    "save 3600 1 300 100 60 10000), or use a managed Redis with persistence.",
                evidence={"server": s.address, "appendonly": "no", "save": "''",
                          "version": s.version or "?"},
                subject="REDIS_URL"))
    policy = (s.maxmemory_policy or "").lower()
    if policy.startswith("allkeys-"):
        evidence = {"server": s.address, "maxmemory-policy": policy,
                    "maxmemory": _bytes(s.maxmemory) if s.maxmemory else "0 (no limit)"}
        if s.evicted_keys is not None:
            evidence["evicted keys since start"] = str(s.evicted_keys)
        out.append(finding(
            "redis.eviction-may-drop-revocations",
            f"maxmemory-policy {policy} may evict revocation keys",
            detail=(f"The {where} evicts any key when it reaches maxmemory, revocation keys included; "
                    "a token whose key was evicted is accepted again."
                    + (f" It has evicted {s.evicted_keys} keys since it started." if s.evicted_keys else "")),
            fix="Set maxmemory-policy noeviction on a Redis dedicated to Open WebUI's state (or give it "
                "enough memory), and keep caches in a separate Redis.",
            evidence=evidence, subject="REDIS_URL"))
    return out


def topology_findings(obs: RedisObservation) -> list[Finding]:
    """Sentinel master/replica state and Cluster slot coverage."""
    out: list[Finding] = []
    if obs.sentinel is not None:
        st = obs.sentinel
        problems = []
        healthy = [r for r in st.replicas if r.link == "ok" and "down" not in r.flags
                   and "disconnected" not in r.flags]
        if not st.replicas:
            problems.append("the master has no replica: a failure of the master loses every revocation")
        elif not healthy:
            problems.append("no replica is connected and in sync (" + ", ".join(
                f"{r.address} {r.flags} link {r.link or '?'}" for r in st.replicas) + ")")
        if st.unreachable:
            problems.append("Sentinels that did not answer: " + "; ".join(st.unreachable))
        if problems:
            out.append(finding(
                "redis.topology-degraded",
                f"Sentinel master {st.master_name!r}: " + problems[0].split(":")[0],
                detail=(_sentence("; ".join(problems)) + ". With Sentinel, revocations survive the "
                        "master's loss only on a replica that is in sync."),
                fix="Bring the replica (or Sentinel) back: redis-cli -p <sentinel port> SENTINEL REPLICAS "
                    f"{st.master_name}.",
                evidence={"sentinel": st.sentinel, "master": f"{st.master_address} ({st.master_flags})",
                          "replicas": ", ".join(f"{r.address} {r.flags} link {r.link}" for r in st.replicas)
                          or "(none)", "other sentinels": str(st.other_sentinels)},
                subject="REDIS_SENTINEL_HOSTS"))
    if obs.cluster is not None:
        c = obs.cluster
        if c.state != "ok" or c.slots_ok < 16384 or c.masters_failed:
            bad = c.state != "ok" or c.slots_ok < 16384
            out.append(finding(
                "redis.topology-degraded",
                (f"Redis Cluster state is {c.state!r}: {16384 - c.slots_ok} of 16384 slots are not served"
                 if bad else "Redis Cluster: some masters could not be read"),
                detail=("Keys that hash to a slot nobody serves cannot be written or read: sign-out answers "
                        "500 and the revocation check fails open for those tokens."
                        if bad else "authdoctor could not read every master: " + "; ".join(c.masters_failed)),
                fix="Run redis-cli --cluster check <host:port> and bring the missing masters back "
                    "(or reassign their slots).",
                evidence={"cluster_state": c.state, "slots assigned": str(c.slots_assigned),
                          "slots ok": str(c.slots_ok), "masters": ", ".join(c.masters) or "(none)",
                          **({"masters not read": "; ".join(c.masters_failed)} if c.masters_failed else {})},
                subject="REDIS_CLUSTER",
                severity=Severity.ERROR if bad else Severity.WARNING))
    return out


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _bytes(n: int) -> str:
    return f"{n / 2**20:g} MiB ({n} bytes)" if n % 2**20 == 0 else f"{n} bytes"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _histogram(keys: KeyStats) -> str:
    return ", ".join(f"{label}: {count}" for label, count in keys.ttl_histogram)


def _duration(seconds: int) -> str:
    if seconds >= 86400:
        return f"{seconds / 86400:.1f} days"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds} s"


def key_findings(obs: RedisObservation, lifetime_shown: str) -> list[Finding]:
    """No TTL, another prefix, TTLs beyond the token lifetime, and an incomplete scan."""
    keys = obs.keys
    out: list[Finding] = []
    if obs.scan_failure is not None:
        f = obs.scan_failure
        out.append(finding(
            "redis.unreachable",
            f"Redis stopped answering during the key scan: {f.summary}",
            detail=(f"The {_where(obs)} answered at first, then failed while its keys were scanned "
                    f"({f.summary}); the counts below are partial. If this happens to the app, "
                    + FAILS_OPEN[len("Open WebUI then "):]),
            fix="Check why the server went away (its log, the OOM killer, a restart) and run authdoctor "
                "again.",
            evidence={"server": obs.address, "failed at": f.rung.value, **f.evidence,
                      **({"keys scanned before": str(keys.scanned)} if keys else {})},
            subject="REDIS_URL"))
    if keys is None:
        return out
    prefix = keys.prefix
    if keys.token_no_ttl:
        out.append(finding(
            "redis.revocation-key-no-ttl",
            f"{keys.token_no_ttl} of {keys.token_keys} revocation keys have no expiry",
            detail=(f"Keys {prefix}:auth:token:<jti>:revoked without a TTL never go away. Open WebUI "
                    "writes them with EX = exp - now, so these were written by something else (a "
                    "restore, a script, PERSIST). They pile up until maxmemory."),
            fix="Give them a TTL or delete those whose token has expired; find what writes them "
                "without EX.",
            evidence={"keys without TTL": str(keys.token_no_ttl), "revocation keys": str(keys.token_keys),
                      "prefix": prefix}, subject="REDIS_KEY_PREFIX"))
    if keys.other_prefix_keys:
        others = ", ".join(f"{name!r}: {count}" for name, count in keys.other_prefixes)
        none_own = keys.token_keys == 0 and keys.user_keys == 0
        out.append(finding(
            "redis.key-prefix-mismatch",
            (f"revocation keys exist only under another prefix than REDIS_KEY_PREFIX={prefix!r}"
             if none_own else f"revocation keys also exist under another prefix than {prefix!r}"),
            detail=(f"{keys.other_prefix_keys} revocation keys are under other prefixes ({others}). "
                    f"Open WebUI with REDIS_KEY_PREFIX={prefix!r} writes and checks "
                    f"{prefix}:auth:token:<jti>:revoked only: a replica (or an earlier version) with "
                    "another prefix revokes where this one never looks, so a token signed out there "
                    "is still accepted here."),
            fix=f"Set the same REDIS_KEY_PREFIX on every replica (unset means open-webui); it is "
                f"{prefix!r} in these settings.",
            evidence={"REDIS_KEY_PREFIX": prefix, "keys under other prefixes": str(keys.other_prefix_keys),
                      "other prefixes": others, "keys under this prefix": str(keys.token_keys)},
            subject="REDIS_KEY_PREFIX"))
    if keys.ttl_over_limit and keys.ttl_limit_s is not None:
        out.append(finding(
            "redis.revocation-ttl-too-long",
            f"{_count(keys.ttl_over_limit, 'revocation key lives', 'revocation keys live')} longer than "
            f"JWT_EXPIRES_IN ({lifetime_shown})",
            detail=(f"The longest TTL is {_duration(keys.ttl_max_s or 0)}, but a token issued with "
                    f"JWT_EXPIRES_IN={lifetime_shown} lives at most {_duration(keys.ttl_limit_s)}, and the "
                    "app's revocation key lives exactly as long as the token still has. The running "
                    "app issues longer-lived tokens than these settings say: after the first start "
                    "the database value auth.jwt_expiry wins over JWT_EXPIRES_IN."),
            fix="Compare JWT_EXPIRES_IN with Admin > Settings > General > JWT Expiration and make "
                "them (and every replica) agree.",
            evidence={"JWT_EXPIRES_IN": lifetime_shown, "keys over it": str(keys.ttl_over_limit),
                      "longest TTL": _duration(keys.ttl_max_s or 0), "TTL histogram": _histogram(keys)},
            subject="JWT_EXPIRES_IN"))
    if not keys.complete and obs.scan_failure is None:
        out.append(_partial(f"the key scan stopped after {keys.scanned} keys: {keys.stopped}; the "
                            "counts are partial", fix="Raise --timeout to scan every key."))
    return out


def summary_finding(obs: RedisObservation) -> Finding | None:
    """`redis.revocation-keys`: what `redis inspect` counted (only there)."""
    keys = obs.keys
    if keys is None:
        return None
    evidence: dict[str, str] = {"server": obs.address}
    if obs.server is not None:
        s = obs.server
        evidence["version"] = s.version or "?"
        evidence["persistence"] = ("AOF" if s.aof_enabled else "") + (
            (" + " if s.aof_enabled and s.save else "") + f"RDB (save {s.save})" if s.save else "") or (
            "none" if s.save == "" and s.aof_enabled is False else "unknown")
        evidence["maxmemory-policy"] = s.maxmemory_policy or "unknown"
    evidence.update({
        "revocation keys": str(keys.token_keys), "without TTL": str(keys.token_no_ttl),
        "TTL histogram": _histogram(keys),
        "longest TTL": _duration(keys.ttl_max_s) if keys.ttl_max_s is not None else "-",
        "per-user revoked_at keys": str(keys.user_keys),
        "under other prefixes": str(keys.other_prefix_keys),
        "scanned": f"{_count(keys.scanned, 'key', 'keys')} matching *:auth:* on "
                   f"{_count(keys.nodes, 'node', 'nodes')}"
                   + ("" if keys.complete else " (incomplete)"),
    })
    return finding(
        "redis.revocation-keys",
        f"{_count(keys.token_keys, 'revoked token', 'revoked tokens')} and "
        f"{_count(keys.user_keys, 'per-user revocation', 'per-user revocations')} under "
        f"{keys.prefix!r}",
        detail=("Counted with SCAN and pipelined TTL (read-only). Each key is a token signed out "
                "before its expiry; it vanishes when the token would have expired."),
        fix="Nothing to fix: this is a summary.", evidence=evidence, subject="REDIS_KEY_PREFIX")


def token_findings(obs: RedisObservation, payload: Mapping[str, Any] | None, now: datetime) -> list[Finding]:
    """`jwt.revoked`: the token's jti key, or its user's revoked_at at or after its iat."""
    state: TokenState | None = obs.token
    if state is None:
        return []
    out: list[Finding] = []
    if state.revoked:
        ttl = state.revoked_ttl_s
        left = f", for {_duration(ttl)} more" if ttl and ttl > 0 else ""
        out.append(_revoked(
            f"the token is revoked (signed out): {obs.prefix}:auth:token:<jti>:revoked exists{left}",
            "Open WebUI refuses it with 401 'Invalid token' on every request.",
            {"jti": str(state.jti), "key": f"{obs.prefix}:auth:token:{state.jti}:revoked",
             "TTL": f"{state.revoked_ttl_s} s" if state.revoked_ttl_s is not None else "?"}))
    if state.user_revoked_at is not None:
        iat = (payload or {}).get("iat")
        try:
            revoked_at = int(state.user_revoked_at)
        except ValueError:
            revoked_at = None
        if revoked_at is not None and (not isinstance(iat, int | float) or iat <= revoked_at):
            when = datetime.fromtimestamp(revoked_at, tz=now.tzinfo).isoformat() if 0 <= revoked_at < 2**33 \
                else str(revoked_at)
            out.append(_revoked(
                f"every token of user {state.user_id} issued at or before {when} is revoked",
                ("The per-user key (written on OIDC back-channel logout) is at or after this token's "
                 + ("iat" if isinstance(iat, int | float) else "issue time (the token has no iat, which "
                    "the app treats as older)") + ": Open WebUI refuses it with 401 'Invalid token'."),
                {"user id": str(state.user_id), "revoked_at": str(revoked_at),
                 "iat": str(iat) if iat is not None else "<absent>"}))
    return out


def _revoked(title: str, detail: str, evidence: dict[str, str]) -> Finding:
    return finding("jwt.revoked", title, detail=detail,
                   fix="Sign in again and use the new token; clients must drop the old Authorization "
                       "header after sign-out.",
                   evidence=evidence, subject="token")


def live_findings(obs: RedisObservation, *, url_shown: str, lifetime_shown: str,
                  payload: Mapping[str, Any] | None, now: datetime, summary: bool = False) -> list[Finding]:
    """Every finding of one observation, in the order an operator reads them."""
    found = connection_findings(obs, url_shown)
    if found and obs.server is None:
        return found
    out = [*found, *server_findings(obs), *topology_findings(obs), *token_findings(obs, payload, now),
           *key_findings(obs, lifetime_shown)]
    if summary:
        extra = summary_finding(obs)
        if extra is not None:
            out.append(extra)
    return out
