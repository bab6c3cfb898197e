"""Open project databases with the pragmas every write depends on.

We manage transactions ourselves (``isolation_level=None``) so that each user action is
exactly one ``BEGIN IMMEDIATE ... COMMIT``.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils

from mpu_qual.fileio import private_umask, register_database

BUSY_TIMEOUT_MS = 10_000


def connect(path: str | Path, *, readonly: bool = False) -> sqlite_utils.Database:
    """A sqlite_utils.Database over a connection with WAL, FULL sync and foreign keys on."""
    p = Path(path)
    if readonly:
        conn = sqlite3.connect(
            f"{p.resolve().as_uri()}?mode=ro",
            uri=True,
            isolation_level=None,
            check_same_thread=False,
        )
    elif not p.exists():
        with private_umask():
            conn = sqlite3.connect(str(p), isolation_level=None, check_same_thread=False)
    else:
        conn = sqlite3.connect(str(p), isolation_level=None, check_same_thread=False)
    register_database(p)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA trusted_schema = OFF")
        _schema_objects(conn)  # parse the schema now, before any pragma that writes
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        # deleted rows are overwritten with zeros, not left readable in free pages
        conn.execute("PRAGMA secure_delete = ON")
    except sqlite3.DatabaseError as exc:
        conn.close()
        from mpu_qual.errors import MpuQualError

        raise MpuQualError(
            f"not a readable SQLite database: {exc}",
            path=p,
            hint="Run 'mpu-qual doctor' or restore a backup.",
        ) from None
    for suffix in ("-wal", "-shm"):
        side = Path(str(p) + suffix)
        if side.exists():
            try:
                os.chmod(side, 0o600)
            except PermissionError:
                pass
    db = sqlite_utils.Database(conn)
    check_schema(db, p)
    if not readonly:
        from mpu_qual.safety.guard import refuse_untrusted

        try:
            # the SQL of every trigger and view, and other programs' files, before any write
            refuse_untrusted(conn, p)
            # only now: a refused file is left exactly as it was (WAL changes its header)
            conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.DatabaseError as exc:
            conn.close()
            from mpu_qual.errors import MpuQualError

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


# Triggers and views a project may contain; anything else in a file we are asked to open
# could run code of someone else's choosing when we write, so we refuse it.
_TRUSTED_PREFIXES = (
    "codings_span_",
    "segments_span_",
    "segments_fts_",
    "journal_",
    "job_ads_",
    "jobs_",
    "evidence_",
    "transcribe_",
)


_SCHEMA_OBJECTS_SQL = "SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view')"


def _schema_objects(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """Triggers and views, read with ``trusted_schema = OFF`` where SQLite allows it.

    SQLite before 3.45 does not mark JSON functions innocuous, so a CHECK constraint such as
    ``json_valid(settings)`` makes the whole schema unparsable with trusted_schema OFF. Reading
    sqlite_master runs no trigger or view, so we retry with it ON; the name check still applies.
    """
    try:
        return conn.execute(_SCHEMA_OBJECTS_SQL).fetchall()
    except sqlite3.DatabaseError as exc:
        if "unsafe use of" not in str(exc):
            raise
    conn.execute("PRAGMA trusted_schema = ON")
    return conn.execute(_SCHEMA_OBJECTS_SQL).fetchall()


def check_schema(db: sqlite_utils.Database, path: Path) -> None:
    """Refuse a database file with triggers or views mpu-qual did not create.

    Runs with ``trusted_schema = OFF`` so that reading the schema cannot run its SQL.
    """
    from mpu_qual.errors import MpuQualError

    try:
        rows = _schema_objects(db.conn)
    except sqlite3.DatabaseError as exc:
        db.conn.close()
        raise MpuQualError(
            f"not a readable SQLite database: {exc}",
            path=path,
            hint="Run 'mpu-qual doctor' or restore a backup.",
        ) from None
    for kind, name in rows:
        if not name.startswith(_TRUSTED_PREFIXES):
            db.conn.close()
            raise MpuQualError(
                f"the database contains a {kind} '{name}' that mpu-qual did not create; "
                "refusing to open it",
                path=path,
                hint="Only open project files made by mpu-qual.",
            )
