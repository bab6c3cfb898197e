"""Edit one segment: its text (wrapped, Cantonese and English alike) and its speaker."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, TextArea


class SegmentEditScreen(ModalScreen[tuple[str, str] | None]):
    """Enter or Ctrl+S saves (text, speaker); Escape cancels. A segment is one paragraph."""

    BINDINGS = [
        Binding("enter", "save", "Save the segment", show=False, priority=True),
        Binding("ctrl+s", "save", "Save the segment", show=False, priority=True),
        Binding("escape", "cancel", "Cancel", show=False),
    ]

    def __init__(self, title: str, text: str, speaker: str) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.text = text
        self.speaker = speaker

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-wide"):
            yield Label(f"Edit {self.title_text}", classes="dialog-title")
            yield TextArea(self.text, id="segment-text", soft_wrap=True, show_line_numbers=False)
            yield Label("Speaker", classes="dialog-help")
            yield Input(self.speaker, id="segment-speaker", placeholder="speaker label")
            yield Label(
                "Enter or Ctrl+S saves · Tab: speaker · Esc cancels · codings move with "
                "their words; Ctrl+Z undoes",
                classes="dialog-keys",
            )

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_save(self) -> None:
        text = " ".join(self.query_one(TextArea).text.splitlines())
        self.dismiss((text, self.query_one(Input).value.strip()))

    def action_cancel(self) -> None:
        self.dismiss(None)
