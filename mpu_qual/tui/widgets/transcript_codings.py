"""The codings a transcript view draws, indexed: which codings touch each segment, the margin
lane of each and the margin row of its label. A plain object the view holds; the drawing and
the caret's jumps read it.
"""

from __future__ import annotations

from mpu_qual.tui.layout import PAD, TEXT, TranscriptLayout
from mpu_qual.tui.widgets.transcript_sizes import MAX_LANES
from mpu_qual.tui.workbench_view import ViewCoding

#: What the drawing of one coding depends on: span, lane, colour, label, whether it has a memo.
DrawnCoding = tuple[int, int, int, str, str, bool]
#: What the drawing of all codings depends on: each coding by id, and the ids on each label row.
DrawnCodings = tuple[dict[int, DrawnCoding], dict[int, list[int]]]


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


def sort_codings(codings: list[ViewCoding]) -> list[ViewCoding]:
    return sorted(codings, key=lambda c: (c.start, -c.end, c.id))


class CodingIndex:
    """The codings (sorted by start), the segments each touches and the rows of their labels."""

    def __init__(self) -> None:
        self.codings: list[ViewCoding] = []
        self.seg_codings: dict[int, list[int]] = {}  # segment -> indexes into codings
        self.label_rows: dict[int, list[int]] = {}  # display line -> indexes into codings
        self.lanes = 1  # lanes drawn (at least one)
        self.lane_count = 0  # lanes the codings need (0: nothing coded, no margin)
        # (first segment, last segment, first line, last line) of a span, for the current
        # layout (``new_layout`` forgets them)
        self.span_cache: dict[tuple[int, int], tuple[int, int, int, int]] = {}
        self.shown: DrawnCodings = ({}, {})  # drawn() as of the last index()

    def clear(self) -> None:
        self.codings = []
        self.seg_codings = {}
        self.label_rows = {}
        self.lane_count = 0
        self.shown = ({}, {})

    def new_layout(self) -> None:
        """The transcript was wrapped again: its spans fall on other lines."""
        self.span_cache = {}

    def drawn(self) -> DrawnCodings:
        """What the drawing of the codings depends on: each coding's span, lane, colour,
        label and memo (by id), and the ids labelled on each margin row."""
        shown = {
            c.id: (c.start, c.end, c.lane, c.color, c.label, bool(c.memo)) for c in self.codings
        }
        rows = {y: [self.codings[i].id for i in ix] for y, ix in self.label_rows.items()}
        return shown, rows

    def index(self, lay: TranscriptLayout) -> None:
        """Which codings touch each segment, and the margin row of each coding's label
        (``shown`` then holds what the drawing depends on: ``drawn``).

        Each span's segments and lines are looked up once for the current layout, so adding
        one coding to a transcript with hundreds re-indexes in a fraction of a millisecond.
        """
        spans = self.span_cache
        seg_codings: dict[int, list[int]] = {}
        rows: dict[int, list[int]] = {}
        for i, c in enumerate(self.codings):
            span = spans.get((c.start, c.end))
            if span is None:
                last = max(c.start, c.end - 1)
                span = spans[c.start, c.end] = (
                    lay.segment_at(c.start),
                    lay.segment_at(last),
                    lay.line_of(c.start),
                    lay.line_of(last),
                )
            k0, k1, y, last_y = span
            if k0 == k1:  # most codings: one segment
                ix = seg_codings.get(k0)
                if ix is None:
                    seg_codings[k0] = [i]
                else:
                    ix.append(i)
            else:
                for k in range(k0, k1 + 1):
                    seg_codings.setdefault(k, []).append(i)
            while y in rows and y < last_y:
                y += 1
            rows.setdefault(y, []).append(i)
        self.seg_codings = seg_codings
        self.label_rows = rows
        self.shown = self.drawn()

    def replace(self, codings: list[ViewCoding]) -> bool:
        """Take new codings (sorted by start); True when the margin needs another number of
        lanes (the text may then have to wrap again)."""
        lanes = assign_lanes(codings)
        self.codings = codings
        self.lanes = max(1, min(MAX_LANES, lanes))
        if lanes == self.lane_count:
            return False
        self.lane_count = lanes
        return True

    def on_line(self, lay: TranscriptLayout, y: int) -> list[ViewCoding]:
        """The codings that cover display line ``y``."""
        if not (0 <= y < len(lay)) or not self.seg_codings:
            return []
        k = lay.line_seg[y]
        seg = lay.segments[k]
        kind = lay.line_kind[y]
        out = []
        for i in self.seg_codings.get(k, ()):
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

    def in_margin(self, lay: TranscriptLayout, y: int) -> ViewCoding | None:
        """The coding a click in the margin of line ``y`` means: the first labelled on that
        row, else the first that covers the line."""
        for i in self.label_rows.get(y, []):
            return self.codings[i]
        covering = self.on_line(lay, y)
        return covering[0] if covering else None

    def covers(self, lay: TranscriptLayout, k: int) -> bool:
        """Whether any coding covers part of segment ``k``."""
        if not self.seg_codings:
            return False
        seg = lay.segments[k]
        return any(
            self.codings[i].start < seg.end and self.codings[i].end > seg.start
            for i in self.seg_codings.get(k, ())
        )

    @staticmethod
    def changed_lines(lay: TranscriptLayout, before: DrawnCodings, after: DrawnCodings) -> set[int]:
        """Display lines drawn differently after than before: every line of the segments a
        changed coding covers, and the margin rows whose labels changed."""
        lines: set[int] = set()
        for shown, other in ((before[0], after[0]), (after[0], before[0])):
            for cid, drawn in shown.items():
                if other.get(cid) != drawn:
                    k0 = lay.segment_at(drawn[0])
                    k1 = lay.segment_at(max(drawn[0], drawn[1] - 1))
                    end = lay.first_line[k1 + 1] if k1 + 1 < len(lay.first_line) else len(lay)
                    lines.update(range(lay.first_line[k0], end))
        for y in before[1].keys() | after[1].keys():
            if before[1].get(y) != after[1].get(y):
                lines.add(y)
        return lines

    def at(self, offset: int) -> list[ViewCoding]:
        """Codings that cover ``offset``, innermost first; where none does, those that end
        there (a caret just after a coded passage still counts as "at" it)."""
        found = [c for c in self.codings if c.start <= offset < c.end]
        if not found:
            found = [c for c in self.codings if c.end == offset]
        return sorted(found, key=lambda c: (c.end - c.start, c.id))

    def meant(self, selection: tuple[int, int] | None, cursor: int) -> list[ViewCoding]:
        """Codings the user means: those matching or overlapping ``selection``, else those
        at ``cursor``."""
        if selection is None:
            return self.at(cursor)
        exact = [c for c in self.codings if (c.start, c.end) == selection]
        if exact:
            return exact
        return sorted(
            (c for c in self.codings if c.start < selection[1] and c.end > selection[0]),
            key=lambda c: (c.end - c.start, c.id),
        )

    def next_uncoded(self, lay: TranscriptLayout, k: int, direction: int) -> int | None:
        """The first segment after ``k`` (in ``direction``) with text and no coding."""
        k += direction
        while 0 <= k < len(lay.segments):
            seg = lay.segments[k]
            if seg.end > seg.start and not self.covers(lay, k):
                return k
            k += direction
        return None
