"""Many segments of one transcript split (and relabelled) in one pass: one text rewrite.

``SegmentEditor.split`` rewrites the transcript's text, its codings and every later segment
for each cut; applying a diarization cuts hundreds of segments, and doing that one cut at a
time rewrote (and journaled) the whole text hundreds of times. ``split_many`` computes the
final text, segments and codings once and writes each changed row once, inside the caller's
action, with the same results as the cuts made one by one from the last to the first: the
white space at a cut becomes a line break, a piece's time starts at the cut's time when it
lies inside the segment (else in proportion to the text), and codings move with their words.
"""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mpu_qual.errors import MpuQualError
from mpu_qual.store.segment_edits import _copy, _split_time
from mpu_qual.store.segment_rows import EditReport, check_storable, load_source, write_layout
from mpu_qual.store.segment_rows import Seg as _Seg


@dataclass
class Piece:
    """One piece of a stored segment: where its text starts in the segment's text, the time
    of that cut (ignored for the first piece), and what the piece is labelled with."""

    at: int
    start_ms: int | None
    speaker: str | None
    meta: dict[str, Any]


class _Edits:
    """Offsets of the old text -> the new, where each ``[lo, hi)`` of ``edits`` (in order, not
    overlapping) became its piece; the same answers as segment_edits._SpanMap for one edit."""

    def __init__(self, old: str, edits: Sequence[tuple[int, int, str]]) -> None:
        self.los = [lo for lo, _, _ in edits]
        self.his = [hi for _, hi, _ in edits]
        self.ops = [
            difflib.SequenceMatcher(None, old[lo:hi], piece, autojunk=False).get_opcodes()
            for lo, hi, piece in edits
        ]
        self.sizes = [len(piece) for _, _, piece in edits]
        self.shift = [0]
        for lo, hi, piece in edits:
            self.shift.append(self.shift[-1] + len(piece) - (hi - lo))
        self.lo = self.los[0] if edits else 0

    def skips(self, start: int, end: int) -> bool:
        return not self.los or (end <= self.lo and start < self.lo)

    def touches(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self.his, start)  # the first edit ending after ``start``
        return i < len(self.los) and (start >= self.los[i] or end > self.los[i])

    def __call__(self, off: int, side: str) -> int:
        i = bisect.bisect_right(self.los, off) - 1  # the last edit starting at or before off
        if i < 0:
            return off
        lo, hi, shift = self.los[i], self.his[i], self.shift[i]
        if off == lo and side == "end":
            return off + shift
        if off > hi or (off == hi and side == "start"):
            return off + self.shift[i + 1]
        rel, size = off - lo, self.sizes[i]
        if side == "start" and rel == hi - lo:
            return lo + shift + size
        for _tag, i1, i2, j1, j2 in self.ops[i]:
            inside = i1 <= rel < i2 if side == "start" else i1 < rel <= i2
            if not inside:
                continue
            if _tag == "equal":
                return lo + shift + j1 + (rel - i1)
            return lo + shift + (j1 if side == "start" else j2)
        return lo + shift + (size if side == "end" else 0)


def _pieces_of(
    g: _Seg, text: str, pieces: Sequence[Piece]
) -> tuple[list[_Seg], list[tuple[int, int]], list[tuple[int, int, str]]]:
    """The segments ``g`` becomes, their texts' bounds in ``text`` (the segment's text), and
    the text edits at its cuts (old lo, old hi, a line break in place of the white space)."""
    cuts = [p.at for p in pieces[1:]]
    if any(not 0 < c < len(text) for c in cuts) or cuts != sorted(set(cuts)):
        raise MpuQualError("a speaker split did not match the segment's text", field="segment")
    bounds: list[tuple[int, int]] = []
    start = 0
    for k in range(len(pieces)):
        end = len(text[: cuts[k]].rstrip()) if k < len(cuts) else len(text)
        bounds.append((start, end))
        if k < len(cuts):
            start = cuts[k] + len(text[cuts[k] :]) - len(text[cuts[k] :].lstrip())
    if any(b <= a for a, b in bounds):
        raise MpuQualError(
            "put the caret inside the segment's text to split it (both parts need words)",
            field="segment",
        )
    times: list[tuple[int | None, int | None]] = [(g.start_ms, g.end_ms)] * len(pieces)
    end_ms = g.end_ms
    for k in range(len(pieces) - 1, 0, -1):  # as the cuts were made one by one, last first
        current = _Seg(None, 0, None, None, 0, 0, g.start_ms, end_ms, {})
        left, right = bounds[k - 1][1], bounds[k][1] - bounds[k][0]
        cut_ms = _split_time(current, pieces[k].start_ms, left, right)
        times[k] = (cut_ms, end_ms)
        end_ms = cut_ms
    times[0] = (g.start_ms, end_ms)
    segs = [
        _Seg(g.id if k == 0 else None, 0, p.speaker, None, 0, 0, *times[k], dict(p.meta))
        for k, p in enumerate(pieces)
    ]
    edits = [(g.start + bounds[k][1], g.start + bounds[k + 1][0], "\n") for k in range(len(cuts))]
    return segs, bounds, edits


def split_many(
    conn: Any, source_id: int, plan: Mapping[int, Sequence[Piece]], report: EditReport
) -> list[_Seg]:
    """Split and relabel the planned segments of one transcript, inside the caller's action.
    A segment with one piece is only relabelled. Returns the new segments in order."""
    _name, old, old_segs = load_source(conn, source_id)
    new_segs: list[_Seg] = []
    inner: list[tuple[_Seg, tuple[int, int]]] = []
    edits: list[tuple[int, int, str]] = []
    parts: list[tuple[_Seg, _Seg, tuple[int, int] | None]] = []  # new, old, text bounds
    for g in old_segs:
        pieces = plan.get(g.id or -1)
        if not pieces:
            seg = _copy(g)
            new_segs.append(seg)
            parts.append((seg, g, None))
            continue
        if len(pieces) == 1:
            p = pieces[0]
            seg = _Seg(g.id, g.idx, p.speaker, None, g.start, g.end, g.start_ms, g.end_ms, p.meta)
            new_segs.append(seg)
            parts.append((seg, g, None))
            continue
        made, bounds, cut_edits = _pieces_of(g, old[g.start : g.end], pieces)
        edits += cut_edits
        for seg, bound in zip(made, bounds, strict=True):
            new_segs.append(seg)
            parts.append((seg, g, bound))
    mapping = _Edits(old, edits)
    pos, chunks = 0, []
    for lo, hi, piece in edits:
        chunks += [old[pos:lo], piece]
        pos = hi
    new_text = "".join([*chunks, old[pos:]])
    check_storable(new_text)
    spans: list[tuple[int, int]] = []
    for seg, g, text_bounds in parts:
        if text_bounds is None:
            spans.append((mapping(g.start, "start"), mapping(g.end, "end")))
        else:
            lo_at, hi_at = g.start + text_bounds[0], g.start + text_bounds[1]
            span = (mapping(lo_at, "start"), mapping(hi_at, "end"))
            spans.append(span)
            inner.append((seg, span))
    prev = 0
    for start, end in spans:
        if not prev <= start <= end <= len(new_text):
            raise AssertionError("segments do not tile the new text")  # a bug, not input
        prev = end
    write_layout(conn, source_id, new_text, mapping, old_segs, new_segs, spans, inner, report)
    return new_segs
