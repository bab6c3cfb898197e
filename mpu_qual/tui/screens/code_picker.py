"""The code picker: type to filter the codebook (English, Chinese or id), pick one or several.

Up/Down move, Tab (or Space in the list) ticks a code, Enter applies the ticked codes (or the
highlighted one when none is ticked), Escape cancels.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from mpu_qual import chinese_scripts
from mpu_qual.store.records import Code
from mpu_qual.tui.workbench_view import Labels


def matches(code: Code, needle: str) -> bool:
    """Does a code match the filter text (id, English or Chinese label, case-insensitive;
    Simplified and Traditional alike: 培训 finds 培訓需求)?"""
    if not needle:
        return True
    return (
        needle in code.id.casefold()
        or needle in code.label_en.casefold()
        or chinese_scripts.contains(code.label_zh, needle)
    )


# Rows the picker needs besides its list: border 2, title, context line, filter 3, key hints,
# and one free row above and below the dialog.
PICKER_CHROME = 10


class CodePickerScreen(ModalScreen[list[str] | None]):
    """Returns the chosen code ids, or None when cancelled."""

    #: The pseudo code offered with ``allow_root``: "no parent" (the top level).
    ROOT = "__top_level__"

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", show=False),
        Binding("down", "move(1)", "Next code", show=False),
        Binding("up", "move(-1)", "Previous code", show=False),
        Binding("pagedown", "move(10)", "Page down", show=False),
        Binding("pageup", "move(-10)", "Page up", show=False),
        Binding("tab", "toggle_code", "Tick / untick the code", show=False, priority=True),
        Binding("space", "toggle_in_list", "Tick / untick (in the list)", show=False),
    ]

    def __init__(
        self,
        labels: Labels,
        *,
        title: str = "Apply codes",
        multi: bool = True,
        exclude: set[str] | None = None,
        context: str = "",
        initial: str = "",
        allow_root: bool = False,
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.labels = labels
        self.title_text = title
        self.multi = multi
        self.exclude = exclude or set()
        self.context = context
        self.initial = initial
        self.allow_root = allow_root
        self.chosen: list[str] = []
        self.shown: list[str] = []
        self._answered = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-wide", id="picker"):
            yield Label(self.title_text, classes="dialog-title")
            if self.context:
                yield Label(self.context, classes="dialog-help", id="picker-context")
            yield Input(self.initial, placeholder="Filter: English, 中文 or id", id="picker-filter")
            yield OptionList(id="picker-list")
            keys = "Tab ticks several · " if self.multi else ""
            yield Label(f"↑↓ move · {keys}Enter applies · Esc cancels", classes="dialog-keys")

    def on_mount(self) -> None:
        self.refilter(self.initial)
        self.query_one(Input).focus()

    def on_resize(self) -> None:
        """Fit the list to the terminal (the title, filter and key hints always show; 8 codes
        or more from 24 rows), and draw the options again at the list's real width."""
        rows = self.size.height - PICKER_CHROME
        self.query_one(OptionList).styles.height = max(4, min(20, rows))
        self.call_after_refresh(self._redraw_prompts)

    def _redraw_prompts(self) -> None:
        ol = self.query_one(OptionList)
        by_id = self.labels.by_id
        needle = self.query_one(Input).value.casefold().strip()
        for cid in self.shown:
            if cid in by_id:
                ol.replace_option_prompt(cid, self._prompt(by_id[cid], matches(by_id[cid], needle)))

    def _prompt(self, code: Code, direct: bool) -> Text:
        lang = self.labels.lang
        other = code.label_zh if lang == "en" else code.label_en
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("  " * code.depth)
        if self.multi:
            text.append("☑ " if code.id in self.chosen else "☐ ", style="bold")
        text.append("■ ", style=self.labels.color(code.id))
        text.append(code.label(lang), style="bold" if direct else "dim")
        text.append(f"  {other}", style="dim")
        if cell_len(text.plain) + len(code.id) + 2 <= self._width():
            text.append(f"  {code.id}", style="dim italic")
        text.truncate(self._width(), overflow="ellipsis")
        return text

    def _width(self) -> int:
        """Cells one option may use: the list's width once laid out, else the dialog's."""
        try:
            width = self.query_one(OptionList).scrollable_content_region.width
        except Exception:
            width = 0
        return width - 1 if width > 10 else 84

    def refilter(self, value: str) -> None:
        needle = value.casefold().strip()
        by_id = self.labels.by_id
        direct = {
            c.id for c in self.labels.codes if matches(c, needle) and c.id not in self.exclude
        }
        shown: set[str] = set(direct)
        if needle:
            for cid in direct:  # keep the path to each match for context
                parent = by_id[cid].parent_id
                while parent is not None and parent in by_id:
                    if parent not in self.exclude:
                        shown.add(parent)
                    parent = by_id[parent].parent_id
        self.shown = [c.id for c in self.labels.codes if c.id in shown]
        options = [Option(self._prompt(by_id[cid], cid in direct), id=cid) for cid in self.shown]
        if self.allow_root and not needle:
            self.shown.insert(0, self.ROOT)
            options.insert(
                0, Option(Text("(top level: make it a theme)", style="italic"), id=self.ROOT)
            )
        ol = self.query_one(OptionList)
        ol.set_options(options)
        if self.shown:
            first = next((i for i, cid in enumerate(self.shown) if cid in direct), 0)
            ol.highlighted = first

    def on_input_changed(self, event: Input.Changed) -> None:
        self.refilter(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._finish()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._finish()

    def _highlighted(self) -> str | None:
        ol = self.query_one(OptionList)
        if ol.highlighted is None or not self.shown:
            return None
        return self.shown[ol.highlighted]

    def _answer(self, result: list[str] | None) -> None:
        """Dismiss once: Enter pressed again before the screen is gone (keys typed ahead
        quickly) must not pop the workbench too (ScreenStackError, issue 19)."""
        if self._answered:
            return
        self._answered = True
        self.dismiss(result)

    def _finish(self) -> None:
        if self._answered:
            return
        if self.chosen:
            self._answer(list(self.chosen))
            return
        cid = self._highlighted()
        if cid is None:
            self.app.notify(
                "No code matches the filter. Clear it or type another name.",
                title="Nothing to apply",
                severity="warning",
            )
            return
        self._answer([cid])

    def action_move(self, step: int) -> None:
        ol = self.query_one(OptionList)
        if not self.shown:
            return
        cur = ol.highlighted if ol.highlighted is not None else 0
        ol.highlighted = max(0, min(len(self.shown) - 1, cur + step))

    def action_toggle_code(self) -> None:
        if not self.multi:
            return
        cid = self._highlighted()
        if cid is None or cid == self.ROOT:
            return
        if cid in self.chosen:
            self.chosen.remove(cid)
        else:
            self.chosen.append(cid)
        ol = self.query_one(OptionList)
        ol.replace_option_prompt(cid, self._prompt(self.labels.by_id[cid], True))

    def action_toggle_in_list(self) -> None:
        if isinstance(self.focused, OptionList):
            self.action_toggle_code()

    def action_cancel(self) -> None:
        self._answer(None)
