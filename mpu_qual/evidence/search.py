"""Full-text search over job ads (title, company, description), Chinese and English.

The FTS5 trigram index finds any substring of three characters or more, so 工程師 or "PLC
programming" match inside longer text without a word splitter. Shorter words (two-character
Chinese words such as 維修) cannot use the index; they are matched with LIKE on the rows the
other words leave, or, alone, by a scan. Every word is passed as a quoted FTS phrase, never as
FTS syntax.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils

from mpu_qual.errors import MpuQualError

MAX_QUERY = 500


@dataclass
class AdHit:
    id: int
    title: str
    company: str
    platform: str
    posted_on: str
    sector: str | None
    window: str | None
    role: str
    snippet: str


def _words(text: str) -> list[str]:
    words = text.split()
    if not words:
        raise MpuQualError("empty search", field="text", hint="Give a word or phrase to look for.")
    if len(text) > MAX_QUERY:
        raise MpuQualError(f"search text is longer than {MAX_QUERY} characters", field="text")
    return words


def _phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def match_clause(text: str) -> tuple[str, str, list[Any]]:
    """FROM/JOIN and WHERE fragments (with their arguments) selecting ads containing every word.

    ``a`` is the job_ads alias in the caller's query.
    """
    words = _words(text)
    long_words = [w for w in words if len(w) >= 3]
    short = [w for w in words if len(w) < 3]
    join = ""
    where: list[str] = []
    args: list[Any] = []
    if long_words:
        join = "JOIN job_ads_fts ON job_ads_fts.rowid = a.id"
        where.append("job_ads_fts MATCH ?")
        args.append(" AND ".join(_phrase(w) for w in long_words))
    for w in short:
        where.append(
            "(a.title LIKE ? ESCAPE '\\' OR a.company LIKE ? ESCAPE '\\' "
            "OR a.description LIKE ? ESCAPE '\\')"
        )
        args += [_like(w)] * 3
    return join, " AND ".join(where), args


def _snippet(text: str, words: list[str], width: int = 60) -> str:
    flat = " ".join(text.split())
    low = flat.casefold()
    pos = min((p for p in (low.find(w.casefold()) for w in words) if p >= 0), default=-1)
    if pos < 0:
        return flat[:width] + ("…" if len(flat) > width else "")
    start = max(0, pos - width // 3)
    piece = flat[start : start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(flat) else "")


def search_ads(
    db: sqlite_utils.Database,
    text: str,
    *,
    sector: str | None = None,
    window: str | None = None,
    role: str | None = None,
    in_scope: bool = True,
    limit: int = 50,
) -> tuple[int, list[AdHit]]:
    """Ads containing every word of ``text`` (any case), newest first: (count, first hits)."""
    join, where, args = match_clause(text)
    conds = [where]
    if in_scope:
        conds.append("a.sector IS NOT NULL AND a.window IS NOT NULL")
    for col, val in (("sector", sector), ("window", window), ("role", role)):
        if val is not None:
            conds.append(f"a.{col} = ?")
            args.append(val)
    sql_where = " AND ".join(conds)
    count = db.conn.execute(
        f"SELECT count(*) FROM job_ads a {join} WHERE {sql_where}", args
    ).fetchone()[0]
    rows = db.conn.execute(
        f"SELECT a.id, a.title, a.company, a.platform, a.posted_on, a.sector, a.window, a.role, "
        f"a.description FROM job_ads a {join} WHERE {sql_where} "
        "ORDER BY a.posted_on DESC, a.id DESC LIMIT ?",
        [*args, limit],
    ).fetchall()
    words = text.split()
    hits = [
        AdHit(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            r[6],
            r[7],
            snippet=_snippet(
                r[8] if any(w.casefold() in r[8].casefold() for w in words) else r[1], words
            ),
        )
        for r in rows
    ]
    return count, hits
