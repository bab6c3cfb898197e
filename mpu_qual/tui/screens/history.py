"""History: the project's recent actions, newest first, with what undo would do next."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label


class HistoryScreen(ModalScreen[None]):
    """Read-only list; Ctrl+Z / Ctrl+Y still work from the workbench underneath."""

    BINDINGS = [Binding("escape", "close", "Close", show=False)]

    def __init__(self, actions: list[dict[str, Any]]) -> None:
        super().__init__(classes="dialog-screen")
        self.actions = actions

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-full", id="history"):
            yield Label(
                "History (saved in the project; undo works after a restart)", classes="dialog-title"
            )
            yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
            yield Label(
                "Ctrl+Z undoes the newest active action · Esc closes", classes="dialog-keys"
            )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("#", "Action", "State")
        for a in self.actions:
            table.add_row(str(a["id"]), a["description"], "undone" if a["undone"] else "")
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
