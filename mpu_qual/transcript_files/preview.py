"""What ``transcripts add --preview`` shows: how a file would be read, without storing it."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mpu_qual.transcript_files.encoding import LABELS
from mpu_qual.transcript_files.formats import parse_file
from mpu_qual.transcript_files.labels import group_for_label, group_for_role
from mpu_qual.transcript_files.parsed import ParsedTranscript

FORMAT_NAMES = {
    "txt": "plain text",
    "vtt": "WebVTT",
    "srt": "SubRip (SRT)",
    "sbv": "YouTube SubViewer (SBV)",
    "docx": "Word (DOCX)",
    "html": "HTML",
}
LAYOUT_NAMES = {
    "zoom": "Zoom cloud recording (Name: text in each cue)",
    "teams": "Microsoft Teams (<v Name> voice tags)",
    "voices": "voice tags (<v Name>)",
    "youtube": "YouTube automatic captions (rolling lines)",
    "otter": "Otter.ai or Teams Word export (Name  0:13, text below)",
    "rev": "Rev / Descript (Speaker 1 (00:01:02):)",
    "noscribe": "noScribe",
    "speaker-lines": "SPEAKER: text lines",
    "subtitles": "subtitles without speakers",
    "plain": "paragraphs without speakers",
    "vtt": "captions without speakers",
    "youtube-sbv": "YouTube SubViewer captions",
}


@dataclass
class Preview:
    path: str
    format: str
    layout: str
    encoding: str | None
    encoding_confidence: float | None
    encoding_how: str | None
    speakers: list[dict[str, Any]] = field(default_factory=list)
    turns: int = 0
    first_turns: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def preview_file(
    path: str | Path,
    *,
    encoding: str | None = None,
    speakers: str = "auto",
    groups: list[Any] | None = None,
    first: int = 5,
) -> Preview:
    """Parse ``path`` as ``transcripts add`` would and describe the result."""
    parsed = parse_file(path, encoding=encoding, speakers=speakers)
    return describe(parsed, str(path), groups or [], first)


def _group(label: str, role: str | None, groups: list[Any]) -> str | None:
    for g in groups:
        if g.match and re.search(g.match, label):
            found = g.id
            break
    else:
        found = None
    if role:
        found = group_for_role(role, groups) or found
    return found or group_for_label(label, groups)


def describe(parsed: ParsedTranscript, path: str, groups: list[Any], first: int = 5) -> Preview:
    counts = Counter(s.speaker for s in parsed.segments if s.speaker)
    enc = parsed.encoding
    return Preview(
        path=path,
        format=FORMAT_NAMES.get(parsed.format, parsed.format),
        layout=LAYOUT_NAMES.get(parsed.layout, parsed.layout),
        encoding=(LABELS.get(enc, enc) if enc else "inside the DOCX (UTF-8)"),
        encoding_confidence=parsed.encoding_confidence,
        encoding_how=parsed.encoding_how,
        speakers=[
            {
                "label": label,
                "turns": n,
                "role": parsed.roles.get(label),
                "group": _group(label, parsed.roles.get(label), groups),
            }
            for label, n in counts.most_common()
        ],
        turns=len(parsed.segments),
        first_turns=[
            {"speaker": s.speaker, "start_ms": s.start_ms, "text": s.text}
            for s in parsed.segments[:first]
        ],
        metadata=dict(parsed.metadata),
    )
