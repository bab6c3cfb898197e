"""Hallucination guards (issue #13) on real speech through the real tiny.en model.

espeak-ng speaks Mandarin, Cantonese and German; tiny.en (English only) turns it into
invented English or drops it. Every segment must be flagged, with one message for the file
naming the model to use; dropped speech must be flagged where voice detection heard it; a
known hallucination said three times must be flagged. The speech clips are short, and the
sampling seed makes tiny.en's temperature fallback give the same text on every run.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest
from tx_helpers import espeak, tiny_options

from mpu_qual.errors import MpuQualError
from mpu_qual.speech.flags import (
    DROPPED_SPEECH,
    KNOWN_HALLUCINATION,
    NOT_ENGLISH,
    REPEATED_SEGMENT,
    REPETITION,
    SegmentStats,
    assess,
)
from mpu_qual.speech.hallucinations import load_hallucinations, normalise
from mpu_qual.speech.review import file_notices, review_items
from mpu_qual.speech.runner import Transcriber
from mpu_qual.store import Project


def _join(out: Path, parts: list[Path], gap_s: float) -> Path:
    """One mono WAV of espeak clips with silence between them."""
    chunks, rate = [], 22050
    for p in parts:
        with wave.open(str(p)) as w:
            rate = w.getframerate()
            chunks.append(np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16))
            chunks.append(np.zeros(int(rate * gap_s), dtype=np.int16))
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.concatenate(chunks[:-1]).tobytes())
    return out


GERMAN = (
    "Guten Morgen zusammen. Vielen Dank, dass Sie an dieser Fokusgruppe teilnehmen. Heute "
    "sprechen wir über den Mangel an Technikern und Ingenieuren in der Industrie. Viele "
    "Unternehmen haben Schwierigkeiten, junge Leute zu finden."
)


@pytest.fixture(scope="session")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with three real transcriptions by tiny.en (the slow part, done once)."""
    root = tmp_path_factory.mktemp("guards")
    a = root / "audio"
    a.mkdir()
    chinese = _join(
        a / "chinese.wav",
        [
            espeak("今天我们讨论技术人员短缺问题。", a / "cmn.wav", voice="cmn"),
            espeak("多謝大家今日嚟參加呢個小組討論。", a / "yue.wav", voice="yue"),
        ],
        1.0,
    )
    german = espeak(GERMAN, a / "de.wav", speed=175, voice="de")
    switching = _join(
        a / "switching.wav",
        [
            espeak(
                "Good morning everyone. Today we will talk about the shortage of "
                "technicians and engineers in Hong Kong.",
                a / "en1.wav",
                speed=175,
            ),
            german,
            german,
            espeak(
                "Many companies find it hard to recruit young people for the factory floor.",
                a / "en2.wav",
                speed=175,
            ),
        ],
        2.0,
    )
    thanks = espeak(" ".join(["Thank you very much for watching."] * 3), a / "thanks.wav")
    mp = pytest.MonkeyPatch()
    mp.setenv("MPU_QUAL_HOME", str(root / "home"))
    try:
        project = Project.init(root / "proj")
        try:
            tr = Transcriber(project, tiny_options())
            for path in (chinese, switching, thanks):
                tr.transcribe(path)
        finally:
            project.close()
    finally:
        mp.undo()
    return root / "proj"


def _segments(folder: Path, name: str) -> list[tuple[str, list[str], dict[str, str]]]:
    with Project.open(folder, readonly=True) as p:
        src = p.sources.get(name)
        return [
            (src.text[g.start : g.end], g.meta["flags"], g.meta.get("flag_details", {}))
            for g in p.sources.segments(src)
        ]


def test_chinese_through_english_model_every_segment_flagged(guarded: Path) -> None:
    segs = _segments(guarded, "chinese")
    assert segs, "tiny.en wrote something for the Mandarin and Cantonese speech"
    for text, flags, details in segs:
        assert NOT_ENGLISH in flags, text
        assert "tiny.en is English-only" in details[NOT_ENGLISH]
    with Project.open(guarded, readonly=True) as p:
        notices = file_notices(p, "chinese")
        items = review_items(p, "chinese")
    assert len(notices) == 1  # once for the file, not once per segment
    assert "tiny.en only knows English" in notices[0] and "--model large-v3" in notices[0]
    assert len(items) == len(segs)
    assert all(any("English-only" in r for r in i.reasons()) for i in items)


def test_language_switch_dropped_speech_is_flagged(guarded: Path) -> None:
    """English, 26 s of German, English: tiny.en drops the German and invents a line."""
    segs = _segments(guarded, "switching")
    flags = [f for _t, f, _d in segs]
    assert all(NOT_ENGLISH in f for f in flags)
    dropped = [d[DROPPED_SPEECH] for _t, f, d in segs if DROPPED_SPEECH in f]
    assert dropped, segs
    assert "s of speech" in dropped[0] and "has no text" in dropped[0]
    with Project.open(guarded, readonly=True) as p:
        regions = p.sources.get("switching").metadata["speech_regions"]
    assert len(regions) >= 3  # voice activity found the English, the German and the English


def test_known_phrase_three_times_is_flagged(guarded: Path) -> None:
    segs = _segments(guarded, "thanks")
    hits = [(t, f, d) for t, f, d in segs if KNOWN_HALLUCINATION in f]
    assert hits
    assert "thank you very much for watching" in hits[0][2][KNOWN_HALLUCINATION]
    assert "hallucinations.txt:" in hits[0][2][KNOWN_HALLUCINATION]


def test_clear_english_is_not_called_another_language(transcribed) -> None:  # type: ignore[no-untyped-def]
    with Project.open(transcribed.folder, readonly=True) as p:
        assert file_notices(p, "fg") == []
        assert not any(NOT_ENGLISH in g.meta["flags"] for g in p.sources.segments("fg"))
        assert p.sources.get("fg").metadata["speech_regions"]


def test_no_text_for_heard_speech_names_the_model(tmp_path: Path, project) -> None:  # type: ignore[no-untyped-def]
    """German alone: tiny.en writes nothing at all (measured), so the run fails with this."""
    tr = Transcriber(project, tiny_options())
    err = tr._no_text(tmp_path / "de.wav", 13_000, [(0, 12_600)])
    assert "no text for the 13 s of speech" in err.message
    assert "only knows English" in err.message and "large-v3" in (err.hint or "")
    silent = tr._no_text(tmp_path / "quiet.wav", 13_000, [])
    assert "found no speech" in silent.message


# ------------------------------------------------------------------ the rules themselves
def _stats(texts: list[str], **kw: float) -> list[SegmentStats]:
    return [
        SegmentStats(i * 3000, i * 3000 + 2500, t, -0.3, 0.1, 1.2, 0.0) for i, t in enumerate(texts)
    ]


def test_three_repeats_of_a_known_phrase_in_a_transcript() -> None:
    phrase = "Thank you very much for watching!"
    report = assess(_stats([phrase] * 3), 9000, phrases=load_hallucinations())
    assert [KNOWN_HALLUCINATION in f for f in report.flags] == [True, True, True]
    assert all(REPETITION in f for f in report.flags)  # the same line in three segments
    assert REPEATED_SEGMENT in report.flags[1]
    one = assess(_stats([" ".join([phrase] * 3)]), 3000, phrases=load_hallucinations())
    assert REPETITION in one.flags[0] and KNOWN_HALLUCINATION in one.flags[0]


def test_chinese_credits_match_with_or_without_spaces_and_in_either_script() -> None:
    phrases = load_hallucinations()
    for text in (
        "字幕由Amara.org社區提供",
        "字幕由 Amara.org 社区提供",
        "請不吝點贊 訂閱 轉發 打賞支持明鏡與點點欄目",
        "明镜与点点栏目",
        "Subtitles by the Amara.org community",
    ):
        assert phrases.match(text) is not None, text
    assert phrases.match("我們需要更多技術員") is None
    assert phrases.match("you") is not None  # "= you": a segment that is only "you"
    assert phrases.match("Did you see the new machines?") is None
    assert normalise("ＴＨＡＮＫＳ for watching!!") == "thanksforwatching"


def test_users_extend_the_list_and_a_bad_line_is_named(tmp_path: Path) -> None:
    (tmp_path / "hallucinations.txt").write_text("# ours\n本節目由某某贊助\n", "utf-8")
    phrases = load_hallucinations(tmp_path)
    hit = phrases.match("多謝收看，本節目由某某贊助。")
    assert hit is not None and hit.origin == "hallucinations.txt:2"
    (tmp_path / "hallucinations.txt").write_text("ok phrase\n!!\n", "utf-8")
    with pytest.raises(MpuQualError) as err:
        load_hallucinations(tmp_path)
    assert err.value.line == 2 and "too short" in err.value.message


def test_dropped_speech_needs_voice_where_there_is_no_text() -> None:
    segs = _stats(["We need more technicians.", "And better training for them."])
    segs[1] = SegmentStats(30_000, 33_000, segs[1].text, -0.3, 0.1, 1.2, 0.0)
    silent = assess(segs, 34_000, speech=[(0, 2500), (30_000, 33_000)])
    assert DROPPED_SPEECH not in silent.flags[1]
    talking = assess(segs, 34_000, speech=[(0, 2500), (5_000, 26_000), (30_000, 33_000)])
    assert DROPPED_SPEECH in talking.flags[1]
    assert "about 21 s of speech between 0:00:02 and 0:00:30" in talking.details[1][DROPPED_SPEECH]
