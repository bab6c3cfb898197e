"""The one place the summary reads job-ad evidence (``mpu_qual.evidence``).

Evidence is optional: when the project has no evidence tables, the summary has no evidence
section. Only reads; never creates the evidence tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mpu_qual.evidence.links import EvidenceLink, list_evidence
from mpu_qual.store import Project


@dataclass(frozen=True)
class EvidenceItem:
    """One linked job-ad figure and where it came from."""

    link_id: int
    query: str  # e.g. "sector=製造, window=2024-2025, role=技術員"
    figure: str  # e.g. "321 of 1,043 ads (30.8%)"
    count: int
    total: int
    computed_at: str
    code_id: str | None
    coding_id: int | None
    note: str | None


def _item(link: EvidenceLink) -> EvidenceItem:
    fig = link.figure
    return EvidenceItem(
        link_id=link.id,
        query=link.query.describe(),
        figure=fig.describe(),
        count=fig.count,
        total=fig.total,
        computed_at=fig.computed_at,
        code_id=link.code_id,
        coding_id=link.coding_id,
        note=link.note,
    )


def evidence_for(
    project: Project, code_ids: Iterable[str], coding_ids: Iterable[int]
) -> list[EvidenceItem]:
    """Figures linked to any of ``code_ids`` or ``coding_ids``; [] when evidence is absent."""
    if not project.evidence_links.tables_exist():
        return []
    out: list[EvidenceItem] = []
    seen: set[int] = set()
    found = [link for cid in code_ids for link in list_evidence(project.db, code_id=cid)]
    found += [link for n in coding_ids for link in list_evidence(project.db, coding_id=n)]
    for link in found:
        if link.id not in seen:
            seen.add(link.id)
            out.append(_item(link))
    return out
