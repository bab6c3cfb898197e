"""Open project databases with the pragmas every write depends on.

We manage transactions ourselves (``isolation_level=None``) so that each user action is
exactly one ``BEGIN IMMEDIATE ... COMMIT``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from mpu_qual.errors import MpuQualError
from mpu_qual.fileio import private_umask, register_database
from mpu_qual.safety.access import (
    ReadOnly,
    disk_full,
    full_disk,
    open_for_reading,
    why_read_only,
    write_error,
)
from mpu_qual.store.schema_trust import refuse_unknown_names, refuse_untrusted, schema_objects

BUSY_TIMEOUT_MS = 10_000


class ProjectReadOnly(MpuQualError):
    """The project cannot be written now (read-only file, folder or disk, or a full disk);
    ``why`` says why, and the project can still be opened read-only."""

    def __init__(self, why: ReadOnly, path: Path) -> None:
        super().__init__(why.message, path=path, hint=why.hint)
        self.why = why


def inserted_id(cursor: sqlite3.Cursor) -> int:
    """The rowid an INSERT just made (sqlite3 types ``lastrowid`` as optional: it is None
    only before any insert on the cursor)."""
    rowid = cursor.lastrowid
    if rowid is None:
        raise MpuQualError("the database did not report the id of the row it just added")
    return rowid


def _unreadable(exc: sqlite3.Error, p: Path, why: ReadOnly | None) -> MpuQualError:
    """An open that failed: the folder's state when that is the cause, else the file."""
    mapped = write_error(exc, p)
    reason: str | None = None
    hint: str | None = None
    if why is not None:
        reason, hint = why.notice, why.hint
    elif mapped is not None and "nothing was changed" in mapped.message:
        reason, hint = mapped.message, mapped.hint
    if reason is not None:
        return MpuQualError(
            f"cannot open the project ({exc}): {reason.split(';')[0]}", path=p, hint=hint
        )
    return MpuQualError(
        f"not a readable SQLite database: {exc}",
        path=p,
        hint="Run 'mpu-qual doctor' or restore a backup.",
    )


def connect(
    path: str | Path, *, readonly: bool = False, why: ReadOnly | None = None
) -> sqlite_utils.Database:
    """A sqlite_utils.Database over a connection with WAL, FULL sync and foreign keys on.

    Writable opens are refused (``ProjectReadOnly``) when the file, folder or disk is
    read-only or the disk is full; read-only opens create no file where none may be
    written (``safety.access``). File permissions are never changed here: a project the
    user made read-only stays so.
    """
    p = Path(path)
    if readonly:
        try:
            conn = open_for_reading(p, why)
        except sqlite3.Error as exc:
            raise _unreadable(exc, p, why) from None
    else:
        found = why_read_only(p)
        if found is not None:
            raise ProjectReadOnly(found, p)
        try:
            if not p.exists():
                with private_umask():  # SQLite creates it 0600 (-wal and -shm follow)
                    conn = sqlite3.connect(str(p), isolation_level=None, check_same_thread=False)
            else:
                conn = sqlite3.connect(str(p), isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise _unreadable(exc, p, None) from None
    register_database(p)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA trusted_schema = OFF")
        schema_objects(conn)  # parse the schema now, before any pragma that writes
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        # deleted rows are overwritten with zeros, not left readable in free pages
        conn.execute("PRAGMA secure_delete = ON")
    except sqlite3.DatabaseError as exc:
        conn.close()
        if not readonly and disk_full(p.parent):
            raise ProjectReadOnly(full_disk(p.parent), p) from None
        raise _unreadable(exc, p, why) from None
    # No sqlite-utils plugins: they would run other packages' code on our connection (and
    # finding them scans every installed distribution at each start).
    db = sqlite_utils.Database(conn, execute_plugins=False)
    refuse_unknown_names(conn, p)
    if not readonly:
        try:
            # the SQL of every trigger and view, and other programs' files, before any write
            refuse_untrusted(conn, p)
            # only now: a refused file is left exactly as it was (WAL changes its header)
            conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.DatabaseError as exc:
            conn.close()
            if disk_full(p.parent):
                raise ProjectReadOnly(full_disk(p.parent), p) from None
            mapped = write_error(exc, p)
            if mapped is not None:
                raise mapped from None
            raise MpuQualError(
                f"cannot open the project database for writing: {exc}",
                path=p,
                hint="Close other programs using it, or run 'mpu-qual doctor'.",
            ) from None
        except Exception:
            conn.close()
            raise
    conn.execute("PRAGMA trusted_schema = ON")
    return db
