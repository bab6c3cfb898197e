"""Participants: map speaker labels to names and stakeholder groups, rename a speaker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, Select

from mpu_qual.store.records import Participant
from mpu_qual.tui.screens.form import FormScreen

if TYPE_CHECKING:
    from mpu_qual.tui.app import MpuQualApp


@dataclass
class ParticipantEdit:
    label: str
    new_label: str
    name: str
    group: str | None


class ParticipantForm(FormScreen[ParticipantEdit | None]):
    """Edit one participant; the change is applied by ``on_save`` (errors keep the form open)."""

    def __init__(
        self,
        participant: Participant,
        groups: list[tuple[str, str]],
        on_save: Callable[[ParticipantEdit], bool],
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.participant = participant
        self.groups = groups
        self.on_save = on_save

    def compose(self) -> ComposeResult:
        p = self.participant
        with Vertical(classes="dialog", id="participant-form"):
            yield Label(f"Participant {p.label}", classes="dialog-title")
            yield Label("Speaker label (renames it in every transcript)", classes="field-label")
            yield Input(p.label, id="p-label")
            yield Label("Name (private, never exported by default)", classes="field-label")
            yield Input(p.name or "", id="p-name")
            yield Label("Stakeholder group", classes="field-label")
            yield Select(
                self.groups,
                value=p.group_id if p.group_id else Select.NULL,
                allow_blank=True,
                id="p-group",
                prompt="(none)",
            )
            yield from self.form_buttons()

    def on_mount(self) -> None:
        self.query_one("#p-label", Input).focus()

    def action_save(self) -> None:
        group = self.query_one("#p-group", Select).value
        edit = ParticipantEdit(
            self.participant.label,
            self.query_one("#p-label", Input).value.strip(),
            self.query_one("#p-name", Input).value.strip(),
            None if group is Select.NULL else str(group),
        )
        if self.on_save(edit):
            self.dismiss(edit)


class ParticipantsScreen(ModalScreen[None]):
    """A table of participants; Enter edits the highlighted one."""

    BINDINGS = [
        Binding("escape", "close", "Close", show=False),
        Binding("enter", "edit", "Edit participant", show=False),
        Binding("e", "edit", "Edit participant", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(classes="dialog-screen")

    @property
    def mpu_app(self) -> MpuQualApp:
        """The app, as the workbench's own type (only MpuQualApp opens this screen)."""
        return cast("MpuQualApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-full", id="participants"):
            yield Label("Participants and stakeholder groups", classes="dialog-title")
            yield DataTable(id="participant-table", cursor_type="row", zebra_stripes=True)
            yield Label("Enter edits (label, name, group) · Esc closes", classes="dialog-keys")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Label", "Name", "Group", "Segments")
        self.reload()
        table.focus()

    def reload(self, select: str | None = None) -> None:
        app = self.mpu_app
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        counts = app.segment_counts()
        labels = app.labels
        self.people = app.project.participants.list()
        for p in self.people:
            table.add_row(
                p.label,
                p.name or "",
                labels.group(p.group_id) or "(none)",
                str(counts.get(p.id, 0)),
                key=p.label,
            )
        if select is not None:
            row = next((i for i, p in enumerate(self.people) if p.label == select), row)
        if self.people:
            table.move_cursor(row=min(row, len(self.people) - 1))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()

    def action_edit(self) -> None:
        table = self.query_one(DataTable)
        if not self.people:
            return
        person = self.people[table.cursor_row]
        labels = self.mpu_app.labels
        groups = [(labels.group(gid), gid) for gid in labels.groups]

        def save(edit: ParticipantEdit) -> bool:
            ok = self.mpu_app.edit_participant(edit)
            if ok:
                self.reload(select=edit.new_label or edit.label)
            return ok

        self.app.push_screen(ParticipantForm(person, groups, save))

    def action_close(self) -> None:
        self.dismiss(None)
