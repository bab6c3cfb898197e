"""Word and sentence boundaries for moving the caret, in English and Chinese alike.

Chinese has no spaces, so every CJK character counts as a word of its own; sentences end at
Western or full-width punctuation (the same rule the auto-coder uses).
"""

from __future__ import annotations

import re
import unicodedata

SENTENCE_END = re.compile(r"[.!?。！？；;]+[\"'」』)）]*\s*|\n")


def _kind(ch: str) -> int:
    """0 space, 1 word character, 2 CJK ideograph or kana, 3 punctuation."""
    if ch.isspace():
        return 0
    if "\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\U00020000" <= ch:
        return 2
    if ch.isalnum() or ch in "_'’-":
        return 1
    if unicodedata.category(ch).startswith("L"):
        return 1
    return 3


def word_right(text: str, offset: int, limit: int) -> int:
    """Caret position after the next word (or run of punctuation) to the right."""
    i = offset
    while i < limit and _kind(text[i]) == 0:
        i += 1
    if i >= limit:
        return limit
    k = _kind(text[i])
    if k == 2:
        return i + 1
    while i < limit and _kind(text[i]) == k:
        i += 1
    return i


def word_left(text: str, offset: int, limit: int) -> int:
    """Caret position at the start of the word to the left."""
    i = offset
    while i > limit and _kind(text[i - 1]) == 0:
        i -= 1
    if i <= limit:
        return limit
    k = _kind(text[i - 1])
    if k == 2:
        return i - 1
    while i > limit and _kind(text[i - 1]) == k:
        i -= 1
    return i


def word_at(text: str, offset: int, lo: int, hi: int) -> tuple[int, int]:
    """The word around ``offset`` (for a double click)."""
    if offset >= hi or (offset < hi and _kind(text[offset]) == 0):
        if offset > lo and _kind(text[offset - 1]) != 0:
            offset -= 1
        else:
            return offset, offset
    k = _kind(text[offset])
    if k == 2:
        return offset, offset + 1
    a = offset
    while a > lo and _kind(text[a - 1]) == k:
        a -= 1
    b = offset
    while b < hi and _kind(text[b]) == k:
        b += 1
    return a, b


def sentence_at(text: str, offset: int, lo: int, hi: int) -> tuple[int, int]:
    """The sentence that holds ``offset`` inside the segment ``[lo, hi)``, without trailing space."""
    start = lo
    for m in SENTENCE_END.finditer(text, lo, hi):
        if m.end() <= offset:
            start = m.end()
        else:
            break
    end = sentence_end_after(text, start, hi)
    if end <= offset < hi:  # the caret sits in trailing space: take the next sentence
        return sentence_at(text, end + 1, lo, hi) if end + 1 < hi else (start, end)
    return start, end


def sentence_end_after(text: str, offset: int, hi: int) -> int:
    """End (before trailing space) of the first sentence that ends after ``offset``."""
    end = hi
    for m in SENTENCE_END.finditer(text, offset, hi):
        if m.end() > offset and m.start() >= offset:
            end = m.end()
            break
    while end > offset and text[end - 1].isspace():
        end -= 1
    return end if end > offset else hi
