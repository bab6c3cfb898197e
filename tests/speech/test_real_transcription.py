"""Real speech through the real tiny.en model: words, timestamps, stored scores, VTT."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tx_helpers import MAX_WER, SCRIPT, Transcribed, tiny_options, wer

from mpu_qual.speech.runner import Transcriber
from mpu_qual.store import Project
from mpu_qual.transcript_files.formats import parse_file


def _stored(folder: Path) -> tuple[str, list[tuple[int, int, int, int, str]], int | None]:
    conn = sqlite3.connect(folder / "project.db")
    try:
        text, duration = conn.execute(
            "SELECT text, duration_ms FROM sources WHERE name = 'fg'"
        ).fetchone()
        rows = conn.execute(
            "SELECT g.start, g.end, g.start_ms, g.end_ms, g.meta FROM segments g "
            "JOIN sources s ON s.id = g.source_id WHERE s.name = 'fg' ORDER BY g.idx"
        ).fetchall()
    finally:
        conn.close()
    return text, rows, duration


def test_words_come_back(transcribed: Transcribed) -> None:
    text, rows, _ = _stored(transcribed.folder)
    assert wer(SCRIPT, text) < MAX_WER
    assert len(rows) >= 2


def test_timestamps_in_order_and_inside_the_audio(transcribed: Transcribed) -> None:
    _text, rows, duration = _stored(transcribed.folder)
    assert duration is not None
    # espeak output: the WAV header's length is the truth
    import wave

    with wave.open(str(transcribed.audio)) as w:
        real_ms = w.getnframes() * 1000 // w.getframerate()
    assert abs(duration - real_ms) <= 50
    prev_end = 0
    for _s, _e, start_ms, end_ms, _meta in rows:
        assert 0 <= start_ms <= end_ms <= duration
        assert start_ms >= prev_end - 20  # Whisper segments do not overlap (20 ms rounding)
        prev_end = end_ms
    # Speech fills most of the file: the last segment ends near its end.
    assert rows[-1][3] > duration * 0.8


def test_whisper_scores_are_kept_per_segment(transcribed: Transcribed) -> None:
    text, rows, _ = _stored(transcribed.folder)
    for start, end, _a, _b, meta_json in rows:
        meta = json.loads(meta_json)
        assert -5.0 < meta["avg_logprob"] <= 0.0
        assert 0.0 <= meta["no_speech_prob"] <= 1.0
        assert isinstance(meta["flags"], list)
        assert text[start:end].strip() == text[start:end]  # no stray Whisper spaces
    # Clear synthetic speech: nothing should be flagged as invented text or a loop.
    flags = {f for r in rows for f in json.loads(r[4])["flags"]}
    assert not flags & {"no_speech", "repetition"}


def test_vtt_written_and_reads_back(transcribed: Transcribed) -> None:
    vtt = transcribed.folder / "transcripts" / "fg.vtt"
    assert transcribed.result.vtt_path == vtt
    parsed = parse_file(vtt)
    text, rows, _ = _stored(transcribed.folder)
    assert [s.text for s in parsed.segments] == [text[a:b] for a, b, *_ in rows]
    assert [(s.start_ms, s.end_ms) for s in parsed.segments] == [(r[2], r[3]) for r in rows]
    assert oct(vtt.stat().st_mode & 0o777) == "0o600"


def test_result_reports_the_run(transcribed: Transcribed) -> None:
    res = transcribed.result
    assert res.model == "tiny.en"
    assert res.mode == "sequential"  # 45 s is below the batched threshold
    assert res.device == "cpu int8"
    assert res.language == "en"
    assert res.resumed_from_ms == 0


def test_checkpoint_is_dropped_after_success(transcribed: Transcribed) -> None:
    conn = sqlite3.connect(transcribed.folder / "project.db")
    try:
        assert conn.execute("SELECT count(*) FROM transcription_runs").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM transcription_segments").fetchone()[0] == 0
    finally:
        conn.close()


def test_batched_mode_gives_the_same_words(project: Project, speech_wav: Path) -> None:
    events = []
    res = Transcriber(project, tiny_options(mode="batched"), on_progress=events.append).transcribe(
        speech_wav, name="batched"
    )
    assert res.mode == "batched"
    assert any(e.mode == "batched" and e.phase == "transcribing" for e in events)
    src = project.sources.get("batched")
    assert wer(SCRIPT, src.text) < MAX_WER
    done = [e.done_ms for e in events if e.phase == "transcribing"]
    assert done == sorted(done)  # progress only moves forward


def test_existing_name_is_refused_before_work(project: Project, speech_wav: Path, snapshot) -> None:
    (project.transcripts_dir / "taken.vtt").write_text("WEBVTT\n", encoding="utf-8")
    before = snapshot(project.folder)
    import pytest

    from mpu_qual.errors import MpuQualError

    with pytest.raises(MpuQualError, match="already exists"):
        Transcriber(project, tiny_options()).transcribe(speech_wav, name="taken")
    with pytest.raises(MpuQualError, match="cannot be used"):
        Transcriber(project, tiny_options()).transcribe(speech_wav, name="../evil")
    assert snapshot(project.folder) == before
