"""Settings of one transcription, checked before any work starts.

The settings that change the decoder's output make up a fingerprint stored with the
checkpoint: a run resumes only with the same audio and the same fingerprint.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mpu_qual.errors import MpuQualError
from mpu_qual.speech.chinese import CONVERSIONS, check_available
from mpu_qual.speech.flags import FlagThresholds
from mpu_qual.speech.languages import normalise_language
from mpu_qual.speech.worker import BATCHED_FROM_S  # noqa: F401 - re-exported

DEVICES = ("auto", "cpu", "cuda")
MODES = ("auto", "sequential", "batched")
COMPUTE_TYPES = (
    "auto",
    "default",
    "int8",
    "int8_float32",
    "int8_float16",
    "int8_bfloat16",
    "int16",
    "float16",
    "bfloat16",
    "float32",
)
# Whisper keeps only the last 223 prompt tokens and cuts the rest silently. Tokens are
# estimated (about 1.5 per CJK character, 1 per 3.5 other characters) to refuse long prompts.
MAX_PROMPT_TOKENS = 200


def estimate_tokens(text: str) -> int:
    """Rough Whisper token count of ``text``, without loading a tokenizer."""
    wide = sum(1 for ch in text if ord(ch) > 0x2E7F)
    return int(wide * 1.5 + (len(text) - wide) / 3.5) + 1


@dataclass
class TranscribeOptions:
    """Everything that controls a transcription run (CLI flags map 1:1)."""

    model: str | None = None  # name or folder; None = best model available offline
    language: str | None = None  # None = auto-detect; yue, zh, en
    device: str = "auto"
    compute_type: str = "auto"  # int8 on CPU, float16 on CUDA
    vad: bool = True
    beam_size: int = 5
    mode: str = "auto"  # sequential | batched | auto (batched from BATCHED_FROM_S)
    batch_size: int = 8
    initial_prompt: str | None = None
    condition_on_previous_text: bool = False  # True feeds loops; off by default for meetings
    convert: str | None = None  # OpenCC config (s2hk, s2t, s2tw) or None
    cpu_threads: int = 0  # 0 = CTranslate2 default
    allow_download: bool = False
    # Word start/end times from Whisper (for splitting segments where the speaker changes)
    word_timestamps: bool = False
    thresholds: FlagThresholds = field(default_factory=FlagThresholds)

    def validate(self) -> None:
        """Raise MpuQualError naming the bad field."""
        self.language = normalise_language(self.language)
        if self.device not in DEVICES:
            raise MpuQualError(
                f"unknown device '{self.device}'", field="device", hint="Use auto, cpu or cuda."
            )
        if self.compute_type not in COMPUTE_TYPES:
            raise MpuQualError(
                f"unknown compute type '{self.compute_type}'",
                field="compute-type",
                hint="Use one of: " + ", ".join(COMPUTE_TYPES),
            )
        if self.mode not in MODES:
            raise MpuQualError(
                f"unknown mode '{self.mode}'", field="mode", hint="Use auto, sequential or batched."
            )
        if not 1 <= self.beam_size <= 20:
            raise MpuQualError("beam size must be between 1 and 20", field="beam-size")
        if not 1 <= self.batch_size <= 64:
            raise MpuQualError("batch size must be between 1 and 64", field="batch-size")
        if self.cpu_threads < 0:
            raise MpuQualError("threads must be 0 (default) or more", field="threads")
        if self.convert is not None and self.convert not in CONVERSIONS:
            raise MpuQualError(
                f"unknown Chinese conversion '{self.convert}'",
                field="convert",
                hint="Use one of: " + ", ".join(CONVERSIONS),
            )
        if self.convert is not None:
            check_available(self.convert)
        if self.initial_prompt is not None:
            self.initial_prompt = self.initial_prompt.strip() or None
            if self.initial_prompt and estimate_tokens(self.initial_prompt) > MAX_PROMPT_TOKENS:
                raise MpuQualError(
                    f"initial prompt is about {estimate_tokens(self.initial_prompt)} tokens; "
                    f"Whisper keeps only the last {MAX_PROMPT_TOKENS} or so",
                    field="initial-prompt",
                    hint="Keep the domain terms that matter most.",
                )
        if self.mode == "batched" and not self.vad:
            raise MpuQualError(
                "batched mode needs voice activity detection to cut the audio into chunks",
                field="mode",
                hint="Drop --no-vad, or use --mode sequential.",
            )

    def fingerprint(self, model_path: Path) -> dict[str, object]:
        """The settings a resumed run must share with the interrupted one."""
        return {
            "model": str(model_path),
            "language": self.language,
            "vad": self.vad,
            "beam_size": self.beam_size,
            "initial_prompt": self.initial_prompt,
            "condition_on_previous_text": self.condition_on_previous_text,
            "convert": self.convert,
            # only when on, so that runs saved before the option existed still resume
            **({"word_timestamps": True} if self.word_timestamps else {}),
        }

    def as_metadata(self) -> dict[str, object]:
        data = asdict(self)
        data.pop("thresholds", None)
        data.pop("allow_download", None)
        return data


def fingerprint_hash(fp: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(fp, sort_keys=True).encode()).hexdigest()[:16]


def load_vocabulary(path: str | Path) -> str:
    """Turn a vocabulary file (one term per line, ``#`` comments) into an initial prompt.

    Whisper has no real hot-word list; a prompt that mentions the terms makes it spell them
    the way the field does (PLC, ISO 13485, 技術員).
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise MpuQualError("vocabulary file not found", path=p, field="vocabulary") from None
    except OSError as exc:
        raise MpuQualError(f"cannot read vocabulary file: {exc.strerror}", path=p) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    terms: list[str] = []
    for n, line in enumerate(raw.split(b"\n"), 1):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            raise MpuQualError(
                "vocabulary file is not UTF-8", path=p, line=n, hint="Save it as UTF-8."
            ) from None
        term = text.split("#", 1)[0].strip()
        if term and term not in terms:
            terms.append(term)
    if not terms:
        raise MpuQualError(
            "vocabulary file has no terms",
            path=p,
            hint="Write one term per line (# starts a comment).",
        )
    prompt = "Glossary: " + ", ".join(terms) + "."
    if estimate_tokens(prompt) > MAX_PROMPT_TOKENS:
        raise MpuQualError(
            f"vocabulary is too long ({len(terms)} terms, about {estimate_tokens(prompt)} "
            f"tokens); Whisper keeps only the last {MAX_PROMPT_TOKENS} or so of a prompt",
            path=p,
            hint="Keep the terms that Whisper gets wrong most often.",
        )
    return prompt
