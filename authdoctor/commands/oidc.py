"""`authdoctor oidc probe`: the OIDC provider checked live, on its own, through `check`'s runner.

Two ways to name the provider:

- `oidc probe URL`: an issuer or a discovery URL. A URL that does not end in
  `/.well-known/openid-configuration` (and is not an RFC 8414 metadata URL) is taken as the issuer
  and gets the well-known path appended after its trailing `/` is removed (OIDC Discovery §4,
  rule D1); the report's target says so. The provider is judged as Open WebUI's OIDC provider
  with the app's defaults (scope `openid email profile`, no PKCE, sign-out through its
  end_session_endpoint). Only the oidc area runs.
- `oidc probe --env-file .env` (or any settings source of `check`) `--provider NAME`: that
  provider as the app would use it, with the oidc, oauth and logout areas (settings and live
  halves); the oidc area's live half probes only that provider (`oidc`: `OPENID_PROVIDER_URL`;
  `google`: Google's fixed discovery URL; `microsoft`: the URL built from
  `MICROSOFT_CLIENT_LOGIN_BASE_URL`, the tenant and the client id; `github`, `feishu`: their fixed
  endpoints, and `OPENID_PROVIDER_URL` when it is their sign-out metadata URL). A provider the
  settings do not register is a usage error naming the variables it still needs.

Everything else (formats, `--output`, `--fail-on`, `--now`, `--timeout`, `--probe-timeout`, exit
codes) is `authdoctor.commands.check.run_check`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from authdoctor.errors import UsageError

if TYPE_CHECKING:
    from authdoctor.checks.base import CheckSpec
    from authdoctor.commands.check import ProbeFlags
    from authdoctor.settings import SettingsInputs
    from authdoctor.settings.model import Deployment

#: The providers `oidc probe --provider` knows (Open WebUI 0.12.4's built-in ones).
PROBED_PROVIDERS = ("oidc", "google", "microsoft", "github", "feishu")
#: The areas `oidc probe` runs with settings (the bare URL runs only oidc).
OAUTH_AREAS = ("oidc", "oauth", "logout")
COMMAND_LINE = "command line"


def check_probe_url(url: str) -> str:
    """An http(s) URL with a host, or a `UsageError` saying what is wrong (credentials masked)."""
    from authdoctor.jwt.jwks import check_url
    from authdoctor.masking import mask_url

    url = check_url(url.strip(), option="URL")
    scheme = url.split(":", 1)[0].lower()
    if scheme not in ("http", "https"):
        raise UsageError(f"URL {mask_url(url)!r}: give the issuer or discovery URL, https://...")
    return url


def url_deployment(url: str) -> tuple[Deployment, str]:
    """A deployment whose only setting is `OPENID_PROVIDER_URL`, and the report's target."""
    from authdoctor.checks.oidc import discovery_url
    from authdoctor.masking import mask_url
    from authdoctor.settings.model import Deployment, EnvSource, EnvVar

    fetched, appended = discovery_url(url)
    source = EnvSource(label=COMMAND_LINE, vars={
        "OPENID_PROVIDER_URL": EnvVar(name="OPENID_PROVIDER_URL", value=fetched)})
    target = mask_url(fetched)
    if appended:
        target += f" ({mask_url(url)} is taken as the issuer: /.well-known/openid-configuration appended)"
    return Deployment(replicas=(source,), sources=(COMMAND_LINE,)), target


def require_provider(deployment: Deployment, name: str) -> str | None:
    """A `UsageError` naming what is missing when the settings do not register provider `name`.
    `oidc` (the default) needs only `OPENID_PROVIDER_URL`: it is probed also when it serves as
    the sign-out metadata URL only."""
    from authdoctor.openwebui.oauth import (
        OIDC,
        PROVIDERS_BY_NAME,
        configured_providers,
        partially_configured_providers,
    )

    env = deployment.env
    registered = configured_providers(env)
    if name in registered or (name == "oidc" and env.get("OPENID_PROVIDER_URL")):
        return None  # the report keeps its target (the public URL)
    partial = partially_configured_providers(env).get(name)
    spec = PROVIDERS_BY_NAME[name]
    if partial is not None:
        missing = list(partial.missing)
    else:
        missing = [var for var in spec.required if not env.get(var)]
        if spec is OIDC and not (env.get("OAUTH_CLIENT_SECRET") or env.get("OAUTH_CODE_CHALLENGE_METHOD")):
            missing.insert(1, "OAUTH_CLIENT_SECRET or OAUTH_CODE_CHALLENGE_METHOD")
    others = f"; configured: {', '.join(registered)}" if registered else ""
    raise UsageError(f"--provider {name}: the settings do not configure the {spec.label} provider "
                     f"(missing {', '.join(missing) or 'nothing'}){others}")


def only_provider(spec: CheckSpec, name: str) -> CheckSpec:
    """The oidc area whose live half probes only provider `name`."""
    from dataclasses import replace
    from functools import partial

    from authdoctor.checks.oidc import check_live

    return replace(spec, live=partial(check_live, providers=(name,)))


def run_oidc_probe(*, url: str | None, inputs: SettingsInputs, provider: str, fail_on: str,
                   timeout: float, probe_timeout: float | None, now: str | None, output_format: str,
                   output: str | None, verbose: bool, stderr: TextIO,
                   ignore: Sequence[str] = (), probe_flags: ProbeFlags | None = None) -> int:
    from authdoctor.checks.registry import all_checks
    from authdoctor.commands.check import run_check

    name = provider.strip().lower()
    if name not in PROBED_PROVIDERS:
        raise UsageError(f"--provider {provider!r}: choose one of {', '.join(PROBED_PROVIDERS)}")
    has_settings = not inputs.empty
    if url is not None and has_settings:
        raise UsageError("give either a URL or settings (--env-file, --config, ...), not both")
    if url is None and not has_settings:
        raise UsageError("give the provider's issuer or discovery URL, or the app's settings "
                         "(e.g. authdoctor oidc probe --env-file .env)")
    if url is not None and name != "oidc":
        raise UsageError(f"--provider {name}: give the app's settings (--env-file, --config, ...), not a "
                         f"URL; the {name} endpoints come from the settings")
    registry = all_checks()
    if url is not None:
        deployment, target = url_deployment(check_probe_url(url))
        checks = {"oidc": registry["oidc"]}
    else:
        deployment, target = None, None
        checks = {area: spec for area, spec in registry.items() if area in OAUTH_AREAS}
        checks["oidc"] = only_provider(checks["oidc"], name)
    return run_check(inputs=inputs, only=[], skip=[], ignore=ignore, offline=False, fail_on=fail_on,
                     timeout=timeout, probe_timeout=probe_timeout, now=now, output_format=output_format,
                     output=output, verbose=verbose, stderr=stderr, deployment=deployment, checks=checks,
                     command="oidc probe", target=target, probe_flags=probe_flags,
                     after_load=None if url is not None else lambda loaded: require_provider(loaded, name))
