"""Compiled rules: which sector, role and skill terms an ad belongs to, and why.

Compiled once per rules file. English patterns become word-bounded regular expressions that
start with a literal (so Python's fast literal search does the scanning); Chinese patterns are
plain substrings tried in Traditional and Simplified spelling. Titles and industry labels repeat
a lot across a million ads, so their answers are cached.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from mpu_qual.errors import MpuQualError
from mpu_qual.evidence.rules import Rules
from mpu_qual.evidence.text import fold, has_cjk

_SEP = r"[\s\-_/.]*"
_WORD_CHARS = "[a-z0-9]"


@dataclass(frozen=True)
class RoleMatch:
    """The role a title falls in; ``rule`` is the 1-based rule index, None for 'other'."""

    role: str
    rule: int | None
    pattern: str | None
    folded: str


@dataclass(frozen=True)
class SectorMatch:
    """The sector an industry label maps to; ``how`` is 'label' or 'contains'."""

    sector: str
    how: str
    pattern: str


@lru_cache(maxsize=4)
def _converters() -> tuple[Callable[[str], str], ...]:
    """Traditional/Simplified converters; none without the optional OpenCC package."""
    try:
        import opencc
    except ImportError:  # pragma: no cover - the 'chinese' extra is not installed
        return ()
    return tuple(opencc.OpenCC(cfg).convert for cfg in ("t2s", "s2hk", "s2t"))


def cjk_variants(text: str) -> set[str]:
    """The text in Traditional (HK) and Simplified spelling, so either matches."""
    out = {text}
    if has_cjk(text):
        for conv in _converters():
            out.add(conv(text))
    return out


def _word_regex(pattern: str, *, plural: bool) -> re.Pattern[str] | None:
    """Whole-word regex for an English pattern; None when it folds to nothing."""
    words = fold(pattern).split()
    if not words:
        return None
    parts: list[str] = []
    for i, word in enumerate(words):
        star = word.endswith("*")
        word = word.rstrip("*")
        if not word:
            raise ValueError(f"'{pattern}': '*' must follow letters")
        piece = re.escape(word)
        if i == 0 and word[0].isascii() and word[0].isalnum():
            # Checked after the literal so the regex engine can scan for it quickly.
            piece += f"(?<!{_WORD_CHARS}{re.escape(word)})"
        if star:
            piece += f"{_WORD_CHARS}*"
        elif plural and i == len(words) - 1 and word[-1].isascii() and word[-1].isalpha():
            piece += "s?"
        parts.append(piece)
    last = words[-1].rstrip("*")[-1]
    tail = f"(?!{_WORD_CHARS})" if last.isascii() and last.isalnum() else ""
    return re.compile(_SEP.join(parts) + tail)


class _Matcher:
    """English word patterns and Chinese substrings, checked against folded text.

    Stored flat as (pattern, needle, regex): the needle is a plain substring that must be in
    the text (cheap to test); the regex, when there is one, then checks word boundaries.
    """

    def __init__(
        self, en: tuple[str, ...], zh: tuple[str, ...], *, plural: bool, what: str
    ) -> None:
        self.items: list[tuple[str, str, re.Pattern[str] | None]] = []
        for p in en:
            if has_cjk(p):
                self._substrings(p, what, "en")
                continue
            try:
                rx = _word_regex(p, plural=plural)
            except ValueError as exc:
                raise MpuQualError(f"{what}: {exc}", field="en") from None
            if rx is None:
                raise MpuQualError(f"{what}: pattern '{p}' is only punctuation", field="en")
            longest = max((w.rstrip("*") for w in fold(p).split()), key=len)
            self.items.append((p, longest, rx))
        for p in zh:
            self._substrings(p, what, "zh")

    def _substrings(self, p: str, what: str, fld: str) -> None:
        needles = sorted({fold(v) for v in cjk_variants(p)} - {""})
        if not needles:
            raise MpuQualError(f"{what}: pattern '{p}' is empty after folding", field=fld)
        self.items += [(p, n, None) for n in needles]

    def first(self, text: str) -> str | None:
        """The first pattern (in file order) found in ``text``."""
        for pattern, needle, rx in self.items:
            if needle in text and (rx is None or rx.search(text)):
                return pattern
        return None


class Classifier:
    """Rules compiled for fast, explainable matching."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self._roles: list[tuple[int, str, _Matcher]] = [
            (r.index, r.role, _Matcher(r.en, r.zh, plural=True, what=f"roles rule {r.index}"))
            for r in rules.role_rules
        ]
        self._terms: list[tuple[str, _Matcher]] = [
            (t.term, _Matcher(t.en, t.zh, plural=False, what=f"skill '{t.term}'"))
            for t in rules.terms
        ]
        self._exact: dict[str, tuple[str, str]] = {}
        contains: list[tuple[int, int, str, str, re.Pattern[str] | None, tuple[str, ...]]] = []
        for order, s in enumerate(rules.sectors):
            for label in s.labels:
                for v in cjk_variants(label):
                    self._exact.setdefault(fold(v), (s.label, label))
            for frag in s.contains:
                if has_cjk(frag):
                    needles = tuple(fold(v) for v in cjk_variants(frag))
                    contains.append((-len(fold(frag)), order, s.label, frag, None, needles))
                else:
                    rx = _word_regex(frag, plural=False)
                    if rx is not None:
                        contains.append((-len(fold(frag)), order, s.label, frag, rx, ()))
        contains.sort(key=lambda c: (c[0], c[1]))
        self._contains = contains
        self.role_for = lru_cache(maxsize=200_000)(self._role_for)
        self.sector_for = lru_cache(maxsize=50_000)(self._sector_for)

    def _role_for(self, title: str) -> RoleMatch:
        folded = fold(title)
        for index, role, matcher in self._roles:
            hit = matcher.first(folded)
            if hit is not None:
                return RoleMatch(role, index, hit, folded)
        return RoleMatch(self.rules.other.label, None, None, folded)

    def _sector_for(self, industry: str) -> SectorMatch | None:
        folded = fold(industry)
        if not folded:
            return None
        exact = self._exact.get(folded)
        if exact is not None:
            return SectorMatch(exact[0], "label", exact[1])
        for _neg, _order, sector, frag, rx, needles in self._contains:
            if rx is not None:
                if rx.search(folded):
                    return SectorMatch(sector, "contains", frag)
            elif any(n in folded for n in needles):
                return SectorMatch(sector, "contains", frag)
        return None

    def terms_in(self, description: str) -> list[str]:
        """Skill terms the description mentions (each once), in rules order."""
        if not description:
            return []
        text = unicodedata.normalize("NFKC", description).casefold()
        return [term for term, matcher in self._terms if matcher.first(text) is not None]

    def term_hit(self, term: str, description: str) -> str | None:
        """Which pattern of ``term`` the description mentions (for explanations)."""
        text = unicodedata.normalize("NFKC", description).casefold()
        for t, matcher in self._terms:
            if t == term:
                return matcher.first(text)
        return None
