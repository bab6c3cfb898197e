"""Benchmark: script-insensitive Chinese search on the 250,000-segment project (issue 20).

Uses the project bench_tui.py builds (50 transcripts x 5,000 segments, English with Cantonese
in Traditional characters; cached in benchmarks/out/, generated here when missing) and times
``Project.search`` (limit 500, as the workbench's search screen asks) for Traditional and
Simplified spellings of the same words, on a read-only connection, median of 7 runs after a
warm-up.

Baseline, measured in the same run on the same connection, the runs interleaved: the same
search code for the spelling the project stores (Traditional), with the Simplified/Traditional
matching switched off (exact matching, as search did before issue 20): the same hits, one
spelling. Target: every search under 100 ms.

Usage: .venv/bin/python benchmarks/bench_search.py [--fresh]
Writes benchmarks/results/search.txt.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_tui import OUT, generate  # noqa: E402
from rich.cells import cell_len as wcswidth  # noqa: E402

from mpu_qual import chinese_scripts  # noqa: E402
from mpu_qual.store import Project  # noqa: E402

RESULT = ROOT / "benchmarks" / "results" / "search.txt"
SOURCES, SEGMENTS, CODINGS = 50, 5000, 20000
#: (what, query, the spelling the project stores)
QUERIES = [
    ("Traditional, 3 chars", "老師傅", "老師傅"),
    ("Simplified, 3 chars", "老师傅", "老師傅"),
    ("Traditional, 2 chars", "培訓", "培訓"),
    ("Simplified, 2 chars", "培训", "培訓"),
    ("Simplified, 3 chars", "生产线", "生產線"),
    ("HK variant, 3 chars", "生產綫", "生產線"),
    ("Simplified, 3 chars", "技术员", "技術員"),
    # ten characters, 32 spellings: one index look-up of all of them
    ("Simplified, 10 chars", "自动化机械人数据品质", "自動化機械人數據品質"),
    # fourteen characters, over 64 spellings: too many to look up, so a scan of every text
    ("Simplified, 14 chars", "自动化机械人数据品质标准认证", "自動化機械人數據品質標準認證"),
    ("English word", "apprenticeship", "apprenticeship"),
]
RUNS = 9


def exact_search(p: Project, q: str) -> list:
    tables = chinese_scripts._tables
    chinese_scripts._tables = lambda: None  # type: ignore[assignment]
    try:
        return p.search(q, limit=500)
    finally:
        chinese_scripts._tables = tables  # type: ignore[assignment]


def timed(p: Project, q: str, stored: str) -> tuple[float, int, float, int]:
    """Median ms and hits of the search and of the baseline, their runs interleaved."""
    p.search(q, limit=500)  # warm-up
    exact_search(p, stored)
    ts, bs = [], []
    for _ in range(RUNS):
        t = time.perf_counter()
        hits = p.search(q, limit=500)
        ts.append(time.perf_counter() - t)
        t = time.perf_counter()
        base = exact_search(p, stored)
        bs.append(time.perf_counter() - t)
    return statistics.median(ts) * 1000, len(hits), statistics.median(bs) * 1000, len(base)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fresh", action="store_true", help="Generate the project again.")
    args = ap.parse_args()
    folder = OUT / f"tui-{SOURCES}x{SEGMENTS}"
    gen = None
    if args.fresh or not (folder / "project.db").exists():
        t = time.perf_counter()
        generate(folder, SOURCES, SEGMENTS, CODINGS)
        gen = time.perf_counter() - t
    assert chinese_scripts.available(), "install the [chinese] extra (OpenCC) first"
    rows = []
    with Project.open(folder, readonly=True) as p:
        n = p.sources.segment_count()
        for name, q, stored in QUERIES:
            rows.append((name, q, *timed(p, q, stored)))
    load = os.getloadavg()[0]
    lines = [
        f"bench_search  {time.strftime('%Y-%m-%dT%H:%M:%S')}  cpus={os.cpu_count()}  "
        f"python={platform.python_version()}  load average at the end: {load:.1f}",
        f"project: {n:,} segments (bench_tui's, Cantonese in Traditional characters)"
        + (f", generated in {gen:.0f} s" if gen else " (cached)"),
        f"search = Project.search(limit=500), median of {RUNS}; baseline = exact search "
        "(matching off) for the spelling stored, runs interleaved on the same connection",
        "",
    ]
    worst = 0.0
    for name, q, ms, hits, base_ms, base_hits in rows:
        worst = max(worst, ms)
        lines.append(
            f"{name:<21} {q}{' ' * (30 - wcswidth(q))}{ms:7.1f} ms  {hits:>3} hits   "
            f"baseline {base_ms:6.1f} ms {base_hits:>3} hits   ratio {ms / base_ms:5.2f} x  "
            f"{'OK' if ms < 100 else 'MISSED'}"
        )
    lines += ["", f"slowest: {worst:.1f} ms (target < 100 ms)"]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    RESULT.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
