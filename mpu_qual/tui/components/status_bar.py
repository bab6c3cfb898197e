"""The status line: where the caret is (segment, time, speaker, group), then one reserved
line for messages and the recent codes.

A component: its inputs are ``show(where, recent, mode)`` (where the caret is, as a ``Caret``,
or a sentence) and ``set_message``; it posts nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.cells import cell_len
from rich.errors import MarkupError
from rich.text import Text
from textual.widgets import Static

SEVERITY_STYLE = {"error": "bold red", "warning": "bold yellow", "information": "bold green"}
SEVERITY_MARK = {"error": "✗ ", "warning": "! ", "information": "✓ "}


def message_line(title: str, message: str, severity: str, markup: bool = True) -> Text:
    """A notification on one line: its title and message, newlines turned into ' · '."""
    line = Text(no_wrap=True, overflow="ellipsis")
    style = SEVERITY_STYLE.get(severity, "bold")
    line.append(SEVERITY_MARK.get(severity, ""), style=style)
    if title:
        line.append(f"{title}: ", style=style)
    plain = message
    if markup and "[" in message:
        try:
            plain = Text.from_markup(message).plain
        except MarkupError:  # brackets that are text ("[laughs]"), not markup
            plain = message
    line.append(" · ".join(part.strip() for part in plain.splitlines() if part.strip()))
    return line


def fit(part: Text, width: int) -> Text:
    """``part`` cut to ``width`` cells with an ellipsis, exactly as ``Text.truncate`` cuts it,
    without splitting the whole line into graphemes first (the slowest step of a status draw on
    a long line of Chinese): only its first ``width + 1`` characters can show."""
    if len(part) > width + 1:
        head = part[: width + 1]
        if cell_len(head.plain) > width:  # still too long: the same cut as the whole line's
            part = head
    part.truncate(width, overflow="ellipsis")
    return part


@dataclass(frozen=True)
class Caret:
    """Where the caret is, as the status line shows it."""

    source: str  # the transcript's name
    segment: int  # 1-based
    segments: int
    time: str
    speaker: str | None
    group: str | None = None
    selected: int = 0  # characters selected
    here: list[tuple[str, str]] = field(default_factory=list)  # (label, colour) of the codings

    def text(self) -> Text:
        pos = Text(no_wrap=True, overflow="ellipsis")
        pos.append(self.source, style="bold")
        pos.append(f" · segment {self.segment}/{self.segments} · {self.time} · ")
        pos.append(self.speaker or "?", style="bold")
        if self.group:
            pos.append(f" ({self.group})")
        if self.selected:
            pos.append(f" · {self.selected} characters selected", style="bold")
        if self.here:
            pos.append(" · here: ")
            for n, (label, color) in enumerate(self.here[:4]):
                if n:
                    pos.append(", ")
                pos.append(label, style=color)
        return pos


class StatusBar(Static):
    """Two lines under the transcript; no clock, so screenshots are stable.

    Line 1: where the caret is (and the mode: blind, playing, re-scope). Line 2: the latest
    message (what just happened), then the recent codes for the number keys. Messages live
    here, in this reserved line, so they never cover the text being read."""

    DEFAULT_CSS = """
    StatusBar {
        height: 2;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._position: Text = Text()
        self._recent: list[tuple[str, str, str]] = []
        self._mode = ""
        self._message: Text | None = None
        self._drawn: Text | None = None
        # the second line as last drawn, with what it was drawn from: it changes only with a
        # message or the recent codes, not on each move of the caret
        self._keys_from: tuple[Text | None, tuple[tuple[str, str, str], ...], int] | None = None
        self._keys: Text = Text()

    def show(self, where: Caret | str, recent: list[tuple[str, str, str]], mode: str = "") -> None:
        """Where the caret is (or a sentence such as "No transcript open."); ``recent`` holds
        (key, label, colour) for the number keys; ``mode`` is shown first, reversed."""
        self._position = where.text() if isinstance(where, Caret) else Text(where)
        self._recent, self._mode = recent, mode
        self._draw()

    def set_message(self, message: Text | None) -> None:
        """Show ``message`` at the start of the second line (None: no message)."""
        self._message = message
        self._draw()

    @property
    def message(self) -> str:
        return self._message.plain if self._message is not None else ""

    def _draw(self) -> None:
        # each line cut to the width here: the widget would wrap a long first line onto the
        # second and push the recent codes out of sight
        width = self.content_region.width or self.size.width
        line = Text(no_wrap=True, overflow="ellipsis")
        if self._mode:
            line.append(f" {self._mode} ", style="bold reverse")
            line.append(" ")
        line.append_text(self._position)
        if width > 0:
            line = fit(line, width)
        out = Text("\n").join([line, self._keys_line(width)])
        out.no_wrap = True
        out.overflow = "ellipsis"
        if out == self._drawn:  # a caret move within the segment: nothing to repaint
            return
        self._drawn = out
        # two lines, always (DEFAULT_CSS): no layout pass of the whole screen on each key
        self.update(out, layout=False)

    def _keys_line(self, width: int) -> Text:
        """The second line: the latest message, then the recent codes."""
        source = (self._message, tuple(self._recent), width)
        if source == self._keys_from:
            return self._keys
        keys = Text(no_wrap=True, overflow="ellipsis")
        if self._message is not None:
            keys.append_text(self._message)
            keys.append("  │  ", style="dim")
        if self._recent:
            keys.append("Recent codes ", style="dim")
            for key, label, color in self._recent:
                keys.append(f" {key} ", style="bold reverse")
                keys.append(f" {label}  ", style=color)
        elif self._message is None:
            keys.append(
                "Recent codes appear here (keys 1-9) after you code a passage with c.", style="dim"
            )
        if width > 0:
            keys = fit(keys, width)
        self._keys_from, self._keys = source, keys
        return keys

    def on_resize(self) -> None:
        self._draw()
