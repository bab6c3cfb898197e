"""The workbench: transcript list and codebook on the left, the transcript in the middle.

Every user action here is one call to the Project API, saved the moment it returns; the
screen then refreshes what that action changed. Errors become notifications, never tracebacks.
The actions live in mixins in tui/workbench/: coding.py, codebook.py, navigation.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, OptionList

from mpu_qual.tui import workbench_view
from mpu_qual.tui.screens.catalog import SCREENS
from mpu_qual.tui.transcript_correction import BINDINGS as CORRECTION_BINDINGS
from mpu_qual.tui.transcript_correction import install as install_correction
from mpu_qual.tui.widgets import CodebookTree, SourceList, StatusBar, TranscriptView
from mpu_qual.tui.widgets.status_bar import message_line
from mpu_qual.tui.widgets.transcript_sizes import NARROW, WIDE
from mpu_qual.tui.widgets.transcript_view import ViewCoding
from mpu_qual.tui.workbench.codebook import CodebookActions
from mpu_qual.tui.workbench.coding import CodingActions
from mpu_qual.tui.workbench.navigation import NavigationActions

if TYPE_CHECKING:
    pass


class WorkbenchScreen(NavigationActions, CodebookActions, CodingActions):
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
        self.correction = install_correction(self)  # listening and correcting (issue #13)

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
        self.counts = self.mpu_app.code_counts()
        self.codebook_tree.populate(self.mpu_app.labels, self.counts)
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
        self.source = src
        self.rescoping = None
        doc = workbench_view.load_doc(project, src, self.mpu_app.labels)
        codings = self._view_codings(src.id)
        self.view.load(doc, codings, cursor=cursor)
        self.sources_list.mark_current(src.id)
        self.view.set_hits([(s, e) for sid, s, e in self.hit_list if sid == src.id])
        return True

    def reload_codings(self, changed: tuple[list[Any], list[Any]] | None = None) -> None:
        """Re-read the current transcript's codings (after an edit, undo or redo); with
        ``changed`` (the touched codings as they were and are) only those."""
        if self.source is None:
            return
        app = self.mpu_app
        named = app.coders.show_coders()
        app.coders.refresh(app.project)  # an index look-up: whether labels name coders
        if changed is None or app.coders.show_coders() != named:  # every label changes
            self.view.set_codings(self._view_codings(self.source.id))
            self._after_codings_changed()
            return
        codings, counts = workbench_view.after_step(
            self.view.codings,
            self.counts,
            *changed,
            source_id=self.source.id,
            labels=app.labels,
            visible=app.coders.visible,
            coders=app.coders.show_coders(),
        )
        self.view.set_codings(codings)
        self._after_codings_changed(counts)

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
        self.counts = counts if counts is not None else self.mpu_app.code_counts()
        self.update_status()
        # the side panels follow one frame later: the transcript and the status line, what
        # the key was for, reach the screen first (the tree repaints every visible row when
        # a label changes, which doubled the time from a coding key to the screen)
        self.call_after_refresh(self._update_panels)

    def _update_panels(self) -> None:
        """The coded share in the transcript list and the counts in the codebook tree."""
        if self.source is not None:
            share = workbench_view.coded_share(self.view.codings, self.source.length)
            self.sources_list.update_share(self.source.id, share, len(self.view.codings))
        self.codebook_tree.update_counts(self.mpu_app.labels, self.counts)

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
        self.codebook_tree.populate(self.mpu_app.labels, self.counts)
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
        src = self.source
        current = src.id if src else None
        for s in summaries:
            if src is not None and s["id"] == src.id:  # the view knows best (newer codings)
                s["coded_share"] = workbench_view.coded_share(self.view.codings, src.length)
                s["codings"] = len(self.view.codings)
        self.sources_list.set_sources(summaries, current)

    # ------------------------------------------------------------------ status
    def show_message(self, notification: Any) -> None:
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
        {"sources": self.sources_list, "codebook": self.codebook_tree, "view": self.view}[
            which
        ].focus()

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
        self.rescoping = None
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
