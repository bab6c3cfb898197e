"""Concurrency torture: several real mpu-qual processes on one project at once.

One *round* starts, all at the same time, on the same project:

- a long writer, one of: ``jobs import`` of a generated CSV (rows set by the caller; the
  benchmark uses 100,000), ``import qdpx`` of a REFI-QDA project with many transcripts, or
  ``autocode`` over a project of many transcripts;
- short writers in loops: ``code add`` (each with its own memo token), ``participants set``
  (each with its own attribute key), and ``undo`` followed by ``redo``;
- readers in a loop: ``code list --format json`` and ``export quotes``;
- the workbench (``mpu-qual`` with no command) in a real pseudo-terminal, paging through
  passages and switching label language, then quitting with Ctrl+Q.

The loops stop when the long writer has finished. Then, with everything closed, the round
is checked: ``PRAGMA integrity_check`` and ``foreign_key_check`` pass, every coding quotes
its text; every acknowledged action (exit 0 and its message, e.g. "Coding N: ...") is in
the file and every refused one (exit 1 with mpu-qual's "the project is busy" message) left
nothing; no process printed a traceback or any other error; the workbench quit cleanly.

An ``undo`` may take back another process's acknowledged action, legitimately. Undo and
redo run as a pair (the redo retried until it is acknowledged or says "Nothing to redo."),
so an action stays undone only when another action came in between; those are counted by
description, and at most that many acknowledged actions of that description may be missing.

Nothing here depends on timing: the checks hold whatever the interleaving was.
Used by tests/safety/test_concurrency_torture.py (a few rounds) and
benchmarks/bench_concurrency.py (hundreds).
"""

from __future__ import annotations

import csv
import datetime as dt
import fcntl
import json
import os
import random
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import termios
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SRC = "focus-group-2025-12-08"
LOOP_CODE = "factors"  # code add
AUTO_CODE = "training"  # autocode (nothing else uses it)
LABEL = "IL1"  # participants set
BUSY = "the project is busy"
WORKBENCH_START_S = 60.0  # a loaded CI machine can take seconds to start Textual
LONG_KINDS = ("jobs", "qdpx", "autocode")
PHRASES = ("PLC", "technician", "training", "AI", "robot", "data", "standards", "finance")
TITLES = ["Technician", "技術員", "Engineer", "機械工程師", "Buyer", "研究員", "Admin Clerk"]
INDUSTRIES = ["Manufacturing", "製造業", "Trading", "測試及認證", "Banking", "Retail"]
COMMAND_TIMEOUT_S = 600


@dataclass
class Run:
    """One command and what it printed."""

    kind: str
    args: list[str]
    token: str = ""
    rc: int | None = None
    out: str = ""
    err: str = ""
    seconds: float = 0.0

    @property
    def acked(self) -> bool:
        return self.rc == 0

    @property
    def refused(self) -> bool:
        return self.rc == 1 and BUSY in self.err and "Nothing was changed" in self.err


@dataclass
class RoundReport:
    number: int
    long_kind: str
    seconds: float = 0.0
    runs: list[Run] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    acked: int = 0  # acknowledged writes checked (short and long)
    refused: int = 0  # busy refusals checked to have left nothing
    lost: int = 0  # acknowledged actions missing beyond what undo explains
    integrity_ok: bool = True
    undone: int = 0  # actions that stayed undone (another action came between undo and redo)
    refused_traces: int = 0  # refused writes that left something behind (must stay 0)

    @property
    def ok(self) -> bool:
        return not self.problems


def generate_jobs_csv(path: Path, rows: int, seed: int) -> None:
    """Job ads that the default rules accept in part (some off-sector, a few reposts)."""
    rng = random.Random(seed)
    start = dt.date(2024, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["platform", "ad_id", "date", "title", "company", "industry", "description"])
        for i in range(rows):
            day = start + dt.timedelta(days=rng.randrange(700))
            w.writerow(
                [
                    rng.choice(["JobsDB", "CTgoodjobs", "Recruit"]),
                    f"s{seed}-{i}",
                    day.strftime("%d/%m/%Y"),
                    rng.choice(TITLES),
                    f"Company {rng.randrange(5000)}",
                    rng.choice(INDUSTRIES),
                    f"Ref {seed}-{i}. PLC and maintenance, {rng.randrange(10**6)}.",
                ]
            )


class Torture:
    """A project and the inputs of the long writers; ``run_round`` runs and checks one round."""

    def __init__(
        self,
        work: Path,
        *,
        job_rows: int = 5_000,
        transcripts: int = 12,
        qdpx_transcripts: int = 6,
        loop_pause_s: float = 0.0,
        workbench: bool = True,
        seed: int = 1,
    ) -> None:
        self.work = work
        self.folder = work / "project"
        self.home = work / "home"
        self.job_rows = job_rows
        self.transcripts = transcripts
        self.qdpx_transcripts = qdpx_transcripts
        self.loop_pause_s = loop_pause_s
        self.workbench = workbench
        self.rng = random.Random(seed)
        self.seed = seed
        self.env = {
            **os.environ,
            "MPU_QUAL_HOME": str(self.home),
            "MPU_QUAL_CODER": "torture",
            "PYTHONDONTWRITEBYTECODE": "1",
            "COLUMNS": "120",
            "TERM": "xterm-256color",
        }
        self.env.pop("PYTEST_CURRENT_TEST", None)
        self.qdpx = work / "interviews.qdpx"

    # ------------------------------------------------------------------ set-up
    def mq(self, *args: str, folder: Path | None = None) -> list[str]:
        return [sys.executable, "-m", "mpu_qual", "-p", str(folder or self.folder), *args]

    def _must(self, *args: str, folder: Path | None = None) -> str:
        res = subprocess.run(
            self.mq(*args, folder=folder),
            capture_output=True,
            text=True,
            env=self.env,
            cwd=REPO_ROOT,
            timeout=COMMAND_TIMEOUT_S,
        )
        if res.returncode != 0:
            raise RuntimeError(f"set-up step {args} failed: {res.stderr[-2000:]}")
        return res.stdout

    def setup(self) -> None:
        """The demo codebook and transcript, plus copies of the transcript (a large project
        for autocode), and a .qdpx of another project for the QDPX imports."""
        self.work.mkdir(parents=True, exist_ok=True)
        demo = (REPO_ROOT / "transcripts" / f"{SRC}.txt").read_text(encoding="utf-8")
        for folder, n in (
            (self.folder, self.transcripts),
            (self.work / "other", self.qdpx_transcripts),
        ):
            (folder / "transcripts").mkdir(parents=True)
            shutil.copy2(REPO_ROOT / "codebook.yaml", folder / "codebook.yaml")
            (folder / "transcripts" / f"{SRC}.txt").write_text(demo, encoding="utf-8")
            for i in range(1, n):
                # each copy differs, so none is a duplicate of another
                (folder / "transcripts" / f"fg-{i:03d}.txt").write_text(
                    f"[00:00:00] TE1: Session {i} of the torture set.\n" + demo, encoding="utf-8"
                )
            self._must("init", str(folder), folder=folder)
        self._must(
            "code",
            "add",
            SRC,
            "--start",
            "0",
            "--end",
            "12",
            "--code",
            "factors",
            folder=self.work / "other",
        )
        self._must("export", "qdpx", "-o", str(self.qdpx), folder=self.work / "other")
        # Undo must not reach the set-up (it would take transcripts away from the loops).
        conn = sqlite3.connect(self.folder / "project.db", isolation_level=None)
        try:
            conn.execute("PRAGMA trusted_schema = ON")
            conn.execute("PRAGMA foreign_keys = ON")  # their undo records go with them
            conn.execute("DELETE FROM actions")
            # offsets are into the stored text (timestamps and labels are not in it)
            (self.src_length,) = conn.execute(
                "SELECT length FROM sources WHERE name = ?", [SRC]
            ).fetchone()
        finally:
            conn.close()

    # ------------------------------------------------------------------ processes
    def _run(self, run: Run) -> Run:
        t0 = time.monotonic()
        try:
            res = subprocess.run(
                self.mq(*run.args),
                capture_output=True,
                text=True,
                env=self.env,
                cwd=REPO_ROOT,
                timeout=COMMAND_TIMEOUT_S,
            )
            run.rc, run.out, run.err = res.returncode, res.stdout, res.stderr
        except subprocess.TimeoutExpired as exc:
            run.rc, run.err = -1, f"timed out after {COMMAND_TIMEOUT_S} s: {exc}"
        run.seconds = time.monotonic() - t0
        return run

    def _loop(self, name: str, make, done: threading.Event, out: list[Run]) -> None:
        i = 0
        while not done.is_set() or i == 0:
            for run in make(i):
                out.append(run.run if isinstance(run, _Done) else self._run(run))
            i += 1
            if self.loop_pause_s:
                time.sleep(self.loop_pause_s)

    def _code_add(self, number: int):
        def make(i: int) -> list[Run]:
            token = f"r{number}c{i}"
            start = self.rng.randrange(0, self.src_length - 40)
            end = start + self.rng.randint(1, 40)
            return [
                Run(
                    "code add",
                    [
                        "code",
                        "add",
                        SRC,
                        "--start",
                        str(start),
                        "--end",
                        str(end),
                        "--code",
                        LOOP_CODE,
                        "--memo",
                        token,
                    ],
                    token,
                )
            ]

        return make

    def _participants(self, number: int):
        def make(i: int) -> list[Run]:
            token = f"r{number}p{i}"
            return [
                Run(
                    "participants set",
                    ["participants", "set", LABEL, "--attr", f"{token}=x"],
                    token,
                )
            ]

        return make

    def _undo_redo(self, number: int):
        def make(i: int) -> list[Run]:
            undo = self._run(Run("undo", ["undo"]))
            runs = [undo]
            if undo.acked and undo.out.startswith("Undone: "):
                for _ in range(20):  # until the redo is acknowledged or has nothing to do
                    redo = self._run(Run("redo", ["redo"]))
                    runs.append(redo)
                    if not redo.refused:
                        break
            return [_Done(r) for r in runs]

        return make

    def _readers(self, number: int):
        def make(i: int) -> list[Run]:
            out = self.work / f"quotes-{number}-{i}.csv"
            return [
                Run("code list", ["code", "list", "--format", "json"]),
                Run("export", ["export", "quotes", "-o", str(out), "--format", "csv"]),
            ]

        return make

    def _long(self, number: int, kind: str) -> Run:
        if kind == "jobs":
            path = self.work / f"ads-{number}.csv"
            generate_jobs_csv(path, self.job_rows, seed=self.seed * 100_000 + number)
            return Run("jobs import", ["jobs", "import", str(path)], str(path))
        if kind == "qdpx":
            prefix = f"r{number}-"
            return Run(
                "import qdpx", ["import", "qdpx", str(self.qdpx), "--prefix", prefix], prefix
            )
        phrase = PHRASES[number % len(PHRASES)]
        unit = ("segment", "sentence", "match")[number % 3]
        return Run(
            "autocode", ["autocode", "--code", AUTO_CODE, "--phrase", phrase, "--unit", unit]
        )

    # ------------------------------------------------------------------ a round
    def run_round(self, number: int, long_kind: str | None = None) -> RoundReport:
        kind = long_kind or LONG_KINDS[number % len(LONG_KINDS)]
        report = RoundReport(number, kind)
        before = self._state()
        t0 = time.monotonic()
        long_run = self._long(number, kind)
        done = threading.Event()
        loops: dict[str, list[Run]] = {k: [] for k in ("code", "participants", "undo", "readers")}
        makers = {
            "code": self._code_add(number),
            "participants": self._participants(number),
            "undo": self._undo_redo(number),
            "readers": self._readers(number),
        }
        tui = Workbench(self) if self.workbench else None
        if tui:
            # The round starts once the workbench is on screen, so it is really open while the
            # others write (a loaded machine can take seconds to start Textual).
            tui.wait_drawn(WORKBENCH_START_S)
        threads = [
            threading.Thread(target=self._loop, args=(k, makers[k], done, loops[k]), daemon=True)
            for k in loops
        ]
        for t in threads:
            t.start()
        self._run(long_run)
        done.set()
        for t in threads:
            t.join(timeout=COMMAND_TIMEOUT_S * 2)
        tui_problem = tui.finish() if tui else None
        report.seconds = time.monotonic() - t0
        report.runs = [long_run] + [r for k in loops for r in loops[k]]
        if tui_problem:
            report.problems.append(tui_problem)
        self._check(report, before, long_run)
        return report

    # ------------------------------------------------------------------ checks
    def _conn(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            f"{(self.folder / 'project.db').resolve().as_uri()}?mode=ro", uri=True
        )
        conn.execute("PRAGMA trusted_schema = ON")
        return conn

    def _state(self) -> dict[str, int]:
        conn = self._conn()
        try:
            return {
                "job_ads": _count(conn, "job_ads"),
                "auto": conn.execute(
                    "SELECT count(*) FROM codings WHERE code_id = ?", [AUTO_CODE]
                ).fetchone()[0],
            }
        finally:
            conn.close()

    def _check(self, report: RoundReport, before: dict[str, int], long_run: Run) -> None:
        from mpu_qual.store.health import offsets

        problems = report.problems
        for run in report.runs:
            if "Traceback" in run.err or "Traceback" in run.out:
                problems.append(f"{run.kind} printed a traceback:\n{run.err[-1500:]}")
            elif not (run.acked or run.refused):
                problems.append(
                    f"{run.kind} {run.args} failed (exit {run.rc}): {run.err.strip()[-500:]}"
                )
        undone: Counter[str] = Counter()
        undo_runs = [r for r in report.runs if r.kind in ("undo", "redo")]
        for i, r in enumerate(undo_runs):
            if r.kind == "undo" and r.acked and r.out.startswith("Undone: "):
                what = r.out.strip()[len("Undone: ") :]
                follow = next(
                    (x for x in undo_runs[i + 1 :] if x.kind == "redo" and not x.refused), None
                )
                if follow is None or not follow.out.startswith("Redone: "):
                    undone[what] += 1
        report.undone = sum(undone.values())
        conn = self._conn()
        try:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
            if rows != ["ok"]:
                report.integrity_ok = False
                problems.append(f"integrity_check: {rows[:5]}")
                return
            fk = conn.execute("PRAGMA foreign_key_check").fetchall()
            if fk:
                report.integrity_ok = False
                problems.append(f"foreign_key_check: {fk[:5]}")
            found = offsets(conn)
            if found:
                problems.append("offsets: " + "; ".join(f.message for f in found))
            memos = dict(
                conn.execute(
                    "SELECT memo, id FROM codings WHERE memo LIKE ?", [f"r{report.number}c%"]
                )
            )
            attrs = json.loads(
                conn.execute(
                    "SELECT attributes FROM participants WHERE label = ?", [LABEL]
                ).fetchone()[0]
            )
            after = {
                "job_ads": _count(conn, "job_ads"),
                "auto": conn.execute(
                    "SELECT count(*) FROM codings WHERE code_id = ?", [AUTO_CODE]
                ).fetchone()[0],
            }
            prefixed = conn.execute(
                "SELECT count(*) FROM sources WHERE name LIKE ?", [f"r{report.number}-%"]
            ).fetchone()[0]
        finally:
            conn.close()
        # short writers
        missing_codes = 0
        for run in report.runs:
            if run.kind == "code add":
                if run.acked:
                    report.acked += 1
                    m = re.match(r"Coding (\d+): ", run.out)
                    if not m:
                        problems.append(f"code add acknowledged without 'Coding N:': {run.out!r}")
                    elif memos.get(run.token) != int(m.group(1)):
                        missing_codes += 1
                elif run.refused:
                    report.refused += 1
                    if run.token in memos:
                        problems.append(
                            f"refused code add {run.token} left coding {memos[run.token]}"
                        )
            elif run.kind == "participants set":
                if run.acked:
                    report.acked += 1
                    if run.token not in attrs:
                        undone_key = f"Edit participant {LABEL}"
                        undone[undone_key] -= 1  # consume one undo of this description
                        if undone[undone_key] < 0:
                            report.lost += 1
                            problems.append(f"acknowledged participants set {run.token} is missing")
                elif run.refused:
                    report.refused += 1
                    if run.token in attrs:
                        problems.append(f"refused participants set {run.token} left its attribute")
        coding = f"Code {LOOP_CODE} in {SRC}"
        allowed = max(undone[coding], 0)
        if missing_codes > allowed:
            report.lost += missing_codes - allowed
            problems.append(
                f"{missing_codes} acknowledged code add(s) missing, only {allowed} undone"
            )
        # the long writer
        if long_run.acked:
            report.acked += 1
        elif long_run.refused:
            report.refused += 1
        if long_run.kind == "jobs import":
            delta = after["job_ads"] - before["job_ads"]
            if long_run.acked:
                m = re.search(
                    r"([\d,]+) imported, [\d,]+ duplicates, ([\d,]+) out of scope", long_run.out
                )
                want = (
                    int(m.group(1).replace(",", "")) + int(m.group(2).replace(",", ""))
                    if m
                    else None
                )
                if want is None or delta != want:
                    report.lost += 1
                    problems.append(
                        f"jobs import acknowledged {want} stored ads, the file has {delta} more"
                    )
            elif delta:
                problems.append(f"refused jobs import left {delta} ads")
        elif long_run.kind == "import qdpx":
            if long_run.acked:
                m = re.search(r": (\d+) transcripts", long_run.out)
                want = int(m.group(1)) if m else -1
                undone_import = any(k.startswith("Import ") for k, n in undone.items() if n > 0)
                if prefixed != want and not (undone_import and prefixed == 0):
                    report.lost += 1
                    problems.append(
                        f"qdpx import acknowledged {want} transcripts, found {prefixed}"
                    )
            elif prefixed:
                problems.append(f"refused qdpx import left {prefixed} transcripts")
        else:
            delta = after["auto"] - before["auto"]
            if long_run.acked:
                m = re.match(r"Coded (\d+) passages", long_run.out)
                want = int(m.group(1)) if m else -1
                undone_auto = any(k.startswith("Auto") for k, n in undone.items() if n > 0)
                if delta != want and not undone_auto:
                    report.lost += 1
                    problems.append(f"autocode acknowledged {want} codings, found {delta} more")
            elif delta:
                problems.append(f"refused autocode left {delta} codings")
        report.refused_traces = sum(1 for p in problems if p.startswith("refused "))
        # readers
        for run in report.runs:
            if run.kind == "code list" and run.acked:
                try:
                    json.loads(run.out)
                except ValueError:
                    problems.append("code list --format json printed something that is not JSON")


class _Done:
    """A run that already ran (the undo/redo pair runs inside its maker)."""

    def __init__(self, run: Run) -> None:
        self.run = run


def _count(conn: sqlite3.Connection, table: str) -> int:
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    except sqlite3.OperationalError:  # the job-ad tables appear with the first import
        return 0


class Workbench:
    """``mpu-qual`` (the Textual workbench) in a real pseudo-terminal, paging and switching
    languages every second until ``finish`` quits it with Ctrl+Q."""

    KEYS = (b"n", b"n", b"L", b"N", b"L")

    def __init__(self, torture: Torture) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
        self.proc = subprocess.Popen(
            torture.mq(),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=torture.env,
            cwd=REPO_ROOT,
            start_new_session=True,
        )
        os.close(slave)
        self.output = bytearray()
        self.stop = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.keys = threading.Thread(target=self._press, daemon=True)
        self.keys.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.output += chunk

    def _press(self) -> None:
        i = 0
        while not self.stop.wait(1.0):
            try:
                os.write(self.master, self.KEYS[i % len(self.KEYS)])
            except OSError:
                return
            i += 1

    def drawn(self) -> bool:
        return "MPU-QUAL" in self.output.decode("utf-8", "replace").upper()

    def wait_drawn(self, timeout: float) -> bool:
        """Wait until the screen has been drawn (or the process ended, or ``timeout``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.drawn():
                return True
            if self.proc.poll() is not None:
                return self.drawn()
            time.sleep(0.05)
        return self.drawn()

    def finish(self) -> str | None:
        """Quit; a problem as text, or None."""
        self.wait_drawn(WORKBENCH_START_S)
        self.stop.set()
        self.keys.join(timeout=5)
        problem = None
        try:
            os.write(self.master, b"\x11")  # Ctrl+Q
            rc = self.proc.wait(timeout=60)
            if rc != 0:
                problem = f"the workbench exited with {rc}"
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            problem = "the workbench did not quit on Ctrl+Q"
        except OSError as exc:
            problem = f"the workbench's terminal failed: {exc}"
        self.reader.join(timeout=5)
        os.close(self.master)
        text = self.output.decode("utf-8", "replace")
        if "Traceback" in text:
            problem = (problem or "") + " the workbench printed a traceback: " + text[-1500:]
        if "MPU-QUAL" not in text.upper():
            problem = (problem or "") + (
                f" the workbench never drew its screen within {WORKBENCH_START_S:.0f} s: "
                + repr(text[-500:])
            )
        return problem
