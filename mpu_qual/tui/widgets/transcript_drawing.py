"""How the transcript view draws a line: the gutter (time, speaker), the text with coded spans\ncoloured and search hits marked, and the margin lanes that show which codes cover a line.\n"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.strip import Strip

from mpu_qual.tui.layout import PAD, TEXT, cells, clusters, drawn
from mpu_qual.tui.widgets.transcript_sizes import GUTTER, MAX_LANES, MAX_LANES_COMPACT
from mpu_qual.tui.widgets.transcript_state import TranscriptState
from mpu_qual.tui.workbench_view import ViewCoding

#: Lanes drawn beside the wide gutter (fewer beside the narrow one).
GUTTER_LANES = {GUTTER: MAX_LANES}


def fit(label: str, width: int) -> str:
    """``label`` in exactly ``width`` cells: padded, or cut with "…" where it is longer."""
    if cell_len(label) > width:
        return set_cell_size(label, width - 1) + "…"
    return set_cell_size(label, width)


class TranscriptDrawing(TranscriptState):
    """Mixed into TranscriptView (before ScrollView, so its render_line is the one used)."""

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

    def _styles_now(self, width: int) -> Style:
        """The widget's style, once a repaint; lines drawn with other styles are forgotten."""
        base = self._base_style
        if base is None:
            base = self._base_style = self.rich_style
            styles = (
                base,
                width,
                tuple(self.get_component_rich_style(n) for n in sorted(self.COMPONENT_CLASSES)),
            )
            if styles != self._line_styles:
                self._line_styles = styles
                self._drawn_lines.clear()
        return base

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self._styles_now(width)
        lay = self.layout_
        sy = round(self.scroll_offset.y)
        line = y + sy
        self._drawn_caret = (self.cursor, self.selection_anchor, sy)
        if lay is None or self.doc is None or line >= len(lay):
            return Strip.blank(width, base)
        # lines away from the caret and the selection look the same wherever the caret is
        key = (id(lay), self.cursor, self.selection_anchor)
        if self._caret_set[0] != key:
            self._caret_set = (key, self._caret_lines(self.cursor, self.selection_anchor))
        if line in self._caret_set[1]:
            return self._draw_line(line, base, width)
        strip = self._drawn_lines.get(line)
        if strip is None:
            if len(self._drawn_lines) > 4096:  # a long scroll: keep memory bounded
                self._drawn_lines.clear()
            strip = self._drawn_lines[line] = self._draw_line(line, base, width)
        return strip

    def _draw_line(self, line: int, base: Style, width: int) -> Strip:
        lay = self.layout_
        assert lay is not None
        current = lay.line_seg[line] == lay.segment_at(self.cursor)
        if current:  # the segment at the caret is tinted as a whole, gutter to margin
            base = base + self.get_component_rich_style("transcript-view--current")
        gutter, margin, text_width = self._geometry()  # once a line: the region is not free
        segments = (
            self._gutter(line, base, gutter)
            + self._text(line, base, text_width)
            + self._margin(line, base, margin, GUTTER_LANES.get(gutter, MAX_LANES_COMPACT))
        )
        if current and segments and segments[0].text.startswith(" "):
            mark = base + self.get_component_rich_style("transcript-view--current-mark")
            segments[0] = Segment(segments[0].text[1:], segments[0].style)
            segments.insert(0, Segment("▌", mark))
        return Strip(segments).adjust_cell_length(width, base)

    def _gutter(self, y: int, base: Style, gutter: int) -> list[Segment]:
        lay = self.layout_
        assert lay is not None and self.doc is not None
        row = lay.line_row[y]
        seg = lay.segments[lay.line_seg[y]]
        time_style = base + self.get_component_rich_style("transcript-view--time")
        group_style = base + self.get_component_rich_style("transcript-view--group")
        if row == 0 or (row == 1 and gutter != GUTTER):
            spk_style = base + self.get_component_rich_style("transcript-view--speaker")
            color = self.doc.speaker_colors.get(seg.speaker)
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

    def _text(self, y: int, base: Style, width: int) -> list[Segment]:
        lay = self.layout_
        assert lay is not None and self.doc is not None
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

    def _margin(self, y: int, base: Style, width: int, most: int) -> list[Segment]:
        if width <= 0:
            return []
        style = base + self.get_component_rich_style("transcript-view--margin")
        covering = self._line_codings(y)
        n_lanes = min(self._lanes, most)
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
