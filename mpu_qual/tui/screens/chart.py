"""Chart: coded passages per theme (or per code of one theme) split by stakeholder group.

Horizontal stacked bars drawn with Rich text in an OptionList, so that each bar is a row the
keyboard can move to and Enter can open. (textual-plotext runs under Textual 8, but it counts
a Chinese character as one cell, which shifts the axis of every row with a Chinese label.)
The counts come from ``mpu_qual.export.stats.code_frequencies_by_group``, the same figures as
the exported summaries, and use the same group colours as the exported charts.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, cast

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from mpu_qual.errors import MpuQualError
from mpu_qual.export.charts import group_colors
from mpu_qual.export.stats import Frequencies, FrequencyRow, GroupInfo, code_frequencies_by_group
from mpu_qual.figures import count

if TYPE_CHECKING:
    from mpu_qual.tui.app import MpuQualApp

BLOCK = "█"
MAX_LABEL = 34


def bar_cells(counts: list[int], scale: float) -> list[int]:
    """Cells per group segment; rounded on the running total so a bar's length is exact."""
    out, done, acc = [], 0, 0
    for n in counts:
        acc += n
        end = round(acc * scale)
        out.append(end - done)
        done = end
    return out


def bar_line(
    row: FrequencyRow,
    groups: list[GroupInfo],
    colors: dict[str, str],
    *,
    label: str,
    label_width: int,
    bar_width: int,
    top: int,
    has_children: bool,
) -> Text:
    """``label ▸ ████▒▒▒ 12``: one code's bar, one coloured segment per group."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(set_cell_size(label, label_width), style="bold" if has_children else "")
    text.append(" ▸ " if has_children else "   ", style="dim")
    scale = bar_width / top if top else 0.0
    counts = [row.counts.get(g.id, 0) for g in groups]
    for g, cells in zip(groups, bar_cells(counts, scale), strict=True):
        if cells:
            text.append(BLOCK * cells, style=colors[g.id])
    text.append(f" {row.total}", style="bold")
    return text


def row_label(row: FrequencyRow, lang: str) -> str:
    label = row.label_zh if lang == "zh" and row.label_zh else row.label_en
    return label if cell_len(label) <= MAX_LABEL else set_cell_size(label, MAX_LABEL - 1) + "…"


def group_name(g: GroupInfo, lang: str) -> str:
    return g.zh if lang == "zh" and g.zh else g.en


class ChartScreen(ModalScreen[None]):
    """Bars per theme; Enter on a theme shows its codes, Backspace goes back up."""

    DEFAULT_CSS = """
    #chart-legend { height: auto; margin-bottom: 1; }
    #chart-bars { height: 1fr; }
    #chart-detail { height: auto; min-height: 2; margin-top: 1; }
    """

    BINDINGS = [
        Binding("backspace,left", "up", "Up to the themes (or the parent code)", show=False),
        Binding("escape", "back", "Up a level / close", show=False),
        Binding("f1", "app.help", "Help: the keys here", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(classes="dialog-screen")
        self.parents: list[str | None] = [None]  # the drill-down path; None = themes
        self.freq: Frequencies | None = None
        self.has_children: set[str] = set()
        self.lang = "en"

    @property
    def mpu_app(self) -> MpuQualApp:
        return cast("MpuQualApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-full", id="chart"):
            yield Label("Coded passages by stakeholder group", classes="dialog-title", id="ct")
            yield Static("", id="chart-legend")
            yield OptionList(id="chart-bars")
            yield Static("", id="chart-detail")
            yield Label(
                "Enter: the codes of a theme · Backspace: up a level · Esc closes",
                classes="dialog-keys",
            )

    def on_mount(self) -> None:
        labels = self.mpu_app.labels
        self.lang = labels.lang
        self.has_children = {c.parent_id for c in labels.codes if c.parent_id}
        self.query_one(OptionList).focus()
        self.load(None)

    @property
    def current_parent(self) -> str | None:
        """The code whose children are shown (None: the top level); not ``parent``, which is
        Textual's own DOMNode.parent."""
        return self.parents[-1]

    # ------------------------------------------------------------------ data
    def load(self, parent: str | None, select: str | None = None) -> None:
        title = "Coded passages by stakeholder group: "
        title += "themes" if parent is None else self.mpu_app.labels.path(parent)
        self.query_one("#ct", Label).update(title)
        self._read(parent, select)

    @work(thread=True, exclusive=True, group="chart")
    def _read(self, parent: str | None, select: str | None) -> None:
        """Count on the read-only connection: every coding is read, which takes a moment."""
        try:
            coders = self.mpu_app.coders
            me = coders.name if coders.blind else None  # blind: one's own codings only
            freq = self.mpu_app.read(
                lambda p: code_frequencies_by_group(p, parent=parent, coder=me)
            )
        except (MpuQualError, sqlite3.Error) as exc:
            self.app.call_from_thread(self.mpu_app.show_error, exc, "Could not count the codings")
            return
        self.app.call_from_thread(self._show, parent, freq, select)

    def _show(self, parent: str | None, freq: Frequencies, select: str | None) -> None:
        if not self.is_attached or parent != self.current_parent:
            return  # the user moved on before the counts arrived
        self.freq = freq
        self.draw(select)

    def on_resize(self) -> None:
        if self.freq is not None:
            self.call_after_refresh(self.draw)

    def draw(self, select: str | None = None) -> None:
        """(Re)build the bars for the width the list has now."""
        freq = self.freq
        bars = self.query_one(OptionList)
        if freq is None:
            return
        if select is None and bars.highlighted is not None and bars.option_count:
            select = bars.get_option_at_index(bars.highlighted).id
        colors = group_colors(freq.groups)
        legend = Text()
        for g in freq.groups:
            legend.append("■ ", style=colors[g.id])
            legend.append(group_name(g, self.lang) + "   ")
        if not freq.groups:
            legend.append("Nothing is coded here yet: code passages in the workbench first.")
        self.query_one("#chart-legend", Static).update(legend)
        labels = [row_label(r, self.lang) for r in freq.rows]
        label_w = max([cell_len(x) for x in labels] + [8])
        width = bars.scrollable_content_region.width or (self.app.size.width - 12)
        bar_w = max(10, width - label_w - 3 - len(str(max([r.total for r in freq.rows] + [0]))) - 3)
        top = max([r.total for r in freq.rows] + [0])
        bars.clear_options()
        bars.add_options(
            Option(
                bar_line(
                    r,
                    freq.groups,
                    colors,
                    label=lab,
                    label_width=label_w,
                    bar_width=bar_w,
                    top=top,
                    has_children=r.code_id in self.has_children,
                ),
                id=r.code_id,
            )
            for r, lab in zip(freq.rows, labels, strict=True)
        )
        ids = [r.code_id for r in freq.rows]
        if ids:
            bars.highlighted = ids.index(select) if select in ids else 0
        self.show_detail()

    def row(self, code_id: str | None) -> FrequencyRow | None:
        if self.freq is None or code_id is None:
            return None
        return next((r for r in self.freq.rows if r.code_id == code_id), None)

    def highlighted(self) -> FrequencyRow | None:
        bars = self.query_one(OptionList)
        if bars.highlighted is None or not bars.option_count:
            return None
        return self.row(bars.get_option_at_index(bars.highlighted).id)

    def show_detail(self) -> None:
        """The highlighted bar in words (exact numbers, and readable without colour)."""
        r = self.highlighted()
        detail = self.query_one("#chart-detail", Static)
        if r is None or self.freq is None:
            detail.update("")
            return
        text = Text()
        text.append(row_label(r, self.lang), style="bold")
        text.append(f": {count(r.total, 'passage')}")
        parts = [
            f"{group_name(g, self.lang)} {r.counts.get(g.id, 0)}"
            for g in self.freq.groups
            if r.counts.get(g.id, 0)
        ]
        if parts:
            text.append(" — " + ", ".join(parts))
        detail.update(text)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self.show_detail()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.drill(event.option.id)

    # ------------------------------------------------------------------ navigation
    def drill(self, code_id: str | None) -> None:
        if code_id is None:
            return
        if code_id not in self.has_children:
            self.notify(
                f"{self.mpu_app.labels.path(code_id)} has no sub-codes to show.",
                severity="warning",
                timeout=3,
            )
            return
        self.parents.append(code_id)
        self.freq = None
        self.load(code_id)

    def action_drill(self) -> None:
        r = self.highlighted()
        self.drill(r.code_id if r else None)

    def action_up(self) -> None:
        if len(self.parents) == 1:
            return
        came_from = self.parents.pop()
        self.freq = None
        self.load(self.current_parent, select=came_from)

    def action_back(self) -> None:
        if len(self.parents) > 1:
            self.action_up()
        else:
            self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)

    def palette_commands(self) -> list[tuple[str, str, str]]:
        """(title, help, action) for the command palette opened over this screen."""
        return [
            ("Help: the keys of this screen", "F1", "app.help"),
            ("Show the codes of the highlighted theme", "Drill into its sub-codes", "drill"),
            ("Up a level in the chart", "Back to the themes (or parent code)", "up"),
            ("Up a level or close the chart", "Esc", "back"),
            ("Close the chart", "Back to the workbench", "close"),
        ]
