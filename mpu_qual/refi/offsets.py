"""Turn a REFI selection's positions into code-point offsets into the stored text.

The standard counts code points in the plain text, so a CRLF is two characters. Some tools
count a CRLF as one (they normalised line ends before counting), and some count UTF-16 code
units (an emoji is then two). When the text makes these readings differ, the selection names
(most tools store the selected text, sometimes shortened) decide: the reading under which
most names match the text wins; without names, the standard's reading is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from mpu_qual.refi.reader import RSelection

CODE_POINTS = "code points"
CRLF_AS_ONE = "code points, CRLF counted once"
UTF16 = "UTF-16 units"
_MIN_NAME = 3


def _crlf_table(text: str) -> list[int]:
    """Raw offset of each offset in the text with every CRLF counted once."""
    out: list[int] = []
    i = 0
    while i < len(text):
        out.append(i)
        i += 2 if text.startswith("\r\n", i) else 1
    out.append(len(text))
    return out


def _utf16_table(text: str) -> list[int]:
    """Raw offset of each UTF-16 unit offset (-1 inside a surrogate pair)."""
    out: list[int] = []
    for i, ch in enumerate(text):
        out.append(i)
        if ord(ch) > 0xFFFF:
            out.append(-1)
    out.append(len(text))
    return out


def _mapper(table: list[int]) -> Callable[[int], int | None]:
    def f(pos: int) -> int | None:
        if 0 <= pos < len(table) and table[pos] >= 0:
            return table[pos]
        return None

    return f


def readings(text: str) -> dict[str, Callable[[int], int | None]]:
    """The plausible readings for this text, each mapping a position to a raw offset."""
    out: dict[str, Callable[[int], int | None]] = {
        CODE_POINTS: lambda pos: pos if 0 <= pos <= len(text) else None,
    }
    if "\r\n" in text:
        out[CRLF_AS_ONE] = _mapper(_crlf_table(text))
    if any(ord(ch) > 0xFFFF for ch in text):
        out[UTF16] = _mapper(_utf16_table(text))
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
