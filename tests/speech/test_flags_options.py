"""Review flags, option checks, vocabulary files, Traditional Chinese conversion."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mpu_qual.errors import MpuQualError
from mpu_qual.speech.chinese import to_traditional
from mpu_qual.speech.flags import (
    GAP_AT_END,
    LOW_CONFIDENCE,
    NO_SPEECH,
    REPEATED_SEGMENT,
    REPETITION,
    SILENCE_BEFORE,
    FlagThresholds,
    SegmentStats,
    longest_repeat,
    review_flags,
)
from mpu_qual.speech.options import TranscribeOptions, load_vocabulary
from mpu_qual.speech.worker import pick_compute_type, pick_mode


def seg(start: int, end: int, text: str | None = None, **kw: float) -> SegmentStats:
    text = text if text is not None else f"fine words said at {start} ms"
    base = {"avg_logprob": -0.2, "no_speech_prob": 0.05, "compression_ratio": 1.3}
    base.update(kw)
    return SegmentStats(start, end, text, **base)


def test_each_flag_fires_on_its_own() -> None:
    segs = [
        seg(0, 4000),
        seg(4000, 8000, avg_logprob=-1.4),  # unsure
        seg(8000, 9000, "Thank you.", no_speech_prob=0.9),  # text over silence
        seg(9000, 15000, "He He He He He He He He"),  # the loop the issue measured
        seg(40_000, 44_000),  # 25 s skipped before it
        seg(44_000, 48_000, "真係真係真係真係好難請人"),  # CJK loop, no spaces
    ]
    flags = review_flags(segs, duration_ms=80_000)
    assert flags[0] == []
    assert flags[1] == [LOW_CONFIDENCE]
    assert flags[2] == [NO_SPEECH]
    assert flags[3] == [REPETITION]
    assert flags[4] == [SILENCE_BEFORE]
    assert flags[5] == [REPETITION, GAP_AT_END]  # and 32 s of audio after it untranscribed


def test_repeated_lines_across_segments() -> None:
    segs = [seg(i * 2000, i * 2000 + 1500, "We need more technicians.") for i in range(4)]
    segs.append(seg(9000, 10_000, "Different line."))
    flags = review_flags(segs, duration_ms=10_000)
    assert all(REPETITION in f for f in flags[:4]) and flags[4] == []
    # Twice: the second says the same as the one before (issue #13: Whisper repeats itself
    # when it loses the audio); not yet a loop.
    two = review_flags(segs[:2], duration_ms=4000)
    assert two == [[], [REPEATED_SEGMENT]]
    # Short replies are said twice in real talk ("Yes." "Yes."): not flagged.
    yes = review_flags([seg(0, 500, "Yes, right."), seg(600, 900, "yes right")], 1000)
    assert yes == [[], []]


def test_compression_ratio_counts_as_loop_and_thresholds_apply() -> None:
    assert review_flags([seg(0, 1000, compression_ratio=3.1)], 1000) == [[REPETITION]]
    strict = FlagThresholds(min_avg_logprob=-0.1)
    assert review_flags([seg(0, 1000)], 1000, strict) == [[LOW_CONFIDENCE]]


def test_longest_repeat() -> None:
    assert longest_repeat("") == 0
    assert longest_repeat("one two three") == 1
    assert longest_repeat("the plc the plc the plc") == 3
    assert longest_repeat("哈哈哈哈") == 4


@given(
    st.lists(
        st.tuples(
            st.integers(0, 10_000),
            st.integers(0, 10_000),
            st.text(max_size=40),
            st.floats(-10, 0),
            st.floats(0, 1),
        ),
        max_size=30,
    )
)
def test_flags_are_well_formed(raw: list[tuple[int, int, str, float, float]]) -> None:
    segs, t = [], 0
    for gap, length, text, lp, ns in raw:
        segs.append(SegmentStats(t + gap, t + gap + length, text, lp, ns, 1.0))
        t += gap + length
    flags = review_flags(segs, duration_ms=t + 20_000)
    assert len(flags) == len(segs)
    for s, f in zip(segs, flags, strict=True):
        assert len(f) == len(set(f))
        assert (LOW_CONFIDENCE in f) == (s.avg_logprob is not None and s.avg_logprob < -1.0)
    if segs:
        assert GAP_AT_END in flags[-1]


def test_vocabulary_file(tmp_path: Path) -> None:
    f = tmp_path / "terms.txt"
    f.write_text("# domain terms\nPLC\nISO 13485\n技術員  # technician\n\nPLC\n", encoding="utf-8")
    assert load_vocabulary(f) == "Glossary: PLC, ISO 13485, 技術員."
    f.write_text("# only a comment\n", encoding="utf-8")
    with pytest.raises(MpuQualError, match="no terms"):
        load_vocabulary(f)
    f.write_bytes(b"PLC\n\xff\xfeISO\n")
    with pytest.raises(MpuQualError, match="not UTF-8") as info:
        load_vocabulary(f)
    assert info.value.line == 2
    f.write_text("\n".join(f"術語{i}" for i in range(200)), encoding="utf-8")
    with pytest.raises(MpuQualError, match="too long"):
        load_vocabulary(f)
    with pytest.raises(MpuQualError, match="not found"):
        load_vocabulary(tmp_path / "none.txt")


@pytest.mark.parametrize(
    ("field", "value", "where"),
    [
        ("device", "tpu", "device"),
        ("compute_type", "int3", "compute-type"),
        ("beam_size", 0, "beam-size"),
        ("mode", "fast", "mode"),
        ("convert", "t2s", "convert"),
        ("language", "klingon", "language"),
    ],
)
def test_bad_options_name_the_field(field: str, value: object, where: str) -> None:
    opts = TranscribeOptions(**{field: value})  # type: ignore[arg-type]
    with pytest.raises(MpuQualError) as info:
        opts.validate()
    assert info.value.field == where


def test_batched_needs_vad() -> None:
    with pytest.raises(MpuQualError, match="voice activity"):
        TranscribeOptions(mode="batched", vad=False).validate()


def test_defaults_choose_sensibly() -> None:
    assert pick_compute_type("auto", "cpu") == "int8"
    assert pick_compute_type("auto", "cuda") == "float16"
    assert pick_mode("auto", 60, vad=True) == "sequential"
    assert pick_mode("auto", 3 * 3600, vad=True) == "batched"
    assert pick_mode("auto", 3 * 3600, vad=False) == "sequential"
    opts = TranscribeOptions()
    assert opts.vad and opts.beam_size == 5 and not opts.condition_on_previous_text


def test_simplified_to_traditional() -> None:
    assert to_traditional("这是技术员的质量管理体系") == "這是技術員的質量管理體系"
    assert to_traditional("PLC and ISO 13485") == "PLC and ISO 13485"
    assert to_traditional("已經係繁體") == "已經係繁體"  # Traditional input stays as it is
