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
    text that is not yet the final one. The search index of every touched segment is rebuilt
    and every touched coding is checked against its text before the caller commits.
    """
    rows = conn.execute(
        "SELECT id, tbl, op, old, new FROM changes WHERE action_id = ? ORDER BY id "
        + ("DESC" if reverse else "ASC"),
        [action_id],
    ).fetchall()
    conn.execute("PRAGMA defer_foreign_keys = ON")
    conn.execute("UPDATE journal_state SET replaying = 1 WHERE id = 1")
    segment_ids: set[int] = set()
    source_ids: set[int] = set()
    for _id, tbl, op, old, new in rows:
        old_row = json.loads(old) if old else None
        new_row = json.loads(new) if new else None
        _apply(conn, tbl, op, old_row, new_row, reverse=reverse)
        for row in (old_row, new_row):
            if row is None:
                continue
            if tbl == "segments":
                segment_ids.add(row["id"])
                source_ids.add(row["source_id"])
            elif tbl == "sources":
                source_ids.add(row["id"])
            elif tbl == "codings":
                source_ids.add(row["source_id"])
    conn.execute("UPDATE journal_state SET replaying = 0 WHERE id = 1")
    _refresh_search_index(conn, segment_ids, source_ids)
    _check_codings(conn, source_ids)


def _chunks(ids: set[int], size: int = 500) -> list[list[int]]:
    items = sorted(ids)
    return [items[i : i + size] for i in range(0, len(items), size)]


def _refresh_search_index(
    conn: sqlite3.Connection, segment_ids: set[int], source_ids: set[int]
) -> None:
    """Re-index touched segments (and all segments of sources whose text may have changed).

    Each source's text is read once and cut in Python: a substring taken in SQL per segment
    reads the whole text every time (quadratic for the redo of a large import)."""
    for part in _chunks(segment_ids):  # rows of segments the replay deleted go too
        marks = ",".join("?" * len(part))
        conn.execute(f"DELETE FROM segments_fts WHERE rowid IN ({marks})", part)
    for sid in sorted(source_ids):
        row = conn.execute("SELECT text FROM sources WHERE id = ?", [sid]).fetchone()
        if row is None:
            continue
        text = row[0]
        segs = conn.execute(
            "SELECT id, start, end FROM segments WHERE source_id = ?", [sid]
        ).fetchall()
        for part in _chunks({g for g, _a, _b in segs}):
            marks = ",".join("?" * len(part))
            conn.execute(f"DELETE FROM segments_fts WHERE rowid IN ({marks})", part)
        conn.executemany(
            "INSERT INTO segments_fts (rowid, text) VALUES (?, ?)",
            ((g, text[a:b]) for g, a, b in segs),
        )


def _check_codings(conn: sqlite3.Connection, source_ids: set[int]) -> None:
    """After a replay every coding must still quote its text exactly (else roll back)."""
    bad = 0
    for sid in sorted(source_ids):
        row = conn.execute("SELECT text FROM sources WHERE id = ?", [sid]).fetchone()
        if row is None:
            continue
        text = row[0]
        for a, b, quote in conn.execute(
            "SELECT start, end, quote FROM codings WHERE source_id = ?", [sid]
        ):
            if b > len(text) or quote != text[a:b]:
                bad += 1
    if bad:
        raise sqlite3.IntegrityError(
            f"undo journal replay would leave {bad} codings that do not match their text"
        )
