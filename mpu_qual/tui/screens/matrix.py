"""Matrix: codes by stakeholder group (or participant, or transcript), from the keyboard.

The figures come from ``mpu_qual.analysis`` (the same query as ``mpu-qual matrix``), read on
the app's read-only connection in a worker. Arrows move by cell; Enter opens the passages
behind the cell in the passages list (choosing one jumps to it, and n / N then step through
the cell's passages), and on a code's name folds its sub-codes; Tab switches the measure; c
switches the columns; / filters the codes; e writes the framework summary of a participant's
or a group's cell (``FrameworkSummaries``: one undoable action, as 'mpu-qual framework-summary').
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any, cast
from weakref import WeakKeyDictionary

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, Static

from mpu_qual.analysis.facts import Facts
from mpu_qual.analysis.framework import cell_summaries, set_summary
from mpu_qual.analysis.matrix import MEASURES, Matrix, code_matrix
from mpu_qual.analysis.render import shown
from mpu_qual.errors import MpuQualError
from mpu_qual.figures import count
from mpu_qual.store.analysis_reads import AnalysisReads
from mpu_qual.store.records import Coding
from mpu_qual.tui.screens.dialogs import MemoScreen
from mpu_qual.tui.screens.passages import PassagesScreen

if TYPE_CHECKING:
    from mpu_qual.store import Project
    from mpu_qual.tui.app import MpuQualApp

COLUMNS = ("group", "participant", "transcript")
# What the last matrix read, per app, with the read connection's data_version then: opening
# the matrix again before anything is committed draws at once.
_READ: WeakKeyDictionary[Any, tuple[int, Facts]] = WeakKeyDictionary()
COLUMN_NAMES = {
    "group": "stakeholder groups",
    "participant": "participants",
    "transcript": "transcripts",
}
MEASURE_NAMES = {
    "passages": "coded passages",
    "participants": "participants (moderators left out)",
    "share": "share of the column's talk",
}


def visible(text: str) -> str:
    """Stored text for one table cell: breaks as spaces, other control characters shown."""
    text = " ".join(text.split())
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)


class MatrixScreen(ModalScreen[None]):
    """Codes x columns; the measure, the columns and a code filter change in place."""

    DEFAULT_CSS = """
    #matrix-table { height: 1fr; }
    #matrix-filter { display: none; }
    #matrix-filter.-shown { display: block; }
    #matrix-detail { height: auto; min-height: 1; margin-top: 1; }
    """

    BINDINGS = [
        Binding("tab", "measure", "Next measure", priority=True, show=False),
        Binding("shift+tab", "measure(-1)", "Previous measure", priority=True, show=False),
        Binding("c", "columns", "Next kind of columns", show=False),
        Binding("slash", "filter", "Filter the codes", show=False),
        Binding("e", "summary", "Write the cell's framework summary", show=False),
        Binding("escape", "back", "Clear the filter / close", show=False),
        Binding("f1", "app.help", "Help: the keys here", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(classes="dialog-screen")
        self.facts: Facts | None = None
        self.matrix: Matrix | None = None
        self.cols = "group"
        self.measure = "passages"
        self.text_filter = ""
        self.collapsed: set[str] = set()  # codes whose sub-codes are hidden
        # framework summaries: (columns, participant label or group id, code id) -> text
        self.summaries: dict[tuple[str, str, str], str] = {}

    @property
    def mpu_app(self) -> MpuQualApp:
        return cast("MpuQualApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-full", id="matrix"):
            yield Label("Matrix: reading the coding…", classes="dialog-title", id="matrix-title")
            yield Input(
                placeholder="Filter codes (id or label), Enter applies, Esc clears",
                id="matrix-filter",
            )
            yield DataTable(id="matrix-table", cursor_type="cell", zebra_stripes=True)
            yield Static("", id="matrix-detail")
            yield Label(
                "Arrows: move · Enter: the passages behind a cell (on a code: fold its "
                "sub-codes) · e: cell summary · Tab: measure · c: columns · /: filter codes · "
                "Esc closes",
                classes="dialog-keys",
            )

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        if self.mpu_app.coders.blind:
            self.query_one("#matrix-title", Label).update(
                "Matrix: not shown in blind mode (it counts every coder's codings)"
            )
            self.query_one("#matrix-detail", Static).update(
                "Switch blind mode off with B in the workbench to see the matrix."
            )
            return
        self._load()

    # ------------------------------------------------------------------ data
    @work(thread=True, exclusive=True, group="matrix")
    def _load(self) -> None:
        def load(p: Project) -> Facts:
            version = AnalysisReads(p).data_version()
            cached = _READ.get(self.app)
            if cached is not None and cached[0] == version:
                return cached[1]
            facts = Facts.load(p)
            _READ[self.app] = (version, facts)
            return facts

        try:
            facts = self.mpu_app.read(load)
        except (MpuQualError, sqlite3.Error) as exc:
            self.app.call_from_thread(self.mpu_app.show_error, exc, "Could not read the coding")
            return
        try:
            summaries = self.mpu_app.read(lambda p: _read_summaries(p, facts))
        except (MpuQualError, sqlite3.Error) as exc:
            self.app.call_from_thread(self.mpu_app.show_error, exc, "Could not read the summaries")
            summaries = {}
        self.app.call_from_thread(self._loaded, facts, summaries)
        try:  # what each column says in all, for the share of talk (a scan of every segment)
            self.mpu_app.read(lambda _p: facts.talk)
        except (MpuQualError, sqlite3.Error):
            pass  # read again, with its error shown, when a share is asked for

    def _loaded(self, facts: Facts, summaries: dict[tuple[str, str, str], str]) -> None:
        if not self.is_attached:
            return
        self.facts = facts
        self.summaries = summaries
        self.rebuild()

    def rebuild(self) -> None:
        """Query for the current columns and filter, then draw."""
        if self.facts is None:
            return
        wanted = self.text_filter.casefold()
        rows = [
            c.id
            for c in self.facts.codes
            if not wanted
            or wanted in c.id.casefold()
            or wanted in c.label_en.casefold()
            or wanted in c.label_zh.casefold()
        ]
        parent = {c.id: c.parent_id for c in self.facts.codes}

        def hidden(cid: str) -> bool:
            cur = parent.get(cid)
            while cur is not None:
                if cur in self.collapsed:
                    return True
                cur = parent.get(cur)
            return False

        rows = [r for r in rows if not hidden(r)]
        self.matrix = code_matrix(self.facts, rows, self.cols, self.measure)
        self.draw()

    def draw(self) -> None:
        m, table = self.matrix, self.query_one(DataTable)
        if m is None:
            return
        if m.measure == "share":  # on the read connection, under its lock
            self.mpu_app.read(lambda _p: m.talk)
        lang = self.mpu_app.labels.lang
        where = table.cursor_coordinate
        table.clear(columns=True)
        table.add_column("Code", key="code")
        for c in m.cols:
            name = c.label_zh if lang == "zh" else c.label_en
            table.add_column(visible(name), key=f"c{len(table.columns)}")
        cells = m.cells
        for r, row in enumerate(m.rows):
            label = row.label_zh if lang == "zh" else row.label_en
            mark = "▸ " if row.id in self.collapsed else ""
            head = Text(
                "  " * row.depth + mark + visible(label), style="bold" if row.depth == 0 else ""
            )
            table.add_row(head, *[_cell(v, m.measure) for v in cells[r]], key=row.id)
        if m.rows and m.cols:
            table.cursor_coordinate = where if where.row < len(m.rows) else where._replace(row=0)
            if table.cursor_coordinate.column == 0:
                table.cursor_coordinate = table.cursor_coordinate._replace(column=1)
        what = (
            f"{count(len(m.rows), 'code')} x {COLUMN_NAMES[self.cols]}: {MEASURE_NAMES[m.measure]}"
        )
        if self.text_filter:
            what += f" (codes matching '{visible(self.text_filter)}')"
        self.query_one("#matrix-title", Label).update("Matrix: " + what)
        self.show_detail()

    def current(self) -> tuple[int, int] | None:
        """(row, column) of the matrix under the cursor; None on the code column."""
        m = self.matrix
        coord = self.query_one(DataTable).cursor_coordinate
        if m is None or not m.rows or coord.column == 0 or coord.row >= len(m.rows):
            return None
        return coord.row, coord.column - 1

    def show_detail(self) -> None:
        m, at = self.matrix, self.current()
        detail = self.query_one("#matrix-detail", Static)
        if m is None or at is None:
            detail.update("" if m is None or m.rows else "No code matches the filter.")
            return
        r, c = at
        lang = self.mpu_app.labels.lang
        row, col = m.rows[r], m.cols[c]
        text = Text()
        text.append(visible(row.label_zh if lang == "zh" else row.label_en), style="bold")
        text.append(" × ")
        text.append(visible(col.label_zh if lang == "zh" else col.label_en), style="bold")
        text.append(
            f": {count(int(m.value(r, c, 'passages')), 'passage')}, "
            f"{count(int(m.value(r, c, 'participants')), 'participant')}"
        )
        if m.facts.talk_read:  # read in the background after the first draw
            text.append(f", {shown(m.value(r, c, 'share'), 'share')} of the column's talk")
        summary = self.summaries.get((self.cols, col.key, row.id))
        if summary:
            text.append("\nSummary: ", style="bold")
            text.append(visible(summary))
        elif self.cols in ("group", "participant"):
            text.append("\nNo summary yet (e writes one).", style="dim")
        detail.update(text)

    # ------------------------------------------------------------------ keys
    def on_data_table_cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        event.stop()
        self.show_detail()

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        self.open_cell()

    def open_cell(self) -> None:
        m, at = self.matrix, self.current()
        if m is not None and at is None and m.rows:
            self.toggle(m.rows[self.query_one(DataTable).cursor_coordinate.row].id)
            return
        if m is None or at is None:
            return
        r, c = at
        ids = m.cell_codings(r, c)
        try:
            codings = self.mpu_app.read(lambda p: AnalysisReads(p).codings(ids))
            participants = {p.label: p.group_id for p in self.mpu_app.project.participants.list()}
        except (MpuQualError, sqlite3.Error) as exc:
            self.mpu_app.show_error(exc, "Could not list the passages")
            return
        lang = self.mpu_app.labels.lang
        title = (
            f"{m.rows[r].label_zh if lang == 'zh' else m.rows[r].label_en} × "
            f"{m.cols[c].label_zh if lang == 'zh' else m.cols[c].label_en}: "
            f"{count(len(codings), 'coding')}"
        )

        def done(chosen: Coding | None) -> None:
            if chosen is None:
                return
            workbench = self.mpu_app.workbench
            self.dismiss(None)
            if workbench is not None:
                workbench.set_hit_list([(x.source_id, x.start, x.end) for x in codings], "passage")
                workbench.jump_to(chosen)

        self.app.push_screen(
            PassagesScreen(visible(title), codings, self.mpu_app.labels, participants), done
        )

    def action_summary(self) -> None:
        """e: write (or edit, or with empty text clear) the framework summary of the cell."""
        m, at = self.matrix, self.current()
        if self.query_one(Input).has_focus or m is None:
            return
        if self.cols not in ("group", "participant"):
            self.notify(
                "Summaries belong to a participant's or a group's cell: press c for those columns.",
                timeout=4,
            )
            return
        if at is None:
            self.notify("Move to a cell first (a column right of the codes).", timeout=3)
            return
        row, col = m.rows[at[0]], m.cols[at[1]]
        by, old = self.cols, self.summaries.get((self.cols, col.key, row.id), "")
        lang = self.mpu_app.labels.lang
        title = (
            f"Summary of {col.label_zh if lang == 'zh' else col.label_en} × "
            f"{row.label_zh if lang == 'zh' else row.label_en}"
        )

        def save(text: str | None) -> None:
            if text is None or text == old.strip():
                return
            project = self.mpu_app.project
            done = self.mpu_app.run_write(
                lambda: set_summary(project, by, col.key, row.id, text),
                "Could not save the summary",
            )
            if done is None or self.facts is None:
                return
            self.notify(f"{done}. Ctrl+Z in the workbench undoes it.", timeout=3)
            facts = self.facts
            self.summaries = self.mpu_app.read(lambda p: _read_summaries(p, facts))
            self.show_detail()

        self.app.push_screen(MemoScreen(visible(title), old, what="summary"), save)

    def toggle(self, code_id: str) -> None:
        """Enter on a code's name: hide (or show again) its sub-codes."""
        if self.facts is None or not any(c.parent_id == code_id for c in self.facts.codes):
            self.notify("This code has no sub-codes to fold.", timeout=2)
            return
        self.collapsed ^= {code_id}
        self.rebuild()

    def action_measure(self, step: int = 1) -> None:
        if self.query_one(Input).has_focus:
            return
        self.measure = MEASURES[(MEASURES.index(self.measure) + step) % len(MEASURES)]
        if self.matrix is not None:
            self.matrix = self.matrix.with_measure(self.measure)
            self.draw()

    def action_columns(self) -> None:
        self.cols = COLUMNS[(COLUMNS.index(self.cols) + 1) % len(COLUMNS)]
        self.rebuild()

    def action_filter(self) -> None:
        box = self.query_one(Input)
        box.add_class("-shown")
        box.value = self.text_filter
        box.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.text_filter = event.value.strip()
        self.query_one(Input).remove_class("-shown")
        self.query_one(DataTable).focus()
        self.rebuild()

    def action_back(self) -> None:
        box = self.query_one(Input)
        if box.has_class("-shown") or self.text_filter:
            box.remove_class("-shown")
            self.text_filter = ""
            self.query_one(DataTable).focus()
            self.rebuild()
            return
        self.dismiss(None)

    def palette_commands(self) -> list[tuple[str, str, str]]:
        """(title, help, action) for the command palette opened over this screen."""
        return [
            ("Help: the keys of this screen", "F1", "app.help"),
            ("Next measure", "Passages, participants, share of talk (Tab)", "measure"),
            ("Next kind of columns", "Groups, participants, transcripts (c)", "columns"),
            ("Filter the codes", "/", "filter"),
            ("Write the cell's framework summary", "Participant or group columns (e)", "summary"),
            ("Close the matrix", "Esc", "back"),
        ]


def _read_summaries(project: Project, facts: Facts) -> dict[tuple[str, str, str], str]:
    return {
        (by, key, code): text
        for by in ("group", "participant")
        for (key, code), text in cell_summaries(project, facts, by).items()
    }


def _cell(value: float | int, measure: str) -> Text:
    text = shown(value, measure)
    return Text(text, justify="right", style="dim" if not value else "")
