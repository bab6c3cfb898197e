"""Transcription in the workbench: run ``mpu-qual transcribe`` work in the background, review
the flagged segments of a transcript, and assign speakers to many segments at once.

A transcription runs in an app-level thread worker with its own project connection, through
the same ``Transcriber`` the CLI uses (the decoder itself is a separate process), so the
researcher keeps coding while it works and may close this screen; reopening it shows the
progress again. When it is done the transcript list is refreshed. Quitting the workbench
cancels the run; the saved segments stay for a resume, as after Ctrl+C in the CLI.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    Label,
    OptionList,
    ProgressBar,
    Select,
    Static,
    TabbedContent,
    TabPane,
)
from textual.widgets.option_list import Option

from mpu_qual.errors import MpuQualError
from mpu_qual.figures import count
from mpu_qual.speech.model_lookup import offline_models
from mpu_qual.speech.options import TranscribeOptions
from mpu_qual.speech.review import review_items
from mpu_qual.transcript_files.timecode import parse_time
from mpu_qual.tui.screens.form import press_button
from mpu_qual.tui.transcription_job import TranscriptionJob, current_job, progress_line, start_job
from mpu_qual.tui.workbench_view import fmt_ms

if TYPE_CHECKING:
    from mpu_qual.speech.options import TranscribeOptions
    from mpu_qual.tui.app import MpuQualApp

LANGUAGES = [
    ("Language: auto-detect", "auto"),
    ("English (en)", "en"),
    ("Chinese, written (zh)", "zh"),
    ("Cantonese (yue)", "yue"),
]


# ---------------------------------------------------------------------- the background job


# ---------------------------------------------------------------------- the screen
class TranscribeScreen(ModalScreen[None]):
    """Three tabs: start a transcription, review flagged segments, assign speakers."""

    DEFAULT_CSS = """
    #transcribe .tx-row { height: auto; }
    #transcribe .tx-row Input, #transcribe .tx-row Select { width: 1fr; }
    #transcribe TabbedContent { height: 1fr; }
    #transcribe TabPane { height: 1fr; padding: 0; }
    #tx-progress { margin-top: 1; }
    #tx-status, #sp-preview, #tx-review-count { height: auto; margin-top: 1; }
    #tx-review { height: 1fr; }
    #sp-unlabelled { width: auto; }
    #transcribe .tx-caption { width: auto; padding: 1 1 0 0; color: $text-muted; }
    """

    BINDINGS = [
        Binding(
            "ctrl+s",
            "run",
            "Start the transcription / assign the speakers / jump (the open tab)",
            show=False,
            priority=True,
        ),
        Binding("f2", "show_tab('tx-tab-new')", "Tab: transcribe audio", show=False),
        Binding("f3", "show_tab('tx-tab-review')", "Tab: review flags", show=False),
        Binding("f4", "show_tab('tx-tab-speakers')", "Tab: assign speakers", show=False),
        Binding("escape", "close", "Close", show=False),
        Binding("f1", "app.help", "Help: the keys here", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(classes="dialog-screen")
        self.spans: dict[int, tuple[int, int]] = {}  # segment id -> text span, for jumps

    @property
    def mpu_app(self) -> MpuQualApp:
        return cast("MpuQualApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-full", id="transcribe"):
            yield Label("Transcription", classes="dialog-title")
            with Horizontal(classes="tx-row"):
                yield Label("Transcript for review and speakers", classes="tx-caption")
                yield Select([], prompt="(none yet)", id="tx-source")
            with TabbedContent(initial="tx-tab-new"):
                with TabPane("Transcribe audio (F2)", id="tx-tab-new"):
                    yield Input(
                        placeholder="Path of a recording (WAV, MP3, M4A, MP4, MOV …)",
                        id="tx-audio",
                    )
                    with Horizontal(classes="tx-row"):
                        yield Input(placeholder="Name (default: the file name)", id="tx-name")
                        yield Select([], prompt="Model: best offline", id="tx-model")
                        yield Select(LANGUAGES, value="auto", allow_blank=False, id="tx-language")
                    with Horizontal(classes="dialog-buttons"):
                        yield Button("Start (ctrl+s)", id="tx-start", variant="primary")
                        yield Button("Cancel transcription", id="tx-cancel")
                    yield ProgressBar(total=100, show_eta=False, id="tx-progress")
                    yield Static("", id="tx-status")
                with TabPane("Review flags (F3)", id="tx-tab-review"):
                    yield Static("", id="tx-review-count")
                    yield OptionList(id="tx-review")
                with TabPane("Assign speakers (F4)", id="tx-tab-speakers"):
                    with Horizontal(classes="tx-row"):
                        yield Input(placeholder="Speaker label (e.g. P3, Moderator)", id="sp-label")
                        yield Input(placeholder="Only segments now labelled …", id="sp-current")
                        yield Checkbox("Only unlabelled", id="sp-unlabelled")
                    with Horizontal(classes="tx-row"):
                        yield Input(placeholder="From (1:02:03, 12:30 or 95)", id="sp-from")
                        yield Input(placeholder="To (exclusive)", id="sp-to")
                        yield Input(placeholder="Text matches (regex)", id="sp-match")
                    yield Static("", id="sp-preview")
                    with Horizontal(classes="dialog-buttons"):
                        yield Button("Assign (ctrl+s)", id="sp-assign", variant="primary")
            yield Label(
                "F2/F3/F4 tabs · Ctrl+S runs the open tab · Enter on a flag jumps to it · "
                "F1 keys · Esc closes (transcribing goes on)",
                classes="dialog-keys",
            )

    def on_mount(self) -> None:
        self.load_sources()
        self.load_models()
        self.show_job()
        self.set_interval(0.25, self.show_job)
        self.preview_speakers()
        self.query_one("#tx-audio", Input).focus()

    # ------------------------------------------------------------------ transcripts
    def load_sources(self, select: int | None = None) -> None:
        sources = self.mpu_app.project.sources.list()
        box = self.query_one("#tx-source", Select)
        box.set_options([(s.name, s.id) for s in sources])
        if select is None:
            wb = self.mpu_app.workbench
            select = wb.source.id if wb is not None and wb.source is not None else None
        if select is None and sources:
            select = sources[0].id
        if select is not None and any(s.id == select for s in sources):
            box.value = select
        self.load_review()

    @property
    def source_id(self) -> int | None:
        v = self.query_one("#tx-source", Select).value
        return v if isinstance(v, int) else None  # Select.NULL: nothing chosen

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "tx-source":
            self.load_review()
            self.preview_speakers()

    # ------------------------------------------------------------------ transcribing
    @work(thread=True, exclusive=True, group="tx-models")
    def load_models(self) -> None:
        """Models found offline (scanning caches takes a moment, so off the UI thread)."""

        try:
            found = offline_models()
        except Exception:  # the list is a convenience; typing no model means "best available"
            return
        self.app.call_from_thread(self._set_models, [m.name for m in found])

    def _set_models(self, names: list[str]) -> None:
        if self.is_attached:
            self.query_one("#tx-model", Select).set_options([(n, n) for n in names])

    def options(self) -> TranscribeOptions:

        model = self.query_one("#tx-model", Select).value
        language = self.query_one("#tx-language", Select).value
        opts = TranscribeOptions(
            model=None if model is Select.NULL else str(model),
            language=None if language in (Select.NULL, "auto") else str(language),
        )
        opts.validate()
        return opts

    def action_start(self) -> None:
        raw = self.query_one("#tx-audio", Input).value.strip()
        if not raw:
            self.notify(
                "Type the path of a recording first (WAV, MP3, M4A, MP4 …).",
                title="No audio file",
                severity="error",
            )
            return
        audio = Path(raw).expanduser()
        if not audio.is_absolute():
            audio = Path.cwd() / audio
        name = self.query_one("#tx-name", Input).value.strip() or None
        try:
            job = TranscriptionJob(audio, name, self.options())
            start_job(self.mpu_app, job)
        except MpuQualError as exc:
            self.mpu_app.show_error(exc, "Cannot start the transcription")
            return
        self.notify(
            f"Transcribing {audio.name} in the background; you can close this screen and "
            "keep coding.",
            timeout=4,
        )
        self.show_job()

    def action_cancel_job(self) -> None:
        job = current_job(self.app)
        if job is None or job.done:
            self.notify("No transcription is running.", severity="warning", timeout=3)
            return
        job.cancel.set()
        self.query_one("#tx-status", Static).update("Cancelling… the saved segments are kept.")

    def show_job(self) -> None:
        """Progress bar (audio time done / total) and the mode line of the running job."""
        job = current_job(self.app)
        bar = self.query_one("#tx-progress", ProgressBar)
        status = self.query_one("#tx-status", Static)
        if job is None:
            bar.update(total=100, progress=0)
            status.update("No transcription running.")
            return
        if job.done:
            if job.result is not None:
                bar.update(total=100, progress=100)
                status.update(f"Done: '{job.result.name}' ({job.result.segments} segments).")
            elif job.error is not None:
                bar.update(total=100, progress=0)
                msg = job.error.message if isinstance(job.error, MpuQualError) else job.error
                status.update(Text(f"Stopped: {msg}", style="bold red"))
            return
        if job.cancel.is_set():
            return
        ev = job.last
        if ev is not None and ev.total_ms:
            bar.update(total=ev.total_ms, progress=min(ev.done_ms, ev.total_ms))
        else:
            bar.update(total=None)
        status.update(progress_line(ev))

    def job_finished(self, job: TranscriptionJob) -> None:
        """Called when the background job ends: show its transcript in the other tabs."""
        self.show_job()
        if job.result is not None:
            self.load_sources(select=job.result.source_id)
        for w in job.warnings:
            self.notify(w, severity="warning", timeout=6)

    # ------------------------------------------------------------------ review flags
    def load_review(self) -> None:

        box = self.query_one("#tx-review", OptionList)
        counter = self.query_one("#tx-review-count", Static)
        box.clear_options()
        self.spans = {}
        sid = self.source_id
        if sid is None:
            counter.update("No transcript in the project yet.")
            return
        project = self.mpu_app.project
        try:
            items = review_items(project, sid)
            self.spans = {g.id: (g.start, g.end) for g in project.sources.segments(sid)}
        except (MpuQualError, sqlite3.Error) as exc:
            self.mpu_app.show_error(exc, "Could not read the review flags")
            return
        if not items:
            counter.update("Nothing to review: no segment of this transcript is flagged.")
            return
        counter.update(f"{count(len(items), 'segment')} to review. Enter jumps to one.")
        for i in items:
            t = Text(no_wrap=True, overflow="ellipsis")
            t.append(f"#{i.idx:<4} {fmt_ms(i.start_ms)}  ", style="dim")
            t.append(f"{i.speaker or '?':<10} ", style="bold")
            t.append("; ".join(i.reasons()), style="yellow")
            quote = " ".join(i.text.split())
            quote = quote if len(quote) <= 60 else quote[:59] + "…"
            t.append(f"  “{quote}”")
            box.add_option(Option(t, id=str(i.segment_id)))
        box.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.jump(int(event.option.id))

    def jump(self, segment_id: int) -> None:
        """Close and select the flagged segment in the workbench."""
        wb = self.mpu_app.workbench
        sid = self.source_id
        span = self.spans.get(segment_id)
        if wb is None or sid is None or span is None:
            return
        wb.jump_to((sid, span[0], span[1]))
        self.dismiss(None)

    # ------------------------------------------------------------------ speakers
    def criteria(self) -> dict[str, Any] | None:
        """``project.speakers.select`` keyword arguments from the fields; None when none is given."""

        def val(wid: str) -> str:
            return self.query_one(f"#{wid}", Input).value.strip()

        crit: dict[str, Any] = {}
        if val("sp-from"):
            crit["start_ms"] = parse_time(val("sp-from"), "from")
        if val("sp-to"):
            crit["end_ms"] = parse_time(val("sp-to"), "to")
        if val("sp-match"):
            crit["pattern"] = val("sp-match")
        if val("sp-current"):
            crit["speaker"] = val("sp-current")
        if self.query_one("#sp-unlabelled", Checkbox).value:
            crit["unlabelled"] = True
        return crit or None

    def on_input_changed(self, event: Input.Changed) -> None:
        if (event.input.id or "").startswith("sp-"):
            self.preview_speakers()

    def on_checkbox_changed(self, _event: Checkbox.Changed) -> None:
        self.preview_speakers()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "tx-audio":
            self.action_start()
        else:
            self.focus_next()

    def preview_speakers(self) -> None:
        """How many segments the criteria select (a dry run), updated as the user types."""
        out = self.query_one("#sp-preview", Static)
        sid = self.source_id
        if sid is None:
            out.update("Choose a transcript at the top first.")
            return
        try:
            crit = self.criteria()
        except MpuQualError as exc:
            out.update(Text(exc.message, style="bold red"))
            return
        if crit is None:
            out.update(
                "Say which segments: a time range, a text pattern, their current speaker, "
                "or only unlabelled ones."
            )
            return
        self._count_segments(sid, crit)

    @work(thread=True, exclusive=True, group="tx-speakers")
    def _count_segments(self, sid: int, crit: dict[str, Any]) -> None:

        try:
            n = len(self.mpu_app.read(lambda p: p.speakers.select(sid, **crit)))
        except (MpuQualError, sqlite3.Error) as exc:
            msg = exc.message if isinstance(exc, MpuQualError) else str(exc)
            self.app.call_from_thread(self._show_count, Text(msg, style="bold red"))
            return
        self.app.call_from_thread(self._show_count, Text(f"{count(n, 'segment')} selected."))

    def _show_count(self, text: Text) -> None:
        if self.is_attached:
            self.query_one("#sp-preview", Static).update(text)

    def action_assign(self) -> None:

        sid = self.source_id
        label = self.query_one("#sp-label", Input).value.strip()
        if sid is None:
            self.notify("Choose a transcript at the top first.", severity="error")
            return
        try:
            crit = self.criteria()
            if not label:
                raise MpuQualError("type the speaker label to assign", field="label")
            if crit is None:
                raise MpuQualError(
                    "say which segments: a time range, a pattern, a current speaker or "
                    "only unlabelled ones",
                    field="from",
                )
        except MpuQualError as exc:
            self.mpu_app.show_error(exc, "Nothing was changed")
            return
        res = self.mpu_app.run_write(
            lambda: self.mpu_app.project.speakers.assign(sid, label, **crit),
            "Could not assign the speaker; nothing was changed",
        )
        if res is None:
            return
        if not res.count:
            self.notify("No segment matched; nothing changed.", severity="warning", timeout=4)
            return
        wb = self.mpu_app.workbench
        if wb is not None:
            wb.refresh_all()
        self.load_review()
        self.preview_speakers()
        self.notify(
            f"Labelled {count(res.count, 'segment')} of '{res.source}' as {res.label}. "
            "Ctrl+Z in the workbench undoes it.",
            timeout=5,
        )

    # ------------------------------------------------------------------ keys
    def action_show_tab(self, tab: str) -> None:
        """Switch tabs and put the caret in the tab's first field (not left in a hidden one)."""
        self.query_one(TabbedContent).active = tab
        first = {"tx-tab-new": "#tx-audio", "tx-tab-review": "#tx-review"}.get(tab, "#sp-label")
        self.query_one(first).focus()

    def action_run(self) -> None:
        active = self.query_one(TabbedContent).active
        if active == "tx-tab-new":
            self.action_start()
        elif active == "tx-tab-speakers":
            self.action_assign()
        else:
            box = self.query_one("#tx-review", OptionList)
            if box.highlighted is not None and box.option_count:
                opt = box.get_option_at_index(box.highlighted)
                if opt.id is not None:
                    self.jump(int(opt.id))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        press_button(
            event,
            {
                "tx-start": self.action_start,
                "tx-cancel": self.action_cancel_job,
                "sp-assign": self.action_assign,
            },
        )

    def action_close(self) -> None:
        self.dismiss(None)

    def palette_commands(self) -> list[tuple[str, str, str]]:
        """(title, help, action) for the command palette opened over this screen."""
        return [
            ("Help: the keys of this screen", "F1", "app.help"),
            ("Start the transcription", "Of the recording typed above", "start"),
            ("Cancel the running transcription", "Saved segments stay for a resume", "cancel_job"),
            ("Assign the speaker", "To the segments the criteria select", "assign"),
            ("Run the open tab", "Start / assign / jump to the flag", "run"),
            ("Tab: transcribe audio", "Start a transcription", "show_tab('tx-tab-new')"),
            ("Tab: review flags", "Segments that need a look", "show_tab('tx-tab-review')"),
            ("Tab: assign speakers", "By time range or pattern", "show_tab('tx-tab-speakers')"),
            ("Close transcription", "A running transcription keeps going", "close"),
        ]
