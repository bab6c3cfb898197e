"""The workbench on the demo project `./dev demo` builds, and messages that stay out of the way."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Checkbox, Input
from textual.widgets._toast import Toast

from mpu_qual.playback.sinks import no_device
from mpu_qual.tui.app import MpuQualApp, create_app
from mpu_qual.tui.components import SourceList, StatusBar
from mpu_qual.tui.screens.export import ExportScreen
from mpu_qual.tui.screens.workbench import WorkbenchScreen

ROOT = Path(__file__).resolve().parents[2]


def build_demo(folder: Path) -> Path:
    spec = importlib.util.spec_from_file_location("code_demo", ROOT / "scripts" / "code_demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["code_demo"] = module
    spec.loader.exec_module(module)
    assert module.main(["--project", str(folder), "--no-summary"]) == 0
    return folder


@pytest.fixture(scope="module")
def demo_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("built-demo")
    mp = pytest.MonkeyPatch()
    mp.setenv("MPU_QUAL_HOME", str(base / "home"))
    try:
        return build_demo(base / "demo")
    finally:
        mp.undo()


@pytest.fixture
def demo_app(demo_built: Path, tmp_path: Path) -> Iterator[MpuQualApp]:
    import shutil

    folder = tmp_path / "demo"
    shutil.copytree(demo_built, folder)
    yield create_app(folder)


def status_text(app: MpuQualApp) -> str:
    return str(app.screen.query_one(StatusBar).render())


async def test_the_demo_transcript_list_shows_the_recording(demo_app: MpuQualApp) -> None:
    async with demo_app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        listing = demo_app.screen.query_one(SourceList)
        prompts = {s["name"]: s for s in listing.summaries.values()}
        assert prompts["introductions-recording"]["recording"] == "demo/recording.ogg"
        assert not prompts["focus-group-2025-12-08"]["recording"]
        shown = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        assert any("introductions-recording" in p and "♪ rec" in p for p in shown)
        assert any("focus-group" in p and "♪" not in p for p in shown)


async def test_messages_go_to_the_status_line_not_over_the_text(demo_app: MpuQualApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        wb = demo_app.screen
        assert isinstance(wb, WorkbenchScreen)
        demo_app.notify("Coded as Infrastructure.", title="Coded")
        demo_app.notify("Second message.", title="Saved")
        await pilot.pause()
        await pilot.pause()
        assert not list(wb.query(Toast)), "a toast covers the transcript"
        status = wb.query_one(StatusBar)
        assert status.message == "✓ Saved: Second message."
        assert "Saved: Second message." in status_text(demo_app)
        # the status bar keeps its two rows: the transcript above is not covered or moved
        assert status.region.height == 2
        assert status.region.y == 24 - 2 - 1  # above the footer


async def test_no_sound_device_is_said_once(demo_app: MpuQualApp) -> None:
    def no_sound():
        raise no_device()

    demo_app.audio_sink_factory = no_sound
    async with demo_app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        wb = demo_app.screen
        assert isinstance(wb, WorkbenchScreen)
        rec = next(
            s["id"] for s in wb.sources_list.summaries.values() if s["recording"] is not None
        )
        wb.open_source(rec)
        wb.view.focus()
        for _ in range(3):
            await pilot.press("p")
            await pilot.pause()
        told = [n for n in demo_app._notifications if n.title == "No sound"]
        assert len(told) == 1
        assert "no sound device here" in told[0].message
        assert "no sound" in status_text(demo_app)
        # still said once after the first message has gone
        demo_app.clear_notifications()
        await pilot.press("p")
        await pilot.pause()
        assert not [n for n in demo_app._notifications if n.title == "No sound"]
        assert "no sound" in status_text(demo_app)


async def test_the_same_message_is_not_stacked(demo_app: MpuQualApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for _ in range(3):
            demo_app.notify("Nothing to undo.", title="Undo")
        await pilot.pause()
        assert [n.message for n in demo_app._notifications] == ["Nothing to undo."]


async def test_undo_and_redo_speak_in_peoples_words(demo_app: MpuQualApp) -> None:
    async with demo_app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("right_square_bracket", "t", "c")
        await pilot.pause()
        await pilot.press(*"infrastructure", "enter")
        await pilot.pause()
        await pilot.press("ctrl+z")
        await pilot.pause()
        await pilot.press("ctrl+y")
        await pilot.pause()
        said = [n.message for n in demo_app._notifications]
        words = (
            "coding 'Infrastructure 加強基建' on IL1's turn at 00:00:32 in focus-group-2025-12-08"
        )
        assert f"Undone: {words}" in said
        assert f"Redone: {words}" in said
        assert f"✓ Redone: {words}".startswith(demo_app.screen.query_one(StatusBar).message[:40])


async def test_export_quotes_from_the_workbench_as_the_cli_does(
    demo_app: MpuQualApp, tmp_path: Path
) -> None:
    import csv

    from click.testing import CliRunner

    from mpu_qual.cli import main

    folder = demo_app.folder
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        palette = {title for title, _h, _a in demo_app.screen.palette_commands()}
        assert any("Export coded quotes" in t for t in palette)
        assert any("Write the theme summary" in t for t in palette)
        await pilot.press("X")
        await pilot.pause()
        form = demo_app.screen
        assert isinstance(form, ExportScreen)
        form.query_one("#export-output", Input).value = "tui-quotes.csv"
        form.query_one("#export-theme", Input).value = "factors"
        form.query_one("#export-group", Input).value = "industry_leader"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(demo_app.screen, WorkbenchScreen)
        said = [n.message for n in demo_app._notifications if n.title == "Exported"]
        assert said and said[0].startswith("Wrote ") and "tui-quotes.csv (csv)" in said[0]
    result = CliRunner().invoke(
        main,
        [
            "-p",
            str(folder),
            "export",
            "quotes",
            "-o",
            str(tmp_path / "cli.csv"),
            "--theme",
            "factors",
            "--group",
            "industry_leader",
        ],
    )
    assert result.exit_code == 0, result.output
    tui_rows = list(csv.reader((folder / "tui-quotes.csv").open(encoding="utf-8-sig")))
    cli_rows = list(csv.reader((tmp_path / "cli.csv").open(encoding="utf-8-sig")))
    assert len(tui_rows) > 3
    assert tui_rows == cli_rows
    assert result.output.split(" to ")[0] == said[0].split(" to ")[0]


async def test_write_the_summary_from_the_workbench(demo_app: MpuQualApp) -> None:
    from docx import Document

    async with demo_app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("S")
        await pilot.pause()
        form = demo_app.screen
        assert isinstance(form, ExportScreen) and form.kind == "summary"
        form.query_one("#export-output", Input).value = "report.docx"
        form.query_one("#export-quotes", Input).value = "x"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert demo_app.screen is form  # refused: the form stays open with what was typed
        assert any("--quotes must be a whole number" in n.message for n in demo_app._notifications)
        form.query_one("#export-quotes", Input).value = "1"
        form.query_one("#export-pseudonymise", Checkbox).value = True
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(demo_app.screen, WorkbenchScreen)
    doc = Document(str(demo_app.folder / "report.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    assert "Theme summary: Advanced Manufacturing Manpower Update 2026" in text
    assert any("Infrastructure" in c for c in cells)
    said = [n.message for n in demo_app._notifications if n.title == "Summary"]
    assert said and "report.docx (docx) (pseudonymised)" in said[0]


async def test_a_real_session_freezes_its_startup_objects(demo_app: MpuQualApp) -> None:
    """run_app sets freeze_gc: what the first screen built is out of the collector's sight
    (full collections paused 160-170 ms on the demo; benchmarks/bench_keys.py)."""
    import gc

    demo_app.freeze_gc = True
    try:
        async with demo_app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.pause()
            assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0
