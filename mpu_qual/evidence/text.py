"""Text folding shared by de-duplication and classification.

Platforms re-type the same ad: full-width or half-width punctuation, letter case, stray white
space. Folding makes those spellings compare equal while keeping the stored text untouched.
"""

from __future__ import annotations

import hashlib
import unicodedata
from functools import lru_cache

# CJK punctuation that NFKC leaves alone, mapped to the ASCII it stands for.
_CJK_PUNCT = str.maketrans(
    {
        "。": ".",
        "、": ",",
        "「": '"',
        "」": '"',
        "『": '"',
        "』": '"',
        "【": "[",
        "】": "]",
        "〔": "(",
        "〕": ")",
        "《": "<",
        "》": ">",
        "〈": "<",
        "〉": ">",
        "‧": "·",
        "・": "·",
        "–": "-",
        "—": "-",
        "‐": "-",
        "‘": "'",
        "’": "'",
        "“": '"',
        "”": '"',
    }
)


def _is_punct(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PS"


def _glue(ch: str) -> bool:
    """Characters that need no space beside them: punctuation and CJK ideographs."""
    return _is_punct(ch) or _is_cjk(ch)


def fold(text: str) -> str:
    """NFKC, CJK punctuation to ASCII, case-folded, white space collapsed and dropped next to
    punctuation or Chinese (``Technician （Electrical）`` folds as ``technician(electrical)``,
    ``工業 4.0`` as ``工業4.0``)."""
    s = unicodedata.normalize("NFKC", text).translate(_CJK_PUNCT).casefold()
    words = s.split()
    if not words:
        return ""
    out = [words[0]]
    for w in words[1:]:
        if _glue(out[-1][-1]) or _glue(w[0]):
            out.append(w)
        else:
            out.append(" " + w)
    return "".join(out)


@lru_cache(maxsize=65536)
def fold_cached(text: str) -> str:
    """``fold`` for short, often repeated values (industry labels, company names)."""
    return fold(text)


def squash_space(text: str) -> str:
    """Collapse every run of white space (new lines, NBSP, ideographic space) to one space."""
    return " ".join(text.split())


def dedup_key(title: str, company: str, description: str) -> bytes:
    """Identity of an ad across platforms: folded title and company, description up to spaces."""
    h = hashlib.blake2b(digest_size=16)
    for part in (fold_cached(title), fold_cached(company), squash_space(description)):
        h.update(part.encode("utf-8"))
        h.update(b"\x1f")
    return h.digest()


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def has_cjk(text: str) -> bool:
    """True when the text holds a CJK ideograph (so Chinese spelling variants matter)."""
    return any(_is_cjk(ch) for ch in text)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Neutralise spreadsheet formulas in CSV output by prefixing a quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
