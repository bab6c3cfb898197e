"""A rich progress bar for the terminal: audio time done / total, ETA, and which mode runs.

Kept apart from the runner (which only emits ProgressEvent) so the TUI can show the same
events its own way.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from mpu_qual.speech.results import ProgressEvent


def clock(ms: float | None) -> str:
    if ms is None:
        return "?:??:??"
    s = int(ms // 1000)
    return f"{s // 3600:d}:{s % 3600 // 60:02d}:{s % 60:02d}"


class AudioTimeColumn(ProgressColumn):
    """``0:12:30 / 1:45:00`` of audio."""

    def render(self, task: Task) -> Text:
        total = task.total if task.total else None
        return Text(f"{clock(task.completed)} / {clock(total)}", style="progress.download")


class RichProgress:
    """Context manager; call it with each ProgressEvent."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.progress = Progress(
            TextColumn("[bold]{task.fields[name]}[/]"),
            TextColumn("{task.fields[status]}", style="cyan"),
            BarColumn(),
            AudioTimeColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[segments]} seg"),
            console=self.console,
            transient=False,
        )
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> RichProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(None, None, None)

    @staticmethod
    def status(ev: ProgressEvent) -> str:
        """The phase, and once known, the mode, device and language that run."""
        if ev.phase != "transcribing":
            text = ev.phase
        else:
            parts = [ev.mode or "?", ev.device or "", ev.compute_type or "", ev.language or ""]
            text = " ".join(p for p in parts if p)
        if ev.resumed_from_ms:
            text += f" (resumed at {clock(ev.resumed_from_ms)})"
        return text

    def __call__(self, ev: ProgressEvent) -> None:
        key = str(ev.path)
        task = self._tasks.get(key)
        if task is None:
            task = self.progress.add_task(
                "",
                total=ev.total_ms,
                completed=ev.done_ms,
                name=ev.name,
                status=self.status(ev),
                segments=ev.segments,
            )
            self._tasks[key] = task
            return
        self.progress.update(
            task,
            total=ev.total_ms,
            completed=ev.done_ms,
            status=self.status(ev),
            segments=ev.segments,
        )
