"""The store's health checks: what only the store knows about its tables.

``safety/checks.py`` (below the store) has SQLite's own checks; here are the ones that read
the schema, for the open-time guard and ``mpu-qual doctor``:

- ``offsets``: every coding and segment lies inside its text, and a coding quotes it;
- ``fts``: the search index holds exactly the text of each segment;
- ``journal``: the undo journal is closed and readable;
- ``open_checks``: the quick set run when a changed project is opened, which
  ``check_on_open`` and ``database_error`` hand to the guard (``safety/guard.py``);
- ``code_labels`` / ``source_files``: what doctor compares with codebook.yaml and the
  transcripts folder.

Each takes a plain sqlite3 connection (read-only is enough; the project may not open) and
none of them writes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mpu_qual.errors import MpuQualError
from mpu_qual.safety import guard
from mpu_qual.safety.checks import (
    ERROR,
    MAX_ITEMS,
    WARNING,
    Finding,
    foreign_keys,
    integrity,
)


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


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


def check_on_open(folder: Path, conn: sqlite3.Connection) -> list[Finding]:
    """The guard's open-time check (``guard.check_on_open``) with the store's checks."""
    return guard.check_on_open(folder, conn, open_checks)


def database_error(exc: BaseException, db_path: Path) -> MpuQualError:
    """The user's version of an SQLite error (``guard.database_error``), judged by the
    store's open-time checks."""
    return guard.database_error(exc, db_path, open_checks)


def code_labels(conn: sqlite3.Connection) -> dict[str, tuple[str | None, str, str]]:
    """Each stored code: id -> (parent id, English label, Chinese label)."""
    rows = conn.execute("SELECT id, parent_id, label_en, label_zh FROM codes").fetchall()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def source_files(conn: sqlite3.Connection) -> list[tuple[str, str | None, str | None]]:
    """Each transcript as (name, sha256 of the imported file, recording path)."""
    return conn.execute("SELECT name, sha256, media_path FROM sources").fetchall()
