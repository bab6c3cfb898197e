"""The units of an agreement and each coder's values on them, read from a project.

- ``segment``: every transcript segment with text is a unit (empty segments are left out);
  a coder gives a code the value 1 on a segment when one of their codings with exactly that
  code (sub-codes do not count) overlaps it (shares at least one character);
- ``char``: every character of the selected transcripts is a unit (NVivo's way); a coder's
  value is 1 on the characters inside their codings with that code.

Only codes that at least one chosen coder used in the selected transcripts take part.
Codings are read once with one query; the tallies come from interval arithmetic
(``mpu_qual.team.agreement``), never from per-character arrays.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field

from mpu_qual.errors import MpuQualError
from mpu_qual.store import Project
from mpu_qual.team.agreement import Tally, merge_intervals, tally_from_intervals
from mpu_qual.team.coders import resolve_coders

UNITS = ("segment", "char")


@dataclass
class ScopeSource:
    id: int
    name: str
    length: int
    segments: list[tuple[int, int]] = field(default_factory=list)  # non-empty, by start
    numbers: list[int] = field(default_factory=list)  # each segment's number (1-based)


@dataclass
class Scope:
    """What an agreement is computed over; ``spans[code][coder][source_id]`` are each
    coder's merged (disjoint, sorted) spans of that code in that transcript."""

    unit: str
    coders: list[str]
    codes: list[str]
    sources: list[ScopeSource]
    spans: dict[str, dict[str, dict[int, list[tuple[int, int]]]]]

    def units_per_code(self) -> int:
        if self.unit == "char":
            return sum(s.length for s in self.sources)
        return sum(len(s.segments) for s in self.sources)


def check_unit(unit: str) -> str:
    if unit not in UNITS:
        raise MpuQualError(f"unknown unit '{unit}'", field="unit", hint="Use segment or char.")
    return unit


def build_scope(
    project: Project,
    *,
    coders: list[str] | None = None,
    codes: list[str] | None = None,
    sources: list[str] | None = None,
    unit: str = "segment",
) -> Scope:
    """Resolve coders, codes and transcripts, and read the chosen coders' codings."""
    check_unit(unit)
    chosen = resolve_coders(project, coders)
    wanted_codes = [project.codes.get(c).id for c in codes] if codes else None
    if sources:
        picked = [project.sources.get(name) for name in sources]
        rows = [(s.id, s.name, s.length) for s in picked]
    else:
        rows = project.team.source_headers()
    scope_sources = {sid: ScopeSource(sid, name, length) for sid, name, length in rows}
    if not scope_sources:
        raise MpuQualError("the project has no transcripts", hint="Add one with 'transcripts add'.")
    ids = list(scope_sources)
    if unit == "segment":
        for sid, idx, start, end in project.team.nonempty_segments(ids):
            scope_sources[sid].segments.append((start, end))
            scope_sources[sid].numbers.append(idx + 1)
    raw: dict[str, dict[str, dict[int, list[tuple[int, int]]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    for code_id, coder, sid, start, end in project.team.coding_spans(ids, chosen):
        raw[code_id][coder][sid].append((start, end))
    order = [c.id for c in project.codes.list()]
    used = [cid for cid in order if cid in raw]
    if wanted_codes is not None:
        used = [cid for cid in used if cid in wanted_codes]
    if not used:
        what = f" with {', '.join(wanted_codes)}" if wanted_codes else ""
        where = f" in {', '.join(sources)}" if sources else ""
        raise MpuQualError(
            f"none of {', '.join(chosen)} coded anything{what}{where}",
            hint="Agreement is computed over the codes that at least one chosen coder used.",
        )
    spans = {
        cid: {
            coder: {sid: merge_intervals(s) for sid, s in raw[cid][coder].items()}
            for coder in chosen
        }
        for cid in used
    }
    return Scope(unit, chosen, used, list(scope_sources.values()), spans)


def segment_values(src: ScopeSource, spans: list[tuple[int, int]]) -> set[int]:
    """Indexes (into ``src.segments``) of the segments that ``spans`` overlap."""
    starts = [s for s, _e in src.segments]
    ends = [e for _s, e in src.segments]
    hit: set[int] = set()
    for a, b in spans:
        first = bisect_right(ends, a)  # first segment ending after a
        last = bisect_left(starts, b)  # first segment starting at or after b
        for k in range(first, last):
            s, e = src.segments[k]
            if s < b and e > a:
                hit.add(k)
    return hit


def code_tally(scope: Scope, code_id: str) -> Tally:
    """The tally of one code over every unit of the scope."""
    by_coder = scope.spans[code_id]
    m = len(scope.coders)
    total = Tally.empty(m)
    for src in scope.sources:
        if scope.unit == "char":
            cov = [by_coder[c].get(src.id, []) for c in scope.coders]
            total = total + tally_from_intervals(cov, src.length)
            continue
        sets = [segment_values(src, by_coder[c].get(src.id, [])) for c in scope.coders]
        counts: dict[int, int] = defaultdict(int)
        for s in sets:
            for k in s:
                counts[k] += 1
        hist = [0] * (m + 1)
        for j in counts.values():
            hist[j] += 1
        hist[0] = len(src.segments) - len(counts)
        total = total + Tally(len(src.segments), tuple(hist), tuple(len(s) for s in sets))
    return total
