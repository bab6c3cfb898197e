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
WIDE = 150  # from this terminal width the left panel is wide enough for codes' full names
MAX_LANES = 4  # margin lanes that show which codes cover a line; more share the last
MAX_LANES_COMPACT = 3
TEXT_WIDE = 81  # 40 Chinese characters and the caret's cell: kept before code labels get room
TEXT_COMPACT = 61  # 30 characters: the text that the two-row gutter must leave
LABELS_MIN = 7  # code labels narrower than this are not worth drawing (the status line has them)
LABELS_MAX = 27


def geometry(width: int, lanes: int) -> tuple[int, int, int]:
    """(gutter, margin, text) cells for a view ``width`` cells wide whose transcript has
    codings in ``lanes`` margin lanes (0: none coded, and then no margin at all).

    The margin is a space and the lanes, then the code labels once the text has 40
    characters a line; a view too narrow to leave the text 30 characters beside the
    two-row gutter draws the gutter in 10 cells on three rows. Labels that do not fit are
    left to the status line, which names the codes at the caret.
    """
    width = max(0, width)
    lane_cells = 1 + min(lanes, MAX_LANES) if lanes else 0
    if width - GUTTER - lane_cells >= TEXT_COMPACT:
        gutter, goal = GUTTER, TEXT_WIDE
    else:
        gutter, goal = GUTTER_COMPACT, TEXT_COMPACT
        lane_cells = 1 + min(lanes, MAX_LANES_COMPACT) if lanes else 0
    labels = min(LABELS_MAX, width - gutter - lane_cells - goal) if lanes else 0
    margin = lane_cells + (labels if labels >= LABELS_MIN else 0)
    return gutter, margin, max(10, width - gutter - margin)


def gutter_rows(gutter: int, group: bool) -> int:
    """Rows a segment takes at least, for its gutter to show time, speaker and group."""
    if gutter == GUTTER:
        return 2 if group else 1
    return 3 if group else 2
