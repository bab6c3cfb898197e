"""Coded quotes as flat rows: the one shape every quote exporter writes.

Rows are selected with the same filters as the CLI (codes, theme, group, participant,
source), ordered as the codebook is (theme, then code), then by transcript and position,
and pseudonymised here, once, so no writer can forget to.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mpu_qual.errors import MpuQualError
from mpu_qual.pseudonymise import Pseudonymiser
from mpu_qual.store import Project
from mpu_qual.store.records import Code, Coding
from mpu_qual.transcript_files.timecode import format_clock

PATH_SEP = " > "


@dataclass(frozen=True)
class QuoteFilter:
    """Which codings to export; empty means everything."""

    codes: tuple[str, ...] = ()
    theme: str | None = None
    group: str | None = None
    participant: str | None = None
    source: str | None = None

    def describe(self) -> str:
        parts = []
        if self.codes:
            parts.append("codes " + ", ".join(self.codes))
        if self.theme:
            parts.append(f"theme {self.theme}")
        if self.group:
            parts.append(f"group {self.group}")
        if self.participant:
            parts.append(f"participant {self.participant}")
        if self.source:
            parts.append(f"source {self.source}")
        return "; ".join(parts) or "all codings"


@dataclass(frozen=True)
class QuoteRow:
    """One coding, ready to write."""

    coding_id: int
    theme_id: str
    theme_en: str
    theme_zh: str
    code_id: str
    code_en: str
    code_zh: str
    path_en: str
    path_zh: str
    quote: str
    participant: str
    group_id: str
    group_en: str
    group_zh: str
    source: str
    start_ms: int | None
    end_ms: int | None
    start: int
    end: int
    memo: str
    coder: str
    position: int

    @property
    def time_range(self) -> str:
        if self.start_ms is None:
            return ""
        return f"{format_clock(self.start_ms)}–{format_clock(self.end_ms or self.start_ms)}"


# Fields that identify, not describe: never pseudonymised.
_KEEP = {"theme_id", "code_id", "group_id"}


def pseudonymise_row(row: QuoteRow, pseudo: Pseudonymiser | None) -> QuoteRow:
    """Every free-text field of the row through the pseudonymiser."""
    if not pseudo:
        return row
    changes: dict[str, Any] = {
        f.name: pseudo.apply(getattr(row, f.name))
        for f in dataclasses.fields(row)
        if f.name not in _KEEP and isinstance(getattr(row, f.name), str)
    }
    return dataclasses.replace(row, **changes)


def selected_code_ids(project: Project, flt: QuoteFilter) -> set[str] | None:
    """Code ids the filter allows (sub-codes included), or None for all codes."""
    allowed: set[str] | None = None
    if flt.codes:
        allowed = set()
        for cid in flt.codes:
            project.codes.get(cid)  # clear error for an unknown id
            allowed.update(project.codes.descendant_ids(cid))
    if flt.theme:
        theme = project.codes.get(flt.theme)
        if theme.parent_id is not None:
            top = project.codes.path(theme.id)[0]
            raise MpuQualError(
                f"'{flt.theme}' is a code, not a theme",
                field="theme",
                hint=f"Its theme is '{top.id}'; use --code {flt.theme} for one code.",
            )
        in_theme = set(project.codes.descendant_ids(theme.id))
        allowed = in_theme if allowed is None else allowed & in_theme
    return allowed


def filtered_codings(project: Project, flt: QuoteFilter) -> list[Coding]:
    """Codings that pass the filter, in store order."""
    allowed = selected_code_ids(project, flt)
    codings = project.codings.list(participant=flt.participant, group=flt.group, source=flt.source)
    if allowed is not None:
        codings = [c for c in codings if c.code_id in allowed]
    return codings


class _Timing:
    """Start and end time of a span from the segments it covers."""

    def __init__(self, project: Project):
        self._project = project
        self._cache: dict[int, tuple[list[int], list[tuple[int | None, int | None]]]] = {}

    def span(self, source_id: int, start: int, end: int) -> tuple[int | None, int | None]:
        if source_id not in self._cache:
            segs = self._project.sources.segments(source_id)
            self._cache[source_id] = (
                [g.start for g in segs],
                [(g.start_ms, g.end_ms) for g in segs],
            )
        starts, times = self._cache[source_id]
        if not starts:
            return None, None
        i = max(bisect.bisect_right(starts, start) - 1, 0)
        j = max(bisect.bisect_right(starts, max(end - 1, start)) - 1, 0)
        return times[i][0], times[j][1] if times[j][1] is not None else times[j][0]


def coding_rows(
    project: Project, codings: Sequence[Coding], pseudo: Pseudonymiser | None = None
) -> list[QuoteRow]:
    """Turn codings into rows in codebook order."""
    codes = {c.id: c for c in project.codes.list()}
    groups = {g.id: g for g in project.codebook.load().groups}
    timing = _Timing(project)
    paths: dict[str, list[Code]] = {}
    rows = []
    for c in codings:
        path = paths.get(c.code_id)
        if path is None:
            path = paths[c.code_id] = _path(codes, c.code_id)
        theme, code = path[0], path[-1]
        group = groups.get(c.group or "")
        start_ms, end_ms = timing.span(c.source_id, c.start, c.end)
        row = QuoteRow(
            coding_id=c.id,
            theme_id=theme.id,
            theme_en=theme.label_en,
            theme_zh=theme.label_zh,
            code_id=code.id,
            code_en=code.label_en,
            code_zh=code.label_zh,
            path_en=PATH_SEP.join(p.label_en for p in path),
            path_zh=PATH_SEP.join(p.label_zh for p in path),
            quote=c.quote,
            participant=c.participant_label or "",
            group_id=c.group or "",
            group_en=group.en if group else (c.group or ""),
            group_zh=group.zh if group else (c.group or ""),
            source=c.source_name,
            start_ms=start_ms,
            end_ms=end_ms,
            start=c.start,
            end=c.end,
            memo=c.memo or "",
            coder=c.coder or "",
            position=code.position,
        )
        rows.append(pseudonymise_row(row, pseudo))
    rows.sort(key=lambda r: (r.position, r.source, r.start, r.end, r.coding_id))
    return rows


def _path(codes: dict[str, Code], code_id: str) -> list[Code]:
    out: list[Code] = []
    cur: str | None = code_id
    while cur is not None and cur in codes:
        out.append(codes[cur])
        cur = codes[cur].parent_id
    return list(reversed(out))


def collect_quotes(
    project: Project, flt: QuoteFilter | None = None, pseudo: Pseudonymiser | None = None
) -> list[QuoteRow]:
    """The rows of a quote export: filtered, ordered, pseudonymised."""
    return coding_rows(project, filtered_codings(project, flt or QuoteFilter()), pseudo)
