"""Evidence links (``project.evidence_links``): the ``evidence_links`` and ``evidence_queries``
tables (store/migrations/evidence.py) and the checks on the code or coding a link is made on.

``mpu_qual.evidence.links`` turns the rows into ``EvidenceLink`` objects and computes the
figures (``project.job_ads.count_matching``); the store keeps the SQL:

- ``rows(code_id=..., coding_id=...)`` / ``row(link_id)``: links with their saved query, as
  ``LinkRow`` tuples (id, query id, sector, window, role, term, text, code id, coding id, note,
  count, total, share, computed_at, created_at);
- ``code_exists`` / ``coding_exists`` / ``code_of_coding``: what a link is made on;
- ``query_id(conn, ...)`` / ``insert(conn, ...)`` / ``set_figure(conn, ...)`` /
  ``delete(conn, link_id)``: writes inside the caller's action.

Opens over a project or over the ``sqlite_utils.Database`` the read functions are handed.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from mpu_qual.store.connection import inserted_id

if TYPE_CHECKING:
    import sqlite_utils

    from mpu_qual.store.project import Project

LinkRow = tuple[Any, ...]

_LINK_SQL = (
    "SELECT l.id, l.query_id, q.sector, q.window, q.role, q.term, q.text, l.code_id, "
    "l.coding_id, l.note, l.count, l.total, l.share, l.computed_at, l.created_at "
    "FROM evidence_links l JOIN evidence_queries q ON q.id = l.query_id"
)


class EvidenceLinks:
    """``project.evidence_links``: evidence links and their saved queries, as plain rows."""

    def __init__(self, project: Project | sqlite_utils.Database) -> None:
        self.project = project

    @property
    def _conn(self) -> sqlite3.Connection:
        return self.project.conn

    # ------------------------------------------------------------------ reads
    def tables_exist(self) -> bool:
        """Whether the project has the evidence tables (a project opened read-only before the
        evidence migrations ran has none: then there is no evidence to show)."""
        row = self._conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
            "AND name IN ('evidence_links', 'evidence_queries')"
        ).fetchone()
        return bool(row[0] == 2)

    def rows(self, *, code_id: str | None = None, coding_id: int | None = None) -> list[LinkRow]:
        """All links, or those of one code / one coding, oldest first."""
        where = ""
        args: list[object] = []
        if code_id is not None:
            where, args = " WHERE l.code_id = ?", [code_id]
        elif coding_id is not None:
            where, args = " WHERE l.coding_id = ?", [coding_id]
        return self._conn.execute(_LINK_SQL + where + " ORDER BY l.id", args).fetchall()

    def row(self, link_id: int, conn: sqlite3.Connection | None = None) -> LinkRow | None:
        """One link (None: no such link); ``conn``: the caller's action, if any."""
        return (conn or self._conn).execute(_LINK_SQL + " WHERE l.id = ?", [link_id]).fetchone()

    def code_of_coding(self, coding_id: int) -> str | None:
        """The code of a coding (None: no such coding)."""
        row = self._conn.execute("SELECT code_id FROM codings WHERE id = ?", [coding_id]).fetchone()
        return None if row is None else row[0]

    def code_exists(self, conn: sqlite3.Connection, code_id: str) -> bool:
        """True when the codebook has this code (read inside the caller's action)."""
        return conn.execute("SELECT 1 FROM codes WHERE id = ?", [code_id]).fetchone() is not None

    def coding_exists(self, conn: sqlite3.Connection, coding_id: int) -> bool:
        """True when this coding exists (read inside the caller's action)."""
        return (
            conn.execute("SELECT 1 FROM codings WHERE id = ?", [coding_id]).fetchone() is not None
        )

    # ------------------------------------------------------------------ writes
    def query_id(
        self, conn: sqlite3.Connection, sector: str, window: str, role: str, term: str, text: str
    ) -> int:
        """The saved query with these parts ('' for 'any'), saved now if new."""
        key = [sector, window, role, term, text]
        conn.execute(
            "INSERT INTO evidence_queries (sector, window, role, term, text) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (sector, window, role, term, text) DO NOTHING",
            key,
        )
        return int(
            conn.execute(
                "SELECT id FROM evidence_queries WHERE sector = ? AND window = ? AND role = ? "
                "AND term = ? AND text = ?",
                key,
            ).fetchone()[0]
        )

    def insert(
        self,
        conn: sqlite3.Connection,
        query_id: int,
        code_id: str | None,
        coding_id: int | None,
        note: str | None,
        figure: tuple[int, int, float | None, str],
    ) -> int:
        """A new link; ``figure``: (count, total, share, computed_at). Returns its id."""
        return inserted_id(
            conn.execute(
                "INSERT INTO evidence_links (query_id, code_id, coding_id, note, count, total, "
                "share, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [query_id, code_id, coding_id, note, *figure],
            )
        )

    def set_figure(
        self, conn: sqlite3.Connection, link_id: int, figure: tuple[int, int, float | None, str]
    ) -> None:
        """Store a recomputed figure: (count, total, share, computed_at)."""
        conn.execute(
            "UPDATE evidence_links SET count = ?, total = ?, share = ?, computed_at = ? "
            "WHERE id = ?",
            [*figure, link_id],
        )

    def delete(self, conn: sqlite3.Connection, link_id: int) -> None:
        """Remove one link (its saved query stays for reuse)."""
        conn.execute("DELETE FROM evidence_links WHERE id = ?", [link_id])
