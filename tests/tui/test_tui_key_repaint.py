"""A caret move repaints only the transcript lines it changes: never fewer than changed.

The view repaints the lines of the old and the new current segment, caret and selection
instead of the whole transcript (benchmarks/bench_keys.py). Here each key's repaint is
checked against the truth: every visible line whose drawing differs before and after the key
must be among the lines the view asked Textual to repaint.
"""

from __future__ import annotations

from textual.geometry import Region
from tui_helpers import SIZE, settle

from mpu_qual.tui.widgets import TranscriptView

KEYS = (
    [
        "right_square_bracket",
        "right_square_bracket",
        "down",
        "down",
        "right",
        "shift+right",
        "shift+right",
        "shift+down",
        "escape",
        "left_square_bracket",
        "t",
        "t",
        "escape",
        "up",
        "end",
        "right",
        "home",
        "s",
        "o",
        "escape",
    ]
    + ["right_square_bracket"] * 12
    + ["left_square_bracket"] * 12
    + ["pagedown", "up", "up"]
)
# coding and undoing change the lines' colours and the margin: no line may stay as drawn before
# (the undo comes after a move: the coded segment is then away from the caret)
# (two codings: the first gives the margin its lane, so the second changes no layout)
CODE_THEN_UNDO = [
    ("t", "c", *"infrastr", "enter"),
    ("right_square_bracket",),
    ("t", "c", *"infrastr", "enter"),
    ("right_square_bracket",),
    ("ctrl+z",),
    ("left_square_bracket",),
]


def drawn(view: TranscriptView) -> list[list]:
    return [list(view.render_line(y)) for y in range(view.scrollable_content_region.height)]


async def test_each_key_repaints_every_line_it_changes(app):
    """Also: the lines kept from earlier drawings are those a fresh drawing gives."""
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = app.screen.query_one(TranscriptView)
        height = view.scrollable_content_region.height
        asked: list[Region | None] = []
        original = view.refresh

        def spy(*regions, **kwargs):
            asked.extend(regions or [None])
            return original(*regions, **kwargs)

        view.refresh = spy  # type: ignore[method-assign]
        partial = 0
        for key in KEYS:
            before = drawn(view)
            asked.clear()
            await pilot.press(key)
            await pilot.pause()
            after = drawn(view)
            view.clear_drawn_lines()
            assert drawn(view) == after, key
            changed = {y for y in range(height) if before[y] != after[y]}
            repainted = {y for r in asked if r is not None for y in range(r.y, r.bottom)}
            if None in asked or len(repainted) >= height:
                continue  # the whole view was repainted (a scroll, a new transcript)
            assert changed <= repainted, (key, sorted(changed - repainted))
            if changed:
                partial += 1
                assert len(repainted) < height  # a few lines, not the view
        for n, keys in enumerate(CODE_THEN_UNDO):
            before = drawn(view)
            asked.clear()
            await pilot.press(*keys)
            await settle(pilot)
            after = drawn(view)
            view.clear_drawn_lines()
            assert drawn(view) == after, keys
            assert after != before, keys
            if n >= 2 and keys[0] in ("t", "ctrl+z"):
                # a coding or undo that keeps the margin's lanes repaints the lines it
                # changes, not the view
                changed = {y for y in range(height) if before[y] != after[y]}
                repainted = {y for r in asked if r is not None for y in range(r.y, r.bottom)}
                assert None not in asked and changed <= repainted, keys
                assert len(repainted) < height, keys
        # most moves stay on screen: they must have taken the partial path
        assert partial >= 10
        assert view.cursor > 0
