"""Benchmark: hundreds of concurrency-torture rounds; integrity failures and lost actions.

Each round (tests/safety/torture.py) runs at once, on one project: a long writer (a
``jobs import`` of ``--rows`` generated ads, an ``import qdpx`` of a multi-transcript
project, or an ``autocode`` over a project of ``--transcripts`` transcripts, in turn),
``code add``, ``participants set`` and ``undo``/``redo`` loops, ``code list`` and
``export quotes`` readers, and the workbench in a real pseudo-terminal. After each round
the file is checked with plain SQLite and every acknowledged and refused action is
verified. A project is used for ``--epoch`` rounds, then a fresh one is made (the job-ad
tables grow by the imported rows every jobs round).

Prints per-round lines and a summary, and writes the summary to
benchmarks/results/concurrency.txt. The baseline for the timings is each long writer run
alone on the same project, measured in the same run.

Team merges (issue 19; tests/safety/merge_torture.py): ``--merge-rounds N`` rounds of two
merges at once, a merge SIGKILLed after a random delay and a merge racing undo/redo, each
checked (every coding once, codebook.yaml agreeing with the codes, the file intact); figures
in benchmarks/results/concurrency_merge.txt, against a merge run alone in the same run.
``--rounds 0 --merge-rounds 20`` runs only those.

Usage: .venv/bin/python benchmarks/bench_concurrency.py [--rounds 300] [--rows 100000]
       [--merge-rounds 10] [--merge-codings 20000]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "safety"))
RESULTS = ROOT / "benchmarks" / "results" / "concurrency.txt"

from merge_torture import MergeScene  # noqa: E402  (tests/safety/merge_torture.py)
from torture import LONG_KINDS, Torture  # noqa: E402  (tests/safety/torture.py)

MERGE_RESULTS = ROOT / "benchmarks" / "results" / "concurrency_merge.txt"


def merge_rounds(work: Path, rounds: int, codings: int) -> None:
    """Two merges at once, a killed merge and a merge racing undo, ``rounds`` times."""
    scene = MergeScene(work / "merge", codings=codings, seed=19)
    t = time.perf_counter()
    scene.setup()
    print(f"merge scene set up in {time.perf_counter() - t:.1f} s ({scene.expected:,} codings)")
    lead = scene.fresh_lead("alone")
    t = time.perf_counter()
    res = scene.run(lead, "merge", str(scene.colleague))
    alone_s = time.perf_counter() - t
    assert res.returncode == 0, res.stderr
    times: dict[str, list[float]] = defaultdict(list)
    for number in range(rounds):
        before = len(scene.problems)
        for name, scene_fn in (
            ("two merges at once", scene.two_merges),
            ("merge killed", scene.killed_merge),
            ("merge racing undo", scene.merge_and_undo),
        ):
            t = time.perf_counter()
            scene_fn(number)
            times[name].append(time.perf_counter() - t)
        status = "ok" if len(scene.problems) == before else "FAILED"
        print(f"merge round {number:3d}: {status}", flush=True)
        for line in scene.problems[before:]:
            print("   ", line[:400], flush=True)
        for folder in scene.work.glob(f"*-{number}"):
            shutil.rmtree(folder, ignore_errors=True)
    lines = [
        f"bench_concurrency merges  {datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%S')}Z  "
        f"cpus={len(os.sched_getaffinity(0))}  python={platform.python_version()}  "
        f"sqlite={sqlite3.sqlite_version}",
        f"rounds              : {rounds} (colleague's project: {scene.expected:,} codings, one "
        "new code)",
        f"problems            : {len(scene.problems)} (duplicates, partial merges, codebook.yaml "
        "not agreeing with the codes, journals left, tracebacks, advice to restore)",
        f"baseline            : one merge alone {alone_s:.1f} s",
    ]
    for name, ts in times.items():
        med = statistics.median(ts)
        lines.append(f"{name:20s}: median {med:.1f} s (ratio {med / alone_s:.2f} to a merge alone)")
    lines += [f"  {p}" for p in scene.problems[:20]]
    text = "\n".join(lines) + "\n"
    print("\n" + text, end="")
    MERGE_RESULTS.write_text(text, encoding="utf-8")
    print(f"wrote {MERGE_RESULTS.relative_to(ROOT)}")


def fresh(work: Path, first_round: int, args: argparse.Namespace) -> Torture:
    """A new project for the rounds from ``first_round`` on."""
    torture = Torture(
        work / f"project-from-round-{first_round:04d}",
        job_rows=args.rows,
        transcripts=args.transcripts,
        qdpx_transcripts=args.qdpx_transcripts,
        seed=first_round + 1,
    )
    torture.setup()
    return torture


def alone(torture: Torture, kind: str, number: int) -> float:
    """The long writer with nothing else running: the baseline of its wall time."""
    run = torture._long(number, kind)  # noqa: SLF001 - same command as in a round
    t = time.perf_counter()
    torture._run(run)  # noqa: SLF001
    if not run.acked:
        raise SystemExit(f"baseline {kind} failed: {run.err[-1000:]}")
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=300)
    ap.add_argument("--rows", type=int, default=100_000, help="job ads per jobs import")
    ap.add_argument("--transcripts", type=int, default=40, help="transcripts for autocode")
    ap.add_argument("--qdpx-transcripts", type=int, default=20)
    ap.add_argument("--epoch", type=int, default=15, help="rounds per project")
    ap.add_argument(
        "--jobs-every", type=int, default=5, help="a jobs import every N rounds (the longest)"
    )
    ap.add_argument("--keep", type=Path, help="keep the work folder here")
    ap.add_argument("--merge-rounds", type=int, default=10, help="team-merge rounds (issue 19)")
    ap.add_argument("--merge-codings", type=int, default=20_000, help="the colleague's codings")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-concurrency-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        if args.merge_rounds:
            merge_rounds(work, args.merge_rounds, args.merge_codings)
        if not args.rounds:
            return
        base = fresh(work, 99_999, args)
        baseline = {kind: alone(base, kind, 10_000 + i) for i, kind in enumerate(LONG_KINDS)}
        shutil.rmtree(base.work, ignore_errors=True)
        print("baseline (alone): " + ", ".join(f"{k} {s:.1f} s" for k, s in baseline.items()))

        failed_rounds: list[str] = []
        integrity_failures = lost = acked = refused = undone = traces = 0
        commands: Counter[str] = Counter()
        outcomes: Counter[str] = Counter()
        long_times: dict[str, list[float]] = defaultdict(list)
        round_times: list[float] = []
        torture = None

        def summary(done: int) -> str:
            total = time.perf_counter() - started
            lines = [
                f"bench_concurrency  {datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%S')}Z  "
                f"cpus={len(__import__('os').sched_getaffinity(0))}  python={platform.python_version()}  "
                f"sqlite={sqlite3.sqlite_version}",
                f"rounds              : {done}"
                + ("" if done == args.rounds else f" of {args.rounds} (stopped early)")
                + f" ({args.epoch} per project; long writer: a jobs "
                f"import of {args.rows:,} rows every {args.jobs_every} rounds, else in turn an import "
                f"qdpx of {args.qdpx_transcripts} transcripts or an autocode over "
                f"{args.transcripts} transcripts)",
                "per round           : long writer + code add loop + participants set loop + "
                "undo/redo loop + code list/export readers + workbench in a pty",
                f"commands run        : {sum(commands.values()):,} ("
                + ", ".join(f"{k} {n:,}" for k, n in sorted(commands.items()))
                + ")",
                "outcomes            : "
                + ", ".join(f"{k} {n:,}" for k, n in sorted(outcomes.items())),
                f"integrity failures  : {integrity_failures}  (PRAGMA integrity_check / foreign_key_check after every round)",
                f"lost acknowledged   : {lost}  ({acked:,} acknowledged writes checked)",
                f"refused left traces : {traces}  ({refused:,} busy refusals checked)",
                f"rounds with problems: {len(failed_rounds)}",
                f"undone by undo      : {undone} acknowledged actions stayed undone (another action came between undo and redo)",
                f"round time          : median {statistics.median(round_times):.1f} s, max {max(round_times):.1f} s; "
                f"whole run {total / 60:.1f} min",
            ]
            for kind in LONG_KINDS:
                times = long_times.get(kind)
                if times:
                    med = statistics.median(times)
                    lines.append(
                        f"{kind:9s} under load: median {med:.1f} s vs {baseline[kind]:.1f} s alone "
                        f"(ratio {med / baseline[kind]:.2f})"
                    )
            lines += [f"  {f}" for f in failed_rounds[:20]]
            return "\n".join(lines) + "\n"

        def record(done: int, final: bool = False) -> None:
            """The summary so far, written after every round: a run stopped early keeps its figures."""
            text = summary(done)
            if final:
                print("\n" + text, end="")
            tmp = RESULTS.with_suffix(".txt.tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(RESULTS)

        done_rounds = 0
        try:
            for number in range(args.rounds):
                if torture is None or number % args.epoch == 0:
                    if torture is not None:
                        shutil.rmtree(torture.work, ignore_errors=True)
                    torture = fresh(work, number, args)
                kind = "jobs" if number % args.jobs_every == 0 else ("qdpx", "autocode")[number % 2]
                report = torture.run_round(number, kind)
                round_times.append(report.seconds)
                long_run = report.runs[0]
                long_times[kind].append(long_run.seconds)
                commands.update(r.kind for r in report.runs)
                outcomes.update(
                    "acknowledged" if r.acked else "refused (busy)" if r.refused else "other"
                    for r in report.runs
                )
                acked += report.acked
                refused += report.refused
                lost += report.lost
                undone += report.undone
                traces += report.refused_traces
                integrity_failures += 0 if report.integrity_ok else 1
                status = "ok" if report.ok else "FAILED"
                print(
                    f"round {number:4d} {kind:8s} {report.seconds:6.1f} s  {len(report.runs):3d} "
                    f"commands, {report.acked} acked, {report.refused} busy, {report.undone} "
                    f"undone: {status}",
                    flush=True,
                )
                if not report.ok:
                    failed_rounds.append(
                        f"round {number} ({kind}): " + " | ".join(report.problems)[:800]
                    )
                    for line in report.problems:
                        print("   ", line[:400], flush=True)
                    # a damaged project is not used again; the next round starts fresh
                    torture = None
                done_rounds = number + 1
                record(done_rounds)
        except KeyboardInterrupt:
            print(f"stopped after {done_rounds} rounds", flush=True)
        if done_rounds:
            record(done_rounds, final=True)
        print(f"wrote {RESULTS.relative_to(ROOT)}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
