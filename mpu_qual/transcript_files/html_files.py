"""HTML transcripts (noScribe's own format): each ``<p>`` is a paragraph of plain text.

The paragraphs are read with the standard library's tolerant HTML parser (no entities are
fetched, no scripts run); ``parsers`` then reads the lines like a plain-text transcript, so noScribe's
``S01: [00:00:12] text`` turns and its preamble come out the same from HTML and TXT.
"""

from __future__ import annotations

from html.parser import HTMLParser

_BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "body"}
_SKIP = {"style", "script", "head", "title"}


class _Paragraphs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._cur: list[str] = []
        self._skip = 0

    def _flush(self) -> None:
        text = "".join(self._cur)
        self._cur = []
        lines = [" ".join(line.split()) for line in text.split("\n")]
        lines = [line for line in lines if line]
        if lines:
            self.paragraphs.append("\n".join(lines))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip += 1
        elif tag == "br":
            self._cur.append("\n")
        elif tag in _BLOCKS:
            self._flush()
        elif tag == "a" and any(k == "name" and (v or "").startswith("ts_") for k, v in attrs):
            # noScribe's timed pieces ("...herrlich.</a><a name="ts_..">// Ich") read with a
            # space between them, as noScribe's own TXT export writes them.
            if self._cur and not self._cur[-1][-1:].isspace():
                self._cur.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._cur.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._cur.append(data.replace("\n", " "))


def html_paragraphs(text: str) -> list[str]:
    """The text of each block element, ``<br>`` kept as a line break."""
    parser = _Paragraphs()
    parser.feed(text)
    parser.close()
    parser._flush()
    return parser.paragraphs


def html_lines(text: str) -> list[str]:
    """The document as plain-text lines, a blank line after each paragraph: paragraphs are
    turns, as in a plain-text transcript (the caller parses the lines like one)."""
    lines: list[str] = []
    for para in html_paragraphs(text):
        lines.extend(para.split("\n"))
        lines.append("")
    return lines
