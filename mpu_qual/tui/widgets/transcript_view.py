"""The transcript view: segments with a gutter, coded spans in colour, a margin of codes.

It is a Line API widget: the transcript is wrapped once into flat arrays (``TranscriptLayout``)
and only the visible rows are drawn, so a 3-hour, 5,000-segment transcript scrolls as fast as a
short one. The view owns the caret and the selection; coding actions live on the screen.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.color import Color
from textual.events import Click, MouseDown, MouseMove, MouseUp, Resize
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from mpu_qual.tui import textnav
from mpu_qual.tui.layout import GAP, PAD, TEXT, TranscriptLayout, cells, clusters, drawn
from mpu_qual.tui.workbench_view import ViewCoding, ViewDoc

GUTTER = 21
LEFT_PANEL = 32  # #left in app.tcss: only used to guess the width before layout
NARROW = 100  # below this terminal width the left panel hides (WorkbenchScreen breakpoints)
MAX_LANES = 4


class TranscriptView(ScrollView, can_focus=True, inherit_bindings=False):
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
        Binding("escape", "screen.view_escape", "Clear selection / cancel re-scope", show=False),
        Binding("enter", "screen.view_enter", "Code the selection (or apply re-scope)", show=False),
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

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.doc: ViewDoc | None = None
        self.layout_: TranscriptLayout | None = None
        self.codings: list[ViewCoding] = []
        self.cursor = 0
        self.anchor: int | None = None
        self.hits: list[tuple[int, int]] = []
        self._seg_codings: dict[int, list[int]] = {}
        self._line_cache: dict[int, int] = {}
        self._label_rows: dict[int, list[int]] = {}
        self._lanes = 1
        self._style_cache: dict[tuple, Style] = {}
        self._goal_column: int | None = None
        self._dragging = False
        self._last_extend: str | None = None

    # ------------------------------------------------------------------ geometry
    @property
    def margin_width(self) -> int:
        width = self.size.width
        return 28 if width >= 120 else 20 if width >= 80 else 12

    @property
    def text_width(self) -> int:
        width = self.scrollable_content_region.width
        margin = self.margin_width
        if not width:
            # Not laid out yet (first load happens on mount): guess from the terminal width
            # and the stylesheet, so that the resize that follows rarely has to wrap again.
            left = LEFT_PANEL if self.app.size.width >= NARROW else 0
            width = max(0, self.app.size.width - left - 3)
            margin = 28 if width + 1 >= 120 else 20 if width + 1 >= 80 else 12
        return max(10, width - GUTTER - margin)

    # ------------------------------------------------------------------ data
    def load(self, doc: ViewDoc, codings: list[ViewCoding], *, cursor: int = 0) -> None:
        """Show a transcript (the caret goes to ``cursor``)."""
        self.doc = doc
        self.hits = []
        self.anchor = None
        self._relayout()
        self.set_codings(codings)
        self.cursor = self.layout_.clamp(cursor) if self.layout_ else 0
        self.scroll_to(y=0, animate=False, immediate=True)
        self.scroll_to_caret(center=cursor > 0)
        self._moved()

    def clear(self) -> None:
        """Show nothing (the project has no transcripts)."""
        self.doc = None
        self.codings = []
        self._seg_codings = {}
        self._label_rows = {}
        self.hits = []
        self.anchor = None
        self.cursor = 0
        self._relayout()
        self.refresh()

    def _relayout(self) -> None:
        if self.doc is None:
            self.layout_ = None
            self.virtual_size = Size(0, 0)
            return
        width = self.text_width - 1  # one cell for the caret after the last character
        if (
            self.layout_ is not None
            and self.layout_.text is self.doc.text
            and self.layout_.width == width
        ):
            return
        self.layout_ = TranscriptLayout(self.doc.text, self.doc.segments, width)
        self._line_cache = {}
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.layout_))
        if self.codings:
            self._index_codings()
        self._style_cache.clear()
        self.refresh()

    def set_codings(self, codings: list[ViewCoding]) -> None:
        """Replace the codings drawn (after any change to them)."""
        codings = sorted(codings, key=lambda c: (c.start, -c.end, c.id))
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
        self.codings = codings
        self._lanes = max(1, min(MAX_LANES, len(lane_end)))
        self._index_codings()
        self.refresh()

    def _index_codings(self) -> None:
        """Which codings touch each segment, and the margin row of each coding's label.

        Offsets map to display lines through a cache kept for the current layout, so adding
        one coding to a transcript with hundreds re-indexes in about a millisecond.
        """
        lay = self.layout_
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
        self.refresh()

    # ------------------------------------------------------------------ selection API
    @property
    def selection(self) -> tuple[int, int] | None:
        """The selected span (start < end) or None."""
        if self.anchor is None or self.anchor == self.cursor:
            return None
        return (min(self.anchor, self.cursor), max(self.anchor, self.cursor))

    def select(self, start: int, end: int, *, center: bool = True) -> None:
        """Select ``[start, end)`` with the caret at its end and bring it into view."""
        lay = self.layout_
        if lay is None:
            return
        self.anchor = max(0, min(start, len(lay.text)))
        self.cursor = max(0, min(end, len(lay.text)))
        self._goal_column = None
        self._last_extend = None
        self.scroll_to_caret(center=center, offset=self.anchor)
        self._moved()

    def move_to(self, offset: int, *, center: bool = True) -> None:
        """Put the caret at ``offset`` (no selection)."""
        if self.layout_ is None:
            return
        self.anchor = None
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

    # ------------------------------------------------------------------ caret movement
    def _moved(self) -> None:
        self.refresh()
        self.post_message(self.CursorMoved(self))

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
        self.anchor = None
        self._last_extend = None
        self.cursor = target
        self.scroll_to_caret()
        self._moved()

    def action_extend(self, unit: str, direction: int) -> None:
        if self.layout_ is None or not self.layout_.segments:
            return
        if self.anchor is None:
            self.anchor = self.cursor
        keep_goal = unit in ("line", "page")
        target = self._target(unit, direction)
        if not keep_goal:
            self._goal_column = None
        self.cursor = target
        self._last_extend = None
        self.scroll_to_caret()
        self._moved()

    def action_swap_ends(self) -> None:
        if self.anchor is not None:
            self.anchor, self.cursor = self.cursor, self.anchor
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
        if self.anchor is not None:
            self.anchor = None
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
            self.anchor, self.cursor = sel[0], new_end
        else:
            k = lay.segment_at(self.cursor)
            seg = lay.segments[k]
            a, b = textnav.sentence_at(text, self.cursor, seg.start, seg.end)
            if b <= a:
                return
            self.anchor, self.cursor = a, b
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
            self.anchor, self.cursor = sel[0], lay.segments[k].end
        else:
            seg = lay.segments[lay.segment_at(self.cursor)]
            if seg.end <= seg.start:
                return
            self.anchor, self.cursor = seg.start, seg.end
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

    # ------------------------------------------------------------------ mouse
    def _offset_at_event(self, event: MouseDown | MouseMove | MouseUp | Click) -> int | None:
        if self.layout_ is None or not self.layout_.segments:
            return None
        pos = event.get_content_offset_capture(self)
        y = pos.y + round(self.scroll_offset.y)
        x = pos.x - GUTTER
        if y >= len(self.layout_):
            return self.layout_.segments[-1].end
        return self.layout_.offset_at(max(0, y), max(0, min(x, self.text_width)))

    def _margin_coding(self, event: MouseDown) -> ViewCoding | None:
        pos = event.get_content_offset_capture(self)
        if pos.x < GUTTER + self.text_width or self.layout_ is None:
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
            if self.anchor is None:
                self.anchor = self.cursor
        else:
            self.anchor = off
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
            if self.anchor == self.cursor:
                self.anchor = None
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
            self.anchor, self.cursor = a, b
            self._moved()

    def _on_resize(self, event: Resize) -> None:
        self._relayout()
        self.scroll_to_caret()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # ------------------------------------------------------------------ drawing
    def _line_codings(self, y: int) -> list[ViewCoding]:
        lay = self.layout_
        if lay is None or not (0 <= y < len(lay)) or not self._seg_codings:
            return []
        k = lay.line_seg[y]
        seg = lay.segments[k]
        kind = lay.line_kind[y]
        out = []
        for i in self._seg_codings.get(k, ()):
            c = self.codings[i]
            if kind == TEXT:
                a, b = lay.line_start[y], lay.line_end[y]
                hit = c.start < b and c.end > a or (a == b and c.start <= a < c.end)
            elif kind == PAD:
                hit = c.start < seg.end <= c.end
            else:
                hit = c.start <= seg.end < c.end
            if hit:
                out.append(c)
        return out

    def _coding_style(self, covering: tuple[ViewCoding, ...], base_bg: Color) -> Style:
        key = ("c", tuple(c.color for c in covering), base_bg.hex)
        style = self._style_cache.get(key)
        if style is None:
            inner = min(covering, key=lambda c: c.end - c.start)
            if len(covering) == 1:
                bg = base_bg.blend(Color.parse(inner.color), 0.45)
                style = Style(bgcolor=bg.rich_color)
            else:
                bg = base_bg.blend(Color.parse(inner.color), 0.7)
                style = Style(bgcolor=bg.rich_color, underline=True, bold=True)
            self._style_cache[key] = style
        return style

    def _fg_style(self, color: str, bold: bool = False) -> Style:
        key = ("fg", color, bold)
        style = self._style_cache.get(key)
        if style is None:
            style = Style(color=Color.parse(color).rich_color, bold=bold)
            self._style_cache[key] = style
        return style

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        lay = self.layout_
        line = y + round(self.scroll_offset.y)
        if lay is None or self.doc is None or line >= len(lay):
            return Strip.blank(width, base)
        segments = self._gutter(line, base) + self._text(line, base) + self._margin(line, base)
        return Strip(segments).adjust_cell_length(width, base)

    def _gutter(self, y: int, base: Style) -> list[Segment]:
        lay = self.layout_
        assert lay is not None and self.doc is not None
        row = lay.line_row[y]
        seg = lay.segments[lay.line_seg[y]]
        if row == 0:
            time_style = base + self.get_component_rich_style("transcript-view--time")
            spk_style = base + self.get_component_rich_style("transcript-view--speaker")
            color = self.doc.speaker_colors.get(seg.speaker)
            if color:
                spk_style += self._fg_style(color, bold=True)
            speaker = set_cell_size(seg.speaker, GUTTER - 11)
            return [
                Segment(" " + set_cell_size(seg.time, 9), time_style),
                Segment(speaker + " ", spk_style),
            ]
        if row == 1 and seg.group:
            style = base + self.get_component_rich_style("transcript-view--group")
            return [Segment(" " + set_cell_size(seg.group, GUTTER - 2) + " ", style)]
        # styled like the group row, so exported screenshots keep gutter and text apart
        style = base + self.get_component_rich_style("transcript-view--group")
        return [Segment(" " * GUTTER, style)]

    def _text(self, y: int, base: Style) -> list[Segment]:
        lay = self.layout_
        assert lay is not None and self.doc is not None
        width = self.text_width
        if lay.line_kind[y] != TEXT:
            return [Segment(" " * width, base)]
        text = self.doc.text
        a, b = lay.line_start[y], lay.line_end[y]
        text_style = base + self.get_component_rich_style("transcript-view--text")
        base_bg = (
            Color.from_rich_color(text_style.bgcolor) if text_style.bgcolor else Color(0, 0, 0)
        )
        sel = self.selection
        focused = self.has_focus
        sel_style = self.get_component_rich_style("transcript-view--selection")
        cur_style = self.get_component_rich_style("transcript-view--cursor")
        hit_style = self.get_component_rich_style("transcript-view--hit")
        covering_all = self._line_codings(y)
        cuts = {a, b}
        for c in covering_all:
            cuts.add(max(a, c.start))
            cuts.add(min(b, c.end))
        if sel:
            cuts.update(x for x in sel if a < x < b)
        if a <= self.cursor < b:
            cuts.update((self.cursor, self.cursor + 1))
        hits = self._hits_in(a, b)
        for h in hits:
            cuts.update(x for x in h if a < x < b)
        # cut only between characters as drawn: an emoji sequence or a letter with its
        # accent measured in two pieces would not take the cells the layout gave it
        bounds = [x for x, _y, _w in clusters(text, a, b)] + [b]
        snapped = {bounds[bisect_right(bounds, x) - 1] for x in cuts if a <= x <= b}
        caret = None
        if a <= self.cursor < b:
            k = bisect_right(bounds, self.cursor) - 1
            caret = bounds[k]
            snapped.add(bounds[k + 1])  # the caret covers the whole character it is on
        points = sorted(snapped)
        out: list[Segment] = []
        for p, q in zip(points, points[1:], strict=False):
            if q <= p:
                continue
            style = text_style
            cov = tuple(c for c in covering_all if c.start <= p and c.end >= q)
            if cov:
                style = style + self._coding_style(cov, base_bg)
            if any(h[0] <= p and h[1] >= q for h in hits):
                style = style + hit_style
            if sel and sel[0] <= p and sel[1] >= q:
                style = style + sel_style
            if focused and p == caret:
                style = style + cur_style
            out.append(Segment(drawn(text[p:q]), style))
        used = cells(text, a, b)
        # the caret after the last character of a segment (or of an empty one)
        next_is_same = (
            y + 1 < len(lay)
            and lay.line_kind[y + 1] == TEXT
            and lay.line_seg[y + 1] == lay.line_seg[y]
        )
        if focused and self.cursor == b and not next_is_same:
            out.append(Segment(" ", text_style + cur_style))
            used += 1
        if used < width:
            out.append(Segment(" " * (width - used), base))
        return out

    def _hits_in(self, a: int, b: int) -> list[tuple[int, int]]:
        if not self.hits:
            return []
        i = bisect_left(self.hits, (a - 10_000, 0))
        out = []
        for h in self.hits[i:]:
            if h[0] >= b:
                break
            if h[1] > a:
                out.append(h)
        return out

    def _margin(self, y: int, base: Style) -> list[Segment]:
        width = self.margin_width
        style = base + self.get_component_rich_style("transcript-view--margin")
        covering = self._line_codings(y)
        lanes = [Segment(" ", style)] * self._lanes
        for c in covering:
            lane = min(c.lane, MAX_LANES - 1)
            char = "┃" if c.lane < MAX_LANES else "+"
            lanes[lane] = Segment(char, style + self._fg_style(c.color))
        out = [Segment(" ", style), *lanes, Segment(" ", style)]
        room = width - self._lanes - 2
        for n, i in enumerate(self._label_rows.get(y, [])):
            c = self.codings[i]
            label = c.label + ("*" if c.memo else "")
            if n:
                label = " " + label
            if room <= 1:
                break
            if cell_len(label) > room:
                label = set_cell_size(label, room - 1) + "…"
            out.append(Segment(label, style + self._fg_style(c.color, bold=True)))
            room -= cell_len(label)
        if room > 0:
            out.append(Segment(" " * room, style))
        return out


__all__ = ["GAP", "PAD", "TEXT", "TranscriptView", "ViewCoding", "ViewDoc"]
