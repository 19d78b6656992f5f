"""The small helpers the settings sources share: which image is Open WebUI
(authdoctor/settings/images.py) and reading PyYAML nodes (authdoctor/settings/yamlsafe.py)."""

from __future__ import annotations

import pytest

from authdoctor.settings.images import is_openwebui_image
from authdoctor.settings.yamlsafe import compose_document, mapping_get, seq_nodes


@pytest.mark.parametrize("image", [
    "ghcr.io/open-webui/open-webui:main",
    "ghcr.io/open-webui/open-webui@sha256:0123abcd",
    "registry.example.org/mirror/OpenWebUI:0.12.4",
    "Open-WebUI",
])
def test_open_webui_images_are_recognised(image: str) -> None:
    assert is_openwebui_image(image)


@pytest.mark.parametrize("image", ["", "redis:7", "quay.io/keycloak/keycloak:26", "open_webui", "webui"])
def test_other_images_are_not(image: str) -> None:
    assert not is_openwebui_image(image)


def test_mapping_get_follows_merge_keys_and_the_mapping_s_own_keys_win() -> None:
    root = compose_document("base: &b {a: 1, b: 2}\nitem:\n  <<: *b\n  b: 3\n  c: [x, y]\n", "t.yaml",
                            what="test file")
    item = mapping_get(root, "item")
    values = {key: node.value for key, node in mapping_get(item, None).items() if key != "c"}
    assert values == {"a": "1", "b": "3"}
    assert [node.value for node in seq_nodes(mapping_get(item, "c"))] == ["x", "y"]
    assert mapping_get(item, "missing") is None
    assert mapping_get(mapping_get(item, "c"), None) == {} and seq_nodes(item) == [] and seq_nodes(None) == []
