"""Is this database file's schema exactly what mpu-qual's migrations create?

A trigger runs with our privileges whenever we write, so a file from elsewhere (a colleague,
an e-mail, a cloud folder) could hide one named like ours (``journal_x``) that deletes or
rewrites data. ``connection.check_schema`` refuses unknown names; this module goes further and
compares the SQL of every trigger and view with what our own migrations produce at the same
migration level, built once per process in an in-memory database.
"""

from __future__ import annotations

import sqlite3
from functools import lru_cache

import sqlite_utils

_OBJECTS_SQL = "SELECT type, name, sql FROM sqlite_master WHERE type IN ('trigger', 'view')"


def applied_migrations(conn: sqlite3.Connection) -> frozenset[tuple[str, str]]:
    """(migration set, name) pairs recorded in the file (empty for a file we never set up)."""
    try:
        rows = conn.execute("SELECT migration_set, name FROM _sqlite_migrations").fetchall()
    except sqlite3.DatabaseError:
        return frozenset()
    return frozenset((str(s), str(n)) for s, n in rows)


@lru_cache(maxsize=8)
def expected_objects(applied: frozenset[tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """name -> (type, sql) of the triggers and views our migrations create at that level."""
    from mpu_qual.store.migrations import migration_sets

    ref = sqlite_utils.Database(memory=True)
    try:
        for mset in migration_sets():
            names = [m.name for m in mset._migrations]  # noqa: SLF001 - sqlite-utils API
            pending = [n for n in names if (mset.name, n) not in applied]
            if not pending:
                mset.apply(ref)
            elif pending[0] != names[0]:
                mset.apply(ref, stop_before=pending[0])
        return {name: (kind, sql or "") for kind, name, sql in ref.conn.execute(_OBJECTS_SQL)}
    finally:
        ref.close()


def untrusted_objects(conn: sqlite3.Connection) -> list[str]:
    """Triggers and views that our migrations did not create, as 'trigger name' strings.

    Reading sqlite_master runs no SQL from the file, so this is safe on any file.
    """
    expected = expected_objects(applied_migrations(conn))
    try:
        rows = conn.execute(_OBJECTS_SQL).fetchall()
    except sqlite3.DatabaseError as exc:
        return [f"unreadable schema ({exc})"]
    bad = []
    for kind, name, sql in rows:
        want = expected.get(name)
        if want is None or want != (kind, sql or ""):
            bad.append(f"{kind} {name}")
    return bad
