"""A transcription running in the background of the workbench: one job per app, its progress\nfor the status line, cancelling, and what the app says when it ends.\n\nThe job outlives the transcription screen (close it and the work goes on); a screen that wants\nto hear of the end implements ``job_finished(job)`` (``JobWatcher``).\n"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from textual.app import App
from textual.worker import Worker, get_current_worker

from mpu_qual.errors import MpuQualError
from mpu_qual.figures import count
from mpu_qual.speech.options import TranscribeOptions
from mpu_qual.speech.progress import RichProgress, clock
from mpu_qual.speech.runner import Transcriber, TranscriptionInterrupted
from mpu_qual.store import Project
from mpu_qual.tui.workbench_view import fmt_ms

if TYPE_CHECKING:
    from mpu_qual.speech.options import TranscribeOptions
    from mpu_qual.speech.runner import ProgressEvent, TranscriptionResult
    from mpu_qual.tui.app import MpuQualApp


@dataclass
class TranscriptionJob:
    """One transcription started from the workbench; the worker thread fills it in."""

    audio: Path
    name: str | None
    options: TranscribeOptions
    cancel: threading.Event = field(default_factory=threading.Event)
    last: ProgressEvent | None = None
    result: TranscriptionResult | None = None
    error: BaseException | None = None
    warnings: list[str] = field(default_factory=list)
    done: bool = False

    @property
    def label(self) -> str:
        return self.name or self.audio.stem


# one job per app (the latest), forgotten with the app
_JOBS: weakref.WeakKeyDictionary[App[Any], TranscriptionJob] = weakref.WeakKeyDictionary()


@runtime_checkable
class JobWatcher(Protocol):
    """A screen that is told when the job ends (the transcription screen)."""

    def job_finished(self, job: TranscriptionJob) -> None: ...


def current_job(app: App[Any]) -> TranscriptionJob | None:
    """The app's latest transcription (running or finished), if any."""
    return _JOBS.get(app)


class _Cancel(threading.Event):
    """Set by the Cancel button, or when the app cancels the worker (on quit)."""

    def __init__(self, requested: threading.Event, worker: Worker[Any]) -> None:
        super().__init__()
        self.requested = requested
        self.worker = worker

    def is_set(self) -> bool:
        return self.requested.is_set() or self.worker.is_cancelled


def start_job(app: MpuQualApp, job: TranscriptionJob) -> None:
    """Run ``job`` in an app-level thread worker (it outlives the screen that started it)."""
    running = current_job(app)
    if running is not None and not running.done:
        raise MpuQualError(
            f"'{running.label}' is still being transcribed",
            hint="Wait for it to finish, or cancel it first.",
        )
    _JOBS[app] = job
    app.run_worker(
        partial(_run_job, app, job),
        name=f"transcribe {job.label}",
        group="transcribe",
        thread=True,
        exit_on_error=False,
    )


def _run_job(app: MpuQualApp, job: TranscriptionJob) -> None:

    worker = get_current_worker()
    cancel = _Cancel(job.cancel, worker)

    def progress(ev: ProgressEvent) -> None:
        job.last = ev  # one assignment: the screen's timer reads it

    try:
        with Project.open(app.folder) as project:
            tr = Transcriber(project, job.options, on_progress=progress, cancel=cancel)
            job.warnings = list(tr.warnings)
            job.result = tr.transcribe(job.audio, name=job.name)
    except Exception as exc:  # a failed background job must not end the workbench
        job.error = exc
    finally:
        job.done = True
    if not worker.is_cancelled:
        app.call_from_thread(_job_finished, app, job)


def _job_finished(app: MpuQualApp, job: TranscriptionJob) -> None:

    res = job.result
    if res is not None:
        wb = app.workbench
        if wb is not None:
            wb.refresh_all()
        flags = ", ".join(f"{k} {v}" for k, v in sorted(res.flags.items())) or "none"
        app.notify(
            f"'{res.name}': {count(res.segments, 'segment')}, {fmt_ms(res.duration_ms)} of audio "
            f"({res.mode}, {res.device}); review flags: {flags}. It is in the transcript list.",
            title="Transcription done",
            timeout=8,
        )
    elif isinstance(job.error, TranscriptionInterrupted):
        app.notify(
            job.error.message + (f"\n{job.error.hint}" if job.error.hint else ""),
            title="Transcription cancelled",
            severity="warning",
            timeout=8,
        )
    elif job.error is not None:
        app.show_error(job.error, f"Transcription of {job.audio.name} failed")
    for screen in app.screen_stack:
        if isinstance(screen, JobWatcher):
            screen.job_finished(job)


def progress_line(ev: ProgressEvent | None) -> str:
    """``name: 0:00:12 / 0:00:45 of audio · 3 segments · sequential cpu int8 en``."""
    if ev is None:
        return "starting…"

    return (
        f"{ev.name}: {clock(ev.done_ms)} / {clock(ev.total_ms)} of audio · "
        f"{count(ev.segments, 'segment')} · {RichProgress.status(ev)}"
    )
