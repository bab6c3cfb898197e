"""What every edit form and button bar of the workbench shares, written once.

A form (code, participant) saves on Ctrl+S or its Save button and cancels on Escape or any
other button; Enter in a field moves to the next one, so a half-filled form is never saved by
accident. Screens with several buttons map button ids to actions with ``press_button``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import Button, Input

_R = TypeVar("_R")


def press_button(event: Button.Pressed, actions: Mapping[str, Callable[[], None]]) -> None:
    """Run the action mapped to the pressed button's id; a button not in ``actions`` does nothing."""
    event.stop()
    action = actions.get(event.button.id or "")
    if action is not None:
        action()


class FormScreen(ModalScreen[_R]):
    """A modal form; subclasses compose the fields (ending with ``form_buttons``) and save."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", show=False, priority=True),
        Binding("escape", "cancel", "Cancel", show=False),
    ]

    def form_buttons(self) -> ComposeResult:
        with Horizontal(classes="dialog-buttons"):
            yield Button("Save (ctrl+s)", id="save", variant="primary")
            yield Button("Cancel (esc)", id="cancel")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()

    def action_save(self) -> None:
        raise NotImplementedError

    def action_cancel(self) -> None:
        self.dismiss(None)
