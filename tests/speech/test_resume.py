"""Interrupted runs (Ctrl+C, a killed decoder) resume after the last saved segment."""

from __future__ import annotations

import os
import signal
import sqlite3
from pathlib import Path

import pytest
from tx_helpers import MAX_WER, SCRIPT, tiny_options, wer

from mpu_qual.errors import MpuQualError
from mpu_qual.speech.checkpoint import SavedSegment
from mpu_qual.speech.results import TranscriptionInterrupted
from mpu_qual.speech.runner import Transcriber
from mpu_qual.store import Project


def _sources(project: Project) -> int:
    return project.conn.execute("SELECT count(*) FROM sources").fetchone()[0]


def _finish_and_check(project: Project, audio: Path, saved: list[SavedSegment]) -> None:
    """Resume; new segments must all start after the saved ones, none repeated."""
    new: list[SavedSegment] = []
    events = []
    res = Transcriber(project, tiny_options(), on_segment=new.append, on_progress=events.append)
    result = res.transcribe(audio, name="fg")
    cut = saved[-1].end_ms
    assert result.resumed_from_ms == cut
    assert events[0].resumed_from_ms == cut and events[0].done_ms == cut
    assert new, "the resumed run decoded the rest of the audio"
    assert all(s.start_ms >= cut for s in new)
    assert [s.idx for s in new] == list(range(len(saved), len(saved) + len(new)))
    segs = project.sources.segments("fg")
    src = project.sources.get("fg")
    texts = [src.text[g.start : g.end] for g in segs]
    # The saved segments are kept as they were, the new ones follow, nothing twice.
    assert texts[: len(saved)] == [s.text for s in saved]
    assert texts[len(saved) :] == [s.text for s in new]
    starts = [g.start_ms for g in segs]
    assert starts == sorted(starts)
    # Cutting at a segment boundary may clip a word; the whole still reads right.
    assert wer(SCRIPT, src.text) < MAX_WER
    assert project.transcription_runs.runs() == []


def test_ctrl_c_then_resume(project: Project, speech_wav: Path) -> None:
    def stop_after_first(_seg: SavedSegment) -> None:
        raise KeyboardInterrupt  # what Ctrl+C raises in the parent

    tr = Transcriber(project, tiny_options(), on_segment=stop_after_first)
    with pytest.raises(TranscriptionInterrupted, match="1 segments up to") as info:
        tr.transcribe(speech_wav, name="fg")
    assert "resume" in (info.value.hint or "")
    run = project.transcription_runs.get("fg")
    assert run is not None and run.status == "interrupted"
    saved = project.transcription_runs.segments(run.id)
    assert len(saved) == 1
    assert _sources(project) == 0  # no half transcript in the project
    assert not (project.transcripts_dir / "fg.vtt").exists()
    _finish_and_check(project, speech_wav, saved)


def test_killed_worker_then_resume(project: Project, speech_wav: Path) -> None:
    """SIGKILL the decoder after its first window: clear error, segments kept, resume."""
    tr = Transcriber(project, tiny_options())

    def kill(_seg: SavedSegment) -> None:
        if tr.worker_pid:
            os.kill(tr.worker_pid, signal.SIGKILL)

    tr.on_segment = kill
    with pytest.raises(MpuQualError, match="killed by signal 9"):
        tr.transcribe(speech_wav, name="fg")
    run = project.transcription_runs.get("fg")
    assert run is not None and run.status == "failed"
    saved = project.transcription_runs.segments(run.id)
    # Segments already in the pipe when the decoder died are still saved; the second
    # 30-second window was never decoded.
    assert 1 <= len(saved)
    assert saved[-1].end_ms < 40_000
    assert _sources(project) == 0
    _finish_and_check(project, speech_wav, saved)


def test_killed_before_any_segment_leaves_project_unchanged(
    project: Project, speech_wav: Path, snapshot
) -> None:
    before = snapshot(project.folder)
    tr = Transcriber(project, tiny_options())

    def on_progress(ev) -> None:  # type: ignore[no-untyped-def]
        if ev.phase == "decoding audio" and tr.worker_pid:
            os.kill(tr.worker_pid, signal.SIGKILL)

    tr.on_progress = on_progress
    with pytest.raises(MpuQualError, match="decoder process was killed") as info:
        tr.transcribe(speech_wav, name="fg")
    assert info.value.path == str(speech_wav)
    assert snapshot(project.folder) == before


def test_resume_refuses_other_settings_or_audio(
    project: Project, speech_wav: Path, tmp_path: Path
) -> None:
    def stop(_seg: SavedSegment) -> None:
        raise KeyboardInterrupt

    with pytest.raises(TranscriptionInterrupted):
        Transcriber(project, tiny_options(), on_segment=stop).transcribe(speech_wav, name="fg")
    with pytest.raises(MpuQualError, match="other settings") as info:
        Transcriber(project, tiny_options(beam_size=2)).transcribe(speech_wav, name="fg")
    assert "--restart" in (info.value.hint or "")
    other = tmp_path / "other.wav"
    data = bytearray(speech_wav.read_bytes())
    data[-1] ^= 0x01  # one sample differs: another recording as far as resuming goes
    other.write_bytes(bytes(data))
    with pytest.raises(MpuQualError, match="different audio file"):
        Transcriber(project, tiny_options()).transcribe(other, name="fg")
    # --restart throws the partial run away and starts over
    res = Transcriber(project, tiny_options(beam_size=2)).transcribe(
        speech_wav, name="fg", restart=True
    )
    assert res.resumed_from_ms == 0


def test_checkpoint_rows_are_committed_one_by_one(project: Project, speech_wav: Path) -> None:
    """Another connection sees each segment as soon as it is saved (no open transaction)."""
    seen: list[int] = []

    def look(_seg: SavedSegment) -> None:
        other = sqlite3.connect(project.db_path)
        try:
            seen.append(other.execute("SELECT count(*) FROM transcription_segments").fetchone()[0])
        finally:
            other.close()

    Transcriber(project, tiny_options(), on_segment=look).transcribe(speech_wav, name="fg")
    assert seen == list(range(1, len(seen) + 1))


def _long_audio(tmp_path: Path, speech_wav: Path) -> Path:
    import wave

    audio = tmp_path / "long.wav"
    with wave.open(str(speech_wav)) as w:
        params, frames = w.getparams(), w.readframes(w.getnframes())
    with wave.open(str(audio), "wb") as w:  # twice the speech: about 90 s, four windows
        w.setparams(params)
        w.writeframes(frames + frames)
    return audio


def _cli_until_a_segment_is_saved(cmd: list[str], env: dict[str, str]):  # type: ignore[no-untyped-def]
    """Start the CLI in its own process group; return once its progress bar (rendered as on
    a terminal) shows a saved segment."""
    import re
    import subprocess
    import threading
    import time

    proc = subprocess.Popen(
        cmd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    chunks: list[bytes] = []

    def pump() -> None:
        assert proc.stderr is not None
        for chunk in iter(lambda: proc.stderr.read1(4096), b""):  # type: ignore[union-attr]
            chunks.append(chunk)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and proc.poll() is None:
        if re.search(rb"\b[1-9][0-9]* seg", b"".join(chunks)):
            break
        time.sleep(0.05)
    assert proc.poll() is None, b"".join(chunks).decode(errors="replace")[-2000:]
    return proc, chunks, reader


def _cli(tmp_path: Path, speech_wav: Path) -> tuple[Path, list[str], dict[str, str]]:
    import sys

    audio = _long_audio(tmp_path, speech_wav)
    proj = tmp_path / "proj"
    Project.init(proj).close()
    cmd = [sys.executable, "-m", "mpu_qual", "-p", str(proj), "transcribe", str(audio),
           "--model", "tiny.en", "--language", "en", "--beam-size", "1"]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1"}
    return proj, cmd, env


def _resume_cli_and_check(proj: Path, cmd: list[str], env: dict[str, str]) -> None:
    import subprocess

    with Project.open(proj) as p:
        run = p.transcription_runs.get("long")
        assert run is not None
        saved = p.transcription_runs.segments(run.id)
        assert saved and p.sources.list() == []
    # no decoder left behind
    left = subprocess.run(["pgrep", "-f", "transcribe.worker.*long.wav"], capture_output=True)
    assert left.stdout == b""
    again = subprocess.run(cmd, env=env, capture_output=True, timeout=180)
    assert again.returncode == 0, again.stderr.decode()
    assert "resumed at" in again.stderr.decode()
    with Project.open(proj) as p:
        src = p.sources.get("long")
        texts = [src.text[g.start : g.end] for g in p.sources.segments(src)]
        assert texts[: len(saved)] == [s.text for s in saved]
        assert wer(SCRIPT + " " + SCRIPT, src.text) < MAX_WER


def test_real_ctrl_c_on_the_cli_then_resume(tmp_path: Path, speech_wav: Path) -> None:
    """SIGINT to the whole process group, as a terminal sends it; then the same command."""
    proj, cmd, env = _cli(tmp_path, speech_wav)
    proc, chunks, reader = _cli_until_a_segment_is_saved(cmd, env)
    os.killpg(proc.pid, signal.SIGINT)
    proc.wait(timeout=30)
    reader.join(10)
    err = b"".join(chunks).decode(errors="replace")
    assert proc.returncode == 130, err[-2000:]
    assert "interrupted;" in err and "Run the same command again" in err
    with Project.open(proj) as p:
        assert p.transcription_runs.get("long").status == "interrupted"
    _resume_cli_and_check(proj, cmd, env)


def test_killed_cli_then_resume(tmp_path: Path, speech_wav: Path) -> None:
    """SIGKILL of the CLI and its decoder together (a crash, an OOM kill, a closed laptop)."""
    proj, cmd, env = _cli(tmp_path, speech_wav)
    proc, _chunks, reader = _cli_until_a_segment_is_saved(cmd, env)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    reader.join(10)
    with Project.open(proj) as p:
        run = p.transcription_runs.get("long")
        assert run is not None and run.status == "running"  # nobody could record the crash
        assert not run.running_elsewhere()  # its process is gone: free to resume
    _resume_cli_and_check(proj, cmd, env)


def test_database_write_failure_is_a_clear_error_and_resumable(
    project: Project, speech_wav: Path
) -> None:
    """A write that fails mid-run (here: the database turned read-only) stops cleanly."""

    def lock(_seg: SavedSegment) -> None:
        project.conn.execute("PRAGMA query_only = ON")

    with pytest.raises(MpuQualError, match="could not save to the project") as info:
        Transcriber(project, tiny_options(), on_segment=lock).transcribe(speech_wav, name="fg")
    assert "resume" in (info.value.hint or "")
    project.conn.execute("PRAGMA query_only = OFF")
    run = project.transcription_runs.get("fg")
    assert run is not None
    saved = project.transcription_runs.segments(run.id)
    assert len(saved) == 1 and _sources(project) == 0
    _finish_and_check(project, speech_wav, saved)


def test_a_run_owned_by_another_live_process_is_not_touched(
    project: Project, speech_wav: Path
) -> None:
    import subprocess

    ck = project.transcription_runs
    run = ck.create("fg", str(speech_wav), "0" * 64, {}, "fp")
    other = subprocess.Popen(["sleep", "30"])
    try:
        project.conn.execute(
            "UPDATE transcription_runs SET owner_pid = ? WHERE id = ?", [other.pid, run.id]
        )
        with pytest.raises(MpuQualError, match="being transcribed by another process"):
            Transcriber(project, tiny_options()).transcribe(speech_wav, name="fg")
        assert ck.get("fg").running_elsewhere()
    finally:
        other.kill()
        other.wait()
    assert not ck.get("fg").running_elsewhere()  # its owner is gone: resumable again
