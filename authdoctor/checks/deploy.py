"""The running app: is it reachable, is it Open WebUI 0.12.4, and does it run the checked settings.

Live half only (`check_live`, unless --offline); it needs an app URL: `--url` (an internal
address), else the public URL (deploy.yaml `public_url`, `--public-url`, else `WEBUI_URL`).
Without one it says so as a skip. Probes, through the run's probe session (the oauth area reads
the same cached `/api/config`), GETs only, no credentials, no redirects followed:

- `GET /health` -> `{"status":true}`, `GET /api/version` -> `{"version":"0.12.4",...}`,
  `GET /api/config` (anonymous): name, version, `features` (auth, auth_trusted_header,
  enable_ldap, enable_signup, enable_login_form) and `oauth.providers`
  (openwebui-live-0.12.4 §3.1).
- `GET /opensearch.xml`: 0.12.4 serves it without sign-in (main.py `get_opensearch_xml`, no auth
  dependency) with `<moz:SearchForm>` set to `Config.get('webui.url')`, the database copy of
  WEBUI_URL: the public URL the app really uses.

Failure modes named by `evaluate` (pure: observations + settings in, findings out):

- `deploy.unreachable`: `/api/config` got no answer (the first failed rung of the ladder with its
  evidence), or a proxy answered 502/503/504 (Open WebUI behind it is down or starting).
- `deploy.not-openwebui`: an answer that is not Open WebUI's `/api/config` JSON (an HTML page, a
  login wall: 401/403 or a redirect, a 404): status, content type and the first bytes.
- `deploy.version-unexpected`: the app says another version than 0.12.4, which authdoctor's
  knowledge is about.
- `deploy.config-differs`: an auth feature the app advertises disagrees with the checked settings
  (WEBUI_AUTH, WEBUI_AUTH_TRUSTED_EMAIL_HEADER, ENABLE_LDAP, ENABLE_LOGIN_FORM, ENABLE_SIGNUP=false
  while the app offers sign-up, OAuth providers): the app runs other settings, or the database
  copy (persistent config) wins over the file.
- `deploy.public-url-differs`: the app's effective public URL is not WEBUI_URL of the settings:
  the database copy wins (0.12.4 copies WEBUI_URL into its config table on the first start).
- `deploy.app-summary` (info, `app probe` only): what the running app advertises.

With a test account (`--user` + `--password-env`, or deploy.yaml `test_account`), probes 2-4
follow once the URL answered like Open WebUI: the sign-in, its cookies (judged against the public
URL), the session round trip and the opt-in `--signout`; orchestration in
`authdoctor.checks._app_session_run`, evaluation in `authdoctor.checks._app_session`, I/O in
`authdoctor.probes.app_session`.

The oauth area's app part reports an unreachable app as its own skip and is left as it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from authdoctor.checks.base import CheckContext, CheckSpec, finding, skipped
from authdoctor.findings import Finding
from authdoctor.masking import mask_url

if TYPE_CHECKING:
    from authdoctor.probes.http import HttpObservation
    from authdoctor.settings.model import Deployment, EnvSource

AREA = "deploy"
EXPECTED_VERSION = "0.12.4"
PATHS = ("/health", "/api/version", "/api/config", "/opensearch.xml")
PROXY_DOWN = frozenset({502, 503, 504})
FIRST_BYTES = 160


def app_base(deployment: Deployment) -> str | None:
    """Where the app is reached: `--url`, else the public URL; None when neither is known."""
    url = deployment.app_url or deployment.effective_public_url
    return url.rstrip("/") if url else None


@dataclass(frozen=True)
class AppObservations:
    """The app's answers at `base_url` (each path GET once)."""

    base_url: str
    health: HttpObservation
    version: HttpObservation
    config: HttpObservation
    opensearch: HttpObservation


@dataclass(frozen=True)
class Features:
    """What the app's anonymous `/api/config` advertises."""

    version: str
    auth: bool | None
    trusted_header: bool | None
    ldap: bool | None
    signup: bool | None
    login_form: bool | None
    providers: tuple[str, ...]


@dataclass(frozen=True)
class SettingsView:
    """The same features as the checked settings turn them on (0.12.4 defaults)."""

    auth: bool
    trusted_header: bool
    ldap: bool
    signup: bool
    login_form: bool
    providers: tuple[str, ...]
    oauth_on: bool
    webui_url: str | None


def settings_view(env: EnvSource) -> SettingsView:
    from authdoctor.openwebui.envread import env_true, getenv
    from authdoctor.openwebui.oauth import configured_providers

    webui_url = env.get("WEBUI_URL")
    return SettingsView(
        auth=env_true(env, "WEBUI_AUTH", "True"),
        trusted_header=bool(getenv(env, "WEBUI_AUTH_TRUSTED_EMAIL_HEADER", "")),
        ldap=env_true(env, "ENABLE_LDAP", "false"),
        signup=env_true(env, "ENABLE_SIGNUP", "True"),
        login_form=env_true(env, "ENABLE_LOGIN_FORM", "True"),
        providers=tuple(configured_providers(env)),
        oauth_on=env_true(env, "ENABLE_OAUTH", "True"),
        webui_url=webui_url.strip() or None if webui_url is not None else None)


async def check_live(ctx: CheckContext, *, summary: bool = False) -> list[Finding]:
    import asyncio  # here: the registry imports every check module, --offline runs too

    base = app_base(ctx.deployment)
    if base is None:
        return [skipped(AREA, "no app URL (give --url, --public-url or WEBUI_URL); the running app "
                              "was not contacted")]
    from authdoctor.checks._urls import URLProblem, parse_absolute

    try:
        parse_absolute(base)
    except URLProblem:
        return [skipped(AREA, f"the app URL {mask_url(base)} is not an absolute URL (the config "
                              "area says why); the running app was not contacted")]
    health, version, config, opensearch = await asyncio.gather(
        *(ctx.probes.http_get_async(f"{base}{path}") for path in PATHS))
    observed = AppObservations(base, health, version, config, opensearch)
    settings = settings_view(ctx.deployment.env) if ctx.deployment.replicas else None
    findings = evaluate(observed, settings, summary=summary)
    # Probes 2-4 (sign-in, session round trip, --signout): only with a test account, and only
    # when the URL answered like Open WebUI (see authdoctor.checks._app_session_run).
    from authdoctor.checks._app_session_run import session_findings, wants_session

    features = parse_features(config) if config.answered and config.status not in PROXY_DOWN else None
    if wants_session(ctx):
        if features is not None:
            findings.extend(await session_findings(ctx, base, features.ldap))
        else:
            findings.append(skipped(AREA, "the sign-in with the test account (or --token's round trip) "
                                          "was not attempted: the app URL did not answer as Open WebUI "
                                          "(see above)"))
    return findings


# --------------------------------------------------------------------------- evaluation


def _json(obs: HttpObservation) -> Any:
    if not obs.answered or obs.status != 200:
        return None
    try:
        return json.loads(obs.body)
    except (ValueError, RecursionError):
        return None


def first_bytes(obs: HttpObservation) -> str:
    """The start of the body on one line (no secret: an anonymous page)."""
    text = obs.body[:FIRST_BYTES].decode("utf-8", "replace")
    text = re.sub(r"\s+", " ", text).strip()
    return repr(text + ("…" if len(obs.body) > FIRST_BYTES else ""))


def _flag(features: Mapping[str, Any], name: str) -> bool | None:
    value = features.get(name)
    return value if isinstance(value, bool) else None


def parse_features(config: HttpObservation) -> Features | None:
    """The advertised features, or None when the answer is not Open WebUI's `/api/config`."""
    data = _json(config)
    if not isinstance(data, dict):
        return None
    features = data.get("features")
    oauth = data.get("oauth")
    providers = oauth.get("providers") if isinstance(oauth, dict) else None
    if not isinstance(features, dict) or not isinstance(providers, dict) or "version" not in data:
        return None
    return Features(version=str(data.get("version")), auth=_flag(features, "auth"),
                    trusted_header=_flag(features, "auth_trusted_header"),
                    ldap=_flag(features, "enable_ldap"), signup=_flag(features, "enable_signup"),
                    login_form=_flag(features, "enable_login_form"),
                    providers=tuple(sorted(str(k) for k in providers)))


def opensearch_url(obs: HttpObservation) -> str | None:
    """`<moz:SearchForm>` of `/opensearch.xml`: the app's effective WEBUI_URL (None: not served)."""
    if not obs.answered or obs.status != 200:
        return None
    match = re.search(r"<moz:SearchForm>([^<]*)</moz:SearchForm>", obs.body.decode("utf-8", "replace"))
    return match.group(1).strip() if match else None


def _answer_evidence(obs: HttpObservation) -> dict[str, str]:
    evidence = {"GET": mask_url(obs.url), "status": f"{obs.status} {obs.reason}".strip(),
                "content type": obs.content_type or "(none)", "first bytes": first_bytes(obs)}
    location = obs.headers.get("location")
    if location:
        evidence["redirects to"] = mask_url(location)
    if obs.proxy:
        evidence["proxy"] = obs.proxy
    return evidence


def evaluate(observed: AppObservations, settings: SettingsView | None, *,
             summary: bool = False) -> list[Finding]:
    """Every finding from the app's answers (see the module docstring)."""
    shown = mask_url(observed.base_url)
    config = observed.config
    if not config.answered:
        return [_unreachable(observed, shown)]
    if config.status in PROXY_DOWN:
        return [finding(
            "deploy.unreachable",
            f"the app at {shown} answers {config.status}: Open WebUI behind the proxy is down or starting",
            detail=(f"GET {CONFIG} answered {config.status} {config.reason}".rstrip() + ". A proxy "
                    "answers this when it cannot reach Open WebUI: the container is stopped, "
                    "crashing at startup, still starting (11-16 s on 0.12.4), or the proxy points at "
                    "the wrong address or port. The other live steps were not attempted."),
            fix=("Look at the container's state and logs (docker ps / docker logs), then at the "
                 "proxy's upstream address; GET /health must answer {\"status\":true}."),
            evidence={**_answer_evidence(config), "rung": "protocol",
                      "not attempted": "the version, the advertised features, the public URL"},
            subject=shown)]
    features = parse_features(config)
    if features is None:
        return [_not_openwebui(config, shown)]
    findings: list[Finding] = []
    version = features.version
    version_json = _json(observed.version)
    if isinstance(version_json, dict) and isinstance(version_json.get("version"), str):
        version = version_json["version"]
    if version != EXPECTED_VERSION:
        findings.append(finding(
            "deploy.version-unexpected",
            f"the app at {shown} is Open WebUI {version}, not {EXPECTED_VERSION}",
            detail=(f"/api/version says {version!r}. authdoctor's checks follow Open WebUI "
                    f"{EXPECTED_VERSION}; settings, defaults and the app's answers may differ in "
                    "other versions, so read the findings with that in mind."),
            fix=f"Compare with the release notes between {version} and {EXPECTED_VERSION}.",
            evidence={"app": shown, "version": version, "expected": EXPECTED_VERSION}, subject=shown))
    public = opensearch_url(observed.opensearch)
    if settings is not None:
        findings.extend(_differs(features, settings, shown))
        if public is not None and settings.webui_url and public.rstrip("/") != settings.webui_url.rstrip("/"):
            findings.append(finding(
                "deploy.public-url-differs",
                f"the running app uses {mask_url(public)} as its public URL, not WEBUI_URL="
                f"{mask_url(settings.webui_url)}",
                detail=("Open WebUI 0.12.4 copies WEBUI_URL into its database on the first start and "
                        "reads the database copy after that (persistent config), so the WEBUI_URL of "
                        "the checked settings is not what the app uses: it was changed after the "
                        "first start (the database copy wins), or the app runs with another value. "
                        f"The app builds its links and OpenSearch description from {mask_url(public)}."),
                fix=("Change the URL in the app (Admin Panel > Settings > General > WebUI URL), or "
                     "start once with ENABLE_PERSISTENT_CONFIG=false (or RESET_CONFIG_ON_START=true) "
                     "so WEBUI_URL from the environment is taken again."),
                evidence={"GET /opensearch.xml": f"<moz:SearchForm>{mask_url(public)}",
                          "WEBUI_URL in the checked settings": mask_url(settings.webui_url)},
                subject=shown))
    if summary:
        findings.append(_summary(features, version, public, shown))
    return findings


CONFIG = "/api/config"


def _unreachable(observed: AppObservations, shown: str) -> Finding:
    failure = observed.config.failure
    rung = failure.rung.value if failure is not None else "protocol"
    why = failure.summary if failure is not None else (observed.config.refused or "no answer")
    evidence: dict[str, str] = {"GET": mask_url(observed.config.url), "rung": rung}
    if failure is not None:
        evidence.update(failure.evidence)
        if failure.not_attempted:
            evidence["not attempted"] = ", ".join(r.value for r in failure.not_attempted)
    if observed.config.proxy:
        evidence["proxy"] = observed.config.proxy
    return finding(
        "deploy.unreachable",
        f"the app at {shown} cannot be reached ({rung}): {why}",
        detail=(f"GET {CONFIG} failed at the {rung} step: {why}. /health, /api/version and the "
                "app's advertised features could not be read, so nothing about the running app "
                "was checked."),
        evidence=evidence, subject=shown)


def _not_openwebui(config: HttpObservation, shown: str) -> Finding:
    status = config.status or 0
    if status in (401, 403) or 300 <= status < 400:
        what = ("a sign-in wall in front of the app (an authenticating proxy) answers instead of "
                "Open WebUI")
    elif status == 404:
        what = "there is no /api/config here: another app, or a path prefix is missing from the URL"
    elif "html" in config.content_type.lower():
        what = "an HTML page answers where Open WebUI answers JSON"
    else:
        what = "the answer is not Open WebUI's JSON (name, version, features, oauth.providers)"
    return finding(
        "deploy.not-openwebui",
        f"the app URL {shown} does not answer like Open WebUI: {what}",
        detail=(f"GET {CONFIG} answered {status} with {config.content_type or 'no content type'}. "
                "Every Open WebUI answers it without sign-in with JSON; " + what + "."),
        evidence=_answer_evidence(config), subject=shown)


def _onoff(value: bool | None) -> str:
    return "unknown" if value is None else ("on" if value else "off")


def _differs(app: Features, settings: SettingsView, shown: str) -> list[Finding]:
    rows: list[tuple[str, str, str]] = []  # (feature, the app, the settings)
    for label, seen, want, var in (
            ("sign-in (auth)", app.auth, settings.auth, "WEBUI_AUTH"),
            ("trusted-header sign-in", app.trusted_header, settings.trusted_header,
             "WEBUI_AUTH_TRUSTED_EMAIL_HEADER"),
            ("LDAP sign-in", app.ldap, settings.ldap, "ENABLE_LDAP"),
            ("login form", app.login_form, settings.login_form, "ENABLE_LOGIN_FORM")):
        if seen is not None and seen != want:
            rows.append((label, _onoff(seen), f"{_onoff(want)} ({var})"))
    # The first sign-up turns sign-up off by itself (0.12.4 auths.signup): only an app that
    # offers sign-up the settings turn off disagrees.
    if app.signup is True and not settings.signup:
        rows.append(("sign-up", "on", "off (ENABLE_SIGNUP=false)"))
    wanted = set(settings.providers) if settings.oauth_on else set()
    offered = set(app.providers)
    if offered != wanted:
        rows.append(("OAuth providers", ", ".join(sorted(offered)) or "(none)",
                     ", ".join(sorted(wanted)) or "(none)"))
    if not rows:
        return []
    evidence = {f"{label}": f"the app: {seen}; the settings: {want}" for label, seen, want in rows}
    names = ", ".join(label for label, _, _ in rows)
    return [finding(
        "deploy.config-differs",
        f"the running app at {shown} does not run the checked settings: {names}",
        detail=("What the app advertises at /api/config (without sign-in) disagrees with the "
                "checked settings. Either it was started with other settings (an old container, "
                "another env file, a variable set elsewhere), or the database copy wins: 0.12.4 "
                "copies ENABLE_LDAP, ENABLE_SIGNUP, ENABLE_LOGIN_FORM and the OAuth settings into "
                "its config table on the first start (persistent config) and later changes to the "
                "file do not reach it. WEBUI_AUTH and the trusted header are read at every start, "
                "so a difference there means other settings."),
        fix=("Compare the running container's environment with the checked settings (docker "
             "inspect / kubectl describe pod); for the persistent ones change them in the Admin "
             "Panel, or start once with ENABLE_PERSISTENT_CONFIG=false."),
        evidence=evidence, subject=shown)]


def _summary(app: Features, version: str, public: str | None, shown: str) -> Finding:
    evidence = {"version": version, "sign-in (auth)": _onoff(app.auth),
                "sign-up": _onoff(app.signup), "login form": _onoff(app.login_form),
                "LDAP": _onoff(app.ldap), "trusted header": _onoff(app.trusted_header),
                "OAuth providers": ", ".join(app.providers) or "(none)",
                "public URL the app uses": mask_url(public) if public else "(not published)"}
    return finding(
        "deploy.app-summary", f"Open WebUI {version} at {shown}",
        detail="What the running app advertises without sign-in (/api/config, /opensearch.xml).",
        evidence=evidence, subject=shown)


CHECK = CheckSpec(area=AREA, title="Live application", settings=None, live=check_live)
