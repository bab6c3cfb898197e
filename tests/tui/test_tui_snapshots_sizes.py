"""The workbench, the code picker, a dialog and help at the three sizes people use: 80x24 (the
smallest terminal), 100x30 and 160x48. Pinned with pytest-textual-snapshot; after an intended
change: ``pytest tests/tui/test_tui_snapshots_sizes.py --snapshot-update``, then look at the
report. What each must show is also asserted in words (tests/tui/test_tui_layout_sizes.py)."""

from __future__ import annotations

import pytest
from test_tui_snapshots import coded_demo, steady

SIZES = [(80, 24), (100, 30), (160, 48)]
IDS = ["80x24", "100x30", "160x48"]

# what is on screen: the keys pressed on the coded demo
VIEWS = {
    "workbench": ("right_square_bracket", "right_square_bracket", "right_square_bracket"),
    "picker": ("right_square_bracket", "s", "c"),
    "edit_dialog": ("right_square_bracket", "e"),
    "help": ("f1",),
}


@pytest.mark.parametrize("size", SIZES, ids=IDS)
@pytest.mark.parametrize("view", list(VIEWS))
def test_snapshot_at_size(snap_compare, demo_dir, view, size):
    app = coded_demo(demo_dir)

    async def before(pilot) -> None:
        await pilot.pause()
        await pilot.press(*VIEWS[view])
        await steady(pilot)

    assert snap_compare(app, terminal_size=size, run_before=before)
