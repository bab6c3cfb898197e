"""Turn a REFI selection's positions into code-point offsets into the stored text.

The standard counts code points in the plain text, so a CRLF is two characters. Some tools
count a CRLF as one (they normalised line ends before counting), and some count UTF-16 code
units (an emoji is then two). When the text makes these readings differ, the selection names
(most tools store the selected text, sometimes shortened) decide: the reading under which
most names match the text wins; without names, the standard's reading is kept.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence

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


def choose_reading(
    text: str, selections: Sequence[RSelection]
) -> tuple[str, Callable[[int], int | None]]:
    """The reading that fits the selections best (the standard's one on a tie).

    Compared in order: names matching their text exactly, names matching up to white space,
    selections inside the text.
    """
    options = readings(text)
    if len(options) == 1:
        return CODE_POINTS, options[CODE_POINTS]
    best_name, best_score = CODE_POINTS, (-1, -1, -1)
    for name, f in options.items():
        in_range = exact = loose = 0
        for sel in selections:
            a, b = f(sel.start), f(sel.end)
            if a is None or b is None or a > b:
                continue
            in_range += 1
            if sel.name and len(_squash(sel.name)) >= _MIN_NAME:
                exact += _exact(sel.name, text[a:b])
                loose += _loose(sel.name, text[a:b])
        score = (exact, loose, in_range)
        if score > best_score:  # strictly better: a tie keeps the standard's reading (first)
            best_name, best_score = name, score
    return best_name, options[best_name]
