"""Which language to ask Whisper for, and whether the chosen model can do it.

faster-whisper accepts ``language="yue"`` with any multilingual model and silently decodes
garbage ("He He He ...") when the tokenizer has no ``<|yue|>`` token; only the large-v3
family has it. So the check reads the model's tokenizer and refuses before any work starts.
"""

from __future__ import annotations

from mpu_qual.errors import MpuQualError
from mpu_qual.speech.model_lookup import ResolvedModel

LANGUAGES = ("auto", "yue", "zh", "en")
LANGUAGE_NAMES = {
    "auto": "auto-detect",
    "yue": "Cantonese",
    "zh": "Chinese (Mandarin token)",
    "en": "English",
}


def normalise_language(value: str | None) -> str | None:
    """'auto'/None -> None (detect); otherwise one of yue, zh, en."""
    if value is None:
        return None
    v = value.strip().lower()
    aliases = {
        "cantonese": "yue",
        "zh-hk": "yue",
        "chinese": "zh",
        "mandarin": "zh",
        "english": "en",
    }
    v = aliases.get(v, v)
    if v in ("auto", ""):
        return None
    if v not in LANGUAGES:
        raise MpuQualError(
            f"unknown language '{value}'",
            field="language",
            hint="Use auto, yue (Cantonese), zh or en.",
        )
    return v


def check_language(model: ResolvedModel, language: str | None) -> list[str]:
    """Raise if ``model`` cannot transcribe ``language``; return warnings worth showing."""
    warnings: list[str] = []
    if not model.multilingual:
        if language in ("yue", "zh"):
            raise MpuQualError(
                f"model {model.name} is English-only: it cannot transcribe "
                f"{LANGUAGE_NAMES[language]} and would return English-sounding text",
                field="language",
                hint="Use --model large-v3 (or large-v3-turbo) for Cantonese, "
                "or a multilingual model (small, medium) with --language zh.",
            )
        if language is None:
            warnings.append(
                f"model {model.name} is English-only: Cantonese or Chinese speech will come "
                "out as (wrong) English; use a multilingual model for mixed meetings"
            )
        return warnings
    if language == "yue" and not model.has_yue:
        raise MpuQualError(
            f"model {model.name} has no Cantonese token <|yue|> in its tokenizer; "
            "faster-whisper would accept --language yue and return garbage",
            field="language",
            hint="Use a large-v3 family model (large-v3, large-v3-turbo, distil-large-v3) "
            "for Cantonese, or run this model with --language zh (written Chinese, often "
            "Mandarin-flavoured) or --language auto.",
        )
    if language is not None and language not in model.languages:
        raise MpuQualError(
            f"model {model.name} does not support language '{language}'",
            field="language",
            hint="Choose another --language or another --model.",
        )
    return warnings
