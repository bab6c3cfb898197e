"""``mpu-qual transcribe --cluster``: recordings transcribed on Dask workers, one writer.

Each recording is a task; a long one is first cut at silences (``cluster_plan.py``) and each
chunk is a task. Workers run ``cluster_tasks.py`` and never open the project: their results
come back here and are written through the same checkpoint tables and the same final step
(``Transcriber``) as a sequential run, so Ctrl+C, a crash of this command or a lost worker
leaves a run that the same command resumes. Dask re-runs the task of a lost worker on
another one; a chunk is written once, in one transaction, in order, and only if its rows are
not there yet, so nothing is stored twice.

Needs the optional extra ``mpu-qual[cluster]`` (Dask ``distributed``).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from mpu_qual.errors import MpuQualError
from mpu_qual.speech import audio as audio_mod
from mpu_qual.speech import cluster_tasks as tasks
from mpu_qual.speech.audio import SAMPLE_RATE
from mpu_qual.speech.checkpoint import SavedSegment
from mpu_qual.speech.cluster_plan import (
    CHUNK_S,
    IDX_STRIDE,
    LONG_FACTOR,
    Address,
    chunks,
    connect,
    distributed_module,
    parse_address,
)
from mpu_qual.speech.cluster_report import ClusterReport, FileJob, WorkersCallback, WorkerStats
from mpu_qual.speech.diarize import Diarizer
from mpu_qual.speech.flags import LanguageCheck
from mpu_qual.speech.options import TranscribeOptions
from mpu_qual.speech.results import ProgressEvent, TranscriptionInterrupted, TranscriptionResult
from mpu_qual.speech.runner import ProgressCallback, Transcriber, check_name
from mpu_qual.store import Project

TRANSPORTS = ("auto", "path", "bytes")
POLL_S = 0.3
WAIT_FOR_WORKERS_S = 60.0


class ClusterTranscriber:
    """Transcribe many recordings on one Dask cluster into one open project."""

    def __init__(
        self,
        project: Project,
        options: TranscribeOptions,
        client: Any,
        *,
        chunk_s: float = CHUNK_S,
        transport: str = "auto",
        diarizer: Diarizer | None = None,
        on_progress: ProgressCallback | None = None,
        on_result: Callable[[TranscriptionResult], None] | None = None,
        on_failure: Callable[[Path, MpuQualError], None] | None = None,
        on_workers: WorkersCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        options.validate()
        if transport not in TRANSPORTS:
            raise MpuQualError(f"unknown audio transport '{transport}'", field="audio_transport")
        if chunk_s < 5:
            raise MpuQualError("chunks must be at least 5 seconds long", field="chunk_minutes")
        self.client = client
        self.options = options
        self.chunk_s = chunk_s
        self.transport = transport
        self.on_progress = on_progress
        self.on_result = on_result
        self.on_failure = on_failure
        self.on_workers = on_workers
        self.cancel = cancel
        self.distributed = distributed_module()
        if not client.scheduler_info().get("workers"):
            try:
                client.wait_for_workers(1, timeout=WAIT_FOR_WORKERS_S)
            except (TimeoutError, self.distributed.TimeoutError):
                raise MpuQualError(
                    f"no worker joined the cluster in {WAIT_FOR_WORKERS_S:.0f} s",
                    field="cluster",
                    hint="Start workers with: dask worker SCHEDULER_ADDRESS --nthreads 1",
                ) from None
        self.model = self._resolve()
        self.tr = Transcriber(project, options, model=self.model, diarizer=diarizer)
        self.checkpoints = self.tr.checkpoints
        self.report = ClusterReport()
        self._owner: dict[str, tuple[FileJob, str, int]] = {}  # future key -> file, kind, part
        self._seen_on: dict[str, set[str]] = {}  # future key -> the workers seen running it
        self._known: set[str] = set()  # the workers of the last look

    # ------------------------------------------------------------------ setup
    def _resolve(self) -> Any:
        fut = self.client.submit(
            tasks.resolve_on_worker, self.options.model, self.options.allow_download, pure=False
        )
        out = fut.result()
        if "error" in out:
            raise MpuQualError(
                f"the model is not usable on worker {out['worker']}: {out['error']}",
                field="model",
                hint=out.get("hint") or "Pass --model with a model every worker has.",
            )
        return out["model"]

    @property
    def warnings(self) -> list[str]:
        return list(self.tr.warnings)

    def _request(self, f: FileJob) -> dict[str, Any]:
        req = self.tr._request(f.path)
        return {**req.__dict__, "audio_path": f.ref.get("path", str(f.path))}

    def _choose_transport(self, path: Path, sha: str) -> tuple[dict[str, Any], Any, str]:
        ref: dict[str, Any] = {"path": str(path.resolve()), "sha256": sha, "suffix": path.suffix}
        how = self.transport
        if how == "auto":
            sig = tasks.file_signature(str(path))
            try:
                seen = self.client.run(tasks.sees_file, ref["path"], sig)
            except Exception:  # noqa: BLE001 - a worker that cannot answer gets the bytes
                seen = {}
            how = "path" if seen and all(seen.values()) else "bytes"
        data = None
        if how == "bytes":
            data = self.client.scatter(path.read_bytes(), hash=False)
        return ref, data, how

    # ------------------------------------------------------------------ files
    def _open(self, p: str | Path, name: str | None, restart: bool) -> FileJob:
        path = Path(p)
        started = time.monotonic()
        audio_mod.precheck(path)
        name = check_name(name if name is not None else path.stem, path)
        project = self.tr.project
        vtt_path = project.transcripts_dir / f"{name}.vtt"
        if project.sources.exists(name):
            raise MpuQualError(
                f"a transcript named '{name}' is already in the project",
                path=path,
                hint="Pass --name NEW_NAME, or remove the old one first.",
            )
        run = self.tr._prepare_run(path, name, vtt_path, restart)
        try:
            ref, data, how = self._choose_transport(path, run.media_sha256)
        except BaseException:
            self.tr._fail(run, "interrupted", path)
            raise
        self.report.transports[str(path)] = how
        return FileJob(path, name, run, vtt_path, started, ref, data)

    def _emit(self, f: FileJob, phase: str) -> None:
        if self.on_progress is None:
            return
        total = f.run.duration_ms
        if f.on and phase.startswith("transcribing"):
            phase = f"{phase} on {', '.join(sorted(f.on))}"
        self.on_progress(
            ProgressEvent(
                f.path,
                f.name,
                phase,
                done_ms=f.done_ms,
                total_ms=total,
                segments=f.segments,
                mode=f.state.get("mode"),
                device=f.state.get("device"),
                language=f.state.get("language"),
                resumed_from_ms=f.resume_ms,
            )
        )

    def _submit(self, f: FileJob, fn: Any, kind: str, part: int, *args: Any) -> None:
        fut = self.client.submit(fn, f.ref, f.data, *args, pure=False)
        f.futures.append(fut)
        self._owner[fut.key] = (f, kind, part)

    def _start(self, f: FileJob) -> None:
        saved = self.checkpoints.segments(f.run.id)
        f.segments = len(saved)
        long_ms = self.chunk_s * LONG_FACTOR * 1000
        if saved and saved[0].idx < IDX_STRIDE:
            # a sequential run's partial result: go on from where it stopped, as it would
            self._plan_whole(f, saved[-1].end_ms)
        elif f.run.duration_ms and f.run.duration_ms <= long_ms:
            self._plan_whole(f, saved[-1].end_ms if saved else 0)
        else:  # new, or a chunked run to resume: the cuts follow from the VAD regions again
            self._submit(f, tasks.plan_file, "plan", 0, self._request(f), long_ms / 1000)
            self._emit(f, "finding silences")

    def _plan_whole(self, f: FileJob, resume_ms: int) -> None:
        f.whole, f.resume_ms, f.done_ms = True, resume_ms, resume_ms
        f.parts = [(resume_ms, f.run.duration_ms or 0)]
        part = {"whole": True, "start_ms": resume_ms}
        self._submit(f, tasks.transcribe_part, "part", 0, self._request(f), part)
        self._emit(f, "queued")

    def _plan_chunks(self, f: FileJob, plan: dict[str, Any], saved: list[SavedSegment]) -> None:
        f.whole = False
        regions = [(int(a), int(b)) for a, b in plan["regions"]]
        spans = chunks(regions, int(plan["samples"]), self.chunk_s, plan["mode"], SAMPLE_RATE)
        parts = [(a * 1000 // SAMPLE_RATE, b * 1000 // SAMPLE_RATE) for a, b in spans]
        if any(_outside(s, parts) for s in saved):
            # a local run went on after a cluster run stopped: go on as it would
            self._plan_whole(f, saved[-1].end_ms)
            return
        f.parts = parts
        f.done_parts = {s.idx // IDX_STRIDE - 1 for s in saved}
        f.resume_ms = sum(b - a for k, (a, b) in enumerate(f.parts) if k in f.done_parts)
        f.done_ms = f.resume_ms
        for k, (a, b) in enumerate(spans):
            if k in f.done_parts:
                continue
            inside = [(x - a, y - a) for x, y in regions if x >= a and y <= b]
            part = {"whole": False, "start": a, "end": b, "mode": plan["mode"], "regions": inside}
            f.deferred.append((k, part))
        language = self.options.language or (f.run.language if 0 in f.done_parts else None)
        if language is None and self.model.multilingual and f.deferred[:1]:
            # the first chunk detects the language, as the whole file would from its start;
            # the others are told it, so every chunk decodes with the same language
            k, part = f.deferred.pop(0)
            self._submit(f, tasks.transcribe_part, "part", k, self._request(f), part)
        else:
            self._release(f, language)
        self._emit(f, "queued")

    def _release(self, f: FileJob, language: str | None) -> None:
        req = {**self._request(f), "language": language}
        for k, part in f.deferred:
            self._submit(f, tasks.transcribe_part, "part", k, req, part)
        f.deferred.clear()

    # ------------------------------------------------------------------ the run
    def run(
        self, paths: Sequence[str | Path], *, name: str | None = None, restart: bool = False
    ) -> ClusterReport:
        """Transcribe every file; a bad file is reported and the others go on."""
        if name is not None and len(paths) > 1:
            raise MpuQualError("--name works with one audio file only", field="name")
        active: list[FileJob] = []
        try:
            for p in paths:
                try:
                    f = self._open(p, name, restart)
                except MpuQualError as exc:
                    self._failed_early(Path(p), exc)
                    continue
                active.append(f)
                self._start(f)
                self._flush(f)
            self._loop(active)
        except (KeyboardInterrupt, TranscriptionInterrupted):
            self.report.interrupted = True
            self._stop_all(active)
        return self.report

    def _failed_early(self, path: Path, exc: MpuQualError) -> None:
        if exc.path is None:
            exc.path = str(path)
        self.report.failures.append((path, exc))
        if self.on_failure:
            self.on_failure(path, exc)

    def _pending(self, active: list[FileJob]) -> list[Any]:
        return [fut for f in active for fut in f.futures if not fut.done()]

    def _loop(self, active: list[FileJob]) -> None:
        while True:
            if self.cancel is not None and self.cancel.is_set():
                raise TranscriptionInterrupted("transcription cancelled")
            finished = [fut for f in active for fut in f.futures if fut.done()]
            for fut in finished:
                f, kind, part = self._owner.pop(fut.key)
                f.futures.remove(fut)
                if f.state.get("failed"):
                    continue
                self._handle(f, kind, part, fut)
            if not any(f.futures for f in active):
                if self.on_workers is not None:  # the last look: every worker is idle now
                    self.on_workers({w: [] for w in self._known}, self.report.workers)
                return
            self._watch_workers(active)
            with contextlib.suppress(self.distributed.TimeoutError, TimeoutError):
                self.distributed.wait(
                    self._pending(active), timeout=POLL_S, return_when="FIRST_COMPLETED"
                )

    def _watch_workers(self, active: list[FileJob]) -> None:
        """Which worker runs which task (progress per worker; counts re-runs of lost ones)."""
        try:
            processing = self.client.processing()
        except Exception:  # noqa: BLE001 - progress only
            return
        now = set(processing)
        for gone in sorted(self._known - now):  # lost, or stopped by its cluster manager
            if gone not in self.report.lost_workers:
                self.report.lost_workers.append(gone)
        self._known = now
        for f in active:
            f.on = set()
        busy: dict[str, list[str]] = {}
        for worker, keys in processing.items():
            busy[worker] = []
            for key in keys:
                owner = self._owner.get(key)
                if owner is None:
                    continue
                self._seen_on.setdefault(key, set()).add(worker)
                owner[0].on.add(_short(worker))
                busy[worker].append(_label(*owner))
        if self.on_workers is not None:
            self.on_workers(busy, self.report.workers)
        for f in active:
            if f.futures and not f.state.get("failed"):
                self._emit(f, "transcribing" if f.on else "waiting for a worker")

    def _handle(self, f: FileJob, kind: str, part: int, fut: Any) -> None:
        key = fut.key
        try:
            out = fut.result()
        except Exception as exc:  # noqa: BLE001 - KilledWorker, a lost scheduler, ...
            where = ", ".join(sorted(self._seen_on.get(key, ())))
            self._fail_file(
                f,
                MpuQualError(
                    f"the cluster could not finish this file"
                    f"{f' (ran on {where})' if where else ''}: {type(exc).__name__}: {exc}",
                    path=f.path,
                    hint="A worker may have died on it repeatedly (out of memory?). Run the "
                    "same command again to resume; the other files went on.",
                ),
            )
            return
        worker = out.get("worker", "?")
        if self._seen_on.pop(key, set()) - {worker}:
            self.report.reruns += 1  # started on a worker that left, finished on this one
        stats = self.report.workers.setdefault(worker, WorkerStats())
        if "error" in out:
            stats.failed += 1
            msg = f"{out['error']} (on worker {worker})"
            self._fail_file(f, MpuQualError(msg, path=f.path, hint=out.get("hint")))
            return
        if kind == "plan":
            self._planned(f, out)
            return
        stats.tasks += 1
        stats.busy_s += float(out.get("elapsed_s", 0.0))
        stats.segments += len(out["segments"])
        a, b = f.parts[part]
        stats.audio_ms += max(0, (out["duration_ms"] - a) if f.whole else b - a)
        f.waiting[part] = out
        if f.deferred:
            self._release(f, out["language"])
        self._flush(f)

    def _planned(self, f: FileJob, out: dict[str, Any]) -> None:
        duration = int(out["duration_ms"])
        self.checkpoints.update(f.run.id, duration_ms=duration)
        f.run.duration_ms = duration
        saved = self.checkpoints.segments(f.run.id)
        if out["regions"] is None:
            self._plan_whole(f, saved[-1].end_ms if saved else 0)
            return
        rate = SAMPLE_RATE
        speech = [(a * 1000 // rate, b * 1000 // rate) for a, b in out["regions"]]
        self.checkpoints.set_speech(f.run.id, speech)
        self._plan_chunks(f, out, saved)
        self._flush(f)

    def _flush(self, f: FileJob) -> None:
        """Write the finished parts in order, each in one transaction; finish the file."""
        if not f.parts:
            return
        while f.next_part < len(f.parts):
            k = f.next_part
            if k in f.done_parts:
                f.next_part += 1
                continue
            out = f.waiting.pop(k, None)
            if out is None:
                break
            try:
                self._write(f, k, out)
            except MpuQualError as exc:
                self._fail_file(f, exc)
                return
            f.done_parts.add(k)
            f.next_part += 1
            self._emit(f, "transcribing")
        if f.next_part >= len(f.parts) and not f.futures and not f.state.get("failed"):
            self._finish(f)

    def _write(self, f: FileJob, k: int, out: dict[str, Any]) -> None:
        tr, run = self.tr, f.run
        if k == 0 or not f.state.get("language"):
            f.state.update(
                mode=out["mode"],
                device=f"{out['device']} {out['compute_type']}",
                language=out["language"] or self.options.language or run.language,
            )
        if out.get("language_check") and "language" in out["language_check"]:
            c = out["language_check"]
            f.state["language_check"] = LanguageCheck(
                Path(c["model"]).name, c["language"], float(c["probability"])
            )
        if f.whole:
            saved = self.checkpoints.segments(run.id)
            idx = saved[-1].idx + 1 if saved else 0
        else:
            idx = (k + 1) * IDX_STRIDE
        with tr.project.transaction():
            if f.whole or k == 0:
                self.checkpoints.update(run.id, duration_ms=run.duration_ms or out["duration_ms"])
                if out["language"]:
                    self.checkpoints.update(run.id, language=out["language"])
                self.checkpoints.update(run.id, mode=out["mode"])
            for payload in out["segments"]:
                seg = tr._save(run.id, idx, payload)
                if seg is None:
                    continue
                idx += 1
                f.segments += 1
            if f.whole and self.options.vad:
                tr._save_speech(run.id, f.resume_ms, out["regions"])
        if f.whole:
            run.duration_ms = run.duration_ms or out["duration_ms"]
            f.done_ms = run.duration_ms
        else:
            f.done_ms += f.parts[k][1] - f.parts[k][0]

    def _finish(self, f: FileJob) -> None:
        self._emit(f, "saving")
        try:
            res = self.tr._finish(
                f.path, f.name, f.run.id, f.vtt_path, f.state, f.resume_ms, f.started
            )
        except MpuQualError as exc:
            self._fail_file(f, exc)
            return
        except Exception as exc:  # noqa: BLE001 - sqlite, disk full: keep the others going
            self._fail_file(f, MpuQualError(f"could not save to the project: {exc}", path=f.path))
            return
        f.state["finished"] = True
        self._emit(f, "done")
        self.report.results.append(res)
        if self.on_result:
            self.on_result(res)

    def _fail_file(self, f: FileJob, exc: MpuQualError) -> None:
        f.state["failed"] = True
        for fut in f.futures:
            self._owner.pop(fut.key, None)
            fut.cancel()
        f.futures.clear()
        self.tr._fail(f.run, str(exc.message), f.path)
        if self.checkpoints.count(f.run.id) and not exc.hint:
            exc.hint = "Run the same command again to resume from the saved parts."
        with contextlib.suppress(Exception):
            self._emit(f, "failed")
        self._failed_early(f.path, exc)

    def _stop_all(self, active: list[FileJob]) -> None:
        """Ctrl+C: cancel what runs, keep every finished part for the resume."""
        for f in active:
            for fut in f.futures:
                with contextlib.suppress(Exception):
                    fut.cancel()
            f.futures.clear()
            if not f.state.get("failed") and not f.state.get("finished"):
                self.tr._fail(f.run, "interrupted", f.path)
                with contextlib.suppress(Exception, KeyboardInterrupt):  # a second Ctrl+C
                    self._emit(f, "failed")
                exc = self.tr._interrupted(f.path, f.run)
                self.report.failures.append((f.path, exc))


def _outside(seg: SavedSegment, parts: list[tuple[int, int]]) -> bool:
    """True for a saved segment that does not lie in the part its number says."""
    k = seg.idx // IDX_STRIDE - 1
    return not 0 <= k < len(parts) or not parts[k][0] - 50 <= seg.start_ms <= parts[k][1] + 50


def _label(f: FileJob, kind: str, part: int) -> str:
    if kind == "plan":
        return f"{f.name} (finding silences)"
    if f.whole:
        return f.name
    return f"{f.name} part {part + 1}/{len(f.parts)}"


def _short(worker: str) -> str:
    return worker.split("://", 1)[-1]


def transcribe_on_cluster(
    project: Project,
    paths: Sequence[str | Path],
    options: TranscribeOptions,
    address: str | Address,
    *,
    name: str | None = None,
    restart: bool = False,
    chunk_s: float = CHUNK_S,
    transport: str = "auto",
    diarizer: Diarizer | None = None,
    on_progress: ProgressCallback | None = None,
    on_result: Callable[[TranscriptionResult], None] | None = None,
    on_failure: Callable[[Path, MpuQualError], None] | None = None,
    on_ready: Callable[[ClusterTranscriber], None] | None = None,
    on_workers: WorkersCallback | None = None,
    cancel: threading.Event | None = None,
) -> ClusterReport:
    """Connect (or start ``local:N``), transcribe every file, disconnect."""
    addr = parse_address(address) if isinstance(address, str) else address
    with connect(addr) as client:
        ct = ClusterTranscriber(
            project,
            options,
            client,
            chunk_s=chunk_s,
            transport=transport,
            diarizer=diarizer,
            on_progress=on_progress,
            on_result=on_result,
            on_failure=on_failure,
            on_workers=on_workers,
            cancel=cancel,
        )
        if on_ready is not None:
            on_ready(ct)
        return ct.run(paths, name=name, restart=restart)
