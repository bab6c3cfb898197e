"""Keyboard movement in the transcript view: the caret by character, word, sentence, line and\nturn; extending the selection; jumps to the next turn, speaker or uncoded turn.\n"""

from __future__ import annotations

from mpu_qual.tui import textnav
from mpu_qual.tui.layout import TEXT
from mpu_qual.tui.widgets.transcript_state import TranscriptState


class CaretMovement(TranscriptState):
    """Mixed into TranscriptView: the caret and the selection, driven by keys."""

    # ------------------------------------------------------------------ caret movement
    def scroll_to_caret(self, *, center: bool = False, offset: int | None = None) -> None:
        lay = self.layout_
        if lay is None:
            return
        y = lay.line_of(self.cursor)
        top = lay.line_of(offset) if offset is not None else y
        height = max(1, self.scrollable_content_region.height or self.size.height)
        sy = round(self.scroll_offset.y)
        if center:
            if top < sy or y >= sy + height:
                self.scroll_to(y=max(0, min(top, y) - height // 3), animate=False, immediate=True)
            return
        if y < sy:
            self.scroll_to(y=y, animate=False, immediate=True)
        elif y >= sy + height:
            self.scroll_to(y=y - height + 1, animate=False, immediate=True)

    def show_whole_segment(self, k: int) -> None:
        """Scroll so that segment ``k`` is visible from its first row to its last (its first
        rows when it is taller than the view): after ], [ and the other segment jumps.

        A segment out of view is brought in with a third of the view to spare beyond it (on
        the side it came from): the next few ] (or [) then move the caret without scrolling.
        A scroll repaints the whole screen (Textual's compositor: 10-20 ms on two loaded
        cores, benchmarks/bench_keys.py); a caret move only the rows that changed."""
        lay = self.layout_
        if lay is None or not 0 <= k < len(lay.segments):
            return
        seg = lay.segments[k]
        first = lay.line_of(seg.start)
        last = max(first + 1, lay.line_of(seg.end))  # the gutter takes two rows
        height = max(1, self.scrollable_content_region.height or self.size.height)
        sy = round(self.scroll_offset.y)
        spare = max(0, min(height // 3, height - (last - first + 1)))
        if first < sy:  # above: it goes to the lower part, the rows before it in view
            self.scroll_to(
                y=max(0, min(first, last + spare - height + 1)), animate=False, immediate=True
            )
        elif last >= sy + height:  # below: to the upper part, the rows after it in view
            self.scroll_to(
                y=max(0, min(first, max(first - spare, last - height + 1))),
                animate=False,
                immediate=True,
            )

    def _target(self, unit: str, direction: int) -> int:
        lay = self.layout_
        assert lay is not None and self.doc is not None
        text = self.doc.text
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
            if self._goal_column is None:
                self._goal_column = lay.column_of(cur)
            step = 1 if unit == "line" else max(1, self.scrollable_content_region.height - 2)
            ny = y + direction * step
            ny = max(0, min(len(lay) - 1, ny))
            # skip padding and gaps so that up/down always land on text
            while 0 < ny < len(lay) - 1 and lay.line_kind[ny] != TEXT:
                ny += 1 if direction > 0 else -1
            if lay.line_kind[ny] != TEXT:
                return cur
            return lay.offset_at(ny, self._goal_column)
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

    def action_move(self, unit: str, direction: int) -> None:
        if self.layout_ is None or not self.layout_.segments:
            return
        keep_goal = unit in ("line", "page")
        target = self._target(unit, direction)
        if not keep_goal:
            self._goal_column = None
        self.selection_anchor = None
        self._last_extend = None
        self.cursor = target
        self.scroll_to_caret()
        self._moved()

    def action_extend(self, unit: str, direction: int) -> None:
        if self.layout_ is None or not self.layout_.segments:
            return
        if self.selection_anchor is None:
            self.selection_anchor = self.cursor
        keep_goal = unit in ("line", "page")
        target = self._target(unit, direction)
        if not keep_goal:
            self._goal_column = None
        self.cursor = target
        self._last_extend = None
        self.scroll_to_caret()
        self._moved()

    def action_swap_ends(self) -> None:
        if self.selection_anchor is not None:
            self.selection_anchor, self.cursor = self.cursor, self.selection_anchor
            self.scroll_to_caret()
            self._moved()

    def action_copy(self) -> None:
        sel = self.selection
        if sel is None or self.doc is None:
            self.app.notify("Select some text to copy first.", severity="warning")
            return
        self.app.copy_to_clipboard(self.doc.text[sel[0] : sel[1]])
        self.app.notify(f"Copied {sel[1] - sel[0]} characters.", timeout=2)

    def action_clear_selection(self) -> None:
        if self.selection_anchor is not None:
            self.selection_anchor = None
            self._last_extend = None
            self._moved()

    def action_select_sentence(self) -> None:
        """Select the sentence at the caret; pressed again, add the next sentence."""
        lay = self.layout_
        if lay is None or self.doc is None or not lay.segments:
            return
        text = self.doc.text
        sel = self.selection
        if sel is not None and self._last_extend == "sentence":
            end = sel[1]
            k = lay.segment_at(end)
            seg = lay.segments[k]
            while end < seg.end and text[end].isspace():
                end += 1
            if end >= seg.end:
                if k + 1 >= len(lay.segments):
                    return
                seg = lay.segments[k + 1]
                end = seg.start
            new_end = textnav.sentence_end_after(text, end, seg.end)
            self.selection_anchor, self.cursor = sel[0], new_end
        else:
            k = lay.segment_at(self.cursor)
            seg = lay.segments[k]
            a, b = textnav.sentence_at(text, self.cursor, seg.start, seg.end)
            if b <= a:
                return
            self.selection_anchor, self.cursor = a, b
        self._last_extend = "sentence"
        self._goal_column = None
        self.scroll_to_caret()
        self._moved()

    def action_select_segment(self) -> None:
        """Select the whole segment; pressed again, add the next segment."""
        lay = self.layout_
        if lay is None or not lay.segments:
            return
        sel = self.selection
        if sel is not None and self._last_extend == "segment":
            k = lay.segment_at(sel[1])
            if sel[1] >= lay.segments[k].end:
                k += 1
            if k >= len(lay.segments):
                return
            self.selection_anchor, self.cursor = sel[0], lay.segments[k].end
        else:
            seg = lay.segments[lay.segment_at(self.cursor)]
            if seg.end <= seg.start:
                return
            self.selection_anchor, self.cursor = seg.start, seg.end
        self._last_extend = "segment"
        self._goal_column = None
        self.scroll_to_caret()
        self._moved()

    def action_jump_segment(self, direction: int) -> None:
        lay = self.layout_
        if lay is None or not lay.segments:
            return
        k = lay.segment_at(self.cursor) + direction
        if 0 <= k < len(lay.segments):
            # the view first (from where it is: the caret's own minimal scroll would leave
            # the segment on the edge, and the next press would scroll again), then the caret
            self.show_whole_segment(k)
            self.move_to(lay.segments[k].start, center=False)

    def action_jump_speaker(self, direction: int) -> None:
        lay = self.layout_
        if lay is None or not lay.segments:
            return
        k = lay.segment_at(self.cursor)
        who = lay.segments[k].speaker
        k += direction
        while 0 <= k < len(lay.segments):
            if lay.segments[k].speaker == who:
                self.move_to(lay.segments[k].start)
                return
            k += direction
        self.app.notify(f"No more turns by {who or 'this speaker'} in this direction.")

    def is_coded(self, k: int) -> bool:
        seg = self.layout_.segments[k] if self.layout_ else None
        if seg is None or not self._seg_codings:
            return False
        return any(
            self.codings[i].start < seg.end and self.codings[i].end > seg.start
            for i in self._seg_codings.get(k, ())
        )

    def action_jump_uncoded(self, direction: int) -> None:
        lay = self.layout_
        if lay is None or not lay.segments:
            return
        k = lay.segment_at(self.cursor) + direction
        while 0 <= k < len(lay.segments):
            seg = lay.segments[k]
            if seg.end > seg.start and not self.is_coded(k):
                self.move_to(seg.start)
                return
            k += direction
        self.app.notify("Every segment in this direction is coded.")
