"""Turn a REFI selection's positions into code-point offsets into the stored text.

The standard counts code points in the plain text, so a CRLF is two characters. Some tools
count a CRLF as one (they normalised line ends before counting), and some count UTF-16 code
units (NVivo: an emoji, or any character outside the Basic Multilingual Plane, is then two).
When the text makes these readings differ, ``decide_reading`` weighs every signal the file
gives, strongest first:

1. a reading under which a selection starts or ends outside the text, between the two halves
   of a surrogate pair, or between the CR and LF of a line end is ruled out;
2. selection names (most tools store the selected text; NVivo writes ``name=""``): the
   reading under which more names match their text wins;
3. boundaries: a person selects whole words, lines and sentences, so the reading whose
   selections start and end inside words far more often is ruled out, and then the reading
   whose selections fall on line and sentence boundaries (Chinese has no spaces) far more
   often wins;
4. the exporting tool named in the project header (NVivo counts UTF-16 units; QualCoder,
   Taguette, qc and mpu-qual count code points).

When none of these tells, the import is refused with the first quote each reading gives, and
``--positions`` chooses.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mpu_qual.errors import MpuQualError
from mpu_qual.refi.reader import RSelection

CODE_POINTS = "code points"
CRLF_AS_ONE = "code points, CRLF counted once"
UTF16 = "UTF-16 units"
_MIN_NAME = 3


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _crlf_mapper(text: str) -> Callable[[int], int | None]:
    """Raw offset of an offset counted with every CRLF as one character (bisect: linear
    set-up in C, log-time look-ups, whatever the text's length)."""
    raws = [m.start() for m in re.finditer("\r\n", text)]
    collapsed = [r - k for k, r in enumerate(raws)]  # where each CRLF sits, counted once
    size = len(text) - len(raws)

    def f(pos: int) -> int | None:
        if not 0 <= pos <= size:
            return None
        return pos + bisect.bisect_left(collapsed, pos)

    return f


def _utf16_mapper(text: str) -> Callable[[int], int | None]:
    """Raw offset of a UTF-16 unit offset (None inside a surrogate pair)."""
    units = [m.start() + k for k, m in enumerate(_ASTRAL.finditer(text))]  # unit of each
    size = len(text) + len(units)

    def f(pos: int) -> int | None:
        if not 0 <= pos <= size:
            return None
        k = bisect.bisect_left(units, pos)  # astral characters wholly before ``pos``
        if k and units[k - 1] + 1 == pos:
            return None  # between the two halves of a surrogate pair
        return pos - k

    return f


def readings(text: str) -> dict[str, Callable[[int], int | None]]:
    """The plausible readings for this text, each mapping a position to a raw offset."""
    out: dict[str, Callable[[int], int | None]] = {
        CODE_POINTS: lambda pos: pos if 0 <= pos <= len(text) else None,
    }
    if "\r\n" in text:
        out[CRLF_AS_ONE] = _crlf_mapper(text)
    if _ASTRAL.search(text):
        out[UTF16] = _utf16_mapper(text)
    return out


def _squash(s: str) -> str:
    return " ".join(s.split())


def _exact(name: str, span: str) -> bool:
    n = name.removesuffix("…").removesuffix("...")
    return span == name or (len(n) >= 10 and n != name and span.startswith(n))


def _loose(name: str, span: str) -> bool:
    """Equal up to white space (some tools store names with line ends flattened)."""
    n, t = _squash(name).removesuffix("…").removesuffix("..."), _squash(span)
    return bool(n) and (t == n or (len(n) >= 10 and t.startswith(n)))


# What mpu-qual's own export adds to ``origin`` when asked for NVivo's counting.
UTF16_ORIGIN_NOTE = "positions in UTF-16 units"


def utf16_units(text: str) -> Callable[[int], int]:
    """The UTF-16 unit offset of a code-point offset into ``text`` (for ``export qdpx
    --positions utf-16``)."""
    astral = [m.start() for m in _ASTRAL.finditer(text)]
    return lambda pos: pos + bisect.bisect_left(astral, pos)


# What ``--positions`` accepts, and the reading each names.
POSITION_CHOICES = {"code-points": CODE_POINTS, "utf-16": UTF16, "crlf-once": CRLF_AS_ONE}
# Tools whose way of counting is known (matched in the project's ``origin``, lower case).
TOOL_READINGS = (
    (UTF16_ORIGIN_NOTE, UTF16, "the exporting program says it counts UTF-16 units"),
    ("nvivo", UTF16, "NVivo counts positions in UTF-16 units"),
    ("qualcoder", CODE_POINTS, "QualCoder counts code points"),
    ("taguette", CODE_POINTS, "Taguette counts code points"),
    ("mpu-qual", CODE_POINTS, "mpu-qual counts code points"),
    ("qualitative-coding", CODE_POINTS, "qc counts code points"),
)


@dataclass
class Evidence:
    """How the selections fare under one reading."""

    spans: list[tuple[int, int] | None]
    impossible: int = 0  # outside the text or inside a surrogate pair (mapper says None)
    crlf_split: int = 0  # an end between CR and LF
    named: int = 0
    exact: int = 0
    loose: int = 0
    mid_word: int = 0  # ends between two letters or digits of a word
    aligned: int = 0  # ends at a line's or a sentence's start or end

    @property
    def valid(self) -> bool:
        return not self.impossible and not self.crlf_split


@dataclass
class Reading:
    """The reading chosen for one source, and why (for the import report)."""

    name: str
    f: Callable[[int], int | None]
    why: str = ""


def _inside_word(text: str, pos: int) -> bool:
    if not 0 < pos < len(text):
        return False
    a, b = text[pos - 1], text[pos]
    return a.isascii() and b.isascii() and a.isalnum() and b.isalnum()


_SENTENCE_END = set("。！？!?.；;")


def _at_start(text: str, pos: int) -> bool:
    before = text[:pos].rstrip(" \t\u3000")
    return not before or before[-1] in "\n\r" or before[-1] in _SENTENCE_END


def _at_end(text: str, pos: int) -> bool:
    return pos >= len(text) or text[pos] in "\r\n" or (pos > 0 and text[pos - 1] in _SENTENCE_END)


def evidence(
    text: str, selections: Sequence[RSelection], f: Callable[[int], int | None]
) -> Evidence:
    ev = Evidence(spans=[])
    for sel in selections:
        a, b = f(sel.start), f(sel.end)
        if a is None or b is None or a > b:
            ev.impossible += 1
            ev.spans.append(None)
            continue
        ev.spans.append((a, b))
        ev.crlf_split += sum(text[p - 1 : p + 1] == "\r\n" for p in {a, b} if p > 0)
        ev.mid_word += _inside_word(text, a) + _inside_word(text, b)
        ev.aligned += _at_start(text, a) + _at_end(text, b)
        if sel.name and len(_squash(sel.name)) >= _MIN_NAME:
            ev.named += 1
            ev.exact += _exact(sel.name, text[a:b])
            ev.loose += _loose(sel.name, text[a:b])
    return ev


class PositionsUnclear(MpuQualError):
    """The readings give different quotes and nothing in the file tells which is right."""


def _quote(text: str, span: tuple[int, int] | None) -> str:
    if span is None:
        return "(outside the text)"
    q = _squash(text[span[0] : span[1]])
    return f'"{q[:50]}…"' if len(q) > 50 else f'"{q}"'


def _refuse(
    text: str, options: dict[str, Evidence], label: str, where: str | None
) -> PositionsUnclear:
    names = list(options)
    first = next(
        (
            i
            for i in range(len(options[names[0]].spans))
            if len({str(options[n].spans[i]) for n in names}) > 1
        ),
        0,
    )
    by_name = {v: k for k, v in POSITION_CHOICES.items()}
    listing = "\n".join(
        f"    --positions {by_name[n]:<12} {_quote(text, options[n].spans[first])}" for n in names
    )
    return PositionsUnclear(
        f"{label}: cannot tell how the selection positions are counted (the file names no tool "
        f"whose counting is known, and the quotes do not say); nothing was imported. "
        f"Selection {first + 1} reads as:\n{listing}",
        path=where,
        hint="Import it again with the --positions whose quote is right.",
    )


def decide_reading(
    text: str,
    selections: Sequence[RSelection],
    *,
    origin: str = "",
    choice: str | None = None,
    label: str = "source",
    where: str | None = None,
    strict: bool = True,
) -> Reading:
    """The reading of one source's positions (see the module's docstring for the order).

    ``choice`` is a ``--positions`` value; ``strict=False`` keeps the standard's reading
    where the evidence does not tell, instead of refusing.
    """
    options = readings(text)
    if choice is not None and choice != "auto":
        wanted = POSITION_CHOICES[choice]
        if wanted in options:
            return Reading(wanted, options[wanted], f"--positions {choice}")
        return Reading(CODE_POINTS, options[CODE_POINTS], "")  # the readings agree here
    if len(options) == 1:
        return Reading(CODE_POINTS, options[CODE_POINTS])
    ev = {name: evidence(text, selections, f) for name, f in options.items()}
    if len({tuple(e.spans) for e in ev.values()}) == 1:
        return Reading(CODE_POINTS, options[CODE_POINTS])  # no selection tells them apart
    alive = {n: e for n, e in ev.items() if e.valid} or ev
    # Readings that place every selection alike are one reading here (UTF-16 units equal code
    # points before the first emoji): keep the first, so that a tie between twins never hides
    # what tells the real alternatives apart.
    twin_of: dict[str, str] = {}
    for n in list(alive):
        first = next(k for k in alive if alive[k].spans == alive[n].spans)
        if first != n:
            twin_of[n] = first
            del alive[n]
    if len(alive) == 1:
        (name,) = alive
        others = ", ".join(
            f"as {n}, {ev[n].impossible + ev[n].crlf_split} of {len(selections)}"
            for n in ev
            if n not in alive and n not in twin_of
        )
        why = f"the only reading where every selection starts and ends on a character ({others} would not)"
        return Reading(name, options[name], why)
    # Names: the reading under which clearly more of them match their text.
    ranked = sorted(alive, key=lambda n: (alive[n].exact, alive[n].loose), reverse=True)
    top, second = alive[ranked[0]], alive[ranked[1]]
    if (top.exact, top.loose) > (second.exact, second.loose) and top.loose:
        why = f"{top.loose} of {top.named} selection names match the text under it"
        return Reading(ranked[0], options[ranked[0]], why)
    # Word boundaries: people select whole words; a shifted reading cuts words.
    by_cut = sorted(alive, key=lambda n: alive[n].mid_word)
    least, next_ = alive[by_cut[0]].mid_word, alive[by_cut[1]].mid_word
    if (least == 0 and next_ >= 2) or (next_ >= 3 and least * 4 <= next_):
        why = f"{least} selection ends fall inside a word under it, {next_} as {by_cut[1]}"
        return Reading(by_cut[0], options[by_cut[0]], why)
    # Lines and sentences: people select whole ones, in Chinese as much as in English.
    by_line = sorted(alive, key=lambda n: alive[n].aligned, reverse=True)
    most, then = alive[by_line[0]].aligned, alive[by_line[1]].aligned
    if most >= 2 and most >= 3 * then + 2:
        why = (
            f"{most} selection ends fall on a line or sentence boundary under it, {then} as "
            f"{by_line[1]}"
        )
        return Reading(by_line[0], options[by_line[0]], why)
    tool = origin.casefold()
    for key, name, says in TOOL_READINGS:
        if name == UTF16 and UTF16 not in options:
            name = CODE_POINTS  # no character outside the BMP: UTF-16 units are code points
        name = twin_of.get(name, name)
        if key in tool and name in alive:
            return Reading(name, options[name], f"{says} (the file says: {origin})")
    if not strict:
        best = CODE_POINTS if CODE_POINTS in alive else ranked[0]
        return Reading(best, options[best], "no evidence either way; the standard's reading")
    raise _refuse(text, alive, label, where)


def choose_reading(
    text: str, selections: Sequence[RSelection], origin: str = ""
) -> tuple[str, Callable[[int], int | None]]:
    """The reading that fits the selections best; the standard's one where nothing tells."""
    r = decide_reading(text, selections, origin=origin, strict=False)
    return r.name, r.f
