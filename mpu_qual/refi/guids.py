"""Deterministic GUIDs, so exporting the same project twice gives the same identifiers.

Other QDA tools match codes and sources by GUID when a file is imported again; random GUIDs
would make every re-export look like a new project.
"""

from __future__ import annotations

import uuid

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://mpu-qual.invalid/refi-qda")


def guid(kind: str, *parts: object) -> str:
    """A stable GUID for (kind, parts), e.g. guid('code', 'training.qa')."""
    key = "\x1f".join([kind, *(str(p) for p in parts)])
    return str(uuid.uuid5(NAMESPACE, key))


def norm_guid(value: str | None) -> str:
    """GUIDs compare case-insensitively and may come wrapped in braces."""
    return (value or "").strip().strip("{}").lower()
