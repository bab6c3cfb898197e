"""What ``mpu-qual doctor --repair`` does to the store's tables (the store owns their SQL).

``repair_tables(conn)`` runs inside the caller's write transaction on a raw connection (the
project may not open): it closes a stuck undo journal and drops unreadable actions,
recreates missing codes as placeholders and unlinks or drops rows that point nowhere,
re-anchors codings whose quote occurs exactly once, and (asked to) rebuilds the search index.
Each step returns what it did, in the user's words. ``rebuild_fts`` is also used by purge.
"""

from __future__ import annotations

import sqlite3


def _placeholder_codes(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT DISTINCT code_id FROM codings WHERE code_id NOT IN (SELECT id FROM codes)"
    ).fetchall()
    done = []
    pos = conn.execute("SELECT coalesce(max(position), -1) + 1 FROM codes").fetchone()[0]
    for (cid,) in rows:
        conn.execute(
            "INSERT INTO codes (id, parent_id, label_en, label_zh, rule, position, depth) "
            "VALUES (?, NULL, ?, ?, ?, ?, 0)",
            [
                cid,
                f"Recovered code {cid}",
                f"已恢復編碼 {cid}",
                "Recreated by 'mpu-qual doctor --repair': its codings survived, its definition "
                "did not. Edit or merge it.",
                pos,
            ],
        )
        pos += 1
        done.append(cid)
    return done


def _repair_foreign_keys(conn: sqlite3.Connection) -> list[str]:
    done: list[str] = []
    recovered = _placeholder_codes(conn)
    if recovered:
        done.append(
            f"recreated {len(recovered)} missing code(s) as placeholders: "
            + ", ".join(recovered[:10])
        )
    fixes = (
        (
            "codes",
            "UPDATE codes SET parent_id = NULL WHERE parent_id IS NOT NULL AND parent_id "
            "NOT IN (SELECT id FROM codes)",
            "moved codes with a missing parent to the top level",
        ),
        (
            "codings",
            "DELETE FROM codings WHERE source_id NOT IN (SELECT id FROM sources)",
            "removed codings of transcripts that no longer exist",
        ),
        (
            "segments",
            "DELETE FROM segments WHERE source_id NOT IN (SELECT id FROM sources)",
            "removed segments of transcripts that no longer exist",
        ),
        (
            "segments",
            "UPDATE segments SET participant_id = NULL WHERE participant_id IS NOT NULL "
            "AND participant_id NOT IN (SELECT id FROM participants)",
            "unlinked segments from participants that no longer exist",
        ),
        (
            "memos",
            "UPDATE memos SET source_id = NULL WHERE source_id IS NOT NULL AND source_id "
            "NOT IN (SELECT id FROM sources)",
            "unlinked memos from missing transcripts",
        ),
        (
            "memos",
            "UPDATE memos SET code_id = NULL WHERE code_id IS NOT NULL AND code_id "
            "NOT IN (SELECT id FROM codes)",
            "unlinked memos from missing codes",
        ),
        (
            "changes",
            "DELETE FROM changes WHERE action_id NOT IN (SELECT id FROM actions)",
            "dropped undo records of actions that no longer exist",
        ),
    )
    for _table, sql, what in fixes:
        n = conn.execute(sql).rowcount
        if n > 0:
            done.append(f"{what} ({n})")
    return done


def _repair_offsets(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT c.id, c.quote, s.text FROM codings c JOIN sources s ON s.id = c.source_id "
        "WHERE c.start < 0 OR c.end <= c.start OR c.end > s.length "
        "OR c.quote IS NOT substr(s.text, c.start + 1, c.end - c.start)"
    ).fetchall()
    moved = 0
    for cid, quote, text in rows:
        if not quote:
            continue
        first = text.find(quote)
        if first >= 0 and text.find(quote, first + 1) < 0:
            conn.execute(
                "UPDATE codings SET start = ?, end = ? WHERE id = ?",
                [first, first + len(quote), cid],
            )
            moved += 1
    return [f"moved {moved} coding(s) to the only place their quote occurs"] if moved else []


def rebuild_fts(conn: sqlite3.Connection) -> None:
    """Refill the search index from the segments (also drops traces of deleted text)."""
    conn.execute("DELETE FROM segments_fts")
    conn.execute(
        "INSERT INTO segments_fts (rowid, text) SELECT g.id, substr(s.text, g.start + 1, "
        "g.end - g.start) FROM segments g JOIN sources s ON s.id = g.source_id"
    )
    conn.execute("INSERT INTO segments_fts (segments_fts) VALUES ('rebuild')")


def _repair_journal(conn: sqlite3.Connection) -> list[str]:
    done = []
    row = conn.execute("SELECT action_id FROM journal_state WHERE id = 1").fetchone()
    if row is None:
        conn.execute("INSERT INTO journal_state (id, action_id) VALUES (1, NULL)")
        done.append("recreated the undo journal state")
    elif row[0] is not None:
        conn.execute("UPDATE journal_state SET action_id = NULL WHERE id = 1")
        done.append("closed the stuck undo journal")
    n = conn.execute(
        "DELETE FROM actions WHERE id IN (SELECT action_id FROM changes WHERE "
        "(old IS NOT NULL AND NOT json_valid(old)) OR (new IS NOT NULL AND NOT json_valid(new)))"
    ).rowcount
    if n > 0:
        done.append(f"dropped {n} unreadable action(s) from the undo history")
    return done


def repair_tables(conn: sqlite3.Connection, *, rebuild_index: bool) -> list[str]:
    """Every table-level repair, in the caller's transaction; returns what was done."""
    done: list[str] = []
    conn.execute("UPDATE journal_state SET action_id = NULL WHERE id = 1")
    done.extend(_repair_journal(conn))
    done.extend(_repair_foreign_keys(conn))
    done.extend(_repair_offsets(conn))
    if rebuild_index:
        rebuild_fts(conn)
        done.append("rebuilt the search index")
    return done
