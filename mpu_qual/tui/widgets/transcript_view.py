"""The transcript view: segments with a gutter, coded spans in colour, a margin of codes.

It is a Line API widget: the transcript is wrapped once into flat arrays (``TranscriptLayout``)
and only the visible rows are drawn, so a 3-hour, 5,000-segment transcript scrolls as fast as a
short one. The view owns the caret and the selection; coding actions live on the screen.

A component (``mpu_qual.tui.components``): its inputs are ``load``, ``set_codings`` and
``set_hits``; it tells the screen what happened with its messages (``CursorMoved``,
``Confirmed``, ``Cancelled``), and ``caret_listeners`` for what must follow the caret in the
same frame.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.events import Click, MouseDown, MouseMove, MouseUp, Resize
from textual.geometry import Size
from textual.message import Message

from mpu_qual.tui import textnav
from mpu_qual.tui.layout import GAP, PAD, TEXT, TranscriptLayout
from mpu_qual.tui.widgets.transcript_caret import CaretMovement
from mpu_qual.tui.widgets.transcript_drawing import TranscriptDrawing
from mpu_qual.tui.widgets.transcript_sizes import (
    GUTTER,
    LEFT_PANEL,
    MAX_LANES,
    MAX_LANES_COMPACT,
    NARROW,
    geometry,
    gutter_rows,
)
from mpu_qual.tui.workbench_view import ViewCoding, ViewDoc


def assign_lanes(codings: list[ViewCoding]) -> int:
    """Give each coding (sorted by start) a margin lane, the first one free at its start;
    returns how many lanes they need."""
    lane_end: list[int] = []
    for c in codings:
        for lane, end in enumerate(lane_end):
            if end <= c.start:
                c.lane = lane
                lane_end[lane] = c.end
                break
        else:
            c.lane = len(lane_end)
            lane_end.append(c.end)
    return len(lane_end)


class TranscriptView(CaretMovement, TranscriptDrawing, can_focus=True, inherit_bindings=False):
    """Keyboard-first reading, selecting and coding of one transcript."""

    COMPONENT_CLASSES = {
        "transcript-view--time",
        "transcript-view--speaker",
        "transcript-view--group",
        "transcript-view--text",
        "transcript-view--selection",
        "transcript-view--cursor",
        "transcript-view--margin",
        "transcript-view--hit",
        "transcript-view--current",
        "transcript-view--current-mark",
    }

    BINDINGS = [
        Binding("left", "move('char', -1)", "Caret left", show=False),
        Binding("right", "move('char', 1)", "Caret right", show=False),
        Binding("up", "move('line', -1)", "Line up", show=False),
        Binding("down", "move('line', 1)", "Line down", show=False),
        Binding("ctrl+left", "move('word', -1)", "Word left", show=False),
        Binding("ctrl+right", "move('word', 1)", "Word right", show=False),
        Binding("home", "move('home', 0)", "Start of line", show=False),
        Binding("end", "move('end', 0)", "End of line", show=False),
        Binding("pageup", "move('page', -1)", "Page up", show=False),
        Binding("pagedown", "move('page', 1)", "Page down", show=False),
        Binding("ctrl+home", "move('top', 0)", "Start of transcript", show=False),
        Binding("ctrl+end", "move('bottom', 0)", "End of transcript", show=False),
        Binding("shift+left", "extend('char', -1)", "Select: character left", show=False),
        Binding("shift+right", "extend('char', 1)", "Select: character right", show=False),
        Binding("shift+up", "extend('line', -1)", "Select: line up", show=False),
        Binding("shift+down", "extend('line', 1)", "Select: line down", show=False),
        Binding("ctrl+shift+left", "extend('word', -1)", "Select: word left", show=False),
        Binding("ctrl+shift+right", "extend('word', 1)", "Select: word right", show=False),
        Binding("shift+home", "extend('home', 0)", "Select: to start of line", show=False),
        Binding("shift+end", "extend('end', 0)", "Select: to end of line", show=False),
        Binding("s", "select_sentence", "Select sentence (again: extend)", show=False),
        Binding("t", "select_segment", "Select segment (again: extend)", show=False),
        Binding("o", "swap_ends", "Move caret to other end of selection", show=False),
        Binding("ctrl+c", "copy", "Copy the selected text", show=False),
        Binding("escape", "cancel", "Clear selection / cancel re-scope", show=False),
        Binding("enter", "confirm", "Code the selection (or apply re-scope)", show=False),
        Binding("right_square_bracket", "jump_segment(1)", "Next segment", show=False),
        Binding("left_square_bracket", "jump_segment(-1)", "Previous segment", show=False),
        Binding("right_curly_bracket", "jump_speaker(1)", "Next turn of this speaker", show=False),
        Binding(
            "left_curly_bracket", "jump_speaker(-1)", "Previous turn of this speaker", show=False
        ),
        Binding("u", "jump_uncoded(1)", "Next uncoded segment", show=False),
        Binding("U", "jump_uncoded(-1)", "Previous uncoded segment", show=False),
    ]

    DEFAULT_CSS = """
    TranscriptView {
        overflow-y: scroll;
        overflow-x: hidden;
    }
    """

    class CursorMoved(Message):
        """The caret or the selection changed."""

        def __init__(self, view: TranscriptView) -> None:
            super().__init__()
            self.view = view

    class Confirmed(Message):
        """Enter: the user means the selection (code it, or apply a re-scope)."""

    class Cancelled(Message):
        """Escape: the user cancels what is under way (the selection clears after it)."""

    def action_confirm(self) -> None:
        self.post_message(self.Confirmed())

    def action_cancel(self) -> None:
        self.post_message(self.Cancelled())

    def _moved(self) -> None:
        self._refresh_caret_lines()
        for listener in self.caret_listeners:
            listener()
        self.post_message(self.CursorMoved(self))

    def _caret_lines(self, cursor: int, anchor: int | None) -> set[int]:
        """Display lines whose drawing depends on the caret and the selection: the current
        segment (tinted as a whole), the caret's line and its neighbours (the caret after a
        line's last character), and the selected lines."""
        lay = self.layout_
        assert lay is not None
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

    def _refresh_caret_lines(self) -> None:
        """Repaint what a caret or selection change altered: only the lines that differ
        from the last drawing when nothing scrolled (a move within the screen repaints a few
        lines, not the whole view), else the whole view."""
        lay = self.layout_
        drawn = self._drawn_caret
        sy = round(self.scroll_offset.y)
        height = self.scrollable_content_region.height
        if lay is None or not lay.segments or drawn is None or drawn[2] != sy or not height:
            self.refresh()
            return
        lines = self._caret_lines(drawn[0], drawn[1]) | self._caret_lines(
            self.cursor, self.selection_anchor
        )
        visible = sorted(y for y in lines if sy <= y < sy + height)
        if len(visible) >= height:
            self.refresh()
            return
        # one region per run of consecutive lines
        start = visible[0] if visible else 0
        for n, y in enumerate(visible):
            if n + 1 == len(visible) or visible[n + 1] != y + 1:
                self.refresh_lines(start, y - start + 1)
                if n + 1 < len(visible):
                    start = visible[n + 1]

    # ------------------------------------------------------------------ geometry
    def _geometry(self) -> tuple[int, int, int]:
        """(gutter, margin, text) cells: the text first (transcript_sizes.geometry)."""
        width = self.scrollable_content_region.width
        if not width:
            # Not laid out yet (first load happens on mount): guess from the terminal width
            # and the stylesheet, so that the resize that follows rarely has to wrap again.
            left = LEFT_PANEL if self.app.size.width >= NARROW else 0
            width = max(0, self.app.size.width - left - 3)
        return geometry(width, self._lane_count)

    @property
    def gutter_width(self) -> int:
        """Cells left of the text: time, speaker and group."""
        return self._geometry()[0]

    @property
    def margin_width(self) -> int:
        """Cells right of the text: the lanes of codes and their labels (none when nothing
        in the transcript is coded)."""
        return self._geometry()[1]

    @property
    def text_width(self) -> int:
        return self._geometry()[2]

    @property
    def max_lanes(self) -> int:
        return MAX_LANES if self.gutter_width == GUTTER else MAX_LANES_COMPACT

    # ------------------------------------------------------------------ data
    def load(self, doc: ViewDoc, codings: list[ViewCoding], *, cursor: int = 0) -> None:
        """Show a transcript (the caret goes to ``cursor``)."""
        self.doc = doc
        self.hits = []
        self.selection_anchor = None
        self.clear_drawn_lines()
        codings = sorted(codings, key=lambda c: (c.start, -c.end, c.id))
        self._lane_count = assign_lanes(codings)  # the margin's width, before wrapping once
        self._relayout()
        self.set_codings(codings)
        self.cursor = self.layout_.clamp(cursor) if self.layout_ else 0
        self.scroll_to(y=0, animate=False, immediate=True)
        self.scroll_to_caret(center=cursor > 0)
        self._moved()

    def clear(self) -> None:
        """Show nothing (the project has no transcripts)."""
        self.doc = None
        self.clear_drawn_lines()
        self.codings = []
        self._lane_count = 0
        self._seg_codings = {}
        self._label_rows = {}
        self.hits = []
        self.selection_anchor = None
        self.cursor = 0
        self._relayout()
        self.refresh()

    def _relayout(self) -> None:
        if self.doc is None:
            self.layout_ = None
            self.virtual_size = Size(0, 0)
            return
        gutter, _margin, text_width = self._geometry()
        width = text_width - 1  # one cell for the caret after the last character
        if (
            self.layout_ is not None
            and self.layout_.text is self.doc.text
            and self.layout_.width == width
            and self._layout_gutter == gutter
        ):
            return
        self._layout_gutter = gutter
        self.layout_ = TranscriptLayout(
            self.doc.text,
            self.doc.segments,
            width,
            lambda group: gutter_rows(gutter, group),
        )
        self._line_cache = {}
        self.clear_drawn_lines()
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.layout_))
        if self.codings:
            self._index_codings()
        self._style_cache.clear()
        self.refresh()

    def set_codings(self, codings: list[ViewCoding]) -> None:
        """Replace the codings drawn (after any change to them). When the margin keeps its
        lanes, only the lines whose drawing changed are drawn again (a coding added or
        undone: its segments' lines and the margin rows whose labels moved), not the view."""
        codings = sorted(codings, key=lambda c: (c.start, -c.end, c.id))
        before = self._drawn_codings()
        lanes = assign_lanes(codings)
        self.codings = codings
        self._lanes = max(1, min(MAX_LANES, lanes))
        if lanes != self._lane_count:
            # the margin appears with the first coding (and widens with a new lane):
            # the text may have to wrap again
            self._lane_count = lanes
            self._relayout()
            self._index_codings()
            self.refresh()
            return
        self._index_codings(clear=False)
        self._refresh_changed_lines(before, self._drawn_codings())

    def _drawn_codings(self) -> tuple[dict[int, tuple], dict[int, list[int]]]:
        """What the drawing of the codings depends on: each coding's span, lane, colour,
        label and memo (by id), and the ids labelled on each margin row."""
        shown = {
            c.id: (c.start, c.end, c.lane, c.color, c.label, bool(c.memo)) for c in self.codings
        }
        rows = {y: [self.codings[i].id for i in ix] for y, ix in self._label_rows.items()}
        return shown, rows

    def _refresh_changed_lines(
        self,
        before: tuple[dict[int, tuple], dict[int, list[int]]],
        after: tuple[dict[int, tuple], dict[int, list[int]]],
    ) -> None:
        lay = self.layout_
        if lay is None or not lay.segments:
            self.clear_drawn_lines()
            self.refresh()
            return
        lines: set[int] = set()
        for shown, other in ((before[0], after[0]), (after[0], before[0])):
            for cid, drawn in shown.items():
                if other.get(cid) != drawn:  # every line of the segments it covers
                    k0 = lay.segment_at(drawn[0])
                    k1 = lay.segment_at(max(drawn[0], drawn[1] - 1))
                    end = lay.first_line[k1 + 1] if k1 + 1 < len(lay.first_line) else len(lay)
                    lines.update(range(lay.first_line[k0], end))
        for y in before[1].keys() | after[1].keys():
            if before[1].get(y) != after[1].get(y):
                lines.add(y)
        for y in lines:
            self._drawn_lines.pop(y, None)
        sy = round(self.scroll_offset.y)
        height = self.scrollable_content_region.height
        visible = sorted(y for y in lines if sy <= y < sy + height)
        start = visible[0] if visible else 0
        for n, y in enumerate(visible):  # one region per run of consecutive lines
            if n + 1 == len(visible) or visible[n + 1] != y + 1:
                self.refresh_lines(start, y - start + 1)
                if n + 1 < len(visible):
                    start = visible[n + 1]

    def _index_codings(self, *, clear: bool = True) -> None:
        """Which codings touch each segment, and the margin row of each coding's label.

        Offsets map to display lines through a cache kept for the current layout, so adding
        one coding to a transcript with hundreds re-indexes in about a millisecond.
        """
        lay = self.layout_
        if clear:
            self.clear_drawn_lines()
        if lay is None:
            return
        cache = self._line_cache

        def line(offset: int) -> int:
            y = cache.get(offset)
            if y is None:
                y = cache[offset] = lay.line_of(offset)
            return y

        seg_codings: dict[int, list[int]] = {}
        rows: dict[int, list[int]] = {}
        for i, c in enumerate(self.codings):
            k0 = lay.segment_at(c.start)
            k1 = lay.segment_at(max(c.start, c.end - 1))
            for k in range(k0, k1 + 1):
                seg_codings.setdefault(k, []).append(i)
            y = line(c.start)
            last = line(max(c.start, c.end - 1))
            while y in rows and y < last:
                y += 1
            rows.setdefault(y, []).append(i)
        self._seg_codings = seg_codings
        self._label_rows = rows

    def set_hits(self, hits: list[tuple[int, int]]) -> None:
        """Search hits in this transcript, marked in the text."""
        self.hits = sorted(hits)
        self.clear_drawn_lines()
        self.refresh()

    # ------------------------------------------------------------------ selection API
    @property
    def selection(self) -> tuple[int, int] | None:
        """The selected span (start < end) or None."""
        if self.selection_anchor is None or self.selection_anchor == self.cursor:
            return None
        return (min(self.selection_anchor, self.cursor), max(self.selection_anchor, self.cursor))

    def select(self, start: int, end: int, *, center: bool = True) -> None:
        """Select ``[start, end)`` with the caret at its end and bring it into view."""
        lay = self.layout_
        if lay is None:
            return
        self.selection_anchor = max(0, min(start, len(lay.text)))
        self.cursor = max(0, min(end, len(lay.text)))
        self._goal_column = None
        self._last_extend = None
        self.scroll_to_caret(center=center, offset=self.selection_anchor)
        self._moved()

    def move_to(self, offset: int, *, center: bool = True) -> None:
        """Put the caret at ``offset`` (no selection)."""
        if self.layout_ is None:
            return
        self.selection_anchor = None
        self.cursor = self.layout_.clamp(offset)
        self._goal_column = None
        self.scroll_to_caret(center=center)
        self._moved()

    def codings_at(self, offset: int | None = None) -> list[ViewCoding]:
        """Codings that cover the caret (or ``offset``), innermost first.

        A caret just after a coded passage still counts as "at" it, so End then x works.
        """
        off = self.cursor if offset is None else offset
        found = [c for c in self.codings if c.start <= off < c.end]
        if not found:
            found = [c for c in self.codings if c.end == off]
        return sorted(found, key=lambda c: (c.end - c.start, c.id))

    def codings_for_action(self) -> list[ViewCoding]:
        """Codings the user means: those matching or overlapping the selection, else at the caret."""
        sel = self.selection
        if sel is None:
            return self.codings_at()
        exact = [c for c in self.codings if (c.start, c.end) == sel]
        if exact:
            return exact
        return sorted(
            (c for c in self.codings if c.start < sel[1] and c.end > sel[0]),
            key=lambda c: (c.end - c.start, c.id),
        )

    @property
    def segment_index(self) -> int:
        return self.layout_.segment_at(self.cursor) if self.layout_ else -1

    def selected_segment_ids(self) -> list[int]:
        """Database ids of the segments the selection (or the caret) touches."""
        if self.layout_ is None or self.doc is None:
            return []
        sel = self.selection or (self.cursor, self.cursor)
        k0 = self.layout_.segment_at(sel[0])
        k1 = self.layout_.segment_at(max(sel[0], sel[1] - 1)) if sel[1] > sel[0] else k0
        return self.doc.segment_ids[k0 : k1 + 1]

    # ------------------------------------------------------------------ mouse
    def _offset_at_event(self, event: MouseDown | MouseMove | MouseUp | Click) -> int | None:
        if self.layout_ is None or not self.layout_.segments:
            return None
        pos = event.get_content_offset_capture(self)
        y = pos.y + round(self.scroll_offset.y)
        x = pos.x - self.gutter_width
        if y >= len(self.layout_):
            return self.layout_.segments[-1].end
        return self.layout_.offset_at(max(0, y), max(0, min(x, self.text_width)))

    def _margin_coding(self, event: MouseDown) -> ViewCoding | None:
        pos = event.get_content_offset_capture(self)
        if pos.x < self.gutter_width + self.text_width or self.layout_ is None:
            return None
        y = pos.y + round(self.scroll_offset.y)
        for i in self._label_rows.get(y, []):
            return self.codings[i]
        covering = self._line_codings(y)
        return covering[0] if covering else None

    async def _on_mouse_down(self, event: MouseDown) -> None:
        if event.button != 1:
            return
        self.focus()
        coding = self._margin_coding(event)
        if coding is not None:
            self.select(coding.start, coding.end, center=False)
            return
        off = self._offset_at_event(event)
        if off is None:
            return
        if event.shift:
            if self.selection_anchor is None:
                self.selection_anchor = self.cursor
        else:
            self.selection_anchor = off
        self.cursor = off
        self._goal_column = None
        self._last_extend = None
        self._dragging = True
        self.capture_mouse()
        self._moved()

    async def _on_mouse_move(self, event: MouseMove) -> None:
        if not self._dragging:
            return
        off = self._offset_at_event(event)
        if off is not None and off != self.cursor:
            self.cursor = off
            self.scroll_to_caret()
            self._moved()

    async def _on_mouse_up(self, event: MouseUp) -> None:
        if self._dragging:
            self._dragging = False
            self.release_mouse()
            if self.selection_anchor == self.cursor:
                self.selection_anchor = None
                self._moved()

    async def _on_click(self, event: Click) -> None:
        if self.layout_ is None or self.doc is None or event.chain < 2:
            return
        off = self._offset_at_event(event)
        if off is None:
            return
        seg = self.layout_.segments[self.layout_.segment_at(off)]
        if event.chain == 2:
            a, b = textnav.word_at(self.doc.text, off, seg.start, seg.end)
        else:
            a, b = seg.start, seg.end
        if b > a:
            self.selection_anchor, self.cursor = a, b
            self._moved()

    def _on_resize(self, event: Resize) -> None:
        self._relayout()
        self.scroll_to_caret()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()


__all__ = ["GAP", "PAD", "TEXT", "TranscriptView", "ViewCoding", "ViewDoc"]
