"""Property tests: no input to the settings loaders may raise anything but the tool's own
ConfigError (which the CLI turns into a one-line message and exit 2)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authdoctor.errors import ConfigError
from authdoctor.settings.deploy_yaml import parse_deploy_yaml
from authdoctor.settings.envfile import parse_env_text

yaml_like = st.one_of(
    st.text(max_size=300),
    st.lists(
        st.tuples(
            st.sampled_from(["public_url", "secret_key", "jwt", "cookies", "ldap", "redis", "env",
                             "oauth", "version", "probe", "test_account", "replicas", "x", "- a"]),
            st.sampled_from([": ", ":\n  port: ", ":\n  expires_in: ", ": [", ": {", ":\n  - ",
                             ": ${A}", ": !!binary ", ": &a ", ": *a", ":\n  secure: "]),
            st.text(alphabet="abc019:{}[],-&*!'\"\n ${}", max_size=20),
        ).map("".join),
        max_size=8,
    ).map("\n".join),
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(yaml_like)
def test_deploy_yaml_raises_only_config_error(text: str) -> None:
    with contextlib.suppress(ConfigError):
        parse_deploy_yaml(text, "deploy.yaml", {"A": "value"})


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=400))
def test_env_text_raises_only_config_error(text: str) -> None:
    with contextlib.suppress(ConfigError):
        parse_env_text(text, "fuzz.env", {})


_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 70000), st.text(max_size=12))
_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(
        ["environment", "env_file", "volumes", "image", "deploy", "replicas", "scale", "path",
         "required", "target", "A", "WEBUI_URL"]), inner, max_size=4)), max_leaves=12)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["environment", "env_file", "volumes", "deploy", "scale"]),
                       _values, max_size=5))
def test_compose_service_shapes_raise_only_config_error(tmp_path_factory: pytest.TempPathFactory,
                                                        service: dict[str, object]) -> None:
    import yaml

    from authdoctor.settings.compose import load_compose

    folder = tmp_path_factory.mktemp("compose")
    path = folder / "docker-compose.yml"
    path.write_text(yaml.safe_dump({"services": {"ow": {"image": "ghcr.io/open-webui/open-webui",
                                                         **service}}}))
    with contextlib.suppress(ConfigError):
        load_compose(str(path), [], {})
