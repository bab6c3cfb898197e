"""A recording attached to an imported transcript (a Zoom export, say): checked before it is
stored, undoable, and then played by the workbench and cut by ``transcripts clip``."""

from __future__ import annotations

import shutil
import wave
from pathlib import Path

import numpy as np
from playback_helpers import RATE, coded, positions, write_wav

from mpu_qual.playback import RecordingSink
from mpu_qual.store import Project
from mpu_qual.tui.app import create_app

DATA = Path(__file__).resolve().parents[1] / "data" / "transcripts"
ZOOM = DATA / "zoom-zoomgroupstats-meeting003.vtt"  # a real Zoom export; last cue ends 2:36.66


def _sources(folder: Path) -> dict[str, str | None]:
    with Project.open(folder) as p:
        return {s.name: s.media_path for s in p.sources.list()}


def test_add_a_zoom_export_with_its_recording_then_clip_a_turn(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    proj = tmp_path / "p"
    Project.init(proj).close()
    rec = write_wav(tmp_path / "meeting003.wav", coded(158))  # 2:38, a little past the last cue
    res = cli("-p", str(proj), "transcripts", "add", str(ZOOM), "--audio", str(rec))
    assert res.exit_code == 0, res.output
    assert "Its recording:" in res.stdout
    with Project.open(proj) as p:
        src = p.sources.get("zoom-zoomgroupstats-meeting003")
        assert src.media_path == str(rec)  # outside the project folder: absolute
        assert src.duration_ms == 158_000  # the recording's length, not the last cue's end
        seg2 = p.sources.segments(src)[1]
        assert seg2.speaker and seg2.start_ms is not None
    out = tmp_path / "quote.wav"
    res = cli("-p", str(proj), "transcripts", "clip", src.name, "2", "-o", str(out))
    assert res.exit_code == 0, res.output
    with wave.open(str(out)) as w:
        played = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).reshape(-1, 2)
    pos = positions(played)
    assert abs(pos[0] - seg2.start_ms * RATE // 1000) <= RATE // 50  # within 20 ms
    assert abs(pos[-1] + 1 - seg2.end_ms * RATE // 1000) <= RATE // 50


def test_a_wrong_or_short_recording_changes_nothing(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    proj = tmp_path / "p"
    Project.init(proj).close()
    assert cli("-p", str(proj), "transcripts", "add", str(ZOOM)).exit_code == 0
    name = "zoom-zoomgroupstats-meeting003"
    not_audio = tmp_path / "notes.m4a"
    not_audio.write_text("these are my notes, not a recording\n", encoding="utf-8")
    res = cli("-p", str(proj), "transcripts", "audio", name, str(not_audio))
    assert res.exit_code == 1 and "cannot play the recording" in res.stderr
    assert "notes.m4a" in res.stderr
    short = write_wav(tmp_path / "another-meeting.wav", coded(60))
    res = cli("-p", str(proj), "transcripts", "audio", name, str(short))
    assert res.exit_code == 1
    assert "00:01:00 long" in res.stderr and "runs to 00:02:36" in res.stderr
    assert "--force" in res.stderr
    res = cli("-p", str(proj), "transcripts", "audio", name, str(tmp_path / "missing.wav"))
    assert res.exit_code == 1 and "no recording at this path" in res.stderr
    # a short recording given at import: the transcript is not imported either
    res = cli(
        "-p", str(proj), "transcripts", "add", str(ZOOM), "--name", "again", "--audio", str(short)
    )
    assert res.exit_code == 1 and "--force-audio" in res.stderr
    assert _sources(proj) == {name: None}
    with Project.open(proj) as p:
        assert [a["description"] for a in p.history.recent(10)] == [f"Import transcript {name}"]
    res = cli("-p", str(proj), "transcripts", "audio", name, str(short), "--force")
    assert res.exit_code == 0 and "Attached" in res.stdout
    assert _sources(proj) == {name: str(short)}


def test_attach_inside_the_project_is_relative_undoable_and_played(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    proj = tmp_path / "p"
    Project.init(proj).close()
    assert cli("-p", str(proj), "transcripts", "add", str(ZOOM), "--name", "fg").exit_code == 0
    (proj / "audio").mkdir()
    write_wav(proj / "audio" / "fg.wav", coded(157))
    res = cli("-p", str(proj), "transcripts", "audio", "fg", str(proj / "audio" / "fg.wav"))
    assert res.exit_code == 0, res.output
    assert "audio/fg.wav" in res.stdout and "00:02:37, pcm_s16le, 16000 Hz, stereo" in res.stdout
    assert _sources(proj) == {"fg": "audio/fg.wav"}  # the project folder can move
    assert cli("-p", str(proj), "transcripts", "audio", "fg").stdout.strip() == "'fg': audio/fg.wav"
    assert cli("-p", str(proj), "undo").exit_code == 0
    assert _sources(proj) == {"fg": None}
    assert cli("-p", str(proj), "redo").exit_code == 0
    moved = tmp_path / "moved"
    shutil.move(proj, moved)  # the relative path still finds the recording
    assert (
        cli(
            "-p", str(moved), "transcripts", "clip", "fg", "1", "-o", str(tmp_path / "c.wav")
        ).exit_code
        == 0
    )
    res = cli("-p", str(moved), "transcripts", "audio", "fg", "--detach")
    assert res.exit_code == 0 and _sources(moved) == {"fg": None}
    res = cli("-p", str(moved), "transcripts", "audio", "fg", "--detach")
    assert res.exit_code == 1 and "has no recording attached" in res.stderr


async def test_the_workbench_plays_an_attached_recording(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    proj = tmp_path / "p"
    Project.init(proj).close()
    assert cli("-p", str(proj), "transcripts", "add", str(ZOOM), "--name", "fg").exit_code == 0
    write_wav(proj / "fg.wav", coded(157))
    assert cli("-p", str(proj), "transcripts", "audio", "fg", str(proj / "fg.wav")).exit_code == 0
    with Project.open(proj) as p:
        first = p.sources.segments("fg")[0]
    sink = RecordingSink()
    app = create_app(proj)
    app.audio_sink_factory = lambda: sink
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("p")
        corr = app.workbench.correction
        assert corr.player is not None
        for _ in range(400):
            if corr.player.finished:
                break
            await pilot.pause(0.05)
        assert corr.player.finished
    pos = positions(sink.played())
    assert abs(pos[0] - first.start_ms * RATE // 1000) <= RATE // 50
    assert abs(pos[-1] + 1 - first.end_ms * RATE // 1000) <= RATE // 50
