"""``mpu-qual restore``: put a backup back as the project, without losing the current state.

The backup is checked first (integrity, foreign keys, offsets, our own schema); the current
project is then saved as a manual "before-restore" backup (or copied raw if it is too damaged
for that), so a restore can itself be undone by restoring that. The copy goes in through
SQLite's backup API on a live connection, so other connections see the restored data rather
than a file swapped under their feet; only a file SQLite cannot open at all is replaced.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from mpu_qual.codebook import load_codebook, parse_codebook
from mpu_qual.errors import MpuQualError
from mpu_qual.fileio import write_text_atomic
from mpu_qual.maintenance.doctor import verify_database
from mpu_qual.safety import backup, rawfiles
from mpu_qual.safety.access import why_read_only, write_error
from mpu_qual.safety.guard import forget_verified
from mpu_qual.safety.replace_file import replace_database_file
from mpu_qual.store import Project
from mpu_qual.store.connection import BUSY_TIMEOUT_MS


@dataclass
class RestoreReport:
    restored: backup.BackupInfo
    safety_copy: Path | None  # the project as it was before the restore
    codebook_restored: bool
    codebook_rewritten: bool


def _restore_in_place(src_path: Path, db_path: Path) -> bool:
    """Copy pages into the live database; False when the current file cannot be opened."""
    try:
        dst = sqlite3.connect(str(db_path), isolation_level=None)
    except sqlite3.DatabaseError:
        return False
    try:
        dst.execute(f"PRAGMA busy_timeout = {backup_busy_ms()}")
        dst.execute("SELECT count(*) FROM sqlite_master").fetchone()
        src = backup.open_readonly(src_path)
        try:
            src.backup(dst)
        finally:
            src.close()
        dst.execute("PRAGMA journal_mode = WAL")
        dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return True
    except sqlite3.DatabaseError as exc:
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
        if code in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_CANTOPEN):
            return False  # SQLite cannot use the file: it is replaced whole
        # busy (another window is writing), full disk ...: never replace the file then
        raise write_error(exc, db_path) or MpuQualError(
            f"the restore failed: {exc}; the project is as it was", path=db_path
        ) from None
    finally:
        dst.close()


def backup_busy_ms() -> int:
    return BUSY_TIMEOUT_MS


def _replace_file(src_path: Path, db_path: Path) -> None:
    """For a file SQLite cannot open: a fresh copy renamed over it, stale WAL removed.

    Never while another program has the file open (SQLite's "How To Corrupt" 2.5: it would
    go on using the old file and its WAL under the new one's name).
    """
    holders = [p for p in rawfiles.lock_holders(db_path) if p != os.getpid()]
    if holders:
        raise MpuQualError(
            f"another program (process {', '.join(map(str, holders))}) has project.db open; "
            "nothing was changed",
            path=db_path,
            hint="Close every mpu-qual window and command using this project, then restore.",
        )
    try:
        replace_database_file(
            db_path, lambda new_file: backup.write_copy(src_path, new_file), drop_sidecars=True
        )
    except (sqlite3.DatabaseError, OSError) as exc:
        raise write_error(exc, db_path) or MpuQualError(
            f"the restore failed: {exc}; the project is as it was", path=db_path
        ) from None
    conn = sqlite3.connect(str(db_path), isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()


def restore_backup(folder: str | Path, name: str) -> RestoreReport:
    """Make backup ``name`` the project database (and its codebook the project's codebook)."""
    root = Path(folder)
    if not root.is_dir():
        raise MpuQualError("folder not found", path=root)
    why = why_read_only(root / backup.DB_NAME)
    if why is not None:  # read-only file, folder or disk, or a full disk
        raise why.error(root / backup.DB_NAME)
    info = backup.find_backup(root, name)
    problems = [f for f in verify_database(info.path) if f.level == "error"]
    if problems:
        raise MpuQualError(
            f"backup {info.name} cannot be restored: {problems[0].message}",
            path=info.path,
            hint="Choose another one from 'mpu-qual backup --list'.",
        )
    db_path = root / backup.DB_NAME
    safety_copy: Path | None = None
    if db_path.exists():
        try:
            safety_copy = backup.make_backup(root, "before-restore", kind="manual").path
        except MpuQualError:
            safety_copy = backup.quarantine(root, "before-restore")
    if not db_path.exists():
        backup.copy_database(info.path, db_path)
        conn = sqlite3.connect(str(db_path), isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
        finally:
            conn.close()
    elif not _restore_in_place(info.path, db_path):
        _replace_file(info.path, db_path)
    forget_verified(db_path)

    codebook_text = info.meta().get("codebook")
    restored_cb = False
    if isinstance(codebook_text, str) and codebook_text.strip():
        try:
            parse_codebook(codebook_text, root / backup.CODEBOOK_NAME)
        except MpuQualError:
            pass
        else:
            write_text_atomic(root / backup.CODEBOOK_NAME, codebook_text)
            restored_cb = True
    rewritten = _align_codebook(root)
    return RestoreReport(info, safety_copy, restored_cb, rewritten)


def _align_codebook(folder: Path) -> bool:
    """After a restore the codebook file must list the restored codes; rewrite it if not."""

    with Project.open(folder, create=False) as project:
        if project.readonly:
            return False
        in_db = {(c.id, c.parent_id, c.label_en, c.label_zh) for c in project.codes.list()}
        try:
            cb = load_codebook(project.codebook_path)
            in_file = {(c.id, c.parent, c.en, c.zh) for c in cb.codes}
        except MpuQualError:
            in_file = set()
        if in_db == in_file:
            return False
        project.codebook.write_file()
        return True
