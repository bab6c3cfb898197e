"""The Voices screen (issue #22), driven with Pilot: listen to a voice, say who it is, merge,
split, move a turn, undo. The transcript is labelled as a diarization leaves it (voices S1-S3,
no participants); the recording is a coded WAV so the test sees which samples ``p`` played.
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
from mpu_qual.tui.screens.voices import VoicesScreen

RATE = 16_000
SIZE = (120, 36)
TURNS = [  # voice, start, end, text, confidence
    ("S1", 0, 2000, "Welcome, let us talk about technicians.", 0.9),
    ("S2", 2100, 4600, "We cannot find enough PLC technicians for the night shift.", 0.8),
    ("S1", 4700, 5200, "Why is that?", 0.7),
    ("S3", 5300, 5700, "Yes.", 0.3),
    ("S2", 5800, 7900, "Training takes two years and then they leave for better pay.", 0.85),
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
    media = _coded_wav(tmp_path / "fg.wav", 8)
    p = Project.init(tmp_path / "proj")
    segs = [
        ParsedSegment(
            t, speaker=v, start_ms=a, end_ms=b, meta={"voice": v, "speaker_confidence": c}
        )
        for v, a, b, t, c in TURNS
    ]
    p.sources.add(
        "fg", ParsedTranscript(segs, format="vtt"), media_path=str(media), duration_ms=8000
    )
    p.participants.set("IL1", name="Factory owner")
    p.close()
    return tmp_path / "proj"


async def _until(pilot, done, limit: int = 400) -> None:  # type: ignore[no-untyped-def]
    for _ in range(limit):
        if done():
            return
        await pilot.pause(0.05)
    raise AssertionError("the condition never became true")


async def test_voices_become_participants_from_one_screen(folder: Path) -> None:
    sink = RecordingSink()
    app = create_app(folder)
    app.audio_sink_factory = lambda: sink
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("V")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, VoicesScreen)
        # S2 talks most, then S1, then S3; none is a participant yet
        assert [(v.speaker, v.participant, v.talk_ms) for v in screen.voices] == [
            ("S2", None, 4600), ("S1", None, 2500), ("S3", None, 400),
        ]  # fmt: skip
        assert "3 speakers, 3 not yet a participant" in str(
            screen.query_one("#voices-title").render()
        )
        # S2's typical passages, longest first; p plays the highlighted one
        assert [n for n, _g in screen.passages] == [2, 5]
        await pilot.press("tab", "p")
        corr = app.workbench.correction
        await _until(pilot, lambda: corr.player is not None and corr.player.finished)
        pos = sink.played()[:, 0].astype(np.int64) * 32768 + sink.played()[:, 1]
        assert abs(pos[0] * 1000 / RATE - 2100) <= 20
        assert abs((pos[-1] + 1) * 1000 / RATE - 4600) <= 20
        # a: S2 is the existing participant IL1 (first in the list)
        await pilot.press("tab", "a")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        project = app.project
        assert [g.speaker for g in project.sources.segments("fg")] == [
            "S1",
            "IL1",
            "S1",
            "S3",
            "IL1",
        ]
        il1 = project.participants.get("IL1")
        assert {g.participant_id for g in project.sources.segments("fg") if g.speaker == "IL1"} == {
            il1.id
        }
        # S1 is a new participant, typed in
        await pilot.press("down", "a")
        await pilot.pause()
        assert screen.voices[1].speaker == "S1"
        await pilot.press("end", "enter")  # "New participant ..."
        await pilot.pause()
        await pilot.press(*"MOD", "enter")
        await pilot.pause()
        assert [g.speaker for g in project.sources.segments("fg")][:3] == ["MOD", "IL1", "MOD"]
        # m: S3 (the "Yes.") is the same person as MOD
        await pilot.press("end", "m")
        await pilot.pause()
        assert screen.voices[-1].speaker == "S3"
        await pilot.press("down", "enter")  # the choices: IL1, MOD
        await pilot.pause()
        assert [g.speaker for g in project.sources.segments("fg")] == [
            "MOD",
            "IL1",
            "MOD",
            "MOD",
            "IL1",
        ]
        assert project.sources.get("fg").metadata["voice_map"] == {
            "S1": "MOD", "S2": "IL1", "S3": "MOD",
        }  # fmt: skip
        # t: turn 4 ("Yes.") goes to IL1 after all
        sel = [v.speaker for v in screen.voices].index("MOD")
        screen.query_one("#voices-list").highlighted = sel
        await pilot.pause()
        await pilot.press("tab")
        screen.query_one("#voices-passages").highlighted = [n for n, _g in screen.passages].index(4)
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("enter")  # the only other speaker: IL1
        await pilot.pause()
        assert project.sources.segments("fg")[3].speaker == "IL1"
        # s: split turn 4 off as a new voice
        sel = [v.speaker for v in screen.voices].index("IL1")
        screen.query_one("#voices-list").highlighted = sel
        await pilot.pause()
        screen.query_one("#voices-passages").highlighted = [n for n, _g in screen.passages].index(4)
        await pilot.press("s")
        await pilot.pause()
        seg4 = project.sources.segments("fg")[3]
        assert (seg4.speaker, seg4.participant_id, seg4.meta["voice"]) == ("S4", None, "S4")
        # every step is one undo: split, move, merge, MOD, IL1
        for _ in range(5):
            await pilot.press("ctrl+z")
            await pilot.pause()
        assert [g.speaker for g in project.sources.segments("fg")] == [t[0] for t in TURNS]
        assert all(g.participant_id is None for g in project.sources.segments("fg"))
        assert [p.label for p in project.participants.list()] == ["IL1"]
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.workbench

    with Project.open(folder) as p:  # what is on disk
        assert [g.speaker for g in p.sources.segments("fg")] == [t[0] for t in TURNS]


async def test_a_known_voice_is_suggested_and_applied_only_when_confirmed(tmp_path: Path) -> None:
    """Voice prints stand in for CAM++ embeddings here (the real model is tested in
    tests/speech/test_diarize.py); the screen shows the suggestion and ``y`` applies it."""
    rng = np.random.default_rng(1)
    il1, mod = rng.normal(size=192), rng.normal(size=192)
    p = Project.init(tmp_path / "proj")
    earlier = [
        ParsedSegment("Earlier words.", speaker="S1", start_ms=0, end_ms=900, meta={"voice": "S1"})
    ]
    p.sources.add(
        "fg-1",
        ParsedTranscript(
            earlier, format="vtt", metadata={"diarization": {"embeddings": {"S1": list(il1)}}}
        ),
    )

    p.voices.relabel("fg-1", assign={"S1": "IL1"})
    now = ParsedTranscript(
        [
            ParsedSegment(t, speaker=v, start_ms=a, end_ms=b, meta={"voice": v})
            for v, a, b, t, _c in TURNS[:2]
        ],
        format="vtt",
        metadata={
            "diarization": {
                "embeddings": {"S1": list(mod), "S2": list(il1 + 0.3 * rng.normal(size=192))}
            }
        },
    )
    p.sources.add("fg-2", now)
    p.close()
    app = create_app(tmp_path / "proj")
    async with app.run_test(size=SIZE) as pilot:
        app.workbench.open_source(app.project.sources.get("fg-2").id)
        await pilot.pause()
        await pilot.press("V")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, VoicesScreen)
        assert set(screen.suggestions) == {"S2"}  # S1 sounds like nobody known
        assert screen.suggestions["S2"].participant == "IL1"
        row = [v.speaker for v in screen.voices].index("S2")
        assert "sounds like IL1" in str(screen._line(screen.voices[row]))
        assert [g.speaker for g in app.project.sources.segments("fg-2")] == ["S1", "S2"]
        screen.query_one("#voices-list").highlighted = row
        await pilot.press("y")
        await pilot.pause()
        assert [g.speaker for g in app.project.sources.segments("fg-2")] == ["S1", "IL1"]
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert [g.speaker for g in app.project.sources.segments("fg-2")] == ["S1", "S2"]
