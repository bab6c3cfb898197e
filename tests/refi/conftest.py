"""Fixtures for REFI-QDA exchange: the standard's schemas and a real NVivo export."""

from __future__ import annotations

from pathlib import Path

import pytest

REFI_DATA = Path(__file__).resolve().parents[1] / "data" / "refi"


@pytest.fixture(scope="session")
def refi_dir() -> Path:
    """``tests/data/refi``: Project.xsd, Codebook.xsd and nvivo_sample.qdpx (see SOURCES.md)."""
    assert (REFI_DATA / "Project.xsd").is_file(), (
        f"REFI-QDA reference files not found at {REFI_DATA}: they are part of the repository "
        "(tests/data/refi); is the checkout complete?"
    )
    return REFI_DATA
