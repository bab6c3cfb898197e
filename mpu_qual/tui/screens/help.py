"""Help: every key binding active where the user pressed ``?``, generated from BINDINGS."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

CONTEXT_NAMES = {
    "TranscriptView": "Transcript (reading, selecting, jumping)",
    "CodebookTree": "Codebook panel",
    "SourceList": "Transcript list",
    "WorkbenchScreen": "Workbench (coding)",
    "EvidenceScreen": "Job-ad evidence",
    "ChartScreen": "Chart of coded passages",
    "TranscribeScreen": "Transcription",
}


def binding_groups(screen: Screen) -> list[tuple[str, list[tuple[str, str]]]]:
    """(context, [(keys, description)]) for the bindings active on ``screen`` now."""
    app = screen.app
    groups: dict[str, dict[str, list[str]]] = {}
    order: list[str] = []
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if binding.system or not binding.description:
            continue
        node = active.node
        name = CONTEXT_NAMES.get(type(node).__name__)
        if name is None:
            name = "Everywhere" if node is app else type(node).__name__
        if name not in groups:
            groups[name] = {}
            order.append(name)
        shown = binding.key_display or app.get_key_display(Binding(key, binding.action))
        groups[name].setdefault(binding.description, []).append(shown)
    out = []
    for name in order:
        rows = [(" / ".join(dict.fromkeys(keys)), desc) for desc, keys in groups[name].items()]
        out.append((name, rows))
    return out


class HelpScreen(ModalScreen[None]):
    """Shows the bindings of the screen underneath; Escape, ? or F1 closes."""

    BINDINGS = [
        Binding("escape", "close", "Close help", show=False),
        Binding("question_mark", "close", "Close help", show=False),
        Binding("f1", "close", "Close help", show=False),
    ]

    def __init__(self, groups: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__(classes="dialog-screen")
        self.groups = groups

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-full", id="help"):
            yield Label(
                "Keys here (Ctrl+P: command palette with every action)", classes="dialog-title"
            )
            with VerticalScroll(id="help-scroll"):
                for name, rows in self.groups:
                    table = Table(
                        title=Text(name, style="bold"),
                        title_justify="left",
                        show_header=False,
                        box=None,
                        expand=True,
                        padding=(0, 1),
                    )
                    table.add_column("keys", style="bold", width=22, no_wrap=True)
                    table.add_column("action", ratio=1)
                    for keys, desc in rows:
                        table.add_row(keys, desc)
                    yield Static(table, classes="help-group")
            yield Label("Esc closes", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()

    def action_close(self) -> None:
        self.dismiss(None)
