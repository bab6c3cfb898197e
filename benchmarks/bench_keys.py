"""Benchmark: key to changed screen in a real terminal (tmux), against the terminal's floor.

A private tmux server runs the workbench on a copy of each project: the demo (built by
scripts/code_demo.py into benchmarks/out/keys-demo) and the 250,000-segment project of
bench_tui.py (50 transcripts x 5,000 segments, 20,000 codings; built once, in about 3
minutes, into benchmarks/out/tui-50x5000). For each key, the harness captures the pane,
sends the key with `tmux send-keys`, and polls `tmux capture-pane` until the pane differs:
the time from sending to the first changed capture. The floor is the same measurement, in
the same run and the same harness, on `cat` (the terminal echoes the key): what any program
would pay. It is measured before and after the sessions.

Each session runs under benchmarks/keys_probe.py, which records every garbage collection and
every event-loop callback of 8 ms or more (with the widget and message it served): the
slowest presses are reported with what ran during them (the stalls' causes), and the
session's CPU time while idle.

--baseline DIR runs the same keys on another checkout (e.g. main, unpacked with
`git archive main | tar -x -C DIR`) in the same run, project by project, so the two are
compared on the same machine minutes apart. --fps 60 also runs this checkout with
TEXTUAL_FPS=60 (Textual's default frame rate; the CLI raises it, see mpu_qual/tui/__init__.py).

Also measured: one coding through the library against a bare SQLite commit (WAL,
synchronous=FULL) on the same disk, interleaved one for one so that both meet the disk in
the same state (its fsync time swings between about 0.1 and 4 ms from minute to minute).

Usage: .venv/bin/python benchmarks/bench_keys.py [--presses 200] [--projects demo,big]
       [--baseline DIR] [--fps 60] [--size 100x30]
Writes benchmarks/results/keys-latest.txt (benchmarks/results/keys.txt keeps each round's
findings with the runs they cite; a run no longer overwrites them).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
RESULTS = ROOT / "benchmarks" / "results" / "keys-latest.txt"
PROBE = ROOT / "benchmarks" / "keys_probe.py"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

SOCKET = f"mpu-qual-bench-{os.getpid()}"
POLL_S = 0.0005
TIMEOUT_S = 2.0  # a press that changes nothing in this long counts as "no change"
QUIET_S = 0.03  # --method output: the pane had no output this long before each press
BLOCK = 20  # ] then [ (down then up) in blocks of this many: never runs off either end


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


class Watcher:
    """A tmux control-mode client on the session: it sends the keys and hears the pane's
    output (``%output`` lines) the moment the program writes it, without polling. Polling
    ``tmux capture-pane`` in a loop (--method capture) spawns a tmux client every half
    millisecond: on two shared cores that took CPU from the program being measured."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            ["tmux", "-L", SOCKET, "-C", "attach-session", "-t", "bench"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            bufsize=0,
        )
        self.outputs = 0
        self.last = time.perf_counter()  # when the pane last had output
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith(b"%output "):
                with self.cond:
                    self.outputs += 1
                    self.last = time.perf_counter()
                    self.cond.notify_all()

    def press(self, key: str) -> tuple[float, float]:
        assert self.proc.stdin is not None
        # the screen settled first: no output for QUIET_S (the rest of an earlier frame
        # must not count as this key's)
        limit = time.perf_counter() + TIMEOUT_S
        while time.perf_counter() - self.last < QUIET_S and time.perf_counter() < limit:
            time.sleep(0.002)
        with self.cond:
            seen = self.outputs
        sent = time.time()
        t0 = time.perf_counter()
        self.proc.stdin.write(f"send-keys -t bench {key}\n".encode())
        with self.cond:
            if not self.cond.wait_for(lambda: self.outputs > seen, TIMEOUT_S):
                return sent, float("inf")
        return sent, time.perf_counter() - t0

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


METHOD = {"watcher": None}  # the Watcher of the session, when --method output


def press(key: str) -> tuple[float, float]:
    """(wall-clock time sent, seconds from sending the key to the pane's change): the first
    output the program writes (--method output, default) or the first ``capture-pane``
    that differs (--method capture)."""
    watcher = METHOD["watcher"]
    if watcher is not None:
        return watcher.press(key)
    before = capture()
    sent = time.time()
    t0 = time.perf_counter()
    tmux("send-keys", "-t", "bench", key)
    while True:
        if capture() != before:
            return sent, time.perf_counter() - t0
        if time.perf_counter() - t0 > TIMEOUT_S:
            return sent, float("inf")
        time.sleep(POLL_S)


def watch(method: str) -> None:
    """Hear the new session's output (method 'output'), or poll it ('capture')."""
    old = METHOD["watcher"]
    if old is not None:
        old.close()
    METHOD["watcher"] = Watcher() if method == "output" else None


def settle(seconds: float = 0.15) -> None:
    time.sleep(seconds)


def start(command: str, size: tuple[int, int]) -> None:
    if session_exists():
        subprocess.run(["tmux", "-L", SOCKET, "kill-session", "-t", "bench"], capture_output=True)
    for _attempt in range(20):  # the server may be shutting down after its last session
        r = subprocess.run(
            ["tmux", "-L", SOCKET, "new-session", "-d", "-s", "bench"]
            + ["-x", str(size[0]), "-y", str(size[1]), command],
            capture_output=True,
            text=True,
        )
        if r.returncode == 0:
            return
        time.sleep(0.25)
    raise SystemExit(f"tmux could not start a session: {r.stderr}")


def session_exists() -> bool:
    r = subprocess.run(["tmux", "-L", SOCKET, "has-session", "-t", "bench"], capture_output=True)
    return r.returncode == 0


def median_ms(times: list[float]) -> float:
    ms = [t * 1000 for t in times if t != float("inf")]
    return statistics.median(ms) if ms else float("nan")


def summary(name: str, times: list[float], floor: float | None) -> str:
    lost = sum(1 for t in times if t == float("inf"))
    ms = [t * 1000 for t in times if t != float("inf")] or [float("nan")]
    med = statistics.median(ms)
    p95 = sorted(ms)[int(0.95 * (len(ms) - 1))]
    over = sum(1 for t in ms if t > 250)
    line = (
        f"{name:24} median {med:6.1f} ms  p95 {p95:6.1f}  max {max(ms):7.1f}  "
        f"over 250 ms: {over}/{len(ms)}"
    )
    if floor is not None:
        line += f"  (median - floor: {med - floor:+5.1f} ms)"
    if lost:
        line += f"  no change within {TIMEOUT_S:.0f} s: {lost}"
    return line


# ------------------------------------------------------------------------------- projects
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


def build_big() -> Path:
    """bench_tui.py's 250,000-segment project (the same generator, the same cache)."""
    import bench_tui

    folder = OUT / "tui-50x5000"
    params = {"sources": 50, "segments": 5000, "codings": 20000}
    marker = folder / "bench-params.json"
    if not marker.exists() or json.loads(marker.read_text()) != params:
        print("generating the 250,000-segment project (once, about 3 minutes)...", flush=True)
        bench_tui.generate(folder, params["sources"], params["segments"], params["codings"])
    return folder


PROJECTS = {"demo": build_demo, "big": build_big}


# ------------------------------------------------------------------------------- sessions
KEYS = [  # (label, key, the key that undoes it, whether to go there first)
    ("] next segment", "]", "[", False),
    ("[ previous segment", "[", "]", True),
    ("down arrow (j)", "Down", "Up", False),
    ("up arrow (k)", "Up", "Down", True),
]


def session(
    name: str,
    app_root: Path,
    project: Path,
    presses: int,
    size: tuple[int, int],
    fps: str | None,
    method: str,
) -> dict:
    """One workbench session on a fresh copy of ``project``: every key ``presses`` times."""
    res: dict = {"name": name, "keys": {}}
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        copy = Path(tmp) / "p"
        shutil.copytree(project, copy, ignore=shutil.ignore_patterns("backups"))
        probe = Path(tmp) / "probe.json"
        env = (
            f"MPU_QUAL_HOME={OUT / 'keys-home'} PYTHONPATH={app_root} TERM=xterm-256color "
            f"MPU_QUAL_CODER=keys-bench" + (f" TEXTUAL_FPS={fps}" if fps else "")
        )
        t0 = time.perf_counter()
        start(f"env {env} {sys.executable} {PROBE} {probe} -p {copy} tui", size)
        wait_for("segment 1/")
        watch(method)
        res["start_s"] = time.perf_counter() - t0
        settle(2.0)  # the statistics worker and first paints
        pid = int(tmux("display", "-p", "-t", "bench", "#{pane_pid}").strip())
        cpu0 = cpu_seconds(pid)
        settle(5.0)
        res["idle_cpu"] = (cpu_seconds(pid) - cpu0) / 5.0
        stamps: list[tuple[str, float, float]] = []
        for label, key, back, first in KEYS:
            times = []
            for block in range(0, presses, BLOCK):
                n = min(BLOCK, presses - block)
                for _ in range(n if first else 0):  # away from the start (not measured)
                    tmux("send-keys", "-t", "bench", back)
                    settle(0.01)
                settle(0.1)
                for _ in range(n):
                    sent, took = press(key)
                    times.append(took)
                    stamps.append((label, sent, took))
                    settle(0.02)
                for _ in range(0 if first else n):  # back where the block began (not measured)
                    tmux("send-keys", "-t", "bench", back)
                    settle(0.01)
                settle(0.1)
            res["keys"][label] = times
        # code the current turn with recent code 1, then undo: each changes the screen
        # (t again would add the next turn to the selection: Escape first)
        code, undo = [], []
        for _ in range(presses):
            tmux("send-keys", "-t", "bench", "Escape")  # no selection: t selects one turn
            # past the terminal's escape delay (Textual's ESCDELAY, 100 ms): a key that comes
            # sooner is read with the Escape as alt+key (alt+t selects nothing, then 1 warns
            # "Nothing selected" and, that warning being on show already, changes nothing:
            # the 2-second "no change" presses of earlier runs)
            settle(0.3)
            press("t")
            settle(0.05)
            sent, took = press("1")
            code.append(took)
            stamps.append(("1 code with a recent key", sent, took))
            settle(0.1)
            sent, took = press("C-z")
            undo.append(took)
            stamps.append(("ctrl+z undo", sent, took))
            settle(0.1)
        res["keys"]["1 code with a recent key"] = code
        res["keys"]["ctrl+z undo"] = undo
        tmux("send-keys", "-t", "bench", "C-q")
        for _ in range(100):
            if probe.exists() and probe.stat().st_size > 0 and not session_exists():
                break
            time.sleep(0.1)
        res["probe"] = json.loads(probe.read_text()) if probe.exists() else None
        res["stamps"] = stamps
    return res


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stall_lines(res: dict, top: int = 3) -> list[str]:
    """Collections and long callbacks during the presses; the slowest presses and why."""
    probe = res.get("probe")
    if not probe:
        return ["  stalls: the probe wrote nothing (the app did not exit cleanly)"]
    spans = [(sent, sent + took) for _l, sent, took in res["stamps"] if took != float("inf")]

    def during(t: float, ms: float) -> bool:
        return any(a - 0.001 <= t and t + ms / 1000 <= b + 0.05 for a, b in spans)

    gcs = [(t, ms, g) for t, ms, g in probe["gc"] if during(t, ms)]
    lines = []
    for gen in (0, 1, 2):
        mine = [ms for _t, ms, g in gcs if g == gen]
        if mine:
            lines.append(
                f"  gc generation {gen}: {len(mine)} collections during presses, "
                f"longest {max(mine):.1f} ms, total {sum(mine):.0f} ms"
            )
    if not gcs:
        lines.append("  gc: no collection during any press")
    slow = sorted(res["stamps"], key=lambda s: -s[2])[:top]
    for label, sent, took in slow:
        end = sent + (took if took != float("inf") else TIMEOUT_S)
        why = [
            f"{name} [{msg}] {ms:.0f} ms"
            for t, ms, name, msg in probe["long"]
            if sent - 0.001 <= t <= end
        ]
        why += [
            f"gc gen {g} {ms:.0f} ms" for t, ms, g in probe["gc"] if sent <= t <= end and ms >= 5
        ]
        lines.append(
            f"  slowest: {label} {took * 1000:.0f} ms: "
            + ("; ".join(why[:4]) or "no single callback >= 8 ms")
        )
    return lines


# ------------------------------------------------------------------------------- coding
def coding_cost(folder: Path, n: int) -> list[str]:
    """One coding through the library vs a bare commit in WAL with synchronous=FULL,
    interleaved one for one on the same disk (the fsync's cost changes minute to minute)."""
    from mpu_qual.store import Project

    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        copy = Path(tmp) / "p"
        shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("backups"))
        conn = sqlite3.connect(Path(tmp) / "bare.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a INT, b INT, code TEXT, q TEXT)")
        undo: list[float] = []
        with Project.open(copy) as p:
            src = p.sources.list()[0]
            segs = p.sources.segments(src)
            code = p.codes.list()[0].id
            p.codings.add(src, segs[0].start, segs[0].end, code)  # the first: the open backup

            def alternately() -> tuple[list[float], list[float]]:
                """n codings through the library and n bare commits, one for one."""
                lib: list[float] = []
                bare: list[float] = []
                for i in range(n):
                    g = segs[1 + i % (len(segs) - 1)]
                    t0 = time.perf_counter()
                    p.codings.add(src, g.start, g.end, code)
                    lib.append(time.perf_counter() - t0)
                    t0 = time.perf_counter()
                    conn.execute("BEGIN IMMEDIATE")
                    conn.execute(
                        "INSERT INTO t (a, b, code, q) VALUES (?, ?, ?, ?)", [i, i + 9, "c", "q"]
                    )
                    conn.execute("COMMIT")
                    bare.append(time.perf_counter() - t0)
                return lib, bare

            lib, bare = alternately()
            for _ in range(min(n, 50)):
                t0 = time.perf_counter()
                p.history.undo()
                undo.append(time.perf_counter() - t0)
            # the same without waiting for the disk (synchronous=NORMAL, for this figure
            # only): what the library adds to a commit, apart from the fsync both pay
            p.conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            lib_n, bare_n = alternately()
        conn.close()
    lm, bm, um, ln, bn = (statistics.median(x) * 1000 for x in (lib, bare, undo, lib_n, bare_n))
    fast = min(bare) * 1000
    return [
        f"  library codings.add : median {lm:6.2f} ms (max {max(lib) * 1000:.1f})   "
        f"bare commit (WAL, FULL), interleaved: median {bm:6.2f} ms   ratio {lm / bm:.1f} x",
        f"  the disk's fsync: bare commits from {fast:.2f} ms (fastest) to "
        f"{max(bare) * 1000:.2f} ms (slowest)",
        f"  without the fsync (synchronous=NORMAL, this figure only): library {ln:.2f} ms, "
        f"bare {bn:.2f} ms: the library adds {ln - bn:.2f} ms a coding; worst case, with the "
        f"fastest fsync seen: {(ln - bn + fast) / fast:.1f} x",
        f"  library history.undo of one coding: median {um:6.2f} ms",
    ]


# ------------------------------------------------------------------------------- main
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presses", type=int, default=200, help="presses per key (default 200)")
    ap.add_argument("--projects", default="demo,big", help="demo, big or both (default)")
    ap.add_argument("--baseline", type=Path, help="another checkout to run the same keys on")
    ap.add_argument(
        "--fps", default="", help="also run this checkout with TEXTUAL_FPS set to each of these"
    )
    ap.add_argument(
        "--method",
        choices=["output", "capture"],
        default="output",
        help="time to the pane's first output (tmux control mode, default) or to the first "
        "capture-pane that differs (polled)",
    )
    ap.add_argument("--size", default="100x30")
    ap.add_argument("--codings", type=int, default=200)
    args = ap.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is not installed: apt-get install tmux")
    size = (int(args.size.split("x")[0]), int(args.size.split("x")[1]))
    OUT.mkdir(parents=True, exist_ok=True)
    projects = {name: PROJECTS[name]() for name in args.projects.split(",")}
    variants: list[tuple[str, Path, str | None]] = []
    if args.baseline is not None:
        variants.append(("baseline", args.baseline.resolve(), None))
    variants.append(("this", ROOT, None))
    for fps in filter(None, args.fps.split(",")):
        variants.append((f"this, TEXTUAL_FPS={fps}", ROOT, fps))
    lines: list[str] = []
    floors: list[float] = []
    results: dict[str, list[dict]] = {}

    def floor(label: str) -> None:
        start("cat", size)
        settle(0.5)
        watch(args.method)
        times = [press("x" if i % 2 else "y")[1] for i in range(args.presses)]
        floors.append(median_ms(times))
        lines.append(summary(f"floor ({label})", times, None))

    try:
        floor("before")
        for pname, folder in projects.items():
            results[pname] = []
            for vname, root, fps in variants:
                print(f"{pname}: {vname}...", flush=True)
                res = session(vname, root, folder, args.presses, size, fps, args.method)
                results[pname].append(res)
                for label, times in res["keys"].items():  # as it goes (first floor)
                    print("  " + summary(label, times, floors[0]), flush=True)
        floor("after")
    finally:
        watch("capture")  # closes the control-mode client
        subprocess.run(["tmux", "-L", SOCKET, "kill-server"], capture_output=True)
    fl = statistics.mean(floors)
    lines.append(f"floor used below: mean of the two medians, {fl:.1f} ms")
    for pname, runs in results.items():
        lines.append("")
        lines.append(f"project {pname}: {projects[pname]}")
        for res in runs:
            lines.append(
                f" {res['name']}: start to first screen {res['start_s']:.2f} s, "
                f"idle CPU {res['idle_cpu'] * 100:.1f}% of a core"
            )
            for label, times in res["keys"].items():
                lines.append("  " + summary(label, times, fl))
            lines += stall_lines(res)
        if len(runs) > 1:
            lines.append(" median - floor, per key: " + " | ".join(r["name"] for r in runs))
            for label in runs[0]["keys"]:
                figs = [median_ms(r["keys"][label]) - fl for r in runs]
                lines.append(f"  {label:24} " + " | ".join(f"{f:+6.1f} ms" for f in figs))
    lines.append("")
    lines.append(f"coding through the library ({args.codings} codings, demo project copy):")
    lines += coding_cost(projects.get("demo") or build_demo(), args.codings)
    load = os.getloadavg()
    head = (
        f"bench_keys  {time.strftime('%Y-%m-%dT%H:%M:%S')}  cpus={os.cpu_count()}  "
        f"python={platform.python_version()}  terminal {args.size}  {args.presses} presses a key  "
        f"method: {args.method}  "
        f"load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
        + (f"\nbaseline: {args.baseline}" if args.baseline else "")
    )
    text = "\n".join([head, *lines]) + "\n"
    RESULTS.write_text(text, encoding="utf-8")
    print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
