"""Intercoder agreement for binary ratings (a code applied to a unit, or not).

Everything here works on a ``Tally``: for m coders and N units, how many units got the value 1
from exactly j coders (j = 0..m) and how many units each coder gave 1. For binary data that is
a sufficient statistic of all three measures, so a transcript of 200,000 characters never has
to become an array: the tally comes from interval arithmetic (``tally_from_intervals``).
Results are exact rationals turned into floats once, so they equal the reference
implementations (the ``krippendorff`` package, scikit-learn's ``cohen_kappa_score``).

- percent agreement: the share of units on which all coders give the same value;
- Cohen's kappa (exactly two coders): (p_o - p_e) / (1 - p_e), p_e from each coder's own
  marginals; undefined (None) when p_e = 1 (both coders constant and equal);
- Krippendorff's alpha, nominal: 1 - (n - 1) * D / (n_0 * n_1) with D the (0, 1) entry of
  the coincidence matrix (each unit adds n_0u * n_1u / (m - 1)) and n_v the number of values
  v; undefined (None) when only one value occurs (no variation).

No project, no I/O: the store-facing code is in ``mpu_qual.team.units``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Tally:
    """Binary ratings of ``len(ones)`` coders over ``units`` units, as counts."""

    units: int
    hist: tuple[int, ...]  # hist[j]: units where exactly j coders gave 1; len = coders + 1
    ones: tuple[int, ...]  # ones[k]: units where coder k gave 1

    @property
    def coders(self) -> int:
        return len(self.ones)

    def __add__(self, other: Tally) -> Tally:
        """Pooling: the units of both tallies side by side (the same coders)."""
        if other.coders != self.coders:
            raise ValueError("cannot pool tallies of different numbers of coders")
        return Tally(
            self.units + other.units,
            tuple(a + b for a, b in zip(self.hist, other.hist, strict=True)),
            tuple(a + b for a, b in zip(self.ones, other.ones, strict=True)),
        )

    @classmethod
    def empty(cls, coders: int) -> Tally:
        return cls(0, (0,) * (coders + 1), (0,) * coders)


@dataclass(frozen=True)
class Stats:
    """The figures for one code (or pooled); None where a statistic is undefined."""

    percent: float | None
    kappa: float | None
    alpha: float | None
    units: int

    def as_dict(self) -> dict[str, float | int | None]:
        return {
            "percent": self.percent,
            "kappa": self.kappa,
            "alpha": self.alpha,
            "units": self.units,
        }


def tally_from_arrays(values: Sequence[Sequence[int]]) -> Tally:
    """A tally from one 0/1 sequence per coder, all of the same length (one item per unit)."""
    m = len(values)
    if m == 0:
        raise ValueError("no coders")
    n = len(values[0])
    if any(len(v) != n for v in values):
        raise ValueError("every coder needs a value for every unit")
    hist = [0] * (m + 1)
    for column in zip(*values, strict=True):
        j = 0
        for v in column:
            if v not in (0, 1):
                raise ValueError(f"values must be 0 or 1, got {v!r}")
            j += v
        hist[j] += 1
    return Tally(n, tuple(hist), tuple(int(sum(v)) for v in values))


def merge_intervals(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, disjoint, non-empty intervals covering the same points as ``spans``."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(s for s in spans if s[1] > s[0]):
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def tally_from_intervals(coverage: Sequence[Iterable[tuple[int, int]]], length: int) -> Tally:
    """A tally over the ``length`` points 0..length-1 (characters): coder k gives 1 to the
    points inside ``coverage[k]`` (half-open spans, overlaps allowed, clipped to the text)."""
    m = len(coverage)
    if m == 0:
        raise ValueError("no coders")
    events: list[tuple[int, int]] = []
    ones = []
    for spans in coverage:
        merged = merge_intervals((max(0, a), min(length, b)) for a, b in spans)
        ones.append(sum(b - a for a, b in merged))
        for a, b in merged:
            events.append((a, 1))
            events.append((b, -1))
    events.sort()
    hist = [0] * (m + 1)
    depth = 0
    pos = 0
    for at, step in events:
        if at > pos:
            hist[depth] += at - pos
            pos = at
        depth += step
    hist[0] += length - pos if length > pos else 0
    return Tally(length, tuple(hist), tuple(ones))


def percent_agreement(t: Tally) -> float | None:
    if t.units == 0:
        return None
    return (t.hist[0] + t.hist[-1]) / t.units


def cohen_kappa(t: Tally) -> float | None:
    """Cohen's kappa of exactly two coders; None for other numbers or when undefined."""
    if t.coders != 2 or t.units == 0:
        return None
    n = t.units
    a, b = t.ones
    agree = t.hist[0] + t.hist[2]
    expected = a * b + (n - a) * (n - b)  # p_e * n^2
    denominator = n * n - expected
    if denominator == 0:
        return None
    return float(Fraction(agree * n - expected, denominator))


def krippendorff_alpha(t: Tally) -> float | None:
    """Krippendorff's alpha (nominal) with every coder rating every unit; None if undefined."""
    m = t.coders
    if m < 2 or t.units == 0:
        return None
    n = t.units * m  # pairable values
    n1 = sum(t.ones)
    n0 = n - n1
    if n0 == 0 or n1 == 0:
        return None
    disagreeing = sum(h * j * (m - j) for j, h in enumerate(t.hist))  # ordered (0,1) pairs
    return float(1 - Fraction((n - 1) * disagreeing, (m - 1) * n0 * n1))


def statistics(t: Tally) -> Stats:
    """Percent, kappa (two coders only) and alpha of a tally."""
    return Stats(percent_agreement(t), cohen_kappa(t), krippendorff_alpha(t), t.units)


def pooled(tallies: Iterable[Tally], coders: int) -> Tally:
    """All (unit, code) pairs together, as the ``overall`` figures count them."""
    total = Tally.empty(coders)
    for t in tallies:
        total = total + t
    return total
