"""The workbench draws every character of a transcript, Chinese and emoji included.

The layout is checked at every width by property tests (test_tui_layout.py); here the real
widget draws the demo: each display line's text area holds exactly that line's characters,
and the demo's long Cantonese turn is shown to its end.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mpu_qual.store import Project
from mpu_qual.transcript_files.parsed import ParsedSegment, ParsedTranscript
from mpu_qual.tui.app import MpuQualApp, create_app
from mpu_qual.tui.layout import TEXT, drawn
from mpu_qual.tui.widgets import TranscriptView

IL2_END = "大概一百二十個員工。"


async def screen_lines(app: MpuQualApp, pilot) -> list[tuple[int, str]]:
    """(display line, text area as drawn) for every line of the transcript, scrolling down."""
    view = app.screen.query_one(TranscriptView)
    lay = view.layout_
    assert lay is not None
    out = []
    height = view.size.height
    seen: dict[int, str] = {}
    for top in range(0, len(lay), height):
        view.scroll_to(y=top, animate=False, immediate=True)
        await pilot.pause()
        first = round(view.scroll_offset.y)  # the last page stops at the end
        for dy in range(min(height, len(lay) - first)):
            strip = view.render_line(dy)
            g = view.gutter_width
            seen[first + dy] = strip.crop(g, g + view.text_width).text
    assert sorted(seen) == list(range(len(lay)))
    out.extend(sorted(seen.items()))
    return out


@pytest.mark.parametrize("columns", [80, 100, 160])
async def test_each_line_draws_exactly_its_characters(app: MpuQualApp, columns: int) -> None:
    async with app.run_test(size=(columns, 40)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(TranscriptView)
        lay = view.layout_
        assert lay is not None and view.doc is not None
        text = view.doc.text
        shown = dict(await screen_lines(app, pilot))
        for y in range(len(lay)):
            if lay.line_kind[y] != TEXT:
                continue
            a, b = lay.line_start[y], lay.line_end[y]
            want = drawn(text[a:b])
            assert shown[y].startswith(want), (columns, y, shown[y], want)
            assert shown[y][len(want) :].strip() == ""  # only padding (and the caret) after
        il2 = next(k for k, s in enumerate(lay.segments) if s.start_ms == 46_000)
        lines = [shown[y] for y in range(len(lay)) if lay.line_seg[y] == il2]
        assert IL2_END in "".join(s.rstrip() for s in lines)


async def test_the_il2_turn_ends_on_screen_at_160_columns(app: MpuQualApp) -> None:
    """At 160 columns the turn at 00:00:46 was drawn on one line and lost its last ten
    characters; after two segment jumps it is on screen, end included."""
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("right_square_bracket", "right_square_bracket")
        await pilot.pause()
        view = app.screen.query_one(TranscriptView)
        g, w = view.gutter_width, view.text_width
        rows = [view.render_line(y).crop(g, g + w).text.rstrip() for y in range(view.size.height)]
        screen = "".join(rows)  # the text column, its wrapped lines joined again
        assert "廠房喺將軍澳工業邨" in screen and IL2_END in screen


async def test_emoji_and_crlf_text_is_drawn_whole(demo_dir: Path) -> None:
    turns = [
        (
            "IL1",
            "我哋班 team 👨\u200d👩\u200d👧 好開心 👍🏽，Règle numéro un: cafe\u0301 ❤\ufe0f。" * 3,
        ),
        ("TE1", "CRLF line one\r"),
    ]
    with Project.open(demo_dir) as p:
        segs = [ParsedSegment(t, s, i * 1000, None) for i, (s, t) in enumerate(turns)]
        sid = p.sources.add("emoji", ParsedTranscript(segs)).id
    app = create_app(demo_dir)
    async with app.run_test(size=(90, 30)) as pilot:
        await pilot.pause()
        assert app.screen.open_source(sid)
        await pilot.pause()
        view = app.screen.query_one(TranscriptView)
        assert view.doc is not None and "👍🏽" in view.doc.text
        shown = "".join(s.rstrip() for _y, s in await screen_lines(app, pilot))
        assert shown.count("👨\u200d👩\u200d👧") == 3 and shown.count("👍🏽") == 3
        assert shown.count("cafe\u0301") == 3 and shown.count("❤\ufe0f") == 3
        assert "\r" not in shown and "CRLF line one" in shown
