"""Settings sources (deploy.yaml, .env files, compose services, the process environment) and the
model they all load into. `load_deployment` is the one entry point the CLI uses."""

from authdoctor.settings.loader import SettingsInputs, load_deployment
from authdoctor.settings.model import (
    ComposeService,
    Deployment,
    EnvSource,
    EnvVar,
    ProbeOptions,
    TestAccount,
)

__all__ = [
    "ComposeService",
    "Deployment",
    "EnvSource",
    "EnvVar",
    "ProbeOptions",
    "SettingsInputs",
    "TestAccount",
    "load_deployment",
]
