"""Review of disagreements between coders: one unit at a time, the coders side by side.

Keys: → / n next, ← / p previous, 1-9 accept that coder's coding, b keep both (everyone's),
0 / x neither, u segment or character units, Ctrl+Z undo, Esc close. Each decision is one
undoable action (``mpu_qual.team.disagreements.resolve``); the unit then leaves the list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from mpu_qual.errors import MpuQualError
from mpu_qual.team.disagreements import Disagreement, find_disagreements, resolve, unit_codings
from mpu_qual.team.methods import fmt_coef, fmt_percent

if TYPE_CHECKING:
    from mpu_qual.team.reliability import AgreementReport
    from mpu_qual.tui.app import MpuQualApp

CONTEXT = 40  # characters of context shown around a character run


class DisagreementsScreen(ModalScreen[None]):
    """Steps through the units where coders differ, worst codes first."""

    BINDINGS = [
        Binding("escape,q", "close", "Close", show=False),
        Binding("right,n", "step(1)", "Next disagreement", show=False, priority=True),
        Binding("left,p", "step(-1)", "Previous disagreement", show=False, priority=True),
        *[
            Binding(str(k), f"accept({k})", f"Accept coder {k}'s coding", show=False)
            for k in range(1, 10)
        ],
        Binding("b", "decide('both')", "Keep both codings", show=False),
        Binding("0,x", "decide('neither')", "Neither: remove the codings", show=False),
        Binding("u", "toggle_unit", "Segment / character units", show=False),
        Binding("ctrl+z", "undo", "Undo the last decision", show=False),
    ]

    def __init__(self, unit: str = "segment") -> None:
        super().__init__(classes="dialog-screen")
        self.unit = unit
        self.items: list[Disagreement] = []
        self.report: AgreementReport | None = None
        self.index = 0
        self.problem: str | None = None

    @property
    def mpu_app(self) -> MpuQualApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-full", id="review"):
            yield Label("Review disagreements", classes="dialog-title", id="review-title")
            yield Label("", classes="dialog-help", id="review-where")
            with VerticalScroll():
                yield Static("", id="review-body")
            yield Label(
                "→/← next/previous · 1-9 accept that coder's · b both · 0 neither · "
                "u segment/character · Ctrl+Z undo · Esc close",
                classes="dialog-keys",
            )

    def on_mount(self) -> None:
        self.reload()

    # ------------------------------------------------------------------ data
    def reload(self) -> None:
        self.problem = None
        if self.mpu_app.coders.blind:
            self.items, self.report = [], None
            self.problem = (
                "Blind mode is on, so the other coders' codings are hidden. Close this, press B "
                "to leave blind mode, then open the review again."
            )
        else:
            try:
                self.report, self.items = find_disagreements(self.mpu_app.project, unit=self.unit)
            except MpuQualError as exc:
                self.items, self.report = [], None
                self.problem = exc.message + (f"\n{exc.hint}" if exc.hint else "")
        self.index = max(0, min(self.index, len(self.items) - 1))
        self.show()

    @property
    def current(self) -> Disagreement | None:
        return self.items[self.index] if self.items else None

    def show(self) -> None:
        where = self.query_one("#review-where", Label)
        body = self.query_one("#review-body", Static)
        d = self.current
        if d is None or self.report is None:
            where.update("")
            body.update(self.problem or "No disagreements: the coders agree on every unit.")
            return
        labels = self.mpu_app.labels
        s = self.report.codes[d.code_id]
        place = f"segment {d.segment}" if d.segment is not None else f"characters {d.start}-{d.end}"
        where.update(
            f"{self.index + 1} of {len(self.items)} · {labels.path(d.code_id)} "
            f"(agreement {fmt_percent(s.percent)}, alpha {fmt_coef(s.alpha)}) · "
            f"{d.source_name} · {place} · {self.unit} units"
        )
        body.update(self.side_by_side(d))

    def side_by_side(self, d: Disagreement) -> Table:
        """One column per coder: the unit's text with that coder's coded parts marked."""
        text = self.mpu_app.project.team.source_text(d.source_id)
        assert text is not None, f"transcript {d.source_id} is gone"
        a = d.start if d.segment is not None else max(0, d.start - CONTEXT)
        b = d.end if d.segment is not None else min(len(text), d.end + CONTEXT)
        color = self.mpu_app.labels.color(d.code_id)
        have = unit_codings(self.mpu_app.project, d)
        table = Table(expand=True, show_lines=True)
        cells = []
        for k, coder in enumerate(d.values, start=1):
            coded = d.values[coder]
            table.add_column(
                Text.assemble(
                    (f" {k} ", "bold reverse"),
                    f" {coder} ",
                    ("coded it" if coded else "did not code it", "bold" if coded else "dim"),
                )
            )
            cell = Text(text[a:b].replace("\n", " "))
            for _cid, s, e, _memo in have.get(coder, []):
                cell.stylize(f"bold underline on {color}", max(0, s - a), max(0, min(b, e) - a))
            for cid, s, e, memo in have.get(coder, []):
                cell.append(f"\ncoding {cid}: {s}-{e}", style="dim")
                if memo:
                    cell.append(f" · memo: {memo}", style="italic")
            cells.append(cell)
        table.add_row(*cells)
        return table

    # ------------------------------------------------------------------ actions
    def action_step(self, direction: int) -> None:
        if self.items:
            self.index = (self.index + direction) % len(self.items)
            self.show()

    def action_accept(self, k: int) -> None:
        d = self.current
        if d is None:
            return
        coders = list(d.values)
        if not 1 <= k <= len(coders):
            self.notify(f"There are {len(coders)} coders here (keys 1-{len(coders)}).")
            return
        self._decide(d, "accept", coders[k - 1])

    def action_decide(self, decision: str) -> None:
        d = self.current
        if d is not None:
            self._decide(d, decision, None)

    def _decide(self, d: Disagreement, decision: str, coder: str | None) -> None:
        done = self.mpu_app.run_write(
            lambda: resolve(self.mpu_app.project, d, decision, coder),
            "Could not apply the decision",
        )
        if done is None:
            return
        what = {
            "accept": f"Accepted {coder}'s coding",
            "both": "Kept both codings",
            "neither": "Removed the codings",
        }[decision]
        self.notify(f"{what} ({done} changed). Ctrl+Z undoes it.", timeout=3)
        self.reload()

    def action_toggle_unit(self) -> None:
        self.unit = "char" if self.unit == "segment" else "segment"
        self.index = 0
        self.reload()

    def action_undo(self) -> None:
        desc = self.mpu_app.run_write(
            self.mpu_app.project.history.undo, "Could not undo", allow_none=True
        )
        if desc is self.mpu_app.FAILED:
            return
        self.notify(f"Undone: {desc}" if desc else "Nothing to undo.", timeout=3)
        self.reload()

    def action_close(self) -> None:
        self.dismiss(None)
