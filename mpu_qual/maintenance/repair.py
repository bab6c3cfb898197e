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


def _placeholder_codes(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT DISTINCT code_id FROM codings WHERE code_id NOT IN (SELECT id FROM codes)"
    ).fetchall()
    done = []
    pos = conn.execute("SELECT coalesce(max(position), -1) + 1 FROM codes").fetchone()[0]
    for (cid,) in rows:
        conn.execute(
            "INSERT INTO codes (id, parent_id, label_en, label_zh, rule, position, depth) "
            "VALUES (?, NULL, ?, ?, ?, ?, 0)",
            [
                cid,
                f"Recovered code {cid}",
                f"已恢復編碼 {cid}",
                "Recreated by 'mpu-qual doctor --repair': its codings survived, its definition "
                "did not. Edit or merge it.",
                pos,
            ],
        )
        pos += 1
        done.append(cid)
    return done


def _repair_foreign_keys(conn: sqlite3.Connection) -> list[str]:
    done: list[str] = []
    recovered = _placeholder_codes(conn)
    if recovered:
        done.append(
            f"recreated {len(recovered)} missing code(s) as placeholders: "
            + ", ".join(recovered[:10])
        )
    fixes = (
        (
            "codes",
            "UPDATE codes SET parent_id = NULL WHERE parent_id IS NOT NULL AND parent_id "
            "NOT IN (SELECT id FROM codes)",
            "moved codes with a missing parent to the top level",
        ),
        (
            "codings",
            "DELETE FROM codings WHERE source_id NOT IN (SELECT id FROM sources)",
            "removed codings of transcripts that no longer exist",
        ),
        (
            "segments",
            "DELETE FROM segments WHERE source_id NOT IN (SELECT id FROM sources)",
            "removed segments of transcripts that no longer exist",
        ),
        (
            "segments",
            "UPDATE segments SET participant_id = NULL WHERE participant_id IS NOT NULL "
            "AND participant_id NOT IN (SELECT id FROM participants)",
            "unlinked segments from participants that no longer exist",
        ),
        (
            "memos",
            "UPDATE memos SET source_id = NULL WHERE source_id IS NOT NULL AND source_id "
            "NOT IN (SELECT id FROM sources)",
            "unlinked memos from missing transcripts",
        ),
        (
            "memos",
            "UPDATE memos SET code_id = NULL WHERE code_id IS NOT NULL AND code_id "
            "NOT IN (SELECT id FROM codes)",
            "unlinked memos from missing codes",
        ),
        (
            "changes",
            "DELETE FROM changes WHERE action_id NOT IN (SELECT id FROM actions)",
            "dropped undo records of actions that no longer exist",
        ),
    )
    for _table, sql, what in fixes:
        n = conn.execute(sql).rowcount
        if n > 0:
            done.append(f"{what} ({n})")
    return done


def _repair_offsets(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT c.id, c.quote, s.text FROM codings c JOIN sources s ON s.id = c.source_id "
        "WHERE c.start < 0 OR c.end <= c.start OR c.end > s.length "
        "OR c.quote IS NOT substr(s.text, c.start + 1, c.end - c.start)"
    ).fetchall()
    moved = 0
    for cid, quote, text in rows:
        if not quote:
            continue
        first = text.find(quote)
        if first >= 0 and text.find(quote, first + 1) < 0:
            conn.execute(
                "UPDATE codings SET start = ?, end = ? WHERE id = ?",
                [first, first + len(quote), cid],
            )
            moved += 1
    return [f"moved {moved} coding(s) to the only place their quote occurs"] if moved else []


def rebuild_fts(conn: sqlite3.Connection) -> None:
    """Refill the search index from the segments (also drops traces of deleted text)."""
    conn.execute("DELETE FROM segments_fts")
    conn.execute(
        "INSERT INTO segments_fts (rowid, text) SELECT g.id, substr(s.text, g.start + 1, "
        "g.end - g.start) FROM segments g JOIN sources s ON s.id = g.source_id"
    )
    conn.execute("INSERT INTO segments_fts (segments_fts) VALUES ('rebuild')")


def _repair_journal(conn: sqlite3.Connection) -> list[str]:
    done = []
    row = conn.execute("SELECT action_id FROM journal_state WHERE id = 1").fetchone()
    if row is None:
        conn.execute("INSERT INTO journal_state (id, action_id) VALUES (1, NULL)")
        done.append("recreated the undo journal state")
    elif row[0] is not None:
        conn.execute("UPDATE journal_state SET action_id = NULL WHERE id = 1")
        done.append("closed the stuck undo journal")
    n = conn.execute(
        "DELETE FROM actions WHERE id IN (SELECT action_id FROM changes WHERE "
        "(old IS NOT NULL AND NOT json_valid(old)) OR (new IS NOT NULL AND NOT json_valid(new)))"
    ).rowcount
    if n > 0:
        done.append(f"dropped {n} unreadable action(s) from the undo history")
    return done


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
                conn.execute("UPDATE journal_state SET action_id = NULL WHERE id = 1")
                done.extend(_repair_journal(conn))
                done.extend(_repair_foreign_keys(conn))
                done.extend(_repair_offsets(conn))
                if "fts" in checks or "integrity" in checks:
                    rebuild_fts(conn)
                    done.append("rebuilt the search index")
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
