"""`authdoctor app probe [URL]`: the running app on its own, through `check`'s runner.

The deploy area runs, with the summary of what the app advertises (`deploy.app-summary`)
added, and the live halves of the trusted-header area (is trusted-header sign-in reachable without
the proxy) and the transport area (HSTS, http -> https, mixed schemes at the public URL).
With a URL and no settings, the app alone is probed; with settings (`--env-file`, ...) the
app's answers are also compared with them (`deploy.config-differs`,
`deploy.public-url-differs`), and the URL, when given, is where the app is reached (`--url` of
`check`). `--user`/`--password-env`/`--signout` add the test account's sign-in, session round
trip and sign-out (`authdoctor.checks._app_session_run`). Everything else (formats, `--output`,
`--fail-on`, `--now`, `--timeout`, `--probe-timeout`, `--ca-file`, `--insecure`, exit codes) is
`authdoctor.commands.check.run_check`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, TextIO

from authdoctor.errors import UsageError

if TYPE_CHECKING:
    from authdoctor.commands.check import ProbeFlags
    from authdoctor.settings import SettingsInputs
    from authdoctor.settings.model import Deployment

COMMAND_LINE = "command line"
#: Areas `app probe` runs besides deploy, live half only.
APP_AREAS = ("trusted-header", "transport")


def run_app_probe(*, url: str | None, inputs: SettingsInputs, fail_on: str, timeout: float,
                  probe_timeout: float | None, now: str | None, output_format: str,
                  output: str | None, verbose: bool, stderr: TextIO,
                  ignore: Sequence[str] = (), probe_flags: ProbeFlags | None = None) -> int:
    from functools import partial

    from authdoctor.checks.deploy import check_live
    from authdoctor.checks.registry import all_checks
    from authdoctor.commands.check import run_check
    from authdoctor.commands.common import parse_public_url
    from authdoctor.masking import mask_url
    from authdoctor.settings.model import Deployment

    app_url = parse_public_url(url, option="URL") if url is not None else None
    deployment: Deployment | None = None
    target: str | None = None
    if inputs.empty:
        if app_url is None:
            raise UsageError("give the app's URL (authdoctor app probe https://chat.example.com) or "
                             "its settings (--env-file .env, --config deploy.yaml, ...)")
        deployment = Deployment(replicas=(), app_url=app_url, sources=(COMMAND_LINE,))
        target = mask_url(app_url)
    else:
        inputs = replace(inputs, app_url=app_url)
    specs = all_checks()
    checks = {"deploy": replace(specs["deploy"], live=partial(check_live, summary=True)),
              # the live halves only: the running app's exposure and HTTPS (their settings
              # halves belong to `check`)
              **{area: replace(specs[area], settings=None) for area in APP_AREAS}}
    return run_check(inputs=inputs, only=[], skip=[], ignore=ignore, offline=False, fail_on=fail_on,
                     timeout=timeout, probe_timeout=probe_timeout, now=now, output_format=output_format,
                     output=output, verbose=verbose, stderr=stderr, deployment=deployment,
                     checks=checks, command="app probe", target=target, probe_flags=probe_flags,
                     after_load=None if deployment is not None else app_shown)


def app_shown(deployment: Deployment) -> str | None:
    """The report's target: where the app is reached (credentials masked), or a usage error."""
    from authdoctor.checks.deploy import app_base
    from authdoctor.masking import mask_url

    base = app_base(deployment)
    if base is None:
        raise UsageError("no app URL: give it (authdoctor app probe URL), or set WEBUI_URL or "
                         "public_url in the settings")
    return mask_url(base)


