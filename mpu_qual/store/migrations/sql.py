"""SQL helpers the migration steps share."""

from __future__ import annotations

import sqlite3

import sqlite_utils


def create_journal_triggers(db: sqlite_utils.Database, table: str) -> None:
    """Record every row change of ``table`` in ``changes`` while an action is open."""
    cols = [c.name for c in db[table].columns]

    def obj(prefix: str) -> str:
        return "json_object(" + ", ".join(f"'{c}', {prefix}.\"{c}\"" for c in cols) + ")"

    cond = "(SELECT action_id FROM journal_state WHERE id = 1)"
    exec_script(
        db,
        f"""
        CREATE TRIGGER journal_{table}_insert AFTER INSERT ON {table}
        WHEN {cond} IS NOT NULL
        BEGIN
            INSERT INTO changes (action_id, tbl, op, old, new)
            VALUES ({cond}, '{table}', 'I', NULL, {obj("NEW")});
        END;
        CREATE TRIGGER journal_{table}_update AFTER UPDATE ON {table}
        WHEN {cond} IS NOT NULL
        BEGIN
            INSERT INTO changes (action_id, tbl, op, old, new)
            VALUES ({cond}, '{table}', 'U', {obj("OLD")}, {obj("NEW")});
        END;
        CREATE TRIGGER journal_{table}_delete AFTER DELETE ON {table}
        WHEN {cond} IS NOT NULL
        BEGIN
            INSERT INTO changes (action_id, tbl, op, old, new)
            VALUES ({cond}, '{table}', 'D', {obj("OLD")}, NULL);
        END;
        """,
    )


def exec_script(db: sqlite_utils.Database, script: str) -> None:
    """Run statements one by one: ``executescript`` would COMMIT the migration's transaction."""
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                db.conn.execute(buf)
            buf = ""
    if buf.strip():
        db.conn.execute(buf)
