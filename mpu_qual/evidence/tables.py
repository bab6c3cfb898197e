"""The report's desk-research tables, computed from classified ads with GROUP BY.

Per sector and survey window: the number of ads and the three main roles with count and share
(one decimal, half up, of that sector-window's ads). The "other" bucket is counted in the ads
but never ranked. Totals are the sum over sectors; changes compare consecutive windows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlite_utils

from mpu_qual.evidence.rules import Rules
from mpu_qual.store.job_ad_reads import JobAdReads

TOP_N = 3


def pct(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole``, one decimal, rounded half up (as printed)."""
    if whole == 0:
        return None
    value = Decimal(part * 100) / Decimal(whole)
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def change_pct(before: int, after: int) -> float | None:
    """Percentage change from ``before`` to ``after`` (one decimal); None when before is 0."""
    if before == 0:
        return None
    value = Decimal((after - before) * 100) / Decimal(before)
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass
class RoleCount:
    role: str
    count: int
    share: float | None


@dataclass
class Cell:
    """One sector in one window."""

    ads: int
    top: list[RoleCount]


@dataclass
class JobTables:
    """Everything ``jobs table`` prints; ``to_json`` is the contract other tools read."""

    windows: list[tuple[str, str, str]]  # label, start, end (ISO)
    sectors: list[str]
    totals: dict[str, int]
    cells: dict[str, dict[str, Cell]]  # sector -> window -> cell
    change: dict[str, float | None]  # "all" and each sector: last window vs the one before
    out_of_scope: dict[str, int] = field(default_factory=dict)
    rules_stale: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "windows": {label: [start, end] for label, start, end in self.windows},
            "totals": dict(self.totals),
            "change_pct": dict(self.change),
            "sectors": {
                s: {
                    w: {
                        "ads": cell.ads,
                        "top": [
                            {"role": r.role, "count": r.count, "share": r.share} for r in cell.top
                        ],
                    }
                    for w, cell in self.cells[s].items()
                }
                for s in self.sectors
            },
        }


def rules_stale(db: sqlite_utils.Database, rules: Rules) -> bool:
    """True when the ads were classified with other rules than ``rules`` (reclassify!)."""
    stored = JobAdReads(db).meta("rules_sha256")
    return bool(stored and stored != rules.sha256)


def compute_tables(db: sqlite_utils.Database, rules: Rules) -> JobTables:
    """All sector-window tables in one GROUP BY over the (window, sector, role) index."""
    windows = [w.label for w in rules.windows]
    sectors = [s.label for s in rules.sectors]
    role_order = {r.label: i for i, r in enumerate(rules.roles)}
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for window, sector, role, n in JobAdReads(db).cell_counts():
        counts.setdefault((sector, window), {})[role] = n
    cells: dict[str, dict[str, Cell]] = {}
    totals = {w: 0 for w in windows}
    for s in sectors:
        cells[s] = {}
        for w in windows:
            by_role = counts.get((s, w), {})
            ads = sum(by_role.values())
            ranked = sorted(
                ((role, n) for role, n in by_role.items() if role in role_order),
                key=lambda rn: (-rn[1], role_order[rn[0]]),
            )[:TOP_N]
            cells[s][w] = Cell(ads, [RoleCount(role, n, pct(n, ads)) for role, n in ranked])
            totals[w] += ads
    change: dict[str, float | None] = {}
    if len(windows) >= 2:
        before, after = windows[-2], windows[-1]
        change["all"] = change_pct(totals[before], totals[after])
        for s in sectors:
            change[s] = change_pct(cells[s][before].ads, cells[s][after].ads)
    oos = JobAdReads(db).out_of_scope_counts()
    return JobTables(
        windows=[(w.label, w.start.isoformat(), w.end.isoformat()) for w in rules.windows],
        sectors=sectors,
        totals=totals,
        cells=cells,
        change=change,
        out_of_scope=oos,
        rules_stale=rules_stale(db, rules),
    )


@dataclass
class RoleSummary:
    role: str
    en: str
    count: int
    share: float | None


def role_counts(
    db: sqlite_utils.Database,
    rules: Rules,
    *,
    sector: str | None = None,
    window: str | None = None,
) -> list[RoleSummary]:
    """Ads per role (in scope, optionally one sector/window), 'other' last."""
    rows = JobAdReads(db).role_counts(sector=sector, window=window)
    total = sum(rows.values())
    out = [
        RoleSummary(r.label, r.en, rows.get(r.label, 0), pct(rows.get(r.label, 0), total))
        for r in rules.roles
    ]
    o = rules.other
    out.append(RoleSummary(o.label, o.en, rows.get(o.label, 0), pct(rows.get(o.label, 0), total)))
    return out


def unmatched_titles(
    db: sqlite_utils.Database, rules: Rules, *, limit: int = 50, in_scope_only: bool = True
) -> list[tuple[str, int]]:
    """Titles that fell into 'other', most frequent first (ties by title)."""
    return JobAdReads(db).unmatched_titles(
        rules.other.label, limit=limit, in_scope_only=in_scope_only
    )


@dataclass
class SkillCount:
    term: str
    ads: int
    share: float | None


def skill_counts(
    db: sqlite_utils.Database,
    rules: Rules,
    *,
    sector: str | None = None,
    window: str | None = None,
) -> tuple[int, list[SkillCount]]:
    """Ads (in scope) mentioning each skill term, with the share of all ads in that scope."""
    total, found = JobAdReads(db).skill_counts(sector=sector, window=window)
    items = [
        SkillCount(t.term, found.get(t.term, 0), pct(found.get(t.term, 0), total))
        for t in rules.terms
    ]
    items.sort(key=lambda s: -s.ads)  # stable: rules order breaks ties
    return total, items
