"""Coded passages of one code (and its sub-codes) across all transcripts, to read and jump to."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from mpu_qual.store.records import Coding
from mpu_qual.tui.workbench_view import Labels, fmt_ms


def passage_prompt(c: Coding, labels: Labels, participants: dict[str, str | None]) -> Text:
    text = Text(no_wrap=False, overflow="ellipsis")
    text.append(c.source_name, style="bold")
    text.append(f" · {fmt_ms(c.start_ms)} · ", style="dim")
    who = c.participant_label or "?"
    text.append(who, style="bold")
    group = labels.group(participants.get(who)) if who in participants else labels.group(c.group)
    if group:
        text.append(f" ({group})", style="dim")
    text.append(" · ")
    text.append(labels.code(c.code_id), style=labels.color(c.code_id))
    if c.memo:
        text.append(" · memo", style="italic")
    quote = " ".join(c.quote.split())
    if len(quote) > 220:
        quote = quote[:219] + "…"
    text.append("\n" + quote)
    return text


class PassagesScreen(ModalScreen[Coding | None]):
    """Enter jumps to the passage; n / N then step through the same list in the workbench."""

    BINDINGS = [Binding("escape", "cancel", "Close", show=False)]

    def __init__(
        self, title: str, codings: list[Coding], labels: Labels, participants: dict[str, str | None]
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.codings = codings
        self.labels = labels
        self.participants = participants

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-full", id="passages"):
            yield Label(self.title_text, classes="dialog-title")
            if not self.codings:
                yield Label(
                    "No passages are coded with this code yet. Select text in a "
                    "transcript and press c to code it.",
                    classes="dialog-help",
                )
            yield OptionList(
                *(
                    Option(passage_prompt(c, self.labels, self.participants), id=str(c.id))
                    for c in self.codings
                ),
                id="passage-list",
            )
            yield Label(
                "Enter jumps to the passage (then n / N for the next ones) · Esc closes",
                classes="dialog-keys",
            )

    def on_mount(self) -> None:
        ol = self.query_one(OptionList)
        if self.codings:
            ol.highlighted = 0
        ol.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.codings[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)
