"""Blind mode and the disagreement review in the real workbench, driven by Pilot."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from mpu_qual.store import Project
from mpu_qual.team.coders import set_blind_default
from mpu_qual.tui.app import create_app
from mpu_qual.tui.components import StatusBar
from mpu_qual.tui.screens.chart import ChartScreen
from mpu_qual.tui.screens.dialogs import PromptScreen
from mpu_qual.tui.screens.disagreements import DisagreementsScreen

SIZE = (110, 32)
FINANCE = "factors.ecosystem.finance"
AGEING = "factors.talent_gap.shortage_ageing"


@pytest.fixture
def double_coded(demo_dir: Path) -> Path:
    """alice and bob have coded the first segments, partly alike."""
    with Project.open(demo_dir) as p:
        src = p.sources.list()[0]
        s1, s2, s3 = p.sources.segments(src)[:3]
        p.codings.add_many(src, s1.start, s1.end, [FINANCE], coder="alice")
        p.codings.add_many(src, s1.start, s1.end, [FINANCE], coder="bob")
        p.codings.add_many(src, s2.start, s2.end, [AGEING], coder="alice", memo="ageing, clearly")
        p.codings.add_many(src, s3.start, s3.end, [FINANCE], coder="bob")
    return demo_dir


def as_text(renderable) -> str:
    console = Console(width=120, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def coders_in_db(folder: Path) -> list[tuple[str, str, int]]:
    with Project.open(folder) as p:
        return sorted((c.coder, c.code_id, c.start) for c in p.codings.list())


async def test_blind_mode_shows_only_my_codings_and_counts(double_coded: Path) -> None:
    app = create_app(double_coded, coder="alice", blind=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        wb = app.workbench
        assert {c.coder for c in wb.view.codings} == {"alice"}
        assert len(wb.view.codings) == 2
        assert wb.counts == {FINANCE: 1, AGEING: 1}  # the codebook panel counts alice's only
        assert "BLIND · alice" in str(wb.query_one(StatusBar).render())
        # coding the third segment (bob has it) is allowed: bob's coding is not hers
        await pilot.press("]", "]", "t", "c", *"finance", "enter")
        await pilot.pause()
        assert wb.counts[FINANCE] == 2
        # off: everyone's codings, labelled with their coder
        await pilot.press("B")
        await pilot.pause()
        assert {c.coder for c in wb.view.codings} == {"alice", "bob"}
        assert any(c.label.endswith("·bob") for c in wb.view.codings)
        assert wb.counts[FINANCE] == 4
    assert ("alice", FINANCE, 0) in coders_in_db(double_coded)
    assert sum(1 for c in coders_in_db(double_coded) if c[0] == "alice") == 3


async def test_blind_mode_chart_counts_my_codings_only(double_coded: Path) -> None:
    """The chart (C) is a view of the codings too: in blind mode it must not show bob's."""

    async def chart_coders(blind: bool) -> set[str]:
        app = create_app(double_coded, coder="alice", blind=blind)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("C")
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ChartScreen) and screen.freq is not None
            ids = {i for row in screen.freq.rows for i in row.coding_ids}
        with Project.open(double_coded) as p:
            return {p.codings.get(i).coder for i in ids}

    assert await chart_coders(blind=True) == {"alice"}
    assert await chart_coders(blind=False) == {"alice", "bob"}


async def test_blind_project_setting_asks_for_the_name(
    double_coded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MPU_QUAL_CODER", raising=False)
    with Project.open(double_coded) as p:
        set_blind_default(p, True)
    app = create_app(double_coded)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"carol", "enter")
        await pilot.pause()
        wb = app.workbench
        assert app.coders.blind and app.coders.name == "carol"
        assert wb.view.codings == [] and wb.counts == {}
        await pilot.press("t", "c", *"ageing", "enter")
        await pilot.pause()
        assert [c.coder for c in wb.view.codings] == ["carol"]
    assert ("carol", AGEING, 0) in coders_in_db(double_coded)


async def test_review_screen_accept_neither_and_undo(double_coded: Path) -> None:
    app = create_app(double_coded, coder="lead", blind=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("D")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DisagreementsScreen)
        # worst code first; segment 2 (alice only, ageing) and 3 (bob only, finance)
        assert sorted((d.code_id, d.segment) for d in screen.items) == [(FINANCE, 3), (AGEING, 2)]
        body = as_text(screen.side_by_side(screen.current))
        assert "alice" in body and "bob" in body and "did not code it" in body
        first = screen.current
        alice_index = list(first.values).index("alice") + 1
        await pilot.press(str(alice_index))  # accept alice's
        await pilot.pause()
        assert len(screen.items) == 1
        after_accept = coders_in_db(double_coded)
        if first.code_id == AGEING:
            assert ("bob", AGEING, first.start) in after_accept  # bob got alice's coding
        else:
            assert ("bob", FINANCE, first.start) not in after_accept  # bob's went
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert len(screen.items) == 2
        await pilot.press("n", "0")  # neither, on the other one
        await pilot.pause()
        assert len(screen.items) == 1
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.workbench
    left = coders_in_db(double_coded)
    assert len(left) == 4 - 1  # one coding removed by "neither"


async def test_review_refuses_in_blind_mode(double_coded: Path) -> None:
    app = create_app(double_coded, coder="alice", blind=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(app.screen, DisagreementsScreen)
        assert app.screen.items == []
        assert "Blind mode is on" in app.screen.problem
