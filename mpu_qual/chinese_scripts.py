"""Simplified and Traditional Chinese as one: matching that ignores the script.

A Hong Kong transcript says 培訓 and 生產綫; a partner's file says 培训 and 生产线. Search,
autocode phrases and the code picker's filter treat those as the same word: each Chinese
character of the query matches its Simplified form, its Traditional forms and their Hong Kong
and Taiwan variants (綫/線/线, 裏/裡/里). Stored text is never converted: the matching is
done character by character, so every offset still points at the stored characters.

The character tables are OpenCC's (the ``[chinese]`` extra, opencc-python-reimplemented);
without it, matching is exact, as before.

Characters that share a Simplified form match each other: 发 finds 發 and 髮, and so does 發
(a Simplified file cannot tell them apart, so a search must not either).
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import product
from pathlib import Path


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], dict[str, str], dict[str, frozenset[str]]] | None:
    """(standard form of a variant, Simplified form of a Traditional character, every
    character that folds to a Simplified one), read from OpenCC's dictionaries once."""
    try:
        import opencc  # optional extra [chinese]
    except ImportError:
        return None
    folder = Path(opencc.__file__).parent / "dictionary"

    def pairs(name: str) -> list[tuple[str, list[str]]]:
        path = folder / name
        if not path.is_file():
            return []
        out = []
        for line in path.read_text(encoding="utf-8").splitlines():
            key, _tab, values = line.partition("\t")
            vals = [v for v in values.split() if len(v) == 1]
            if len(key) == 1 and vals:
                out.append((key, vals))
        return out

    standard: dict[str, str] = {}  # 綫 -> 線, 裡 -> 裏 (a regional variant -> OpenCC's form)
    for name in ("HKVariantsRev.txt", "TWVariantsRev.txt"):
        for key, vals in pairs(name):
            if vals[0] != key:
                standard.setdefault(key, vals[0])
    for name in ("HKVariants.txt", "TWVariants.txt"):
        for key, vals in pairs(name):
            for v in vals:
                if v != key:
                    standard.setdefault(v, key)
    simple: dict[str, str] = {}  # 線 -> 线
    for key, vals in pairs("TSCharacters.txt"):
        if vals[0] != key:
            simple[key] = vals[0]
    for key, vals in pairs("STCharacters.txt"):
        for v in vals:
            if v != key:
                simple.setdefault(v, key)
    for variant, std in standard.items():
        simple.setdefault(variant, simple.get(std, std))
    folds_to: dict[str, set[str]] = {}
    for trad, simp in simple.items():
        folds_to.setdefault(simp, {simp}).add(trad)
    return standard, simple, {k: frozenset(v) for k, v in folds_to.items()}


def available() -> bool:
    """Is OpenCC installed, so that Simplified and Traditional match each other?"""
    return _tables() is not None


def fold_char(ch: str) -> str:
    """The Simplified form of one character (itself when it has none)."""
    tables = _tables()
    if tables is None:
        return ch
    standard, simple, _ = tables
    return simple.get(ch, simple.get(standard.get(ch, ch), ch))


def fold(text: str) -> str:
    """``text`` with every character in its Simplified form: one character for one, so an
    index into the result is an index into ``text``."""
    if text.isascii() or _tables() is None:
        return text
    return "".join(map(fold_char, text))


def matching_chars(ch: str) -> frozenset[str]:
    """The characters that ``ch`` in a query matches in stored text (itself included)."""
    tables = _tables()
    if tables is None or ch.isascii():
        return frozenset(ch)
    return frozenset({ch}) | tables[2].get(fold_char(ch), frozenset())


def pattern_source(text: str) -> str:
    """A regular expression (source) that finds ``text`` in either script."""
    out = []
    for ch in text:
        chars = matching_chars(ch)
        if len(chars) == 1:
            out.append(re.escape(ch))
        else:
            out.append("[" + "".join(re.escape(c) for c in sorted(chars)) + "]")
    return "".join(out)


def spellings(text: str, limit: int = 64) -> list[str] | None:
    """Every way ``text`` may be written in stored text (for an index look-up), or None when
    there are more than ``limit`` (the caller then scans instead)."""
    choices = [sorted(matching_chars(ch)) for ch in text]
    total = 1
    for c in choices:
        total *= len(c)
        if total > limit:
            return None
    return ["".join(p) for p in product(*choices)]


def index_spellings(text: str, limit: int = 64) -> list[str] | None:
    """The spellings of the longest piece of ``text`` (three characters at least) that has at
    most ``limit`` of them: a text holding ``text`` in any script holds one of these, so an
    index look-up of them finds every candidate. None when no such piece exists."""
    counts = [len(matching_chars(ch)) for ch in text[:200]]
    n = len(counts)
    for length in range(n, 2, -1):
        for i in range(n - length + 1):
            total = 1
            for c in counts[i : i + length]:
                total *= c
                if total > limit:
                    break
            if total <= limit:
                return spellings(text[i : i + length], limit)
    return None


def contains(haystack: str, needle: str) -> bool:
    """Is ``needle`` in ``haystack``, ignoring case and the Chinese script?"""
    return fold(needle.casefold()) in fold(haystack.casefold())
