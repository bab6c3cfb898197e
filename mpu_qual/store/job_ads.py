"""Job ads (``project.job_ads``): the rows ``mpu_qual.evidence`` imports, classifies and counts.

The write side lives here, the reads in store/job_ad_reads.py (``JobAds`` has both):

- ``imported_at(conn, sha)`` / ``add_import_file(...)`` / ``finish_import_file(...)``: the
  ``import_files`` row of one file, inside that file's transaction;
- ``writer(conn, file_id)``: an ``AdWriter`` that streams the rows of that file (repost lookups,
  ads, postings and skill terms in batches), built for a million rows;
- ``index_new_ads(conn)``: add the new ads to the full-text index in bulk;
- ``classified_batch(...)`` / ``set_classes(...)`` / ``clear_terms(conn)`` /
  ``add_terms(...)``: ``jobs reclassify``, chunk by chunk in one transaction.

Every write runs on the caller's connection, inside ``project.transaction()``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from mpu_qual.store.connection import inserted_id
from mpu_qual.store.job_ad_reads import JobAdReads

if TYPE_CHECKING:
    from mpu_qual.store.project import Project

_INSERT_AD = (
    "INSERT INTO job_ads (dedup_key, platform, ad_ref, posted_on, title, company, "
    "industry, description, sector, window, role, role_rule, file_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPDATE_AD = (
    "UPDATE job_ads SET platform = ?, ad_ref = ?, posted_on = ?, title = ?, company = ?, "
    "industry = ?, description = ?, sector = ?, window = ?, role = ?, role_rule = ? "
    "WHERE id = ?"
)
_INSERT_POSTING = (
    "INSERT INTO job_ad_postings (job_ad_id, platform, ad_ref, posted_on, title, file_id, "
    "line) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_TERMS = "INSERT INTO job_ad_terms (term, job_ad_id) VALUES (?, ?)"
_POSTING_BY_REF = "SELECT job_ad_id FROM job_ad_postings WHERE platform = ? AND ad_ref = ?"
_REPOST_CANDIDATE = (
    "SELECT id, posted_on FROM job_ads WHERE dedup_key = ? AND posted_on BETWEEN ? AND ? "
    "ORDER BY abs(julianday(posted_on) - julianday(?)), id LIMIT 1"
)
_SAME_POSTING = (
    "SELECT 1 FROM job_ad_postings WHERE job_ad_id = ? AND platform = ? "
    "AND ad_ref IS NULL AND posted_on = ? LIMIT 1"
)


class AdWriter:
    """The rows of one import file, on its transaction's connection (one statement each)."""

    def __init__(self, conn: sqlite3.Connection, file_id: int) -> None:
        self.conn = conn
        self.file_id = file_id
        self._execute = conn.execute  # bound once: called several times per row

    def ad_with_posting(self, platform: str, ad_ref: str) -> int | None:
        """The ad already holding this platform's ad id, if any."""
        hit = self._execute(_POSTING_BY_REF, [platform, ad_ref]).fetchone()
        return None if hit is None else hit[0]

    def repost_candidate(self, key: bytes, low: str, high: str, day: str) -> tuple[int, str] | None:
        """The ad with ``key`` posted between ``low`` and ``high`` nearest ``day``:
        (id, its posted_on)."""
        return self._execute(_REPOST_CANDIDATE, [key, low, high, day]).fetchone()

    def has_unreferenced_posting(self, ad_id: int, platform: str, day: str) -> bool:
        """True when the ad has a posting without ad id on this platform and day."""
        return self._execute(_SAME_POSTING, [ad_id, platform, day]).fetchone() is not None

    def insert_ad(self, key: bytes, shown: Sequence[Any]) -> int:
        """A new ad: ``shown`` in the order platform, ad_ref, posted_on, title, company,
        industry, description, sector, window, role, role_rule. Returns its id."""
        return inserted_id(self._execute(_INSERT_AD, [key, *shown, self.file_id]))

    def replace_ad(self, ad_id: int, shown: Sequence[Any]) -> None:
        """Show an earlier posting on the ad (``shown`` as for ``insert_ad``)."""
        self._execute(_UPDATE_AD, [*shown, ad_id])

    def add_posting(
        self,
        ad_id: int,
        platform: str,
        ad_ref: str | None,
        posted_on: str,
        title: str,
        line: int | None,
    ) -> None:
        self._execute(
            _INSERT_POSTING, [ad_id, platform, ad_ref, posted_on, title, self.file_id, line]
        )

    def add_terms(self, pairs: Iterable[tuple[str, int]]) -> None:
        """(skill term, ad id) pairs, in one executemany."""
        self.conn.executemany(_INSERT_TERMS, pairs)


class JobAds(JobAdReads):
    """``project.job_ads``: reads (``JobAdReads``) and the writes of imports and reclassify."""

    def __init__(self, project: Project) -> None:
        super().__init__(project)

    # ------------------------------------------------------------------ import files
    def imported_at(self, conn: sqlite3.Connection, sha256: str) -> str | None:
        """When a file with these bytes was imported (None: never)."""
        row = conn.execute(
            "SELECT imported_at FROM import_files WHERE sha256 = ?", [sha256]
        ).fetchone()
        return None if row is None else row[0]

    def add_import_file(
        self,
        conn: sqlite3.Connection,
        sha256: str,
        name: str,
        path: str,
        fmt: str,
        encoding: str | None,
    ) -> int:
        """Record a file being imported (its counts come at the end). Returns its id."""
        return inserted_id(
            conn.execute(
                "INSERT INTO import_files (sha256, name, path, format, encoding) "
                "VALUES (?, ?, ?, ?, ?)",
                [sha256, name, path, fmt, encoding],
            )
        )

    def finish_import_file(
        self,
        conn: sqlite3.Connection,
        file_id: int,
        *,
        rows_read: int,
        imported: int,
        duplicates: int,
        out_of_scope: int,
        rejected: int,
    ) -> None:
        """Store what the import of ``file_id`` did, before its transaction commits."""
        conn.execute(
            "UPDATE import_files SET rows_read = ?, imported = ?, duplicates = ?, "
            "out_of_scope = ?, rejected = ? WHERE id = ?",
            [rows_read, imported, duplicates, out_of_scope, rejected, file_id],
        )

    def writer(self, conn: sqlite3.Connection, file_id: int) -> AdWriter:
        """The row writer of one import file, inside its transaction."""
        return AdWriter(conn, file_id)

    def index_new_ads(self, conn: sqlite3.Connection) -> int:
        """Add ads not yet in the full-text index (in bulk: far faster than a trigger per
        row). Returns how many."""
        upto = int(self.meta("fts_upto", conn) or 0)
        top = conn.execute("SELECT coalesce(max(id), 0) FROM job_ads").fetchone()[0]
        if top > upto:
            conn.execute(
                "INSERT INTO job_ads_fts (rowid, title, company, description) "
                "SELECT id, title, company, description FROM job_ads WHERE id > ? ORDER BY id",
                [upto],
            )
            self.set_meta(conn, "fts_upto", str(top))
        return int(top - upto)

    # ------------------------------------------------------------------ reclassify
    def classified_batch(
        self, conn: sqlite3.Connection, after: int, size: int, *, descriptions: bool
    ) -> list[tuple[int, str, str, str, str | None, str | None, str, int | None, str]]:
        """The next ``size`` ads after id ``after``: (id, title, industry, posted_on, sector,
        window, role, role_rule, description or '' when not asked for)."""
        return conn.execute(
            "SELECT id, title, industry, posted_on, sector, window, role, role_rule, "
            "CASE WHEN ? THEN description ELSE '' END "
            "FROM job_ads WHERE id > ? ORDER BY id LIMIT ?",
            [int(descriptions), after, size],
        ).fetchall()

    def set_classes(
        self,
        conn: sqlite3.Connection,
        updates: Iterable[tuple[str | None, str | None, str, int | None, int]],
    ) -> None:
        """(sector, window, role, role_rule, ad id) per ad."""
        conn.executemany(
            "UPDATE job_ads SET sector = ?, window = ?, role = ?, role_rule = ? WHERE id = ?",
            updates,
        )

    def clear_terms(self, conn: sqlite3.Connection) -> None:
        """Forget every skill term found (reclassify counts them again)."""
        conn.execute("DELETE FROM job_ad_terms")

    def add_terms(self, conn: sqlite3.Connection, pairs: Iterable[tuple[str, int]]) -> None:
        """(skill term, ad id) pairs, in one executemany."""
        conn.executemany(_INSERT_TERMS, pairs)
