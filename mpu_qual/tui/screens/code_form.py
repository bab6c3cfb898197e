"""Add or edit a code: id (new codes only), English and Chinese labels, rule, colour."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label

from mpu_qual.tui.screens.form import FormScreen


@dataclass
class CodeFormResult:
    code_id: str
    label_en: str
    label_zh: str
    rule: str
    color: str | None


class CodeFormScreen(FormScreen[CodeFormResult | None]):
    """A form; Ctrl+S or the Save button returns the values, Escape cancels.

    Validation happens in ``Project.add_code`` / ``update_code``; their error is shown and the
    form stays open, so nothing is half-written and nothing typed is lost.
    """

    def __init__(
        self,
        title: str,
        *,
        code_id: str = "",
        label_en: str = "",
        label_zh: str = "",
        rule: str = "",
        color: str | None = None,
        id_editable: bool = True,
        context: str = "",
        on_save: Callable[[CodeFormResult], bool] | None = None,
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.values = CodeFormResult(code_id, label_en, label_zh, rule, color)
        self.id_editable = id_editable
        self.context = context
        self.on_save = on_save

    def compose(self) -> ComposeResult:
        v = self.values
        with Vertical(classes="dialog dialog-wide", id="code-form"):
            yield Label(self.title_text, classes="dialog-title")
            if self.context:
                yield Label(self.context, classes="dialog-help")
            yield Label("Id (lowercase, dots follow the tree)", classes="field-label")
            yield Input(v.code_id, id="code-id", disabled=not self.id_editable)
            yield Label("English label", classes="field-label")
            yield Input(v.label_en, id="code-en")
            yield Label("中文 label", classes="field-label")
            yield Input(v.label_zh, id="code-zh")
            yield Label("Rule: when to apply this code", classes="field-label")
            yield Input(v.rule, id="code-rule")
            yield Label("Colour (#rrggbb, empty = inherit)", classes="field-label")
            yield Input(v.color or "", id="code-color")
            yield from self.form_buttons()

    def on_mount(self) -> None:
        first = "#code-id" if self.id_editable else "#code-en"
        self.query_one(first, Input).focus()

    def action_save(self) -> None:
        def val(sel: str) -> str:
            return self.query_one(sel, Input).value.strip()

        result = CodeFormResult(
            val("#code-id"),
            val("#code-en"),
            val("#code-zh"),
            val("#code-rule"),
            val("#code-color") or None,
        )
        if self.on_save is not None and not self.on_save(result):
            return  # the error was shown; keep the form and what was typed
        self.dismiss(result)
