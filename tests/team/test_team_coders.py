"""Every coding keeps its coder: listing, undo/redo, code merge, re-scope, QDPX round trip."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import xmlschema

from mpu_qual.refi.import_into_project import import_qdpx_new
from mpu_qual.refi.qdpx_writer import export_qdpx
from mpu_qual.store import Project
from mpu_qual.team.merge import merge

REFI = Path(__file__).resolve().parent.parent / "data" / "refi"


def by_coder(p: Project) -> dict[str, set[tuple]]:
    out: dict[str, set[tuple]] = {}
    for c in p.codings.list():
        out.setdefault(c.coder, set()).add((c.code_id, c.start, c.end, c.memo))
    return out


def test_coders_list(team, cli) -> None:
    lead = str(team["lead"])
    cli("-p", lead, "merge", str(team["alice"]))
    cli("-p", lead, "merge", str(team["bob"]))
    res = cli("-p", lead, "coders", "list", "--format", "json", "--per-transcript")
    rows = {r["coder"]: r for r in json.loads(res.stdout)}
    with Project.open(team["alice"]) as p:
        n_alice = len(p.codings.list())
    assert rows["alice"]["codings"] == n_alice
    assert rows["alice"]["per_transcript"] == {"focus-group-2025-12-08": n_alice}
    assert set(rows) == {"alice", "bob"}
    table = cli("-p", lead, "coders", "list")
    assert "alice" in table.stdout and str(n_alice) in table.stdout
    blind = cli("-p", lead, "coders", "blind", "on")
    assert "Blind mode is on" in blind.stdout
    assert "Blind mode is on" in cli("-p", lead, "coders", "list").stdout
    assert "off" in cli("-p", lead, "coders", "blind", "off").stdout


def test_coders_survive_undo_redo_merge_code_and_rescope(demo_project: Project) -> None:
    p = demo_project
    src = p.sources.list()[0]
    [a] = p.codings.add_many(src, 0, 20, ["factors.ecosystem.finance"], coder="alice")
    [b] = p.codings.add_many(src, 0, 20, ["factors.ecosystem.standards"], coder="bob")
    p.codings.add_many(src, 0, 20, ["factors.ecosystem.finance"], coder="bob")
    p.codings.update(a.id, end=30)  # re-scope
    assert p.codings.get(a.id).coder == "alice"
    # merging standards into finance: bob's two identical codings become one; alice keeps hers
    p.codes.merge("factors.ecosystem.standards", "factors.ecosystem.finance")
    assert by_coder(p) == {
        "alice": {("factors.ecosystem.finance", 0, 30, None)},
        "bob": {("factors.ecosystem.finance", 0, 20, None)},
    }
    after_merge = by_coder(p)
    p.history.undo()
    assert (
        p.codings.get(b.id).coder == "bob"
        and p.codings.get(b.id).code_id == "factors.ecosystem.standards"
    )
    p.history.redo()
    assert by_coder(p) == after_merge
    p.history.undo()
    p.history.undo()  # the re-scope
    assert p.codings.get(a.id).end == 20 and p.codings.get(a.id).coder == "alice"
    assert (
        p.codings.autocode("factors.ecosystem.finance", phrase="Monday", coder="carol").created == 1
    )
    assert (
        p.codings.autocode("factors.ecosystem.finance", phrase="Monday", coder="carol").created == 0
    )
    assert "carol" in by_coder(p)


def test_qdpx_round_trip_keeps_every_coder(team, tmp_path: Path) -> None:
    with Project.open(team["lead"]) as p:
        for name in ("alice", "bob", "carol"):
            merge(p, team[name])
        src = p.sources.list()[0]
        # double coding of one span with one code, with memos: two codings, two GUIDs
        p.codings.add_many(src, 100, 150, ["training.core.technical"], coder="alice", memo="A's")
        p.codings.add_many(src, 100, 150, ["training.core.technical"], coder="bob", memo="B's")
        expected = by_coder(p)
        qdpx = tmp_path / "team.qdpx"
        report = export_qdpx(p, qdpx)
        assert report.codings == sum(len(v) for v in expected.values())
    import_qdpx_new(qdpx, tmp_path / "copy")
    with Project.open(tmp_path / "copy") as q:
        assert by_coder(q) == expected
    from mpu_qual.refi.reader import read_qdpx

    rp = read_qdpx(qdpx)
    assert sorted(rp.users.values()) == ["alice", "bob", "carol"]
    guids = [c.guid for s in rp.sources for sel in s.selections for c in sel.codings]
    assert len(guids) == len(set(guids))
    schema = xmlschema.XMLSchema(str(REFI / "Project.xsd"))
    with zipfile.ZipFile(qdpx) as z:
        schema.validate(z.read("project.qde").decode("utf-8"))
