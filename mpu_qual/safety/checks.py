"""Health checks of a project database, shared by the open-time guard and ``mpu-qual doctor``.

Each check takes a plain sqlite3 connection (read-only is enough) and returns findings; none
of them writes. The cheap ones (quick_check, foreign keys, offsets) run whenever a changed
project is opened; doctor adds the full integrity check and the rest.
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


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


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


def offsets(conn: sqlite3.Connection) -> list[Finding]:
    """Every coding and segment lies inside its text, and a coding's quote is that text."""
    if not {"sources", "segments", "codings"} <= _tables(conn):
        return [Finding(ERROR, "schema", "the core tables are missing; is this a project file?")]
    out: list[Finding] = []
    bad_len = conn.execute(
        "SELECT id, name FROM sources WHERE length IS NOT length(text) LIMIT ?", [MAX_ITEMS]
    ).fetchall()
    if bad_len:
        out.append(
            Finding(
                ERROR,
                "offsets",
                f"{len(bad_len)} transcript(s) have a wrong stored length",
                items=[f"source {i} '{n}'" for i, n in bad_len],
                count=len(bad_len),
            )
        )
    # Compared in Python: the guarantee is about Python str offsets, and SQLite's substr()
    # would re-read a whole transcript for every row.
    texts = dict(conn.execute("SELECT id, text FROM sources"))
    names = dict(conn.execute("SELECT id, name FROM sources"))
    codings = []
    for cid, code, sid, start, end, quote in conn.execute(
        "SELECT id, code_id, source_id, start, end, quote FROM codings"
    ):
        text = texts.get(sid)
        if text is None or not (0 <= start < end <= len(text)) or text[start:end] != quote:
            codings.append((cid, code, names.get(sid), start, end))
    if codings:
        out.append(
            Finding(
                ERROR,
                "offsets",
                f"{len(codings)} coding(s) do not quote their text at their offsets",
                hint="'mpu-qual doctor --repair' moves a coding to where its quote is, when "
                "that place is unambiguous; remove the others with 'mpu-qual code remove ID'.",
                repair="re-anchor codings whose quote occurs exactly once in their transcript",
                items=[
                    f"coding {i} ({code}) in '{name}' at {s}-{e}" for i, code, name, s, e in codings
                ][:MAX_ITEMS],
                count=len(codings),
            )
        )
    segs = conn.execute(
        "SELECT g.id, s.name, g.start, g.end FROM segments g "
        "JOIN sources s ON s.id = g.source_id "
        "WHERE g.start < 0 OR g.end < g.start OR g.end > s.length LIMIT ?",
        [MAX_ITEMS],
    ).fetchall()
    if segs:
        out.append(
            Finding(
                ERROR,
                "offsets",
                f"{len(segs)} segment(s) lie outside their transcript's text",
                hint="Restore a backup, or remove and re-import the transcript.",
                items=[f"segment {i} of '{n}' at {s}-{e}" for i, n, s, e in segs],
                count=len(segs),
            )
        )
    return out


def fts(conn: sqlite3.Connection) -> list[Finding]:
    """The search index holds exactly the text of each segment."""
    if "segments_fts" not in _tables(conn):
        return [
            Finding(
                ERROR,
                "fts",
                "the search index is missing",
                repair="rebuild the search index",
            )
        ]
    try:
        texts = dict(conn.execute("SELECT id, text FROM sources"))
        indexed = dict(conn.execute("SELECT rowid, text FROM segments_fts"))
        missing = 0
        seen = set()
        for gid, sid, start, end in conn.execute("SELECT id, source_id, start, end FROM segments"):
            seen.add(gid)
            text = texts.get(sid)
            if text is not None and indexed.get(gid) != text[start:end]:
                missing += 1
        extra = len(set(indexed) - seen)
    except sqlite3.DatabaseError as exc:
        return [
            Finding(
                ERROR,
                "fts",
                f"the search index cannot be read: {exc}",
                repair="rebuild the search index",
            )
        ]
    if not missing and not extra:
        return []
    return [
        Finding(
            WARNING,
            "fts",
            f"the search index is out of date ({missing} segment(s) missing or stale, "
            f"{extra} left over); search may miss or show old text",
            repair="rebuild the search index",
            count=missing + extra,
        )
    ]


def journal(conn: sqlite3.Connection) -> list[Finding]:
    """The undo journal is closed and readable."""
    tables = _tables(conn)
    out: list[Finding] = []
    if "journal_state" in tables:
        row = conn.execute("SELECT action_id FROM journal_state WHERE id = 1").fetchone()
        if row is None:
            out.append(
                Finding(
                    ERROR, "journal", "the undo journal state row is missing", repair="recreate it"
                )
            )
        elif row[0] is not None:
            out.append(
                Finding(
                    WARNING,
                    "journal",
                    f"the undo journal is stuck on action {row[0]}; later edits would be "
                    "recorded as part of it",
                    repair="close the journal",
                )
            )
    if "changes" in tables:
        bad = conn.execute(
            "SELECT DISTINCT action_id FROM changes WHERE (old IS NOT NULL AND NOT json_valid(old)) "
            "OR (new IS NOT NULL AND NOT json_valid(new)) LIMIT ?",
            [MAX_ITEMS],
        ).fetchall()
        if bad:
            out.append(
                Finding(
                    ERROR,
                    "journal",
                    f"{len(bad)} action(s) in the undo history cannot be replayed",
                    repair="drop those actions from the undo history (the data stays)",
                    items=[f"action {a}" for (a,) in bad],
                    count=len(bad),
                )
            )
    return out


def open_checks(conn: sqlite3.Connection) -> list[Finding]:
    """What runs when a changed project is opened: quick, and enough to refuse writing."""
    found = integrity(conn, quick=True)
    if found:
        return found  # the rest may not even be readable
    return foreign_keys(conn) + offsets(conn)


def blocking(findings: list[Finding]) -> list[Finding]:
    """Findings that make a project read-only until repaired."""
    return [f for f in findings if f.level == ERROR]
