"""What the job-ad reports read (``project.job_ads``, read side): the ``job_ads``,
``job_ad_postings``, ``job_ad_terms``, ``job_ads_fts`` and ``evidence_meta`` tables
(store/migrations/job_ads.py).

``mpu_qual.evidence`` keeps the rules, the classifying and the wording; the store keeps the
SQL and hands back plain rows:

- ``meta(key)`` / ``set_meta(conn, key, value)``: the rules fingerprints and how far the
  search index has got;
- ``cell_counts()`` / ``out_of_scope_counts()`` / ``role_counts(...)`` /
  ``unmatched_titles(...)`` / ``skill_counts(...)``: the report tables, one GROUP BY each;
- ``posting_totals()`` / ``platform_combinations()`` / ``reposted_ads(...)``: de-duplication;
- ``search(words, ...)`` and ``count_matching(...)``: full-text search and evidence figures.
  Every word is bound as a quoted FTS phrase (or a LIKE pattern), never as FTS syntax.

A read model opens over a project or, for the report functions that are handed
``project.db``, over that ``sqlite_utils.Database``: both give the same connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils

    from mpu_qual.store.project import Project

# (id, title, company, platform, posted_on, sector, window, role, description)
AdRow = tuple[int, str, str, str, str, str | None, str | None, str, str]
# (platform, ad_ref, posted_on, title, file name, line)
PostingRow = tuple[str, str | None, str, str, str | None, int | None]


def phrase(word: str) -> str:
    """``word`` as one quoted FTS5 phrase (its quotes doubled): never FTS syntax."""
    return '"' + word.replace('"', '""') + '"'


def like_pattern(word: str) -> str:
    """``%word%`` with LIKE's wildcards escaped (ESCAPE '\\')."""
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def match_clause(words: Sequence[str]) -> tuple[str, str, list[Any]]:
    """JOIN and WHERE fragments (with their arguments) selecting ads holding every word.

    Words of three characters or more use the trigram index (one quoted phrase each); shorter
    ones (two-character Chinese words) a LIKE on title, company and description. ``a`` is the
    job_ads alias of the query the fragments go into.
    """
    long_words = [w for w in words if len(w) >= 3]
    short = [w for w in words if len(w) < 3]
    join = ""
    where: list[str] = []
    args: list[Any] = []
    if long_words:
        join = "JOIN job_ads_fts ON job_ads_fts.rowid = a.id"
        where.append("job_ads_fts MATCH ?")
        args.append(" AND ".join(phrase(w) for w in long_words))
    for w in short:
        where.append(
            "(a.title LIKE ? ESCAPE '\\' OR a.company LIKE ? ESCAPE '\\' "
            "OR a.description LIKE ? ESCAPE '\\')"
        )
        args += [like_pattern(w)] * 3
    return join, " AND ".join(where), args


def _scope(sector: str | None, window: str | None) -> tuple[str, list[Any]]:
    where = ["sector IS NOT NULL", "window IS NOT NULL"]
    args: list[Any] = []
    if sector is not None:
        where.append("sector = ?")
        args.append(sector)
    if window is not None:
        where.append("window = ?")
        args.append(window)
    return " AND ".join(where), args


class JobAdReads:
    """The read side of ``project.job_ads`` (see the module doc)."""

    def __init__(self, project: Project | sqlite_utils.Database) -> None:
        self.project = project

    @property
    def _conn(self) -> sqlite3.Connection:
        return self.project.conn

    # ------------------------------------------------------------------ evidence_meta
    def meta(self, key: str, conn: sqlite3.Connection | None = None) -> str | None:
        """One ``evidence_meta`` value (``conn``: the caller's transaction, if any)."""
        row = (
            (conn or self._conn)
            .execute("SELECT value FROM evidence_meta WHERE key = ?", [key])
            .fetchone()
        )
        return row[0] if row else None

    def set_meta(self, conn: sqlite3.Connection, key: str, value: str) -> None:
        """Set one ``evidence_meta`` value inside the caller's transaction."""
        conn.execute(
            "INSERT INTO evidence_meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    def has_ads(self) -> bool:
        """True once any ad has been imported."""
        return self._conn.execute("SELECT 1 FROM job_ads LIMIT 1").fetchone() is not None

    # ------------------------------------------------------------------ report tables
    def cell_counts(self) -> Iterator[tuple[str, str, str, int]]:
        """(window, sector, role, ads) of in-scope ads: one GROUP BY over the index."""
        yield from self._conn.execute(
            "SELECT window, sector, role, count(*) FROM job_ads "
            "WHERE window IS NOT NULL AND sector IS NOT NULL GROUP BY window, sector, role"
        )

    def out_of_scope_counts(self) -> dict[str, int]:
        """Ads out of scope: {'no sector' | 'outside windows': count}."""
        return dict(
            self._conn.execute(
                "SELECT CASE WHEN sector IS NULL THEN 'no sector' ELSE 'outside windows' END, "
                "count(*) FROM job_ads WHERE sector IS NULL OR window IS NULL GROUP BY 1"
            ).fetchall()
        )

    def role_counts(self, *, sector: str | None, window: str | None) -> dict[str, int]:
        """In-scope ads per role (optionally one sector and/or window)."""
        where, args = _scope(sector, window)
        return dict(
            self._conn.execute(
                f"SELECT role, count(*) FROM job_ads WHERE {where} GROUP BY role", args
            )
        )

    def unmatched_titles(
        self, other_role: str, *, limit: int, in_scope_only: bool
    ) -> list[tuple[str, int]]:
        """Titles of ads in ``other_role``, most frequent first (ties by title)."""
        where = "role = ?" + (
            " AND sector IS NOT NULL AND window IS NOT NULL" if in_scope_only else ""
        )
        return [
            (t, n)
            for t, n in self._conn.execute(
                f"SELECT title, count(*) AS n FROM job_ads WHERE {where} "
                "GROUP BY title ORDER BY n DESC, title LIMIT ?",
                [other_role, limit],
            )
        ]

    def skill_counts(self, *, sector: str | None, window: str | None) -> tuple[int, dict[str, int]]:
        """(in-scope ads, {skill term: ads mentioning it}) for a sector and/or window."""
        where, args = _scope(sector, window)
        total = self._conn.execute(f"SELECT count(*) FROM job_ads WHERE {where}", args).fetchone()[
            0
        ]
        found = dict(
            self._conn.execute(
                f"SELECT t.term, count(*) FROM job_ad_terms t "
                f"JOIN job_ads ON job_ads.id = t.job_ad_id WHERE {where} GROUP BY t.term",
                args,
            )
        )
        return total, found

    # ------------------------------------------------------------------ de-duplication
    def posting_totals(self) -> tuple[int, int, int]:
        """(postings, ads, ads posted more than once)."""
        conn = self._conn
        postings = conn.execute("SELECT count(*) FROM job_ad_postings").fetchone()[0]
        ads = conn.execute("SELECT count(*) FROM job_ads").fetchone()[0]
        reposted = conn.execute(
            "SELECT count(*) FROM (SELECT job_ad_id FROM job_ad_postings GROUP BY job_ad_id "
            "HAVING count(*) > 1)"
        ).fetchone()[0]
        return postings, ads, reposted

    def platform_combinations(self, limit: int = 20) -> list[tuple[str, int]]:
        """Reposted ads per set of platforms ("CTgoodjobs + JobsDB"), most frequent first."""
        return [
            (c, n)
            for c, n in self._conn.execute(
                "SELECT combo, count(*) FROM (SELECT job_ad_id, "
                "group_concat(platform, ' + ') AS combo "
                "FROM (SELECT DISTINCT job_ad_id, platform FROM job_ad_postings "
                "ORDER BY job_ad_id, platform COLLATE NOCASE) GROUP BY job_ad_id "
                "HAVING count(*) > 1) GROUP BY combo ORDER BY count(*) DESC, combo LIMIT ?",
                [limit],
            )
        ]

    def reposted_ads(
        self, *, limit: int, offset: int
    ) -> Iterator[tuple[int, str, str, list[PostingRow]]]:
        """Ads with more than one posting, most-reposted first: (id, title, company,
        postings earliest first)."""
        conn = self._conn
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT job_ad_id FROM job_ad_postings GROUP BY job_ad_id HAVING count(*) > 1 "
                "ORDER BY count(*) DESC, job_ad_id LIMIT ? OFFSET ?",
                [limit, offset],
            )
        ]
        for ad_id in ids:
            title, company = conn.execute(
                "SELECT title, company FROM job_ads WHERE id = ?", [ad_id]
            ).fetchone()
            posts = conn.execute(
                "SELECT p.platform, p.ad_ref, p.posted_on, p.title, f.name, p.line "
                "FROM job_ad_postings p LEFT JOIN import_files f ON f.id = p.file_id "
                "WHERE p.job_ad_id = ? ORDER BY p.posted_on, p.id",
                [ad_id],
            ).fetchall()
            yield ad_id, title, company, posts

    # ------------------------------------------------------------------ search and figures
    def search(
        self,
        words: Sequence[str],
        *,
        sector: str | None,
        window: str | None,
        role: str | None,
        in_scope: bool,
        limit: int,
    ) -> tuple[int, list[AdRow]]:
        """Ads holding every word, newest first: (how many, the first ``limit`` rows)."""
        join, where, args = match_clause(words)
        conds = [where]
        if in_scope:
            conds.append("a.sector IS NOT NULL AND a.window IS NOT NULL")
        for col, val in (("sector", sector), ("window", window), ("role", role)):
            if val is not None:
                conds.append(f"a.{col} = ?")
                args.append(val)
        sql_where = " AND ".join(conds)
        count = self._conn.execute(
            f"SELECT count(*) FROM job_ads a {join} WHERE {sql_where}", args
        ).fetchone()[0]
        rows = self._conn.execute(
            f"SELECT a.id, a.title, a.company, a.platform, a.posted_on, a.sector, a.window, "
            f"a.role, a.description FROM job_ads a {join} WHERE {sql_where} "
            "ORDER BY a.posted_on DESC, a.id DESC LIMIT ?",
            [*args, limit],
        ).fetchall()
        return count, rows

    def count_matching(
        self,
        *,
        sector: str | None,
        window: str | None,
        role: str | None,
        term: str | None,
        words: Sequence[str] | None,
    ) -> tuple[int, int]:
        """(in-scope ads matching all of role, term and words, in-scope ads of the sector
        and window): an evidence figure."""
        conds: list[tuple[str, list[Any]]] = [("a.sector IS NOT NULL AND a.window IS NOT NULL", [])]
        if sector:
            conds.append(("a.sector = ?", [sector]))
        if window:
            conds.append(("a.window = ?", [window]))

        def count(join: str = "") -> int:
            sql = " AND ".join(c for c, _ in conds)
            args = [a for _, al in conds for a in al]
            return self._conn.execute(
                f"SELECT count(*) FROM job_ads a {join} WHERE {sql}", args
            ).fetchone()[0]

        total = count()
        join = ""
        if role:
            conds.append(("a.role = ?", [role]))
        if term:
            conds.append(("a.id IN (SELECT job_ad_id FROM job_ad_terms WHERE term = ?)", [term]))
        if words:
            join, where, targs = match_clause(words)
            conds.append((where, targs))
        return count(join), total
