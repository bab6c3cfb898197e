"""The workbench: transcript list and codebook on the left, the transcript in the middle.

The screen is the wiring. It composes the components (``mpu_qual.tui.components``), holds the
state (``WorkbenchState``), pushes data into the components, and answers their messages and
its keys through the flows in tui/workbench/ (navigation, coding, codebook) and
tui/transcript_correction.py, which call the library (the Project's concern objects). Every user
action is one call to the Project API, saved the moment it returns; the screen then refreshes
what that action changed. Errors become notifications, never tracebacks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.events import DescendantFocus
from textual.notifications import Notification
from textual.screen import Screen
from textual.widgets import Footer, Header

from mpu_qual.store.records import Coding, SearchHit, Source
from mpu_qual.tui import workbench_view
from mpu_qual.tui.components import CodebookTree, SourceList, StatusBar, TranscriptView
from mpu_qual.tui.components.status_bar import Caret, message_line
from mpu_qual.tui.screens.catalog import SCREENS
from mpu_qual.tui.transcript_correction import BINDINGS as CORRECTION_BINDINGS
from mpu_qual.tui.transcript_correction import TranscriptCorrection
from mpu_qual.tui.widgets.transcript_sizes import NARROW, WIDE
from mpu_qual.tui.workbench.codebook import CodebookFlow
from mpu_qual.tui.workbench.coding import CodingFlow
from mpu_qual.tui.workbench.follow_up import FollowUp
from mpu_qual.tui.workbench.navigation import NavigationFlow
from mpu_qual.tui.workbench.palette import palette_commands
from mpu_qual.tui.workbench.state import Hit, WorkbenchState
from mpu_qual.tui.workbench_view import ViewCoding

if TYPE_CHECKING:  # an import only (tui.app imports this module)
    from mpu_qual.tui.app import MpuQualApp


class WorkbenchScreen(Screen[None]):
    """Coding a transcript, keyboard first."""

    # Narrow terminals give the transcript the whole width; Ctrl+T / Ctrl+B show the panel.
    # Wide ones give the codebook room for its codes' full names.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW, "-normal"), (WIDE, "-wide")]

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
        *[
            Binding(entry.key, f"open_screen('{entry.name}')", entry.title, show=False)
            for entry in SCREENS.values()
            if entry.key
        ],
        *CORRECTION_BINDINGS,  # listening and correcting (issue #13)
    ]

    def __init__(self) -> None:
        super().__init__()
        self.state = WorkbenchState()
        self.navigation = NavigationFlow(self)
        self.coding = CodingFlow(self)
        self.codebook = CodebookFlow(self, self.navigation)
        self.correction = TranscriptCorrection(self)  # listening and correcting (issue #13)
        # the side panels' update after a coding (an update waiting reads the view)
        self.panels = FollowUp(self, lambda: self._update_panels())

    # ------------------------------------------------------------------ parts
    @property
    def mpu_app(self) -> MpuQualApp:
        """The app, as the workbench's own type (only MpuQualApp pushes this screen)."""
        return cast("MpuQualApp", self.app)

    @property
    def view(self) -> TranscriptView:
        return self.query_one(TranscriptView)

    @property
    def codebook_tree(self) -> CodebookTree:
        """The codebook panel (not ``tree``: DOMNode.tree is Textual's own DOM view)."""
        return self.query_one(CodebookTree)

    @property
    def sources_list(self) -> SourceList:
        return self.query_one(SourceList)

    @property
    def source(self) -> Source | None:
        """The transcript in the view (other screens read it: evidence, review, voices)."""
        return self.state.source

    @property
    def counts(self) -> dict[str, int]:
        """Codings per code, as the codebook panel shows them."""
        return self.state.counts

    def source_order(self) -> list[int]:
        return list(self.sources_list.summaries)

    def select_code(self, code_id: str) -> None:
        self.codebook_tree.select_code(code_id)

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◆")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield SourceList(id="sources")
                yield CodebookTree(id="codebook")
            yield TranscriptView(id="view")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        project = self.mpu_app.project
        name, name_zh = self.mpu_app.labels.title
        self.title = "mpu-qual"
        self.sub_title = (name_zh if self.mpu_app.labels.lang == "zh" and name_zh else name) or (
            project.folder.name
        )
        summaries = workbench_view.source_list(project)
        self.sources_list.set_sources(summaries)
        self.state.counts = self.mpu_app.code_counts()
        self.codebook_tree.populate(self.mpu_app.labels, self.state.counts)
        self.view.focus()
        # the status line follows the caret in the same frame (a CursorMoved message would
        # reach this screen after the view's frame, and its repaint take a frame of its own)
        self.view.caret_listeners.append(self.update_status)
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
        self.panels.flush()  # what waits was for the transcript in the view until now
        self.state.source = src
        self.state.rescoping = None
        doc = workbench_view.load_doc(project, src, self.mpu_app.labels)
        codings = self._view_codings(src.id)
        self.view.load(doc, codings, cursor=cursor)
        self.sources_list.mark_current(src.id)
        self.view.set_hits([(s, e) for sid, s, e in self.state.hit_list if sid == src.id])
        return True

    def reload_codings(self, changed: tuple[list[Any], list[Any]] | None = None) -> None:
        """Re-read the current transcript's codings (after an edit, undo or redo); with
        ``changed`` (the touched codings as they were and are) only those."""
        if self.state.source is None:
            return
        app = self.mpu_app
        named = app.coders.show_coders()
        app.coders.refresh(app.project)  # an index look-up: whether labels name coders
        if changed is None or app.coders.show_coders() != named:  # every label changes
            self.view.set_codings(self._view_codings(self.state.source.id))
            self.codings_changed()
            return
        codings, counts = workbench_view.after_step(
            self.view.codings,
            self.counts,
            *changed,
            source_id=self.state.source.id,
            labels=app.labels,
            visible=app.coders.visible,
            coders=app.coders.show_coders(),
        )
        self.view.set_codings(codings)
        self.codings_changed(counts)

    def _view_codings(self, source_id: int) -> list[ViewCoding]:
        """The transcript's codings this coder may see (blind mode: their own), labelled
        with their coder when several coders' work is shown."""
        self.mpu_app.coders.refresh(self.mpu_app.project)
        return workbench_view.to_view(
            self.mpu_app.visible_codings(source=source_id),
            self.mpu_app.labels,
            coders=self.mpu_app.coders.show_coders(),
        )

    def codings_changed(self, counts: dict[str, int] | None = None) -> None:
        """Coded share, tree counts and status after codings changed (counts: if known)."""
        self.state.counts = counts if counts is not None else self.mpu_app.code_counts()
        self.update_status()
        # the side panels follow: the transcript and the status line, what the key was for,
        # reach the screen first (the tree repaints every visible row when a label changes,
        # which doubled the time from a coding key to the screen)
        # (in a session once the frame is out: run_app sets panels_after_s)
        self.panels.request(self.mpu_app.panels_after_s)

    def _update_panels(self) -> None:
        """The coded share in the transcript list and the counts in the codebook tree."""
        source = self.state.source
        if source is not None:
            share = workbench_view.coded_share(self.view.codings, source.length)
            self.sources_list.update_share(source.id, share, len(self.view.codings))
        self.codebook_tree.update_counts(self.mpu_app.labels, self.state.counts)

    def refresh_all(self) -> None:
        """Re-read everything (after undo/redo, a codebook edit or a participant change)."""
        project = self.mpu_app.project
        self.mpu_app.labels.reload(project)
        self.mpu_app.recent = [c for c in self.mpu_app.recent if c in self.mpu_app.labels.by_id]
        summaries = workbench_view.source_list(project)
        current = self.state.source.id if self.state.source else None
        ids = {s["id"] for s in summaries}
        self.sources_list.set_sources(summaries, current if current in ids else None)
        self.load_statistics()
        self.state.counts = self.mpu_app.code_counts()
        self.codebook_tree.populate(self.mpu_app.labels, self.state.counts)
        if current is not None and current in ids:
            view = self.view
            cursor, anchor = view.cursor, view.selection_anchor
            top = view.scroll_offset.y
            self.open_source(current, cursor)
            view.selection_anchor = anchor
            view.scroll_to(y=top, animate=False, immediate=True)
            view.refresh()
        elif summaries:
            self.open_source(summaries[0]["id"])
        else:
            self.state.source = None
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
        src = self.state.source
        current = src.id if src else None
        for s in summaries:
            if src is not None and s["id"] == src.id:  # the view knows best (newer codings)
                s["coded_share"] = workbench_view.coded_share(self.view.codings, src.length)
                s["codings"] = len(self.view.codings)
        self.sources_list.set_sources(summaries, current)

    # ------------------------------------------------------------------ used by other screens
    def apply_codes(self, code_ids: list[str], span: tuple[int, int]) -> list[Coding] | None:
        """Code ``span`` of the open transcript with ``code_ids`` as one undoable action."""
        return self.coding.apply_codes(code_ids, span)

    def set_hit_list(self, hits: list[Hit], kind: str) -> None:
        self.navigation.set_hit_list(hits, kind)

    def jump_to(self, target: SearchHit | Coding | Hit) -> None:
        self.navigation.jump_to(target)

    # ------------------------------------------------------------------ status
    def show_message(self, notification: Notification | None) -> None:
        """The latest notification (or None) on the status bar's message line."""
        line = None
        if notification is not None:
            line = message_line(
                notification.title,
                notification.message,
                notification.severity,
                notification.markup,
            )
        for status in self.query(StatusBar):
            status.set_message(line)

    def update_status(self) -> None:
        status = self.query_one(StatusBar)
        view = self.view
        labels = self.mpu_app.labels
        recent = [
            (str(i + 1), labels.code(cid), labels.color(cid))
            for i, cid in enumerate(self.mpu_app.recent[:9])
        ]
        lay = view.layout_
        source = self.state.source
        if source is None or lay is None or not lay.segments:
            status.show("No transcript open.", recent)
            return
        k = lay.segment_at(view.cursor)
        seg = lay.segments[k]
        sel = view.selection
        where = Caret(
            source=source.name,
            segment=k + 1,
            segments=len(lay.segments),
            time=seg.time,
            speaker=seg.speaker,
            group=seg.group,
            selected=sel[1] - sel[0] if sel else 0,
            here=[(c.label, c.color) for c in view.codings_at()[:4]],
        )
        mode = f"BLIND · {self.mpu_app.coders.name}" if self.mpu_app.coders.blind else ""
        playing = self.correction.status_text()
        if playing:
            mode = f"{mode} · {playing}" if mode else playing
        if self.state.rescoping is not None:
            mode = "RE-SCOPE: adjust the selection, Enter applies, Esc cancels"
        status.show(where, recent, mode)

    # ------------------------------------------------------------------ components' messages
    @on(SourceList.SourceChosen)
    def _source_chosen(self, message: SourceList.SourceChosen) -> None:
        if self.open_source(message.source_id):
            self.view.focus()

    @on(SourceList.Left)
    @on(CodebookTree.Left)
    def _panel_left(self) -> None:
        self.action_focus_panel("view")

    @on(TranscriptView.Confirmed)
    def _view_confirmed(self) -> None:
        self.coding.confirm()

    @on(TranscriptView.Cancelled)
    def _view_cancelled(self) -> None:
        self.coding.cancel()

    @on(CodebookTree.PassagesWanted)
    def _passages_wanted(self, message: CodebookTree.PassagesWanted) -> None:
        self.codebook.show_passages(message.code_id)

    @on(CodebookTree.ApplyWanted)
    def _apply_wanted(self, message: CodebookTree.ApplyWanted) -> None:
        self.coding.code_with(message.code_id)

    @on(CodebookTree.AddWanted)
    def _add_wanted(self, message: CodebookTree.AddWanted) -> None:
        self.codebook.add(message.parent_id)

    @on(CodebookTree.EditWanted)
    def _edit_wanted(self, message: CodebookTree.EditWanted) -> None:
        self.codebook.edit(message.code_id)

    @on(CodebookTree.MoveWanted)
    def _move_wanted(self, message: CodebookTree.MoveWanted) -> None:
        self.codebook.move(message.code_id)

    @on(CodebookTree.MergeWanted)
    def _merge_wanted(self, message: CodebookTree.MergeWanted) -> None:
        self.codebook.merge(message.code_id)

    @on(CodebookTree.DeleteWanted)
    def _delete_wanted(self, message: CodebookTree.DeleteWanted) -> None:
        self.codebook.delete(message.code_id)

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        if event.widget is self.view:
            self.query_one("#left").remove_class("-shown")  # narrow: back to full width

    # ------------------------------------------------------------------ keys and palette
    # (the keys above and the palette's commands; each hands over to a flow)
    def action_focus_panel(self, which: str) -> None:
        if which != "view":
            self.query_one("#left").add_class("-shown")
        {"sources": self.sources_list, "codebook": self.codebook_tree, "view": self.view}[
            which
        ].focus()

    def action_code_selection(self) -> None:
        self.coding.code_selection()

    def action_apply_recent(self, n: int) -> None:
        self.coding.apply_recent(n)

    def action_memo(self) -> None:
        self.coding.memo()

    def action_remove_coding(self) -> None:
        self.coding.remove()

    def action_rescope(self) -> None:
        self.coding.rescope()

    def action_details(self) -> None:
        self.coding.details()

    def action_goto(self) -> None:
        self.navigation.ask_goto()

    def action_search(self) -> None:
        self.navigation.search()

    def action_next_hit(self, direction: int) -> None:
        self.navigation.next_hit(direction)

    def action_show_passages(self) -> None:
        self.codebook.show_passages(self.codebook_tree.current_code)

    def action_add_code(self, theme: bool) -> None:
        self.codebook.add(None if theme else self.codebook_tree.current_code)

    def action_edit_code(self) -> None:
        self.codebook.edit(self.codebook_tree.current_code)

    def action_move_code(self) -> None:
        self.codebook.move(self.codebook_tree.current_code)

    def action_merge_code(self) -> None:
        self.codebook.merge(self.codebook_tree.current_code)

    def action_delete_code(self) -> None:
        self.codebook.delete(self.codebook_tree.current_code)

    def action_set_speaker(self) -> None:
        self.codebook.set_speaker()

    def action_correct(self, what: str) -> None:
        """Listening and correcting: see mpu_qual.tui.transcript_correction."""
        self.correction.run(what)

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

    def action_undo(self) -> None:
        self._step(undo=True)

    def action_redo(self) -> None:
        self._step(undo=False)

    def _step(self, undo: bool) -> None:
        if self.mpu_app.busy:
            self.notify("Auto-coding is still running; try again in a moment.", severity="warning")
            return
        project = self.mpu_app.project
        action = project.history.next_action(undo)
        # an action on codings alone (most undos): read the codings again, not everything
        # (the whole workbench took 100-350 ms: codebook.yaml parsed, tree and text rebuilt)
        codings_only = action is not None and project.history.tables(action) == {"codings"}
        # only the codings it touches are read again, unless another window changed the
        # project since (then what is shown may be out of date: everything is)
        touched = project.history.coding_ids(action) if codings_only and action else set()
        incremental = codings_only and not project.changed_elsewhere()
        before = project.codings.get_many(touched)
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
        self.state.rescoping = None
        if codings_only:
            self.reload_codings(
                (before, project.codings.get_many(touched)) if incremental else None
            )
        else:
            self.refresh_all()
        if action is not None:  # in people's words, read from what the action changed
            desc = project.history.describe(action) or desc
        self.notify(f"{'Undone' if undo else 'Redone'}: {desc}", timeout=3)

    def action_toggle_blind(self) -> None:
        self.mpu_app.toggle_blind()

    def action_toggle_lang(self) -> None:
        self.mpu_app.labels.lang = "zh" if self.mpu_app.labels.lang == "en" else "en"
        self.refresh_all()

    def action_view_action(self, action: str) -> None:
        self.app.call_later(self.app.run_action, action, self.view)

    def action_open_source_action(self, source_id: int) -> None:
        if self.open_source(source_id):
            self.view.focus()

    def palette_commands(self) -> list[tuple[str, str, str]]:
        """(title, help, action) for every action the workbench offers."""
        labels = self.mpu_app.labels
        return palette_commands(
            [(cid, labels.code(cid)) for cid in self.mpu_app.recent],
            self.correction.palette_commands(),
            [(s["id"], s["name"]) for s in self.sources_list.summaries.values()],
        )

    def on_unmount(self) -> None:
        self.correction.close()
