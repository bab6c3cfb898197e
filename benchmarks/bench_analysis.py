"""Benchmark: matrices, co-occurrence and the framework matrix on the large project.

Uses the project bench_tui.py generates (50 transcripts x 5,000 segments = 250,000 segments,
20,000 codings; cached in benchmarks/out/ and built when missing) and measures, with
time.perf_counter, the median of several runs of:

- reading the coding (``Facts.load``: codings without text, speakers, segments, talk);
- a code matrix of every code by group (passages, participants, share), by participant, and
  the first draw the workbench's matrix screen makes (load + matrix of passages); the talk
  per speaker that shares divide by is read once, when a share is first asked for;
- the codings behind the biggest cell (ids, then the full codings with their quotes);
- co-occurrence of every code (same passage, overlapping, within 2 segments);
- the framework matrix by group (with every quote).

Baselines measured in the same run: ``codings.list()`` (how exports read the coding) and
``code_frequencies_by_group`` (the summary's existing code-by-group table).
Targets (issue 23): first draw of the matrix < 300 ms, a cell's passages < 100 ms.

Usage: .venv/bin/python benchmarks/bench_analysis.py [--runs 5]
Writes benchmarks/results/analysis.txt.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

RESULT = ROOT / "benchmarks" / "results" / "analysis.txt"


def timed(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> None:
    import bench_tui

    from mpu_qual.analysis.cooccur import cooccurrence
    from mpu_qual.analysis.facts import Facts
    from mpu_qual.analysis.framework import framework_matrix
    from mpu_qual.analysis.matrix import code_matrix
    from mpu_qual.export.stats import code_frequencies_by_group
    from mpu_qual.store import Project
    from mpu_qual.store.analysis_reads import AnalysisReads

    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    folder = bench_tui.OUT / "tui-50x5000"
    params = {"sources": 50, "segments": 5000, "codings": 20000}
    marker = folder / "bench-params.json"
    if not marker.exists() or json.loads(marker.read_text()) != params:
        print("generating the 250,000-segment project (once)...", flush=True)
        bench_tui.generate(folder, 50, 5000, 20000)
    os.environ.setdefault("MPU_QUAL_HOME", str(bench_tui.OUT / "home"))
    p = Project.open(folder)
    n = args.runs
    lines: list[str] = []

    def row(what: str, secs: float, note: str = "") -> None:
        lines.append(f"{what:<44}: {secs * 1000:8.1f} ms{('  ' + note) if note else ''}")

    base_list, codings = timed(lambda: p.codings.list(), n)
    base_freq, _ = timed(lambda: code_frequencies_by_group(p), n)
    t_load, facts = timed(lambda: Facts.load(p), n)
    assert isinstance(facts, Facts)
    all_codes = [c.id for c in facts.codes]
    t_group, m = timed(lambda: code_matrix(facts, all_codes, "group"), n)
    t_part, _ = timed(lambda: code_matrix(facts, all_codes, "participant"), n)
    t_parts_measure, _ = timed(lambda: m.with_measure("participants").cells, n)
    t_share, _ = timed(lambda: m.with_measure("share").cells, n)
    t_first, _ = timed(lambda: code_matrix(Facts.load(p), all_codes, "group").cells, n)
    t_talk, _ = timed(lambda: AnalysisReads(p).talk(), n)
    # the biggest cell that is not a theme's (a sub-code's: what a researcher opens)
    r, c = max(
        ((r, c) for r in range(len(m.rows)) if m.rows[r].depth > 0 for c in range(len(m.cols))),
        key=lambda rc: len(m.passages[rc[0]][rc[1]]),
    )
    t_ids, ids = timed(lambda: m.cell_codings(r, c), n)
    t_cell, full = timed(lambda: AnalysisReads(p).codings(m.cell_codings(r, c)), n)
    t_expr, _ = timed(lambda: code_matrix(facts, [f"{all_codes[1]} & !{all_codes[5]}"], "group"), n)
    t_pass, _ = timed(lambda: cooccurrence(facts, mode="passage"), n)
    t_over, co = timed(lambda: cooccurrence(facts, mode="overlap"), n)
    t_near, _ = timed(lambda: cooccurrence(facts, mode="near", near=2), n)
    t_fw, fw = timed(lambda: framework_matrix(p, by="group", facts=facts), max(1, n // 2))
    p.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    header = (
        f"bench_analysis  {time.strftime('%Y-%m-%dT%H:%M:%S')}  cpus={os.cpu_count()}  "
        f"python={platform.python_version()}  load average: {os.getloadavg()[0]:.1f}"
    )
    lines.append(
        f"project: 50 transcripts x 5000 segments (250,000 segments), {len(codings):,} codings "
        f"= {len(facts.passages):,} passages, {len(facts.codes)} codes; median of {n} runs"
    )
    lines.append("")
    row("baseline: codings.list() (exports read this)", base_list)
    row("baseline: code_frequencies_by_group (summary)", base_freq)
    row(
        "Facts.load (read the coding once)",
        t_load,
        f"ratio {t_load / base_list:.2f} x codings.list()",
    )
    row(f"matrix {len(all_codes)} codes x {len(m.cols)} groups, passages", t_group)
    row("  the same as participants", t_parts_measure)
    row("  the same as share of talk", t_share)
    row("  talk per speaker, read once (for shares)", t_talk)
    row("matrix every code x participant", t_part)
    row("matrix code expression 'A & !B'", t_expr)
    row(
        "first draw: load + matrix (target < 300 ms)",
        t_first,
        f"{'OK' if t_first < 0.3 else 'OVER'}; ratio {t_first / base_freq:.2f} x the summary's table",
    )
    row(f"a cell's coding ids ({len(ids):,} codings)", t_ids)  # type: ignore[arg-type]
    row(
        "a cell's passages with quotes (target < 100 ms)",
        t_cell,
        f"{'OK' if t_cell < 0.1 else 'OVER'}; {len(full):,} codings",  # type: ignore[arg-type]
    )
    row(f"co-occurrence {len(co.codes)} codes, same passage", t_pass)  # type: ignore[union-attr]
    row("co-occurrence, overlapping", t_over)
    row("co-occurrence, within 2 segments", t_near)
    row(
        "framework matrix by group, every quote",
        t_fw,
        f"{sum(len(x.quotes) for line in fw.cells for x in line):,} quotes",  # type: ignore[union-attr]
    )
    lines.append(f"memory: peak RSS {peak:.0f} MiB")
    text = header + "\n" + "\n".join(lines) + "\n"
    print(text)
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
