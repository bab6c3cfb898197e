"""The workbench's coding flows: code the selection, apply recent codes, memo, remove,
re-scope, details. Each ends in one undoable action of the library (``project.codings``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text

from mpu_qual.store.records import Coding
from mpu_qual.tui import workbench_view
from mpu_qual.tui.screens.code_picker import CodePickerScreen
from mpu_qual.tui.screens.details import DetailsScreen
from mpu_qual.tui.screens.dialogs import ChoiceScreen, MemoScreen
from mpu_qual.tui.workbench.state import WorkbenchHost
from mpu_qual.tui.workbench_view import ViewCoding

if TYPE_CHECKING:  # an import only (tui.app imports the workbench screen, which imports this)
    from mpu_qual.tui.app import MpuQualApp


class CodingFlow:
    """Coding the transcript under the caret: one undoable library action each."""

    def __init__(self, host: WorkbenchHost) -> None:
        self.host = host

    @property
    def app(self) -> MpuQualApp:
        return self.host.mpu_app

    # ------------------------------------------------------------------ coding
    def _need_selection(self) -> tuple[int, int] | None:
        sel = self.host.view.selection
        if sel is None or self.host.state.source is None:
            self.app.notify(
                "Select a passage first: shift+arrows, s (sentence), t (segment), or drag "
                "with the mouse.",
                title="Nothing selected",
                severity="warning",
            )
            return None
        return sel

    def _trim(self, span: tuple[int, int]) -> tuple[int, int]:
        """Drop white space at both ends of a span, so quotes start and end on words."""
        if self.host.state.source is None:
            return span
        text = self.host.state.source.text
        a, b = span
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        return (a, b) if b > a else span

    def _quote_preview(self, start: int, end: int, n: int = 70) -> str:
        if self.host.state.source is None:
            return ""
        q = " ".join(self.host.state.source.text[start:end].split())
        return q if len(q) <= n else q[: n - 1] + "…"

    def code_selection(self) -> None:
        sel = self._need_selection()
        if sel is None:
            return
        context = f"“{self._quote_preview(*sel)}”"

        def picked(ids: list[str] | None) -> None:
            if ids:
                self.apply_codes(ids, sel)

        self.app.push_screen(CodePickerScreen(self.app.labels, context=context), picked)

    def code_with(self, cid: str | None) -> None:
        """Code the selection with one code (the codebook panel's, with c)."""
        sel = self._need_selection()
        if cid and sel:
            self.apply_codes([cid], sel)

    def apply_recent(self, n: int) -> None:
        if n > len(self.app.recent):
            self.app.notify(
                f"There is no recent code {n} yet. Code a passage with c first.", severity="warning"
            )
            return
        sel = self._need_selection()
        if sel is not None:
            self.apply_codes([self.app.recent[n - 1]], sel)

    def apply_codes(self, code_ids: list[str], span: tuple[int, int]) -> list[Coding] | None:
        """Code ``span`` of the open transcript with ``code_ids`` as one undoable action."""
        if self.host.state.source is None or not code_ids:
            return None
        if self.app.busy:
            self.app.notify(
                "Auto-coding is still running; try again in a moment.", severity="warning"
            )
            return None
        start, end = self._trim(span)
        me = self.app.coders.name
        existing = {(c.code_id, c.start, c.end) for c in self.host.view.codings if c.coder == me}
        new_ids = [cid for cid in code_ids if (cid, start, end) not in existing]
        if not new_ids:
            self.app.notify("This passage already has that code.", severity="warning")
            return None
        src = self.host.state.source
        created = self.app.run_write(
            lambda: self.app.project.codings.add_many(src, start, end, new_ids, coder=me),
            "Could not code",
        )
        if created is None:
            return None
        for cid in reversed(new_ids):
            if cid in self.app.recent:
                self.app.recent.remove(cid)
            self.app.recent.insert(0, cid)
        del self.app.recent[9:]
        self.host.view.set_codings(
            self.host.view.codings
            + workbench_view.to_view(created, self.app.labels, coders=self.app.coders.show_coders())
        )
        counts = self.host.state.counts
        for c in created:
            counts[c.code_id] = counts.get(c.code_id, 0) + 1
        self.host.codings_changed(counts)
        names = ", ".join(self.app.labels.code(c) for c in new_ids)
        self.app.notify(f"Coded as {names}: “{self._quote_preview(start, end, 50)}”", timeout=3)
        return created

    def _choose_coding(self, title: str, then: Callable[[ViewCoding], None]) -> None:
        """Call ``then`` with the coding the user means (asking when several qualify)."""
        candidates = self.host.view.codings_for_action()
        if not candidates:
            self.app.notify(
                "There is no coding at the caret. Move into a coloured passage first.",
                title="No coding here",
                severity="warning",
            )
            return
        if len(candidates) == 1:
            then(candidates[0])
            return
        by_id = {str(c.id): c for c in candidates}
        options = []
        for c in candidates:
            t = Text()
            t.append("■ ", style=c.color)
            t.append(c.label, style="bold")
            t.append(f"  “{self._quote_preview(c.start, c.end, 50)}”", style="dim")
            options.append((str(c.id), t))
        self.app.push_screen(
            ChoiceScreen(title, options, "Several codings overlap here."),
            lambda cid: then(by_id[cid]) if cid else None,
        )

    def memo(self) -> None:
        def edit(c: ViewCoding) -> None:
            self.app.push_screen(
                MemoScreen(
                    f"Memo on {c.label}: “{self._quote_preview(c.start, c.end, 40)}”", c.memo
                ),
                lambda memo: self.save_memo(c.id, memo) if memo is not None else None,
            )

        self._choose_coding("Memo on which coding?", edit)

    def save_memo(self, coding_id: int, memo: str) -> None:
        done = self.app.run_write(
            lambda: self.app.project.codings.update(coding_id, memo=memo),
            "Could not save the memo",
        )
        if done is not None:
            self.host.reload_codings()
            self.app.notify("Memo saved." if memo else "Memo removed.", timeout=3)

    def remove(self) -> None:
        def remove(c: ViewCoding) -> None:
            done = self.app.run_write(
                lambda: self.app.project.codings.remove(c.id), "Could not remove the coding"
            )
            if done is not None:
                self.host.reload_codings()
                self.app.notify(f"Removed {c.label} (ctrl+z brings it back).", timeout=3)

        self._choose_coding("Remove which coding?", remove)

    def rescope(self) -> None:
        sel = self.host.view.selection

        def rescope(c: ViewCoding) -> None:
            if sel is not None and sel != (c.start, c.end):
                self.apply_rescope(c.id, sel)
                return
            self.host.state.rescoping = c.id
            self.host.view.select(c.start, c.end, center=False)
            self.host.update_status()

        self._choose_coding("Re-scope which coding?", rescope)

    def apply_rescope(self, coding_id: int, span: tuple[int, int]) -> None:
        self.host.state.rescoping = None
        span = self._trim(span)
        done = self.app.run_write(
            lambda: self.app.project.codings.update(coding_id, start=span[0], end=span[1]),
            "Could not re-scope the coding",
        )
        if done is not None:
            self.host.reload_codings()
            self.app.notify(f"Coding now covers “{self._quote_preview(*span, 50)}”.", timeout=3)
        self.host.update_status()

    def confirm(self) -> None:
        """Enter in the transcript: apply a re-scope under way, else code the selection."""
        if self.host.state.rescoping is not None:
            sel = self.host.view.selection
            if sel is None:
                self.app.notify(
                    "Select the new extent first (or Esc to cancel).", severity="warning"
                )
                return
            self.apply_rescope(self.host.state.rescoping, sel)
            return
        self.code_selection()

    def cancel(self) -> None:
        """Escape in the transcript: cancel a re-scope, clear the selection."""
        if self.host.state.rescoping is not None:
            self.host.state.rescoping = None
            self.app.notify("Re-scope cancelled.", timeout=2)
        self.host.view.action_clear_selection()
        self.host.update_status()

    def details(self) -> None:
        here = self.host.view.codings_for_action()
        if not here:
            self.app.notify("There is no coding at the caret.", severity="warning")
            return
        codings = []
        for c in here:
            try:
                codings.append(self.app.project.codings.get(c.id))
            except Exception as exc:
                self.app.show_error(exc, "Could not read the coding")
                return
        self.app.push_screen(DetailsScreen(codings, self.app.labels, self.app.project))
