"""Listening and correcting in the workbench (issue #13), driven with Pilot.

The recording is a coded WAV (every sample says where it is) and the sound goes to
miniaudio's null device through a sink that records what it pulled, so the tests see
exactly which samples ``p`` played. Waiting loops end on the player's state, never on time.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from mpu_qual.playback import RecordingSink
from mpu_qual.store import Project
from mpu_qual.transcript_files.parsed import ParsedSegment, ParsedTranscript
from mpu_qual.tui.app import create_app
from mpu_qual.tui.screens.review import ReviewScreen

RATE = 16_000
SIZE = (120, 36)
TURNS = [
    ("Moderator", 0, 900, "Welcome, let us talk about technicians.", []),
    ("IL1", 1000, 2300, "We cannot find enough PLC technicians for the night shift.", []),
    ("TP1", 2500, 3100, "Thank you very much for watching.", ["known_hallucination"]),
    ("TP1", 3200, 3800, "Thank you very much for watching.", ["repeated_segment"]),
    ("IL1", 4000, 5200, "Training takes two years and then they leave.", ["low_confidence"]),
]


def _coded_wav(path: Path, seconds: float) -> Path:
    n = np.arange(int(seconds * RATE))
    data = np.stack([(n // 32768).astype(np.int16), (n % 32768).astype(np.int16)], axis=1)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(data.tobytes())
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    media = _coded_wav(tmp_path / "fg.wav", 6)
    p = Project.init(tmp_path / "proj")
    segs = [
        ParsedSegment(t, speaker=s, start_ms=a, end_ms=b, meta={"avg_logprob": -0.5, "flags": f})
        for s, a, b, t, f in TURNS
    ]
    p.sources.add(
        "fg", ParsedTranscript(segs, format="vtt"), media_path=str(media), duration_ms=6000
    )
    text = p.sources.get("fg").text
    start = text.index("PLC technicians")
    p.codings.add("fg", start, start + len("PLC technicians"), "factors")
    p.close()
    return tmp_path / "proj"


def _app(folder: Path, sink: RecordingSink | None):  # type: ignore[no-untyped-def]
    app = create_app(folder)
    if sink is not None:
        app.audio_sink_factory = lambda: sink
    return app


async def _until(pilot, done, limit: int = 400) -> None:  # type: ignore[no-untyped-def]
    for _ in range(limit):
        if done():
            return
        await pilot.pause(0.05)
    raise AssertionError("the condition never became true")


def _caret_segment(app) -> int:  # type: ignore[no-untyped-def]
    view = app.workbench.view
    return view.layout_.segment_at(view.cursor)


async def test_p_plays_the_samples_of_the_segment_at_the_caret(folder: Path) -> None:
    sink = RecordingSink()
    app = _app(folder, sink)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right_square_bracket")  # caret to segment 2 (1.0-2.3 s)
        assert _caret_segment(app) == 1
        await pilot.press("p")
        corr = app.workbench.correction
        assert corr.player is not None and corr.mode == "segment"
        await _until(pilot, lambda: corr.player.finished)
        played = sink.played()
        pos = played[:, 0].astype(np.int64) * 32768 + played[:, 1]
        start_ms, end_ms = pos[0] * 1000 / RATE, (pos[-1] + 1) * 1000 / RATE
        assert abs(start_ms - 1000) <= 20 and abs(end_ms - 2300) <= 20
        assert (np.diff(pos) == 1).all()
        assert _caret_segment(app) == 1  # a single segment: the caret stays


async def test_play_on_moves_the_caret_and_p_again_stops(folder: Path) -> None:
    sink = RecordingSink()
    app = _app(folder, sink)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("P")  # from segment 1, on to the end
        corr = app.workbench.correction
        await _until(pilot, lambda: _caret_segment(app) >= 1)  # the caret followed the audio
        assert corr.mode == "on" and "playing on" in corr.status_text()
        await pilot.press("P")
        assert not corr.player.playing and corr.mode is None
        await pilot.press("plus")
        assert corr.speed == 1.25
        await pilot.press("greater_than_sign")  # forward 5 s: plays on from about 6 s... the end
        await _until(pilot, lambda: corr.player.finished)


async def test_edit_keeps_the_coding_on_its_quote_and_undo_restores_both(folder: Path) -> None:
    app = _app(folder, None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right_square_bracket")
        await pilot.press("e")
        await pilot.pause()
        area = app.screen.query_one("#segment-text")
        area.text = "Honestly, we cannot find enough PLC technicians for night shifts."
        app.screen.query_one("#segment-speaker").value = "IL2"
        await pilot.press("enter")
        await pilot.pause()
        project = app.project
        coding = project.codings.list(source="fg")[0]
        assert coding.quote == "PLC technicians" and coding.code_id == "factors"
        seg = project.sources.segments("fg")[1]
        text = project.sources.get("fg").text
        assert text[seg.start : seg.end].startswith("Honestly")
        assert seg.speaker == "IL2" and seg.meta["corrected"] is True
        assert seg.meta["avg_logprob"] == -0.5  # Whisper's scores kept
        view = app.workbench.view
        assert [view.doc.text[c.start : c.end] for c in view.codings] == ["PLC technicians"]
        await pilot.press("ctrl+z")
        await pilot.pause()
        seg = project.sources.segments("fg")[1]
        text = project.sources.get("fg").text
        assert text[seg.start : seg.end] == TURNS[1][3] and seg.speaker == "IL1"
        coding = project.codings.list(source="fg")[0]
        assert text[coding.start : coding.end] == coding.quote == "PLC technicians"
        assert coding.start == text.index("PLC technicians")


async def test_split_join_and_nudge(folder: Path) -> None:
    sink = RecordingSink()
    app = _app(folder, sink)
    async with app.run_test(size=SIZE) as pilot:
        project = app.project
        view = app.workbench.view
        view.move_to(project.sources.get("fg").text.index("let us"))
        await pilot.press("vertical_line")
        await pilot.pause()
        assert project.sources.get("fg").text.startswith("Welcome,\nlet us talk")
        assert len(project.sources.segments("fg")) == 6
        view.move_to(0)
        await pilot.press("J")
        await pilot.pause()
        assert project.sources.get("fg").text.startswith("Welcome, let us talk")
        await pilot.press("full_stop")  # the end 0.1 s later, and the edge is replayed
        await pilot.pause()
        assert project.sources.segments("fg")[0].end_ms == 1000
        corr = app.workbench.correction
        assert corr.mode == "edge"
        await _until(pilot, lambda: corr.player.finished)
        for _ in range(3):
            await pilot.press("ctrl+z")
            await pilot.pause()
        assert project.sources.get("fg").text.startswith(TURNS[0][3])
        assert project.sources.segments("fg")[0].end_ms == 900


async def test_review_mode_walks_the_flagged_segments(folder: Path) -> None:
    sink = RecordingSink()
    app = _app(folder, sink)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("R")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert [i.idx for i in screen.items] == [2, 3, 4]
        detail = str(screen.query_one("#review-detail").render())
        assert "Whisper is known to invent" in detail
        corr = app.workbench.correction
        # the first flagged segment plays on its own
        await _until(pilot, lambda: corr.player is not None and corr.player.finished)
        pos = sink.played()[:, 0].astype(np.int64) * 32768 + sink.played()[:, 1]
        assert abs(pos[0] * 1000 / RATE - 2500) <= 20
        # all of it: the review plays without the caret, and once cut it off at the first tick
        assert abs((pos[-1] + 1) * 1000 / RATE - 3100) <= 20
        await pilot.press("d")  # delete the invented "thanks for watching"
        await pilot.pause()
        assert [i.idx for i in screen.items] == [2, 3]  # the repeat moved up to index 2
        await pilot.press("i")  # the repeat: inaudible
        await pilot.pause()
        assert [i.idx for i in screen.items] == [3]
        await pilot.press("a")  # accept the unsure one
        await pilot.pause()
        assert screen.items == []
        project = app.project
        texts = project.sources.get("fg").text.split("\n")
        assert "Thank you very much for watching." not in texts
        assert texts[2] == "[inaudible]"
        assert project.sources.segments("fg")[3].meta["reviewed"] is True
        await pilot.press("ctrl+z")  # undo the accept: it is back in the list
        await pilot.pause()
        assert [i.idx for i in screen.items] == [3]
        await pilot.press("o")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.workbench


async def test_without_a_sound_device_a_notice_and_the_rest_works(folder: Path) -> None:
    app = _app(folder, None)  # the real device: this machine (and CI) has no sound card
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await pilot.pause()
        corr = app.workbench.correction
        if corr.player is not None and corr.player.playing:  # a machine with speakers
            corr.stop()
            return
        notes = [n.message for n in app._notifications]
        assert any("no sound device" in m for m in notes)
        await pilot.press("e")  # editing still works
        await pilot.pause()
        await pilot.press("escape")
        assert app.screen is app.workbench


async def test_review_enter_goes_to_the_segment_in_the_workbench(folder: Path) -> None:
    app = _app(folder, RecordingSink())
    async with app.run_test(size=SIZE) as pilot:
        assert app.workbench.view.cursor == 0
        await pilot.press("R")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await pilot.press("down")  # the second flagged segment (index 3)
        await pilot.pause()
        target = screen.items[1]
        assert target.idx == 3
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.workbench
        seg = app.project.sources.segments("fg")[3]
        assert seg.id == target.segment_id
        assert app.workbench.view.cursor == seg.start > 0
