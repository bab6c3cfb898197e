"""Undo and redo by replaying the row changes that triggers recorded for each action.

The journal lives in the project file, so undo works after a restart, and replay runs in
one transaction with foreign keys deferred, so an undo is all or nothing.
"""

from __future__ import annotations

import json
import sqlite3

from mpu_qual.store.migrations import JOURNALED_TABLES

_PK = {t: "id" for t in JOURNALED_TABLES}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _insert(conn: sqlite3.Connection, table: str, row: dict) -> None:
    cols = list(row)
    conn.execute(
        f"INSERT INTO {_q(table)} ({', '.join(map(_q, cols))}) "
        f"VALUES ({', '.join('?' for _ in cols)})",
        [row[c] for c in cols],
    )


def _delete(conn: sqlite3.Connection, table: str, row: dict) -> None:
    pk = _PK[table]
    conn.execute(f"DELETE FROM {_q(table)} WHERE {_q(pk)} = ?", [row[pk]])


def _update(conn: sqlite3.Connection, table: str, key_row: dict, row: dict) -> None:
    pk = _PK[table]
    cols = list(row)
    conn.execute(
        f"UPDATE {_q(table)} SET {', '.join(f'{_q(c)} = ?' for c in cols)} WHERE {_q(pk)} = ?",
        [row[c] for c in cols] + [key_row[pk]],
    )


def _apply(
    conn: sqlite3.Connection,
    table: str,
    op: str,
    old: dict | None,
    new: dict | None,
    *,
    reverse: bool,
) -> None:
    if table not in _PK:
        raise ValueError(f"unexpected journal table {table!r}")
    if not reverse:
        if op == "I":
            _insert(conn, table, _row(new, table, op))
        elif op == "D":
            _delete(conn, table, _row(old, table, op))
        else:
            _update(conn, table, _row(old, table, op), _row(new, table, op))
    else:
        if op == "I":
            _delete(conn, table, _row(new, table, op))
        elif op == "D":
            _insert(conn, table, _row(old, table, op))
        else:
            _update(conn, table, _row(new, table, op), _row(old, table, op))


def _row(row: dict | None, table: str, op: str) -> dict:
    """A journal entry's row image; an insert has no old row and a delete no new one."""
    if row is None:
        raise ValueError(f"journal entry {op!r} on {table!r} lacks the row it needs")
    return row


def replay(conn: sqlite3.Connection, action_id: int, *, reverse: bool) -> None:
    """Apply an action's changes forwards (redo) or backwards (undo), in exact order.

    The caller holds the transaction and has switched journaling off. Foreign keys are
    deferred to the commit, and the triggers that check spans and keep the search index are
    paused (``journal_state.replaying``): mid-way through a replay a coding may meet a source
    text that is not yet the final one. Before the caller commits, the search index of every
    touched segment is rebuilt and every touched coding is checked against its text; a
    source whose text itself changed (or appeared) has all its segments re-indexed and all
    its codings checked. Only what the action touched: an undone coding costs a few rows,
    not its whole transcript.
    """
    rows = conn.execute(
        "SELECT id, tbl, op, old, new FROM changes WHERE action_id = ? ORDER BY id "
        + ("DESC" if reverse else "ASC"),
        [action_id],
    ).fetchall()
    conn.execute("PRAGMA defer_foreign_keys = ON")
    conn.execute("UPDATE journal_state SET replaying = 1 WHERE id = 1")
    touched = _Touched()
    for _id, tbl, op, old, new in rows:
        old_row = json.loads(old) if old else None
        new_row = json.loads(new) if new else None
        _apply(conn, tbl, op, old_row, new_row, reverse=reverse)
        touched.add(tbl, old_row, new_row)
    conn.execute("UPDATE journal_state SET replaying = 0 WHERE id = 1")
    _refresh_search_index(conn, touched.segments, touched.texts)
    _check_codings(conn, touched.codings, touched.texts)


class _Touched:
    """The rows a replay changed: segments (ids), codings (ids) and the sources whose text
    changed, appeared or went (ids): everything that depends on a source's text."""

    def __init__(self) -> None:
        self.segments: set[int] = set()
        self.codings: set[int] = set()
        self.texts: set[int] = set()

    def add(self, tbl: str, old: dict | None, new: dict | None) -> None:
        if tbl == "segments":
            self.segments.update(r["id"] for r in (old, new) if r is not None)
        elif tbl == "codings":
            self.codings.update(r["id"] for r in (old, new) if r is not None)
        elif tbl == "sources" and (
            old is None or new is None or old.get("text") != new.get("text")
        ):
            self.texts.update(r["id"] for r in (old, new) if r is not None)


def _chunks(ids: set[int], size: int = 500) -> list[list[int]]:
    items = sorted(ids)
    return [items[i : i + size] for i in range(0, len(items), size)]


def _texts(conn: sqlite3.Connection, source_ids: set[int]) -> dict[int, str]:
    """The stored text of each of these sources (absent: the source no longer exists)."""
    found: dict[int, str] = {}
    for part in _chunks(source_ids):
        marks = ",".join("?" * len(part))
        found.update(
            conn.execute(f"SELECT id, text FROM sources WHERE id IN ({marks})", part).fetchall()
        )
    return found


def _refresh_search_index(
    conn: sqlite3.Connection, segment_ids: set[int], text_sources: set[int]
) -> None:
    """Re-index the touched segments, and every segment of a source whose text changed.

    Each source's text is read once and cut in Python: a substring taken in SQL per segment
    reads the whole text every time (quadratic for the redo of a large import)."""
    segs: dict[int, tuple[int, int, int]] = {}  # segment id -> (source, start, end)
    for sid in sorted(text_sources):
        for g, a, b in conn.execute(
            "SELECT id, start, end FROM segments WHERE source_id = ?", [sid]
        ).fetchall():
            segs[g] = (sid, a, b)
    for part in _chunks(segment_ids - segs.keys()):
        marks = ",".join("?" * len(part))
        for g, sid, a, b in conn.execute(
            f"SELECT id, source_id, start, end FROM segments WHERE id IN ({marks})", part
        ).fetchall():
            segs[g] = (sid, a, b)
    # the old rows go: those of segments the replay deleted or moved, and all rows of a
    # source whose text changed
    for part in _chunks(segment_ids | segs.keys()):
        marks = ",".join("?" * len(part))
        conn.execute(f"DELETE FROM segments_fts WHERE rowid IN ({marks})", part)
    texts = _texts(conn, {sid for sid, _a, _b in segs.values()})
    conn.executemany(
        "INSERT INTO segments_fts (rowid, text) VALUES (?, ?)",
        ((g, texts[sid][a:b]) for g, (sid, a, b) in sorted(segs.items())),
    )


def _check_codings(conn: sqlite3.Connection, coding_ids: set[int], text_sources: set[int]) -> None:
    """After a replay every touched coding, and every coding of a source whose text changed,
    must still quote its text exactly (else the caller rolls back)."""
    rows: dict[int, tuple[int, int, int, str]] = {}
    for sid in sorted(text_sources):
        for c, a, b, quote in conn.execute(
            "SELECT id, start, end, quote FROM codings WHERE source_id = ?", [sid]
        ):
            rows[c] = (sid, a, b, quote)
    for part in _chunks(coding_ids - rows.keys()):
        marks = ",".join("?" * len(part))
        for c, sid, a, b, quote in conn.execute(
            f"SELECT id, source_id, start, end, quote FROM codings WHERE id IN ({marks})", part
        ):
            rows[c] = (sid, a, b, quote)
    texts = _texts(conn, {sid for sid, _a, _b, _q in rows.values()})
    bad = sum(
        1
        for sid, a, b, quote in rows.values()
        if sid in texts and (b > len(texts[sid]) or quote != texts[sid][a:b])
    )  # a coding left without its source is the foreign key's to refuse, at the commit
    if bad:
        raise sqlite3.IntegrityError(
            f"undo journal replay would leave {bad} codings that do not match their text"
        )
