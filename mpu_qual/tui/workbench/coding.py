"""The workbench's coding actions: code the selection, apply recent codes, memo, remove,\nre-scope, details. Each is one undoable action of the library (``project.codings``).\n"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text

from mpu_qual.store.records import Coding
from mpu_qual.tui import workbench_view
from mpu_qual.tui.screens.code_picker import CodePickerScreen
from mpu_qual.tui.screens.details import DetailsScreen
from mpu_qual.tui.screens.dialogs import ChoiceScreen, MemoScreen
from mpu_qual.tui.widgets.transcript_view import ViewCoding
from mpu_qual.tui.workbench.state import WorkbenchState


class CodingActions(WorkbenchState):
    """Mixed into WorkbenchScreen: coding the transcript under the caret."""

    # ------------------------------------------------------------------ coding
    def _need_selection(self) -> tuple[int, int] | None:
        sel = self.view.selection
        if sel is None or self.source is None:
            self.notify(
                "Select a passage first: shift+arrows, s (sentence), t (segment), or drag "
                "with the mouse.",
                title="Nothing selected",
                severity="warning",
            )
            return None
        return sel

    def _trim(self, span: tuple[int, int]) -> tuple[int, int]:
        """Drop white space at both ends of a span, so quotes start and end on words."""
        if self.source is None:
            return span
        text = self.source.text
        a, b = span
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        return (a, b) if b > a else span

    def _quote_preview(self, start: int, end: int, n: int = 70) -> str:
        if self.source is None:
            return ""
        q = " ".join(self.source.text[start:end].split())
        return q if len(q) <= n else q[: n - 1] + "…"

    def action_code_selection(self) -> None:
        sel = self._need_selection()
        if sel is None:
            return
        context = f"“{self._quote_preview(*sel)}”"

        def picked(ids: list[str] | None) -> None:
            if ids:
                self.apply_codes(ids, sel)

        self.app.push_screen(CodePickerScreen(self.mpu_app.labels, context=context), picked)

    def action_code_with_tree_code(self) -> None:
        cid = self.codebook_tree.current_code
        sel = self._need_selection()
        if cid and sel:
            self.apply_codes([cid], sel)

    def action_apply_recent(self, n: int) -> None:
        if n > len(self.mpu_app.recent):
            self.notify(
                f"There is no recent code {n} yet. Code a passage with c first.", severity="warning"
            )
            return
        sel = self._need_selection()
        if sel is not None:
            self.apply_codes([self.mpu_app.recent[n - 1]], sel)

    def apply_codes(self, code_ids: list[str], span: tuple[int, int]) -> list[Coding] | None:
        """Code ``span`` of the open transcript with ``code_ids`` as one undoable action."""
        if self.source is None or not code_ids:
            return None
        if self.mpu_app.busy:
            self.notify("Auto-coding is still running; try again in a moment.", severity="warning")
            return None
        start, end = self._trim(span)
        me = self.mpu_app.coders.name
        existing = {(c.code_id, c.start, c.end) for c in self.view.codings if c.coder == me}
        new_ids = [cid for cid in code_ids if (cid, start, end) not in existing]
        if not new_ids:
            self.notify("This passage already has that code.", severity="warning")
            return None
        src = self.source
        created = self.mpu_app.run_write(
            lambda: self.mpu_app.project.codings.add_many(src, start, end, new_ids, coder=me),
            "Could not code",
        )
        if created is None:
            return None
        for cid in reversed(new_ids):
            if cid in self.mpu_app.recent:
                self.mpu_app.recent.remove(cid)
            self.mpu_app.recent.insert(0, cid)
        del self.mpu_app.recent[9:]
        self.view.set_codings(
            self.view.codings
            + workbench_view.to_view(
                created, self.mpu_app.labels, coders=self.mpu_app.coders.show_coders()
            )
        )
        counts = self.counts
        for c in created:
            counts[c.code_id] = counts.get(c.code_id, 0) + 1
        self._after_codings_changed(counts)
        names = ", ".join(self.mpu_app.labels.code(c) for c in new_ids)
        self.notify(f"Coded as {names}: “{self._quote_preview(start, end, 50)}”", timeout=3)
        return created

    def _choose_coding(self, title: str, then: Callable[[ViewCoding], None]) -> None:
        """Call ``then`` with the coding the user means (asking when several qualify)."""
        candidates = self.view.codings_for_action()
        if not candidates:
            self.notify(
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

    def action_memo(self) -> None:
        def edit(c: ViewCoding) -> None:
            self.app.push_screen(
                MemoScreen(
                    f"Memo on {c.label}: “{self._quote_preview(c.start, c.end, 40)}”", c.memo
                ),
                lambda memo: self.save_memo(c.id, memo) if memo is not None else None,
            )

        self._choose_coding("Memo on which coding?", edit)

    def save_memo(self, coding_id: int, memo: str) -> None:
        done = self.mpu_app.run_write(
            lambda: self.mpu_app.project.codings.update(coding_id, memo=memo),
            "Could not save the memo",
        )
        if done is not None:
            self.reload_codings()
            self.notify("Memo saved." if memo else "Memo removed.", timeout=3)

    def action_remove_coding(self) -> None:
        def remove(c: ViewCoding) -> None:
            done = self.mpu_app.run_write(
                lambda: self.mpu_app.project.codings.remove(c.id), "Could not remove the coding"
            )
            if done is not None:
                self.reload_codings()
                self.notify(f"Removed {c.label} (ctrl+z brings it back).", timeout=3)

        self._choose_coding("Remove which coding?", remove)

    def action_rescope(self) -> None:
        sel = self.view.selection

        def rescope(c: ViewCoding) -> None:
            if sel is not None and sel != (c.start, c.end):
                self.apply_rescope(c.id, sel)
                return
            self.rescoping = c.id
            self.view.select(c.start, c.end, center=False)
            self.update_status()

        self._choose_coding("Re-scope which coding?", rescope)

    def apply_rescope(self, coding_id: int, span: tuple[int, int]) -> None:
        self.rescoping = None
        span = self._trim(span)
        done = self.mpu_app.run_write(
            lambda: self.mpu_app.project.codings.update(coding_id, start=span[0], end=span[1]),
            "Could not re-scope the coding",
        )
        if done is not None:
            self.reload_codings()
            self.notify(f"Coding now covers “{self._quote_preview(*span, 50)}”.", timeout=3)
        self.update_status()

    def action_view_enter(self) -> None:
        if self.rescoping is not None:
            sel = self.view.selection
            if sel is None:
                self.notify("Select the new extent first (or Esc to cancel).", severity="warning")
                return
            self.apply_rescope(self.rescoping, sel)
            return
        self.action_code_selection()

    def action_view_escape(self) -> None:
        if self.rescoping is not None:
            self.rescoping = None
            self.notify("Re-scope cancelled.", timeout=2)
        self.view.action_clear_selection()
        self.update_status()

    def action_details(self) -> None:
        here = self.view.codings_for_action()
        if not here:
            self.notify("There is no coding at the caret.", severity="warning")
            return
        codings = []
        for c in here:
            try:
                codings.append(self.mpu_app.project.codings.get(c.id))
            except Exception as exc:
                self.mpu_app.show_error(exc, "Could not read the coding")
                return
        self.app.push_screen(DetailsScreen(codings, self.mpu_app.labels, self.mpu_app.project))
