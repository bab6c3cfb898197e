"""What a transcription reports and produces: progress events, the result, an interruption, and\nthe transcript (VTT) built from the segments a run saved.\n"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mpu_qual.errors import MpuQualError
from mpu_qual.speech.checkpoint import SavedSegment
from mpu_qual.speech.flags import LanguageCheck, SegmentStats, assess, flag_summary
from mpu_qual.speech.hallucinations import HallucinationList
from mpu_qual.speech.model_lookup import ResolvedModel
from mpu_qual.speech.options import TranscribeOptions
from mpu_qual.transcript_files.parsed import ParsedSegment, ParsedTranscript


@dataclass
class ProgressEvent:
    """What a progress display needs; sent often, cheap to build."""

    path: Path
    name: str
    phase: str  # "starting", "loading model", "decoding audio", "transcribing", "saving", "done"
    done_ms: int = 0
    total_ms: int | None = None
    segments: int = 0
    mode: str | None = None
    device: str | None = None
    compute_type: str | None = None
    language: str | None = None
    resumed_from_ms: int = 0


@dataclass
class TranscriptionResult:
    """One file that made it into the project."""

    path: Path
    name: str
    source_id: int
    segments: int
    duration_ms: int
    language: str | None
    mode: str
    device: str
    model: str
    flags: dict[str, int]
    resumed_from_ms: int
    elapsed_s: float
    vtt_path: Path
    warnings: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # about the whole file (wrong language)


class TranscriptionInterrupted(MpuQualError):
    """Ctrl+C or a cancel request; the saved segments stay for a resume."""


def clock(ms: int) -> str:
    s = ms // 1000
    return f"{s // 3600:d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def build_transcript(
    saved: Sequence[SavedSegment],
    duration_ms: int,
    options: TranscribeOptions,
    model: ResolvedModel,
    language: str | None,
    mode: str | None,
    *,
    speech: list[tuple[int, int]] | None = None,
    phrases: HallucinationList | None = None,
    language_check: LanguageCheck | None = None,
) -> ParsedTranscript:
    """Saved segments -> ParsedTranscript with per-segment Whisper scores and review flags."""
    stats = [
        SegmentStats(
            s.start_ms,
            s.end_ms,
            s.text,
            s.avg_logprob,
            s.no_speech_prob,
            s.compression_ratio,
            s.temperature,
        )
        for s in saved
    ]
    report = assess(
        stats,
        duration_ms,
        options.thresholds,
        speech=speech,
        phrases=phrases,
        english_only_model=None if model.multilingual else model.name,
        language_check=language_check,
    )
    flags = report.flags
    segments = [
        ParsedSegment(
            text=s.text,
            start_ms=s.start_ms,
            end_ms=s.end_ms,
            meta={
                "avg_logprob": s.avg_logprob,
                "no_speech_prob": s.no_speech_prob,
                "compression_ratio": s.compression_ratio,
                "temperature": s.temperature,
                "flags": f,
                **({"flag_details": d} if d else {}),
            },
        )
        for s, f, d in zip(saved, flags, report.details, strict=True)
    ]
    metadata: dict[str, Any] = {
        "transcribed_by": "faster-whisper",
        "model": model.name,
        "language": language,
        "mode": mode,
        "settings": options.as_metadata(),
        "review_flags": flag_summary(flags),
        "duration_ms": duration_ms,
    }
    if report.notices:
        metadata["notices"] = report.notices
    if speech is not None:
        metadata["speech_regions"] = [list(r) for r in speech]
    if language_check is not None:
        metadata["language_check"] = {
            "model": language_check.model,
            "language": language_check.language,
            "probability": round(language_check.probability, 3),
        }
    return ParsedTranscript(segments=segments, metadata=metadata, format="vtt")
