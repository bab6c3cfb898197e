"""What the screens must show at each size, asserted on the text drawn (the snapshots in
test_tui_snapshots_sizes.py pin the look)."""

from __future__ import annotations

import re

from test_tui_snapshots import coded_demo, steady

from mpu_qual.tui.screens.code_picker import CodePickerScreen
from mpu_qual.tui.widgets import TranscriptView


def screen_lines(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_after_next_segment_the_whole_segment_is_visible_at_80x24(demo_dir):
    app = coded_demo(demo_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await steady(pilot)
        view = app.screen.query_one(TranscriptView)
        for n in range(1, 9):
            await pilot.press("right_square_bracket")
            await pilot.pause()
            lay = view.layout_
            k = lay.segment_at(view.cursor)
            assert k == n
            seg = lay.segments[k]
            first, last = lay.line_of(seg.start), lay.line_of(seg.end)
            top = round(view.scroll_offset.y)
            height = view.scrollable_content_region.height
            assert top <= first and last < top + height, f"segment {k + 1} is cut off"
            # the current segment is marked on every one of its rows
            lines = screen_lines(app)
            view_top = view.content_region.y
            marked = [y - top for y in range(first, last + 1)]
            assert all(lines[view_top + r][view.content_region.x] == "▌" for r in marked)
            before = lay.line_of(lay.segments[k - 1].start) - top
            if before >= 0:
                assert lines[view_top + before][view.content_region.x] != "▌"


async def test_picker_shows_eight_codes_and_its_keys_at_80x24(demo_dir):
    app = coded_demo(demo_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s", "c")
        await steady(pilot)
        assert isinstance(app.screen, CodePickerScreen)
        lines = screen_lines(app)
        text = "\n".join(lines)
        assert "Enter applies" in text and "Esc cancels" in text and "Tab ticks" in text
        codes = [ln for ln in lines if "☐ ■" in ln]
        assert len(codes) >= 8
        # ids are never wrapped onto a line of their own
        assert not [ln for ln in lines if re.search(r"▊ [a-z_]+(\.[a-z_]+)+\s+▎", ln)]


async def test_status_is_one_line_and_messages_have_their_own(demo_dir):
    app = coded_demo(demo_dir)
    for size in ((80, 24), (100, 30)):
        async with app.run_test(size=size) as pilot:
            await pilot.press("right_square_bracket")
            await steady(pilot)
            lines = screen_lines(app)
            status, keys = lines[-3], lines[-2]
            assert "segment 2/90 · 00:00:32 · IL1" in status
            assert keys.strip().startswith("Recent codes")
            app.notify("Saved.", title="Memo")
            await pilot.pause()
            await pilot.pause()
            lines = screen_lines(app)
            assert "segment 2/90" in lines[-3]
            assert lines[-2].strip().startswith("✓ Memo: Saved.")
            assert "Recent codes" in lines[-2]  # still there, after the message
            app = coded_demo(demo_dir)


async def test_codebook_names_in_full_at_160_columns(demo_dir):
    app = coded_demo(demo_dir)
    async with app.run_test(size=(160, 48)) as pilot:
        await steady(pilot)
        text = "\n".join(screen_lines(app))
        for name in (
            "Factors affecting development",
            "Industry-specific standards",
            "Talent shortage and ageing workforce",
        ):
            assert name in text
        tree = app.screen.query_one("#codebook")
        tree.focus()
        await pilot.press("down", "down")
        await pilot.pause()
        assert tree.tooltip and "\n" in str(tree.tooltip)
