"""Transcription of recordings with faster-whisper (CTranslate2), offline first.

Never imports textual. Names are loaded lazily (PEP 562) so that the decoder worker
(``python -m mpu_qual.speech.worker``) starts without the store, rich or click, and the
CLI does not pay for faster-whisper: that is only imported inside the worker process.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Checkpoints": "checkpoint",
    "Run": "checkpoint",
    "SavedSegment": "checkpoint",
    "SpeakerTurn": "diarize",
    "apply_turns": "diarize",
    "load_diarizer": "diarize",
    "FLAG_DESCRIPTIONS": "flags",
    "FlagThresholds": "flags",
    "review_flags": "flags",
    "LANGUAGES": "languages",
    "check_language": "languages",
    "ResolvedModel": "model_lookup",
    "offline_models": "model_lookup",
    "resolve_model": "model_lookup",
    "TranscribeOptions": "options",
    "load_vocabulary": "options",
    "ReviewItem": "review",
    "review_items": "review",
    "BatchReport": "runner",
    "ProgressEvent": "runner",
    "Transcriber": "runner",
    "TranscriptionInterrupted": "runner",
    "TranscriptionResult": "runner",
    "transcribe_files": "runner",
}

__all__ = [
    "BatchReport",
    "Checkpoints",
    "FLAG_DESCRIPTIONS",
    "FlagThresholds",
    "LANGUAGES",
    "ProgressEvent",
    "ResolvedModel",
    "ReviewItem",
    "Run",
    "SavedSegment",
    "SpeakerTurn",
    "TranscribeOptions",
    "Transcriber",
    "TranscriptionInterrupted",
    "TranscriptionResult",
    "apply_turns",
    "check_language",
    "load_diarizer",
    "load_vocabulary",
    "offline_models",
    "resolve_model",
    "review_flags",
    "review_items",
    "transcribe_files",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mpu_qual.speech' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"mpu_qual.speech.{module}"), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors
    from mpu_qual.speech.checkpoint import Checkpoints, Run, SavedSegment
    from mpu_qual.speech.diarize import SpeakerTurn, apply_turns, load_diarizer
    from mpu_qual.speech.flags import FLAG_DESCRIPTIONS, FlagThresholds, review_flags
    from mpu_qual.speech.languages import LANGUAGES, check_language
    from mpu_qual.speech.model_lookup import ResolvedModel, offline_models, resolve_model
    from mpu_qual.speech.options import TranscribeOptions, load_vocabulary
    from mpu_qual.speech.review import ReviewItem, review_items
    from mpu_qual.speech.runner import (
        BatchReport,
        ProgressEvent,
        Transcriber,
        TranscriptionInterrupted,
        TranscriptionResult,
        transcribe_files,
    )
