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


_MD_ESCAPES = str.maketrans({"<": "&lt;", "[": "\\[", "]": "\\]", "`": "\\`"})


def docx_text(text: str) -> str:
    """Text for python-docx, which turns each CR and each LF into a line break: one per CRLF."""
    return xml_safe(text.replace("\r\n", "\n").replace("\r", "\n"))


def md_inline(text: str) -> str:
    """Text for Markdown: no HTML, links, images or code spans can come from a quote."""
    return text.translate(_MD_ESCAPES)


def md_cell(text: str) -> str:
    """Text for a Markdown table cell: escaped, pipes and newlines made harmless."""
    return md_inline(text).replace("|", "\\|").replace("\r\n", " ").replace("\n", " ")
