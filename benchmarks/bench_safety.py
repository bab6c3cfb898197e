"""What the data-safety machinery costs, as ratios to plain operations in the same run.

A synthetic project (the demo codebook; transcripts made of the demo focus group's turns,
repeated; a few thousand codings) is measured for:

- opening: the first open after a change (quick_check, foreign keys, offsets, schema trust)
  and a repeat open of an unchanged file (checks skipped), against ``Project.open`` with
  ``readonly=True`` (no checks at all);
- an automatic backup (SQLite backup API, temp file, fsync, rename) against a plain
  ``shutil.copyfile`` + fsync of project.db (not consistent while someone writes);
- ``doctor`` (full integrity check and everything else) against the open-time checks;
- deleting every coding with ``secure_delete`` on (the default now) against off;
- purging a transcript for good (journal scrub, FTS rebuild, VACUUM, WAL truncate) against
  the undoable ``remove_source``.

Run:  .venv/bin/python benchmarks/bench_safety.py [--transcripts 100] [--repeats 3]
Writes benchmarks/results/safety.txt.
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
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results" / "safety.txt"

from mpu_qual.maintenance import doctor  # noqa: E402
from mpu_qual.maintenance.purge import purge_transcript  # noqa: E402
from mpu_qual.safety import backup, guard  # noqa: E402
from mpu_qual.store import Project  # noqa: E402
from mpu_qual.transcript_files.formats import parse_file  # noqa: E402


def build(folder: Path, transcripts: int) -> None:
    shutil.copy2(ROOT / "codebook.yaml", folder / "codebook.yaml")
    (folder / "transcripts").mkdir()
    p = Project.init(folder, import_transcripts=False)
    demo = parse_file(ROOT / "transcripts" / "focus-group-2025-12-08.txt")
    for i in range(transcripts):
        p.sources.add(f"fg-{i:03d}", demo)
    for code, phrase in (
        ("manpower.technical", "PLC"),
        ("factors.ecosystem.infrastructure", "infrastructure"),
        ("training.core", "training"),
        ("challenges.ageing", "retire"),
        ("factors.talent_gap", "talent"),
        ("manpower", "technician"),
        ("training", "course"),
    ):
        for unit in ("segment", "sentence"):
            p.codings.autocode(code, phrase=phrase, unit=unit)
    p.close()


def timed(fn: Callable[[], object], repeats: int) -> float:
    runs = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def touch(folder: Path) -> None:
    """Change the file (one coding added and removed) so the next open checks it again."""
    with Project.open(folder) as p:
        c = p.codings.add(p.sources.list()[0], 0, 5, "factors")
        p.codings.remove(c.id)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--transcripts", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-safety-"))
    os.environ["MPU_QUAL_HOME"] = str(tmp / "home")
    folder = tmp / "proj"
    folder.mkdir()
    build(folder, args.transcripts)
    db = folder / "project.db"
    with Project.open(folder) as p:
        n_codings = len(p.codings.list())
    size_mb = db.stat().st_size / 2**20
    lines = [
        f"bench_safety: {args.transcripts} transcripts, {n_codings} codings, "
        f"project.db {size_mb:.1f} MiB; median of {args.repeats}; "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs",
    ]

    def open_ro() -> None:
        Project.open(folder, readonly=True).close()

    def open_checked() -> None:
        guard.forget_verified(db)
        Project.open(folder).close()

    def open_cached() -> None:
        Project.open(folder).close()

    open_cached()
    base_open = timed(open_ro, args.repeats)
    checked = timed(open_checked, args.repeats)
    cached = timed(open_cached, args.repeats)
    lines.append(f"open read-only, no checks (baseline)     {base_open * 1000:8.1f} ms   1.00x")
    lines.append(
        f"open after a change (checks run)         {checked * 1000:8.1f} ms "
        f"{checked / base_open:6.2f}x"
    )
    lines.append(
        f"open of an unchanged file (checks cached){cached * 1000:8.1f} ms "
        f"{cached / base_open:6.2f}x"
    )

    copy_dest = tmp / "copy.db"

    def plain_copy() -> None:
        copy_dest.unlink(missing_ok=True)
        shutil.copyfile(db, copy_dest)
        with open(copy_dest, "rb+") as fh:  # as durable as the backup
            os.fsync(fh.fileno())

    def api_backup() -> None:
        info = backup.make_backup(folder, "bench", kind="auto")
        backup.delete_backup(info)

    base_copy = timed(plain_copy, args.repeats)
    made = timed(api_backup, args.repeats)
    lines.append(f"copyfile + fsync of project.db (baseline){base_copy * 1000:8.1f} ms   1.00x")
    lines.append(
        f"automatic backup (backup API, fsync)     {made * 1000:8.1f} ms {made / base_copy:6.2f}x"
    )

    def open_checks_only() -> None:
        conn = backup.open_readonly(db)
        try:
            from mpu_qual.store.health import open_checks

            open_checks(conn)
        finally:
            conn.close()

    quick = timed(open_checks_only, args.repeats)
    full = timed(lambda: doctor.diagnose(folder), args.repeats)
    lines.append(f"open-time checks alone (baseline)        {quick * 1000:8.1f} ms   1.00x")
    lines.append(
        f"doctor, full diagnosis                   {full * 1000:8.1f} ms {full / quick:6.2f}x"
    )

    def delete_all(secure: str) -> float:
        work = tmp / f"del-{secure}"
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(folder, work, ignore=shutil.ignore_patterns("backups"))
        conn = sqlite3.connect(work / "project.db", isolation_level=None)
        conn.execute("PRAGMA trusted_schema = ON")
        conn.execute(f"PRAGMA secure_delete = {secure}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        t = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DELETE FROM segments")
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        spent = time.perf_counter() - t
        conn.close()
        return spent

    off = statistics.median(delete_all("OFF") for _ in range(args.repeats))
    on = statistics.median(delete_all("ON") for _ in range(args.repeats))
    lines.append(f"delete every segment, secure_delete OFF  {off * 1000:8.1f} ms   1.00x")
    lines.append(f"delete every segment, secure_delete ON   {on * 1000:8.1f} ms {on / off:6.2f}x")

    def remove_undoable() -> float:
        work = tmp / "rm"
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(folder, work, ignore=shutil.ignore_patterns("backups"))
        with Project.open(work) as p:
            t = time.perf_counter()
            p.sources.remove("fg-000")
            return time.perf_counter() - t

    def purge() -> float:
        work = tmp / "purge"
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(folder, work, ignore=shutil.ignore_patterns("backups"))
        with Project.open(work) as p:
            t = time.perf_counter()
            purge_transcript(p, "fg-000")
            return time.perf_counter() - t

    rm = statistics.median(remove_undoable() for _ in range(args.repeats))
    pg = statistics.median(purge() for _ in range(args.repeats))
    lines.append(f"remove a transcript, undoable (baseline) {rm * 1000:8.1f} ms   1.00x")
    lines.append(f"purge a transcript for good (+VACUUM)    {pg * 1000:8.1f} ms {pg / rm:6.2f}x")

    text = "\n".join(lines) + "\n"
    print(text, end="")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
