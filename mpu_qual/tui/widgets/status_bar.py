"""The status line: where the caret is (segment, time, speaker, group) and the recent codes."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class StatusBar(Static):
    """Two lines under the transcript; no clock, so screenshots are stable."""

    def show(
        self, position: Text | str, recent: list[tuple[str, str, str]], mode: str = ""
    ) -> None:
        """``recent`` holds (key, label, colour) for the number keys."""
        line = Text(no_wrap=True, overflow="ellipsis")
        if mode:
            line.append(f" {mode} ", style="bold reverse")
            line.append(" ")
        line.append_text(position if isinstance(position, Text) else Text(position))
        keys = Text(no_wrap=True, overflow="ellipsis")
        if recent:
            keys.append("Recent codes ", style="dim")
            for key, label, color in recent:
                keys.append(f" {key} ", style="bold reverse")
                keys.append(f" {label}  ", style=color)
        else:
            keys.append(
                "Recent codes appear here (keys 1-9) after you code a passage with c.", style="dim"
            )
        out = Text("\n").join([line, keys])
        out.no_wrap = True
        out.overflow = "ellipsis"
        self.update(out)
