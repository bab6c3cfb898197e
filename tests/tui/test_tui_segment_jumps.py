"""] and [ keep the current segment whole on screen and scroll with room to spare: a scroll
repaints the whole screen, so the next few presses must move the caret without one."""

from __future__ import annotations

from tui_helpers import SIZE, settle


async def test_segment_jumps_scroll_rarely_and_show_the_whole_segment(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = app.screen.view
        lay = view.layout_
        height = view.scrollable_content_region.height
        moves = {"right_square_bracket": [], "left_square_bracket": []}
        for key in ["right_square_bracket"] * 30 + ["left_square_bracket"] * 30:
            before = view.scroll_offset.y
            await pilot.press(key)
            await pilot.pause()
            moves[key].append(view.scroll_offset.y != before)
            k = lay.segment_at(view.cursor)
            first = lay.line_of(lay.segments[k].start)
            last = max(first + 1, lay.line_of(lay.segments[k].end))  # the gutter: two rows
            top = view.scroll_offset.y
            if last - first < height:  # the whole segment is in view
                assert top <= first and last < top + height, (key, k)
        assert view.cursor == 0  # back at the start
        for key, scrolled in moves.items():
            # once the edge is reached, a third of the view to spare: at most every other
            # press scrolls (every press did before)
            assert any(scrolled), key
            assert sum(scrolled) <= len(scrolled) // 2, (key, scrolled)
