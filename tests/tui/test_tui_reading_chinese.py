"""Reading long Cantonese turns in the workbench: Chinese line breaking and a wide text column.

The transcript is tests/data/transcripts/cantonese-long-turns.txt (seven turns of 105-596
characters, English mixed in), imported into the demo project and coded in two places, so
the margin of codes is shown. The real app is driven at 80x24, 100x30 and 160x48; what the
view draws is read back from its rendered lines.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len
from tui_helpers import settle

from mpu_qual.linebreak import NO_LINE_END, NO_LINE_START
from mpu_qual.store import Project
from mpu_qual.tui.app import MpuQualApp, create_app
from mpu_qual.tui.layout import TEXT, drawn
from mpu_qual.tui.widgets import TranscriptView

LONG = Path(__file__).resolve().parents[1] / "data" / "transcripts" / "cantonese-long-turns.txt"
#: The closing punctuation of the issue's report (a line started with each of them).
CLOSING = "，。、？！：；）」』》"
OPENING = "（「『《"


def long_turns_app(folder: Path) -> tuple[MpuQualApp, int]:
    """The demo project with the long-turn transcript imported and two passages coded."""
    with Project.open(folder) as p:
        src = p.sources.import_file(LONG, "cantonese-long-turns")
        i = src.text.index("人手短缺")
        p.codings.add(src, i, i + 4, "manpower")
        j = src.text.index("我覺得政府可以考慮資助僱主做在職培訓")
        p.codings.add(src, j, src.text.index("。", j) + 1, "training")
        sid = src.id
    return create_app(folder), sid


async def open_long(app: MpuQualApp, sid: int, pilot) -> TranscriptView:
    assert app.screen.open_source(sid)
    await pilot.pause()
    view = app.screen.query_one(TranscriptView)
    view.focus()
    await pilot.pause()
    return view


async def drawn_text_lines(view: TranscriptView, pilot) -> dict[int, str]:
    """The text column of every display line, as drawn, scrolling through the transcript."""
    lay = view.layout_
    assert lay is not None
    height = view.size.height
    seen: dict[int, str] = {}
    for top in range(0, len(lay), height):
        view.scroll_to(y=top, animate=False, immediate=True)
        await pilot.pause()
        first = round(view.scroll_offset.y)
        g, w = view.gutter_width, view.text_width
        for dy in range(min(height, len(lay) - first)):
            seen[first + dy] = view.render_line(dy).crop(g, g + w).text
    assert sorted(seen) == list(range(len(lay)))
    return seen


def cjk(line: str) -> int:
    """Chinese characters and full-width punctuation in ``line`` (two cells each)."""
    return sum(1 for ch in line if cell_len(ch) == 2)


@pytest.mark.parametrize(("size", "min_chars"), [((80, 24), 30), ((100, 30), 25), ((160, 48), 40)])
async def test_long_turns_break_by_the_chinese_rules_and_get_the_room(
    demo_dir: Path, size: tuple[int, int], min_chars: int
) -> None:
    app, sid = long_turns_app(demo_dir)
    async with app.run_test(size=size) as pilot:
        view = await open_long(app, sid, pilot)
        lay = view.layout_
        assert lay is not None and view.doc is not None
        if size[0] >= 100:
            assert app.screen.query_one("#left").display  # the side panels are shown
        assert view.margin_width > 0  # the transcript is coded: its margin is there
        # a line of a turn holds at least min_chars Chinese characters (and the caret)
        assert lay.width >= 2 * min_chars
        shown = await drawn_text_lines(view, pilot)
        text = view.doc.text
        lines_of: dict[int, list[str]] = {}
        for y in range(len(lay)):
            if lay.line_kind[y] != TEXT:
                continue
            a, b = lay.line_start[y], lay.line_end[y]
            want = drawn(text[a:b])
            assert shown[y].startswith(want), (size, y, shown[y], want)  # drawn whole
            lines_of.setdefault(lay.line_seg[y], []).append(want)
        assert len(lines_of) == 7
        for k, lines in lines_of.items():
            seg = lay.segments[k]
            assert "".join(lines) == text[seg.start : seg.end]  # every character, once
            for line in lines[1:]:
                assert line[0] not in CLOSING and line[0] not in NO_LINE_START, (size, line)
            for line in lines[:-1]:
                assert line.rstrip()[-1] not in OPENING + "".join(NO_LINE_END), (size, line)
            # the full lines of a turn are full: a rule pushes one character, two at most
            for line in lines[:-1]:
                if cjk(line) == len(line):  # a line of Chinese only
                    assert cjk(line) >= min_chars - 2, (size, line)
        assert max(cjk(line) for lines in lines_of.values() for line in lines) >= min_chars


@pytest.mark.parametrize("panel", ["ctrl+t", "ctrl+b", "ctrl+e"])
async def test_80_columns_stay_readable_whichever_panel_has_focus(
    demo_dir: Path, panel: str
) -> None:
    app, sid = long_turns_app(demo_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_long(app, sid, pilot)
        await pilot.press(panel)
        await pilot.pause()
        lay = view.layout_
        assert lay is not None
        # the transcript list or the codebook takes 30 columns beside it; the text keeps
        # at least 15 Chinese characters a line (it had 6)
        assert lay.width >= 30, (panel, view.gutter_width, view.margin_width, lay.width)
        shown = await drawn_text_lines(view, pilot)
        assert any("人手短缺" in line for line in shown.values())
        for y in range(1, len(lay)):
            if lay.line_kind[y] == TEXT and lay.line_seg[y - 1] == lay.line_seg[y]:
                assert shown[y][:1] not in CLOSING


async def test_the_margin_appears_with_the_first_coding(demo_dir: Path) -> None:
    """Uncoded, the transcript has no margin at all; coding a passage brings it (and the text
    wraps again to make room)."""
    with Project.open(demo_dir) as p:
        sid = p.sources.import_file(LONG, "cantonese-long-turns").id
    app = create_app(demo_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        view = await open_long(app, sid, pilot)
        assert view.margin_width == 0
        before = view.text_width
        start = view.doc.text.index("人手短缺")
        view.select(start, start + 4)
        await pilot.press("c", *"finance", "enter")
        await settle(pilot)
        assert [c.start for c in view.codings] == [start]
        assert view.margin_width > 0 and view.text_width == before - view.margin_width
        assert view.layout_ is not None and view.layout_.width == view.text_width - 1


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (160, 48)])
def test_snapshot_long_cantonese_turns(snap_compare, demo_dir: Path, size) -> None:
    """The long-turn transcript as a reader sees it, caret in the TP1 turn (596 characters),
    its coded passages in the margin. Update with ``--snapshot-update`` after an intended
    change and look at the report before accepting."""
    app, sid = long_turns_app(demo_dir)

    async def before(pilot) -> None:
        view = await open_long(app, sid, pilot)
        assert view.doc is not None
        view.move_to(view.doc.text.index("我同意人手短缺"), center=False)
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=before)


@pytest.mark.parametrize(("query", "stored"), [("人手短缺", "人手短缺"), ("培训", "培訓")])
async def test_workbench_search_shows_each_match_and_ignores_the_script(
    demo_dir: Path, query: str, stored: str
) -> None:
    """Every listed hit shows its match (highlighted) in its context at 100 columns; a
    Simplified query finds the Traditional passages, and Enter selects the stored text."""
    app, sid = long_turns_app(demo_dir)
    with Project.open(demo_dir) as p:
        texts = {s.id: s.text for s in p.sources.list()}
    text = texts[sid]
    async with app.run_test(size=(100, 30)) as pilot:
        await open_long(app, sid, pilot)
        await pilot.press("slash", *query, "enter")
        await settle(pilot)
        screen = app.screen
        hits = [h for h in screen.hits if h.source_id == sid]
        assert len(hits) == text.count(stored) >= 3
        ol = screen.query_one("#search-results")
        width = ol.scrollable_content_region.width
        for i, h in enumerate(screen.hits):
            prompt = ol.get_option_at_index(i).prompt
            assert prompt.cell_len <= width
            marked = [s for s in prompt.spans if "reverse" in str(s.style)]
            assert len(marked) == 1, prompt.plain
            shown = prompt.plain[marked[0].start : marked[0].end]
            assert shown == texts[h.source_id][h.start : h.end], prompt.plain
        first = next(i for i, h in enumerate(screen.hits) if h.source_id == sid)
        await pilot.press("down", *(["down"] * first), "enter")
        await settle(pilot)
        view = app.screen.query_one(TranscriptView)
        sel = view.selection
        assert sel is not None and text[sel[0] : sel[1]] == stored


async def test_code_picker_filter_in_simplified_finds_traditional_labels(
    demo_dir: Path,
) -> None:
    """Typing 培训 (Simplified) in the code picker lists the codes labelled 培訓… (the
    codebook is in Traditional), and Enter codes the selection with the first of them."""
    app, sid = long_turns_app(demo_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        view = await open_long(app, sid, pilot)
        assert view.doc is not None
        labels = app.labels
        want = {c.id for c in labels.codes if "培訓" in c.label_zh}
        assert want
        start = view.doc.text.index("培訓需求")
        view.select(start, start + 4)
        await pilot.press("c", *"培训")
        await pilot.pause()
        picker = app.screen
        direct = {c.id for c in labels.codes if c.id in picker.shown and "培訓" in c.label_zh}
        assert direct == want
        await pilot.press("enter")
        await settle(pilot)
        coded = [c for c in view.codings if (c.start, c.end) == (start, start + 4)]
        assert len(coded) == 1 and coded[0].code_id in want
