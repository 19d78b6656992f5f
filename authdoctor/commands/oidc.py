"""`authdoctor oidc probe`: the OIDC provider checked live, on its own, through `check`'s runner.

Two ways to name the provider:

- `oidc probe URL`: an issuer or a discovery URL. A URL that does not end in
  `/.well-known/openid-configuration` (and is not an RFC 8414 metadata URL) is taken as the issuer
  and gets the well-known path appended after its trailing `/` is removed (OIDC Discovery §4,
  rule D1); the report's target says so. The provider is judged as Open WebUI's OIDC provider
  with the app's defaults (scope `openid email profile`, no PKCE, sign-out through its
  end_session_endpoint). Only the oidc area runs.
- `oidc probe --env-file .env` (or any settings source of `check`) `--provider oidc`: the provider
  as the app would use it, with the oidc, oauth and logout areas (settings and live halves).

Everything else (formats, `--output`, `--fail-on`, `--now`, `--timeout`, `--probe-timeout`, exit
codes) is `authdoctor.commands.check.run_check`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from authdoctor.errors import UsageError

if TYPE_CHECKING:
    from authdoctor.commands.check import ProbeFlags
    from authdoctor.settings import SettingsInputs
    from authdoctor.settings.model import Deployment

#: The providers `oidc probe --provider` knows; the others are issue 9's presets, not built yet.
PROBED_PROVIDERS = ("oidc",)
LATER_PROVIDERS = ("google", "microsoft", "github", "feishu")
#: The areas `oidc probe` runs with settings (the bare URL runs only oidc).
OAUTH_AREAS = ("oidc", "oauth", "logout")
COMMAND_LINE = "command line"


def discovery_url(url: str) -> tuple[str, bool]:
    """(the discovery URL to fetch, whether the well-known path was appended to `url`)."""
    from authdoctor.checks.oidc import WELL_KNOWN_OIDC, WELL_KNOWN_RFC8414

    base = url.partition("#")[0]
    base, question, query = base.partition("?")
    if base.endswith(WELL_KNOWN_OIDC) or WELL_KNOWN_RFC8414 in base:
        return url, False
    return base.rstrip("/") + WELL_KNOWN_OIDC + (question + query), True


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
    from authdoctor.masking import mask_url
    from authdoctor.settings.model import Deployment, EnvSource, EnvVar

    fetched, appended = discovery_url(url)
    source = EnvSource(label=COMMAND_LINE, vars={
        "OPENID_PROVIDER_URL": EnvVar(name="OPENID_PROVIDER_URL", value=fetched)})
    target = mask_url(fetched)
    if appended:
        target += f" ({mask_url(url)} is taken as the issuer: /.well-known/openid-configuration appended)"
    return Deployment(replicas=(source,), sources=(COMMAND_LINE,)), target


def run_oidc_probe(*, url: str | None, inputs: SettingsInputs, provider: str, fail_on: str,
                   timeout: float, probe_timeout: float | None, now: str | None, output_format: str,
                   output: str | None, verbose: bool, stderr: TextIO,
                   ignore: Sequence[str] = (), probe_flags: ProbeFlags | None = None) -> int:
    from authdoctor.checks.registry import all_checks
    from authdoctor.commands.check import run_check

    name = provider.strip().lower()
    if name in LATER_PROVIDERS:
        raise UsageError(f"--provider {provider}: only the generic OIDC provider (--provider oidc) is "
                         "probed so far; the Google, Microsoft, GitHub and Feishu presets come later")
    if name not in PROBED_PROVIDERS:
        raise UsageError(f"--provider {provider!r}: choose oidc")
    has_settings = not inputs.empty
    if url is not None and has_settings:
        raise UsageError("give either a URL or settings (--env-file, --config, ...), not both")
    if url is None and not has_settings:
        raise UsageError("give the provider's issuer or discovery URL, or the app's settings "
                         "(e.g. authdoctor oidc probe --env-file .env)")
    registry = all_checks()
    if url is not None:
        deployment, target = url_deployment(check_probe_url(url))
        checks = {"oidc": registry["oidc"]}
    else:
        deployment, target = None, None
        checks = {area: spec for area, spec in registry.items() if area in OAUTH_AREAS}
    return run_check(inputs=inputs, only=[], skip=[], ignore=ignore, offline=False, fail_on=fail_on,
                     timeout=timeout, probe_timeout=probe_timeout, now=now, output_format=output_format,
                     output=output, verbose=verbose, stderr=stderr, deployment=deployment, checks=checks,
                     command="oidc probe", target=target, probe_flags=probe_flags)
