"""The workbench app: ``create_app(folder)`` for the CLI and tests, ``run_app(folder)`` to run it.

The app owns the open Project (one connection, used on the UI thread only). Searches run in
worker threads on a second, read-only connection; auto-coding runs in a worker on its own
connection, so neither freezes the screen and the app never holds a transaction open.
"""

from __future__ import annotations

import gc
import re
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.notifications import Notifications, SeverityLevel
from textual.widgets._toast import ToastRack

from mpu_qual.errors import MpuQualError
from mpu_qual.figures import count
from mpu_qual.playback import Sink
from mpu_qual.safety.notices import add_handler, remove_handler
from mpu_qual.store import Project
from mpu_qual.store.records import SearchHit
from mpu_qual.tui import workbench_view
from mpu_qual.tui.coders import CoderState
from mpu_qual.tui.commands import WorkbenchCommands
from mpu_qual.tui.screens.code_picker import CodePickerScreen
from mpu_qual.tui.screens.dialogs import PromptScreen
from mpu_qual.tui.screens.help import HelpScreen, binding_groups
from mpu_qual.tui.screens.participants import ParticipantEdit
from mpu_qual.tui.screens.workbench import WorkbenchScreen

T = TypeVar("T")
IDLE_GC_S = 0.5  # see MpuQualApp._collect_when_idle
#: After a coding or an undo, the side panels' counts follow this much later in a session, once
#: the frame with the transcript and the status line is out: updated at once, their repaint
#: (10-20 ms: the tree redraws every visible row) held the interpreter while Textual's output
#: thread waited to write that frame, and took the CPU the terminal needed to show it
#: (benchmarks/results/keys.txt, round 4).
PANELS_AFTER_S = 0.05


class MpuQualApp(App[None]):
    """mpu-qual's coding workbench."""

    CSS_PATH = "app.tcss"
    TITLE = "mpu-qual"
    COMMANDS = App.COMMANDS | {WorkbenchCommands}
    BINDINGS = [
        Binding("f1,question_mark", "help", "Help", key_display="?"),
    ]
    FAILED: Any = object()
    freeze_gc = False  # run_app sets it: see on_mount
    early_backup = False  # run_app sets it: see on_mount
    #: Seconds after a coding or an undo that the side panels (the codebook's counts, the
    #: transcript list's coded share) follow the transcript and the status line; 0: in the
    #: frame after them. run_app sets PANELS_AFTER_S (WorkbenchScreen.codings_changed).
    panels_after_s = 0.0

    def __init__(
        self,
        folder: str | Path,
        *,
        project: Project | None = None,
        lang: str = "en",
        coder: str | None = None,
        blind: bool | None = None,
    ) -> None:
        super().__init__()
        self.folder = Path(folder)
        # Notices from the library (read-only open, network folder) become notifications;
        # those raised while opening wait until the screen exists.
        self._pending_notices: list[tuple[str, str]] = []
        self._notices_live = False
        add_handler(self._on_notice)
        self.project = project if project is not None else Project.open(self.folder)
        self.labels = workbench_view.Labels(self.project, lang)
        try:
            self.coders = CoderState(self.project, coder, blind)
        except MpuQualError:
            self.project.close()
            raise
        self.recent: list[str] = workbench_view.recent_code_ids(self.project)
        self.last_query = ""
        self.busy = False
        # where playback sounds (None: the speakers); tests put a recording sink here
        self.audio_sink_factory: Callable[[], Sink] | None = None
        self._reader: Project | None = None
        self._reader_lock = threading.Lock()
        self._last_input = 0.0  # time.monotonic() of the last key or click

    def on_mount(self) -> None:
        self.push_screen(WorkbenchScreen())
        self._notices_live = True
        for level, message in self._pending_notices:
            self._show_notice(level, message)
        self._pending_notices.clear()
        if self.coders.needs_name:
            self.call_after_refresh(self.ask_coder_name)
        # Everything built to show the first screen lives as long as the app: out of the
        # collector's sight, a full collection no longer walks it (measured: the full
        # collections of a session paused 160-170 ms each, 17 ms at most after the freeze;
        # benchmarks/bench_keys.py). Only in a real session: a test process runs many apps.
        if self.freeze_gc:
            self.call_after_refresh(gc.freeze)
            self.set_interval(IDLE_GC_S, self._collect_when_idle)
        # The backup of the project as opened, made before the session's first write, in a
        # thread from the first screen on: the first coding key no longer waits for it
        # (0.3-1 s on the 250,000-segment project; benchmarks/bench_keys.py).
        if self.early_backup:
            self.call_after_refresh(self.project.back_up_in_background)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown)):
            self._last_input = time.monotonic()
        await super().on_event(event)

    def _collect_when_idle(self) -> None:
        """With no key or click for a moment, run the collections of the older generations
        that would otherwise come due during a key: measured in a session, each paused
        the screen 10-25 ms (the middle one, every few keys) or 30-40 ms (the full one)
        on two loaded cores (benchmarks/bench_keys.py). Python still collects on its own
        when they are due; this only runs them earlier, while nobody waits."""
        if time.monotonic() - self._last_input < IDLE_GC_S:
            return
        _young, middle, old = gc.get_count()
        _t0, t1, t2 = gc.get_threshold()
        if old >= t2 // 2:
            gc.collect(2)
        elif middle >= t1 // 2:
            gc.collect(1)

    # ------------------------------------------------------------------ coders, blind mode
    def visible_codings(self, **filters: Any) -> list[Any]:
        """``Project.codings.list(**filters)`` as this coder may see them (own only when blind)."""
        return self.coders.visible(self.project.codings.list(**filters))

    def code_counts(self) -> dict[str, int]:
        return self.coders.code_counts(self.project)

    def ask_coder_name(self, then_blind: bool = True) -> None:
        """Ask who is coding (blind mode needs a name); cancelling leaves blind mode."""

        def answered(name: str | None) -> None:
            if name is None or not name.strip():
                self.coders.blind = False
                self.notify(
                    "Blind mode needs your name; showing everyone's codings. Press B to "
                    "try again, or start with MPU_QUAL_CODER=yourname.",
                    title="Blind mode off",
                    severity="warning",
                )
            else:
                try:
                    self.coders.set_name(name)
                except MpuQualError as exc:
                    self.show_error(exc, "Not a usable name")
                    self.call_after_refresh(self.ask_coder_name, then_blind)
                    return
                self.coders.blind = then_blind
                self.notify(
                    f"Coding as {self.coders.name}"
                    + (": you see only your own codings." if then_blind else "."),
                    title="Blind mode" if then_blind else "Coder",
                    timeout=5,
                )
            wb = self.workbench
            if wb is not None:
                wb.refresh_all()

        self.push_screen(
            PromptScreen(
                "Who is coding?",
                "Blind double coding: your codings carry your name and you see only yours. "
                "(Set MPU_QUAL_CODER to skip this question.)",
                placeholder="your name, e.g. alice",
            ),
            answered,
        )

    def toggle_blind(self) -> None:
        if not self.coders.blind and not self.coders.explicit:
            self.ask_coder_name()
            return
        self.coders.blind = not self.coders.blind
        self.notify(
            f"Blind mode on: showing only {self.coders.name}'s codings."
            if self.coders.blind
            else "Blind mode off: showing everyone's codings.",
            title="Blind mode",
            timeout=4,
        )
        wb = self.workbench
        if wb is not None:
            wb.refresh_all()

    def _on_notice(self, level: str, message: str) -> None:
        if not self._notices_live:
            self._pending_notices.append((level, message))
            return
        try:
            self.call_from_thread(self._show_notice, level, message)
        except RuntimeError:  # already on the app's thread
            self._show_notice(level, message)

    def _show_notice(self, level: str, message: str) -> None:
        severity: SeverityLevel = (
            "error" if level == "error" else "warning" if level == "warning" else "information"
        )
        self.notify(message, title="Project", severity=severity, timeout=10)

    # ------------------------------------------------------------------ notifications
    def _on_notify(self, event: Any) -> None:
        """A message already on show is not shown again while it is still there (Textual's own
        handler, next in line, adds the others)."""
        new = event.notification
        for shown in self._notifications:
            if not shown.has_expired and (shown.title, shown.message, shown.severity) == (
                new.title,
                new.message,
                new.severity,
            ):
                event.prevent_default()
                return

    def _refresh_notifications(self) -> None:
        """On the workbench, the latest message goes to the status bar's reserved line (it never
        covers the transcript); on other screens, only the latest shows as a toast."""
        try:
            screen = self.screen
        except Exception:  # no screen yet: the message shows when one is there
            return
        live = [n for n in self._notifications if not n.has_expired]
        latest = live[-1] if live else None
        if isinstance(screen, WorkbenchScreen):
            for rack in screen.query(ToastRack):
                if rack.display or rack.children:  # a toast from before to take down
                    self.call_later(rack.show, Notifications())
            screen.show_message(latest)
            if latest is not None:
                self.set_timer(latest.time_left + 0.05, self._refresh_notifications)
            return
        try:
            rack = screen.get_child_by_type(ToastRack)
        except NoMatches:
            return
        one = Notifications()
        if latest is not None:
            one.add(latest)
        self.call_later(rack.show, one)

    def on_unmount(self) -> None:
        remove_handler(self._on_notice)
        with self._reader_lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None
        self.project.close()

    @property
    def workbench(self) -> WorkbenchScreen | None:
        for screen in self.screen_stack:
            if isinstance(screen, WorkbenchScreen):
                return screen
        return None

    # ------------------------------------------------------------------ errors and writes
    def show_error(self, exc: BaseException, title: str = "Something went wrong") -> None:
        """Tell the user what happened and what to do next, in plain words."""
        if isinstance(exc, MpuQualError):
            message = exc.message + (f"\n{exc.hint}" if exc.hint else "")
        elif isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            message = (
                "The project is busy: another program is writing to it. Nothing was "
                "changed; try again in a moment."
            )
        elif isinstance(exc, sqlite3.Error):
            message = (
                f"The project database refused the change ({exc}). Nothing was "
                "changed. Run 'mpu-qual doctor' if this keeps happening."
            )
        else:
            message = str(exc) or type(exc).__name__
        self.notify(message, title=title, severity="error", timeout=8)

    def run_write(self, fn: Callable[[], T], title: str, *, allow_none: bool = False) -> Any:
        """Run one Project action; on failure show it and return None (or FAILED).

        The Project rolls back a failed action as a whole, so nothing is half-applied.
        """
        try:
            return fn()
        except (MpuQualError, sqlite3.Error) as exc:
            self.show_error(exc, title)
            return self.FAILED if allow_none else None

    # ------------------------------------------------------------------ reads off the UI thread
    def read(self, fn: Callable[[Project], T]) -> T:
        """Run a read on the second, read-only connection (safe from worker threads)."""
        with self._reader_lock:
            if self._reader is None:
                self._reader = Project.open(self.folder, readonly=True)
            return fn(self._reader)

    def search(self, query: str, limit: int = 500) -> list[SearchHit]:
        """Full-text search across all transcripts (called from the search worker)."""
        return self.read(lambda p: p.search(query, limit=limit))

    def segment_counts(self) -> dict[int, int]:
        return workbench_view.segment_counts(self.project)

    # ------------------------------------------------------------------ participants
    def edit_participant(self, edit: ParticipantEdit) -> bool:
        new_label = edit.new_label if edit.new_label and edit.new_label != edit.label else None
        done = self.run_write(
            lambda: self.project.participants.set(
                edit.label, name=edit.name, group=edit.group, new_label=new_label
            ),
            "Could not change the participant",
        )
        if done is None:
            return False
        self.notify(f"Saved participant {done.label}.", timeout=3)
        return True

    # ------------------------------------------------------------------ auto-coding
    def code_all_hits(self, query: str, unit: str, screen: Any = None) -> None:
        """Ask for a code, then code every passage that contains ``query``."""
        if self.busy:
            self.notify("Auto-coding is already running.", severity="warning")
            return

        def chosen(ids: list[str] | None) -> None:
            if ids:
                self.busy = True
                self.notify(
                    f"Coding every hit of “{query}” as {self.labels.code(ids[0])}…", timeout=3
                )
                self._autocode(ids[0], query, unit)

        self.push_screen(
            CodePickerScreen(
                self.labels, title=f"Code every hit of “{query}” ({unit}) as…", multi=False
            ),
            chosen,
        )

    @work(thread=True, exclusive=True, group="autocode")
    def _autocode(self, code_id: str, query: str, unit: str) -> None:
        try:
            with Project.open(self.folder) as project:
                # the same case-insensitive substring match as the search that listed the
                # hits, so that exactly the hits the user saw get coded
                result = project.codings.autocode(
                    code_id, regex=re.escape(query), unit=unit, coder=self.coders.name
                )
        except (MpuQualError, sqlite3.Error) as exc:
            self.call_from_thread(self._autocode_failed, exc)
            return
        self.call_from_thread(self._autocode_done, result.created, result.skipped_existing, code_id)

    def _autocode_failed(self, exc: BaseException) -> None:
        self.busy = False
        self.show_error(exc, "Auto-coding failed; nothing was coded")

    def _autocode_done(self, created: int, skipped: int, code_id: str) -> None:
        self.busy = False
        if code_id in self.recent:
            self.recent.remove(code_id)
        if created:
            self.recent.insert(0, code_id)
            del self.recent[9:]
        wb = self.workbench
        if wb is not None:
            wb.refresh_all()
        label = self.labels.code(code_id)
        more = f" ({skipped} were coded already)" if skipped else ""
        if created:
            self.notify(
                f"Coded {count(created, 'passage')} as {label}{more}. Ctrl+Z undoes them all.",
                title="Auto-coded",
                timeout=6,
            )
        else:
            self.notify(f"Nothing new to code as {label}{more}.", timeout=4)

    # ------------------------------------------------------------------ help
    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
            return
        self.push_screen(HelpScreen(binding_groups(self.screen)))


def create_app(
    folder: str | Path,
    *,
    lang: str = "en",
    coder: str | None = None,
    blind: bool | None = None,
) -> MpuQualApp:
    """The workbench on the project in ``folder`` (opened now, so errors surface early).

    ``coder`` names who is coding (default: MPU_QUAL_CODER, else the login name); ``blind``
    shows only that coder's codings (default: the project's setting)."""
    return MpuQualApp(folder, lang=lang, coder=coder, blind=blind)


def run_app(folder: str | Path, *, coder: str | None = None, blind: bool | None = None) -> None:
    """Run the workbench in this terminal until the user quits (Ctrl+Q)."""
    app = create_app(Path(folder), coder=coder, blind=blind)
    app.freeze_gc = True
    app.early_backup = True
    app.panels_after_s = PANELS_AFTER_S
    try:
        app.run()
    finally:
        gc.unfreeze()
