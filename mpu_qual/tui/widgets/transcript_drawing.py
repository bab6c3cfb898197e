"""How the transcript view draws a line: the gutter (time, speaker), the text with coded spans
coloured and search hits marked, and the margin lanes that show which codes cover a line.

``TranscriptPainter`` is a plain object the view holds. It owns the styles it has built and
the lines it has drawn: a line away from the caret and the selection looks the same wherever
the caret is, so a scroll draws only the lines that entered the view or that the caret
touches. The cache holds while the data and the styles are the same: the view clears it when
the data changes (``forget_lines``), and a change of style is seen by comparing the styles
after each full repaint or change of style (``forget_base_style``). The styles read then (the
widget's and its components') serve the lines drawn until the next: a repaint of a few lines
(a caret move, a coding) reads none of them again.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.strip import Strip

from mpu_qual.tui.layout import TEXT, TranscriptLayout, cells, clusters, drawn
from mpu_qual.tui.widgets.transcript_caret import CaretModel, caret_lines
from mpu_qual.tui.widgets.transcript_codings import CodingIndex
from mpu_qual.tui.widgets.transcript_sizes import GUTTER, MAX_LANES, MAX_LANES_COMPACT
from mpu_qual.tui.workbench_view import ViewCoding, ViewDoc

#: Lanes drawn beside the wide gutter (fewer beside the narrow one).
GUTTER_LANES = {GUTTER: MAX_LANES}

#: The component classes the painter styles (TranscriptView.COMPONENT_CLASSES).
PAINTED_COMPONENTS = {
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

#: (gutter, margin, text) cells (transcript_sizes.geometry).
Geometry = tuple[int, int, int]
#: What the lines were drawn with: the widget's style, the width, the component styles.
DrawnStyles = tuple[Style, int, tuple[Style, ...]]
#: Cache keys of the styles built: ("c", colours, background) and ("fg", colour, bold).
StyleKey = tuple[str, tuple[str, ...] | str, str | bool]


def fit(label: str, width: int) -> str:
    """``label`` in exactly ``width`` cells: padded, or cut with "…" where it is longer."""
    if cell_len(label) > width:
        return set_cell_size(label, width - 1) + "…"
    return set_cell_size(label, width)


class TranscriptPainter:
    """Draws the lines of a transcript view and remembers what it drew.

    ``widget_style`` and ``component_style`` are the view's (``rich_style`` and
    ``get_component_rich_style``); ``geometry`` gives the (gutter, margin, text) cells;
    ``caret`` and ``codings`` are the view's caret and coding index, read when drawing.
    """

    def __init__(
        self,
        *,
        widget_style: Callable[[], Style],
        component_style: Callable[[str], Style],
        components: Iterable[str],
        geometry: Callable[[], Geometry],
        caret: CaretModel,
        codings: CodingIndex,
    ) -> None:
        self.widget_style = widget_style
        self.component_style = component_style
        self.components = sorted(components)
        self.geometry = geometry
        self.caret = caret
        self.codings = codings
        # (cursor, selection anchor, scroll y) as last drawn: a caret move repaints only the
        # lines that differ between that and the new state (TranscriptView.moved)
        self.drawn_caret: tuple[int, int | None, int] | None = None
        self._drawn_lines: dict[int, Strip] = {}
        self._line_styles: DrawnStyles | None = None
        self._base_style: Style | None = None  # read once: it walks every ancestor
        self._components: dict[str, Style] = {}  # each component's style, read with it
        self._style_cache: dict[StyleKey, Style] = {}
        # the lines the caret and the selection touch, for (layout, cursor, anchor)
        self._caret_set: tuple[tuple[int, int, int | None] | None, set[int]] = (None, set())

    def forget_lines(self, lines: Iterable[int] | None = None) -> None:
        """Forget the lines drawn (all, or ``lines``): what they show changed."""
        if lines is None:
            self._drawn_lines.clear()
            return
        for y in lines:
            self._drawn_lines.pop(y, None)

    def forget_styles(self) -> None:
        """A new layout: the styles built are built again when needed."""
        self._style_cache.clear()

    def forget_base_style(self) -> None:
        """The styles may have changed (a full repaint, a change of style): read the
        widget's and its components' styles again before the next line is drawn."""
        self._base_style = None

    # ------------------------------------------------------------------ styles
    def _coding_style(self, covering: tuple[ViewCoding, ...], base_bg: Color) -> Style:
        key: StyleKey = ("c", tuple(c.color for c in covering), base_bg.hex)
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
        key: StyleKey = ("fg", color, bold)
        style = self._style_cache.get(key)
        if style is None:
            style = Style(color=Color.parse(color).rich_color, bold=bold)
            self._style_cache[key] = style
        return style

    def _styles_now(self, width: int) -> Style:
        """The widget's style (read again after ``forget_base_style``); lines drawn with
        other styles are forgotten."""
        base = self._base_style
        if base is None or self._line_styles is None or self._line_styles[1] != width:
            base = self._base_style = self.widget_style()
            self._components = {n: self.component_style(n) for n in self.components}
            styles = (base, width, tuple(self._components.values()))
            if styles != self._line_styles:
                self._line_styles = styles
                self._drawn_lines.clear()
        return base

    # ------------------------------------------------------------------ lines
    def render(
        self,
        line: int,
        scroll_y: int,
        width: int,
        *,
        layout: TranscriptLayout | None,
        doc: ViewDoc | None,
        hits: list[tuple[int, int]],
        focused: bool,
    ) -> Strip:
        """Display line ``line`` (the view scrolled to ``scroll_y``), ``width`` cells wide."""
        base = self._styles_now(width)
        caret = self.caret
        self.drawn_caret = (caret.cursor, caret.anchor, scroll_y)
        if layout is None or doc is None or line >= len(layout):
            return Strip.blank(width, base)
        # lines away from the caret and the selection look the same wherever the caret is
        key = (id(layout), caret.cursor, caret.anchor)
        if self._caret_set[0] != key:
            self._caret_set = (key, caret_lines(layout, caret.cursor, caret.anchor))
        if line in self._caret_set[1]:
            return self._draw_line(line, base, width, layout, doc, hits, focused)
        strip = self._drawn_lines.get(line)
        if strip is None:
            if len(self._drawn_lines) > 4096:  # a long scroll: keep memory bounded
                self._drawn_lines.clear()
            strip = self._draw_line(line, base, width, layout, doc, hits, focused)
            self._drawn_lines[line] = strip
        return strip

    def _draw_line(
        self,
        line: int,
        base: Style,
        width: int,
        lay: TranscriptLayout,
        doc: ViewDoc,
        hits: list[tuple[int, int]],
        focused: bool,
    ) -> Strip:
        current = lay.line_seg[line] == lay.segment_at(self.caret.cursor)
        if current:  # the segment at the caret is tinted as a whole, gutter to margin
            base = base + self._components["transcript-view--current"]
        gutter, margin, text_width = self.geometry()  # once a line: the region is not free
        segments = (
            self._gutter(line, base, gutter, lay, doc)
            + self._text(line, base, text_width, lay, doc, hits, focused)
            + self._margin(line, base, margin, GUTTER_LANES.get(gutter, MAX_LANES_COMPACT), lay)
        )
        if current and segments and segments[0].text.startswith(" "):
            mark = base + self._components["transcript-view--current-mark"]
            segments[0] = Segment(segments[0].text[1:], segments[0].style)
            segments.insert(0, Segment("▌", mark))
        return Strip(segments).adjust_cell_length(width, base)

    def _gutter(
        self, y: int, base: Style, gutter: int, lay: TranscriptLayout, doc: ViewDoc
    ) -> list[Segment]:
        row = lay.line_row[y]
        seg = lay.segments[lay.line_seg[y]]
        time_style = base + self._components["transcript-view--time"]
        group_style = base + self._components["transcript-view--group"]
        if row == 0 or (row == 1 and gutter != GUTTER):
            spk_style = base + self._components["transcript-view--speaker"]
            color = doc.speaker_colors.get(seg.speaker)
            if color:
                spk_style += self._fg_style(color, bold=True)
            if gutter != GUTTER:  # narrow: the speaker, then the time below it
                if row == 0:
                    return [Segment(" " + fit(seg.speaker, gutter - 2) + " ", spk_style)]
                return [Segment(" " + set_cell_size(seg.time, gutter - 1), time_style)]
            speaker = set_cell_size(seg.speaker, GUTTER - 11)
            return [
                Segment(" " + set_cell_size(seg.time, 9), time_style),
                Segment(speaker + " ", spk_style),
            ]
        if row == lay.gutter_rows(True) - 1 and seg.group:
            return [Segment(" " + fit(seg.group, gutter - 2) + " ", group_style)]
        # styled like the group row, so exported screenshots keep gutter and text apart
        return [Segment(" " * gutter, group_style)]

    def _text(
        self,
        y: int,
        base: Style,
        width: int,
        lay: TranscriptLayout,
        doc: ViewDoc,
        all_hits: list[tuple[int, int]],
        focused: bool,
    ) -> list[Segment]:
        if lay.line_kind[y] != TEXT:
            return [Segment(" " * width, base)]
        text = doc.text
        cursor = self.caret.cursor
        a, b = lay.line_start[y], lay.line_end[y]
        text_style = base + self._components["transcript-view--text"]
        base_bg = (
            Color.from_rich_color(text_style.bgcolor) if text_style.bgcolor else Color(0, 0, 0)
        )
        sel = self.caret.selection
        sel_style = self._components["transcript-view--selection"]
        cur_style = self._components["transcript-view--cursor"]
        hit_style = self._components["transcript-view--hit"]
        covering_all = self.codings.on_line(lay, y)
        cuts = {a, b}
        for c in covering_all:
            cuts.add(max(a, c.start))
            cuts.add(min(b, c.end))
        if sel:
            cuts.update(x for x in sel if a < x < b)
        if a <= cursor < b:
            cuts.update((cursor, cursor + 1))
        hits = hits_in(all_hits, a, b)
        for h in hits:
            cuts.update(x for x in h if a < x < b)
        # cut only between characters as drawn: an emoji sequence or a letter with its
        # accent measured in two pieces would not take the cells the layout gave it
        bounds = [x for x, _y, _w in clusters(text, a, b)] + [b]
        snapped = {bounds[bisect_right(bounds, x) - 1] for x in cuts if a <= x <= b}
        caret = None
        if a <= cursor < b:
            k = bisect_right(bounds, cursor) - 1
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
        if focused and cursor == b and not next_is_same:
            out.append(Segment(" ", text_style + cur_style))
            used += 1
        if used < width:
            out.append(Segment(" " * (width - used), base))
        return out

    def _margin(
        self, y: int, base: Style, width: int, most: int, lay: TranscriptLayout
    ) -> list[Segment]:
        if width <= 0:
            return []
        index = self.codings
        style = base + self._components["transcript-view--margin"]
        covering = index.on_line(lay, y)
        n_lanes = min(index.lanes, most)
        lanes = [Segment(" ", style)] * n_lanes
        for c in covering:
            lane = min(c.lane, most - 1)
            char = "┃" if c.lane < most else "+"
            lanes[lane] = Segment(char, style + self._fg_style(c.color))
        out = [Segment(" ", style), *lanes]
        room = width - n_lanes - 1
        if room > 1:
            out.append(Segment(" ", style))
            room -= 1
            for n, i in enumerate(index.label_rows.get(y, [])):
                c = index.codings[i]
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


def hits_in(hits: list[tuple[int, int]], a: int, b: int) -> list[tuple[int, int]]:
    """The hits (sorted) that overlap ``[a, b)``."""
    if not hits:
        return []
    i = bisect_left(hits, (a - 10_000, 0))
    out = []
    for h in hits[i:]:
        if h[0] >= b:
            break
        if h[1] > a:
            out.append(h)
    return out


def line_runs(lines: list[int]) -> list[tuple[int, int]]:
    """(first line, count) of each run of consecutive lines in ``lines`` (sorted): one
    region to repaint per run."""
    runs: list[tuple[int, int]] = []
    start = lines[0] if lines else 0
    for n, y in enumerate(lines):
        if n + 1 == len(lines) or lines[n + 1] != y + 1:
            runs.append((start, y - start + 1))
            if n + 1 < len(lines):
                start = lines[n + 1]
    return runs
