"""Replace real names with participant labels in everything an export writes.

The stored transcript never changes: pseudonymisation is applied to the text on its way
out. Names come from two places: each participant's ``name`` (replaced by the participant's
label) and an optional pseudonym list (``pseudonyms.yaml`` in the project folder, or a file
given with ``--pseudonyms``) for anyone else: colleagues, companies, places. The list and the
name-to-label map are read here and never written into any export.

Matching is case-insensitive and by whole word. A Chinese name has no spaces around it, so
its Chinese ends need no word boundary ("陳大文話" still matches 陳大文); a Latin end must not
touch another Latin letter or digit ("Tai Man" never matches inside "Taiman"), but may touch a
Chinese character, as in code-switched Cantonese ("我同Peter講"), or an underscore, as in a
file name ("fg_Peter_2024"). Between the parts of a name any run of spaces, hyphens, dashes,
commas, full stops, underscores or middle dots matches any other: "Chan Tai Man" also finds
"Chan-Tai-Man", "Chan, Tai Man", "CHAN Tai-man" and "interview-chan-tai-man". Parts written
together ("Chan Taiman"), nicknames, English names and other romanisations are different
strings and must be listed (README, "Pseudonymised exports").

Names are matched after folding both the name and the text the same way (issue 19): Unicode
NFKC (full-width ``Ｃｈａｎ`` is ``Chan``), case, accents (``José`` written with a combining
accent, or without one), apostrophes (’ ‘ ʼ ＇ as ') and hyphens (‐ – — − － as -); soft hyphens
and zero-width characters are ignored. The match is found in the folded text and replaced in
the original, so what is not a name is written exactly as stored; the stored text never
changes. Speaker labels that are people's names (a meeting tool writes "Peter Chan" as the
speaker) are names too: each is replaced by a neutral label (P1, P2 ...).
"""

from __future__ import annotations

import bisect
import csv
import functools
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from mpu_qual.errors import MpuQualError
from mpu_qual.fileio import read_small_text

if TYPE_CHECKING:
    from mpu_qual.store import Project

PSEUDONYMS_FILE = "pseudonyms.yaml"
MAX_LIST_BYTES = 1024 * 1024
DEFAULT_LABEL = "[name]"
NAME_SEPARATORS = re.compile(r"\s*[;|／/、]\s*")

_CJK = (
    "\u2e80-\u2fff\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f"
)
_CJK_RE = re.compile(f"[{_CJK}]")
# A "word" character that is not CJK: Latin letters, digits, other scripts (not "_": file
# names join words with it).
_LATIN_WORD = f"[^\\W_{_CJK}]"
# What may stand between the parts of a name, in the list or in the text.
_PART_SEP = "\\s\\-\u2010-\u2015\u2212_.,\uff0c\u00b7\u30fb"
_PARTS_RE = re.compile(f"[{_PART_SEP}]+")


# ----------------------------------------------------------------------------- folding
_FOLD_PUNCT = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201b\u2032\u02bc\u02bb\u02bd\u00b4\uff07", "'"),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
        **dict.fromkeys("\u00ad\u200b\u200c\u200d\u2060\ufeff", ""),
    }
)


@functools.lru_cache(maxsize=65536)
def _fold_unit(unit: str) -> str:
    """One character with its combining marks, folded: NFKC, accents off (not for CJK, where
    the marks are part of the letter), case-folded, apostrophes and hyphens made one."""
    text = unicodedata.normalize("NFKC", unit)
    if text and not _is_cjk(text[0]):
        bare = "".join(
            c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
        )
        text = unicodedata.normalize("NFKC", bare)
    return text.casefold().translate(_FOLD_PUNCT)


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def fold(text: str) -> tuple[str, list[int] | None]:
    """The folded text, and for each of its characters where it starts in ``text`` (plus
    the length of ``text`` at the end); None when folding kept every position (ASCII)."""
    if text.isascii():
        return text.lower(), None
    out: list[str] = []
    where: list[int] = []
    pos = 0
    for run in _NON_ASCII.finditer(text):
        a, b = run.span()
        if a > pos and unicodedata.combining(text[a]):
            a -= 1  # the ASCII letter that the accent sits on goes with it
        if a > pos:  # ASCII: folded by lower(), one character for one
            out.append(text[pos:a].lower())
            where.extend(range(pos, a))
        i = a
        while i < b:
            j = i + 1
            while j < b and unicodedata.combining(text[j]):
                j += 1
            folded = _fold_unit(text[i:j])
            out.append(folded)
            where.extend([i] * len(folded))
            i = j
        pos = b
    if pos < len(text):
        out.append(text[pos:].lower())
        where.extend(range(pos, len(text)))
    where.append(len(text))
    return "".join(out), where


def _original_span(where: list[int] | None, start: int, end: int) -> tuple[int, int]:
    """The span of ``text`` that folded to [start, end): whole characters with their marks."""
    if where is None:
        return start, end
    o_start = where[start]
    o_end = where[end]  # where[-1] is len(text): always there
    if end > 0 and where[end - 1] == o_end:  # ends inside a unit that folded to several
        k = end
        while where[k] == o_end:
            k += 1
        o_end = where[k]
    return o_start, o_end


def _is_cjk(ch: str) -> bool:
    return bool(_CJK_RE.match(ch))


def _parts(name: str) -> list[str]:
    return [p for p in _PARTS_RE.split(name) if p]


def _key(name: str) -> str:
    """How a name is looked up: case-folded, any separators between its parts as one space."""
    return " ".join(_parts(name)).casefold()


@functools.cache
def _converters() -> tuple:
    """OpenCC converters (loading one reads its dictionaries: do it once)."""
    try:
        import opencc  # optional extra "chinese"
    except ImportError:
        return ()
    out = []
    for config in ("t2s", "s2t", "s2hk", "hk2s"):
        try:
            out.append(opencc.OpenCC(config))
        except Exception:  # a config missing from this OpenCC build
            continue
    return tuple(out)


def _variants(name: str) -> set[str]:
    """The name plus its Traditional/Simplified twin when OpenCC is installed."""
    out = {name}
    if _CJK_RE.search(name):
        out.update(c.convert(name) for c in _converters())
    return out


def _pattern_for(name: str) -> str:
    body = f"[{_PART_SEP}]+".join(re.escape(part) for part in _parts(name))
    left = "" if _is_cjk(name[0]) else f"(?<!{_LATIN_WORD})"
    right = "" if _is_cjk(name[-1]) else f"(?!{_LATIN_WORD})"
    return f"{left}{body}{right}"


@dataclass
class OffsetMap:
    """Maps offsets in the original text to offsets in the pseudonymised text."""

    # (old_start, old_end, new_start, new_end) of each replacement, in text order
    spans: list[tuple[int, int, int, int]] = field(default_factory=list)

    def map(self, pos: int, *, side: str = "start") -> int:
        """New offset of ``pos``; inside a replaced name, snap to its start or end."""
        i = bisect.bisect_right([s[0] for s in self.spans], pos) - 1
        if i < 0:
            return pos
        old_s, old_e, new_s, new_e = self.spans[i]
        if pos == old_s:
            return new_s
        if pos < old_e:
            return new_s if side == "start" else new_e
        return pos + (new_e - old_e)


class Pseudonymiser:
    """Replaces every known name in a text with its label."""

    def __init__(self, names: Mapping[str, str], given_names: Mapping[str, str] | None = None):
        """``names``: name -> label. ``given_names``: first names alone (of speakers whose
        label is their name), replaced only where written with a capital ("Peter said", not
        "we may"), since a first name is often an ordinary word too."""
        self._labels: dict[str, str] = {}
        self._capitalised: set[str] = set()
        listed = {_key(fold(str(n))[0]) for n in names}
        merged = dict(names)
        for name, label in (given_names or {}).items():
            key = _key(fold(name)[0])
            if key and key not in listed:
                self._capitalised.add(key)
                merged.setdefault(name, label)
        originals: dict[str, str] = {}
        for name, label in merged.items():
            name = " ".join(_parts(fold(str(name))[0]))
            if not name:
                continue
            for variant in _variants(name):
                variant = fold(variant)[0]
                self._labels.setdefault(_key(variant), str(label))
                originals.setdefault(variant, variant)
        alternatives = sorted(originals, key=lambda k: (-len(k), k))
        self._pattern = (
            re.compile("|".join(_pattern_for(k) for k in alternatives), re.IGNORECASE)
            if alternatives
            else None
        )

    def __bool__(self) -> bool:
        return self._pattern is not None

    def __repr__(self) -> str:  # never show the names themselves (logs, tracebacks)
        return f"<Pseudonymiser {len(self._labels)} names>"

    def _label(self, match: re.Match[str]) -> str:
        return self._labels.get(_key(match.group(0)), DEFAULT_LABEL)

    def _matches(self, text: str) -> Iterable[tuple[int, int, str]]:
        """(start, end, label) of each name in ``text``: found in the folded text, given as
        spans of ``text`` itself, in order, never overlapping."""
        if self._pattern is None or not text:
            return
        folded, where = fold(text)
        last = 0
        for m in self._pattern.finditer(folded):
            start, end = _original_span(where, m.start(), m.end())
            if start < last or end <= start:
                continue
            if self._capitalised and _key(m.group(0)) in self._capitalised:
                if not (text[start].isupper() or _is_cjk(text[start])):
                    continue
            last = end
            yield start, end, self._label(m)

    def apply(self, text: str) -> str:
        """``text`` with every listed name replaced by its label."""
        return self.apply_with_offsets(text)[0] if self._pattern is not None else text

    def apply_with_offsets(self, text: str) -> tuple[str, OffsetMap]:
        """Like ``apply``, plus the map that moves coding offsets into the new text."""
        if self._pattern is None:
            return text, OffsetMap()
        out: list[str] = []
        spans: list[tuple[int, int, int, int]] = []
        last = 0
        new_pos = 0
        for start, end, label in self._matches(text):
            out.append(text[last:start])
            new_pos += start - last
            spans.append((start, end, new_pos, new_pos + len(label)))
            out.append(label)
            new_pos += len(label)
            last = end
        out.append(text[last:])
        return "".join(out), OffsetMap(spans)


def split_names(value: str | None) -> list[str]:
    """A participant's name field may hold several forms: 'Chan Tai Man; 陳大文'."""
    if not value:
        return []
    return [n for n in NAME_SEPARATORS.split(value.strip()) if n.strip()]


def load_pseudonym_list(path: str | Path) -> dict[str, str]:
    """Read a pseudonym list: YAML (mapping name: label, or a list) or CSV (name,label).

    A name listed without a label is replaced by ``[name]``.
    """
    p = Path(path)
    text = read_small_text(p, "pseudonym list", max_bytes=MAX_LIST_BYTES)
    if p.suffix.lower() in (".csv", ".tsv"):
        return _parse_csv(text, p)
    return _parse_yaml(text, p)


def _parse_csv(text: str, path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    for lineno, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), 1):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        if lineno == 1 and [c.strip().lower() for c in row[:2]] == ["name", "label"]:
            continue
        if len(row) > 2:
            raise MpuQualError("expected two columns: name,label", path=path, line=lineno)
        name = row[0].strip()
        label = row[1].strip() if len(row) > 1 and row[1].strip() else DEFAULT_LABEL
        if not name:
            raise MpuQualError("the name column is empty", path=path, line=lineno)
        out[name] = label
    return out


def _parse_yaml(text: str, path: Path) -> dict[str, str]:
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise MpuQualError(
            f"YAML syntax error: {exc.problem}",
            path=path,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise MpuQualError(f"YAML error: {exc}", path=path) from None
    if data is None:
        return {}
    if isinstance(data, dict) and set(data) == {"names"}:
        data = data["names"]
    out: dict[str, str] = {}
    if isinstance(data, dict):
        items: Iterable[tuple[object, object]] = data.items()
    elif isinstance(data, list):
        items = []
        for i, entry in enumerate(data, 1):
            if isinstance(entry, str):
                items.append((entry, None))
            elif isinstance(entry, dict) and "name" in entry:
                items.append((entry["name"], entry.get("label")))
            else:
                raise MpuQualError(
                    f"entry {i}: use a name, or a mapping with 'name' and 'label'",
                    path=path,
                    field="names",
                )
    else:
        raise MpuQualError(
            "a pseudonym list maps names to labels",
            path=path,
            hint="Write lines like  'Chan Tai Man: IL1'.",
        )
    for name, label in items:
        if not isinstance(name, (str, int)) or not str(name).strip():
            raise MpuQualError(f"names must be text, got {name!r}", path=path)
        if label is not None and not isinstance(label, (str, int)):
            raise MpuQualError(f"the label of '{name}' must be text", path=path)
        out[str(name).strip()] = str(label).strip() if label is not None else DEFAULT_LABEL
    return out


# Speaker labels that name a role or a number, not a person.
_ROLE_WORDS = (
    "speaker|moderator|interviewer|interviewee|facilitator|co-facilitator|note-?taker|host|"
    "co-host|guest|participant|respondent|attendee|observer|unknown|other|audience|panel|"
    "panellist|panelist|chair|presenter|member|voice|person|male|female|man|woman|"
    "all|several|group|everyone|mod|int|resp|fac|"
    "主持人|主持|主席|訪問員|訪問者|訪談員|受訪者|參與者|參加者|講者|發言人|觀察員|記錄員|未知|其他|眾人|男|女"
)
_ROLE_LABEL = re.compile(
    f"^(?:(?:{_ROLE_WORDS})(?:[\\s_#-]*(?:{_ROLE_WORDS}))*(?:[\\s_#-]*(?:\\d+|[a-z]))?"
    f"|[a-z]{{1,4}}[\\s_-]?\\d{{1,4}}|\\d+|[a-z])$",
    re.IGNORECASE,
)


def label_is_name(label: str) -> bool:
    """Does a speaker label look like a person's name ("Peter Chan", "陳大文") rather than a
    role or a code ("IL1", "Moderator", "Speaker 2", "SPEAKER_00", "主持人")?"""
    text = " ".join(_parts(fold(label)[0]))
    if not text or not any(ch.isalpha() for ch in text):
        return False
    return _ROLE_LABEL.match(text) is None


def project_pseudonymiser(project: Project, list_path: str | Path | None = None) -> Pseudonymiser:
    """Participants' names (to their labels) plus the project's or the given pseudonym list.

    A participant label that is a person's name (as meeting tools write speakers: "Peter
    Chan") is a name too, replaced by P1, P2 ... when no name was set for that participant,
    or when the label is one of that participant's names.
    """
    names: dict[str, str] = {}
    default = project.folder / PSEUDONYMS_FILE
    if list_path is not None:
        names.update(load_pseudonym_list(list_path))
    elif default.exists():
        names.update(load_pseudonym_list(default))
    participants = project.participants.list()
    taken = {_key(p.label) for p in participants}
    counter = 0

    def neutral_label() -> str:
        nonlocal counter
        while True:
            counter += 1
            if _key(f"P{counter}") not in taken:
                return f"P{counter}"

    given: dict[str, str] = {}
    for p in participants:
        own = split_names(p.name)
        label = p.label
        if label_is_name(label) and (not own or _key(label) in {_key(n) for n in own}):
            label = neutral_label()
            names[p.label] = label
            parts = _parts(fold(p.label)[0])
            if len(parts) > 1 and not _is_cjk(parts[0][0]) and len(parts[0]) >= 3:
                given[_parts(p.label)[0]] = label  # "Peter" of "Peter Chan", capitalised
        for name in own:
            names[name] = label  # a participant's own name always maps to their label
    return Pseudonymiser(names, given)
