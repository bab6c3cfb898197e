"""``measure_agreement``: the figures of ``mpu-qual agreement``, per code and overall.

Per code: percent agreement, Cohen's kappa (exactly two coders, else None), Krippendorff's
alpha (nominal, any number of coders) and the number of units; ``overall`` pools every
(unit, code) pair. The JSON form is exactly::

    {"unit": "segment", "coders": ["alice", "bob"],
     "overall": {"percent": ..., "kappa": ..., "alpha": ..., "units": ...},
     "codes": {"<code id>": {"percent": ..., "kappa": ..., "alpha": ..., "units": ...}}}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mpu_qual.store import Project
from mpu_qual.team.agreement import Stats, pooled, statistics
from mpu_qual.team.units import Scope, build_scope, code_tally


@dataclass
class AgreementReport:
    unit: str
    coders: list[str]
    sources: list[str]
    overall: Stats
    codes: dict[str, Stats]  # codebook order
    labels: dict[str, tuple[str, str]]  # code id -> (English, Chinese)
    units_per_code: int

    def to_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "coders": list(self.coders),
            "overall": self.overall.as_dict(),
            "codes": {cid: s.as_dict() for cid, s in self.codes.items()},
        }

    def worst_first(self) -> list[str]:
        """Code ids from the least to the most agreement (alpha, then percent; undefined
        alpha after defined ones)."""

        def key(cid: str) -> tuple:
            s = self.codes[cid]
            return (s.alpha is None, s.alpha if s.alpha is not None else 0.0, s.percent or 0.0)

        return sorted(self.codes, key=key)


def report_from_scope(project: Project, scope: Scope) -> AgreementReport:
    tallies = {cid: code_tally(scope, cid) for cid in scope.codes}
    labels = {c.id: (c.label_en, c.label_zh) for c in project.codes.list() if c.id in tallies}
    return AgreementReport(
        unit=scope.unit,
        coders=scope.coders,
        sources=[s.name for s in scope.sources],
        overall=statistics(pooled(tallies.values(), len(scope.coders))),
        codes={cid: statistics(t) for cid, t in tallies.items()},
        labels=labels,
        units_per_code=scope.units_per_code(),
    )


def measure_agreement(
    project: Project,
    *,
    coders: list[str] | None = None,
    codes: list[str] | None = None,
    sources: list[str] | None = None,
    unit: str = "segment",
) -> AgreementReport:
    """Agreement of ``coders`` (default: everyone with codings) on ``codes`` (default: every
    code one of them used) over ``sources`` (default: every transcript)."""
    scope = build_scope(project, coders=coders, codes=codes, sources=sources, unit=unit)
    return report_from_scope(project, scope)
