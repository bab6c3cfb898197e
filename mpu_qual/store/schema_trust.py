"""Is this database file's schema exactly what mpu-qual's migrations create?

A trigger runs with our privileges whenever we write, so a file from elsewhere (a colleague,
an e-mail, a cloud folder) could hide one that deletes or rewrites data. This is the one trust
check of a project file, owned by the store next to its migrations, in two steps that
``connection.connect`` runs:

1. ``refuse_unknown_names`` on every open, read-only too: trigger and view names must start
   with one of ours (cheap; reading ``sqlite_master`` runs no SQL from the file);
2. ``refuse_untrusted`` before the first write: the SQL of every trigger and view must equal
   what our own migrations produce at the file's migration level (built once per process in
   an in-memory database), and a file with tables but no record of our migrations is some
   other program's database.

``untrusted_objects`` and ``applied_migrations`` also serve ``mpu-qual doctor`` and purge.
"""

from __future__ import annotations

import sqlite3
from functools import lru_cache
from pathlib import Path

import sqlite_utils

from mpu_qual.errors import MpuQualError
from mpu_qual.store.migrations import migration_sets, step_names

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


_NAMES_SQL = "SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view')"


def schema_objects(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """Triggers and views, read with ``trusted_schema = OFF`` where SQLite allows it.

    SQLite before 3.45 does not mark JSON functions innocuous, so a CHECK constraint such as
    ``json_valid(settings)`` makes the whole schema unparsable with trusted_schema OFF. Reading
    sqlite_master runs no trigger or view, so we retry with it ON; the name check still applies.
    """
    try:
        return conn.execute(_NAMES_SQL).fetchall()
    except sqlite3.DatabaseError as exc:
        if "unsafe use of" not in str(exc):
            raise
    conn.execute("PRAGMA trusted_schema = ON")
    return conn.execute(_NAMES_SQL).fetchall()


def refuse_unknown_names(conn: sqlite3.Connection, path: Path) -> None:
    """First check, on every open (read-only too): refuse (and close) a file with triggers or
    views whose names are not ours.

    Runs with ``trusted_schema = OFF`` so that reading the schema cannot run its SQL.
    """
    try:
        rows = schema_objects(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise MpuQualError(
            f"not a readable SQLite database: {exc}",
            path=path,
            hint="Run 'mpu-qual doctor' or restore a backup.",
        ) from None
    for kind, name in rows:
        if not name.startswith(_TRUSTED_PREFIXES):
            conn.close()
            raise MpuQualError(
                f"the database contains a {kind} '{name}' that mpu-qual did not create; "
                "refusing to open it",
                path=path,
                hint="Only open project files made by mpu-qual.",
            )


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
    ref = sqlite_utils.Database(memory=True, execute_plugins=False)
    try:
        for mset in migration_sets():
            names = step_names(mset)
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


def refuse_untrusted(conn: sqlite3.Connection, db_path: Path) -> None:
    """Second check, before the first write: raise when the SQL of a trigger or view differs
    from what our migrations create, or when the file is some other program's database
    (tables, but no record of our migrations): we would add our tables to it."""
    if not applied_migrations(conn):
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        if tables:
            raise MpuQualError(
                f"this is not an mpu-qual project file (it has tables such as '{tables[0]}' "
                "but no mpu-qual schema); refusing to change it",
                path=db_path,
                hint="Open the folder of an mpu-qual project, or move this file away.",
            )
    bad = untrusted_objects(conn)
    if bad:
        raise MpuQualError(
            f"the database contains {', '.join(bad[:5])} that mpu-qual did not create; "
            "refusing to open it",
            path=db_path,
            hint="Only open project files made by mpu-qual, or restore one of your backups "
            "with 'mpu-qual restore'.",
        )
