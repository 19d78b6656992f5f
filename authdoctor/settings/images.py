"""Which container image is Open WebUI: what compose, `docker inspect` and Kubernetes sources use
to pick the app's service or container when none is named (--service)."""

from __future__ import annotations

# Substrings of the image reference (any registry, tag or digest): ghcr.io/open-webui/open-webui,
# and mirrors or rebuilds named after it.
OPENWEBUI_IMAGE_HINTS = ("open-webui", "openwebui")


def is_openwebui_image(image: str) -> bool:
    """Whether an image reference names an Open WebUI image (case-insensitive)."""
    lowered = image.lower()
    return any(hint in lowered for hint in OPENWEBUI_IMAGE_HINTS)
