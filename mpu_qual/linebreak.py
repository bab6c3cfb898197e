"""Line breaking for the terminal: Chinese and English in one text, every character drawn once.

The rules are those of Chinese and Japanese typesetting (W3C "Requirements for Chinese Text
Layout" 3.1.7, JIS X 4051 "kinsoku"): closing punctuation (，。、？！」）…) never starts a line,
an opening bracket or quote (「（《“) never ends one, a doubled ellipsis or dash (…… ——) stays
together, and an English word inside Chinese is never cut (a line breaks around a Chinese
character or after a space). Where a rule would be broken, one character (or a few, while the
rule still holds) moves down to the next line, as typesetting's "push out" does; only a line
with no allowed break point at all is cut where it is full.

Offsets are ``str`` indices into the source text; widths are terminal cells (a Chinese
character takes two).
"""

from __future__ import annotations

import re

from rich.cells import cell_len, split_graphemes

#: Characters that never start a line: closing brackets and quotes, full stops, commas,
#: colons, question and exclamation marks, the ideographic iteration mark, middle dots.
NO_LINE_START = frozenset(
    "，。、．,.：:；;！!？?）)」』】〕〗〙〛》〉］]｝}〞’”»›〟%％‰℃°・·ー々〻～"
    "\u2030\u2032\u2033"  # per mille, prime, double prime
)
#: Characters that never end a line: opening brackets and quotes, currency signs before
#: a number.
NO_LINE_END = frozenset("（(「『【〔〖〘〚《〈［[｛{〝‘“«‹$＄￥£€")
#: A pair of these (…… —— ⋯⋯) is one mark and is never split over two lines.
INSEPARABLE = frozenset("…‥⋯—―")

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0 and C1, but tab and newline


def drawn(text: str) -> str:
    """What the screen shows for a piece of a display line: a tab as one space, other control
    characters (a CRLF file's carriage returns) as nothing, everything else as it is."""
    text = text.replace("\t", " ")
    return _CONTROL.sub("", text) if _CONTROL.search(text) else text


def cells(text: str, start: int, end: int) -> int:
    """Cells that ``text[start:end]`` takes on screen (as the terminal draws it)."""
    return cell_len(drawn(text[start:end]))


def clusters(text: str, start: int, end: int) -> list[tuple[int, int, int]]:
    """(start, end, cells) of each character as the terminal draws it: a base character with
    its combining marks, variation selector or skin tone, or a whole ZWJ emoji sequence."""
    piece = text[start:end].replace("\t", " ")
    if piece.isascii() and not _CONTROL.search(piece):
        return [(i, i + 1, 1) for i in range(start, end)]
    spans, _total = split_graphemes(piece)
    return [(start + a, start + b, w) for a, b, w in spans]


def may_break_between(before: str, after: str) -> bool:
    """Do the line-breaking rules allow a line to end with ``before`` and the next to start
    with ``after`` (each one character)?"""
    if after in NO_LINE_START or before in NO_LINE_END:
        return False
    return not (before == after and before in INSEPARABLE)


def wrap_spans(text: str, start: int, end: int, width: int) -> list[tuple[int, int]]:
    """Split ``text[start:end]`` into lines of at most ``width`` cells.

    Breaks after spaces and around wide (CJK) characters, following the Chinese line-breaking
    rules above; hard-breaks a word longer than a line, never inside a character as drawn
    (a base and its marks, an emoji sequence), and ends a line at every newline (the newline
    itself belongs to no line). Returns (start, end) pairs; a line may go one cell over
    ``width`` only with the space it breaks after.
    """
    width = max(1, width)
    spans: list[tuple[int, int]] = []
    pos = start
    while True:
        nl = text.find("\n", pos, end)
        hard = end if nl == -1 else nl
        piece = text[pos:hard]
        if piece.isascii() and "\t" not in piece and not _CONTROL.search(piece):
            _wrap_ascii(text, pos, hard, width, spans)
        else:
            _wrap_clusters(text, pos, hard, width, spans)
        if nl == -1:
            return spans
        pos = nl + 1


def _wrap_ascii(text: str, pos: int, end: int, width: int, out: list[tuple[int, int]]) -> None:
    while end - pos > width:
        brk = text.rfind(" ", pos, pos + width + 1)
        nxt = brk + 1 if brk > pos else pos + width
        out.append((pos, nxt))
        pos = nxt
    out.append((pos, end))


def _wrap_clusters(text: str, pos: int, end: int, width: int, out: list[tuple[int, int]]) -> None:
    cl = clusters(text, pos, end)
    n = len(cl)
    if n == 0:
        out.append((pos, end))
        return
    first = [text[a] for a, _b, _w in cl]  # the base character of each cluster
    wide = [w == 2 for _a, _b, w in cl]
    # a wide character is a place to break before and after (Chinese, an emoji), except before
    # a keycap whose base is an ASCII digit or sign: "Règle1️⃣" is one word (UAX #14: AL × NU)
    keycap = [w == 2 and text[a].isascii() for a, _b, w in cl]

    def rules_allow(i: int) -> bool:  # a line may start at cluster i (after cluster i-1)
        return may_break_between(first[i - 1], first[i])

    def opportunity(i: int) -> bool:  # after a space, before or after a wide character
        return first[i - 1] in " \t" or wide[i - 1] or (wide[i] and not keycap[i])

    line = 0
    while True:
        used, j = 0, line
        while j < n and used + cl[j][2] <= width:
            used += cl[j][2]
            j += 1
        if j >= n:
            out.append((cl[line][0], end))
            return
        if j == line:  # one character wider than the line: it goes alone
            nxt = line + 1
        elif first[j] == " " and (j + 1 >= n or rules_allow(j + 1)):
            nxt = j + 1  # a space right after a full line ends it (in the caret's spare cell)
        else:
            nxt = next(
                (i for i in range(j, line, -1) if opportunity(i) and rules_allow(i)),
                0,
            ) or next((i for i in range(j, line, -1) if rules_allow(i)), j)
        if nxt >= n:
            out.append((cl[line][0], end))
            return
        out.append((cl[line][0], cl[nxt][0]))
        line = nxt


def wrap_lines(text: str, width: int) -> list[str]:
    """``text`` as the lines :func:`wrap_spans` makes (for printing to a terminal)."""
    return [drawn(text[a:b]).rstrip(" ") for a, b in wrap_spans(text, 0, len(text), width)]


def _wordy(ch: str) -> bool:
    """A character of a word written with spaces (Latin letters, digits): never cut inside."""
    return ch.isalnum() and cell_len(ch) == 1


def context_window(text: str, start: int, end: int, width: int) -> tuple[str, int, int]:
    """A window of ``text`` around ``text[start:end]`` that fits ``width`` cells on one line.

    The match stays in the middle; the context either side is cut between two Chinese
    characters or between words, never inside an English word or a drawn character, and a
    cut is marked with "…". Newlines and tabs become spaces (other characters are kept as
    stored: the display shows control characters). Returns (window, match start, match end), the match as indices into the window.
    """
    width = max(1, width)
    lo, hi = max(0, start - 4 * width), min(len(text), end + 4 * width)
    at_start, at_end = lo == 0, hi == len(text)
    # newlines and tabs as the spaces they are shown as (a newline is no cell to the
    # terminal's width function): the same length, so the offsets hold
    text = text[lo:hi].replace("\n", " ").replace("\t", " ")
    start, end = start - lo, end - lo
    if at_start and at_end and cell_len(text) <= width:  # all of it fits: nothing to cut
        return text, start, end
    match = text[start:end]
    if width - 2 < cell_len(match) <= width:  # no room for context and its "…"
        return match, 0, len(match)
    if cell_len(match) > width:
        cl = clusters(text, start, end)
        used, k = 0, 0
        while k < len(cl) and used + cl[k][2] <= width - 1:
            used += cl[k][2]
            k += 1
        head = text[start : cl[k][0] if k < len(cl) else end] + "…"
        return head, 0, len(head)
    before_cl = clusters(text, 0, start)
    after_cl = clusters(text, end, len(text))
    room = width - cell_len(match)
    left_room = room // 2
    right_need = sum(w for _a, _b, w in after_cl)
    left_need = sum(w for _a, _b, w in before_cl)
    if right_need < room - left_room:  # little text after the match: more room before it
        left_room = room - right_need
    elif left_need < left_room:
        left_room = left_need
    right_room = room - left_room

    # before the match: whole clusters backwards, one cell kept for "…" when cut
    a = start
    full = left_need <= left_room and at_start
    budget = left_room if full else left_room - 1
    used = 0
    for x, _y, w in reversed(before_cl):
        if used + w > budget:
            break
        used += w
        a = x
    cut_left = not (a == 0 and at_start)
    if cut_left and 0 < a < start and _wordy(text[a]) and _wordy(text[a - 1]):
        while a < start and _wordy(text[a]):  # a partial word: leave it out
            a += 1
        while a < start and text[a] == " ":
            a += 1
    # after the match
    b = end
    full = right_need <= right_room and at_end
    budget = right_room if full else right_room - 1
    used = 0
    for _x, y, w in after_cl:
        if used + w > budget:
            break
        used += w
        b = y
    cut_right = not (b == len(text) and at_end)
    if cut_right and end < b < len(text) and _wordy(text[b - 1]) and _wordy(text[b]):
        while b > end and _wordy(text[b - 1]):
            b -= 1
        while b > end and text[b - 1] == " ":
            b -= 1
    left = ("…" if cut_left else "") + text[a:start]
    right = text[end:b] + ("…" if cut_right else "")
    return left + match + right, len(left), len(left) + len(match)
