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

from collections.abc import Callable
from typing import Self

from textual.events import Click, MouseDown, MouseMove, MouseUp, Resize
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from mpu_qual.tui.layout import GAP, PAD, TEXT, TranscriptLayout
from mpu_qual.tui.widgets.transcript_caret import (
    CaretModel,
    CaretStep,
    caret_lines,
    caret_scroll,
    segment_scroll,
    speaker_turn,
)
from mpu_qual.tui.widgets.transcript_codings import CodingIndex, assign_lanes, sort_codings
from mpu_qual.tui.widgets.transcript_drawing import (
    PAINTED_COMPONENTS,
    Geometry,
    TranscriptPainter,
    line_runs,
)
from mpu_qual.tui.widgets.transcript_keys import TRANSCRIPT_BINDINGS
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


class TranscriptView(ScrollView, can_focus=True, inherit_bindings=False):
    """Keyboard-first reading, selecting and coding of one transcript.

    One widget made of three plain parts, each with the state it owns: ``caret`` (the caret
    and the selection, and where keys move them: transcript_caret.py), ``coding_index`` (the
    codings drawn, by segment and margin row: transcript_codings.py) and ``painter`` (the
    drawing of a line, and the lines and styles it keeps: transcript_drawing.py).
    """

    COMPONENT_CLASSES = PAINTED_COMPONENTS

    BINDINGS = TRANSCRIPT_BINDINGS

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

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        # the parts first: Textual may repaint (refresh) while the widget initialises
        self.caret = CaretModel()
        self.coding_index = CodingIndex()
        self.painter = TranscriptPainter(
            widget_style=lambda: self.rich_style,
            component_style=self.get_component_rich_style,
            components=self.COMPONENT_CLASSES,
            geometry=self._geometry,
            caret=self.caret,
            codings=self.coding_index,
        )
        super().__init__(id=id, classes=classes)
        self.doc: ViewDoc | None = None
        self.layout_: TranscriptLayout | None = None
        self.hits: list[tuple[int, int]] = []
        self._layout_gutter = GUTTER
        self._dragging = False
        # called at once after each caret or selection change, before CursorMoved is posted:
        # what they redraw (the workbench's status line) reaches the same frame as the caret
        self.caret_listeners: list[Callable[[], object]] = []

    # ------------------------------------------------------------------ the parts' state
    @property
    def cursor(self) -> int:
        """The caret's offset in the transcript's text."""
        return self.caret.cursor

    @cursor.setter
    def cursor(self, offset: int) -> None:
        self.caret.cursor = offset

    @property
    def selection_anchor(self) -> int | None:
        """The other end of the selection (not ``anchor``: Widget.anchor is a Textual method)."""
        return self.caret.anchor

    @selection_anchor.setter
    def selection_anchor(self, offset: int | None) -> None:
        self.caret.anchor = offset

    @property
    def selection(self) -> tuple[int, int] | None:
        """The selected span (start < end) or None."""
        return self.caret.selection

    @property
    def codings(self) -> list[ViewCoding]:
        """The codings drawn, sorted by start (replace them with ``set_codings``)."""
        return self.coding_index.codings

    def clear_drawn_lines(self) -> None:
        """Forget the lines drawn (the transcript, its codings or its hits changed)."""
        self.painter.forget_lines()

    # ------------------------------------------------------------------ painting
    def render_line(self, y: int) -> Strip:
        sy = round(self.scroll_offset.y)
        return self.painter.render(
            y + sy,
            sy,
            self.scrollable_content_region.width,
            layout=self.layout_,
            doc=self.doc,
            hits=self.hits,
            focused=self.has_focus,
        )

    def refresh(
        self,
        *regions: Region,
        repaint: bool = True,
        layout: bool = False,
        recompose: bool = False,
    ) -> Self:
        if not regions:  # a repaint of some lines (refresh_lines) keeps the styles read
            self.painter.forget_base_style()
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def notify_style_update(self) -> None:
        self.painter.forget_base_style()
        self.painter.forget_lines()
        super().notify_style_update()

    def _moved(self) -> None:
        self._refresh_caret_lines()
        for listener in self.caret_listeners:
            listener()
        self.post_message(self.CursorMoved(self))

    def _refresh_caret_lines(self) -> None:
        """Repaint what a caret or selection change altered: when nothing scrolled, only
        the lines that differ from the last drawing (a few, not the view), else the view."""
        lay = self.layout_
        drawn = self.painter.drawn_caret
        sy = round(self.scroll_offset.y)
        height = self.scrollable_content_region.height
        if lay is None or not lay.segments or drawn is None or drawn[2] != sy or not height:
            self.refresh()
            return
        lines = caret_lines(lay, drawn[0], drawn[1]) | caret_lines(
            lay, self.caret.cursor, self.caret.anchor
        )
        visible = sorted(y for y in lines if sy <= y < sy + height)
        if len(visible) >= height:
            self.refresh()
            return
        self._refresh_runs(visible)

    def _refresh_runs(self, visible: list[int]) -> None:
        """Repaint the display lines ``visible`` (sorted, in view)."""
        for start, count in line_runs(visible):
            self.refresh_lines(start, count)

    # ------------------------------------------------------------------ caret movement
    def scroll_to_caret(self, *, center: bool = False, offset: int | None = None) -> None:
        """Scroll (if need be) to show the caret, and ``offset`` too with ``center``."""
        if self.layout_ is not None:
            self._scroll_y(
                caret_scroll(self.layout_, self.cursor, offset, *self._view_lines(), center=center)
            )

    def show_whole_segment(self, k: int) -> None:
        """Scroll so that segment ``k`` is visible from its first row to its last (its first
        rows when it is taller than the view): after ], [ and the other segment jumps
        (transcript_caret.segment_scroll)."""
        if self.layout_ is not None and 0 <= k < len(self.layout_.segments):
            self._scroll_y(segment_scroll(self.layout_, k, *self._view_lines()))

    def _view_lines(self) -> tuple[int, int]:
        """(first display line in view, lines in view)."""
        height = max(1, self.scrollable_content_region.height or self.size.height)
        return round(self.scroll_offset.y), height

    def _scroll_y(self, y: int | None) -> None:
        if y is not None:
            self.scroll_to(y=y, animate=False, immediate=True)

    def _caret_changed(self) -> None:
        self.scroll_to_caret()
        self._moved()

    def action_move(self, unit: str, direction: int) -> None:
        self._by_key(self.caret.move, unit, direction)

    def action_extend(self, unit: str, direction: int) -> None:
        self._by_key(self.caret.extend, unit, direction)

    def _by_key(self, how: CaretStep, unit: str, direction: int) -> None:
        if self.layout_ is None or not self.layout_.segments or self.doc is None:
            return
        how(self.layout_, self.doc.text, unit, direction, self.scrollable_content_region.height - 2)
        self._caret_changed()

    def action_swap_ends(self) -> None:
        if self.caret.swap_ends():
            self._caret_changed()

    def action_copy(self) -> None:
        sel = self.selection
        if sel is None or self.doc is None:
            self.app.notify("Select some text to copy first.", severity="warning")
            return
        self.app.copy_to_clipboard(self.doc.text[sel[0] : sel[1]])
        self.app.notify(f"Copied {sel[1] - sel[0]} characters.", timeout=2)

    def action_clear_selection(self) -> None:
        if self.caret.clear_selection():
            self._moved()

    def action_select_sentence(self) -> None:
        """Select the sentence at the caret; pressed again, add the next sentence."""
        lay = self.layout_
        if lay is None or self.doc is None or not lay.segments:
            return
        if self.caret.select_sentence(lay, self.doc.text):
            self._caret_changed()

    def action_select_segment(self) -> None:
        """Select the whole segment; pressed again, add the next segment."""
        lay = self.layout_
        if lay is None or not lay.segments:
            return
        if self.caret.select_segment(lay):
            self._caret_changed()

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
        k = speaker_turn(lay, self.cursor, direction)
        if k is not None:
            self.move_to(lay.segments[k].start)
            return
        who = lay.segments[lay.segment_at(self.cursor)].speaker
        self.app.notify(f"No more turns by {who or 'this speaker'} in this direction.")

    def is_coded(self, k: int) -> bool:
        """Whether a coding covers part of segment ``k``."""
        return self.layout_ is not None and self.coding_index.covers(self.layout_, k)

    def action_jump_uncoded(self, direction: int) -> None:
        lay = self.layout_
        if lay is None or not lay.segments:
            return
        k = self.coding_index.next_uncoded(lay, lay.segment_at(self.cursor), direction)
        if k is not None:
            self.move_to(lay.segments[k].start)
            return
        self.app.notify("Every segment in this direction is coded.")

    def action_confirm(self) -> None:
        self.post_message(self.Confirmed())

    def action_cancel(self) -> None:
        self.post_message(self.Cancelled())

    # ------------------------------------------------------------------ geometry
    def _geometry(self) -> Geometry:
        """(gutter, margin, text) cells: the text first (transcript_sizes.geometry)."""
        width = self.scrollable_content_region.width
        if not width:
            # Not laid out yet (first load happens on mount): guess from the terminal width
            # and the stylesheet, so that the resize that follows rarely has to wrap again.
            left = LEFT_PANEL if self.app.size.width >= NARROW else 0
            width = max(0, self.app.size.width - left - 3)
        return geometry(width, self.coding_index.lane_count)

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
        self.caret.anchor = None
        self.clear_drawn_lines()
        codings = sort_codings(codings)
        # the margin's width, before the text wraps once (set_codings takes the codings)
        self.coding_index.lane_count = assign_lanes(codings)
        self._relayout()
        self.set_codings(codings)
        self.caret.cursor = self.layout_.clamp(cursor) if self.layout_ else 0
        self.scroll_to(y=0, animate=False, immediate=True)
        self.scroll_to_caret(center=cursor > 0)
        self._moved()

    def clear(self) -> None:
        """Show nothing (the project has no transcripts)."""
        self.doc = None
        self.clear_drawn_lines()
        self.coding_index.clear()
        self.hits = []
        self.caret.anchor = None
        self.caret.cursor = 0
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
        self.coding_index.new_layout()
        self.clear_drawn_lines()
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.layout_))
        if self.codings:
            self._index_codings()
        self.painter.forget_styles()
        self.refresh()

    def set_codings(self, codings: list[ViewCoding]) -> None:
        """Replace the codings drawn (after any change to them). When the margin keeps its
        lanes, only the lines whose drawing changed are drawn again (a coding added or
        undone: its segments' lines and the margin rows whose labels moved), not the view."""
        before = self.coding_index.shown
        if self.coding_index.replace(sort_codings(codings)):
            # the margin appears with the first coding (and widens with a new lane):
            # the text may have to wrap again
            self._relayout()
            self._index_codings()
            self.refresh()
            return
        self._index_codings(clear=False)
        lay = self.layout_
        if lay is None or not lay.segments:
            self.clear_drawn_lines()
            self.refresh()
            return
        lines = CodingIndex.changed_lines(lay, before, self.coding_index.shown)
        self.painter.forget_lines(lines)
        sy = round(self.scroll_offset.y)
        height = self.scrollable_content_region.height
        self._refresh_runs(sorted(y for y in lines if sy <= y < sy + height))

    def _index_codings(self, *, clear: bool = True) -> None:
        """Index the codings for the current layout (coding_index.index); ``clear``: forget
        the lines drawn too."""
        if clear:
            self.clear_drawn_lines()
        if self.layout_ is not None:
            self.coding_index.index(self.layout_)

    def set_hits(self, hits: list[tuple[int, int]]) -> None:
        """Search hits in this transcript, marked in the text."""
        self.hits = sorted(hits)
        self.clear_drawn_lines()
        self.refresh()

    # ------------------------------------------------------------------ selection API
    def select(self, start: int, end: int, *, center: bool = True) -> None:
        """Select ``[start, end)`` with the caret at its end and bring it into view."""
        lay = self.layout_
        if lay is None:
            return
        n = len(lay.text)
        self.caret.select(max(0, min(start, n)), max(0, min(end, n)))
        self.scroll_to_caret(center=center, offset=self.caret.anchor)
        self._moved()

    def move_to(self, offset: int, *, center: bool = True) -> None:
        """Put the caret at ``offset`` (no selection)."""
        if self.layout_ is None:
            return
        self.caret.put(self.layout_.clamp(offset))
        self.scroll_to_caret(center=center)
        self._moved()

    def codings_at(self, offset: int | None = None) -> list[ViewCoding]:
        """Codings that cover the caret (or ``offset``), innermost first.

        A caret just after a coded passage still counts as "at" it, so End then x works.
        """
        return self.coding_index.at(self.cursor if offset is None else offset)

    def codings_for_action(self) -> list[ViewCoding]:
        """Codings the user means: those matching or overlapping the selection, else at the caret."""
        return self.coding_index.meant(self.selection, self.cursor)

    @property
    def segment_index(self) -> int:
        return self.layout_.segment_at(self.cursor) if self.layout_ else -1

    def selected_segment_ids(self) -> list[int]:
        """Database ids of the segments the selection (or the caret) touches."""
        if self.layout_ is None or self.doc is None:
            return []
        k0, k1 = self.caret.segments(self.layout_)
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
        return self.coding_index.in_margin(self.layout_, y)

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
        self.caret.press(off, extend=event.shift)
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
        whole = event.chain > 2  # a double click selects the word, a triple the segment
        if off is not None and self.caret.select_around(self.layout_, self.doc.text, off, whole):
            self._moved()

    def _on_resize(self, event: Resize) -> None:
        self._relayout()
        self.scroll_to_caret()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()


__all__ = ["GAP", "PAD", "TEXT", "TranscriptView", "ViewCoding", "ViewDoc"]
