"""Transcribe several recordings one after the other (``mpu-qual transcribe A B C``): one\nfailure is reported and the rest go on.\n"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mpu_qual.errors import MpuQualError
from mpu_qual.speech.diarize import Diarizer
from mpu_qual.speech.model_lookup import ResolvedModel
from mpu_qual.speech.options import TranscribeOptions
from mpu_qual.speech.results import TranscriptionInterrupted, TranscriptionResult
from mpu_qual.speech.runner import ProgressCallback, Transcriber

if TYPE_CHECKING:
    from mpu_qual.store import Project


@dataclass
class BatchReport:
    """Every file of a batch: the ones done and the ones that failed (with why)."""

    results: list[TranscriptionResult] = field(default_factory=list)
    failures: list[tuple[Path, MpuQualError]] = field(default_factory=list)
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not self.failures and not self.interrupted


def transcribe_files(
    project: Project,
    paths: Sequence[str | Path],
    options: TranscribeOptions,
    *,
    name: str | None = None,
    restart: bool = False,
    model: ResolvedModel | None = None,
    diarizer: Diarizer | None = None,
    on_progress: ProgressCallback | None = None,
    on_result: Callable[[TranscriptionResult], None] | None = None,
    on_failure: Callable[[Path, MpuQualError], None] | None = None,
    cancel: threading.Event | None = None,
) -> BatchReport:
    """Transcribe several files; a bad file is reported and the batch goes on.

    Model and language problems are raised at once (they would fail every file).
    Ctrl+C stops the batch after saving what the current file produced.
    """
    if name is not None and len(paths) > 1:
        raise MpuQualError("--name works with one audio file only", field="name")
    tr = Transcriber(
        project, options, model=model, diarizer=diarizer, on_progress=on_progress, cancel=cancel
    )
    report = BatchReport()
    for p in paths:
        path = Path(p)
        try:
            res = tr.transcribe(path, name=name, restart=restart)
        except TranscriptionInterrupted as exc:
            report.failures.append((path, exc))
            report.interrupted = True
            if on_failure:
                on_failure(path, exc)
            break
        except KeyboardInterrupt:
            report.interrupted = True
            break
        except MpuQualError as exc:
            if exc.path is None:
                exc.path = str(path)
            report.failures.append((path, exc))
            if on_failure:
                on_failure(path, exc)
            continue
        report.results.append(res)
        if on_result:
            on_result(res)
    return report
