"""Parsed transcript data: what every parser returns and every writer takes.

Kept free of the store so parsers, writers and the transcriber can share it
without touching SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mpu_qual.errors import MpuQualError


@dataclass
class ParsedSegment:
    """One speaker turn (or one Whisper segment)."""

    text: str
    speaker: str | None = None
    start_ms: int | None = None
    end_ms: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    line: int | None = None  # line in the source file, for error messages


@dataclass
class ParsedTranscript:
    """A transcript ready to store: its segments and header metadata."""

    segments: list[ParsedSegment]
    metadata: dict[str, Any] = field(default_factory=dict)
    format: str = "txt"
    # Which tool's layout the file follows ("zoom", "otter", ...); not stored, shown by --preview.
    layout: str = ""
    # Stakeholder roles a "Participants:" header gives: {"MOD": "moderator", ...}.
    roles: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    encoding_confidence: float | None = None
    encoding_how: str | None = None

    SEPARATOR = "\n"

    def full_text(self) -> str:
        """The stored text: segment texts joined by a newline."""
        return self.SEPARATOR.join(s.text for s in self.segments)

    def spans(self) -> list[tuple[int, int]]:
        """Character (code point) spans of each segment inside full_text()."""
        out: list[tuple[int, int]] = []
        pos = 0
        for seg in self.segments:
            out.append((pos, pos + len(seg.text)))
            pos += len(seg.text) + len(self.SEPARATOR)
        return out


def finish_turns(segments: list[ParsedSegment], path: Path | str | None) -> None:
    """Every parser's last step: refuse a file without turns or with time going backwards,
    and give each timed turn the next turn's start as its end when it has none."""
    if not segments:
        raise MpuQualError("no transcript turns found", path=path, hint="Is this the right file?")
    last: int | None = None
    for seg in segments:
        if seg.start_ms is not None:
            if last is not None and seg.start_ms < last:
                raise MpuQualError(
                    "timestamp goes backwards (earlier than the turn before)",
                    path=path,
                    line=seg.line,
                )
            last = seg.start_ms
    for a, b in zip(segments, segments[1:], strict=False):
        if a.end_ms is None and a.start_ms is not None and b.start_ms is not None:
            a.end_ms = b.start_ms
