"""The workbench's matrix screen (X): a real app on the demo project, driven by Pilot."""

from __future__ import annotations

import sys
from pathlib import Path

from textual.widgets import DataTable, Input

from mpu_qual.analysis.facts import Facts
from mpu_qual.analysis.matrix import code_matrix
from mpu_qual.store import Project
from mpu_qual.tui.app import create_app
from mpu_qual.tui.screens.matrix import MatrixScreen
from mpu_qual.tui.screens.passages import PassagesScreen

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui"))
from tui_helpers import SIZE, settle  # noqa: E402


def _code_demo(folder: Path) -> tuple[list[int], list[int]]:
    """Code industry leaders' and academics' turns of the demo transcript."""
    with Project.open(folder) as p:
        src = p.sources.list()[0]
        segs = p.sources.segments(src)
        group = {x.label: x.group_id for x in p.participants.list()}
        il = [g for g in segs if group.get(g.speaker) == "industry_leader"]
        ac = [g for g in segs if group.get(g.speaker) == "academic"]
        a = [p.codings.add(src, g.start, g.end, "challenges.skills_gap").id for g in il[:3]]
        b = [p.codings.add(src, g.start, g.end, "challenges.skills_gap").id for g in ac[:1]]
        p.codings.add(src, ac[1].start, ac[1].end, "challenges.ageing")
        return a, b


async def test_matrix_screen_moves_by_cell_opens_passages_switches_and_filters(
    demo_dir: Path,
) -> None:
    il_ids, _ = _code_demo(demo_dir)
    app = create_app(demo_dir)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("Q")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MatrixScreen)
        table = screen.query_one(DataTable)
        m = screen.matrix
        assert m is not None
        with Project.open(demo_dir) as p:
            expected = code_matrix(Facts.load(p), [c.id for c in p.codes.list()], "group")
        assert m.cells == expected.cells and [c.key for c in m.cols] == [
            c.key for c in expected.cols
        ]
        assert table.row_count == len(expected.rows)
        # move to skills_gap x industry leaders: 3 passages
        r = [x.id for x in m.rows].index("challenges.skills_gap")
        c = [x.key for x in m.cols].index("industry_leader")
        table.move_cursor(row=r, column=c + 1)
        await pilot.pause()
        assert str(table.get_cell_at(table.cursor_coordinate)) == "3"
        detail = str(screen.query_one("#matrix-detail").render())
        assert "× Industry leader: 3 passages, " in detail
        await pilot.press("right")
        await pilot.pause()
        assert table.cursor_coordinate.column == c + 2
        await pilot.press("left")
        # Enter: the passages behind the cell
        await pilot.press("enter")
        await settle(pilot)
        passages = app.screen
        assert isinstance(passages, PassagesScreen)
        assert sorted(x.id for x in passages.codings) == sorted(il_ids)
        assert "3 codings" in passages.title_text
        # choosing one closes both and jumps to it in the transcript
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, (MatrixScreen, PassagesScreen))
        first = min(passages.codings, key=lambda x: x.start)
        assert app.screen.view.selection == (first.start, first.end)
        # a coding made meanwhile shows when the matrix opens again (what was read is kept
        # only until something is committed)
        src = app.project.sources.list()[0]
        seg = app.project.sources.segments(src)[-1]
        app.project.codings.add(src, seg.start, seg.end, "challenges.skills_gap")
        await pilot.press("Q")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MatrixScreen)
        assert screen.matrix.row_total(r) == 5
        # Tab switches the measure, / filters the codes, c the columns
        await pilot.press("tab")
        await pilot.pause()
        assert screen.matrix.measure == "participants"
        assert "participants (moderators left out)" in str(
            screen.query_one("#matrix-title").render()
        )
        await pilot.press("tab")
        await pilot.pause()
        assert screen.matrix.measure == "share"
        await pilot.press("slash")
        await pilot.pause()
        assert screen.query_one(Input).has_focus
        await pilot.press(*"challenges.ageing", "enter")
        await pilot.pause()
        assert [x.id for x in screen.matrix.rows] == ["challenges.ageing"]
        assert screen.query_one(DataTable).row_count == 1
        await pilot.press("c")
        await pilot.pause()
        assert screen.cols == "participant"
        assert len(screen.matrix.cols) == 1  # one academic said it
        await pilot.press("escape")  # clears the filter
        await pilot.pause()
        assert len(screen.matrix.rows) > 1
        # Enter on a theme's name folds its sub-codes (and again unfolds them)
        table = screen.query_one(DataTable)
        before = len(screen.matrix.rows)
        r = [x.id for x in screen.matrix.rows].index("challenges")
        table.move_cursor(row=r, column=0)
        await pilot.press("enter")
        await pilot.pause()
        ids = [x.id for x in screen.matrix.rows]
        assert "challenges" in ids and "challenges.ageing" not in ids
        assert len(ids) == before - 4  # its four sub-codes
        table.move_cursor(row=ids.index("challenges"), column=0)
        await pilot.press("enter")
        await pilot.pause()
        assert len(screen.matrix.rows) == before
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, MatrixScreen)


async def test_e_writes_edits_and_clears_a_cell_summary_through_the_store(demo_dir: Path) -> None:
    from mpu_qual.store.analysis_reads import FrameworkSummaries
    from mpu_qual.tui.screens.dialogs import MemoScreen

    _code_demo(demo_dir)
    with Project.open(demo_dir) as p:  # a summary written elsewhere (the CLI) shows too
        FrameworkSummaries(p).set("challenges.ageing", "Old masters.", participant="AC1")

    def stored() -> set[tuple]:
        with Project.open(demo_dir) as p:  # what is on disk, not what the app holds
            return {(s.group_id, s.code_id, s.summary) for s in FrameworkSummaries(p).list()}

    app = create_app(demo_dir)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("Q")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MatrixScreen) and screen.matrix is not None
        table = screen.query_one(DataTable)
        r = [x.id for x in screen.matrix.rows].index("challenges.skills_gap")
        c = [x.key for x in screen.matrix.cols].index("industry_leader")
        table.move_cursor(row=r, column=c + 1)
        await pilot.pause()
        assert "No summary yet (e writes one)." in str(screen.query_one("#matrix-detail").render())
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, MemoScreen)
        await pilot.press(*"Lack of technicians", "ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert stored() == {
            ("industry_leader", "challenges.skills_gap", "Lack of technicians"),
            (None, "challenges.ageing", "Old masters."),
        }
        detail = str(screen.query_one("#matrix-detail").render())
        assert "Summary: Lack of technicians" in detail
        assert app.project.history.recent(1)[0]["description"] == (
            "Summarise group industry_leader x challenges.skills_gap"
        )
        # edit: the dialog opens with the text; Escape changes nothing
        await pilot.press("e")
        await pilot.pause()
        assert app.screen.query_one("#memo-text").text == "Lack of technicians"
        await pilot.press(*" 技術員", "ctrl+s")
        await settle(pilot)
        assert ("industry_leader", "challenges.skills_gap", "Lack of technicians 技術員") in (
            stored()
        )
        # the participant columns show the participant's summary; transcripts have none
        await pilot.press("c")
        await pilot.pause()
        rr = [x.id for x in screen.matrix.rows].index("challenges.ageing")
        cc = [x.key for x in screen.matrix.cols].index("AC1")
        table.move_cursor(row=rr, column=cc + 1)
        await pilot.pause()
        assert "Summary: Old masters." in str(screen.query_one("#matrix-detail").render())
        await pilot.press("c")
        await pilot.pause()
        assert screen.cols == "transcript"
        await pilot.press("e")
        await pilot.pause()
        assert app.screen is screen  # nothing to write there: a note says where to go
        # clearing: back to the groups, empty the text
        await pilot.press("c")
        await pilot.pause()
        table.move_cursor(row=r, column=c + 1)
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#memo-text").text = ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert stored() == {(None, "challenges.ageing", "Old masters.")}
        assert "No summary yet" in str(screen.query_one("#matrix-detail").render())
