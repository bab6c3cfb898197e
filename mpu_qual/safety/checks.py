"""Generic health checks of an SQLite database, shared by the open-time guard and doctor.

Each check takes a plain sqlite3 connection (read-only is enough) and returns findings; none
of them writes. Only SQLite's own checks live here (PRAGMA integrity_check / quick_check /
foreign_key_check): this layer sits below the store and names none of its tables. The checks
that know the schema (offsets, the search index, the undo journal) are the store's own,
``store/health.py``, which also makes the open-time set (``open_checks``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"
INFO = "info"
MAX_ITEMS = 20  # details listed per finding


@dataclass
class Finding:
    """One problem (or note) with a project, and what to do about it."""

    level: str  # error | warning | info
    check: str  # integrity, foreign-keys, offsets, fts, journal, files, ...
    message: str
    hint: str | None = None
    repair: str | None = None  # what 'doctor --repair' does about it; None: nothing automatic
    items: list[str] = field(default_factory=list)
    count: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "check": self.check,
            "message": self.message,
            "hint": self.hint,
            "repair": self.repair,
            "count": self.count,
            "items": self.items,
        }


@contextmanager
def read_snapshot(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Several reads that see one committed state (a read transaction in WAL mode).

    Without it each statement sees the newest commit: a check or an export that reads the
    transcripts, then the codings, can see codings whose transcript another window committed
    (or an undo took away) in between. Writes must not happen inside.
    """
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")  # nothing was written: this only ends the snapshot
            except sqlite3.Error:
                pass  # a damaged file can fail even this; the reads already reported it


def integrity(conn: sqlite3.Connection, *, quick: bool = False) -> list[Finding]:
    """SQLite's own consistency check of every page, index and constraint."""
    pragma = "quick_check" if quick else "integrity_check"
    try:
        rows = [r[0] for r in conn.execute(f"PRAGMA {pragma}({MAX_ITEMS})")]
    except sqlite3.DatabaseError as exc:
        rows = [str(exc)]
    if rows == ["ok"]:
        return []
    return [
        Finding(
            ERROR,
            "integrity",
            f"the database file is damaged ({pragma} reports {len(rows)} problem(s))",
            hint="Restore the newest good backup with 'mpu-qual restore'.",
            repair="rebuild the indexes (REINDEX); if that is not enough, restore a backup",
            items=rows,
            count=len(rows),
        )
    ]


def foreign_keys(conn: sqlite3.Connection) -> list[Finding]:
    """Rows that point at rows that do not exist (PRAGMA foreign_key_check)."""
    try:
        rows = conn.execute("PRAGMA foreign_key_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return [Finding(ERROR, "foreign-keys", f"foreign key check failed: {exc}")]
    if not rows:
        return []
    groups: dict[tuple[str, str], list[int]] = {}
    for table, rowid, parent, _fkid in rows:
        groups.setdefault((table, parent), []).append(rowid)
    items = [
        f"{len(ids)} row(s) of {table} point at missing {parent} (rowid {', '.join(map(str, ids[:5]))}"
        + (", ..." if len(ids) > 5 else "")
        + ")"
        for (table, parent), ids in sorted(groups.items())
    ]
    return [
        Finding(
            ERROR,
            "foreign-keys",
            f"{len(rows)} row(s) refer to rows that do not exist",
            hint="'mpu-qual doctor --repair' fixes what it can without losing codings.",
            repair="recreate missing codes as placeholders, drop rows that cannot stand alone",
            items=items[:MAX_ITEMS],
            count=len(rows),
        )
    ]


def blocking(findings: list[Finding]) -> list[Finding]:
    """Findings that make a project read-only until repaired."""
    return [f for f in findings if f.level == ERROR]
