"""Fixtures: coded recordings (see playback_helpers) as WAV and FLAC."""

from __future__ import annotations

from pathlib import Path

import pytest
from playback_helpers import coded, write_flac, write_wav


@pytest.fixture(scope="session")
def coded_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_wav(tmp_path_factory.mktemp("rec") / "coded.wav", coded(30))


@pytest.fixture(scope="session")
def coded_flac(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_flac(tmp_path_factory.mktemp("rec") / "coded.flac", coded(30))
