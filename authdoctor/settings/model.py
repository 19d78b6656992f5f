"""The settings model every check reads: one or more *replicas* of Open WebUI env settings,
plus what authdoctor itself needs (public URL, test account, probe options).

Open WebUI is configured by environment variables, and the checks must behave exactly as the app
reads them (fallbacks, parsing, defaults), so the central data is the app's own variable names with
their values and where each was read (`EnvVar`). `deploy.yaml` fields are mapped onto the same
names (`authdoctor.settings.deploy_yaml`), so a user never has to write YAML and the checks are
written once. Typed, app-exact readings of these variables live in `authdoctor.openwebui`.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from authdoctor.findings import SourceLocation
from authdoctor.masking import (
    credential_parts,
    is_secret_name,
    mask,
    mask_credentials,
    nettable,
    occurring_in,
    shown_value,
)


class UnknownValueError(LookupError):
    """A check read a variable whose value the input does not hold (a Kubernetes reference to a
    ConfigMap or Secret that is not in the manifests). The runner reports the area as not judged
    instead of guessing; see `EnvVar.unknown`."""

    def __init__(self, var: EnvVar, reason: str | None = None) -> None:
        self.var = var
        self.reason = reason or var.unknown_text
        super().__init__(f"{var.name} is {self.reason}")


@dataclass(frozen=True)
class EnvVar:
    """One variable as read from a source. `raw` is the source text (the whole line for a .env),
    kept so checks can see stray whitespace or quotes the parser removed.

    `secret`, `shown` and `secret_parts` are the one place a value's masking is decided (for every
    source: .env, compose, deploy.yaml fields and `env:`, the process environment, Docker and
    Kubernetes): checks and `config show` print `shown`, never `value`. `secret_source` marks a
    value that is secret whatever its name (read from a Kubernetes Secret).
    `unknown` names where a value comes from when the input does not hold it (e.g.
    `Secret/openwebui`): the variable is set, its value is not known, and `EnvSource.get` raises
    `UnknownValueError` rather than hand a check a value to judge (`value` is then "")."""

    name: str
    value: str
    location: SourceLocation | None = None
    raw: str | None = None
    secret_source: bool = False
    unknown: str | None = None

    @property
    def unknown_text(self) -> str:
        return f"set from {self.unknown}, value unknown"

    @property
    def secret(self) -> bool:
        """The whole value is a credential: held in a Kubernetes Secret, named as one (curated
        Open WebUI list, else the name heuristic), or a misspelling of a secret setting's name
        (`OAUTH_CLIENT_SECRT`, `WEBUI_SECRET`: the user meant to put the secret there)."""
        return self.secret_source or is_secret_name(self.name) or _meant_as_secret(self.name)

    @property
    def shown(self) -> str:
        """The value as it may be printed: a secret by its length, anything else with the
        credentials inside it (URL passwords, tokens in a query, JSON keys) masked; a value the
        input does not hold says where it comes from."""
        if self.unknown is not None:
            return self.unknown_text
        return mask(self.value) if self.secret else mask_credentials(self.value)

    def secret_parts(self) -> list[str]:
        """The secrets this value holds, for the output safety net (which skips words and short
        values itself, `masking.nettable`). A Secret-held URL also gives its host: checks derive
        other URLs from it (http:// for https://, the callback URL)."""
        if not self.secret:
            return credential_parts(self.value)
        parts = [self.value, self.value.strip(), *credential_parts(self.value)]
        if self.secret_source and "://" in self.value:
            parts.append(_host(self.value))
        return parts


@functools.lru_cache(maxsize=65536)
def _meant_as_secret(name: str) -> bool:
    """True when an unknown `name` looks meant for a secret setting (the did-you-mean of
    `config.unknown-variable` names one). Spelling is compared only for names shaped like a
    setting, as that check does, so a whole process environment stays fast."""
    from authdoctor.openwebui.names import suggestion_for
    from authdoctor.openwebui.variables import is_known, looks_like_setting

    if is_known(name):
        return False
    suggestion = suggestion_for(name, spelling=looks_like_setting(name))
    return suggestion is not None and is_secret_name(suggestion.target)


@dataclass(frozen=True)
class PublishedPort:
    """One `ports:` entry of a compose service: the host address it binds (None: every
    interface), the host port(s) and the container port(s), as written (ranges kept)."""

    host_ip: str | None
    published: str | None
    target: str
    raw: str = ""

    @property
    def all_interfaces(self) -> bool:
        return self.host_ip in (None, "", "0.0.0.0", "::", "[::]")

    def covers(self, port: int) -> bool:
        """True when the container port `port` is among `target` (a number or a range a-b)."""
        first, _, last = self.target.partition("-")
        try:
            low, high = int(first), int(last or first)
        except ValueError:
            return False
        return low <= port <= high


@dataclass(frozen=True)
class ComposeService:
    """What a compose service tells beyond its environment: image, mounted container paths,
    published ports, network mode and the other services of the file (name, image)."""

    name: str
    image: str | None = None
    volume_targets: tuple[str, ...] = ()
    path: str | None = None
    replicas: int = 1  # `deploy.replicas` (or `scale`): containers sharing these settings
    published: tuple[PublishedPort, ...] = ()
    network_mode: str | None = None
    neighbours: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class EnvSource:
    """The settings of one replica (one .env, one compose service, the process environment)."""

    label: str
    vars: Mapping[str, EnvVar] = field(default_factory=dict)
    compose: ComposeService | None = None
    # Whole sources of variables the input does not hold (`envFrom` a Secret not in the manifests),
    # e.g. "envFrom Secret/oauth at k8s.yaml:49": any variable may come from them, so a variable
    # not set here is not known to be unset either.
    unresolved: tuple[str, ...] = ()
    # why the platform refuses to start the container at all, with the reference's location
    start_failures: tuple[tuple[str, SourceLocation | None], ...] = ()

    def get(self, name: str) -> str | None:
        """The value, None when unset; `UnknownValueError` when set but not known, or not set here
        while a source the input lacks may set it."""
        var = self.vars.get(name)
        if var is not None and var.unknown is not None:
            raise UnknownValueError(var)
        if var is None and self.unresolved:
            raise UnknownValueError(
                EnvVar(name, "", unknown=self.unresolved[0]),
                f"not set here, but {self.unresolved[0]} is not in the input and may set it")
        return None if var is None else var.value

    def location(self, name: str) -> SourceLocation | None:
        var = self.vars.get(name)
        return None if var is None else var.location

    def __contains__(self, name: object) -> bool:
        return name in self.vars

    def __iter__(self) -> Iterator[EnvVar]:
        """The variables whose values are known (checks judge values; `vars` has them all)."""
        return (var for var in self.vars.values() if var.unknown is None)

    def overlay(self, other: EnvSource, label: str | None = None) -> EnvSource:
        """`other`'s variables win over this source's."""
        merged = dict(self.vars)
        merged.update(other.vars)
        return EnvSource(label=label or self.label, vars=merged, compose=self.compose or other.compose,
                         unresolved=(*self.unresolved, *other.unresolved),
                         start_failures=(*self.start_failures, *other.start_failures))

    def with_secret_feeders(self) -> EnvSource:
        """This source with every variable that feeds a secret marked secret too.

        `S=hunter2-long` then `WEBUI_SECRET_KEY=${S}` (or `$(S)` in Kubernetes, or a compose
        `${S}` from the project .env) puts the secret in a variable whose name says nothing:
        `S` is masked like the key itself. A value counts when it equals a secret's value, or
        is a part of one that could be a credential (`nettable`, 8 characters or more, not a URL:
        a host name shared with a database URL is no secret)."""
        secrets = [var.value.strip() for var in self.vars.values()
                   if var.secret and var.unknown is None and var.value.strip()]
        if not secrets:
            return self
        candidates: dict[str, str] = {}  # value -> a variable name, for values not yet secret
        for name, var in self.vars.items():
            value = var.value.strip()
            if not var.secret and var.unknown is None and value and nettable(value):
                candidates[name] = value
        exact = set(secrets)
        parts = occurring_in({v for v in candidates.values() if len(v) >= 8 and "://" not in v}, secrets)
        marked = dict(self.vars)
        for name, value in candidates.items():
            if value in exact or value in parts:
                marked[name] = dataclasses.replace(self.vars[name], secret_source=True)
        return dataclasses.replace(self, vars=marked)


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    try:
        return urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""


@dataclass(frozen=True)
class TestAccount:
    """Credentials used by live checks (sign-in, LDAP user bind). Always masked in output."""

    email: str | None = None
    password: str | None = None
    ldap_user: str | None = None
    ldap_password: str | None = None
    token: str | None = None
    id_token: str | None = None
    """An ID token from the IdP (`--id-token`), verified and compared with the claims the app reads."""


@dataclass(frozen=True)
class ProbeOptions:
    """How live probes behave: per-probe timeout, TLS verification and extra CA bundle."""

    timeout_s: float = 5.0
    verify_tls: bool = True
    ca_file: str | None = None
    idp_requests: bool = True
    """False (`--no-idp-requests`): the probes that present the client to the IdP's authorize and
    token endpoints are left out (the provider may log, count or notify on them)."""
    register_mcp_clients: bool = False
    """True (`check --register-mcp-clients`): register one OAuth client per OAuth 2.1 MCP tool
    server at its authorization server, as the app does (creates a client there)."""
    signout: bool = False
    """True (`--signout`): after the test account's sign-in, sign the session out (POST
    /api/v1/auths/signout) and check that the old token is refused."""


@dataclass(frozen=True)
class Deployment:
    """Everything a run knows about the deployment under diagnosis."""

    replicas: tuple[EnvSource, ...]
    public_url: str | None = None
    app: str = "openwebui"
    app_url: str | None = None
    """`--url`: where authdoctor reaches the app (an internal address); None: the public URL."""
    test_account: TestAccount | None = None
    probe: ProbeOptions = field(default_factory=ProbeOptions)
    sources: tuple[str, ...] = ()
    declared_replicas: int | None = None
    files_read: tuple[str, ...] = ()  # every settings file read, those a source names included

    @property
    def replica_count(self) -> int:
        """How many app processes share the settings: declared in deploy.yaml, else one per source
        given (each --env-file is one; a compose service counts its `deploy.replicas`)."""
        if self.declared_replicas:
            return self.declared_replicas
        return sum(r.compose.replicas if r.compose is not None else 1 for r in self.replicas)

    @property
    def env(self) -> EnvSource:
        """The primary replica's settings (the first source given)."""
        return self.replicas[0] if self.replicas else EnvSource(label="(no settings)")

    @property
    def effective_public_url(self) -> str | None:
        """`public_url` from deploy.yaml, else `WEBUI_URL` as the app has it."""
        if self.public_url:
            return self.public_url
        value = self.env.get("WEBUI_URL")
        return value.strip() or None if value is not None else None

    @property
    def shown_public_url(self) -> str | None:
        """The effective public URL with any credentials in it masked (for the report target)."""
        try:
            url = self.effective_public_url
        except UnknownValueError as exc:
            return f"(WEBUI_URL is {exc.reason})"
        if url is None:
            return None
        webui_url = self.env.vars.get("WEBUI_URL")
        if not self.public_url and webui_url is not None and webui_url.secret_source:
            return webui_url.shown
        return shown_value("public_url", url)

    def secret_values(self) -> set[str]:
        """Every secret value this run knows, for the output safety net: secret variables,
        credentials inside every other value, the public URL's and the test account's."""
        values: set[str] = set()
        for replica in self.replicas:
            for var in replica:
                values.update(var.secret_parts())
        for url in (self.public_url, self.app_url):
            if url:
                values.update(credential_parts(url))
        if self.test_account is not None:
            account = self.test_account
            values.update(v for v in (account.password, account.ldap_password, account.token,
                                        account.id_token) if v)
        values.discard("")
        return values
