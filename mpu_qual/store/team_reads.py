"""What team work reads and writes (``mpu_qual.team``): coders, agreement units, review.

The store owns the SQL on its tables; ``project.team`` gives the team package plain rows:

- ``source_headers()`` / ``nonempty_segments(ids)`` / ``coding_spans(ids, coders)``: what an
  agreement is computed over, streamed (one query each, no per-character data);
- ``coder_totals()`` / ``coder_per_source()`` / ``coders()``: who coded what;
- ``setting(key)`` / ``set_setting(key, value)``: the team settings (blind mode);
- ``unit_codings(...)``, ``reject_codings(...)``, ``add_copies(...)``: a review decision;
- ``sources_by_id()``, ``coding_keys(sid)``, ``rejected_keys(sid)``: a merge (its
  codings go in with ``project.codings.insert_rows``). ``their_codes/their_sources/their_codings/their_summaries(conn)`` read a colleague's project.db.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mpu_qual.store.project import Project

# (code_id, coder, start, end): a coding's identity when merging and reviewing
CodingKey = tuple[str, str | None, int, int]


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


class TeamReads:
    """``project.team``: the team package's reads and writes on codings and settings."""

    def __init__(self, project: Project) -> None:
        self.project = project

    @property
    def _conn(self) -> sqlite3.Connection:
        return self.project.conn

    # ------------------------------------------------------------------ agreement units
    def source_headers(self) -> list[tuple[int, str, int]]:
        """Every transcript as (id, name, length), by name; no text."""
        return self._conn.execute("SELECT id, name, length FROM sources ORDER BY name").fetchall()

    def nonempty_segments(self, source_ids: Sequence[int]) -> Iterator[tuple[int, int, int, int]]:
        """(source id, idx, start, end) of every non-empty segment, by transcript and start."""
        yield from self._conn.execute(
            f"SELECT source_id, idx, start, end FROM segments WHERE source_id IN "
            f"({_marks(source_ids)}) AND end > start ORDER BY source_id, start",
            list(source_ids),
        )

    def coding_spans(
        self, source_ids: Sequence[int], coders: Sequence[str]
    ) -> Iterator[tuple[str, str, int, int, int]]:
        """(code id, coder, source id, start, end) of the coders' codings in the transcripts."""
        yield from self._conn.execute(
            f"SELECT code_id, coder, source_id, start, end FROM codings WHERE source_id IN "
            f"({_marks(source_ids)}) AND coder IN ({_marks(coders)})",
            [*source_ids, *coders],
        )

    def source_texts(self, source_ids: Sequence[int]) -> dict[int, str]:
        return dict(
            self._conn.execute(
                f"SELECT id, text FROM sources WHERE id IN ({_marks(source_ids)})",
                list(source_ids),
            )
        )

    def source_text(self, source_id: int) -> str | None:
        row = self._conn.execute("SELECT text FROM sources WHERE id = ?", [source_id]).fetchone()
        return None if row is None else row[0]

    # ------------------------------------------------------------------ coders
    def coder_totals(
        self, source_id: int | None = None
    ) -> list[tuple[str | None, int, int, int, str | None, str | None]]:
        """Per coder: (coder, codings, codes, transcripts, first, last created_at)."""
        where, args = ("WHERE c.source_id = ?", [source_id]) if source_id is not None else ("", [])
        return self._conn.execute(
            f"""
            SELECT c.coder, count(*), count(DISTINCT c.code_id), count(DISTINCT c.source_id),
                   min(c.created_at), max(c.created_at)
            FROM codings c {where} GROUP BY c.coder
            """,
            args,
        ).fetchall()

    def coder_per_source(self, source_id: int | None = None) -> list[tuple[str | None, str, int]]:
        """(coder, transcript name, codings), by transcript name."""
        where, args = ("WHERE c.source_id = ?", [source_id]) if source_id is not None else ("", [])
        return self._conn.execute(
            f"""
            SELECT c.coder, s.name, count(*) FROM codings c JOIN sources s ON s.id = c.source_id
            {where} GROUP BY c.coder, s.name ORDER BY s.name
            """,
            args,
        ).fetchall()

    def coders(self) -> list[str]:
        """Names of the coders with codings (unordered)."""
        rows = self._conn.execute("SELECT DISTINCT coder FROM codings WHERE coder IS NOT NULL")
        return [r[0] for r in rows]

    # ------------------------------------------------------------------ settings
    def setting(self, key: str) -> str | None:
        try:
            row = self._conn.execute(
                "SELECT value FROM team_settings WHERE key = ?", [key]
            ).fetchone()
        except sqlite3.Error:  # a read-only project of an older version has no such table
            return None
        return row[0] if row else None

    def set_setting(self, key: str, value: str | None) -> None:
        """Set (or, with None, remove) a team setting in one transaction."""
        with self.project.transaction() as conn:
            if value is None:
                conn.execute("DELETE FROM team_settings WHERE key = ?", [key])
            else:
                conn.execute(
                    "INSERT INTO team_settings (key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    [key, value],
                )

    # ------------------------------------------------------------------ review
    def unit_codings(
        self, source_id: int, code_id: str, start: int, end: int
    ) -> list[tuple[int, str | None, int, int, str | None]]:
        """(id, coder, start, end, memo) of the code's codings overlapping start-end."""
        return self._conn.execute(
            "SELECT id, coder, start, end, memo FROM codings WHERE source_id = ? AND code_id = ? "
            "AND start < ? AND end > ? ORDER BY start, end, id",
            [source_id, code_id, end, start],
        ).fetchall()

    def reject_codings(self, conn: sqlite3.Connection, coding_ids: Iterable[int]) -> None:
        """Remove codings inside the caller's action, remembering each as rejected (so that
        merging the coder's copy again does not bring it back)."""
        for cid in coding_ids:
            conn.execute(
                "INSERT OR IGNORE INTO review_rejections (source_id, code_id, coder, start, end) "
                "SELECT source_id, code_id, coder, start, end FROM codings WHERE id = ?",
                [cid],
            )
            conn.execute("DELETE FROM codings WHERE id = ?", [cid])

    def add_copies(
        self,
        conn: sqlite3.Connection,
        rows: Iterable[tuple[int, str, int, int, str, str | None, str | None]],
    ) -> None:
        """Insert codings (source id, code, start, end, quote, memo, coder) in the action."""
        conn.executemany(
            "INSERT INTO codings (source_id, code_id, start, end, quote, memo, coder) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    # ------------------------------------------------------------------ merge
    def sources_by_id(self) -> list[tuple[int, str, str]]:
        """Every transcript as (id, name, text), by id."""
        return self._conn.execute("SELECT id, name, text FROM sources ORDER BY id").fetchall()

    def coding_keys(self, source_id: int) -> set[CodingKey]:
        return set(
            self._conn.execute(
                "SELECT code_id, coder, start, end FROM codings WHERE source_id = ?", [source_id]
            )
        )

    def rejected_keys(self, source_id: int) -> set[CodingKey]:
        return set(
            self._conn.execute(
                "SELECT code_id, coder, start, end FROM review_rejections WHERE source_id = ?",
                [source_id],
            )
        )


# ---------------------------------------------------------------------- a colleague's file
def their_codes(conn: sqlite3.Connection) -> Iterator[tuple]:
    """(id, parent_id, label_en, label_zh, rule, color, addresses) from another project.db."""
    yield from conn.execute(
        "SELECT id, parent_id, label_en, label_zh, rule, color, addresses FROM codes "
        "ORDER BY depth, position, id"
    )


def their_sources(conn: sqlite3.Connection) -> Iterator[tuple]:
    """(id, name, text) from another project.db, by name."""
    yield from conn.execute("SELECT id, name, text FROM sources ORDER BY name")


def their_codings(conn: sqlite3.Connection) -> Iterator[tuple]:
    """(id, source_id, code_id, coder, start, end, memo, created_at) from another project.db."""
    yield from conn.execute(
        "SELECT id, source_id, code_id, coder, start, end, memo, created_at FROM codings "
        "ORDER BY source_id, id"
    )


def their_summaries(conn: sqlite3.Connection) -> list[tuple]:
    """(id, participant label, group_id, code_id, summary, author, updated_at): the framework
    summaries of another project.db; none from a project made before they existed."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "framework_summaries" not in tables:
        return []
    return conn.execute(
        "SELECT f.id, p.label, f.group_id, f.code_id, f.summary, f.author, f.updated_at "
        "FROM framework_summaries f LEFT JOIN participants p ON p.id = f.participant_id "
        "ORDER BY f.id"
    ).fetchall()
