"""Simplified -> Traditional Chinese with OpenCC, when the user asks for it.

Whisper often writes Cantonese and Mandarin in Simplified characters; Hong Kong researchers
quote in Traditional. Conversion is opt-in because it can change proper names.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from mpu_qual.errors import MpuQualError

CONVERSIONS = {
    "s2hk": "Simplified to Traditional (Hong Kong)",
    "s2t": "Simplified to Traditional (OpenCC standard)",
    "s2tw": "Simplified to Traditional (Taiwan)",
}


@lru_cache(maxsize=4)
def _converter(config: str) -> Any:
    if config not in CONVERSIONS:
        raise MpuQualError(
            f"unknown Chinese conversion '{config}'",
            field="convert",
            hint="Use one of: " + ", ".join(CONVERSIONS),
        )
    try:
        from opencc import OpenCC  # opencc-python-reimplemented (the "chinese" extra)
    except ImportError:
        raise MpuQualError(
            "Chinese conversion needs OpenCC, which is not installed",
            field="convert",
            hint="pip install opencc-python-reimplemented (or mpu-qual[chinese]).",
        ) from None
    return OpenCC(config)


def check_available(config: str) -> None:
    """Fail before any work starts if the conversion cannot run."""
    _converter(config)


def to_traditional(text: str, config: str = "s2hk") -> str:
    """Convert ``text``; ASCII-only text is returned as is (fast path for English)."""
    if text.isascii():
        return text
    return str(_converter(config).convert(text))
