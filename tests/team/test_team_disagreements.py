"""``mpu-qual agreement --disagreements`` and the review decisions behind the review screen."""

from __future__ import annotations

import json

import pytest

from mpu_qual.errors import MpuQualError
from mpu_qual.store import Project
from mpu_qual.team.disagreements import find_disagreements, resolve

CODE = "factors.ecosystem.finance"


@pytest.fixture
def pair(demo_project: Project) -> Project:
    """alice and bob on the demo: agree on segment 1, differ on 2 and 3 (and on extents)."""
    p = demo_project
    src = p.sources.list()[0]
    s1, s2, s3 = p.sources.segments(src)[:3]
    p.codings.add_many(src, s1.start, s1.end, [CODE], coder="alice")
    p.codings.add_many(src, s1.start, s1.end - 10, [CODE], coder="bob", memo="shorter")
    p.codings.add_many(src, s2.start, s2.end, [CODE], coder="alice", memo="A thinks so")
    p.codings.add_many(src, s3.start + 5, s3.end, [CODE], coder="bob")
    p.codings.add_many(src, s3.start, s3.start + 4, ["factors.ecosystem.standards"], coder="alice")
    return p


def test_listing_worst_codes_first_with_text(pair: Project, cli) -> None:
    report, items = find_disagreements(pair)
    assert {d.code_id for d in items} == {CODE, "factors.ecosystem.standards"}
    finance = [d for d in items if d.code_id == CODE]
    assert [(d.segment, d.coded_by, d.not_coded_by) for d in finance] == [
        (2, ["alice"], ["bob"]),
        (3, ["bob"], ["alice"]),
    ]
    src = pair.sources.list()[0]
    seg2 = pair.sources.segments(src)[1]
    assert finance[0].text == src.text[seg2.start : seg2.end]
    # worst first: alpha ascending
    alphas = [report.codes[c].alpha for c in dict.fromkeys(d.code_id for d in items)]
    defined = [a for a in alphas if a is not None]
    assert defined == sorted(defined)
    # char unit: runs where the pattern of coders differs (segment 1's last 10 characters too)
    _r, runs = find_disagreements(pair, unit="char", codes=[CODE])
    s1 = pair.sources.segments(src)[0]
    assert (s1.end - 10, s1.end) in [(d.start, d.end) for d in runs]
    assert all(d.text == src.text[d.start : d.end] for d in runs)
    res = cli("-p", str(pair.folder), "agreement", "--disagreements")
    assert res.exit_code == 0, res.output
    assert "segment 2: coded by alice; not by bob" in res.stdout
    data = json.loads(
        cli("-p", str(pair.folder), "agreement", "--disagreements", "--format", "json").stdout
    )
    assert data["disagreements"][0]["coded_by"] and data["coders"] == ["alice", "bob"]
    csv_out = cli("-p", str(pair.folder), "agreement", "--disagreements", "--format", "csv")
    assert csv_out.stdout.splitlines()[0].startswith("code,source,segment")


def test_accept_both_neither_are_undoable_and_settle_the_unit(pair: Project) -> None:
    def finance_units():
        return {d.segment: d for d in find_disagreements(pair, codes=[CODE])[1]}

    units = finance_units()
    before = sorted((c.coder, c.start, c.end, c.memo) for c in pair.codings.list(code=CODE))
    # accept alice's coding of segment 2: bob gets a copy, with alice's memo
    assert resolve(pair, units[2], "accept", "alice") == 1
    assert 2 not in finance_units()
    bob = [c for c in pair.codings.list(code=CODE) if c.coder == "bob"]
    assert any(c.start == units[2].start and c.memo == "A thinks so" for c in bob)
    assert pair.history.recent(1)[0]["description"].startswith("Review: accept alice's coding")
    pair.history.undo()
    assert 2 in finance_units()
    # neither: bob's coding of segment 3 goes
    assert resolve(pair, units[3], "neither") == 1
    assert 3 not in finance_units()
    pair.history.undo()
    # both: alice gets bob's segment-3 coding
    assert resolve(pair, units[3], "both") == 1
    assert 3 not in finance_units()
    pair.history.undo()
    assert sorted((c.coder, c.start, c.end, c.memo) for c in pair.codings.list(code=CODE)) == before
    with pytest.raises(MpuQualError, match="not one of the coders"):
        resolve(pair, units[3], "accept", "zoe")
    with pytest.raises(MpuQualError, match="unknown decision"):
        resolve(pair, units[3], "maybe")
