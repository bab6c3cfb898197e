"""`mpu-qual transcripts clip`: the audio of segments for a colleague, or a clear refusal."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
from playback_helpers import RATE, positions

from mpu_qual.store import Project
from mpu_qual.transcript_files.parsed import ParsedSegment, ParsedTranscript


def _project(folder: Path, media: Path | None) -> Path:
    p = Project.init(folder)
    segs = [
        ParsedSegment(
            f"Segment number {i + 1}.", speaker="IL1", start_ms=i * 2000, end_ms=i * 2000 + 1500
        )
        for i in range(6)
    ]
    p.sources.add(
        "fg", ParsedTranscript(segs, format="vtt"), media_path=str(media) if media else None
    )
    p.close()
    return folder


def _read(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        assert (w.getframerate(), w.getnchannels()) == (RATE, 2)
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).reshape(-1, 2)


def test_clip_writes_exactly_the_segments(tmp_path: Path, coded_wav: Path, cli) -> None:  # type: ignore[no-untyped-def]
    proj = _project(tmp_path / "p", coded_wav)
    out = tmp_path / "quote.wav"
    res = cli("-p", str(proj), "transcripts", "clip", "fg", "2-3", "5", "-o", str(out))
    assert res.exit_code == 0, res.output
    assert "segments 2, 3, 5" in res.stderr and "voices" in res.stderr
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    pos = positions(_read(out))
    # 2 and 3 (2.0-3.5 s, 4.0-5.5 s) are not adjacent: 0.5 s of silence between stretches
    first = pos[: int(1.5 * RATE)]
    assert first[0] == 2 * RATE and first[-1] + 1 == int(3.5 * RATE)
    gap = _read(out)[int(1.5 * RATE) : int(2.0 * RATE)]
    assert not gap.any()
    last = pos[-int(1.5 * RATE) :]
    assert last[0] == 8 * RATE and last[-1] + 1 == int(9.5 * RATE)


def test_clip_refuses_and_explains(tmp_path: Path, coded_wav: Path, cli) -> None:  # type: ignore[no-untyped-def]
    proj = _project(tmp_path / "p", coded_wav)
    out = tmp_path / "x.wav"
    res = cli("-p", str(proj), "transcripts", "clip", "fg", "1", "-o", str(out), "--pseudonymise")
    assert res.exit_code != 0 and "audio cannot be pseudonymised" in res.stderr
    res = cli("-p", str(proj), "transcripts", "clip", "fg", "7", "-o", str(out))
    assert res.exit_code != 0 and "no segment 7" in res.stderr and "1 to 6" in res.stderr
    res = cli("-p", str(proj), "transcripts", "clip", "fg", "two", "-o", str(out))
    assert res.exit_code != 0 and "'two' is not a segment number" in res.stderr
    res = cli("-p", str(proj), "transcripts", "clip", "nope", "1", "-o", str(out))
    assert res.exit_code != 0 and "no transcript 'nope'" in res.stderr
    assert not out.exists()

    bare = _project(tmp_path / "bare", None)
    res = cli("-p", str(bare), "transcripts", "clip", "fg", "1", "-o", str(out))
    assert res.exit_code != 0 and "has no recording attached" in res.stderr

    moved = tmp_path / "moved.wav"
    moved.write_bytes(coded_wav.read_bytes())
    gone = _project(tmp_path / "gone", moved)
    moved.unlink()
    res = cli("-p", str(gone), "transcripts", "clip", "fg", "1", "-o", str(out))
    assert res.exit_code != 0 and "not there any more" in res.stderr and "moved.wav" in res.stderr
    assert not out.exists()


def test_clip_refuses_a_recording_replaced_by_a_link_to_the_database(
    tmp_path: Path, coded_wav: Path, cli, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Issue 19.14: the guard ran only when the recording was attached; a recording later
    replaced by a symbolic link to project.db was handed to FFmpeg (whose open and close
    of the file would drop SQLite's locks). Now every use checks it, before FFmpeg sees it."""
    import shutil

    import av

    proj = _project(tmp_path / "p", None)
    media = proj / "fg.wav"
    shutil.copy(coded_wav, media)
    with Project.open(proj) as p:
        p.conn.execute("UPDATE sources SET media_path = 'fg.wav'")
    media.unlink()
    media.symlink_to(proj / "project.db")
    opened: list[str] = []
    real_open = av.open
    monkeypatch.setattr(
        av, "open", lambda f, *a, **k: (opened.append(str(f)), real_open(f, *a, **k))[1]
    )
    out = tmp_path / "x.wav"
    res = cli("-p", str(proj), "transcripts", "clip", "fg", "1", "-o", str(out))
    assert res.exit_code == 1 and "project database" in res.stderr, res.output
    assert opened == [] and not out.exists()
    # a hard link to it is the same file under another name: refused too
    media.unlink()
    media.hardlink_to(proj / "project.db")
    res = cli("-p", str(proj), "transcripts", "clip", "fg", "1", "-o", str(out))
    assert res.exit_code == 1 and "project database" in res.stderr, res.output
    assert opened == []
