"""Bulk speaker assignment: label many segments at once, by time range or by pattern.

(Times typed by a person are read by ``transcript_files.timecode.parse_time``.)

Whisper does not know who speaks; the researcher does ("P3 spoke from 12:00 to 15:30",
"every line starting with 'Moderator:'"). One call is one undoable action.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mpu_qual.errors import MpuQualError

if TYPE_CHECKING:
    from mpu_qual.store.project import Project


@dataclass
class SpeakerAssignment:
    """What a bulk assignment touched (or would touch, for a dry run)."""

    source: str
    label: str
    segment_ids: list[int]
    dry_run: bool

    @property
    def count(self) -> int:
        return len(self.segment_ids)


class Speakers:
    """``project.speakers``: find segments by time, pattern or current speaker, and label
    them all at once (``project.sources.set_speaker`` labels given segment ids)."""

    def __init__(self, project: Project) -> None:
        self.project = project

    def select(
        self,
        source: str | int,
        *,
        start_ms: int | None = None,
        end_ms: int | None = None,
        pattern: str | None = None,
        ignore_case: bool = True,
        speaker: str | None = None,
        unlabelled: bool = False,
    ) -> list[int]:
        """Segment ids matching every given criterion.

        Time range: a segment is in it when its midpoint lies in [start_ms, end_ms), so a turn
        straddling the boundary goes to the side that holds most of it. Pattern: a regular
        expression searched in the segment's text. ``speaker``/``unlabelled`` filter on the
        current label (to rename "SPEAKER_1" or fill in the gaps).
        """
        if (
            start_ms is None
            and end_ms is None
            and pattern is None
            and speaker is None
            and not unlabelled
        ):
            raise MpuQualError(
                "say which segments: a time range, a pattern, a current speaker or --unlabelled",
                hint="For example: --from 12:00 --to 15:30, or --match '^Moderator'.",
            )
        if start_ms is not None and end_ms is not None and end_ms <= start_ms:
            raise MpuQualError("the time range ends before it starts", field="to")
        regex = None
        if pattern is not None:
            try:
                regex = re.compile(pattern, re.IGNORECASE if ignore_case else 0)
            except re.error as exc:
                raise MpuQualError(
                    f"bad regular expression: {exc}", field="match", column=(exc.pos or 0) + 1
                ) from None
        src = self.project.sources.get(source)
        timed_needed = start_ms is not None or end_ms is not None
        out: list[int] = []
        untimed = 0
        for seg in self.project.sources.segments(src):
            if speaker is not None and seg.speaker != speaker:
                continue
            if unlabelled and seg.speaker:
                continue
            if timed_needed:
                if seg.start_ms is None:
                    untimed += 1
                    continue
                end = seg.end_ms if seg.end_ms is not None else seg.start_ms
                mid = (seg.start_ms + end) / 2
                if start_ms is not None and mid < start_ms:
                    continue
                if end_ms is not None and mid >= end_ms:
                    continue
            if regex is not None and not regex.search(src.text[seg.start : seg.end]):
                continue
            out.append(seg.id)
        if timed_needed and untimed and not out:
            raise MpuQualError(
                f"transcript '{src.name}' has no timestamps, so a time range selects nothing",
                field="from",
                hint="Select by --match or --speaker instead.",
            )
        return out

    def assign(
        self,
        source: str | int,
        label: str,
        *,
        dry_run: bool = False,
        **criteria: Any,
    ) -> SpeakerAssignment:
        """Give ``label`` to the segments ``select(**criteria)`` finds (one action)."""
        label = label.strip()
        if not label:
            raise MpuQualError("speaker label cannot be empty", field="label")
        src = self.project.sources.get(source)
        ids = self.select(src.id, **criteria)
        if ids and not dry_run:
            self.project.sources.set_speaker(ids, label)
        return SpeakerAssignment(src.name, label, ids, dry_run)
