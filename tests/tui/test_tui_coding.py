"""Select and code: the real app driven by key presses, checked against the project database."""

from __future__ import annotations

import re
from pathlib import Path

from textual.widgets import DataTable, Input, Static
from tui_helpers import SIZE, db_codings, settle

from mpu_qual.evidence.links import EvidenceQuery, link_evidence
from mpu_qual.store import Project
from mpu_qual.tui.app import create_app
from mpu_qual.tui.screens.code_picker import CodePickerScreen
from mpu_qual.tui.screens.details import DetailsScreen
from mpu_qual.tui.screens.dialogs import ChoiceScreen, MemoScreen
from mpu_qual.tui.screens.workbench import WorkbenchScreen
from mpu_qual.tui.widgets import TranscriptView

FIRST_SENTENCE = "Good afternoon everyone, and thank you for coming out on a Monday."


def first_segment(folder: Path) -> tuple[str, int, int]:
    with Project.open(folder) as p:
        src = p.sources.list()[0]
        seg = p.sources.segments(src)[0]
        return src.text, seg.start, seg.end


async def test_sentence_picker_enter_creates_coding_with_span_and_code(app, demo_dir):
    text, start, _ = first_segment(demo_dir)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "c")
        assert isinstance(app.screen, CodePickerScreen)
        await pilot.press(*"infrastr", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, CodePickerScreen)
    [coding] = db_codings(demo_dir)
    assert coding.code_id == "factors.ecosystem.infrastructure"
    assert text[coding.start : coding.end] == FIRST_SENTENCE
    assert coding.start == start == 0
    assert coding.quote == FIRST_SENTENCE


async def test_chinese_filter_and_several_codes_in_one_action(app, demo_dir):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t", "c")
        await pilot.press(*"財務")  # 財務資源獲取途徑: access to finance
        picker = app.screen
        assert isinstance(picker, CodePickerScreen)
        assert "factors.ecosystem.finance" in picker.shown
        await pilot.press("tab")
        for _ in "財務":
            await pilot.press("backspace")
        await pilot.press(*"ageing", "tab", "enter")
        await settle(pilot)
        history = app.project.history.recent(1)
    text, start, end = first_segment(demo_dir)
    codings = db_codings(demo_dir)
    assert sorted(c.code_id for c in codings) == [
        "factors.ecosystem.finance",
        "factors.talent_gap.shortage_ageing",
    ]
    assert all((c.start, c.end) == (start, end) for c in codings)
    # one user action, one undo step
    assert history[0]["description"].startswith("Code ")
    with Project.open(demo_dir) as p:
        assert p.history.undo() is not None
        assert p.codings.list() == []


async def test_recent_codes_on_number_keys_and_shift_arrow_selection(app, demo_dir):
    text, start, _ = first_segment(demo_dir)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "c", *"finance", "enter")
        await pilot.press("right_square_bracket")  # next segment
        await pilot.press(*["shift+right"] * 5)  # five characters
        await pilot.press("1")
        await settle(pilot)
    codings = db_codings(demo_dir)
    assert [c.code_id for c in codings] == ["factors.ecosystem.finance"] * 2
    second = max(codings, key=lambda c: c.start)
    with Project.open(demo_dir) as p:
        seg1 = p.sources.segments(p.sources.list()[0])[1]
    assert (second.start, second.end) == (seg1.start, seg1.start + 5)
    assert second.quote == text[seg1.start : seg1.start + 5]


async def test_recent_codes_survive_a_restart(demo_dir, opened):
    opened.codings.add(opened.sources.list()[0], 0, 4, "training.core")
    opened.codings.add(opened.sources.list()[0], 5, 9, "manpower.qa_compliance")
    app = create_app(demo_dir)
    assert app.recent[:2] == ["manpower.qa_compliance", "training.core"]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right_square_bracket", "t", "2")
        await settle(pilot)
    assert "training.core" in [c.code_id for c in db_codings(demo_dir) if c.start > 9]


async def test_word_selection_and_double_click(app, demo_dir):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+shift+right", "ctrl+shift+right")
        view = app.screen.query_one(TranscriptView)
        assert view.selection == (0, len("Good afternoon"))
        await pilot.press("c", *"finance", "enter")
        await settle(pilot)
    [coding] = db_codings(demo_dir)
    assert coding.quote == "Good afternoon"


async def test_mouse_drag_selects_a_span(app, demo_dir):
    async with app.run_test(size=SIZE) as pilot:
        view = app.screen.query_one(TranscriptView)
        await pilot.pause()
        region = view.content_region
        # the first text row: the text starts after the gutter
        y = region.y
        x0 = region.x + view.gutter_width
        await pilot.mouse_down(offset=(x0, y))
        await pilot.hover(offset=(x0 + 4, y))
        await pilot.mouse_up(offset=(x0 + 4, y))
        assert view.selection == (0, 4)
        await pilot.press("c", *"finance", "enter")
        await settle(pilot)
    [coding] = db_codings(demo_dir)
    assert coding.quote == "Good"


async def test_memo_remove_and_rescope(app, demo_dir):
    text, start, end = first_segment(demo_dir)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "c", *"finance", "enter")
        await pilot.press("left")  # caret back inside the coded sentence
        await pilot.press("m")
        assert isinstance(app.screen, MemoScreen)
        await pilot.press(*"Says banks avoid manufacturing", "ctrl+s")
        await settle(pilot)
        [coding] = db_codings(demo_dir)
        assert coding.memo == "Says banks avoid manufacturing"
        # re-scope: r selects the coding; shrink it by one word from the end, Enter applies
        await pilot.press("r", "ctrl+shift+left", "ctrl+shift+left", "enter")
        await settle(pilot)
        [rescoped] = db_codings(demo_dir)
        assert rescoped.id == coding.id
        assert rescoped.quote == "Good afternoon everyone, and thank you for coming out on a"
        assert rescoped.memo == coding.memo
        await pilot.press("x")
        await settle(pilot)
        assert db_codings(demo_dir) == []


async def test_overlapping_codings_are_drawn_distinctly(demo_dir, opened):
    src = opened.sources.list()[0]
    opened.codings.add(src, 0, 30, "factors.ecosystem.finance")
    opened.codings.add(src, 10, 60, "manpower.qa_compliance")
    app = create_app(demo_dir)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.screen.query_one(TranscriptView)
        lanes = sorted(c.lane for c in view.codings)
        assert lanes == [0, 1]  # side by side in the margin
        strip = view.render_line(0)
        styles = {}
        pos = 0
        for seg in strip:
            for _ in seg.text:
                styles[pos] = seg.style
                pos += 1
        gutter = view.gutter_width
        only_first = styles[gutter + 5]
        overlap = styles[gutter + 15]
        only_second = styles[gutter + 40]
        assert not only_first.underline and not only_second.underline
        assert overlap.underline  # the overlap is marked
        assert len({only_first.bgcolor, only_second.bgcolor, overlap.bgcolor}) == 3
        # x on an overlap asks which coding to remove
        await pilot.press(*["right"] * 15, "x")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("escape")
    assert len(db_codings(demo_dir)) == 2


async def test_code_without_selection_warns_and_writes_nothing(app, demo_dir):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c", "1")
        await pilot.pause()
        assert not isinstance(app.screen, CodePickerScreen)
        messages = [n.message for n in app._notifications]
        assert any("Select a passage first" in m for m in messages)
    assert db_codings(demo_dir) == []


async def test_details_history_and_copy(demo_dir, opened):
    src = opened.sources.list()[0]
    opened.codings.add(src, 0, 14, "factors.ecosystem.finance", memo="banks")
    # job-ad evidence linked to the code shows beside its passages (issue 4's API)
    link_evidence(
        opened, EvidenceQuery(), code_id="factors.ecosystem.finance", note="all scraped ads"
    )
    app = create_app(demo_dir)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        details = app.screen
        assert isinstance(details, DetailsScreen)
        shown = str(details.query_one(".detail", Static).render())
        assert "Access to finance" in shown and "Memo: banks" in shown
        assert "Moderator (Moderator)" in shown
        assert "0 of 0 ads" in shown and "all scraped ads (linked to the code)" in shown
        await pilot.press("escape", "H")
        table = app.screen.query_one("#history-table", DataTable)
        # linking evidence is an undoable action of its own, after the coding
        first, second = ([str(c) for c in table.get_row_at(i)] for i in (0, 1))
        assert re.fullmatch(r"\d\d:\d\d", first[1])  # when, in local time (today)
        assert first[2] == "Link evidence to code factors.ecosystem.finance"
        # a coding in people's words: the code's names, whose turn, when in the recording
        assert second[2] == (
            "coding 'Access to finance 財務資源獲取途徑' on Moderator's turn at 00:00:05 "
            "in focus-group-2025-12-08"
        )
        await pilot.press("escape", "ctrl+shift+right", "ctrl+c")
        assert app.clipboard == "Good"


async def test_double_click_word_and_click_on_the_margin(demo_dir, opened):
    src = opened.sources.list()[0]
    opened.codings.add(src, 15, 24, "factors.ecosystem.finance")  # "everyone,"
    app = create_app(demo_dir)
    async with app.run_test(size=SIZE) as pilot:
        view = app.screen.query_one(TranscriptView)
        region = view.content_region
        x0 = region.x + view.gutter_width
        await pilot.click(offset=(x0 + 6, region.y), times=2)  # in "afternoon"
        assert view.selection == (5, 14)
        # the coding's lane (and label, where the view is wide enough) sits in the margin on
        # its first line: a click selects its span
        margin_x = x0 + view.text_width + 1
        await pilot.click(offset=(margin_x, region.y))
        assert view.selection == (15, 24)


async def test_enter_three_times_quickly_in_the_picker_applies_once_and_does_not_crash(
    app, demo_dir
):
    """Issue 19.6: the second and third Enter reached a picker already dismissed
    (ScreenStackError "Can't pop screen"); now they are ignored and one coding is made."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "c", *"talent")
        assert isinstance(app.screen, CodePickerScreen)
        picker = app.screen
        # three Enters before the app gets a chance to process the first dismissal
        picker.post_message(Input.Submitted(picker.query_one(Input), "talent"))
        picker.post_message(Input.Submitted(picker.query_one(Input), "talent"))
        picker.post_message(Input.Submitted(picker.query_one(Input), "talent"))
        await settle(pilot)
        assert not isinstance(app.screen, CodePickerScreen)
        assert app.is_running and isinstance(app.screen_stack[-1], WorkbenchScreen)
    assert len(db_codings(demo_dir)) == 1
