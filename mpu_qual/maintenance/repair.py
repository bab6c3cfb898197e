"""``mpu-qual doctor --repair``: fix what can be fixed without losing work, after saving a copy.\n\nRepair first saves the project as it is (a manual backup, or a raw copy of a file too damaged\nfor that), then fixes only what it can fix safely (foreign keys, offsets, the search index,\nthe journal, stray files, a missing codebook.yaml) and says which backup to restore for the\nrest. Diagnosis is in ``doctor.py``.\n"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

from mpu_qual.errors import MpuQualError
from mpu_qual.fileio import write_text_atomic
from mpu_qual.maintenance.doctor import DoctorReport, diagnose, verify_database
from mpu_qual.safety import backup
from mpu_qual.safety.access import why_read_only
from mpu_qual.safety.checks import (
    ERROR,
)
from mpu_qual.safety.guard import forget_verified
from mpu_qual.store import Project
from mpu_qual.store.connection import connect
from mpu_qual.store.health_repair import repair_tables


def _repair_files(report: DoctorReport) -> list[str]:
    root = report.folder
    done: list[str] = []
    stale = backup.stale_temp_files(root)
    for path in stale:
        path.unlink(missing_ok=True)
    if stale:
        done.append(f"deleted {len(stale)} temporary file(s)")
    orphans = backup.orphan_sidecars(root)
    for path in orphans:
        path.unlink(missing_ok=True)
    if orphans:
        done.append(f"deleted {len(orphans)} backup note(s) without a backup")
    fixed = 0
    for base in (root, backup.backups_dir(root)):
        if not base.is_dir():
            continue
        if base.name == backup.BACKUP_DIR and stat.S_IMODE(base.stat().st_mode) & 0o077:
            os.chmod(base, 0o700)
            fixed += 1
        for path in base.iterdir():
            if path.is_file() and (
                path.name.startswith(backup.DB_NAME) or base.name == backup.BACKUP_DIR
            ):
                mode = stat.S_IMODE(path.stat().st_mode)
                if mode & 0o077:
                    os.chmod(path, mode & 0o700)  # never adds a permission
                    fixed += 1
    if fixed:
        done.append(f"made {fixed} file(s) private (no access for group and others)")
    damaged = [
        b
        for b in backup.list_backups(root)
        if b.kind == "auto" and verify_database(b.path, quick=True)
    ]
    for info in damaged:
        backup.delete_backup(info)
    if damaged:
        done.append(f"deleted {len(damaged)} damaged automatic backup(s)")
    return done


def _repair_codebook(folder: Path) -> list[str]:
    if (folder / backup.CODEBOOK_NAME).exists():
        return []

    # Groups and audiences live only in codebook.yaml: take them from the newest backup note.
    for info in backup.list_backups(folder):
        text = info.meta().get("codebook")
        if text:
            write_text_atomic(folder / backup.CODEBOOK_NAME, text)
            break
    with Project.open(folder) as project:
        if project.readonly:
            return []
        project.codebook.write_file()
    return ["wrote codebook.yaml from the project's codes"]


def repair(folder: str | Path) -> DoctorReport:
    """Fix what can be fixed without losing work; a copy of the project is saved first."""
    root = Path(folder)
    before = diagnose(root)
    fixable = [f for f in before.findings if f.repair]
    why = why_read_only(root / backup.DB_NAME)
    if fixable and why is not None:  # never "repair" what cannot be written
        raise why.error(root / backup.DB_NAME)
    if not fixable:
        before.repaired = []
        return before
    db_path = root / backup.DB_NAME
    safety_copy: Path | None = None
    readable = not any(f.check in ("file", "trust") and f.level == ERROR for f in before.findings)
    if db_path.exists():
        if readable:
            try:
                safety_copy = backup.make_backup(root, "before-repair", kind="manual").path
            except MpuQualError:
                safety_copy = backup.quarantine(root, "before-repair")
        else:
            safety_copy = backup.quarantine(root, "before-repair")
    done: list[str] = []
    checks = {f.check for f in fixable}
    if readable and checks & {"integrity", "foreign-keys", "offsets", "fts", "journal"}:
        db = connect(db_path)
        conn = db.conn
        try:
            if "integrity" in checks:
                try:
                    conn.execute("REINDEX")
                    done.append("rebuilt every index (REINDEX)")
                except sqlite3.DatabaseError as exc:
                    done.append(f"could not rebuild the indexes: {exc}")
            conn.execute("BEGIN IMMEDIATE")
            try:
                done.extend(
                    repair_tables(conn, rebuild_index="fts" in checks or "integrity" in checks)
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.DatabaseError as exc:
            done.append(f"the database could not be repaired in place: {exc}")
        finally:
            db.close()
    done.extend(_repair_files(before))
    if "codebook" in checks:
        try:
            done.extend(_repair_codebook(root))
        except MpuQualError as exc:
            done.append(f"could not write codebook.yaml: {exc}")
    forget_verified(db_path)
    after = diagnose(root)
    after.repaired = done
    after.safety_copy = safety_copy
    return after
