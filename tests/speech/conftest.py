"""Fixtures for transcription: real speech from espeak-ng, the real tiny.en model, offline.

HF_HUB_OFFLINE is set before anything imports huggingface_hub (it reads it at import), so no
code path in these tests can reach a model hub; the worker processes inherit it.
"""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"

from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from tx_helpers import SCRIPT, Transcribed, espeak, tiny_options  # noqa: E402

from mpu_qual.speech.runner import Transcriber  # noqa: E402
from mpu_qual.store import Project  # noqa: E402


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 45 s of English speech."""
    return espeak(SCRIPT, tmp_path_factory.mktemp("audio") / "focus-group.wav")


@pytest.fixture(scope="session")
def transcribed(tmp_path_factory: pytest.TempPathFactory, speech_wav: Path) -> Transcribed:
    """One real transcription shared by the read-only tests (the slow part, done once)."""
    root = tmp_path_factory.mktemp("transcribed")
    mp = pytest.MonkeyPatch()
    mp.setenv("MPU_QUAL_HOME", str(root / "home"))
    try:
        project = Project.init(root / "proj")
        try:
            result = Transcriber(project, tiny_options()).transcribe(speech_wav, name="fg")
        finally:
            project.close()
    finally:
        mp.undo()
    return Transcribed(root / "proj", result, speech_wav)


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    p = Project.init(tmp_path / "proj")
    yield p
    p.close()
