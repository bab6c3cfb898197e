"""Wrap a transcript into display lines once, so the view renders only what is visible.

A transcript of 5,000 segments becomes a few flat integer arrays (segment, start, end, row per
display line); drawing a screenful is then a handful of array look-ups, whatever the size.
Offsets are ``str`` indices into the source text, as everywhere in mpu-qual.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mpu_qual.linebreak import cells, clusters, drawn, wrap_spans

__all__ = [
    "GAP",
    "PAD",
    "TEXT",
    "SegmentInfo",
    "TranscriptLayout",
    "cells",
    "clusters",
    "drawn",
    "wrap_spans",
]

#: Row kinds: a text row of a segment, a padding row (segment shorter than its gutter), a gap.
TEXT, PAD, GAP = 0, 1, 2


@dataclass
class SegmentInfo:
    """What the gutter shows for one segment (the time is formatted only when drawn)."""

    start: int
    end: int
    start_ms: int | None
    idx: int
    speaker: str
    group: str

    @property
    def time(self) -> str:
        if self.start_ms is None:
            return f"#{self.idx + 1}"
        s = max(0, self.start_ms) // 1000
        return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


class TranscriptLayout:
    """Display lines of one transcript at one width.

    Each segment takes at least as many rows as its gutter needs (``gutter_rows``: time and
    speaker, then the stakeholder group) and is followed by a one-row gap.
    """

    def __init__(
        self,
        text: str,
        segments: Sequence[SegmentInfo],
        width: int,
        gutter_rows: Callable[[bool], int] = lambda group: 2 if group else 1,
    ) -> None:
        self.text = text
        self.segments = list(segments)
        self.width = max(4, width)
        self.gutter_rows = gutter_rows
        self.seg_starts = [s.start for s in self.segments]
        self._build()

    def _build(self) -> None:
        text, width = self.text, self.width
        seg_l: list[int] = []
        st_l: list[int] = []
        en_l: list[int] = []
        kind_l: list[int] = []
        row_l: list[int] = []
        first: list[int] = []
        last = len(self.segments) - 1
        for k, seg in enumerate(self.segments):
            first.append(len(seg_l))
            a, b = seg.start, seg.end
            if b - a <= width and text.find("\n", a, b) == -1 and cells(text, a, b) <= width:
                spans = [(a, b)]  # the common case: a short turn fits on one line
            elif b > a:
                spans = wrap_spans(text, a, b, width)
            else:
                spans = [(a, b)]
            n = len(spans)
            seg_l.extend([k] * n)
            st_l.extend(x for x, _ in spans)
            en_l.extend(y for _, y in spans)
            kind_l.extend([TEXT] * n)
            row_l.extend(range(n))
            for row in range(n, self.gutter_rows(bool(seg.group))):
                seg_l.append(k)
                st_l.append(b)
                en_l.append(b)
                kind_l.append(PAD)
                row_l.append(row)
            if k != last:
                seg_l.append(k)
                st_l.append(b)
                en_l.append(b)
                kind_l.append(GAP)
                row_l.append(-1)
        self.line_seg = array("i", seg_l)
        self.line_start = array("i", st_l)
        self.line_end = array("i", en_l)
        self.line_kind = array("b", kind_l)
        self.line_row = array("i", row_l)
        self.first_line = array("i", first)

    def __len__(self) -> int:
        return len(self.line_seg)

    # ------------------------------------------------------------------ look-ups
    def segment_at(self, offset: int) -> int:
        """Index of the segment that holds ``offset`` (the nearest one before it)."""
        if not self.segments:
            return -1
        return max(0, bisect_right(self.seg_starts, offset) - 1)

    def clamp(self, offset: int) -> int:
        """The nearest caret position inside a segment (0..len for an empty transcript)."""
        if not self.segments:
            return 0
        k = self.segment_at(offset)
        seg = self.segments[k]
        if offset < seg.start:
            return seg.start
        if offset > seg.end:
            if (
                k + 1 < len(self.segments)
                and offset - seg.end > self.segments[k + 1].start - offset
            ):
                return self.segments[k + 1].start
            return seg.end
        return offset

    def line_of(self, offset: int) -> int:
        """Display line where the caret at ``offset`` is drawn."""
        if not self.segments:
            return 0
        offset = self.clamp(offset)
        k = self.segment_at(offset)
        y = self.first_line[k]
        end = self.first_line[k + 1] if k + 1 < len(self.first_line) else len(self.line_seg)
        best = y
        for i in range(y, end):
            if self.line_kind[i] != TEXT:
                break
            if self.line_start[i] <= offset:
                best = i
            else:
                break
        return best

    def text_line(self, y: int) -> tuple[int, int] | None:
        """(start, end) of display line ``y`` if it shows text."""
        if 0 <= y < len(self.line_seg) and self.line_kind[y] == TEXT:
            return self.line_start[y], self.line_end[y]
        return None

    def column_of(self, offset: int) -> int:
        """Cell column of the caret at ``offset`` on its display line (inside a character as
        drawn, such as an emoji sequence, the column of that character)."""
        y = self.line_of(offset)
        start = self.line_start[y]
        col = 0
        for _a, b, w in clusters(self.text, start, self.line_end[y]):
            if b > offset:
                break
            col += w
        return col

    def offset_at(self, y: int, column: int) -> int:
        """Caret offset nearest to cell ``column`` on display line ``y``."""
        if not self.segments:
            return 0
        y = max(0, min(y, len(self.line_seg) - 1))
        if self.line_kind[y] != TEXT:
            # padding and gaps belong to the end of the segment above them
            while y > 0 and self.line_kind[y] != TEXT:
                y -= 1
            return self.line_end[y]
        start, end = self.line_start[y], self.line_end[y]
        last_row = y + 1 >= len(self.line_seg) or self.line_kind[y + 1] != TEXT
        col = 0
        for a, b, w in clusters(self.text, start, end):
            if col + w > column:
                return a if column - col < w / 2 or w == 1 else b
            col += w
        if not last_row and end > start and self.line_seg[y + 1] == self.line_seg[y]:
            # stay on this row (the wrap point starts the next): before its last character
            return clusters(self.text, start, end)[-1][0]
        return end
