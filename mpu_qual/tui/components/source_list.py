"""The transcript list: name, duration, speakers and coded share of every transcript.

A component: its input is the list of transcript summaries (``set_sources``, ``mark_current``,
``update_share``); it tells the screen what the user did with its own messages
(``SourceChosen``, ``Left``) and knows nothing of the screen around it.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from mpu_qual.figures import format_share
from mpu_qual.tui.workbench_view import fmt_ms


def source_prompt(summary: dict[str, Any]) -> Text:
    """Two lines: the name, then duration, a note when a recording is attached ("♪ rec"),
    speakers and coded share."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(summary["name"], style="bold")
    dur = (
        fmt_ms(summary.get("duration_ms"), short=True) if summary.get("duration_ms") else "no time"
    )
    if summary.get("recording"):
        dur += " · ♪ rec"
    if "coded_share" in summary:
        share = format_share(summary["coded_share"])
        text.append(f"\n{dur} · {summary.get('speakers', 0)} spk · {share} coded", style="dim")
    else:
        text.append(f"\n{dur} · …", style="dim")
    return text


class SourceList(OptionList):
    """Transcripts of the project; Enter (or a click) opens one."""

    BINDINGS = [
        Binding("enter", "select", "Open transcript", show=False),
        Binding("escape", "leave", "Back to the transcript", show=False),
    ]

    class SourceChosen(Message):
        """The user chose a transcript to open (Enter or a click)."""

        def __init__(self, source_id: int) -> None:
            super().__init__()
            self.source_id = source_id

    class Left(Message):
        """The user left the list (Escape): back to the transcript."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Transcripts"
        self.summaries: dict[int, dict[str, Any]] = {}

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list is self and event.option.id:
            event.stop()
            self.post_message(self.SourceChosen(int(event.option.id)))

    def action_leave(self) -> None:
        self.post_message(self.Left())

    def set_sources(self, summaries: list[dict[str, Any]], current: int | None = None) -> None:
        """Show these transcripts; entries without statistics keep the ones already known."""
        old = self.summaries
        summaries = [
            {**old[s["id"]], **s} if "coded_share" not in s and s["id"] in old else s
            for s in summaries
        ]
        self.summaries = {s["id"]: s for s in summaries}
        self.set_options(Option(source_prompt(s), id=str(s["id"])) for s in summaries)
        if current is not None:
            self.mark_current(current)

    def mark_current(self, source_id: int) -> None:
        """Highlight the transcript shown in the view."""
        try:
            self.highlighted = self.get_option_index(str(source_id))
        except Exception:
            pass

    def update_share(self, source_id: int, share: float, codings: int) -> None:
        """A transcript's coded share and codings changed (after a coding)."""
        s = self.summaries.get(source_id)
        if s is None:
            return
        s["coded_share"] = share
        s["codings"] = codings
        self.replace_option_prompt(str(source_id), source_prompt(s))
