"""Insert many segments or codings of one source in time linear in its length.

The row triggers that check a span against its source and feed the search index each read
the source's text (``substr`` of a value that may be megabytes long, walked from its start):
fine for one coding added by hand, quadratic for the thousands of segments and codings of an
import. Inside ``rows_checked_per_source`` those triggers are paused (with the switch undo's
replay uses, inside the caller's transaction, so no other connection ever sees it off), and
``check_and_index_source`` then does their work for the whole source at once, from the text
held in Python: every segment and coding inside the text, every quote equal to its span,
one search-index row per new segment. A failed check raises ``sqlite3.IntegrityError``, like
the triggers would, and the caller's transaction rolls back.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def rows_checked_per_source(conn: sqlite3.Connection) -> Iterator[None]:
    """Pause the per-row span checks and search-index triggers (inside a transaction)."""
    if not conn.in_transaction:
        raise RuntimeError("rows_checked_per_source needs an open transaction")
    conn.execute("UPDATE journal_state SET replaying = 1 WHERE id = 1")
    try:
        yield
    finally:
        conn.execute("UPDATE journal_state SET replaying = 0 WHERE id = 1")


def check_and_index_source(
    conn: sqlite3.Connection,
    source_id: int,
    text: str,
    *,
    index_segments: bool,
) -> None:
    """Check all segments and codings of a source against ``text``; with ``index_segments``
    (a source whose segments were all inserted while the triggers were paused) also write
    their search-index rows.

    ``text`` must be the stored text (its length is compared with the row's first).
    """
    row = conn.execute("SELECT length FROM sources WHERE id = ?", [source_id]).fetchone()
    if row is None or row[0] != len(text):
        raise sqlite3.IntegrityError("bulk check: the source's text is not the one given")
    n = len(text)
    segments = conn.execute(
        "SELECT id, start, end FROM segments WHERE source_id = ?", [source_id]
    ).fetchall()
    bad = [sid for sid, a, b in segments if not (0 <= a <= b <= n)]
    if bad:
        raise sqlite3.IntegrityError(f"segment span is outside the text ({len(bad)} segments)")
    if index_segments:
        conn.executemany(
            "INSERT INTO segments_fts (rowid, text) VALUES (?, ?)",
            ((sid, text[a:b]) for sid, a, b in segments),
        )
    for _cid, a, b, quote in conn.execute(
        "SELECT id, start, end, quote FROM codings WHERE source_id = ?", [source_id]
    ):
        if not (0 <= a < b <= n):
            raise sqlite3.IntegrityError("coding span is outside the text")
        if quote != text[a:b]:
            raise sqlite3.IntegrityError("coding quote does not match the text")
