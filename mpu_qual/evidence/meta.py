"""Database helpers: the schema of this feature and one transaction per bulk operation.

Functions take a ``sqlite_utils.Database`` whose connection is in autocommit mode
(``isolation_level=None``), as ``Project.db`` is; we issue BEGIN ourselves.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import sqlite_utils

from mpu_qual.store.migrations.job_ads import migrations


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Apply this feature's migrations (``Project.open`` does it too; harmless twice)."""
    migrations.apply(db)


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, or a savepoint inside a caller's transaction.

    Everything inside is all or nothing: an error rolls back every row written.
    """
    conn = db.conn
    if conn.in_transaction:
        name = f"evidence_{secrets.token_hex(8)}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                conn.execute(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            conn.execute(f"RELEASE SAVEPOINT {name}")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        try:
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM evidence_meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO evidence_meta (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )
