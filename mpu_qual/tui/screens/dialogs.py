"""Small modal dialogs: a one-line prompt, a yes/no question, a choice list, a memo editor."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, TextArea
from textual.widgets.option_list import Option


class PromptScreen(ModalScreen[str | None]):
    """Ask for one line of text; Enter accepts, Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, title: str, prompt: str, value: str = "", placeholder: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.prompt = prompt
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Label(self.prompt, classes="dialog-help")
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input")
            yield Label("Enter to confirm · Esc to cancel", classes="dialog-keys")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; y/Enter confirm, n/Escape cancel."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", show=False),
        Binding("n", "answer(False)", "No", show=False),
        Binding("escape", "answer(False)", "Cancel", show=False),
    ]

    def __init__(self, title: str, question: str) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Label(self.question, classes="dialog-help")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Yes (y)", id="yes", variant="primary")
                yield Button("No (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class ChoiceScreen(ModalScreen[str | None]):
    """Pick one item from a list (e.g. which of several codings under the caret)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(
        self, title: str, options: Sequence[tuple[str, Text | str]], help: str = ""
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.choices = options
        self.help = help

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            if self.help:
                yield Label(self.help, classes="dialog-help")
            yield OptionList(*(Option(p, id=i) for i, p in self.choices), id="choice-list")
            yield Label("Enter to choose · Esc to cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        ol = self.query_one(OptionList)
        ol.highlighted = 0
        ol.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class MemoScreen(ModalScreen[str | None]):
    """Edit a memo (several lines). Ctrl+S saves, Escape cancels; an empty memo clears it."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save memo", show=False, priority=True),
        Binding("escape", "cancel", "Cancel", show=False),
    ]

    def __init__(self, title: str, memo: str | None, what: str = "memo") -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.memo = memo or ""
        self.what = what  # what the text is called in the keys line

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-wide"):
            yield Label(self.title_text, classes="dialog-title")
            yield TextArea(self.memo, id="memo-text", soft_wrap=True, show_line_numbers=False)
            yield Label(
                f"Ctrl+S to save · Esc to cancel · empty {self.what} removes it",
                classes="dialog-keys",
            )

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
