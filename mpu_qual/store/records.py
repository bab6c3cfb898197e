"""Plain dataclasses the store hands out; front ends never see SQL rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Code:
    id: str
    parent_id: str | None
    label_en: str
    label_zh: str
    rule: str | None
    color: str | None
    addresses: str | None
    position: int
    depth: int

    def label(self, lang: str = "en") -> str:
        return self.label_zh if lang == "zh" else self.label_en


@dataclass
class Participant:
    id: int
    label: str
    name: str | None
    group_id: str | None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Source:
    id: int
    name: str
    kind: str
    text: str
    length: int
    format: str | None
    metadata: dict[str, Any]
    media_path: str | None
    duration_ms: int | None
    imported_at: str


@dataclass
class Segment:
    id: int
    source_id: int
    idx: int
    speaker: str | None
    participant_id: int | None
    start: int
    end: int
    start_ms: int | None
    end_ms: int | None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Coding:
    id: int
    source_id: int
    code_id: str
    start: int
    end: int
    quote: str
    memo: str | None
    coder: str | None
    created_at: str
    source_name: str = ""
    participant_label: str | None = None
    group: str | None = None
    start_ms: int | None = None
    end_ms: int | None = None


@dataclass
class SearchHit:
    source_id: int
    source_name: str
    segment_id: int
    speaker: str | None
    start: int  # offset of the hit in the source text
    end: int
    snippet: str  # the match with context either side, cut between words or characters
    start_ms: int | None = None
    snippet_start: int = 0  # the match inside ``snippet`` (indices into it)
    snippet_end: int = 0


@dataclass
class AutocodeResult:
    code_id: str
    spans: list[tuple[int, int, int]]  # (source_id, start, end)
    created: int
    skipped_existing: int
    dry_run: bool


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    merged: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.renamed or self.removed or self.merged)
