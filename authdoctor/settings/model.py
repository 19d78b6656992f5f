"""The settings model every check reads: one or more *replicas* of Open WebUI env settings,
plus what authdoctor itself needs (public URL, test account, probe options).

Open WebUI is configured by environment variables, and the checks must behave exactly as the app
reads them (fallbacks, parsing, defaults), so the central data is the app's own variable names with
their values and where each was read (`EnvVar`). `deploy.yaml` fields are mapped onto the same
names (`authdoctor.settings.deploy_yaml`), so a user never has to write YAML and the checks are
written once. Typed, app-exact readings of these variables live in `authdoctor.openwebui`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from authdoctor.findings import SourceLocation
from authdoctor.masking import credential_parts, is_secret_name, secret_parts, shown_value


@dataclass(frozen=True)
class EnvVar:
    """One variable as read from a source. `raw` is the source text (the whole line for a .env),
    kept so checks can see stray whitespace or quotes the parser removed.

    `secret` and `shown` are the one place a value's masking is decided (for every source: .env,
    compose, deploy.yaml fields and `env:`, the process environment): checks and `config show`
    print `shown`, never `value`."""

    name: str
    value: str
    location: SourceLocation | None = None
    raw: str | None = None

    @property
    def secret(self) -> bool:
        """The whole value is a credential (curated Open WebUI list, else the name heuristic)."""
        return is_secret_name(self.name)

    @property
    def shown(self) -> str:
        """The value as it may be printed: a secret by its length, anything else with the
        credentials inside it (URL passwords, tokens in a query, JSON keys) masked."""
        return shown_value(self.name, self.value)

    def secret_parts(self) -> list[str]:
        """The secrets this value holds, for the output safety net."""
        return secret_parts(self.name, self.value)


@dataclass(frozen=True)
class ComposeService:
    """What a compose service tells beyond its environment: image and mounted container paths."""

    name: str
    image: str | None = None
    volume_targets: tuple[str, ...] = ()
    path: str | None = None
    replicas: int = 1  # `deploy.replicas` (or `scale`): containers sharing these settings


@dataclass(frozen=True)
class EnvSource:
    """The settings of one replica (one .env, one compose service, the process environment)."""

    label: str
    vars: Mapping[str, EnvVar] = field(default_factory=dict)
    compose: ComposeService | None = None

    def get(self, name: str) -> str | None:
        var = self.vars.get(name)
        return None if var is None else var.value

    def location(self, name: str) -> SourceLocation | None:
        var = self.vars.get(name)
        return None if var is None else var.location

    def __contains__(self, name: object) -> bool:
        return name in self.vars

    def __iter__(self) -> Iterator[EnvVar]:
        return iter(self.vars.values())

    def overlay(self, other: EnvSource, label: str | None = None) -> EnvSource:
        """`other`'s variables win over this source's."""
        merged = dict(self.vars)
        merged.update(other.vars)
        return EnvSource(label=label or self.label, vars=merged, compose=self.compose or other.compose)


@dataclass(frozen=True)
class TestAccount:
    """Credentials used by live checks (sign-in, LDAP user bind). Always masked in output."""

    email: str | None = None
    password: str | None = None
    ldap_user: str | None = None
    ldap_password: str | None = None
    token: str | None = None


@dataclass(frozen=True)
class ProbeOptions:
    """How live probes behave: per-probe timeout, TLS verification and extra CA bundle."""

    timeout_s: float = 5.0
    verify_tls: bool = True
    ca_file: str | None = None


@dataclass(frozen=True)
class Deployment:
    """Everything a run knows about the deployment under diagnosis."""

    replicas: tuple[EnvSource, ...]
    public_url: str | None = None
    app: str = "openwebui"
    test_account: TestAccount | None = None
    probe: ProbeOptions = field(default_factory=ProbeOptions)
    sources: tuple[str, ...] = ()
    declared_replicas: int | None = None

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
        url = self.effective_public_url
        return None if url is None else shown_value("public_url", url)

    def secret_values(self) -> set[str]:
        """Every secret value this run knows, for the output safety net: secret variables,
        credentials inside every other value, the public URL's and the test account's."""
        values: set[str] = set()
        for replica in self.replicas:
            for var in replica:
                values.update(var.secret_parts())
        if self.public_url:
            values.update(credential_parts(self.public_url))
        if self.test_account is not None:
            account = self.test_account
            values.update(v for v in (account.password, account.ldap_password, account.token) if v)
        values.discard("")
        return values
