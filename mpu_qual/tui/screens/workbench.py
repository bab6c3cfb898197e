"""The workbench: transcript list and codebook on the left, the transcript in the middle.

Every user action here is one call to the Project API, saved the moment it returns; the
screen then refreshes what that action changed. Errors become notifications, never tracebacks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList

from mpu_qual.store.records import Coding, SearchHit, Source
from mpu_qual.tui import workbench_view
from mpu_qual.tui.screens.catalog import SCREENS
from mpu_qual.tui.screens.code_form import CodeFormResult, CodeFormScreen
from mpu_qual.tui.screens.code_picker import CodePickerScreen
from mpu_qual.tui.screens.details import DetailsScreen
from mpu_qual.tui.screens.dialogs import ChoiceScreen, ConfirmScreen, MemoScreen, PromptScreen
from mpu_qual.tui.screens.passages import PassagesScreen
from mpu_qual.tui.screens.search import SearchResult, SearchScreen
from mpu_qual.tui.transcript_correction import install as install_correction
from mpu_qual.tui.widgets import CodebookTree, SourceList, StatusBar, TranscriptView
from mpu_qual.tui.widgets.transcript_view import NARROW, ViewCoding

if TYPE_CHECKING:
    from mpu_qual.tui.app import MpuQualApp

_TIME = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$")


class WorkbenchScreen(Screen[None]):
    """Coding a transcript, keyboard first."""

    # Narrow terminals give the transcript the whole width; Ctrl+T / Ctrl+B show the panel.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW, "-normal")]

    BINDINGS = [
        Binding("c", "code_selection", "Code", key_display="c"),
        Binding("slash", "search", "Search", key_display="/"),
        Binding("ctrl+z", "undo", "Undo"),
        Binding("ctrl+y,ctrl+shift+z", "redo", "Redo"),
        *[
            Binding(str(n), f"apply_recent({n})", f"Apply recent code {n}", show=False)
            for n in range(1, 10)
        ],
        Binding("m", "memo", "Memo on the coding at the caret", show=False),
        Binding("x,delete", "remove_coding", "Remove the coding at the caret", show=False),
        Binding("r", "rescope", "Re-scope the coding at the caret", show=False),
        Binding("i", "details", "Details of the codings at the caret", show=False),
        Binding("n", "next_hit(1)", "Next search hit / passage", show=False),
        Binding("N", "next_hit(-1)", "Previous search hit / passage", show=False),
        Binding("g", "goto", "Go to segment, time or speaker", show=False),
        Binding(
            "at",
            "set_speaker",
            "Set the speaker of the selected segments",
            show=False,
            key_display="@",
        ),
        Binding("L", "toggle_lang", "Labels: English / 中文", show=False),
        Binding("ctrl+t", "focus_panel('sources')", "Go to the transcript list", show=False),
        Binding("ctrl+b", "focus_panel('codebook')", "Go to the codebook", show=False),
        Binding("ctrl+e", "focus_panel('view')", "Go to the transcript", show=False),
        Binding("ctrl+s", "saved", "Save (everything is saved already)", show=False),
        Binding("B", "toggle_blind", "Blind mode: only my codings (on / off)", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.source: Source | None = None
        self.hit_list: list[tuple[int, int, int]] = []  # (source_id, start, end)
        self.hit_kind = ""
        self.rescoping: int | None = None
        self.counts: dict[str, int] = {}  # codings per code, as the tree shows them
        for entry in SCREENS.values():
            if entry.key:
                self._bindings.bind(
                    entry.key, f"open_screen('{entry.name}')", entry.title, show=False
                )
        self.correction = install_correction(self)  # listening and correcting (issue #13)

    # ------------------------------------------------------------------ layout
    @property
    def mpu_app(self) -> MpuQualApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◆")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield SourceList(id="sources")
                yield CodebookTree(id="codebook")
            yield TranscriptView(id="view")
        yield StatusBar(id="status")
        yield Footer()

    @property
    def view(self) -> TranscriptView:
        return self.query_one(TranscriptView)

    @property
    def tree(self) -> CodebookTree:
        return self.query_one(CodebookTree)

    @property
    def sources_list(self) -> SourceList:
        return self.query_one(SourceList)

    def on_mount(self) -> None:
        project = self.mpu_app.project
        name, name_zh = self.mpu_app.labels.title
        self.title = "mpu-qual"
        self.sub_title = (name_zh if self.mpu_app.labels.lang == "zh" and name_zh else name) or (
            project.folder.name
        )
        summaries = workbench_view.source_list(project)
        self.sources_list.set_sources(summaries)
        self.counts = self.mpu_app.code_counts()
        self.tree.populate(self.mpu_app.labels, self.counts)
        self.view.focus()
        if project.readonly:
            self.notify(
                "The project is open read-only because it failed its safety checks: you can "
                "read and search, but not code. Quit, run 'mpu-qual doctor', then reopen it.",
                title="Read-only",
                severity="error",
                timeout=30,
            )
        self.load_statistics()
        if summaries:
            self.open_source(summaries[0]["id"])
        else:
            self.update_status()
            self.notify(
                "This project has no transcripts yet. Add one with "
                "'mpu-qual transcripts add FILE', then reopen the workbench.",
                title="No transcripts",
            )

    # ------------------------------------------------------------------ loading
    def open_source(self, source_id: int, cursor: int = 0) -> bool:
        """Show a transcript in the view (the caret at ``cursor``)."""
        project = self.mpu_app.project
        try:
            src = project.sources.get(source_id)
        except Exception as exc:
            self.mpu_app.show_error(exc, "Could not open the transcript")
            return False
        self.source = src
        self.rescoping = None
        doc = workbench_view.load_doc(project, src, self.mpu_app.labels)
        codings = self._view_codings(src.id)
        self.view.load(doc, codings, cursor=cursor)
        self.sources_list.mark_current(src.id)
        self.view.set_hits([(s, e) for sid, s, e in self.hit_list if sid == src.id])
        return True

    def reload_codings(self) -> None:
        """Re-read the current transcript's codings (after an edit, undo or redo)."""
        if self.source is None:
            return
        self.view.set_codings(self._view_codings(self.source.id))
        self._after_codings_changed()

    def _view_codings(self, source_id: int) -> list[ViewCoding]:
        """The transcript's codings this coder may see (blind mode: their own), labelled
        with their coder when several coders' work is shown."""
        self.mpu_app.coders.refresh(self.mpu_app.project)
        return workbench_view.to_view(
            self.mpu_app.visible_codings(source=source_id),
            self.mpu_app.labels,
            coders=self.mpu_app.coders.show_coders(),
        )

    def _after_codings_changed(self, counts: dict[str, int] | None = None) -> None:
        """Coded share, tree counts and status after codings changed (counts: if known)."""
        if self.source is not None:
            share = workbench_view.coded_share(self.view.codings, self.source.length)
            self.sources_list.update_share(self.source.id, share, len(self.view.codings))
        self.counts = counts if counts is not None else self.mpu_app.code_counts()
        self.tree.update_counts(self.mpu_app.labels, self.counts)
        self.update_status()

    def refresh_all(self) -> None:
        """Re-read everything (after undo/redo, a codebook edit or a participant change)."""
        project = self.mpu_app.project
        self.mpu_app.labels.reload(project)
        self.mpu_app.recent = [c for c in self.mpu_app.recent if c in self.mpu_app.labels.by_id]
        summaries = workbench_view.source_list(project)
        current = self.source.id if self.source else None
        ids = {s["id"] for s in summaries}
        self.sources_list.set_sources(summaries, current if current in ids else None)
        self.load_statistics()
        self.counts = self.mpu_app.code_counts()
        self.tree.populate(self.mpu_app.labels, self.counts)
        if current in ids:
            view = self.view
            cursor, anchor = view.cursor, view.anchor
            top = view.scroll_offset.y
            self.open_source(current, cursor)
            view.anchor = anchor
            view.scroll_to(y=top, animate=False, immediate=True)
            view.refresh()
        elif summaries:
            self.open_source(summaries[0]["id"])
        else:
            self.source = None
            self.view.clear()
        self.update_status()

    @work(thread=True, exclusive=True, group="statistics")
    def load_statistics(self) -> None:
        """Duration, speakers and coded share per transcript, off the UI thread."""
        try:
            summaries = self.mpu_app.read(lambda p: p.sources.summaries())
        except Exception:  # statistics are a nicety; the list itself is already shown
            return
        self.app.call_from_thread(self._show_statistics, summaries)

    def _show_statistics(self, summaries: list[dict[str, Any]]) -> None:
        current = self.source.id if self.source else None
        for s in summaries:
            if s["id"] == current:  # the view knows best (a coding may be newer than the read)
                s["coded_share"] = workbench_view.coded_share(self.view.codings, self.source.length)
                s["codings"] = len(self.view.codings)
        self.sources_list.set_sources(summaries, current)

    # ------------------------------------------------------------------ status
    def on_transcript_view_cursor_moved(self, _event: TranscriptView.CursorMoved) -> None:
        self.update_status()

    def update_status(self) -> None:
        status = self.query_one(StatusBar)
        view = self.view
        labels = self.mpu_app.labels
        recent = [
            (str(i + 1), labels.code(cid), labels.color(cid))
            for i, cid in enumerate(self.mpu_app.recent[:9])
        ]
        lay = view.layout_
        if self.source is None or lay is None or not lay.segments:
            status.show("No transcript open.", recent)
            return
        k = lay.segment_at(view.cursor)
        seg = lay.segments[k]
        pos = Text(no_wrap=True, overflow="ellipsis")
        pos.append(self.source.name, style="bold")
        pos.append(f" · segment {k + 1}/{len(lay.segments)} · {seg.time} · ")
        pos.append(seg.speaker or "?", style="bold")
        if seg.group:
            pos.append(f" ({seg.group})")
        sel = view.selection
        if sel:
            pos.append(f" · {sel[1] - sel[0]} characters selected", style="bold")
        here = view.codings_at()
        if here:
            pos.append(" · here: ")
            for n, c in enumerate(here[:4]):
                if n:
                    pos.append(", ")
                pos.append(c.label, style=c.color)
        mode = f"BLIND · {self.mpu_app.coders.name}" if self.mpu_app.coders.blind else ""
        playing = self.correction.status_text()
        if playing:
            mode = f"{mode} · {playing}" if mode else playing
        if self.rescoping is not None:
            mode = "RE-SCOPE: adjust the selection, Enter applies, Esc cancels"
        status.show(pos, recent, mode)

    # ------------------------------------------------------------------ panels
    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if isinstance(event.option_list, SourceList) and event.option.id:
            event.stop()
            if self.open_source(int(event.option.id)):
                self.view.focus()

    def action_focus_panel(self, which: str) -> None:
        if which != "view":
            self.query_one("#left").add_class("-shown")
        {"sources": self.sources_list, "codebook": self.tree, "view": self.view}[which].focus()

    def on_descendant_focus(self, event: Any) -> None:
        if event.widget is self.view:
            self.query_one("#left").remove_class("-shown")  # narrow: back to full width

    def action_saved(self) -> None:
        self.notify(
            "Every action is saved the moment you make it; there is nothing to save.", title="Saved"
        )

    def action_open_screen(self, name: str) -> None:
        entry = SCREENS.get(name)
        if entry is None:
            self.notify(f"The screen '{name}' is not available.", severity="error")
            return

        def done(_result: Any) -> None:
            self.refresh_all()

        self.app.push_screen(entry.factory(self.app), done)

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
        self.app.push_screen(
            CodePickerScreen(self.mpu_app.labels, context=context),
            lambda ids: self.apply_codes(ids, sel) if ids else None,
        )

    def action_code_with_tree_code(self) -> None:
        cid = self.tree.current_code
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

    # ------------------------------------------------------------------ jumping
    def action_goto(self) -> None:
        self.app.push_screen(
            PromptScreen(
                "Go to",
                "A segment number (42), a time (1:05:30 or 65:30), or a "
                "speaker label (their next turn).",
                placeholder="42 · 1:05:30 · IL2",
            ),
            lambda v: self.goto(v) if v else None,
        )

    def goto(self, value: str) -> None:
        lay = self.view.layout_
        if lay is None or not lay.segments or self.source is None:
            return
        value = value.strip()
        if value.isdigit():
            k = int(value) - 1
            if not 0 <= k < len(lay.segments):
                self.notify(
                    f"Segment numbers go from 1 to {len(lay.segments)}.", severity="warning"
                )
                return
            self.view.move_to(lay.segments[k].start)
            return
        m = _TIME.match(value)
        if m:
            h, mi, s = int(m.group(1) or 0), int(m.group(2)), int(m.group(3))
            target = ((h * 60 + mi) * 60 + s) * 1000
            segs = self.mpu_app.project.sources.segments(self.source)
            best = None
            for k, g in enumerate(segs):
                if g.start_ms is not None and g.start_ms <= target:
                    best = k
            if best is None:
                self.notify("No segment starts at or before that time.", severity="warning")
                return
            self.view.move_to(lay.segments[best].start)
            return
        k = lay.segment_at(self.view.cursor)
        n = len(lay.segments)
        for step in range(1, n + 1):
            j = (k + step) % n
            if lay.segments[j].speaker.casefold() == value.casefold():
                self.view.move_to(lay.segments[j].start)
                return
        self.notify(
            f"No segment by '{value}', and it is not a segment number or a time.",
            severity="warning",
        )

    def action_search(self) -> None:
        self.app.push_screen(SearchScreen(self.mpu_app.last_query), self.after_search)

    def after_search(self, result: SearchResult | None) -> None:
        if result is None or not result.hits:
            return
        self.mpu_app.last_query = result.query
        self.set_hit_list([(h.source_id, h.start, h.end) for h in result.hits], "search hit")
        self.jump_to(result.hits[result.index])

    def set_hit_list(self, hits: list[tuple[int, int, int]], kind: str) -> None:
        self.hit_list = hits
        self.hit_kind = kind
        if self.source is not None:
            self.view.set_hits([(s, e) for sid, s, e in hits if sid == self.source.id])

    def jump_to(self, target: SearchHit | Coding | tuple[int, int, int]) -> None:
        if isinstance(target, tuple):
            sid, start, end = target
        else:
            sid, start, end = target.source_id, target.start, target.end
        if self.source is None or self.source.id != sid:
            if not self.open_source(sid):
                return
        self.view.select(start, end)
        self.view.focus()

    def action_next_hit(self, direction: int) -> None:
        if not self.hit_list or self.source is None:
            self.notify(
                "No search hits or passages to step through. Search with / first.",
                severity="warning",
            )
            return
        order = {s["id"]: i for i, s in enumerate(self.sources_list.summaries.values())}
        keyed = sorted(self.hit_list, key=lambda h: (order.get(h[0], 0), h[1], h[2]))
        sel = self.view.selection or (self.view.cursor, self.view.cursor)
        here = (order.get(self.source.id, 0), sel[0], sel[1])
        if direction > 0:
            nxt = next((h for h in keyed if (order.get(h[0], 0), h[1], h[2]) > here), None)
        else:
            nxt = next(
                (h for h in reversed(keyed) if (order.get(h[0], 0), h[1], h[2]) < here), None
            )
        if nxt is None:
            self.notify(f"No more {self.hit_kind or 'hit'}s in this direction.", timeout=2)
            return
        self.jump_to(nxt)

    # ------------------------------------------------------------------ codebook
    def action_show_passages(self) -> None:
        cid = self.tree.current_code
        if not cid:
            return
        try:
            codings = self.mpu_app.visible_codings(code=cid, include_subcodes=True)
        except Exception as exc:
            self.mpu_app.show_error(exc, "Could not list the passages")
            return
        participants = {p.label: p.group_id for p in self.mpu_app.project.participants.list()}
        title = f"{self.mpu_app.labels.path(cid)}: {len(codings)} coded passage(s)"

        def done(c: Coding | None) -> None:
            if c is not None:
                self.set_hit_list([(x.source_id, x.start, x.end) for x in codings], "passage")
                self.jump_to(c)

        self.app.push_screen(
            PassagesScreen(title, codings, self.mpu_app.labels, participants), done
        )

    def _codebook_saved(self, message: str, select: str | None = None) -> None:
        self.refresh_all()
        if select:
            self.tree.select_code(select)
        self.notify(message + " codebook.yaml is updated.", timeout=3)

    def action_add_code(self, theme: bool) -> None:
        parent = None if theme else self.tree.current_code
        prefix = f"{parent}." if parent else ""
        where = f"under {self.mpu_app.labels.path(parent)}" if parent else "as a new theme"

        def save(r: CodeFormResult) -> bool:
            done = self.mpu_app.run_write(
                lambda: self.mpu_app.project.codes.add(
                    r.code_id, r.label_en, r.label_zh, parent, rule=r.rule, color=r.color
                ),
                "Could not add the code",
            )
            if done is not None:
                self._codebook_saved(f"Added {r.code_id}.", r.code_id)
            return done is not None

        self.app.push_screen(
            CodeFormScreen("Add a code", code_id=prefix, context=f"New code {where}.", on_save=save)
        )

    def action_edit_code(self) -> None:
        cid = self.tree.current_code
        if not cid:
            return
        code = self.mpu_app.labels.by_id[cid]

        def save(r: CodeFormResult) -> bool:
            done = self.mpu_app.run_write(
                lambda: self.mpu_app.project.codes.update(
                    cid,
                    label_en=r.label_en,
                    label_zh=r.label_zh,
                    rule=r.rule,
                    color=r.color if r.color != code.color else None,
                ),
                "Could not change the code",
            )
            if done is not None:
                self._codebook_saved(f"Saved {cid}.", cid)
            return done is not None

        self.app.push_screen(
            CodeFormScreen(
                f"Edit {cid}",
                code_id=cid,
                label_en=code.label_en,
                label_zh=code.label_zh,
                rule=code.rule or "",
                color=code.color,
                id_editable=False,
                on_save=save,
            )
        )

    def _subtree(self, cid: str) -> set[str]:
        out = {cid}
        changed = True
        while changed:
            changed = False
            for c in self.mpu_app.labels.codes:
                if c.parent_id in out and c.id not in out:
                    out.add(c.id)
                    changed = True
        return out

    def action_move_code(self) -> None:
        cid = self.tree.current_code
        if not cid:
            return

        def chosen(ids: list[str] | None) -> None:
            if not ids:
                return
            target = None if ids[0] == CodePickerScreen.ROOT else ids[0]
            done = self.mpu_app.run_write(
                lambda: self.mpu_app.project.codes.update(cid, parent_id=target),
                "Could not move the code",
            )
            if done is not None:
                where = self.mpu_app.labels.code(target) if target else "the top level"
                self._codebook_saved(f"Moved {cid} under {where}.", cid)

        self.app.push_screen(
            CodePickerScreen(
                self.mpu_app.labels,
                title=f"Move {self.mpu_app.labels.code(cid)} under…",
                multi=False,
                exclude=self._subtree(cid),
                allow_root=True,
            ),
            chosen,
        )

    def action_merge_code(self) -> None:
        cid = self.tree.current_code
        if not cid:
            return
        n = self.mpu_app.project.codes.counts().get(cid, 0)

        def chosen(ids: list[str] | None) -> None:
            if not ids:
                return
            target = ids[0]

            def confirmed(yes: bool | None) -> None:
                if not yes:
                    return
                done = self.mpu_app.run_write(
                    lambda: self.mpu_app.project.codes.merge(cid, target),
                    "Could not merge the codes",
                )
                if done is not None:
                    self._codebook_saved(
                        f"Merged {cid} into {target} ({done} codings moved).", target
                    )

            self.app.push_screen(
                ConfirmScreen(
                    "Merge codes",
                    f"Move all {n} codings of {self.mpu_app.labels.code(cid)} to "
                    f"{self.mpu_app.labels.code(target)} and delete {cid}? (ctrl+z undoes it)",
                ),
                confirmed,
            )

        self.app.push_screen(
            CodePickerScreen(
                self.mpu_app.labels,
                title=f"Merge {self.mpu_app.labels.code(cid)} into…",
                multi=False,
                exclude=self._subtree(cid),
            ),
            chosen,
        )

    def action_delete_code(self) -> None:
        cid = self.tree.current_code
        if not cid:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                done = self.mpu_app.run_write(
                    lambda: self.mpu_app.project.codes.delete(cid) or True,
                    "Could not delete the code",
                )
                if done is not None:
                    self._codebook_saved(f"Deleted {cid}.")

        self.app.push_screen(
            ConfirmScreen("Delete code", f"Delete {self.mpu_app.labels.path(cid)} ({cid})?"),
            confirmed,
        )

    # ------------------------------------------------------------------ participants
    def action_set_speaker(self) -> None:
        ids = self.view.selected_segment_ids()
        if not ids:
            return
        lay = self.view.layout_
        current = lay.segments[lay.segment_at(self.view.cursor)].speaker if lay else ""

        def done(label: str | None) -> None:
            if not label:
                return
            n = self.mpu_app.run_write(
                lambda: self.mpu_app.project.sources.set_speaker(ids, label),
                "Could not set the speaker",
            )
            if n is not None:
                self.refresh_all()
                self.notify(f"{n} segment(s) now spoken by {label.strip()}.", timeout=3)

        self.app.push_screen(
            PromptScreen(
                f"Speaker of {len(ids)} segment(s)",
                "Type a speaker label (a new label creates a participant).",
                current,
            ),
            done,
        )

    # ------------------------------------------------------------------ app-wide
    def action_undo(self) -> None:
        self._step(undo=True)

    def action_redo(self) -> None:
        self._step(undo=False)

    def _step(self, undo: bool) -> None:
        if self.mpu_app.busy:
            self.notify("Auto-coding is still running; try again in a moment.", severity="warning")
            return
        project = self.mpu_app.project
        desc = self.mpu_app.run_write(
            project.history.undo if undo else project.history.redo,
            "Could not undo" if undo else "Could not redo",
            allow_none=True,
        )
        if desc is self.mpu_app.FAILED:
            return
        if desc is None:
            self.notify("Nothing to undo." if undo else "Nothing to redo.", timeout=2)
            return
        self.rescoping = None
        self.refresh_all()
        self.notify(f"{'Undone' if undo else 'Redone'}: {desc}", timeout=3)

    def action_toggle_blind(self) -> None:
        self.mpu_app.toggle_blind()

    def action_toggle_lang(self) -> None:
        self.mpu_app.labels.lang = "zh" if self.mpu_app.labels.lang == "en" else "en"
        self.refresh_all()

    # ------------------------------------------------------------------ palette
    def palette_commands(self) -> list[tuple[str, str, str]]:
        """(title, help, action) for every action the workbench offers."""
        cmds = [
            (
                "Code the selection…",
                "Open the code picker for the selected passage",
                "code_selection",
            ),
            ("Add or edit a memo", "Memo on the coding at the caret", "memo"),
            ("Remove coding", "Remove the coding at the caret (undoable)", "remove_coding"),
            ("Re-scope coding", "Change the extent of the coding at the caret", "rescope"),
            ("Coding details", "Codes, memo, coder and evidence at the caret", "details"),
            (
                "Select sentence",
                "Select the sentence at the caret (again: extend)",
                "view_action('select_sentence')",
            ),
            (
                "Select segment",
                "Select the whole segment (again: extend)",
                "view_action('select_segment')",
            ),
            ("Copy the selected text", "To the clipboard", "view_action('copy')"),
            ("Next segment", "Move to the next segment", "view_action('jump_segment(1)')"),
            ("Previous segment", "Move to the previous segment", "view_action('jump_segment(-1)')"),
            (
                "Next turn of this speaker",
                "Jump to the same speaker's next turn",
                "view_action('jump_speaker(1)')",
            ),
            (
                "Next uncoded segment",
                "Jump to the next segment without codes",
                "view_action('jump_uncoded(1)')",
            ),
            ("Go to segment, time or speaker…", "Jump by number, hh:mm:ss or label", "goto"),
            ("Search all transcripts…", "Full-text search (English and 中文)", "search"),
            ("Next search hit / passage", "Step to the next hit", "next_hit(1)"),
            ("Previous search hit / passage", "Step to the previous hit", "next_hit(-1)"),
            (
                "Set speaker of selected segments…",
                "Reassign segments to a speaker label",
                "set_speaker",
            ),
            (
                "Show coded passages of the selected code",
                "From the codebook panel",
                "show_passages",
            ),
            ("Add a sub-code…", "Under the code selected in the codebook", "add_code(False)"),
            ("Add a theme…", "A new top-level code", "add_code(True)"),
            ("Rename / edit the selected code…", "Labels, rule, colour", "edit_code"),
            ("Move the selected code…", "Under another code or to the top", "move_code"),
            ("Merge the selected code into…", "Move its codings, delete it", "merge_code"),
            ("Delete the selected code", "Only codes without codings", "delete_code"),
            ("Toggle English / 中文 labels", "Codes and groups", "toggle_lang"),
            (
                "Blind mode: show only my codings (on / off)",
                "For double coding: each coder sees only their own codings",
                "toggle_blind",
            ),
            ("Undo", "Undo the last action (also after a restart)", "undo"),
            ("Redo", "Redo the last undone action", "redo"),
            ("Go to the transcript list", "Open another transcript", "focus_panel('sources')"),
            ("Go to the codebook", "Browse and edit codes", "focus_panel('codebook')"),
            ("Go to the transcript", "Back to reading and coding", "focus_panel('view')"),
        ]
        for n, cid in enumerate(self.mpu_app.recent[:9], start=1):
            cmds.append(
                (
                    f"Apply recent code {n}: {self.mpu_app.labels.code(cid)}",
                    f"Code the selection as {cid}",
                    f"apply_recent({n})",
                )
            )
        if not self.mpu_app.recent:
            cmds.append(
                (
                    "Apply a recent code (keys 1-9)",
                    "Codes you use appear on the number keys",
                    "apply_recent(1)",
                )
            )
        cmds.extend(self.correction.palette_commands())
        for entry in SCREENS.values():
            cmds.append((f"Open: {entry.title}", entry.description, f"open_screen('{entry.name}')"))
        for s in self.sources_list.summaries.values():
            cmds.append(
                (
                    f"Open transcript: {s['name']}",
                    "Show it in the transcript view",
                    f"open_source_action({s['id']})",
                )
            )
        return cmds

    def action_correct(self, what: str) -> None:
        """Listening and correcting: see mpu_qual.tui.transcript_correction."""
        self.correction.run(what)

    def on_unmount(self) -> None:
        self.correction.close()

    def action_view_action(self, action: str) -> None:
        self.app.call_later(self.app.run_action, action, self.view)

    def action_open_source_action(self, source_id: int) -> None:
        if self.open_source(source_id):
            self.view.focus()
