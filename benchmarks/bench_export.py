"""How long exports take on a large project, as ratios to reading its codings.

A synthetic project (the demo codebook; transcripts made of the demo focus group's turns,
repeated) with several thousand codings is exported in every format. The baseline, measured
in the same run, is ``project.codings.list()``: fetching every coding with its speaker and group,
which every export must do at least once. Each figure is the median of the repeats.

Run:  .venv/bin/python benchmarks/bench_export.py [--transcripts 20] [--repeats 3]
Writes benchmarks/results/export.txt.
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
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results" / "export.txt"

from mpu_qual.export.quotes import export_quotes  # noqa: E402
from mpu_qual.export.summary import build_summary  # noqa: E402
from mpu_qual.export.summary_render import write_summary  # noqa: E402
from mpu_qual.pseudonymise import Pseudonymiser  # noqa: E402
from mpu_qual.refi.import_into_project import import_qdpx_new  # noqa: E402
from mpu_qual.refi.qdpx_writer import export_qdpx  # noqa: E402
from mpu_qual.store import Project  # noqa: E402
from mpu_qual.transcript_files.formats import parse_file  # noqa: E402


def build(folder: Path, transcripts: int) -> Project:
    shutil.copyfile(ROOT / "codebook.yaml", folder / "codebook.yaml")
    project = Project.init(folder, import_transcripts=False)
    demo = parse_file(ROOT / "transcripts" / "focus-group-2025-12-08.txt")
    leaves = [c.id for c in project.codes.list() if c.depth >= 1]
    rng = random.Random(7)
    for n in range(transcripts):
        src = project.sources.add(f"session-{n:03d}", demo)
        rows = []
        for seg in project.sources.segments(src):
            if seg.end - seg.start < 20 or seg.speaker == "Moderator":
                continue
            for code in rng.sample(leaves, 3):
                rows.append((src.id, code, seg.start, seg.end, src.text[seg.start : seg.end]))
        with project.action(f"bench codings {n}") as conn:
            conn.executemany(
                "INSERT INTO codings (source_id, code_id, start, end, quote, coder) "
                "VALUES (?, ?, ?, ?, ?, 'bench')",
                rows,
            )
    return project


def timed(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--transcripts", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mpu-qual-bench-") as tmp:
        os.environ.setdefault("MPU_QUAL_HOME", str(Path(tmp) / "home"))
        root = Path(tmp)
        (root / "p").mkdir()
        project = build(root / "p", args.transcripts)
        n = len(project.codings.list())
        pseudo = Pseudonymiser({"Tai Po": "[place]", "Dongguan": "[place]", "Shenzhen": "[place]"})
        out = root / "out"
        out.mkdir()
        counter = iter(range(10**6))

        def fresh(name: str) -> Path:
            return out / f"{next(counter)}-{name}"

        cases: list[tuple[str, Callable[[], object]]] = [
            ("baseline: project.codings.list()", lambda: project.codings.list()),
            ("export quotes csv", lambda: export_quotes(project, fresh("q.csv"))),
            (
                "export quotes csv --pseudonymise",
                lambda: export_quotes(project, fresh("q.csv"), pseudo=pseudo),
            ),
            ("export quotes xlsx", lambda: export_quotes(project, fresh("q.xlsx"))),
            ("export quotes docx", lambda: export_quotes(project, fresh("q.docx"))),
            ("export quotes md", lambda: export_quotes(project, fresh("q.md"))),
            ("summary md", lambda: write_summary(build_summary(project), fresh("s.md"))),
            (
                "summary docx (PNG charts)",
                lambda: write_summary(build_summary(project), fresh("s.docx")),
            ),
            ("export qdpx", lambda: export_qdpx(project, fresh("p.qdpx"))),
        ]
        results = [(name, timed(fn, args.repeats)) for name, fn in cases]
        qdpx = fresh("p.qdpx")
        export_qdpx(project, qdpx)
        results.append(
            ("import qdpx --new", timed(lambda: import_qdpx_new(qdpx, fresh("new")), args.repeats))
        )
        project.close()
    base = results[0][1]
    lines = [
        f"bench_export: {args.transcripts} transcripts, {n} codings, median of {args.repeats}",
        f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs",
        f"{'case':<36} {'seconds':>9} {'x baseline':>11} {'ms / 1000 codings':>18}",
    ]
    for name, t in results:
        lines.append(f"{name:<36} {t:>9.3f} {t / base:>11.1f} {1000 * t / n * 1000:>18.1f}")
    text = "\n".join(lines) + "\n"
    print(text, end="")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
