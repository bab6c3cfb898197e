"""Full-text search over job ads (title, company, description), Chinese and English.

The FTS5 trigram index finds any substring of three characters or more, so 工程師 or "PLC
programming" match inside longer text without a word splitter. Shorter words (two-character
Chinese words such as 維修) cannot use the index; they are matched with LIKE on the rows the
other words leave, or, alone, by a scan. Every word is passed as a quoted FTS phrase, never as
FTS syntax.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from mpu_qual.errors import MpuQualError
from mpu_qual.store.job_ad_reads import JobAdReads

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


def search_words(text: str) -> list[str]:
    words = text.split()
    if not words:
        raise MpuQualError("empty search", field="text", hint="Give a word or phrase to look for.")
    if len(text) > MAX_QUERY:
        raise MpuQualError(f"search text is longer than {MAX_QUERY} characters", field="text")
    return words


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
    count, rows = JobAdReads(db).search(
        search_words(text), sector=sector, window=window, role=role, in_scope=in_scope, limit=limit
    )
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
