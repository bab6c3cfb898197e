"""Feature screens plugged into the workbench: job-ad evidence, the chart, transcription.

Each test drives the real app with Pilot and checks the project database afterwards through
a fresh connection. The transcription test runs the real tiny.en model on espeak-ng speech.
"""

from __future__ import annotations

import csv
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, OptionList, ProgressBar, Select, Static
from tui_helpers import settle

from mpu_qual.evidence.importer import import_file
from mpu_qual.evidence.rules import load_project_rules
from mpu_qual.export.charts import group_colors
from mpu_qual.export.stats import code_frequencies_by_group
from mpu_qual.speech.flags import FLAG_DESCRIPTIONS
from mpu_qual.speech.results import TranscriptionInterrupted
from mpu_qual.store import Project
from mpu_qual.transcript_files.parsed import ParsedSegment, ParsedTranscript
from mpu_qual.tui.app import create_app
from mpu_qual.tui.screens.catalog import SCREENS
from mpu_qual.tui.screens.chart import BLOCK, ChartScreen
from mpu_qual.tui.screens.evidence import EvidenceScreen
from mpu_qual.tui.screens.help import HelpScreen
from mpu_qual.tui.screens.transcribe import TranscribeScreen
from mpu_qual.tui.screens.workbench import WorkbenchScreen
from mpu_qual.tui.transcription_job import current_job, progress_line

SIZE = (120, 36)

HEAD = ["platform", "ad_id", "date", "title", "company", "industry", "description"]
ADS = [
    ["JobsDB", "1", "2024-12-05", "Lab Technician", "Apex", "Testing & Certification", "HPLC lab"],
    [
        "JobsDB",
        "2",
        "2024-12-06",
        "工程師",
        "華南電子",
        "製造業",
        "負責自動化生產線及機器視覺系統維修",
    ],
    ["JobsDB", "3", "2024-12-07", "Technician", "Precision", "Manufacturing", "PLC programming"],
    [
        "JobsDB",
        "4",
        "2024-01-07",
        "Technician",
        "Precision",
        "Manufacturing",
        "PLC programming, robots",
    ],
    ["JobsDB", "5", "2024-12-08", "Banker", "Bank", "Banking", "PLC of the bank"],
]
MORE_ADS = [
    ["CTgoodjobs", "9", "2025-01-10", "Automation Technician", "Robo", "Manufacturing", "PLC work"],
]


def write_ads(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEAD)
        w.writerows(rows)
    return path


def texts(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def messages(app) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


def errors(app) -> list[str]:
    return [n.message for n in app._notifications if n.severity == "error"]


# ------------------------------------------------------------------ catalog, help, palette
async def test_feature_screens_are_registered_with_keys_in_help_and_palette(app):
    keys = {SCREENS[n].key: n for n in ("evidence", "chart", "transcribe")}
    assert keys == {"E": "evidence", "C": "chart", "T": "transcribe"}
    async with app.run_test(size=SIZE) as pilot:
        wb = app.screen
        assert isinstance(wb, WorkbenchScreen)
        palette = {a for _t, _h, a in wb.palette_commands()}
        for name in keys.values():
            assert f"open_screen('{name}')" in palette
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        rows = {desc: k for _name, group in app.screen.groups for k, desc in group}
        for key, name in keys.items():
            assert rows[SCREENS[name].title] == key
        await pilot.press("escape")
        for key, cls in (("E", EvidenceScreen), ("C", ChartScreen), ("T", TranscribeScreen)):
            await pilot.press(key)
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, cls)
            # every key of the screen is in the palette opened over it, and listed by help
            bound = {b.action for b in cls.BINDINGS}
            assert bound <= {a for _t, _h, a in screen.palette_commands()}
            await pilot.press("f1")
            shown = {desc for _n, group in app.screen.groups for _k, desc in group}
            assert {b.description for b in cls.BINDINGS} <= shown
            await pilot.press("escape")  # help
            await pilot.press("escape")  # the feature screen
            await settle(pilot)
            assert isinstance(app.screen, WorkbenchScreen)


# ------------------------------------------------------------------ evidence
@pytest.fixture
def ads_demo(demo_dir: Path, tmp_path: Path) -> tuple[Path, int]:
    """The demo with five job ads and one coding on segment 2; returns (folder, coding id)."""
    with Project.open(demo_dir) as p:
        import_file(p, write_ads(tmp_path / "ads.csv", ADS), load_project_rules(demo_dir))
        src = p.sources.list()[0]
        seg = p.sources.segments(src)[1]
        coding = p.codings.add(src, seg.start, seg.end, "training.core")
    return demo_dir, coding.id


def db_links(folder: Path) -> list[tuple]:
    conn = sqlite3.connect(folder / "project.db")
    try:
        return conn.execute(
            "SELECT l.id, l.code_id, l.coding_id, q.sector, q.window, q.role, q.term, q.text, "
            "l.count, l.total, l.note FROM evidence_links l "
            "JOIN evidence_queries q ON q.id = l.query_id ORDER BY l.id"
        ).fetchall()
    finally:
        conn.close()


async def test_evidence_link_preview_save_refresh_and_unlink(ads_demo, tmp_path):
    folder, coding_id = ads_demo
    app = create_app(folder)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g", "2", "enter", "E")  # the caret into the coded segment 2
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, EvidenceScreen)
        target = screen.query_one("#ev-target", Select)
        assert target.value == f"coding:{coding_id}"
        screen.query_one("#ev-sector", Select).value = "製造"
        screen.query_one("#ev-window", Select).value = "2024-2025"
        screen.query_one("#ev-term", Select).value = "PLC"
        await settle(pilot)
        # the figure is shown before anything is saved: 1 of the 2 manufacturing ads
        assert "1 of 2 ads (50.0%)" in texts(screen, "#ev-figure")
        assert db_links(folder) == []
        screen.query_one("#ev-note").focus()
        await pilot.press(*"PLC demand")
        await pilot.press("ctrl+s")
        await settle(pilot)
        # a second link, on the code, counting a text search across all sectors
        target.value = "code:training.core"
        for name in ("sector", "window", "term"):
            screen.query_one(f"#ev-{name}", Select).clear()
        screen.query_one("#ev-text").focus()
        await pilot.press(*"programming")
        await settle(pilot)
        assert "2 of 4 ads (50.0%)" in texts(screen, "#ev-figure")
        await pilot.press("ctrl+s")
        await settle(pilot)
        links = db_links(folder)
        assert [x[1:] for x in links] == [
            (None, coding_id, "製造", "2024-2025", "", "PLC", "", 1, 2, "PLC demand"),
            ("training.core", None, "", "", "", "", "programming", 2, 4, None),
        ]
        # back on the coding: its own link and, via its code, the code's link
        target.value = f"coding:{coding_id}"
        await settle(pilot)
        table = screen.query_one(DataTable)
        assert table.row_count == 2
        # new ads arrive (another program imports them); refresh recomputes the figures
        with Project.open(folder) as p:
            import_file(p, write_ads(tmp_path / "more.csv", MORE_ADS), load_project_rules(folder))
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert [(x[8], x[9]) for x in db_links(folder)] == [(2, 3), (2, 5)]
        assert any("2 figures changed" in m for m in messages(app))
        # unlink the coding's own link (first row), after confirming
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("delete")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert [x[1] for x in db_links(folder)] == ["training.core"]
        assert table.row_count == 1
        await pilot.press("escape")
        await settle(pilot)
        # the details screen beside the passage shows the remaining (code) link
        await pilot.press("i")
        await settle(pilot)
        details = " ".join(str(s.render()) for s in app.screen.query(".detail"))
        assert "text=programming" in details and "linked to the code" in details


async def test_evidence_errors_are_shown_and_nothing_is_saved(ads_demo):
    folder, _coding_id = ads_demo
    app = create_app(folder)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g", "2", "enter", "E")
        await settle(pilot)
        screen = app.screen
        # search text over the 500-character limit: the figure says so, saving refuses it
        screen.query_one("#ev-text", Input).value = "plc " * 130
        await settle(pilot)
        assert "longer than 500 characters" in texts(screen, "#ev-figure")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert any("longer than 500 characters" in m for m in errors(app))
        assert isinstance(app.screen, EvidenceScreen)
    assert db_links(folder) == []
    # a broken jobrules.yaml: the screen says what is wrong and does not open
    (folder / "jobrules.yaml").write_text("windows: [\n", encoding="utf-8")
    app = create_app(folder)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("E")
        await settle(pilot)
        assert isinstance(app.screen, WorkbenchScreen)
        assert any("jobrules.yaml:2:1: YAML syntax error" in m for m in errors(app))


# ------------------------------------------------------------------ chart
async def test_chart_counts_by_group_and_drills_into_a_theme(demo_dir, opened):
    src = opened.sources.list()[0]
    segs = opened.sources.segments(src)
    group = {p.label: p.group_id for p in opened.participants.list()}
    industry = [g for g in segs if group.get(g.speaker) == "industry_leader"]
    academic = [g for g in segs if group.get(g.speaker) == "academic"]
    for g in industry[:2]:
        opened.codings.add(src, g.start, g.end, "training.core.technical")
    opened.codings.add(src, academic[0].start, academic[0].end, "training.hybrid")
    opened.codings.add(src, industry[2].start, industry[2].end, "manpower.technical")
    # a second code on the same passage of the theme: still one passage for "training"
    opened.codings.add(src, industry[0].start, industry[0].end, "training.core")
    themes = [c.id for c in opened.codes.list() if c.parent_id is None]
    app = create_app(demo_dir)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("C")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ChartScreen)
        bars = screen.query_one(OptionList)
        assert [bars.get_option_at_index(i).id for i in range(bars.option_count)] == themes
        freq = screen.freq
        rows = {r.code_id: r for r in freq.rows}
        assert (rows["training"].total, rows["training"].counts) == (
            3,
            {"industry_leader": 2, "academic": 1},
        )
        assert rows["manpower"].total == 1 and rows["factors"].total == 0
        # bars: training is the longest; its industry segment is twice its academic one
        colors = group_colors(freq.groups)

        def cells(code_id: str) -> dict[str, int]:
            prompt = bars.get_option(code_id).prompt
            out: dict[str, int] = {}
            for span in prompt.spans:
                chunk = prompt.plain[span.start : span.end]
                if chunk and set(chunk) == {BLOCK}:
                    out[str(span.style)] = out.get(str(span.style), 0) + len(chunk)
            return out

        training, manpower = cells("training"), cells("manpower")
        il, ac = training[colors["industry_leader"]], training[colors["academic"]]
        assert abs(il - 2 * ac) <= 1
        assert abs(sum(manpower.values()) * 3 - (il + ac)) <= 3
        assert cells("factors") == {}
        # the highlighted bar in words; Enter on "training" shows its codes
        bars.highlighted = themes.index("training")
        await pilot.pause()
        assert "Training needs: 3 passages — Industry leader 2, Academic 1" in texts(
            screen, "#chart-detail"
        )
        await pilot.press("enter")
        await settle(pilot)
        children = [c.id for c in opened.codes.list() if c.parent_id == "training"]
        assert [bars.get_option_at_index(i).id for i in range(bars.option_count)] == children
        sub = {r.code_id: r.total for r in screen.freq.rows}
        assert (sub["training.core"], sub["training.hybrid"]) == (2, 1)
        # Backspace goes back to the themes, with "training" still highlighted
        await pilot.press("backspace")
        await settle(pilot)
        assert bars.get_option_at_index(bars.highlighted).id == "training"
        assert screen.current_parent is None
        # the same figures as the export's statistics, read from the database afterwards
    with Project.open(demo_dir) as p:
        expected = code_frequencies_by_group(p)
    assert [(r.code_id, r.total, r.counts) for r in expected.rows] == [
        (r.code_id, r.total, r.counts) for r in freq.rows
    ]


# ------------------------------------------------------------------ transcription
def espeak(text: str, out: Path) -> Path:
    exe = shutil.which("espeak-ng")
    if exe is None:
        pytest.fail("espeak-ng is not installed: apt-get install -y espeak-ng")
    subprocess.run([exe, "-w", str(out), text], check=True)
    return out


async def test_transcription_runs_in_background_and_adds_the_transcript(
    demo_dir, tmp_path, monkeypatch
):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # the worker process inherits it: no hub
    wav = espeak("We need more technicians who understand automation.", tmp_path / "clip.wav")
    app = create_app(demo_dir)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await settle(pilot)  # the offline model list arrives
        screen = app.screen
        assert isinstance(screen, TranscribeScreen)
        # the offline model list arrived (an unknown value would raise), and English
        screen.query_one("#tx-model", Select).value = "tiny.en"
        screen.query_one("#tx-language", Select).value = "en"
        screen.query_one("#tx-audio", Input).value = str(wav)
        # started, then cancelled while the model loads: nothing is kept
        await pilot.press("ctrl+s")
        await pilot.click("#tx-cancel")
        await settle(pilot)
        assert isinstance(current_job(app).error, TranscriptionInterrupted)
        assert any("Transcription cancelled" in m for m in messages(app))
        with Project.open(demo_dir) as p:
            assert "clip" not in [s.name for s in p.sources.list()]
            assert p.conn.execute("SELECT count(*) FROM transcription_runs").fetchone()[0] == 0
        # started again and left to finish
        await pilot.press("ctrl+s")
        job = current_job(app)
        assert job is not None and not job.done
        switched = False
        while not job.done:
            await pilot.pause(0.1)
            if not switched:  # the screen answers keys while the model works
                await pilot.press("f3")
                assert screen.query_one("TabbedContent").active == "tx-tab-review"
                await pilot.press("f2")
                switched = True
        await settle(pilot)
        assert job.error is None, job.error
        # the status line is drawn from the job's last progress event: audio done / total
        # (sampling the screen can miss every running state of a clip this short)
        assert job.last is not None and job.last.total_ms, job.last
        line = progress_line(job.last)
        assert "of audio" in line and "/ 0:00:0" in line, line
        assert texts(screen, "#tx-status").startswith("Done: 'clip'")
        bar = screen.query_one("#tx-progress", ProgressBar)
        assert bar.progress == bar.total
        # the new transcript is in the list, and chosen for review in the screen
        wb = app.workbench
        assert "clip" in [s["name"] for s in wb.sources_list.summaries.values()]
        assert screen.source_id == job.result.source_id
        assert any("Transcription done" in m for m in messages(app))
    with Project.open(demo_dir) as p:
        src = p.sources.get("clip")
        assert "technician" in src.text.lower()
        assert p.sources.segments(src) and src.duration_ms and src.duration_ms > 1000
        assert (demo_dir / "transcripts" / "clip.vtt").exists()
        assert p.conn.execute("SELECT count(*) FROM transcription_runs").fetchone()[0] == 0


async def test_transcription_of_a_bad_file_is_reported_and_leaves_nothing(demo_dir, tmp_path):
    bad = tmp_path / "notes.wav"
    bad.write_text("not audio at all", encoding="utf-8")
    with Project.open(demo_dir) as p:
        before = [s.name for s in p.sources.list()]
    app = create_app(demo_dir)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await settle(pilot)
        await pilot.press("ctrl+s")  # no path typed
        assert any("Type the path of a recording" in m for m in errors(app))
        app.screen.query_one("#tx-audio", Input).value = str(bad)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert current_job(app).done and current_job(app).result is None
        failed = [n for n in app._notifications if n.severity == "error" and "notes.wav" in n.title]
        assert failed and "not an audio or video file" in failed[0].message
        assert texts(app.screen, "#tx-status").startswith("Stopped:")
    with Project.open(demo_dir) as p:
        assert [s.name for s in p.sources.list()] == before
        assert p.conn.execute("SELECT count(*) FROM transcription_runs").fetchone()[0] == 0


def flagged_transcript() -> ParsedTranscript:
    """Twelve 5-second segments (no speakers yet); two carry review flags, as Whisper's do."""
    segs = []
    for i in range(12):
        text = f"Moderator asks question {i}." if i % 4 == 0 else f"Answer number {i} about PLC."
        meta: dict = {"avg_logprob": -0.2}
        if i in (3, 7):
            meta = {"avg_logprob": -1.4, "flags": ["low_confidence"]}
        if i == 7:
            meta["flags"].append("repetition")
        segs.append(ParsedSegment(text=text, start_ms=i * 5000, end_ms=i * 5000 + 4500, meta=meta))
    return ParsedTranscript(segments=segs, metadata={}, format="vtt")


def speakers(folder: Path, name: str) -> list[str | None]:
    with Project.open(folder) as p:
        return [g.speaker for g in p.sources.segments(p.sources.get(name))]


async def test_review_flags_jump_and_bulk_speaker_assignment(demo_dir):
    with Project.open(demo_dir) as p:
        src = p.sources.add("aaa-whisper", flagged_transcript(), duration_ms=60_000)
        segs = p.sources.segments(src)
    app = create_app(demo_dir)
    async with app.run_test(size=SIZE) as pilot:
        assert app.screen.source.name == "aaa-whisper"
        await pilot.press("T", "f3")
        await settle(pilot)
        screen = app.screen
        box = screen.query_one("#tx-review", OptionList)
        assert [box.get_option_at_index(i).id for i in range(box.option_count)] == [
            str(segs[3].id),
            str(segs[7].id),
        ]
        second = str(box.get_option_at_index(1).prompt)
        assert FLAG_DESCRIPTIONS["repetition"] in second and "Answer number 7" in second
        box.focus()
        await pilot.press("down", "enter")
        await settle(pilot)
        wb = app.screen
        assert isinstance(wb, WorkbenchScreen)
        assert wb.view.selection == (segs[7].start, segs[7].end)
        # speakers: 0:20 to 0:40 holds segments 4-7 (by their midpoints)
        await pilot.press("T", "f4")
        await settle(pilot)
        screen = app.screen
        screen.query_one("#sp-label").focus()
        await pilot.press(*"P3", "tab", "tab", "tab", *"20", "tab", *"0:40")
        await settle(pilot)
        assert "4 segments selected" in texts(screen, "#sp-preview")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert speakers(demo_dir, "aaa-whisper") == [None] * 4 + ["P3"] * 4 + [None] * 4
        # by pattern, only among unlabelled segments
        for wid in ("#sp-from", "#sp-to"):
            screen.query_one(wid, Input).value = ""
        screen.query_one("#sp-label", Input).value = "Moderator"
        screen.query_one("#sp-match", Input).value = "^moderator"
        await settle(pilot)
        assert "3 segments selected" in texts(screen, "#sp-preview")
        screen.query_one("#sp-unlabelled").focus()
        await pilot.press("space")
        await settle(pilot)
        assert "2 segments selected" in texts(screen, "#sp-preview")
        await pilot.press("ctrl+s")
        await settle(pilot)
        expected = ["Moderator", None, None, None, "P3", "P3", "P3", "P3", "Moderator"]
        expected += [None, None, None]
        assert speakers(demo_dir, "aaa-whisper") == expected
        # a bad regular expression: an error, and nothing changes
        screen.query_one("#sp-match", Input).value = "(unclosed"
        await settle(pilot)
        assert "bad regular expression" in texts(screen, "#sp-preview")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert any("bad regular expression" in m for m in errors(app))
        assert speakers(demo_dir, "aaa-whisper") == expected
        # each assignment is one undoable action in the workbench
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert speakers(demo_dir, "aaa-whisper") == [None] * 4 + ["P3"] * 4 + [None] * 4
