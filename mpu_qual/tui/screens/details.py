"""Passage details: the codings under the caret with memo, coder and linked evidence."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from mpu_qual.errors import MpuQualError
from mpu_qual.evidence.links import evidence_for_coding
from mpu_qual.store.records import Coding
from mpu_qual.tui.workbench_view import Labels, fmt_ms

if TYPE_CHECKING:
    from mpu_qual.store import Project


def coding_text(c: Coding, labels: Labels, evidence: list[Any] | None) -> Text:
    text = Text()
    text.append("■ ", style=labels.color(c.code_id))
    text.append(labels.path(c.code_id), style="bold")
    text.append(f"  ({c.code_id}, coding {c.id})\n", style="dim")
    who = c.participant_label or "?"
    group = labels.group(c.group)
    text.append(f"{c.source_name} · {fmt_ms(c.start_ms)} · {who}")
    text.append(f" ({group})" if group else "")
    text.append(f" · offsets {c.start}-{c.end} · coder {c.coder or '?'}\n", style="dim")
    text.append("“" + c.quote.strip() + "”\n", style="italic")
    text.append("Memo: ", style="bold")
    text.append((c.memo or "(none, press m to add one)") + "\n")
    if evidence:
        text.append("Job-ad evidence:\n", style="bold")
        for e in evidence:
            text.append("  • " + evidence_line(e) + "\n")
    return text


def evidence_line(link: Any) -> str:
    """One evidence link in words: the figure, the query behind it, the note."""
    try:
        line = f"{link.figure.describe()} — {link.query.describe()}"
    except AttributeError:
        return str(link)
    if getattr(link, "note", None):
        line += f" — {link.note}"
    if getattr(link, "via_code", False):
        line += " (linked to the code)"
    return line


class DetailsScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape", "close", "Close", show=False)]

    def __init__(self, codings: list[Coding], labels: Labels, project: Project) -> None:
        super().__init__(classes="dialog-screen")
        self.codings = codings
        self.labels = labels
        self.project = project

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-full", id="details"):
            yield Label("Codings at the caret", classes="dialog-title")
            with VerticalScroll():
                for c in self.codings:
                    try:
                        evidence = list(evidence_for_coding(self.project.db, c.id))
                    except (sqlite3.DatabaseError, MpuQualError):
                        evidence = None  # e.g. a read-only project without evidence tables
                    yield Static(coding_text(c, self.labels, evidence), classes="detail")
            yield Label(
                "Esc closes · m memo · x remove · r re-scope (in the transcript)",
                classes="dialog-keys",
            )

    def action_close(self) -> None:
        self.dismiss(None)
