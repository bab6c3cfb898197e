"""Explain de-duplication: which postings were merged into one ad, and by which rule.

The rule: two postings are one ad when their titles and companies are equal after folding
(letter case, white space, full-width/half-width punctuation), their descriptions are equal up
to white space, and the later one was posted within ``repost_days`` of the ad's first posting.
The same platform and ad id seen twice is always the same posting.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from mpu_qual.evidence.rules import Rules
from mpu_qual.evidence.text import fold


@dataclass
class Posting:
    platform: str
    ad_ref: str | None
    posted_on: str
    title: str
    file: str | None
    line: int | None


@dataclass
class DuplicateGroup:
    """An ad seen more than once; ``postings[0]`` is the earliest, the one kept."""

    ad_id: int
    title: str
    company: str
    folded_title: str
    folded_company: str
    postings: list[Posting]

    @property
    def platforms(self) -> list[str]:
        return sorted({p.platform for p in self.postings}, key=str.casefold)


@dataclass
class DuplicateSummary:
    postings: int
    ads: int
    reposted_ads: int
    merged: int  # postings folded into an earlier one
    by_platforms: list[tuple[str, int]]  # "CTgoodjobs + JobsDB" -> ads


def rule_text(rules: Rules) -> str:
    """The de-duplication rule in words, for ``jobs duplicates``."""
    return (
        "Postings are one ad when the title and company match ignoring letter case, white "
        "space and full-width/half-width punctuation, the description matches ignoring white "
        f"space, and the later posting is within {rules.repost_days} days of the first; the "
        "same platform and ad id is always the same posting. The earliest posting is kept and "
        "every platform is remembered."
    )


def duplicate_summary(db: sqlite_utils.Database) -> DuplicateSummary:
    conn = db.conn
    postings = conn.execute("SELECT count(*) FROM job_ad_postings").fetchone()[0]
    ads = conn.execute("SELECT count(*) FROM job_ads").fetchone()[0]
    reposted = conn.execute(
        "SELECT count(*) FROM (SELECT job_ad_id FROM job_ad_postings GROUP BY job_ad_id "
        "HAVING count(*) > 1)"
    ).fetchone()[0]
    combos = conn.execute(
        "SELECT combo, count(*) FROM (SELECT job_ad_id, group_concat(platform, ' + ') AS combo "
        "FROM (SELECT DISTINCT job_ad_id, platform FROM job_ad_postings "
        "ORDER BY job_ad_id, platform COLLATE NOCASE) GROUP BY job_ad_id HAVING count(*) > 1) "
        "GROUP BY combo ORDER BY count(*) DESC, combo LIMIT 20"
    ).fetchall()
    return DuplicateSummary(postings, ads, reposted, postings - ads, [(c, n) for c, n in combos])


def duplicate_groups(
    db: sqlite_utils.Database, *, limit: int = 50, offset: int = 0
) -> list[DuplicateGroup]:
    """Ads with more than one posting, most-reposted first."""
    conn = db.conn
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT job_ad_id FROM job_ad_postings GROUP BY job_ad_id HAVING count(*) > 1 "
            "ORDER BY count(*) DESC, job_ad_id LIMIT ? OFFSET ?",
            [limit, offset],
        )
    ]
    out: list[DuplicateGroup] = []
    for ad_id in ids:
        title, company = conn.execute(
            "SELECT title, company FROM job_ads WHERE id = ?", [ad_id]
        ).fetchone()
        posts = [
            Posting(*r)
            for r in conn.execute(
                "SELECT p.platform, p.ad_ref, p.posted_on, p.title, f.name, p.line "
                "FROM job_ad_postings p LEFT JOIN import_files f ON f.id = p.file_id "
                "WHERE p.job_ad_id = ? ORDER BY p.posted_on, p.id",
                [ad_id],
            )
        ]
        out.append(DuplicateGroup(ad_id, title, company, fold(title), fold(company), posts))
    return out
