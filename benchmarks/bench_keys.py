"""Benchmark: key to changed screen in a real terminal (tmux), against the terminal's floor.

A private tmux server runs the workbench on the demo project (built by scripts/code_demo.py
into benchmarks/out/keys-demo). For each key, the harness captures the pane, sends the key
with `tmux send-keys`, and polls `tmux capture-pane` until the pane differs: the time from
sending to the first changed capture. The floor is the same measurement, in the same run and
the same harness, on `cat` (the terminal echoes the key): what any program would pay.

Also measured: the time from starting `mpu-qual` to the first screen (the transcript shown),
and one coding through the library against a bare SQLite commit (WAL, synchronous=FULL) on the
same disk.

Usage: .venv/bin/python benchmarks/bench_keys.py [--presses 60] [--size 100x30]
Writes benchmarks/results/keys.txt.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
RESULTS = ROOT / "benchmarks" / "results" / "keys.txt"
sys.path.insert(0, str(ROOT))

SOCKET = f"mpu-qual-bench-{os.getpid()}"
POLL_S = 0.0005
TIMEOUT_S = 2.0  # a press that changes nothing in this long counts as "no change"


def tmux(*args: str) -> str:
    return subprocess.run(
        ["tmux", "-L", SOCKET, *args], check=True, capture_output=True, text=True
    ).stdout


def capture() -> str:
    return tmux("capture-pane", "-p", "-e", "-t", "bench")  # -e: styles too (the caret)


def wait_for(text: str, timeout: float = 60.0) -> float:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if text in capture():
            return time.perf_counter() - t0
        time.sleep(0.01)
    raise SystemExit(f"the pane never showed {text!r}:\n{capture()}")


def press(key: str) -> float:
    """Seconds from send-keys to the first capture that differs."""
    before = capture()
    t0 = time.perf_counter()
    tmux("send-keys", "-t", "bench", key)
    while True:
        if capture() != before:
            return time.perf_counter() - t0
        if time.perf_counter() - t0 > TIMEOUT_S:
            return float("inf")
        time.sleep(POLL_S)


def settle(seconds: float = 0.15) -> None:
    time.sleep(seconds)


def start(command: str, size: tuple[int, int]) -> None:
    tmux("kill-session", "-t", "bench") if session_exists() else None
    tmux("new-session", "-d", "-s", "bench", "-x", str(size[0]), "-y", str(size[1]), command)


def session_exists() -> bool:
    r = subprocess.run(["tmux", "-L", SOCKET, "has-session", "-t", "bench"], capture_output=True)
    return r.returncode == 0


def summary(name: str, times: list[float], floor: float | None) -> str:
    lost = sum(1 for t in times if t == float("inf"))
    ms = [t * 1000 for t in times if t != float("inf")] or [float("nan")]
    med = statistics.median(ms)
    p95 = sorted(ms)[int(0.95 * (len(ms) - 1))]
    over = sum(1 for t in ms if t > 250)
    line = (
        f"{name:28} median {med:6.1f} ms  p95 {p95:6.1f}  max {max(ms):7.1f}  "
        f"over 250 ms: {over}/{len(ms)}"
    )
    if floor is not None:
        line += f"  (median - floor: {med - floor:+.1f} ms)"
    if lost:
        line += f"  no change within {TIMEOUT_S:.0f} s: {lost}"
    return line


def build_demo() -> Path:
    folder = OUT / "keys-demo"
    if (folder / "project.db").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "code_demo.py"),
            "--project",
            str(folder),
            "--no-summary",
        ],
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return folder


def coding_cost(folder: Path, n: int) -> list[str]:
    """One coding through the library vs a bare commit in WAL with synchronous=FULL."""
    from mpu_qual.store import Project

    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        copy = Path(tmp) / "p"
        shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("backups"))
        lib: list[float] = []
        with Project.open(copy) as p:
            src = p.sources.get("focus-group-2025-12-08")
            segs = p.sources.segments(src)
            p.codings.add(src, segs[0].start, segs[0].end, "challenges.ageing")  # first: backup
            for i in range(n):
                g = segs[1 + i % (len(segs) - 1)]
                t0 = time.perf_counter()
                p.codings.add(src, g.start, g.end, "challenges.skills_gap")
                lib.append(time.perf_counter() - t0)
        bare: list[float] = []
        conn = sqlite3.connect(Path(tmp) / "bare.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a INT, b INT, code TEXT, q TEXT)")
        for i in range(n):
            t0 = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO t (a, b, code, q) VALUES (?, ?, ?, ?)", [i, i + 9, "c", "q"])
            conn.execute("COMMIT")
            bare.append(time.perf_counter() - t0)
        conn.close()
    lm, bm = statistics.median(lib) * 1000, statistics.median(bare) * 1000
    return [
        f"coding   library codings.add      : median {lm:6.2f} ms (max {max(lib) * 1000:.1f})",
        f"         bare commit, WAL, FULL   : median {bm:6.2f} ms   ratio {lm / bm:.1f} x",
    ]


def gc_pauses(folder: Path, presses: int) -> list[str]:
    """The stalls' cause: garbage collections during ] / [ in the workbench (Pilot, in this
    process), without and with the freeze a real session does after its first screen."""
    import asyncio
    import gc

    from mpu_qual.tui.app import create_app

    def run(freeze: bool) -> tuple[int, float, float]:
        pauses: list[tuple[float, int]] = []
        started = [0.0]

        def callback(phase: str, info: dict) -> None:
            if phase == "start":
                started[0] = time.perf_counter()
            else:
                pauses.append(((time.perf_counter() - started[0]) * 1000, info["generation"]))

        async def drive() -> None:
            with tempfile.TemporaryDirectory(dir=OUT) as tmp:
                copy = Path(tmp) / "p"
                shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("backups"))
                app = create_app(copy)
                app.freeze_gc = freeze
                async with app.run_test(size=(100, 30)) as pilot:
                    await pilot.pause(0.5)
                    gc.callbacks.append(callback)
                    try:
                        for i in range(presses):
                            forward = (i // 30) % 2 == 0
                            await pilot.press(
                                "right_square_bracket" if forward else "left_square_bracket"
                            )
                            await pilot.pause()
                    finally:
                        gc.callbacks.remove(callback)
                gc.unfreeze()

        asyncio.run(drive())
        full = [ms for ms, gen in pauses if gen == 2]
        return len(full), max(full, default=0.0), max((ms for ms, _ in pauses), default=0.0)

    n0, full0, any0 = run(False)
    n1, full1, any1 = run(True)
    return [
        f"stalls   full collections during {presses} presses: {n0}, longest {full0:.0f} ms "
        f"(any collection: {any0:.0f} ms)",
        f"         after the startup freeze: {n1}, longest {full1:.0f} ms "
        f"(any collection: {any1:.0f} ms)",
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presses", type=int, default=60)
    ap.add_argument("--size", default="100x30")
    ap.add_argument("--codings", type=int, default=200)
    args = ap.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is not installed: apt-get install tmux")
    size = tuple(int(x) for x in args.size.split("x"))
    OUT.mkdir(parents=True, exist_ok=True)
    demo = build_demo()
    home = OUT / "keys-home"
    env = f"MPU_QUAL_HOME={home} PYTHONPATH={ROOT} TERM=xterm-256color"
    lines: list[str] = []
    try:
        # the floor: cat, through the same harness
        start("cat", size)
        settle(0.5)
        floor_times = []
        for i in range(args.presses):
            floor_times.append(press("x" if i % 2 else "y"))
        floor = statistics.median(floor_times) * 1000
        lines.append(summary("floor: cat echoes a key", floor_times, None))

        t0 = time.perf_counter()
        start(f"{env} {sys.executable} -m mpu_qual -p {demo} tui", size)
        wait_for("segment 1/")
        lines.append(f"start    mpu-qual to first screen : {(time.perf_counter() - t0):.2f} s")
        settle(1.0)
        keys = [
            ("] next segment", "]"),
            ("[ previous segment", "["),
            ("down arrow", "Down"),
            ("up arrow", "Up"),
        ]
        for name, key in keys:
            times = []
            for _ in range(args.presses):
                times.append(press(key))
                settle(0.02)
            lines.append(summary(name, times, floor))
        # code with a recent key, then undo: each pair changes the screen twice
        code, undo = [], []
        for _ in range(max(10, args.presses // 3)):
            press("t")
            settle(0.05)
            code.append(press("1"))
            settle(0.1)
            undo.append(press("C-z"))
            settle(0.1)
        lines.append(summary("1 code with a recent key", code, floor))
        lines.append(summary("ctrl+z undo", undo, floor))
    finally:
        subprocess.run(["tmux", "-L", SOCKET, "kill-server"], capture_output=True)
    lines += coding_cost(demo, args.codings)
    lines += gc_pauses(demo, max(60, args.presses * 2))
    load = os.getloadavg()[0]
    head = (
        f"bench_keys  {time.strftime('%Y-%m-%dT%H:%M:%S')}  cpus={os.cpu_count()}  "
        f"python={platform.python_version()}  terminal {args.size}  "
        f"load average at the end: {load:.1f}"
    )
    text = "\n".join([head, f"demo project: {demo}", *lines]) + "\n"
    RESULTS.write_text(text, encoding="utf-8")
    print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
