"""Jumping around transcripts, a 5,000-segment transcript, help and the command palette."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandPalette
from tui_helpers import SIZE, settle

from mpu_qual.store import Project
from mpu_qual.transcript_files.parsed import ParsedSegment, ParsedTranscript
from mpu_qual.tui.app import create_app
from mpu_qual.tui.screens.help import HelpScreen
from mpu_qual.tui.screens.workbench import WorkbenchScreen
from mpu_qual.tui.widgets import TranscriptView


def segments(folder: Path):
    with Project.open(folder) as p:
        return p.sources.segments(p.sources.list()[0])


async def test_jump_by_segment_speaker_and_uncoded(demo_dir, opened):
    segs = opened.sources.segments(opened.sources.list()[0])
    # code segments 1 and 2 so that the next uncoded segment from 0 is 3
    for g in segs[1:3]:
        opened.codings.add(opened.sources.list()[0], g.start, g.end, "training.core")
    app = create_app(demo_dir)
    async with app.run_test(size=SIZE) as pilot:
        view = app.screen.query_one(TranscriptView)
        await pilot.press("right_square_bracket")
        assert view.cursor == segs[1].start
        await pilot.press("left_square_bracket")
        assert view.cursor == segs[0].start
        await pilot.press("u")
        assert view.cursor == segs[3].start
        # the next turn of the same speaker as segment 3
        who = segs[3].speaker
        nxt = next(g for g in segs[4:] if g.speaker == who)
        await pilot.press("right_curly_bracket")
        assert view.cursor == nxt.start
        await pilot.press("ctrl+end")
        assert view.cursor == segs[-1].end
        await pilot.press("ctrl+home")
        assert view.cursor == 0


async def test_goto_segment_time_and_speaker(app, demo_dir):
    segs = segments(demo_dir)
    target = next(g for g in segs if g.start_ms and g.start_ms > 300_000)
    mm, ss = divmod(target.start_ms // 1000, 60)
    async with app.run_test(size=SIZE) as pilot:
        view = app.screen.query_one(TranscriptView)
        await pilot.press("g", *"12", "enter")
        assert view.cursor == segs[11].start
        await pilot.press("g", *f"{mm}:{ss:02d}", "enter")
        assert view.cursor == target.start
        await pilot.press("g", *"AC1", "enter")
        assert segs[view.segment_index].speaker == "AC1"
        await pilot.press("g", *"nobody", "enter")
        assert any("No segment by 'nobody'" in n.message for n in app._notifications)


async def test_up_down_keep_the_column_and_status_shows_position(app, demo_dir):
    segs = segments(demo_dir)
    async with app.run_test(size=SIZE) as pilot:
        view = app.screen.query_one(TranscriptView)
        await pilot.press("right", "right", "right", "down")
        lay = view.layout_
        assert lay.line_of(view.cursor) == 1 and lay.column_of(view.cursor) == 3
        await pilot.press("up")
        assert view.cursor == 3
        await pilot.press("right_square_bracket")
        status = str(app.screen.query_one("#status").render())
        assert f"segment 2/{len(segs)}" in status
        assert "IL1 (Industry leader)" in status


async def test_large_transcript_opens_and_scrolls_to_the_end(tmp_path, demo_dir):
    # 5,000 segments (about 3 hours) in one transcript, added through the Project API
    parsed = ParsedTranscript(
        segments=[
            ParsedSegment(
                text=f"Segment {i} talks about automation, 人才 and training on the line.",
                speaker=("IL1", "TP2", "AC1")[i % 3],
                start_ms=i * 2160,
                end_ms=i * 2160 + 2000,
            )
            for i in range(5000)
        ],
        metadata={},
        format="txt",
    )
    with Project.open(demo_dir) as p:
        p.sources.add("aaa-three-hours", parsed)
    app = create_app(demo_dir)
    async with app.run_test(size=SIZE) as pilot:
        view = app.screen.query_one(TranscriptView)
        assert app.screen.source.name == "aaa-three-hours"
        assert len(view.layout_.segments) == 5000
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert view.segment_index == 4999
        # what is drawn is the end of the transcript, not the start
        rows = [
            "".join(seg.text for seg in view.render_line(y))
            for y in range(view.scrollable_content_region.height)
        ]
        assert any("Segment 4999 talks" in r for r in rows)
        assert not any("Segment 0 talks" in r for r in rows)
        await pilot.press("pageup", "pageup")
        assert 4900 < view.segment_index < 4999


async def test_help_lists_the_bindings_where_it_was_opened(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        groups = dict(help_screen.groups)
        # grouped by task, the most used first: coding keys on the first page
        names = [name for name, _rows in help_screen.groups]
        tasks = ["Code", "Read", "Correct the transcript", "Review", "Team", "Evidence"]
        assert names[: len(tasks)] == tasks
        code = dict((d, k) for k, d in groups["Code"])
        assert list(code)[:2] == ["Code", "Code the selection (or apply re-scope)"]
        assert code["Select sentence (again: extend)"] == "s"
        assert code["Apply a recent code (the status line lists them)"] == "1-9"
        assert code["Undo"] == "^z"
        read = dict((d, k) for k, d in groups["Read"])
        assert read["Next segment"] == "]" and read["Play the segment at the caret (again: stop)"]
        assert dict((d, k) for k, d in groups["Team"])["Review disagreements between coders"] == "D"
        assert "Caret left" in {d for _k, d in groups["Move and select"]}
        await pilot.press("escape")
        # in the codebook panel, its own keys are listed
        await pilot.press("ctrl+b", "f1")
        names = [name for name, _rows in app.screen.groups]
        assert "Codebook panel" in names
        assert "Move and select" not in names  # the transcript's own keys are not active


async def test_every_bound_action_is_in_the_command_palette(app):
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, WorkbenchScreen)
        palette_actions = {a.split("(")[0] for _t, _h, a in screen.palette_commands()}
        view_actions = {
            a.split("'")[1].split("(")[0]
            for _t, _h, a in screen.palette_commands()
            if a.startswith("view_action")
        }
        bound = {b.action.split("(")[0] for b in WorkbenchScreen.BINDINGS}
        # the codebook panel's keys post messages; the screen's palette action for each
        tree_keys = {
            "passages": "show_passages",
            "add": "add_code",
            "edit": "edit_code",
            "move": "move_code",
            "merge": "merge_code",
            "delete": "delete_code",
            "leave": "focus_panel",
            "apply": None,  # c in the panel: the palette's "Code the selection…" asks for a code
        }
        tree_actions = {b.action.split("(")[0] for b in screen.codebook_tree.BINDINGS}
        assert tree_actions == set(tree_keys)
        bound |= {a for a in tree_keys.values() if a is not None}
        bound_view = {
            b.action.split("(")[0]
            for b in TranscriptView.BINDINGS
            if not b.action.startswith(("move", "extend"))
        }
        # a selection detail, and Enter / Escape (messages the screen answers: code, cancel)
        bound_view -= {"swap_ends", "confirm", "cancel"}
        assert bound - {"saved"} <= palette_actions
        assert bound_view <= view_actions
        # run one through the real palette
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"next uncoded")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.view.segment_index == 1
