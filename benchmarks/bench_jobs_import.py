"""Benchmark: import 1,000,000 generated job ads; compare with a plain ``sqlite-utils insert``.

Prints and writes to benchmarks/results/jobs_import.txt:
- rows/second of ``mpu-qual jobs import`` (stream, de-duplicate, classify, count skill terms,
  full-text index) against the baseline ``sqlite-utils insert DB ads FILE --csv`` of the same
  file, measured in the same run, and the ratio;
- peak resident memory of each process (sampled with psutil);
- latency of the report tables (``compute_tables``, warm, median of 7) and of the whole
  ``mpu-qual jobs table --format json`` command (process start included).

Usage: .venv/bin/python benchmarks/bench_jobs_import.py [--rows N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TITLES = [
    "Technician",
    "Senior Technician",
    "技術員",
    "Engineer",
    "機械工程師",
    "Lab Technician",
    "實驗室技術員",
    "Project Engineer",
    "項目經理",
    "Technical Sales Executive",
    "Buyer",
    "採購員",
    "Production Operator",
    "操作工",
    "Maintenance Technician",
    "維修技工",
    "Technical Officer",
    "技術主任",
    "Consultant",
    "Researcher",
    "研究員",
    "Admin Clerk",
    "Merchandiser",
    "會計文員",
]
INDUSTRIES = [
    "Manufacturing",
    "製造業",
    "Trading",
    "進出口貿易",
    "Engineering Services",
    "測試及認證",
    "Smart Manufacturing",
    "先進物料",
    "Banking",
    "Retail",
]
PLATFORMS = ["JobsDB", "CTgoodjobs", "CPJobs", "Recruit", "Labour Department"]
PHRASES = [
    "Responsible for daily operation of production lines.",
    "負責生產線日常運作及品質控制。",
    "Experience with PLC programming preferred.",
    "熟悉 ISO 9001 品質管理系統。",
    "Knowledge of machine learning or computer vision is an advantage.",
    "Good command of English and Chinese.",
    "Degree in engineering or related discipline.",
    "具備數據分析能力者優先。",
    "Hands-on CNC and SMT experience.",
    "5-day work week.",
]


def generate(path: Path, rows: int, seed: int = 1) -> int:
    """A CSV of ``rows`` postings: about 12% reposts on other platforms, some off-sector."""
    rng = random.Random(seed)
    start = dt.date(2023, 12, 1)
    written = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["platform", "ad_id", "date", "title", "company", "industry", "description"])
        i = 0
        while written < rows:
            i += 1
            title = rng.choice(TITLES)
            company = f"Company {rng.randrange(20_000)}"
            desc = " ".join(rng.sample(PHRASES, 4)) + f" Ref {i}."
            day = start + dt.timedelta(days=rng.randrange(730))
            industry = rng.choice(INDUSTRIES)
            platforms = rng.sample(PLATFORMS, 2 if rng.random() < 0.12 else 1)
            for k, platform in enumerate(platforms):
                if written >= rows:
                    break
                posted = day + dt.timedelta(days=3 * k)
                t = title.upper() if k else title
                w.writerow(
                    [
                        platform,
                        f"{platform[:2]}{i}",
                        posted.strftime("%d/%m/%Y"),
                        t,
                        company,
                        industry,
                        desc if not k else "  " + desc,
                    ]
                )
                written += 1
    return written


def run_measured(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """Wall seconds, peak RSS in bytes (sampled every 50 ms, children included), stdout."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            rss = ps.memory_info().rss + sum(c.memory_info().rss for c in ps.children(True))
            peak = max(peak, rss)
        except psutil.Error:
            pass
        time.sleep(0.05)
    out, err = proc.communicate()
    secs = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{err[-2000:]}")
    return secs, peak, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--keep", type=Path, help="Keep the generated files in this folder.")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-jobs-"))
    work.mkdir(parents=True, exist_ok=True)
    py = sys.executable
    bindir = Path(py).parent
    env = dict(os.environ, MPU_QUAL_HOME=str(work / "home"))
    try:
        csv_path = work / "ads.csv"
        t = time.perf_counter()
        n = generate(csv_path, args.rows)
        gen_s = time.perf_counter() - t
        size_mb = csv_path.stat().st_size / 1e6
        print(f"generated {n:,} rows ({size_mb:,.0f} MB) in {gen_s:.1f} s", flush=True)

        base_db = work / "baseline.db"
        base_s, base_rss, _ = run_measured(
            [str(bindir / "sqlite-utils"), "insert", str(base_db), "ads", str(csv_path), "--csv"]
        )
        print(f"baseline sqlite-utils insert: {base_s:.1f} s", flush=True)

        proj = work / "proj"
        subprocess.run(
            [py, "-m", "mpu_qual", "init", str(proj), "--no-import"],
            check=True,
            env=env,
            capture_output=True,
        )
        ours_s, ours_rss, out = run_measured(
            [py, "-m", "mpu_qual", "-p", str(proj), "jobs", "import", str(csv_path)], env=env
        )
        summary = out.strip().splitlines()[0]
        print(f"mpu-qual jobs import: {ours_s:.1f} s\n  {summary}", flush=True)

        from mpu_qual.evidence.rules import load_rules
        from mpu_qual.evidence.tables import compute_tables
        from mpu_qual.store import Project

        cli_cmd = [py, "-m", "mpu_qual", "-p", str(proj), "jobs", "table", "--format", "json"]
        cli_first_s, _, _ = run_measured(cli_cmd, env=env)  # includes first-open checks
        rules = load_rules(proj / "jobrules.yaml")
        t = time.perf_counter()
        project = Project.open(proj)
        open_ms = (time.perf_counter() - t) * 1000
        try:
            t = time.perf_counter()
            tables = compute_tables(project.db, rules)
            cold_ms = (time.perf_counter() - t) * 1000
            warm = []
            for _ in range(7):
                t = time.perf_counter()
                compute_tables(project.db, rules)
                warm.append((time.perf_counter() - t) * 1000)
            ads = sum(tables.totals.values())
            total_ads = project.db.conn.execute("SELECT count(*) FROM job_ads").fetchone()[0]
        finally:
            project.close()
        cli_s, _, _ = run_measured(cli_cmd, env=env)
        startup_s, _, _ = run_measured([py, "-m", "mpu_qual", "--version"], env=env)
        db_mb = sum(p.stat().st_size for p in proj.glob("project.db*")) / 1e6

        lines = [
            f"bench_jobs_import  {dt.datetime.now().isoformat(timespec='seconds')}  "
            f"cpus={os.cpu_count()}  python={sys.version.split()[0]}",
            f"input: {n:,} postings, {size_mb:,.0f} MB CSV (about 12% reposts, 20% off-sector)",
            f"baseline  sqlite-utils insert --csv : {base_s:8.1f} s  {n / base_s:10,.0f} rows/s"
            f"  peak RSS {base_rss / 2**20:6.0f} MiB",
            f"mpu-qual  jobs import               : {ours_s:8.1f} s  {n / ours_s:10,.0f} rows/s"
            f"  peak RSS {ours_rss / 2**20:6.0f} MiB",
            f"ratio     mpu-qual / baseline time  : {ours_s / base_s:8.2f} x "
            f"(rows/s {n / ours_s / (n / base_s):.2f} of baseline)",
            f"import    {summary}",
            f"result    {total_ads:,} distinct ads stored, {ads:,} in scope; project.db "
            f"{db_mb:,.0f} MB (with full-text index)",
            f"tables    compute_tables cold {cold_ms:.0f} ms, warm median "
            f"{statistics.median(warm):.0f} ms (max {max(warm):.0f} ms)",
            f"tables    'mpu-qual jobs table --format json' {cli_s * 1000:.0f} ms wall "
            f"(of which process start {startup_s * 1000:.0f} ms); first run after the import "
            f"{cli_first_s * 1000:.0f} ms (Project.open's checks of the new file)",
            f"open      Project.open in this process (store/safety checks included) {open_ms:.0f} ms",
        ]
        text = "\n".join(lines) + "\n"
        print("\n" + text)
        out_dir = ROOT / "benchmarks" / "results"
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "jobs_import.txt").write_text(text, encoding="utf-8")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
