"""Transcription of recordings with faster-whisper (CTranslate2), offline first.

Never imports textual; faster-whisper itself is imported only inside the worker process.
"""

from mpu_qual.transcribe.checkpoint import Checkpoints, Run, SavedSegment
from mpu_qual.transcribe.diarize import SpeakerTurn, apply_turns, load_diarizer
from mpu_qual.transcribe.flags import FLAG_DESCRIPTIONS, FlagThresholds, review_flags
from mpu_qual.transcribe.languages import LANGUAGES, check_language
from mpu_qual.transcribe.models import ResolvedModel, offline_models, resolve_model
from mpu_qual.transcribe.options import TranscribeOptions, load_vocabulary
from mpu_qual.transcribe.review import ReviewItem, review_items
from mpu_qual.transcribe.runner import (
    BatchReport,
    ProgressEvent,
    Transcriber,
    TranscriptionInterrupted,
    TranscriptionResult,
    transcribe_files,
)

__all__ = [
    "FLAG_DESCRIPTIONS",
    "LANGUAGES",
    "BatchReport",
    "Checkpoints",
    "FlagThresholds",
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
