"""Start-up of the reading commands against ``sqlite-utils tables`` on the same project.

    .venv/bin/python benchmarks/bench_startup.py [--runs N]

Sets up the demo project as ``./dev demo`` ships it (the repository's codebook.yaml and
transcripts/, set up by the first open) in a temporary folder, then runs each command N times
(default 15),
interleaved with the baseline ``sqlite-utils tables project.db`` so that both see the same
machine load, and reports the median wall time of each and the ratio to the baseline (target:
1.2 x at most). Both are run through their console scripts in .venv/bin, the way a person
runs them. It also lists which heavy packages each command loads (it should load none of
textual, numpy, openpyxl, docx, faster_whisper, ctranslate2). Then the same on the demo
coded by scripts/code_demo.py, for information: there ``code list`` also draws a table of every
coding, which is output, not start-up. Prints the figures and writes them to
benchmarks/results/startup.txt.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TARGET = 1.2
COMMANDS = [
    ["code", "list"],
    ["transcripts", "list"],
    ["codebook", "show"],
]
HEAVY = ("textual", "rich", "numpy", "openpyxl", "docx", "faster_whisper", "ctranslate2", "av")
PROBE = """
import json, sys
from mpu_qual.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
heavy = {heavy!r}
print(json.dumps(sorted(h for h in heavy if h in sys.modules)), file=sys.stderr)
"""


def set_up(folder: Path, env: dict[str, str]) -> None:
    """The demo as shipped: codebook.yaml and transcripts/, set up by the first open."""
    folder.mkdir(parents=True)
    shutil.copy2(ROOT / "codebook.yaml", folder / "codebook.yaml")
    shutil.copytree(ROOT / "transcripts", folder / "transcripts")
    subprocess.run(
        [sys.executable, "-m", "mpu_qual", "-p", str(folder), "transcripts", "list"],
        env=env,
        check=True,
        capture_output=True,
    )


def set_up_coded(folder: Path, env: dict[str, str]) -> None:
    """The demo project, coded as a researcher would (scripts/code_demo.py)."""
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "code_demo.py"),
            "--project",
            str(folder),
            "--summary",
            str(folder.parent / "summary.md"),
        ],
        env=env,
        check=True,
        capture_output=True,
    )


def run_once(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def heavy_modules(args: list[str], env: dict[str, str]) -> list[str]:
    res = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(res.stderr.strip().splitlines()[-1])


def measure(
    title: str, project: Path, runs: int, env: dict[str, str], bins: tuple[Path, Path]
) -> tuple[list[str], float]:
    """Median times of each command and of the baseline, interleaved; (report lines, worst)."""
    sqlite_utils_cli, mpu_qual_cli = bins
    baseline = [str(sqlite_utils_cli), "tables", str(project / "project.db")]
    ours = {" ".join(c): [str(mpu_qual_cli), "-p", str(project), *c] for c in COMMANDS}
    for cmd in (baseline, *ours.values()):  # warm the file cache and the .pyc files
        run_once(cmd, env)
    times: dict[str, list[float]] = {"baseline": [], **{k: [] for k in ours}}
    for _ in range(runs):
        times["baseline"].append(run_once(baseline, env))
        for name, cmd in ours.items():
            times[name].append(run_once(cmd, env))
            times["baseline"].append(run_once(baseline, env))
    base = statistics.median(times["baseline"])
    ms = lambda xs: f"(min {min(xs) * 1000:.0f}, max {max(xs) * 1000:.0f})"  # noqa: E731
    lines = [
        title,
        f"  baseline  sqlite-utils tables project.db : {base * 1000:5.0f} ms median "
        f"{ms(times['baseline'])}",
    ]
    worst = 0.0
    for name in ours:
        t = statistics.median(times[name])
        ratio = t / base
        worst = max(worst, ratio)
        loaded = heavy_modules(["-p", str(project), *name.split()], env)
        lines.append(
            f"  mpu-qual {name:<17}          : {t * 1000:5.0f} ms median {ms(times[name])}"
            f"   ratio {ratio:.2f} x  {'OK' if ratio <= TARGET else 'over the target'}"
            f"   heavy packages loaded: {', '.join(loaded) or 'none'}"
        )
    return lines, worst


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args(argv)
    bins = (BIN / "sqlite-utils", BIN / "mpu-qual")
    for exe in bins:
        if not exe.exists():
            print(f"{exe} not found: install the project into this virtual environment first")
            return 1
    work = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    try:
        env = {**os.environ, "MPU_QUAL_HOME": str(work / "home")}
        # .pyc files as an installed package has them (an environment that forbids writing
        # them would compile mpu-qual at every start, and not sqlite-utils)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        shipped, coded = work / "demo", work / "coded" / "demo"
        set_up(shipped, env)
        set_up_coded(coded, env)
        head = [
            f"bench_startup  {dt.datetime.now().isoformat(timespec='seconds')}  "
            f"cpus={os.cpu_count()}  python={platform.python_version()}  runs={args.runs}  "
            f"load average at the start: {os.getloadavg()[0]:.1f}",
            f"target: each reading command within {TARGET} x of the baseline, medians of "
            "interleaved runs; heavy packages checked: " + ", ".join(HEAVY),
            "",
        ]
        lines, worst = measure(
            "the demo as ./dev demo ships it (1 transcript, no codings yet):",
            shipped,
            args.runs,
            env,
            bins,
        )
        coded_lines, _ = measure(
            "the demo coded by scripts/code_demo.py (for information: code list also draws "
            "a table of every coding):",
            coded,
            args.runs,
            env,
            bins,
        )
        lines += ["", *coded_lines, ""]
        lines.append(
            f"worst ratio on the shipped demo: {worst:.2f} x "
            f"({'meets' if worst <= TARGET else 'misses'} the {TARGET} x target)"
        )
        text = "\n".join(head + lines) + "\n"
        print(text, end="")
        out = ROOT / "benchmarks" / "results" / "startup.txt"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        print(f"written to {out.relative_to(ROOT)}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
