"""``mpu-qual agreement`` on coders' work made in separate folders and merged, against the
reference implementations on independently built unit arrays."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
from reference import reference_stats, unit_arrays

from mpu_qual.errors import MpuQualError
from mpu_qual.store import Project
from mpu_qual.team.merge import merge
from mpu_qual.team.reliability import measure_agreement


def close(a, b) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-9)


@pytest.fixture
def merged(team: dict[str, Path]) -> Path:
    with Project.open(team["lead"]) as p:
        for name in ("alice", "bob", "carol"):
            merge(p, team[name])
    return team["lead"]


@pytest.mark.parametrize("unit", ["segment", "char"])
@pytest.mark.parametrize("coders", [["alice", "bob"], ["alice", "bob", "carol"]])
def test_figures_equal_the_references(merged: Path, unit: str, coders: list[str]) -> None:
    with Project.open(merged) as p:
        report = measure_agreement(p, coders=coders, unit=unit)
        arrays = unit_arrays(p, coders, unit)
    assert report.coders == coders
    assert sorted(report.codes) == sorted(arrays)  # only codes a chosen coder used
    assert len(arrays) >= 4
    checked = 0
    for code, values in arrays.items():
        ref = reference_stats(values)
        ours = report.codes[code].as_dict()
        for key in ("percent", "kappa", "alpha", "units"):
            assert close(ours[key], ref[key]), (code, key, ours, ref)
        checked += ref["alpha"] is not None
    assert checked >= 3  # real figures, not only undefined ones
    everything = np.concatenate(list(arrays.values()), axis=1)
    ref = reference_stats(everything)
    for key in ("percent", "kappa", "alpha", "units"):
        assert close(report.overall.as_dict()[key], ref[key]), (key, report.overall, ref)
    if len(coders) == 3:
        assert report.overall.kappa is None and all(s.kappa is None for s in report.codes.values())
    else:
        assert report.overall.kappa is not None
    assert 0 < report.overall.alpha < 1


def test_cli_json_shape_filters_and_csv(merged: Path, cli) -> None:
    res = cli("-p", str(merged), "agreement", "--coders", "alice,bob", "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert list(data) == ["unit", "coders", "overall", "codes"]
    assert data["unit"] == "segment" and data["coders"] == ["alice", "bob"]
    assert list(data["overall"]) == ["percent", "kappa", "alpha", "units"]
    for figures in data["codes"].values():
        assert list(figures) == ["percent", "kappa", "alpha", "units"]
        assert figures["units"] == 90 - 0  # every demo segment has text
    assert data["overall"]["units"] == 90 * len(data["codes"])
    one = cli(
        "-p",
        str(merged),
        "agreement",
        "--coders",
        "alice,bob",
        "--code",
        "factors.ecosystem.finance",
        "--unit",
        "char",
        "--format",
        "json",
    )
    d1 = json.loads(one.stdout)
    assert list(d1["codes"]) == ["factors.ecosystem.finance"]
    assert d1["overall"] == d1["codes"]["factors.ecosystem.finance"]
    with Project.open(merged) as p:
        assert d1["overall"]["units"] == p.sources.list()[0].length
    out = merged / "agreement.csv"
    res = cli("-p", str(merged), "agreement", "--format", "csv", "-o", str(out))
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[-1]["code"] == "overall"
    assert {r["code"] for r in rows[:-1]} == set(
        json.loads(cli("-p", str(merged), "agreement", "--format", "json").stdout)["codes"]
    )
    table = cli("-p", str(merged), "agreement", "--source", "focus-group-2025-12-08")
    assert "overall (pooled)" in table.stdout and "alice, bob, carol" in table.stdout


def test_one_coder_and_unknown_coders_are_clear_errors(team: dict[str, Path], cli) -> None:
    res = cli("-p", str(team["alice"]), "agreement")
    assert res.exit_code == 1
    assert "at least two coders; only alice has codings" in res.stderr
    assert "mpu-qual merge" in res.stderr
    assert "--coders" not in res.stderr  # choosing coders cannot help with one coder
    res = cli("-p", str(team["alice"]), "agreement", "--coders", "alice")
    assert res.exit_code == 1
    assert "only alice was chosen" in res.stderr and "--coders A,B" in res.stderr
    res = cli("-p", str(team["alice"]), "agreement", "--coders", "alice,zoe")
    assert res.exit_code == 1
    assert "no codings by a coder named 'zoe'" in res.stderr
    assert "Coders in this project: alice." in res.stderr
    res = cli("-p", str(team["lead"]), "agreement")
    assert res.exit_code == 1 and "nobody has codings" in res.stderr
    with Project.open(team["alice"]) as p, pytest.raises(MpuQualError, match="unknown unit"):
        measure_agreement(p, coders=["alice", "alice"], unit="word")


def test_no_variation_is_null(merged: Path, cli) -> None:
    """Everyone codes the whole transcript with one code: at char unit nobody's value ever
    varies, so kappa and alpha are undefined (null) while percent agreement is 1."""
    with Project.open(merged) as p:
        src = p.sources.list()[0]
        for who in ("alice", "bob"):
            p.codings.add_many(src, 0, src.length, ["manpower.job_market"], coder=who)
    res = cli(
        "-p",
        str(merged),
        "agreement",
        "--code",
        "manpower.job_market",
        "--coders",
        "alice,bob",
        "--unit",
        "char",
        "--format",
        "json",
    )
    data = json.loads(res.stdout)
    assert data["codes"]["manpower.job_market"] == {
        "percent": 1.0,
        "kappa": None,
        "alpha": None,
        "units": src.length,
    }
    assert data["overall"]["alpha"] is None
    table = cli("-p", str(merged), "agreement", "--code", "manpower.job_market", "--unit", "char")
    assert "n/a" in table.stdout
