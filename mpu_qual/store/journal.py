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


def _apply(conn: sqlite3.Connection, table: str, op: str, old: dict | None, new: dict | None,
           *, reverse: bool) -> None:
    if table not in _PK:
        raise ValueError(f"unexpected journal table {table!r}")
    if not reverse:
        if op == "I":
            _insert(conn, table, new)
        elif op == "D":
            _delete(conn, table, old)
        else:
            _update(conn, table, old, new)
    else:
        if op == "I":
            _delete(conn, table, new)
        elif op == "D":
            _insert(conn, table, old)
        else:
            _update(conn, table, new, old)


_RANK = {"participants": 0, "sources": 1, "codes": 2, "segments": 3, "codings": 4, "memos": 5}


def _effective(op: str, reverse: bool) -> str:
    if not reverse:
        return op
    return {"I": "D", "D": "I", "U": "U"}[op]


def replay(conn: sqlite3.Connection, action_id: int, *, reverse: bool) -> None:
    """Apply an action's changes forwards (redo) or backwards (undo).

    The caller holds the transaction and has switched journaling off. Foreign keys are
    deferred to the commit; row order only matters to the triggers that check a coding's
    quote against its source text, so inserts go parents first, source updates before
    other updates, and deletes children first.
    """
    rows = conn.execute(
        "SELECT id, tbl, op, old, new FROM changes WHERE action_id = ? ORDER BY id "
        + ("DESC" if reverse else "ASC"),
        [action_id],
    ).fetchall()
    conn.execute("PRAGMA defer_foreign_keys = ON")
    seq = list(enumerate(rows))

    def key(item: tuple[int, tuple]) -> tuple[int, int, int]:
        n, (_id, tbl, op, _old, _new) = item
        eff = _effective(op, reverse)
        if eff == "I":
            return (0, _RANK[tbl], n)
        if eff == "U":
            return (1, 0 if tbl == "sources" else 1, n)
        return (2, -_RANK[tbl], n)

    for _n, (_id, tbl, op, old, new) in sorted(seq, key=key):
        _apply(
            conn,
            tbl,
            op,
            json.loads(old) if old else None,
            json.loads(new) if new else None,
            reverse=reverse,
        )
