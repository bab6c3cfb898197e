"""Job-ad figures beside a matrix row: the evidence links made on each code (``mpu_qual.evidence``).

A figure reads "term=PLC: 312 of 1,043 ads (29.9%)". When a code has links to the same query
in two time windows, the newer one also says the change in postings since the one before
("+18% since 2023-2024"), so a row reads: "industry leaders raise PLC skills 7 times; 312
ads ask for PLC, +18%".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from mpu_qual.evidence.links import EvidenceLink, list_evidence
from mpu_qual.store import Project


def job_figures(project: Project, code_ids: Iterable[str]) -> dict[str, list[str]]:
    """Per code id, its linked job-ad figures as text (codes without links are absent)."""
    out: dict[str, list[str]] = {}
    for cid in code_ids:
        links = list_evidence(project.db, code_id=cid)
        if links:
            out[cid] = [describe(link, links) for link in links]
    return out


def describe(link: EvidenceLink, siblings: list[EvidenceLink]) -> str:
    text = f"{link.query.describe()}: {link.figure.describe()}"
    change = _change(link, siblings)
    return f"{text}, {change}" if change else text


def _change(link: EvidenceLink, siblings: list[EvidenceLink]) -> str | None:
    """The change in postings since the latest earlier window of the same query."""
    if not link.query.window:
        return None
    same = [
        s
        for s in siblings
        if s.query.window
        and s.query.window < link.query.window
        and replace(s.query, window=None) == replace(link.query, window=None)
    ]
    if not same:
        return None
    before = max(same, key=lambda s: s.query.window or "")
    if not before.figure.count:
        return None
    pct = (link.figure.count - before.figure.count) / before.figure.count * 100
    return f"{pct:+.0f}% since {before.query.window}"
