"""Review flags: which Whisper segments need a human look, and why, in words.

Whisper fails in recognisable ways: low average log-probability (unsure), text where the
no-speech probability is high (invented from noise), loops (a phrase three times in a row,
the previous segment's text again), phrases it learned from video subtitles ("thanks for
watching", 字幕 credits), speech it skipped (a long stretch without text where voice activity
detection heard speech), and, with an English-only model, a recording in another language.
Pure functions over plain numbers so the CLI, the TUI and the tests share them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from mpu_qual.speech.flag_names import (  # re-exported: flags.X is where callers look
    ALL_FLAGS as ALL_FLAGS,
)
from mpu_qual.speech.flag_names import (
    DROPPED_SPEECH as DROPPED_SPEECH,
)
from mpu_qual.speech.flag_names import (
    GAP_AT_END as GAP_AT_END,
)
from mpu_qual.speech.flag_names import (
    KNOWN_HALLUCINATION as KNOWN_HALLUCINATION,
)
from mpu_qual.speech.flag_names import (
    LOW_CONFIDENCE as LOW_CONFIDENCE,
)
from mpu_qual.speech.flag_names import (
    NO_SPEECH as NO_SPEECH,
)
from mpu_qual.speech.flag_names import (
    NOT_ENGLISH as NOT_ENGLISH,
)
from mpu_qual.speech.flag_names import (
    REPEATED_SEGMENT as REPEATED_SEGMENT,
)
from mpu_qual.speech.flag_names import (
    REPETITION as REPETITION,
)
from mpu_qual.speech.flag_names import (
    SILENCE_BEFORE as SILENCE_BEFORE,
)
from mpu_qual.speech.hallucinations import HallucinationList

FLAG_DESCRIPTIONS = {
    LOW_CONFIDENCE: "low confidence (Whisper was unsure of the words)",
    NO_SPEECH: "text where Whisper heard no speech (may be invented)",
    REPETITION: "repetition loop (the same phrase many times)",
    REPEATED_SEGMENT: "the same text as the segment before (Whisper repeats itself when lost)",
    KNOWN_HALLUCINATION: "a phrase Whisper is known to invent (subtitle credits, "
    "'thanks for watching')",
    NOT_ENGLISH: "English-only model, but the recording is probably in another language",
    DROPPED_SPEECH: "speech before this segment was skipped (voice detection heard speech "
    "where there is no text)",
    SILENCE_BEFORE: "long stretch before this segment was skipped (silence or missed speech)",
    GAP_AT_END: "audio after this last segment was not transcribed",
}


@dataclass(frozen=True)
class FlagThresholds:
    """Where a segment starts to need a look. Defaults follow Whisper's own fallbacks."""

    min_avg_logprob: float = -1.0  # Whisper retries a window below this
    max_no_speech_prob: float = 0.6  # Whisper's no-speech threshold
    max_compression_ratio: float = 2.4  # Whisper retries a window above this (loops compress)
    min_repeats: int = 3  # a phrase of two or more words (characters in CJK), in a row
    min_word_repeats: int = 4  # a single word or character, in a row ("no no no" is speech)
    min_repeated_tokens: int = 3  # "same text as before" only for texts at least this long
    repeated_segments: int = 3  # the same text in this many consecutive segments
    max_gap_ms: int = 15_000  # nothing transcribed for this long between segments
    max_end_gap_ms: int = 15_000  # nothing transcribed for this long before the end
    min_dropped_speech_ms: int = 3_000  # voice activity without text, before a segment
    # An English-only model on other languages: Whisper's words are mostly unlikely (clear
    # English through tiny.en scores about -0.3), or most of the speech has no text at all.
    not_english_max_logprob: float = -0.7
    not_english_min_coverage: float = 0.5
    not_english_min_speech_ms: int = 4_000
    not_english_min_fallback_share: float = 0.5  # of the text, decoded only by sampling
    not_english_min_word_share: float = 0.5  # tokens that are words, not digits or fragments


@dataclass(frozen=True)
class SegmentStats:
    """What the flags look at, one per segment."""

    start_ms: int
    end_ms: int
    text: str
    avg_logprob: float | None = None
    no_speech_prob: float | None = None
    compression_ratio: float | None = None
    temperature: float | None = None  # above 0: Whisper's greedy decoding failed its checks


@dataclass(frozen=True)
class LanguageCheck:
    """What a multilingual model said about the audio's language (when one is installed)."""

    model: str
    language: str
    probability: float


@dataclass
class FlagReport:
    """Flags per segment, why in words per segment and flag, and notices for the whole file."""

    flags: list[list[str]]
    details: list[dict[str, str]]
    notices: list[str] = field(default_factory=list)
    not_english: bool = False


_WORD_RE = re.compile(r"\w+", re.UNICODE)
_CJK_RE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
# A word an English model writes: two or more letters ("a" and "I" count too).
_REAL_WORD = re.compile(r"[^\W\d_]{2,}|a|i", re.UNICODE)


def _tokens(text: str) -> list[str]:
    """Words for spaced scripts, single characters for CJK (no spaces between words)."""
    out: list[str] = []
    for word in _WORD_RE.findall(text.lower()):
        if _CJK_RE.search(word):
            out.extend(ch for ch in word)
        else:
            out.append(word)
    return out


def _runs(toks: list[str], max_n: int) -> dict[int, int]:
    """For each phrase length n, the most times a phrase of n tokens occurs in a row."""
    best: dict[int, int] = {}
    for n in range(1, max_n + 1):
        if len(toks) < 2 * n:
            break
        top = 1
        for i in range(n):
            run = 1
            j = i
            while j + 2 * n <= len(toks):
                if toks[j : j + n] == toks[j + n : j + 2 * n]:
                    run += 1
                    top = max(top, run)
                else:
                    run = 1
                j += n
        best[n] = top
    return best


def longest_repeat(text: str, max_n: int = 8) -> int:
    """How many times in a row the most repeated phrase (1 to max_n tokens) occurs."""
    toks = _tokens(text)
    if not toks:
        return 0
    return max([1, *_runs(toks, max_n).values()])


def is_loop(text: str, th: FlagThresholds, max_n: int = 8) -> bool:
    """A phrase of 2+ tokens ``min_repeats`` times in a row, or one token ``min_word_repeats``."""
    for n, count in _runs(_tokens(text), max_n).items():
        if count >= (th.min_word_repeats if n == 1 else th.min_repeats):
            return True
    return False


def _norm(text: str) -> str:
    return " ".join(_tokens(text))


def _clock(ms: int) -> str:
    s = max(0, ms) // 1000
    return f"{s // 3600:d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _speech_between(speech: Sequence[tuple[int, int]], lo: int, hi: int, pad: int = 500) -> int:
    """Milliseconds of detected speech inside (lo, hi), ignoring ``pad`` at both edges.

    Voice activity regions are padded and Whisper's timestamps are rounded, so a region that
    only touches a segment's edge is not speech that was dropped.
    """
    lo, hi = lo + pad, hi - pad
    total = 0
    for s, e in speech:
        total += max(0, min(e, hi) - max(s, lo))
    return total


def _coverage(
    segments: Sequence[SegmentStats], speech: Sequence[tuple[int, int]]
) -> tuple[int, int]:
    """(detected speech ms, of which inside a segment with text)."""
    spans = sorted((s.start_ms, s.end_ms) for s in segments if s.text.strip())
    total = covered = 0
    for a, b in speech:
        total += max(0, b - a)
        for s, e in spans:
            if s >= b:
                break
            covered += max(0, min(b, e) - max(a, s))
    return total, covered


def review_flags(
    segments: Sequence[SegmentStats],
    duration_ms: int | None,
    thresholds: FlagThresholds | None = None,
) -> list[list[str]]:
    """Flags for each segment, in order (an empty list means nothing to look at)."""
    return assess(segments, duration_ms, thresholds).flags


def assess(
    segments: Sequence[SegmentStats],
    duration_ms: int | None,
    thresholds: FlagThresholds | None = None,
    *,
    speech: Sequence[tuple[int, int]] | None = None,
    phrases: HallucinationList | None = None,
    english_only_model: str | None = None,
    language_check: LanguageCheck | None = None,
) -> FlagReport:
    """Every flag of every segment, with reasons, and the notices for the whole file.

    ``speech``: the voice-activity regions (ms) of the recording, when VAD ran.
    ``english_only_model``: the model's name when it is English-only (``tiny.en``...).
    ``language_check``: a multilingual model's verdict on the audio, when one was available.
    """
    th = thresholds or FlagThresholds()
    flags: list[list[str]] = [[] for _ in segments]
    details: list[dict[str, str]] = [{} for _ in segments]
    report = FlagReport(flags, details)

    def add(i: int, flag: str, why: str | None = None) -> None:
        if flag not in flags[i]:
            flags[i].append(flag)
        if why:
            details[i][flag] = why

    prev_end = 0
    norms = [_norm(s.text) for s in segments]
    for i, seg in enumerate(segments):
        if seg.avg_logprob is not None and seg.avg_logprob < th.min_avg_logprob:
            add(i, LOW_CONFIDENCE, f"low confidence: average log-probability {seg.avg_logprob:.2f}")
        if (
            seg.no_speech_prob is not None
            and seg.no_speech_prob > th.max_no_speech_prob
            and seg.text.strip()
        ):
            add(i, NO_SPEECH, f"text where Whisper heard no speech (p={seg.no_speech_prob:.2f})")
        if seg.compression_ratio is not None and seg.compression_ratio > th.max_compression_ratio:
            add(i, REPETITION, f"repetition loop: the text compresses {seg.compression_ratio:.1f}x")
        elif is_loop(seg.text, th):
            add(i, REPETITION, "repetition loop: a phrase three or more times in a row")
        if (
            i > 0
            and norms[i]
            and norms[i] == norms[i - 1]
            and len(norms[i].split()) >= th.min_repeated_tokens
        ):
            add(i, REPEATED_SEGMENT, "the same text as the segment before")
        if phrases is not None:
            hit = phrases.match(seg.text)
            if hit is not None:
                add(
                    i,
                    KNOWN_HALLUCINATION,
                    f"known Whisper hallucination “{hit.text}” ({hit.origin})",
                )
        gap = seg.start_ms - prev_end
        if speech is not None and gap > 0:
            heard = _speech_between(speech, prev_end, seg.start_ms)
            if heard >= th.min_dropped_speech_ms:
                add(
                    i,
                    DROPPED_SPEECH,
                    f"about {round(heard / 1000)} s of speech between {_clock(prev_end)} and "
                    f"{_clock(seg.start_ms)} has no text: listen and type it in",
                )
        if gap > th.max_gap_ms:
            add(i, SILENCE_BEFORE, f"{round(gap / 1000)} s skipped before this segment")
        prev_end = max(prev_end, seg.end_ms)
    # The same line again and again across segments is a loop too.
    run_start = 0
    for i in range(1, len(segments) + 1):
        if i < len(segments) and norms[i] and norms[i] == norms[run_start]:
            continue
        if i - run_start >= th.repeated_segments and norms[run_start]:
            for k in range(run_start, i):
                add(k, REPETITION, f"repetition loop: the same line in {i - run_start} segments")
        run_start = i
    if segments and duration_ms is not None:
        if speech is not None:
            heard = _speech_between(speech, prev_end, duration_ms + 500)
            if heard >= th.min_dropped_speech_ms:
                add(
                    len(segments) - 1,
                    DROPPED_SPEECH,
                    f"about {round(heard / 1000)} s of speech after this last segment "
                    f"({_clock(prev_end)} to the end) has no text",
                )
        if duration_ms - prev_end > th.max_end_gap_ms:
            add(len(segments) - 1, GAP_AT_END)
    if english_only_model:
        why = not_english_reason(segments, duration_ms, th, speech, language_check)
        if why is not None:
            report.not_english = True
            report.notices.append(not_english_notice(english_only_model, why))
            for i in range(len(segments)):
                add(i, NOT_ENGLISH, f"{english_only_model} is English-only; {why}")
    return report


def not_english_reason(
    segments: Sequence[SegmentStats],
    duration_ms: int | None,
    th: FlagThresholds,
    speech: Sequence[tuple[int, int]] | None,
    language_check: LanguageCheck | None = None,
) -> str | None:
    """Why the recording is probably not English (None: no reason to think so).

    A multilingual model's language detection on the audio decides when there is one.
    Otherwise the English-only model's own output tells: its words are mostly unlikely (mean
    log-probability over the segments, weighted by length), or most of the speech that
    voice activity detection heard came out as no text at all.
    """
    if language_check is not None:
        if language_check.language != "en" and language_check.probability >= 0.5:
            return (
                f"{language_check.model} detected the language '{language_check.language}' "
                f"in the audio (probability {language_check.probability:.2f})"
            )
        return None
    if speech is not None:
        heard, covered = _coverage(segments, speech)
    else:
        heard = duration_ms or sum(max(0, s.end_ms - s.start_ms) for s in segments)
        covered = heard
    if heard < th.not_english_min_speech_ms:
        return None
    scored = [
        (max(1, s.end_ms - s.start_ms), s.avg_logprob)
        for s in segments
        if s.avg_logprob is not None and s.text.strip()
    ]
    if scored:
        total = sum(w for w, _ in scored)
        mean = sum(w * lp for w, lp in scored) / total
        if mean < th.not_english_max_logprob:
            return (
                f"its words are mostly unlikely (mean log-probability {mean:.2f}; clear English "
                "scores about -0.3)"
            )
    timed = [
        (max(1, s.end_ms - s.start_ms), s.temperature)
        for s in segments
        if s.temperature is not None and s.text.strip()
    ]
    if timed:
        sampled = sum(w for w, t in timed if t > 0) / sum(w for w, _ in timed)
        if sampled >= th.not_english_min_fallback_share:
            return (
                f"{round(100 * sampled)}% of its text failed Whisper's own checks and was "
                "sampled at random instead (temperature fallback)"
            )
    toks = [t for s in segments for t in _tokens(s.text)]
    if len(toks) >= 5:
        share = sum(1 for t in toks if _REAL_WORD.fullmatch(t)) / len(toks)
        if share < th.not_english_min_word_share:
            return (
                f"few real words: only {round(100 * share)}% of what it wrote are words, "
                "the rest numbers or fragments"
            )
    if speech is not None and covered < th.not_english_min_coverage * heard:
        return (
            f"only {round(100 * covered / heard)}% of the {round(heard / 1000)} s of speech "
            "came out as text"
        )
    return None


def not_english_notice(model: str, why: str) -> str:
    """The once-per-file message: what is wrong and which model to use instead."""
    return (
        f"The model {model} only knows English, and this recording is probably in another "
        f"language: {why}. Its text is likely invented. Transcribe it again with a "
        "multilingual model: --model large-v3 --language auto (or --language yue for "
        "Cantonese, zh for Mandarin)."
    )


def flag_summary(all_flags: Sequence[Sequence[str]]) -> dict[str, int]:
    """How many segments carry each flag (for the source metadata and the CLI summary)."""
    out: dict[str, int] = {}
    for f in all_flags:
        for name in f:
            out[name] = out.get(name, 0) + 1
    return out
