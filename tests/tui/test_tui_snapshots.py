"""Screenshots of the main screens on the demo project, pinned with pytest-textual-snapshot.

Update them after an intended change with ``pytest tests/tui --snapshot-update`` and look at
the report before accepting. The workbench one is also docs/screenshot.svg for the README.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from mpu_qual.store import Project
from mpu_qual.tui.app import MpuQualApp, create_app

SIZE = (120, 36)  # also the README screenshot (docs/screenshot.svg)


def coded_demo(folder: Path) -> MpuQualApp:
    """The demo with a few codings (one overlap, one memo), as a researcher would leave it."""
    with Project.open(folder) as p:
        src = p.sources.list()[0]
        segs = p.sources.segments(src)
        text = src.text

        def span(k: int, phrase: str) -> tuple[int, int]:
            g = segs[k]
            i = text.index(phrase, g.start, g.end)
            return i, i + len(phrase)

        p.codings.add(
            src,
            *span(0, "This is the focus group for the manpower update on advanced manufacturing."),
            "factors",
        )
        p.codings.add(src, segs[1].start, segs[1].end, "manpower.technical.foundational")
        p.codings.add(
            src,
            *span(1, "precision metal parts company"),
            "factors.ecosystem.standards",
            memo="Supplier to automotive: IATF matters",
        )
        p.codings.add(src, segs[3].start, segs[3].end, "training.data_ai.applied")
        p.codings.add(src, segs[4].start, segs[4].end, "factors.ecosystem.infrastructure")
    return create_app(folder)


async def steady(pilot) -> None:
    """Wait for background reads (statistics, search) and stop input carets blinking:
    screenshots must not depend on timing."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.fixture
def coded_app(demo_dir: Path) -> MpuQualApp:
    return coded_demo(demo_dir)


def test_snapshot_workbench(snap_compare, coded_app):
    async def before(pilot) -> None:
        await pilot.press("right_square_bracket", "right_square_bracket", "s")
        await steady(pilot)

    assert snap_compare(coded_app, terminal_size=SIZE, run_before=before)


def test_snapshot_workbench_chinese_labels(snap_compare, coded_app):
    async def before(pilot) -> None:
        await pilot.press("L", "ctrl+b")
        await steady(pilot)

    assert snap_compare(coded_app, terminal_size=SIZE, run_before=before)


def test_snapshot_code_picker(snap_compare, coded_app):
    async def before(pilot) -> None:
        await pilot.press("s", "c", *"talent", "tab")
        await steady(pilot)

    assert snap_compare(coded_app, terminal_size=SIZE, run_before=before)


def test_snapshot_search_results(snap_compare, coded_app):
    async def before(pilot) -> None:
        await pilot.press("slash", *"training", "enter")
        await steady(pilot)

    assert snap_compare(coded_app, terminal_size=SIZE, run_before=before)


def test_snapshot_participants(snap_compare, coded_app):
    async def before(pilot) -> None:
        await pilot.press("W")
        await steady(pilot)

    assert snap_compare(coded_app, terminal_size=SIZE, run_before=before)


def test_snapshot_workbench_100_columns_long_cantonese_turn(snap_compare, coded_app):
    """At 100 columns the IL2 turn (00:00:46, 125 cells of Cantonese and English) wraps onto
    several rows and ends with '大概一百二十個員工。'."""

    async def before(pilot) -> None:
        await pilot.press("right_square_bracket", "right_square_bracket")
        await steady(pilot)

    assert snap_compare(coded_app, terminal_size=(100, 36), run_before=before)
