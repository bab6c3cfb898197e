"""What ``transcribe --cluster`` keeps per file while it runs, and what it reports: each file
(as a batch does), each worker's share, how audio reached the workers, and the workers that
left during the run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mpu_qual.speech.batch import BatchReport
from mpu_qual.speech.checkpoint import Run


@dataclass
class WorkerStats:
    """What one worker did in this run."""

    tasks: int = 0
    audio_ms: int = 0
    busy_s: float = 0.0
    failed: int = 0
    segments: int = 0


@dataclass
class ClusterReport(BatchReport):
    """A batch report plus what each worker did and how audio reached them."""

    workers: dict[str, WorkerStats] = field(default_factory=dict)
    transports: dict[str, str] = field(default_factory=dict)  # file -> "path" or "bytes"
    reruns: int = 0  # tasks seen on a worker that was lost, finished by another one
    lost_workers: list[str] = field(default_factory=list)


# every worker -> what it runs now (labels such as "fg03 part 2/9"), and what each has done
WorkersCallback = Callable[[dict[str, list[str]], dict[str, "WorkerStats"]], None]


@dataclass
class FileJob:
    """One recording in a cluster run: its checkpoint, its parts and what came back."""

    path: Path
    name: str
    run: Run
    vtt_path: Path
    started: float
    ref: dict[str, Any]
    data: Any = None  # the scattered bytes (a Future) when the workers cannot see the file
    parts: list[tuple[int, int]] = field(default_factory=list)
    whole: bool = True
    resume_ms: int = 0
    next_part: int = 0
    deferred: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    done_parts: set[int] = field(default_factory=set)
    waiting: dict[int, dict[str, Any]] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    done_ms: int = 0
    segments: int = 0
    futures: list[Any] = field(default_factory=list)
    on: set[str] = field(default_factory=set)
