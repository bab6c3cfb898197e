"""The ``evidence_meta`` key/value table: fingerprints of the rules the ads were classified
with (``rules_sha256``, ``skills_sha256``) and how far the search index has got (``fts_upto``).

Reads and writes on a connection inside the caller's transaction (``Project.transaction``).
"""

from __future__ import annotations

import sqlite3


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM evidence_meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO evidence_meta (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )
