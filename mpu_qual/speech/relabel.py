"""Find the speakers of a transcript already in the project, from its attached recording.

For a Zoom or Otter export without speakers, or an older transcription: the recording is
diarized (speech/voices.py), each timed segment is split where the voice changes (words
placed in time by their position in the text: a stored transcript has no word times), and
the result is applied in one undoable action (store/voices.py).

Nothing is written until the diarization is complete: an interrupted run leaves the
transcript as it was, and running the command again starts it afresh.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mpu_qual.errors import MpuQualError
from mpu_qual.speech.diarize import Diarizer, SpeakerTurn
from mpu_qual.speech.turns import diarization_metadata, split_by_turns
from mpu_qual.store.voices import VoicePiece
from mpu_qual.transcript_files.labels import PARTICIPANT_KEYS, is_label
from mpu_qual.transcript_files.parsed import ParsedSegment

if TYPE_CHECKING:
    from mpu_qual.store import Project


@dataclass
class DiarizeReport:
    source: str
    voices: int
    segments_before: int
    segments_after: int
    seconds: float | None
    talk_ms: dict[str, int]
    speakers_from_header: int | None = None  # the count the transcript's header gave


def listed_participants(metadata: dict[str, Any]) -> list[str]:
    """The speakers a transcript's ``Participants:`` header lists (empty when it has none)."""
    out: list[str] = []
    for key, value in (metadata or {}).items():
        if str(key).casefold() not in PARTICIPANT_KEYS or not isinstance(value, str):
            continue
        for item in re.split(r"[,，;；、]", value):
            label = re.split(r"[(（]", item, maxsplit=1)[0].strip()
            if label and is_label(label) and label not in out:
                out.append(label)
    return out


def check_diarizable(
    project: Project, name: str | int, *, replace: bool = False
) -> tuple[Any, Any]:
    """Refuse, before any model loads, a transcript that cannot be labelled from its
    recording: no recording, no timestamps, or speakers already named (without ``replace``).
    Returns the source and its recording's path."""
    src, path = project.sources.recording(name)
    segs = project.sources.segments(src)
    if not any(g.start_ms is not None for g in segs):
        raise MpuQualError(
            f"transcript '{src.name}' has no timestamps, so its turns cannot be matched to voices",
            hint="Import a timed export (VTT, SRT, Otter or Zoom with times) instead.",
        )
    named = sorted({g.speaker for g in segs if g.speaker and g.meta.get("voice") != g.speaker})
    if named and not replace:
        raise MpuQualError(
            f"transcript '{src.name}' already has speakers ({', '.join(named[:5])}"
            + (", ..." if len(named) > 5 else "")
            + ")",
            field="speakers",
            hint="Pass --replace to label it again from the recording (undoable).",
        )
    return src, path


def diarize_transcript(
    project: Project, name: str | int, diarizer: Diarizer, *, replace: bool = False
) -> DiarizeReport:
    """Label the speakers of a stored transcript from its recording (one action)."""
    src, path = check_diarizable(project, name, replace=replace)
    segs = project.sources.segments(src)
    from_header = None
    asked = getattr(diarizer, "speakers", None)
    listed = listed_participants(src.metadata)
    if listed and asked is not None and getattr(asked, "auto", False):
        # the session's participant list is what the researcher knows: cluster into that many
        diarizer = copy.copy(diarizer)  # the caller's diarizer keeps its own setting
        # ``speakers`` is optional plugin API (read with getattr above), not in the Diarizer protocol
        diarizer.speakers = type(asked)(len(listed), len(listed), auto=False)  # type: ignore[attr-defined]
        from_header = len(listed)
    turns = list(diarizer(path, src.duration_ms or 0))
    if not turns:
        raise MpuQualError(
            f"no speech found in the recording of '{src.name}'", path=path, field="speakers"
        )
    plan, after = plan_voices(src.text, segs, turns)
    meta = diarization_metadata(diarizer, turns)
    project.voices.apply(src.id, plan, meta)
    talk = {v.speaker: v.talk_ms for v in project.voices.summaries(src.id)}
    return DiarizeReport(
        src.name,
        len({t.label for t in turns}),
        len(segs),
        after,
        seconds if isinstance(seconds := meta.get("seconds"), int | float) else None,
        talk,
        from_header,
    )


def plan_voices(
    text: str, segs: Sequence[Any], turns: Sequence[SpeakerTurn]
) -> tuple[list[tuple[int, list[VoicePiece]]], int]:
    """For each timed stored segment, its pieces as ``turns`` split and label it
    (``project.voices.apply``'s plan), and how many segments there will be."""
    plan: list[tuple[int, list[VoicePiece]]] = []
    after = 0
    for g in segs:
        seg = ParsedSegment(
            text=text[g.start : g.end], start_ms=g.start_ms, end_ms=g.end_ms, meta={}
        )
        pieces = split_by_turns([seg], turns)
        after += len(pieces)
        if seg.start_ms is None or not pieces or pieces[0].speaker is None:
            continue
        plan.append(
            (
                g.id,
                [VoicePiece(p.text, p.speaker or "", p.start_ms, _voice_meta(p)) for p in pieces],
            )
        )
    return plan, after


def _voice_meta(p: ParsedSegment) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "speaker_confidence" in p.meta:
        out["speaker_confidence"] = p.meta["speaker_confidence"]
    if p.meta.get("overlap"):
        out["overlap"] = True
    return out
