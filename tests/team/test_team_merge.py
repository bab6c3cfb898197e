"""``mpu-qual merge``: colleagues' folders and QDPX files into one project."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from mpu_qual.errors import MpuQualError
from mpu_qual.refi.qdpx_writer import export_qdpx
from mpu_qual.store import Project
from mpu_qual.team.disagreements import find_disagreements, resolve
from mpu_qual.team.merge import merge


def codings(folder: Path) -> set[tuple]:
    with Project.open(folder) as p:
        return {
            (c.source_name, c.code_id, c.coder, c.start, c.end, c.memo) for c in p.codings.list()
        }


def test_merge_brings_every_coding_with_its_coder_once(team, cli, snapshot) -> None:
    expected = codings(team["alice"]) | codings(team["bob"])
    assert {c[2] for c in expected} == {"alice", "bob"}
    res = cli("-p", str(team["lead"]), "merge", str(team["alice"]))
    assert res.exit_code == 0, res.output
    assert f"{len(codings(team['alice']))} codings added" in res.stdout
    cli("-p", str(team["lead"]), "merge", str(team["bob"]))
    assert codings(team["lead"]) == expected
    before = snapshot(team["lead"])
    again = cli("-p", str(team["lead"]), "merge", str(team["bob"]))
    assert again.exit_code == 0 and "0 codings added" in again.stdout
    assert snapshot(team["lead"]) == before  # merging twice changes nothing
    # one undoable action per merge
    with Project.open(team["lead"]) as p:
        assert p.history.recent(1)[0]["description"].startswith("Merge bob")
        p.history.undo()
    assert codings(team["lead"]) == codings(team["alice"])
    assert codings(team["bob"]) == {c for c in expected if c[2] == "bob"}  # theirs untouched


def test_dry_run_lists_and_changes_nothing(team, cli, snapshot) -> None:
    before = snapshot(team["lead"])
    res = cli("-p", str(team["lead"]), "merge", str(team["carol"]), "--dry-run")
    assert res.exit_code == 0, res.output
    n = len(codings(team["carol"]))
    assert f"{n} codings would be added ({n} by carol)" in res.stdout
    assert res.stdout.count(" by carol\n") == n
    assert snapshot(team["lead"]) == before


def test_transcripts_match_by_text_and_differing_text_is_reported(team, cli, tmp_path) -> None:
    # the lead's copy calls the transcript something else: still the same text
    with Project.open(team["lead"]) as p:
        p.conn.execute("UPDATE sources SET name = 'fg1'")
    res = cli("-p", str(team["lead"]), "merge", str(team["alice"]))
    assert "(here: 'fg1', the same text)" in res.stdout
    assert {c[0] for c in codings(team["lead"])} == {"fg1"}
    # dave's transcript has the same name but one character changed: reported, not merged
    dave = tmp_path / "dave"
    shutil.copytree(team["bob"], dave)
    with Project.open(dave) as p:
        src = p.sources.list()[0]
        p.conn.execute("UPDATE journal_state SET replaying = 1")  # bypass span triggers
        p.conn.execute(
            "UPDATE sources SET name = 'fg1', text = 'X' || substr(text, 2) WHERE id = ?", [src.id]
        )
        p.conn.execute("UPDATE journal_state SET replaying = 0")
    before = codings(team["lead"])
    res = cli("-p", str(team["lead"]), "merge", str(dave))
    assert res.exit_code == 0
    assert "transcript 'fg1' has different text here" in res.stderr
    assert codings(team["lead"]) == before


def test_a_new_code_arrives_under_its_parent(team, cli) -> None:
    with Project.open(team["bob"]) as p:
        p.codes.add("factors.talent_gap.robots", "Robots", "機械人", "factors.talent_gap")
        src = p.sources.list()[0]
        p.codings.add_many(src, 10, 40, ["factors.talent_gap.robots"], coder="bob", memo="new idea")
    skip = cli("-p", str(team["lead"]), "merge", str(team["bob"]), "--skip-new-codes")
    assert "code 'factors.talent_gap.robots' is not in this codebook; 1 coding left out" in (
        skip.stderr
    )
    res = cli("-p", str(team["lead"]), "merge", str(team["bob"]))
    assert "1 new codes added to the codebook: factors.talent_gap.robots" in res.stdout
    with Project.open(team["lead"]) as p:
        code = p.codes.get("factors.talent_gap.robots")
        assert (code.parent_id, code.label_zh) == ("factors.talent_gap", "機械人")
        [c] = p.codings.list(code="factors.talent_gap.robots")
        assert (c.coder, c.memo, c.start, c.end) == ("bob", "new idea", 10, 40)
        assert "factors.talent_gap.robots" in p.codebook_path.read_text(encoding="utf-8")
        p.history.undo()  # the whole merge, code included
        assert "factors.talent_gap.robots" not in {c.id for c in p.codes.list()}
        assert "robots" not in p.codebook_path.read_text(encoding="utf-8")


def test_qdpx_from_a_colleague(team, tmp_path, cli) -> None:
    qdpx = tmp_path / "carol.qdpx"
    with Project.open(team["carol"]) as p:
        export_qdpx(p, qdpx)
    res = cli("-p", str(team["lead"]), "merge", str(qdpx))
    assert res.exit_code == 0, res.output
    assert codings(team["lead"]) == codings(team["carol"])
    again = cli("-p", str(team["lead"]), "merge", str(qdpx))
    assert "0 codings added" in again.stdout


def test_clear_errors(team, tmp_path, cli) -> None:
    lead = str(team["lead"])
    (tmp_path / "empty").mkdir()
    for target, message in [
        (tmp_path / "nowhere", "no such folder or file"),
        (tmp_path / "empty", "not an mpu-qual project (no project.db in this folder)"),
        (team["lead"], "that is this project itself"),
        (team["bob"] / "project.db", "name the project folder, not its database file"),
        (team["bob"] / "codebook.yaml", "not an mpu-qual project folder or a .qdpx file"),
    ]:
        res = cli("-p", lead, "merge", str(target))
        assert res.exit_code == 1, target
        assert message in res.stderr, res.stderr
    bad = tmp_path / "broken.qdpx"
    bad.write_bytes(b"not a zip")
    res = cli("-p", lead, "merge", str(bad))
    assert res.exit_code == 1 and "broken.qdpx" in res.stderr


def test_a_busy_project_is_refused_with_nothing_changed(team) -> None:
    blocker = sqlite3.connect(team["lead"] / "project.db", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with Project.open(team["lead"]) as p:
            p.conn.execute("PRAGMA busy_timeout = 50")
            with pytest.raises(MpuQualError, match="the project is busy"):
                merge(p, team["alice"])
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert codings(team["lead"]) == set()


def test_merging_again_after_a_review_does_not_undo_the_review(team, cli) -> None:
    lead = team["lead"]
    for name in ("alice", "bob"):
        assert cli("-p", str(lead), "merge", str(team[name])).exit_code == 0
    merged = codings(lead)
    with Project.open(lead) as p:
        items = find_disagreements(p)[1]
        assert len(items) >= 2
        resolve(p, items[0], "neither")
        resolve(p, items[1], "accept", items[1].coded_by[0])
        rejected = p.conn.execute("SELECT count(*) FROM review_rejections").fetchone()[0]
    after_review = codings(lead)
    gone = merged - after_review
    assert rejected == len(gone) >= 1
    res = cli("-p", str(lead), "merge", str(team["bob"]))
    res2 = cli("-p", str(lead), "merge", str(team["alice"]))
    assert res.exit_code == 0 and res2.exit_code == 0
    assert "0 codings added" in res.stdout and "0 codings added" in res2.stdout
    said = re.findall(
        r"(\d+) codings? removed by a disagreement review here", res.stdout + res2.stdout
    )
    assert sum(map(int, said)) == len(gone)
    assert codings(lead) == after_review  # the review stands
    # undoing the review forgets its rejections: the codings are back, and a merge adds nothing
    with Project.open(lead) as p:
        assert p.history.undo().startswith("Review: accept")
        assert p.history.undo().startswith("Review: remove")
        assert p.conn.execute("SELECT count(*) FROM review_rejections").fetchone()[0] == 0
    res = cli("-p", str(lead), "merge", str(team["bob"]))
    assert "0 codings added" in res.stdout and "review" not in res.stdout
