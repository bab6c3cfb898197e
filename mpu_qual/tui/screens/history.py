"""History: the project's recent actions, newest first, when each was done, in people's words."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

if TYPE_CHECKING:
    from mpu_qual.store import Project


def when(created_at: str | None, now: datetime | None = None) -> str:
    """Local time of an action: ``14:03`` today, ``Dec 05 14:03`` before (stored in UTC)."""
    if not created_at:
        return ""
    try:
        t = datetime.fromisoformat(created_at.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return created_at
    now = (now or datetime.now(UTC)).astimezone()
    if t.date() == now.date():
        return t.strftime("%H:%M")
    if t.year == now.year:
        return t.strftime("%b %d %H:%M")
    return t.strftime("%Y-%m-%d %H:%M")


def history_rows(project: Project, limit: int) -> list[dict[str, Any]]:
    """The latest actions with their description in people's words."""
    rows = project.history.recent(limit)
    for r in rows:
        r["words"] = project.history.describe(r["id"]) or r["description"]
    return rows


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
        table.add_columns("#", "When", "Action", "State")
        for a in self.actions:
            table.add_row(
                str(a["id"]),
                when(a.get("created_at")),
                Text(a.get("words") or a["description"]),  # stored text, never markup
                "undone" if a["undone"] else "",
            )
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
