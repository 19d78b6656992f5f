"""The deploy area's sign-in half, orchestration: run the session probe (and after a sign-out
the Redis read of the revocation key) through the run's probe session, then evaluate with
`authdoctor.checks._app_session` (pure).

It runs only with a test account (`--user` + `--password-env`, or `test_account.email` and
`.password` in deploy.yaml), never with a guessed one, or with a token the user gave (`--token`,
`test_account.token`: the round trip alone, never signed out), and only after probe 1 found Open WebUI
at the app URL. The LDAP sign-in (`POST /api/v1/auths/ldap`) is used when LDAP is on (the app's
`/api/config` or the settings' ENABLE_LDAP) and the login name is not an email address. Sign-out
only with `--signout`. The password is not sent over plain http to a host (or through an http
proxy) off loopback when the public URL is https (users never send it that way: authdoctor would be
the first).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from authdoctor.checks._urls import is_loopback_host
from authdoctor.checks.base import CheckContext, skipped
from authdoctor.findings import Finding

if TYPE_CHECKING:
    from authdoctor.probes.app_session import SessionObservation
    from authdoctor.probes.redis import RedisObservation

AREA = "deploy"
_SALT = os.urandom(16)
"""Keys the memo's digest of the credentials (a memo key never holds the password)."""


def _public_url(ctx: CheckContext) -> str | None:
    from authdoctor.settings.model import UnknownValueError

    try:
        return ctx.deployment.effective_public_url
    except UnknownValueError:
        return None


def wants_session(ctx: CheckContext) -> bool:
    """A test account to sign in with, or a token the user gave (`--token`, test_account.token:
    the round trip only)."""
    account = ctx.deployment.test_account
    return account is not None and ((bool(account.email) and bool(account.password)) or bool(account.token))


def use_ldap(user: str, app_ldap: bool | None, ctx: CheckContext) -> bool:
    """LDAP sign-in for a login name that is not an email, when the app or the settings turn LDAP on."""
    if "@" in user:
        return False
    if app_ldap:
        return True
    if not ctx.deployment.replicas:
        return False
    from authdoctor.openwebui.envread import env_true
    from authdoctor.settings.model import UnknownValueError

    try:
        return env_true(ctx.deployment.env, "ENABLE_LDAP", "false")
    except UnknownValueError:
        return False


async def session_findings(ctx: CheckContext, base: str, app_ldap: bool | None) -> list[Finding]:
    from authdoctor.checks._app_session import evaluate_session, session_settings
    from authdoctor.masking import mask_url
    from authdoctor.probes.app_session import run_session
    from authdoctor.probes.cache import wait_future

    account = ctx.deployment.test_account
    assert account is not None
    given = None if (account.email and account.password) else (account.token or "").strip() or None
    user, password = (account.email or "").strip(), account.password or ""
    if given is not None:
        from authdoctor.errors import UsageError
        from authdoctor.jwt.tokens import extract_token

        with contextlib.suppress(UsageError):  # not a JWT: judged as it is
            given = extract_token(given)
    public = _public_url(ctx)
    try:
        target = urlsplit(base)
        public_scheme = urlsplit(public).scheme.lower() if public else ""
    except ValueError:
        return [skipped(AREA, f"the app URL {mask_url(base)} cannot be used for sign-in")]
    session = ctx.probes
    from authdoctor.probes.http import proxy_for

    # over an http URL a proxy (HTTP_PROXY) reads the body too: it is where the password travels to
    proxy = proxy_for(base, session.environ) if target.scheme.lower() == "http" else None
    try:
        proxy_host = urlsplit(proxy).hostname if proxy else None
    except ValueError:
        proxy_host = "an unusable proxy"
    if proxy is not None and not is_loopback_host(proxy_host):
        carrier = f"{proxy_host} (the proxy {mask_url(proxy)})"
    elif not is_loopback_host(target.hostname):
        carrier = str(target.hostname)
    else:
        carrier = ""
    if target.scheme.lower() == "http" and carrier and public_scheme == "https":
        return [skipped(AREA, (
            f"sign-in not attempted: the {'token' if given else 'password'} would travel over plain "
            f"http to {carrier} "
            f"while users sign in over https ({mask_url(public or '')}); give --url an https address "
            "or the public URL"))]
    signout = ctx.deployment.probe.signout
    ldap = given is None and use_ldap(user, app_ldap, ctx)
    digest = hmac.new(_SALT, repr((user, password, given)).encode("utf-8", "surrogateescape"),
                      hashlib.sha256).hexdigest()
    key = ("app-session", base, digest, ldap, signout)

    def work() -> SessionObservation:
        return run_session(base, user=user, password=password, ldap=ldap, signout=signout,
                           timeout_s=session.timeout_s, verify_tls=session.verify_tls,
                           ca_file=session.ca_file, deadline=session.deadline, environ=session.environ,
                           given_token=given)

    ctx.progress(AREA, f"signing in as {user}" if given is None else "checking the given token")
    observation = await wait_future(session.cache.get(key, work))
    env = ctx.deployment.env if ctx.deployment.replicas else None
    redis, read_at = await _revocation_read(ctx, observation)
    return evaluate_session(observation, public_url=public, settings=session_settings(env),
                            redis=redis, redis_read_at=read_at)


async def _revocation_read(ctx: CheckContext,
                           observation: SessionObservation) -> tuple[RedisObservation | None, float | None]:
    """After a sign-out that revoked the token: the revocation key as the settings' Redis has it
    (read-only GET and TTL through the Redis probe), and when it was read."""
    after = observation.after_signout
    if after is None or after.status != 401 or not ctx.deployment.replicas or not observation.token:
        return None, None
    from authdoctor.checks.redis import redis_target
    from authdoctor.jwt.tokens import MalformedTokenError, decode_token
    from authdoctor.probes.cache import wait_future
    from authdoctor.probes.redis import TokenQuery, inspect_redis
    from authdoctor.settings.model import UnknownValueError

    try:
        target, _ = redis_target(ctx.deployment.env)
    except UnknownValueError:
        return None, None
    if target is None:
        return None, None
    try:
        payload = decode_token(observation.token).payload
    except MalformedTokenError:
        return None, None
    jti, user_id = payload.get("jti"), payload.get("id")
    query = TokenQuery(jti=str(jti) if jti else None, user_id=str(user_id) if user_id else None)
    session = ctx.probes
    digest = hashlib.sha256(repr((target, _SALT)).encode()).hexdigest()
    box: dict[str, float] = {}

    def work() -> RedisObservation:
        result = inspect_redis(target, timeout_s=session.budget(), verify_tls=session.verify_tls,
                               ca_file=session.ca_file, scan=False, token=query)
        box["at"] = time.time()
        return result

    observation_redis = await wait_future(session.cache.get(("app-session-redis", digest, query), work))
    return observation_redis, box.get("at", time.time())
