"""Reference figures for the agreement tests, computed the plain way.

Unit arrays are built here independently of mpu_qual.team (character by character, segment by
segment, straight from the codings table) and handed to the reference implementations: the
``krippendorff`` package and scikit-learn's ``cohen_kappa_score``.
"""

from __future__ import annotations

import warnings

import krippendorff
import numpy as np
from sklearn.metrics import cohen_kappa_score

from mpu_qual.store import Project


def unit_arrays(
    project: Project, coders: list[str], unit: str, sources: list[str] | None = None
) -> dict[str, np.ndarray]:
    """code id -> array (coders x units) of 0/1, for the codes any of ``coders`` used."""
    srcs = [s for s in project.sources.list() if sources is None or s.name in sources]
    codings = [
        c
        for c in project.codings.list()
        if c.coder in coders and c.source_name in {s.name for s in srcs}
    ]
    codes = sorted({c.code_id for c in codings})
    out = {}
    for code in codes:
        rows = []
        for coder in coders:
            mine = [c for c in codings if c.coder == coder and c.code_id == code]
            row: list[int] = []
            for s in srcs:
                if unit == "char":
                    covered = [0] * s.length
                    for c in mine:
                        if c.source_id == s.id:
                            for i in range(c.start, c.end):
                                covered[i] = 1
                    row += covered
                else:
                    for g in project.sources.segments(s):
                        if g.end <= g.start:
                            continue
                        row.append(
                            int(
                                any(
                                    c.source_id == s.id and c.start < g.end and c.end > g.start
                                    for c in mine
                                )
                            )
                        )
            rows.append(row)
        out[code] = np.array(rows)
    return out


def reference_stats(values: np.ndarray) -> dict[str, float | None]:
    """percent, kappa (two coders), alpha of one (coders x units) array."""
    percent = float(np.mean(np.all(values == values[0], axis=0)))
    kappa = None
    if values.shape[0] == 2:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            k = cohen_kappa_score(values[0], values[1])
        kappa = None if np.isnan(k) else float(k)
    try:
        alpha = float(krippendorff.alpha(reliability_data=values, level_of_measurement="nominal"))
    except ValueError:  # "There has to be more than one value in the domain."
        alpha = None
    return {"percent": percent, "kappa": kappa, "alpha": alpha, "units": values.shape[1]}
