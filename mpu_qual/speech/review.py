"""Segments of a stored transcript that carry review flags, for the CLI and the TUI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mpu_qual.speech.flags import FLAG_DESCRIPTIONS


@dataclass
class ReviewItem:
    """One flagged segment: where it is, what it says, why it needs a look."""

    segment_id: int
    idx: int
    start_ms: int | None
    end_ms: int | None
    speaker: str | None
    text: str
    flags: list[str]
    avg_logprob: float | None
    no_speech_prob: float | None

    def reasons(self) -> list[str]:
        return [FLAG_DESCRIPTIONS.get(f, f) for f in self.flags]


def review_items(
    project: Any, source: str | int, flags: set[str] | None = None
) -> list[ReviewItem]:
    """Flagged segments of ``source`` in order; ``flags`` keeps only those kinds."""
    src = project.source(source)
    out: list[ReviewItem] = []
    for seg in project.segments(src):
        got = [f for f in seg.meta.get("flags", []) if isinstance(f, str)]
        if flags is not None:
            got = [f for f in got if f in flags]
        if not got:
            continue
        out.append(
            ReviewItem(
                segment_id=seg.id,
                idx=seg.idx,
                start_ms=seg.start_ms,
                end_ms=seg.end_ms,
                speaker=seg.speaker,
                text=src.text[seg.start : seg.end],
                flags=got,
                avg_logprob=seg.meta.get("avg_logprob"),
                no_speech_prob=seg.meta.get("no_speech_prob"),
            )
        )
    return out
