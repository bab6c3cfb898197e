"""Help: every key binding active where the user pressed ``?``, generated from BINDINGS and
grouped by task (code, read, correct, review, team, evidence, export), the most used first."""

from __future__ import annotations

from typing import Any

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


# Tasks, in the order help lists them (the most used first), and the actions of each: an action
# belongs to the first task with a prefix it starts with. Other bindings are listed after the
# tasks under the part of the screen they belong to (CONTEXT_NAMES).
TASKS: list[tuple[str, tuple[str, ...]]] = [
    (
        "Code",
        (
            "code_selection",
            "confirm",
            "apply_recent",
            "select_sentence",
            "select_segment",
            "memo",
            "remove_coding",
            "rescope",
            "details",
            "undo",
            "redo",
            "open_screen('history')",
        ),
    ),
    (
        "Read",
        (
            "jump_segment",
            "jump_speaker",
            "jump_uncoded",
            "search",
            "next_hit",
            "goto",
            "correct('play_",
            "correct('jump",
            "correct('speed",
            "toggle_lang",
        ),
    ),
    (
        "Correct the transcript",
        ("correct('edit", "correct('split", "correct('merge", 'correct("nudge', "set_speaker"),
    ),
    (
        "Review",
        ("open_screen('review')", "open_screen('transcribe')", "open_screen('participants')"),
    ),
    ("Team", ("toggle_blind", "open_screen('disagreements')")),
    ("Evidence", ("open_screen('evidence')", "open_screen('chart')")),
    ("Export", ("open_screen('export')", "open_screen('summary')")),
    ("Move and select", ("move(", "extend(", "swap_ends", "copy", "cancel")),
]


def task_of(action: str) -> tuple[str, int] | None:
    """The task of an action, and its rank in that task (the order of TASKS' prefixes)."""
    for name, prefixes in TASKS:
        for rank, prefix in enumerate(prefixes):
            if action.startswith(prefix):
                return name, rank
    return None


def binding_groups(screen: Screen[Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """(task or context, [(keys, description)]) for the bindings active on ``screen`` now:
    the tasks first, in TASKS order, then the rest by the part of the screen they belong to."""
    app = screen.app
    groups: dict[str, dict[str, list[str]]] = {}
    ranks: dict[tuple[str, str], int] = {}
    order: list[str] = []
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if binding.system or not binding.description:
            continue
        node = active.node
        task = task_of(binding.action) if type(node).__name__ != "CodebookTree" else None
        name, rank = task if task is not None else (None, 99)
        description = binding.description
        if binding.action.startswith("apply_recent("):  # nine keys, one row
            description = "Apply a recent code (the status line lists them)"
        if name is None:
            name = CONTEXT_NAMES.get(type(node).__name__)
        if name is None:
            name = "Everywhere" if node is app else type(node).__name__
        if name not in groups:
            groups[name] = {}
            order.append(name)
        shown = binding.key_display or app.get_key_display(Binding(key, binding.action))
        groups[name].setdefault(description, []).append(shown)
        ranks.setdefault((name, description), rank)
    tasks = [name for name, _ in TASKS]
    order.sort(key=lambda n: tasks.index(n) if n in tasks else len(tasks))
    out = []
    for name in order:
        rows = [(key_list(keys), desc) for desc, keys in groups[name].items()]
        rows.sort(key=lambda row: ranks[(name, row[1])])  # stable: binding order within a rank
        out.append((name, rows))
    return out


def key_list(keys: list[str]) -> str:
    """``1 / 2 / ... / 9`` reads as ``1-9``; other keys joined with `` / ``."""
    keys = list(dict.fromkeys(keys))
    if len(keys) > 2 and all(k.isdigit() and len(k) == 1 for k in keys):
        return f"{keys[0]}-{keys[-1]}"
    return " / ".join(keys)


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
