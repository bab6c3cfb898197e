"""Segments of a stored transcript that carry review flags, for the CLI and the TUI.

A flag stays on its segment; a person resolves it by accepting the segment as it is
(``reviewed``), correcting it (``corrected``) or marking it inaudible. Resolved segments leave
the review list unless asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mpu_qual.speech.flags import FLAG_DESCRIPTIONS

if TYPE_CHECKING:
    from mpu_qual.store import Project

# Order of the worst-first walk: invented text before doubtful text before skipped audio.
SEVERITY = {
    "not_english": 9,
    "known_hallucination": 8,
    "no_speech": 7,
    "repetition": 6,
    "repeated_segment": 6,
    "dropped_speech": 5,
    "low_confidence": 4,
    "silence_before": 2,
    "gap_at_end": 1,
}


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
    details: dict[str, str] | None = None
    resolved: str | None = None  # "reviewed", "corrected" or "inaudible"

    def reasons(self) -> list[str]:
        """Why, in words: the specific reason recorded at transcription, else the general one."""
        details = self.details or {}
        return [details.get(f) or FLAG_DESCRIPTIONS.get(f, f) for f in self.flags]

    @property
    def severity(self) -> tuple[int, int, float]:
        worst = max((SEVERITY.get(f, 3) for f in self.flags), default=0)
        lp = self.avg_logprob if self.avg_logprob is not None else 0.0
        return (worst, len(self.flags), -lp)


def resolution(meta: dict[str, Any]) -> str | None:
    """How a person resolved a segment's flags, if they did."""
    if meta.get("inaudible"):
        return "inaudible"
    if meta.get("corrected"):
        return "corrected"
    if meta.get("reviewed"):
        return "reviewed"
    return None


def review_items(
    project: Project,
    source: str | int,
    flags: set[str] | None = None,
    *,
    include_resolved: bool = False,
    order: str = "time",
) -> list[ReviewItem]:
    """Flagged segments of ``source``; ``flags`` keeps only those kinds.

    ``order``: "time" (as spoken) or "worst" (invented text first, then by Whisper's score).
    Segments a person already accepted, corrected or marked inaudible are left out unless
    ``include_resolved``.
    """
    src = project.sources.get(source)
    out: list[ReviewItem] = []
    for seg in project.sources.segments(src):
        got = [f for f in seg.meta.get("flags", []) if isinstance(f, str)]
        if flags is not None:
            got = [f for f in got if f in flags]
        if not got:
            continue
        done = resolution(seg.meta)
        if done and not include_resolved:
            continue
        details = seg.meta.get("flag_details")
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
                details=details if isinstance(details, dict) else None,
                resolved=done,
            )
        )
    if order == "worst":
        out.sort(key=lambda i: i.severity, reverse=True)
    return out


def file_notices(project: Project, source: str | int) -> list[str]:
    """Messages about the whole transcript (an English-only model on another language)."""
    notices = project.sources.get(source).metadata.get("notices") or []
    return [n for n in notices if isinstance(n, str)]
