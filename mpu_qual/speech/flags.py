"""Review flags: which Whisper segments need a human look.

Whisper fails in recognisable ways: low average log-probability (unsure), text where the
no-speech probability is high (hallucinated from noise), repetition loops (the same phrase
many times, or the same line in consecutive segments), and audio it skipped (a long gap
between segments, or between the last segment and the end of the recording). Pure functions
over plain numbers so the CLI, the TUI and the tests share them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

LOW_CONFIDENCE = "low_confidence"
NO_SPEECH = "no_speech"
REPETITION = "repetition"
SILENCE_BEFORE = "silence_before"
GAP_AT_END = "gap_at_end"

FLAG_DESCRIPTIONS = {
    LOW_CONFIDENCE: "low confidence (Whisper was unsure of the words)",
    NO_SPEECH: "text where Whisper heard no speech (may be invented)",
    REPETITION: "repetition loop (the same phrase many times)",
    SILENCE_BEFORE: "long stretch before this segment was skipped (silence or missed speech)",
    GAP_AT_END: "audio after this last segment was not transcribed",
}


@dataclass(frozen=True)
class FlagThresholds:
    """Where a segment starts to need a look. Defaults follow Whisper's own fallbacks."""

    min_avg_logprob: float = -1.0  # Whisper retries a window below this
    max_no_speech_prob: float = 0.6  # Whisper's no-speech threshold
    max_compression_ratio: float = 2.4  # Whisper retries a window above this (loops compress)
    min_repeats: int = 4  # a phrase repeated this many times in a row inside one segment
    repeated_segments: int = 3  # the same text in this many consecutive segments
    max_gap_ms: int = 15_000  # nothing transcribed for this long between segments
    max_end_gap_ms: int = 15_000  # nothing transcribed for this long before the end


@dataclass(frozen=True)
class SegmentStats:
    """What the flags look at, one per segment."""

    start_ms: int
    end_ms: int
    text: str
    avg_logprob: float | None = None
    no_speech_prob: float | None = None
    compression_ratio: float | None = None


_WORD_RE = re.compile(r"\w+", re.UNICODE)
_CJK_RE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")


def _tokens(text: str) -> list[str]:
    """Words for spaced scripts, single characters for CJK (no spaces between words)."""
    out: list[str] = []
    for word in _WORD_RE.findall(text.lower()):
        if _CJK_RE.search(word):
            out.extend(ch for ch in word)
        else:
            out.append(word)
    return out


def longest_repeat(text: str, max_n: int = 8) -> int:
    """How many times in a row the most repeated phrase (1 to max_n tokens) occurs."""
    toks = _tokens(text)
    best = 1 if toks else 0
    for n in range(1, max_n + 1):
        if len(toks) < 2 * n:
            break
        for i in range(n):
            run = 1
            j = i
            while j + 2 * n <= len(toks):
                if toks[j : j + n] == toks[j + n : j + 2 * n]:
                    run += 1
                    best = max(best, run)
                else:
                    run = 1
                j += n
    return best


def _norm(text: str) -> str:
    return " ".join(_tokens(text))


def review_flags(
    segments: Sequence[SegmentStats],
    duration_ms: int | None,
    thresholds: FlagThresholds | None = None,
) -> list[list[str]]:
    """Flags for each segment, in order (an empty list means nothing to look at)."""
    th = thresholds or FlagThresholds()
    flags: list[list[str]] = [[] for _ in segments]
    prev_end = 0
    for i, seg in enumerate(segments):
        f = flags[i]
        if seg.avg_logprob is not None and seg.avg_logprob < th.min_avg_logprob:
            f.append(LOW_CONFIDENCE)
        if (
            seg.no_speech_prob is not None
            and seg.no_speech_prob > th.max_no_speech_prob
            and seg.text.strip()
        ):
            f.append(NO_SPEECH)
        if (
            seg.compression_ratio is not None and seg.compression_ratio > th.max_compression_ratio
        ) or longest_repeat(seg.text) >= th.min_repeats:
            f.append(REPETITION)
        if seg.start_ms - prev_end > th.max_gap_ms:
            f.append(SILENCE_BEFORE)
        prev_end = max(prev_end, seg.end_ms)
    # The same line again and again across segments is a loop too.
    run_start = 0
    norms = [_norm(s.text) for s in segments]
    for i in range(1, len(segments) + 1):
        if i < len(segments) and norms[i] and norms[i] == norms[run_start]:
            continue
        if i - run_start >= th.repeated_segments and norms[run_start]:
            for k in range(run_start, i):
                if REPETITION not in flags[k]:
                    flags[k].append(REPETITION)
        run_start = i
    if segments and duration_ms is not None and duration_ms - prev_end > th.max_end_gap_ms:
        flags[-1].append(GAP_AT_END)
    return flags


def flag_summary(all_flags: Sequence[Sequence[str]]) -> dict[str, int]:
    """How many segments carry each flag (for the source metadata and the CLI summary)."""
    out: dict[str, int] = {}
    for f in all_flags:
        for name in f:
            out[name] = out.get(name, 0) + 1
    return out
