"""`authdoctor jwt decode` and `jwt verify`: read the token, analyse it, emit, return the exit code
(0 nothing at or above --fail-on, 1 findings at or above it, 2 usage errors via the CLI boundary).

Secrets: the token itself is shown only as `mask_token()`, URLs through `mask_url()`. As a safety
net, the token, its signature segment, the secret and any key file's text go to a `Redactor` that
runs over each string of the document before it is rendered (never over the rendered text, which
a secret equal to a JSON key or keyword would corrupt). Claims are shown: they are not secret.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from authdoctor.errors import UsageError
from authdoctor.findings import Finding, Severity
from authdoctor.jwt.report import JwtReport
from authdoctor.jwt.tokens import DecodedToken

if TYPE_CHECKING:
    from authdoctor.deadline import Deadline, Phase
    from authdoctor.jwt.verify import KeySet, Verification



class Analysis(NamedTuple):
    report: JwtReport
    token: DecodedToken | None
    secrets: tuple[str, ...]


def masked(text: str) -> str:
    """The token as it may be shown: its shape only. Input that does not even start like a JWT
    header (a pasted password, say) is shown by its length alone."""
    from authdoctor.masking import mask_token

    return mask_token(text) if text.startswith("eyJ") else f"<input, {len(text)} chars>"


def analyse(text: str, *, command: str, now: datetime, leeway_s: float, fail_on: Severity) -> Analysis:
    """Decode and run every check that needs no key."""
    from authdoctor.jwt.claims import alg_findings, claim_hints, malformed_finding, time_findings, token_times
    from authdoctor.jwt.tokens import MalformedTokenError, decode_token
    from authdoctor.jwt.weak_secrets import weak_secret_findings

    secrets = (text,)
    try:
        token = decode_token(text)
    except MalformedTokenError as error:
        report = JwtReport(command=command, token=masked(text), fail_on=fail_on,
                           findings=(malformed_finding(error),))
        return Analysis(report, None, secrets)
    times = token_times(token, now, leeway_s)
    findings = [*alg_findings(token), *time_findings(token, times), *weak_secret_findings(token)]
    report = JwtReport(command=command, token=masked(text), fail_on=fail_on, header=token.header,
                       payload=token.payload, times=times, hints=tuple(claim_hints(token, times)),
                       findings=tuple(findings))
    return Analysis(report, token, (*secrets, token.signature_b64))


def emit(report: JwtReport, secrets: Sequence[str], *, as_json: bool) -> None:
    from authdoctor.output import write_output

    write_output(render(report, secrets, as_json=as_json), None)


def render(report: JwtReport, secrets: Sequence[str], *, as_json: bool) -> str:
    from authdoctor.jwt.report import redact_document, render_json, render_text
    from authdoctor.masking import Redactor
    from authdoctor.output import GlobalState, color_enabled, terminal_width

    redactor = Redactor(secrets)
    document = redact_document(report.to_dict(), redactor)
    if as_json:
        text = render_json(document)
    else:
        text = render_text(document, color=color_enabled(sys.stdout, GlobalState.no_color),
                           width=terminal_width())
    return text


def _common(token_arg: str, now: str | None, fail_on: str) -> tuple[str, datetime, Severity]:
    from authdoctor.clock import parse_now, utcnow
    from authdoctor.commands.common import parse_fail_on, read_token_argument
    from authdoctor.jwt.tokens import extract_token

    threshold = parse_fail_on(fail_on)
    moment = parse_now(now) if now is not None else utcnow()
    return extract_token(read_token_argument(token_arg)), moment, threshold


def run_jwt_decode(*, token: str, as_json: bool, now: str | None, fail_on: str, leeway: float,
                   redis_url: str | None = None, redis_prefix: str = "open-webui") -> int:
    if redis_url is not None:
        _check_redis_url(redis_url)
    text, moment, threshold = _common(token, now, fail_on)
    analysis = analyse(text, command="decode", now=moment, leeway_s=leeway, fail_on=threshold)
    secrets: tuple[str, ...] = tuple(analysis.secrets)
    if redis_url is not None and analysis.token is not None:
        found = revocation_findings(analysis.token.payload, redis_url, redis_prefix, moment)
        analysis.report.findings = (*analysis.report.findings, *found)
        secrets = (*secrets, redis_url, *_url_secrets(redis_url))
    emit(analysis.report, secrets, as_json=as_json)
    return int(analysis.report.exit_code)


def _check_redis_url(url: str) -> None:
    from authdoctor.checks.redis import standalone_url_problem
    from authdoctor.masking import mask_url

    problem = standalone_url_problem(url)
    if problem is not None:
        raise UsageError(f"--redis-url {mask_url(url)!r}: {problem}")


def _url_secrets(url: str) -> list[str]:
    from urllib.parse import unquote, urlsplit

    try:
        parts = urlsplit(url)
        return [value for value in (parts.password, unquote(parts.password or "")) if value]
    except ValueError:
        return []


def revocation_findings(payload: dict[str, object], url: str, prefix: str, now: datetime) -> list[Finding]:
    """`jwt decode --redis-url`: the token's revocation keys, looked up as Open WebUI's
    is_valid_token does (GET of the jti key and the user's revoked_at; read-only, no retries,
    5 s per step): `jwt.revoked`, or why the lookup failed (`redis.unreachable`,
    `redis.auth-failed`)."""
    from authdoctor.checks._redis_live import connection_findings, token_findings
    from authdoctor.masking import mask_url
    from authdoctor.probes.redis import RedisTarget, TokenQuery, inspect_redis

    jti, user = payload.get("jti"), payload.get("id")
    query = TokenQuery(jti=str(jti) if jti else None, user_id=str(user) if user else None)
    observation = inspect_redis(RedisTarget(url=url, prefix=prefix), timeout_s=5.0, scan=False, token=query)
    found = connection_findings(observation, mask_url(url))
    return [*found, *token_findings(observation, payload, now)]


# --------------------------------------------------------------------------- verify


class KeyOptions(NamedTuple):
    secret_env: str | None = None
    secret_file: str | None = None
    key: str | None = None
    jwks: str | None = None
    ca_file: str | None = None
    timeout_s: float = 5.0
    deadline: Deadline | None = None  # for fetching a --jwks URL; the whole run's, less a reserve


def _load_keys(options: KeyOptions) -> tuple[KeySet | None, list[Finding], list[str]]:
    """(KeySet or None, findings about the key source, secret values for the redactor)."""
    from authdoctor.jwt.verify import jwks_keyset, load_key_file, read_key_file, secret_keyset

    sources = (("--secret-env", options.secret_env), ("--secret-file", options.secret_file),
               ("--key", options.key), ("--jwks", options.jwks))
    given = [name for name, value in sources if value]
    if len(given) != 1:
        raise UsageError("give exactly one key: --secret-env NAME, --secret-file FILE, --key FILE (PEM, JWK) "
                         f"or --jwks URL|FILE{' (got ' + ', '.join(given) + ')' if given else ''}, or "
                         "--issuer URL alone to find the JWKS through discovery")
    if options.secret_env:
        value = os.environ.get(options.secret_env)
        if value is None:
            from authdoctor.masking import shown_argument

            raise UsageError(f"--secret-env {shown_argument(options.secret_env, 'name')}: that "
                             "environment variable is not set (give the variable's name, not the secret)")
        # os.environ keeps bytes that are not UTF-8 as surrogate escapes: these are the real bytes
        return secret_keyset(value.encode("utf-8", "surrogateescape"), options.secret_env), [], [value]
    if options.secret_file:
        data = read_key_file(options.secret_file, "--secret-file")
        # Like the shell's $(cat FILE), which is how start.sh loads .webui_secret_key.
        secret = data.rstrip(b"\r\n")
        text = secret.decode("utf-8", errors="replace")
        return secret_keyset(secret, options.secret_file), [], [text]
    if options.key:
        keyset, data = load_key_file(options.key)
        return keyset, [], [data.decode("utf-8", errors="replace")]
    assert options.jwks is not None
    from authdoctor.jwt.jwks import is_url

    if is_url(options.jwks):
        return _jwks_from_url(options)
    import json

    data = read_key_file(options.jwks, "--jwks")
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise UsageError(f"--jwks {options.jwks}: not a JSON document") from None
    keyset, _ = jwks_keyset(document, options.jwks, strict=True)
    return keyset, [], [data.decode("utf-8", errors="replace")]


def _usable_url(url: str) -> bool:
    """False for a URL `check_url` refuses (e.g. 'http://[::1/j'): from a provider's document
    that is the provider's fault, a finding, not the user's usage error."""
    from authdoctor.errors import UsageError
    from authdoctor.jwt.jwks import check_url

    try:
        check_url(url)
    except UsageError:
        return False
    return True


def _jwks_from_url(options: KeyOptions) -> tuple[KeySet | None, list[Finding], list[str]]:
    import json

    from authdoctor.errors import ProbeError
    from authdoctor.jwt.codes import make_finding
    from authdoctor.jwt.jwks import check_url, fetch_jwks, is_loopback_url
    from authdoctor.jwt.verify import jwks_keyset
    from authdoctor.localfiles import check_regular_file
    from authdoctor.masking import credential_parts, mask_url

    url = check_url(options.jwks or "")
    if options.ca_file is not None:
        check_regular_file(options.ca_file, "--ca-file")
    shown = mask_url(url)
    secrets = credential_parts(url)
    findings: list[Finding] = []
    if url.lower().startswith("http://") and not is_loopback_url(url):
        findings.append(make_finding(
            "oidc.insecure-endpoint", f"The JWKS is fetched over plain http: {shown}",
            detail=("Anyone on the network path can replace the keys and so get their own tokens "
                    "accepted. OpenID Connect requires TLS for every endpoint."),
            fix="Use the https jwks_uri from the provider's discovery document.",
            evidence={"url": shown}, subject=shown))
    try:
        body = fetch_jwks(url, timeout_s=options.timeout_s, ca_file=options.ca_file,
                          deadline=options.deadline)
    except ProbeError as error:
        findings.append(make_finding(
            "oidc.jwks-unreachable", f"The JWKS at {shown} cannot be fetched: {error}",
            detail=(f"Failed at the {error.stage} stage, so no signature could be checked. An app that "
                    "verifies tokens from this provider fails the same way."),
            fix=("Check the URL (the provider's discovery document names it as jwks_uri), that this "
                 "machine can reach it, and for TLS errors the CA (--ca-file)."),
            evidence={"url": shown, "stage": error.stage}, subject=shown))
        return None, findings, secrets
    problems: list[str] = []
    keyset = None
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        problems.append("the answer is not JSON")
    else:
        keyset, problems = jwks_keyset(document, shown, strict=False)
    if problems:
        findings.append(make_finding(
            "oidc.jwks-invalid", f"The JWKS at {shown} is not usable: {'; '.join(problems)}",
            detail="Verifiers cannot pick a signing key from it, so tokens from this provider fail.",
            fix="Point at the provider's real jwks_uri (from its discovery document) and check its keys.",
            evidence={"url": shown}, subject=shown))
    return keyset, findings, secrets


def _jwks_from_issuer(issuer: str,
                      options: KeyOptions) -> tuple[KeySet | None, list[Finding], list[str], str]:
    """`--issuer` without a key option: fetch `{issuer}/.well-known/openid-configuration` (the URL
    itself when it already is a discovery URL), read `jwks_uri` and fetch the key set, with the
    same network policy as a --jwks URL. Returns the key set, the findings about discovery and
    keys, secret values for the redactor, and the discovered issuer (the token's iss must equal
    it exactly, as the app's OAuth library checks: rule K2), or the issuer the URL names (its
    credentials masked) when there is no document."""
    import json

    from authdoctor.checks.oidc import discovery_url, expected_issuer
    from authdoctor.errors import ProbeError
    from authdoctor.jwt.codes import make_finding
    from authdoctor.jwt.jwks import check_url, fetch_jwks, is_loopback_url, is_url
    from authdoctor.localfiles import check_regular_file
    from authdoctor.masking import credential_parts, mask_url

    url = check_url(issuer.strip(), option="--issuer")
    if not is_url(url):
        raise UsageError(f"--issuer {mask_url(url)!r}: give the issuer URL, https://... (the JWKS is "
                         "found through its discovery document)")
    if options.ca_file is not None:
        check_regular_file(options.ca_file, "--ca-file")
    fetched, appended = discovery_url(url)
    named = url if appended else (expected_issuer(fetched) or url)
    shown = mask_url(fetched)
    secrets = credential_parts(url)
    findings: list[Finding] = []
    if url.lower().startswith("http://") and not is_loopback_url(url):
        findings.append(make_finding(
            "oidc.insecure-endpoint", f"The discovery document is fetched over plain http: {shown}",
            detail=("Anyone on the network path can replace the metadata, and with it the keys. OpenID "
                    "Connect requires TLS for every endpoint."),
            fix="Use the provider's https issuer URL.", evidence={"url": shown}, subject=shown))
    try:
        body = fetch_jwks(fetched, timeout_s=options.timeout_s, ca_file=options.ca_file,
                          deadline=options.deadline)
    except ProbeError as error:
        findings.append(make_finding(
            "oidc.discovery-unreachable", f"The discovery document at {shown} cannot be fetched: {error}",
            detail=(f"Failed at the {error.stage} stage, so the keys (jwks_uri) are unknown and no "
                    "signature could be checked. Open WebUI fetches the same document at sign-in."),
            fix=("Check the issuer URL (the token's iss names it), that this machine can reach it, and "
                 "for TLS errors the CA (--ca-file); or give the keys with --jwks URL."),
            evidence={"url": shown, "stage": error.stage}, subject=shown))
        return None, findings, secrets, mask_url(named)
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        preview = body[:80].decode("utf-8", errors="replace").replace("\n", " ")
        findings.append(make_finding(
            "oidc.discovery-not-json", f"The discovery document at {shown} is not JSON",
            detail=f"It starts with {preview!r}; the keys cannot be found from it.",
            fix="Give the issuer URL exactly as the token's iss names it, or the keys with --jwks URL.",
            evidence={"url": shown}, subject=shown))
        return None, findings, secrets, mask_url(named)
    jwks_uri = document.get("jwks_uri") if isinstance(document, dict) else None
    if not isinstance(jwks_uri, str) or not is_url(jwks_uri) or not _usable_url(jwks_uri):
        findings.append(make_finding(
            "oidc.discovery-invalid", f"The discovery document at {shown} names no usable jwks_uri",
            detail="OpenID Connect Discovery §3 requires jwks_uri: without it no key is known.",
            fix="Give the keys with --jwks URL, or fix the provider's metadata.",
            evidence={"url": shown}, subject=shown))
        return None, findings, secrets, mask_url(named)
    discovered = document.get("issuer")
    discovered = discovered if isinstance(discovered, str) else None
    if discovered is not None and discovered != named:
        from dataclasses import replace

        from authdoctor.findings import Severity

        # as the oidc area: authlib checks tokens against the document's issuer, so a difference
        # of only a trailing slash is a warning (the OIDF suite tolerates it too)
        slash_only = discovered.rstrip("/") == named.rstrip("/")
        mismatch = make_finding(
            "oidc.issuer-mismatch",
            f"The discovery document's issuer is {discovered!r}, not {mask_url(named)!r}",
            detail=("The issuer in the document must be identical to the one its URL names (OpenID "
                    "Connect Discovery §4.3). The token is compared with the document's issuer, as "
                    "Open WebUI's OAuth library does."),
            fix=("Use the issuer exactly as the provider publishes it (trailing slash included), or "
                 "fix the provider's public URL setting."),
            evidence={"issuer in the document": discovered, "issuer the URL names": mask_url(named)},
            subject=shown)
        findings.append(replace(mismatch, severity=Severity.WARNING) if slash_only else mismatch)
    keyset, key_findings, key_secrets = _jwks_from_url(options._replace(jwks=jwks_uri))
    return keyset, [*findings, *key_findings], [*secrets, *key_secrets], discovered or mask_url(named)


def run_jwt_verify(*, token: str, keys: KeyOptions, algorithms: Sequence[str], leeway: float,
                   issuer: str | None, audience: str | None, as_json: bool, now: str | None,
                   fail_on: str) -> int:
    """`--timeout` bounds the whole run: fetching a --jwks URL stops a reserve before the deadline
    (an `oidc.jwks-unreachable` finding at stage `timeout`), and everything else runs under the
    deadline too (exit 3 with one line if it overruns), see `authdoctor.deadline`."""
    from authdoctor.deadline import MIN_TIMEOUT_S, Deadline, Phase, call_before, check_seconds, render_reserve
    from authdoctor.jwt.verify import parse_algorithms
    from authdoctor.output import write_output

    deadline = Deadline(check_seconds("--timeout", keys.timeout_s, minimum=MIN_TIMEOUT_S))
    # `-` reads the token from stdin, which a writer may keep open: that read is under the
    # deadline too (review of issue 7: it waited for the writer, then blamed the key).
    text, moment, threshold = call_before(deadline, lambda: _common(token, now, fail_on),
                                          phase=Phase("while reading the token"))
    allowed = parse_algorithms(algorithms)
    keys = keys._replace(deadline=deadline.earlier(render_reserve(deadline.seconds)))
    phase = Phase("while loading the key")

    def work() -> tuple[str, int]:
        report, secrets = _verify(text, keys, allowed, leeway=leeway, issuer=issuer, audience=audience,
                                  moment=moment, threshold=threshold, phase=phase)
        phase.text = "while rendering the report"
        return render(report, secrets, as_json=as_json), int(report.exit_code)

    rendered, code = call_before(deadline, work, phase=phase)
    write_output(rendered, None)
    return code


def _verify(text: str, keys: KeyOptions, allowed: tuple[str, ...], *, leeway: float, issuer: str | None,
            audience: str | None, moment: datetime, threshold: Severity,
            phase: Phase) -> tuple[JwtReport, list[str]]:
    from dataclasses import replace

    from authdoctor.jwt.verify import Verification, expectation_findings, usable_keys, verify_signature

    key_given = any((keys.secret_env, keys.secret_file, keys.key, keys.jwks))
    if issuer is not None and not key_given:  # the keys come from the issuer's discovery document
        keyset, key_findings, key_secrets, issuer = _jwks_from_issuer(issuer, keys)
    else:
        keyset, key_findings, key_secrets = _load_keys(keys)
    phase.text = "while checking the token"
    analysis = analyse(text, command="verify", now=moment, leeway_s=leeway, fail_on=threshold)
    report = analysis.report
    findings = [*report.findings, *key_findings]
    verification: Verification | None = None
    if analysis.token is not None:
        if keyset is not None and usable_keys(keyset):
            verification, signature_findings = verify_signature(analysis.token, keyset, allowed)
            findings += signature_findings
        else:
            from authdoctor.masking import mask_url

            # No key could be loaded, or none in the set is usable: the key findings say why, and
            # no signature finding is added (there is nothing to compare the token's alg with).
            source = keyset.source if keyset is not None else mask_url(keys.jwks or issuer or "")
            verification = Verification(verified=False, algorithm=analysis.token.alg,
                                        allowed_algorithms=allowed, key_source=source,
                                        note="no usable key (see the findings)")
        verification = replace(verification, issuer=issuer, audience=audience)
        findings += expectation_findings(analysis.token, issuer, audience)
        if verification.verified:
            from authdoctor.jwt.claims import openwebui_claim_findings

            findings += openwebui_claim_findings(analysis.token)
    report.findings = tuple(findings)
    report.verification = verification
    return report, [*analysis.secrets, *key_secrets]
