"""Make text safe for the container it goes into: spreadsheets, XML parts, Markdown.

Spreadsheet programs run a cell that starts with ``= + - @`` (or a tab / carriage return
in front of one) as a formula, so a quote could execute code on a colleague's machine
("CSV injection"). Such text cells get a leading apostrophe, the convention OWASP
recommends; the apostrophe is visible in the cell and tells the reader it was neutralised.
"""

from __future__ import annotations

import re

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Characters XML 1.0 forbids (python-docx and openpyxl refuse them).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def neutralise(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with ``'``; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def xml_safe(text: str) -> str:
    """Drop control characters XML cannot hold (they are never meaningful in a quote)."""
    return _XML_ILLEGAL.sub("", text)


# Markdown: characters that start inline markup anywhere (emphasis, code, links, HTML,
# entities, strikethrough, table cells) are backslash-escaped; ``<`` becomes
# an entity. At the start of a line, what would open a heading, a list, a block quote, a setext underline
# or an indented code block is escaped as well (issue 19: a quote "# heading" became one).
_MD_ESCAPES = str.maketrans(
    {
        "\\": "\\\\",
        "`": "\\`",
        "*": "\\*",
        "[": "\\[",
        "]": "\\]",
        "~": "\\~",
        "|": "\\|",
    }
)
_LINE_BREAKS = re.compile("(\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029])")
# What opens a block at a line's start: a heading ("# "), a list item ("- ", "+ ", "1. ",
# "1) "), a block quote (">"), a setext underline or thematic break (a line of "=" or "-").
_MD_LINE_START = re.compile(
    r"^([ \t]*)(?:(#{1,6}(?=[ \t]|$)|[+-](?=[ \t]|$)|>|=+[ \t]*$|-[- \t]*$)"
    r"|(\d{1,9})([.)])(?=[ \t]|$))"
)


# "_" only where it could open or close emphasis: "qa_compliance" stays as written.
_MD_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
# "&" only when it would start an entity ("&amp;", "&#60;"): "R&D" stays as written.
_MD_ENTITY = re.compile(r"&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};)")


def _md_line(line: str) -> str:
    line = _MD_UNDERSCORE.sub(r"\\_", line.translate(_MD_ESCAPES))
    line = _MD_ENTITY.sub(r"\\&", line).replace("<", "&lt;")
    m = _MD_LINE_START.match(line)
    if m:
        lead, mark, digits, dot = m.groups()
        rest = line[m.end() :]
        line = lead + ("\\" + mark if mark else digits + "\\" + dot) + rest
    # leading blanks would make an indented code block: keep them as entities
    stripped = line.lstrip(" \t")
    lead = line[: len(line) - len(stripped)]
    return lead.replace(" ", "&#32;").replace("\t", "&#9;") + stripped


def docx_text(text: str) -> str:
    """Text for python-docx, which turns each CR and each LF into a line break: one per CRLF."""
    return xml_safe(text.replace("\r\n", "\n").replace("\r", "\n"))


def md_inline(text: str) -> str:
    """Text for Markdown: no markup of any kind can come from a quote: no HTML, links,
    images, code, emphasis, headings, lists or block quotes; it reads as the text it is."""
    parts = _LINE_BREAKS.split(text)  # separators kept at the odd indices
    return "".join(part if i % 2 else _md_line(part) for i, part in enumerate(parts))


def md_cell(text: str) -> str:
    """Text for a Markdown table cell: escaped, pipes and newlines made harmless."""
    return md_inline(text.replace("\r\n", " ").replace("\n", " "))


# ----------------------------------------------------------------------------- terminal
# Stored text never reaches the terminal raw (issue 19: a transcript line holding
# "ESC ]0;TITLE BEL" retitled the terminal, "ESC [2J" cleared it). Control characters are
# shown as Unicode's control pictures (ESC as ␛, BEL as ␇); C1 controls (U+0080-U+009F, which
# some terminals obey as ESC sequences) and the bidirectional overrides and isolates (which
# make text read in another order than it is stored) as <U+XXXX>. Newline and tab pass; a
# CR of a CRLF line end is dropped, a lone CR (which would overwrite the line) is shown.
_TERMINAL = {c: chr(0x2400 + c) for c in range(0x20) if c not in (0x09, 0x0A)}
_TERMINAL[0x7F] = "\u2421"  # ␡
for _c in [*range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)]:
    _TERMINAL[_c] = f"<U+{_c:04X}>"
_TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_text(text: str) -> str:
    """Text as a terminal may show it: no character in it can control the terminal."""
    if not _TERMINAL_UNSAFE.search(text):
        return text
    return text.replace("\r\n", "\n").translate(_TERMINAL)


def json_terminal_safe(text: str) -> str:
    """JSON text (``json.dumps`` escapes C0 controls itself) with DEL, C1 controls and
    bidirectional overrides written as ``\\uXXXX`` escapes: the same data, nothing raw."""
    return _TERMINAL_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
