"""The statistics themselves, on arrays, against the reference implementations."""

from __future__ import annotations

import random

import numpy as np
import pytest
from reference import reference_stats

from mpu_qual.team.agreement import (
    Tally,
    pooled,
    statistics,
    tally_from_arrays,
    tally_from_intervals,
)


def close(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-9)


@pytest.mark.parametrize("coders", [2, 3, 4])
def test_random_ratings_equal_the_references(coders: int) -> None:
    rng = random.Random(coders)
    for _ in range(60):
        n = rng.randint(1, 60)
        p = rng.random()
        values = [[int(rng.random() < p) for _ in range(n)] for _ in range(coders)]
        ours = statistics(tally_from_arrays(values)).as_dict()
        ref = reference_stats(np.array(values))
        for key in ("percent", "kappa", "alpha", "units"):
            assert close(ours[key], ref[key]), (key, values, ours, ref)


def test_intervals_give_the_same_tally_as_arrays() -> None:
    rng = random.Random(7)
    for _ in range(100):
        length = rng.randint(0, 80)
        coverage, arrays = [], []
        for _k in range(3):
            spans = []
            row = [0] * length
            for _s in range(rng.randint(0, 5)):
                a = rng.randint(-3, length + 2)
                b = a + rng.randint(0, 20)
                spans.append((a, b))
                for i in range(max(0, a), min(length, b)):
                    row[i] = 1
            coverage.append(spans)
            arrays.append(row)
        assert tally_from_intervals(coverage, length) == tally_from_arrays(arrays)


def test_undefined_statistics_are_none() -> None:
    nobody = statistics(tally_from_arrays([[0, 0, 0], [0, 0, 0]]))
    assert nobody.percent == 1.0 and nobody.kappa is None and nobody.alpha is None
    everybody = statistics(tally_from_arrays([[1, 1], [1, 1], [1, 1]]))
    assert everybody.alpha is None and everybody.kappa is None  # kappa: three coders
    opposite = statistics(tally_from_arrays([[0, 0], [1, 1]]))  # varies across coders
    assert opposite.percent == 0.0 and opposite.kappa == 0.0 and opposite.alpha is not None
    empty = statistics(Tally.empty(2))
    assert (empty.percent, empty.kappa, empty.alpha, empty.units) == (None, None, None, 0)


def test_pooling_equals_concatenation() -> None:
    a = [[1, 0, 1, 0], [1, 1, 0, 0]]
    b = [[0, 0, 0], [0, 1, 0]]
    pooled_tally = pooled([tally_from_arrays(a), tally_from_arrays(b)], 2)
    joined = tally_from_arrays([a[0] + b[0], a[1] + b[1]])
    assert pooled_tally == joined
    ref = reference_stats(np.array([a[0] + b[0], a[1] + b[1]]))
    assert close(statistics(pooled_tally).alpha, ref["alpha"])
    assert close(statistics(pooled_tally).kappa, ref["kappa"])
