"""Intercoder agreement at character level: mpu-qual against the reference implementation.

A synthetic project: the demo codebook and N transcripts (the demo focus group, each with a
different first line), coded by three coders; the second and third coder agree with most of
the first coder's passages, shift some, drop some and add their own. mpu-qual computes
percent, kappa and alpha per code and pooled (``measure_agreement(unit="char")``), reading
the codings from project.db. The baseline, measured in the same run, is the ``krippendorff``
package (``krippendorff.alpha(reliability_data=..., level_of_measurement="nominal")``) on the
per-character arrays of every code, built beforehand and not timed; the ratio is baseline
time / mpu-qual time (higher: mpu-qual faster). Every per-code alpha must agree to 1e-9.

Run (the reference package is a test extra):
    .venv/bin/pip install -e '.[test]'      # krippendorff, numpy
    .venv/bin/python benchmarks/bench_agreement.py [--transcripts 50] [--repeats 3]
Writes benchmarks/results/agreement.txt.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results" / "agreement.txt"

import krippendorff  # noqa: E402
import numpy as np  # noqa: E402

from mpu_qual.store import Project  # noqa: E402
from mpu_qual.team.reliability import measure_agreement  # noqa: E402
from mpu_qual.transcript_files.formats import parse_file  # noqa: E402
from mpu_qual.transcript_files.parsed import ParsedSegment  # noqa: E402

CODERS = ("alice", "bob", "carol")


def build(folder: Path, transcripts: int) -> Project:
    folder.mkdir()
    shutil.copyfile(ROOT / "codebook.yaml", folder / "codebook.yaml")
    project = Project.init(folder, import_transcripts=False)
    demo = parse_file(ROOT / "transcripts" / "focus-group-2025-12-08.txt")
    leaves = [c.id for c in project.codes.list() if c.depth >= 2][:30]
    rng = random.Random(11)
    rows = []
    for n in range(transcripts):
        demo.segments[0] = ParsedSegment(f"Session {n}", "Moderator", 0, 1000)
        src = project.sources.add(f"session-{n:03d}", demo)
        segs = [g for g in project.sources.segments(src) if g.end - g.start > 10]
        first = []
        for _ in range(40):
            g = rng.choice(segs)
            a = rng.randint(g.start, g.end - 5) if rng.random() < 0.4 else g.start
            b = g.end if rng.random() < 0.6 else rng.randint(a + 1, g.end)
            first.append((rng.choice(leaves), a, b))
        for k, coder in enumerate(CODERS):
            for code, a, b in first:
                r = rng.random() if k else 0.0
                if r < 0.65:
                    rows.append((src.id, code, a, b, coder))
                elif r < 0.85:
                    rows.append((src.id, code, a, max(a + 1, b - rng.randint(1, 30)), coder))
            for _ in range(8 if k else 0):
                g = rng.choice(segs)
                rows.append((src.id, rng.choice(leaves), g.start, g.end, coder))
    texts = {s.id: s.text for s in project.sources.list()}
    with project.action("benchmark codings") as conn:
        conn.executemany(
            "INSERT INTO codings (source_id, code_id, start, end, quote, coder) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(sid, code, a, b, texts[sid][a:b], who) for sid, code, a, b, who in rows],
        )
    return project


def arrays(project: Project) -> dict[str, np.ndarray]:
    """code -> (coders x characters) 0/1 array over every transcript, in name order."""
    sources = sorted(project.sources.list(), key=lambda s: s.name)
    offset, base = {}, 0
    for s in sources:
        offset[s.id] = base
        base += s.length
    out: dict[str, np.ndarray] = {}
    for c in project.codings.list():
        arr = out.get(c.code_id)
        if arr is None:
            arr = out[c.code_id] = np.zeros((len(CODERS), base), dtype=np.int8)
        o = offset[c.source_id]
        arr[CODERS.index(c.coder), o + c.start : o + c.end] = 1
    return out


def median_time(fn, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--transcripts", type=int, default=50)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="mpu-qual-bench-") as tmp:
        os.environ["MPU_QUAL_HOME"] = str(Path(tmp) / "home")
        project = build(Path(tmp) / "p", args.transcripts)
        n_codings = len(project.codings.list())
        ours_s, report = median_time(lambda: measure_agreement(project, unit="char"), args.repeats)
        data = arrays(project)

        def reference() -> dict[str, float]:
            return {
                code: krippendorff.alpha(reliability_data=a, level_of_measurement="nominal")
                for code, a in data.items()
            }

        ref_s, ref = median_time(reference, args.repeats)
        worst = max(abs(report.codes[c].alpha - ref[c]) for c in ref)
        assert worst < 1e-9, f"alpha differs from the reference by {worst}"
        assert set(ref) == set(report.codes)
        units = report.units_per_code
        project.close()
    lines = [
        "Intercoder agreement, character unit (benchmarks/bench_agreement.py)",
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        f"project: {args.transcripts} transcripts x {len(CODERS)} coders, {units:,} characters, "
        f"{n_codings:,} codings, {len(report.codes)} codes used",
        f"median of {args.repeats} runs",
        f"mpu-qual measure_agreement (reads project.db; percent, kappa, alpha per code and "
        f"pooled): {ours_s:.3f} s",
        f"krippendorff.alpha on prebuilt per-character arrays (alpha per code only; arrays "
        f"not timed): {ref_s:.3f} s",
        f"ratio (reference / mpu-qual): {ref_s / ours_s:.1f}x",
        f"largest |alpha difference| over {len(ref)} codes: {worst:.1e}",
        f"overall: percent {report.overall.percent:.4f}, alpha {report.overall.alpha:.4f}",
    ]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
