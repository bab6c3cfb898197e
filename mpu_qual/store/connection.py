"""Open project databases with the pragmas every write depends on.

We manage transactions ourselves (``isolation_level=None``) so that each user action is
exactly one ``BEGIN IMMEDIATE ... COMMIT``.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils

from mpu_qual.errors import MpuQualError
from mpu_qual.fileio import private_umask, register_database
from mpu_qual.store.schema_trust import refuse_unknown_names, refuse_untrusted, schema_objects

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
        schema_objects(conn)  # parse the schema now, before any pragma that writes
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        # deleted rows are overwritten with zeros, not left readable in free pages
        conn.execute("PRAGMA secure_delete = ON")
    except sqlite3.DatabaseError as exc:
        conn.close()

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
