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
from mpu_qual.store.job_ad_reads import JobAdReads


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
    ads = JobAdReads(db)
    postings, n_ads, reposted = ads.posting_totals()
    return DuplicateSummary(
        postings, n_ads, reposted, postings - n_ads, ads.platform_combinations(20)
    )


def duplicate_groups(
    db: sqlite_utils.Database, *, limit: int = 50, offset: int = 0
) -> list[DuplicateGroup]:
    """Ads with more than one posting, most-reposted first."""
    return [
        DuplicateGroup(
            ad_id, title, company, fold(title), fold(company), [Posting(*r) for r in posts]
        )
        for ad_id, title, company, posts in JobAdReads(db).reposted_ads(limit=limit, offset=offset)
    ]
