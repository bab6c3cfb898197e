"""The caret and the selection in a transcript: where each key moves them (by character, word,
sentence, line, page and turn) over the wrapped layout. A plain object the transcript view
holds; the view scrolls, repaints and tells the screen after each change.
"""

from __future__ import annotations

from collections.abc import Callable

from mpu_qual.tui import textnav
from mpu_qual.tui.layout import TEXT, TranscriptLayout


def caret_lines(lay: TranscriptLayout, cursor: int, anchor: int | None) -> set[int]:
    """Display lines whose drawing depends on the caret and the selection: the current
    segment (tinted as a whole), the caret's line and its neighbours (the caret after a
    line's last character), and the selected lines."""
    k = lay.segment_at(cursor)
    first = lay.first_line[k]
    end = lay.first_line[k + 1] if k + 1 < len(lay.first_line) else len(lay)
    lines = set(range(first, end))
    y = lay.line_of(cursor)
    lines.update((y - 1, y, y + 1))
    if anchor is not None and anchor != cursor:
        a, b = lay.line_of(min(anchor, cursor)), lay.line_of(max(anchor, cursor))
        lines.update(range(a - 1, b + 2))
    return lines


#: CaretModel.move or CaretModel.extend: (layout, text, unit, direction, lines a page moves).
CaretStep = Callable[[TranscriptLayout, str, str, int, int], None]


class CaretModel:
    """The caret (``cursor``), the other end of the selection (``anchor``), the column that up
    and down keep, and what s / t extended last (pressed again, they extend further)."""

    def __init__(self) -> None:
        self.cursor = 0
        # the other end of the selection (None: nothing selected)
        self.anchor: int | None = None
        self.goal_column: int | None = None
        self.last_extend: str | None = None

    @property
    def selection(self) -> tuple[int, int] | None:
        """The selected span (start < end) or None."""
        if self.anchor is None or self.anchor == self.cursor:
            return None
        return (min(self.anchor, self.cursor), max(self.anchor, self.cursor))

    def put(self, offset: int) -> None:
        """The caret at ``offset`` (already clamped), nothing selected."""
        self.anchor = None
        self.cursor = offset
        self.goal_column = None

    def press(self, offset: int, *, extend: bool) -> None:
        """A mouse press at ``offset``: the caret there, the selection starting there (or,
        with ``extend``, from where it started, else from the caret)."""
        if not extend:
            self.anchor = offset
        elif self.anchor is None:
            self.anchor = self.cursor
        self.cursor = offset
        self.goal_column = None
        self.last_extend = None

    def segments(self, lay: TranscriptLayout) -> tuple[int, int]:
        """The first and last segment the selection (or the caret) touches."""
        sel = self.selection or (self.cursor, self.cursor)
        k0 = lay.segment_at(sel[0])
        k1 = lay.segment_at(max(sel[0], sel[1] - 1)) if sel[1] > sel[0] else k0
        return k0, k1

    def select_around(self, lay: TranscriptLayout, text: str, offset: int, whole: bool) -> bool:
        """Select the word at ``offset`` (``whole``: its segment); False: nothing there."""
        seg = lay.segments[lay.segment_at(offset)]
        a, b = (seg.start, seg.end) if whole else textnav.word_at(text, offset, seg.start, seg.end)
        if b <= a:
            return False
        self.anchor, self.cursor = a, b
        return True

    def select(self, start: int, end: int) -> None:
        """Select ``[start, end)`` (already clamped), the caret at its end."""
        self.anchor, self.cursor = start, end
        self.goal_column = None
        self.last_extend = None

    def target(self, lay: TranscriptLayout, text: str, unit: str, direction: int, page: int) -> int:
        """Where ``unit`` (char, word, line, page, home, end, top, bottom) in ``direction``
        takes the caret; ``page`` is the number of lines a page moves."""
        cur = self.cursor
        k = lay.segment_at(cur)
        seg = lay.segments[k]
        if unit == "char":
            if direction < 0:
                if cur > seg.start:
                    return cur - 1
                return lay.segments[k - 1].end if k > 0 else cur
            if cur < seg.end:
                return cur + 1
            return lay.segments[k + 1].start if k + 1 < len(lay.segments) else cur
        if unit == "word":
            if direction < 0:
                if cur == seg.start and k > 0:
                    return lay.segments[k - 1].end
                return textnav.word_left(text, cur, seg.start)
            if cur == seg.end and k + 1 < len(lay.segments):
                return lay.segments[k + 1].start
            return textnav.word_right(text, cur, seg.end)
        y = lay.line_of(cur)
        if unit in ("line", "page"):
            if self.goal_column is None:
                self.goal_column = lay.column_of(cur)
            step = 1 if unit == "line" else max(1, page)
            ny = y + direction * step
            ny = max(0, min(len(lay) - 1, ny))
            # skip padding and gaps so that up/down always land on text
            while 0 < ny < len(lay) - 1 and lay.line_kind[ny] != TEXT:
                ny += 1 if direction > 0 else -1
            if lay.line_kind[ny] != TEXT:
                return cur
            return lay.offset_at(ny, self.goal_column)
        if unit == "home":
            return lay.line_start[y]
        if unit == "end":
            end = lay.line_end[y]
            nxt = y + 1
            if (
                end > lay.line_start[y]
                and nxt < len(lay)
                and lay.line_kind[nxt] == TEXT
                and lay.line_seg[nxt] == k
            ):
                return end - 1
            return end
        if unit == "top":
            return lay.segments[0].start
        if unit == "bottom":
            return lay.segments[-1].end
        raise ValueError(unit)

    def move(self, lay: TranscriptLayout, text: str, unit: str, direction: int, page: int) -> None:
        """Move the caret by ``unit``; the selection goes."""
        target = self.target(lay, text, unit, direction, page)
        if unit not in ("line", "page"):
            self.goal_column = None
        self.anchor = None
        self.last_extend = None
        self.cursor = target

    def extend(
        self, lay: TranscriptLayout, text: str, unit: str, direction: int, page: int
    ) -> None:
        """Move the caret by ``unit``, the selection's other end staying where it is."""
        if self.anchor is None:
            self.anchor = self.cursor
        target = self.target(lay, text, unit, direction, page)
        if unit not in ("line", "page"):
            self.goal_column = None
        self.cursor = target
        self.last_extend = None

    def swap_ends(self) -> bool:
        """The caret to the other end of the selection (False: nothing selected)."""
        if self.anchor is None:
            return False
        self.anchor, self.cursor = self.cursor, self.anchor
        return True

    def clear_selection(self) -> bool:
        """Select nothing (False: nothing was selected)."""
        if self.anchor is None:
            return False
        self.anchor = None
        self.last_extend = None
        return True

    def select_sentence(self, lay: TranscriptLayout, text: str) -> bool:
        """Select the sentence at the caret; again, add the next one (False: nothing to do)."""
        sel = self.selection
        if sel is not None and self.last_extend == "sentence":
            end = sel[1]
            k = lay.segment_at(end)
            seg = lay.segments[k]
            while end < seg.end and text[end].isspace():
                end += 1
            if end >= seg.end:
                if k + 1 >= len(lay.segments):
                    return False
                seg = lay.segments[k + 1]
                end = seg.start
            new_end = textnav.sentence_end_after(text, end, seg.end)
            self.anchor, self.cursor = sel[0], new_end
        else:
            seg = lay.segments[lay.segment_at(self.cursor)]
            a, b = textnav.sentence_at(text, self.cursor, seg.start, seg.end)
            if b <= a:
                return False
            self.anchor, self.cursor = a, b
        self.last_extend = "sentence"
        self.goal_column = None
        return True

    def select_segment(self, lay: TranscriptLayout) -> bool:
        """Select the whole segment; again, add the next one (False: nothing to do)."""
        sel = self.selection
        if sel is not None and self.last_extend == "segment":
            k = lay.segment_at(sel[1])
            if sel[1] >= lay.segments[k].end:
                k += 1
            if k >= len(lay.segments):
                return False
            self.anchor, self.cursor = sel[0], lay.segments[k].end
        else:
            seg = lay.segments[lay.segment_at(self.cursor)]
            if seg.end <= seg.start:
                return False
            self.anchor, self.cursor = seg.start, seg.end
        self.last_extend = "segment"
        self.goal_column = None
        return True


# ---------------------------------------------------------------------- scrolling
def caret_scroll(
    lay: TranscriptLayout, cursor: int, top: int | None, sy: int, height: int, *, center: bool
) -> int | None:
    """Where the view (at ``sy``, ``height`` lines) scrolls to show the caret (and the offset
    ``top``, a selection's start, with ``center``); None: it stays."""
    y = lay.line_of(cursor)
    first = lay.line_of(top) if top is not None else y
    if center:
        if first < sy or y >= sy + height:
            return max(0, min(first, y) - height // 3)
        return None
    if y < sy:
        return y
    if y >= sy + height:
        return y - height + 1
    return None


def segment_scroll(lay: TranscriptLayout, k: int, sy: int, height: int) -> int | None:
    """Where the view (at ``sy``, ``height`` lines) scrolls so that segment ``k`` is visible
    from its first row to its last (its first rows when it is taller than the view); None: it
    stays.

    A segment out of view is brought in with a third of the view to spare beyond it (on
    the side it came from): the next few ] (or [) then move the caret without scrolling.
    A scroll repaints the whole screen (Textual's compositor: 10-20 ms on two loaded
    cores, benchmarks/bench_keys.py); a caret move only the rows that changed."""
    seg = lay.segments[k]
    first = lay.line_of(seg.start)
    last = max(first + 1, lay.line_of(seg.end))  # the gutter takes two rows
    spare = max(0, min(height // 3, height - (last - first + 1)))
    if first < sy:  # above: it goes to the lower part, the rows before it in view
        return max(0, min(first, last + spare - height + 1))
    if last >= sy + height:  # below: to the upper part, the rows after it in view
        return max(0, min(first, max(first - spare, last - height + 1)))
    return None


def speaker_turn(lay: TranscriptLayout, cursor: int, direction: int) -> int | None:
    """The next segment (in ``direction``) by the speaker of the caret's; None: no more."""
    k = lay.segment_at(cursor)
    who = lay.segments[k].speaker
    k += direction
    while 0 <= k < len(lay.segments):
        if lay.segments[k].speaker == who:
            return k
        k += direction
    return None
