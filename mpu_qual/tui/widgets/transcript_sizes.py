"""Sizes of the transcript view's parts, in terminal cells (shared by its drawing and layout).

The text column comes first: the gutter and the margin of codes take only what the text can
spare. At 100 columns with the side panels shown a line holds 25 Chinese characters, at 160
columns 40 (see ``geometry``).
"""

from __future__ import annotations

GUTTER = 21  # time and speaker on one row, the group below, left of the text
GUTTER_COMPACT = 10  # speaker, time and group on three rows, where the view is narrow
LEFT_PANEL = 32  # #left in app.tcss: only used to guess the width before layout
NARROW = 100  # below this terminal width the left panel hides (WorkbenchScreen breakpoints)
MAX_LANES = 4  # margin lanes that show which codes cover a line; more share the last
MAX_LANES_COMPACT = 3
TEXT_WIDE = 81  # 40 Chinese characters and the caret's cell: the text a wide view keeps
TEXT_COMPACT = 61  # 30 characters: the text a narrow view keeps before code labels get room
LABELS_MIN = 7  # code labels narrower than this are not worth drawing (the status line has them)
LABELS_MAX = 27


def geometry(width: int, lanes: int) -> tuple[int, int, int]:
    """(gutter, margin, text) cells for a view ``width`` cells wide whose transcript has
    codings in ``lanes`` margin lanes (0: none coded, and then no margin at all).

    The margin is a space and the lanes, then the code labels where they fit; a narrow view
    draws the gutter on three rows instead of two and the labels move to the status line.
    """
    width = max(0, width)
    wide_lanes = 1 + min(lanes, MAX_LANES) if lanes else 0
    if width - GUTTER - wide_lanes - 16 >= TEXT_WIDE:
        labels = min(LABELS_MAX, width - GUTTER - wide_lanes - TEXT_WIDE) if lanes else 0
        margin = wide_lanes + labels
        return GUTTER, margin, width - GUTTER - margin
    lane_cells = 1 + min(lanes, MAX_LANES_COMPACT) if lanes else 0
    labels = min(LABELS_MAX, width - GUTTER_COMPACT - lane_cells - TEXT_COMPACT) if lanes else 0
    margin = lane_cells + (labels if labels >= LABELS_MIN else 0)
    return GUTTER_COMPACT, margin, max(10, width - GUTTER_COMPACT - margin)


def gutter_rows(gutter: int, group: bool) -> int:
    """Rows a segment takes at least, for its gutter to show time, speaker and group."""
    if gutter == GUTTER:
        return 2 if group else 1
    return 3 if group else 2
