"""``mpu-qual merge`` carries a colleague's framework-cell summaries: new ones come in, the
same text adds nothing, a different text for a cell summarised here is kept beside ours with
its author, a cell that cannot be placed is reported; all in the merge's one undoable action.

Real project folders (copies of the demo), written through the store API.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mpu_qual.analysis.framework import framework_matrix
from mpu_qual.store import Project
from mpu_qual.store.analysis_reads import FrameworkSummaries
from mpu_qual.team.merge import merge

SRC = "focus-group-2025-12-08"


def cells(folder: Path) -> set[tuple]:
    with Project.open(folder) as p:
        labels = {pp.id: pp.label for pp in p.participants.list()}
        return {
            (labels.get(s.participant_id) or s.group_id, s.code_id, s.summary, s.author)
            for s in FrameworkSummaries(p).list()
        }


@pytest.fixture
def pair(demo_dir: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The lead's project and alice's copy of it, each with summaries written on their own."""
    with Project.open(demo_dir) as p:
        FrameworkSummaries(p).set("factors", "Both say: skills.", group="academic", author="lead")
    alice = tmp_path / "alice"
    shutil.copytree(demo_dir, alice)
    with Project.open(demo_dir) as p:
        FrameworkSummaries(p).set("factors", "Land first.", participant="IL1", author="lead")
    extra = tmp_path / "extra.txt"
    extra.write_text("[00:00:01] IL9: 我哋請唔到人。\n", encoding="utf-8")
    with Project.open(alice) as p:
        store = FrameworkSummaries(p)
        store.set("factors", "Land and power. 土地同電力。", participant="IL1", author="alice")
        store.set("factors", "Banks will not lend.", participant="IL2", author="alice")
        p.sources.import_file(extra, name="extra")  # IL9 is only in alice's project
        store.set("factors", "Cannot hire.", participant="IL9", author="alice")
        segs = p.sources.segments(SRC)
        p.codings.add(SRC, segs[7].start, segs[7].end, "factors", coder="alice")
    return demo_dir, alice


def test_new_identical_and_conflicting_summaries(pair: tuple[Path, Path]) -> None:
    lead, alice = pair
    ours_before = cells(lead)
    with Project.open(lead) as p:
        report = merge(p, alice)
        sp = report.summaries
        assert (sp.added, sp.both_kept, sp.already) == (["IL2 x factors"], ["IL1 x factors"], 1)
        assert sp.left_out == ["IL9 x factors: no participant IL9 in this project"]
        assert report.total_added == 1
        assert p.history.recent(1)[0]["description"] == (
            "Merge alice (1 coding, 2 framework summaries)"
        )
        # the cell shows both texts, each with who wrote it; the lone ones stay plain
        fw = framework_matrix(p, themes=["factors"])
        assert fw.cell("IL1", "factors").summary == (
            "lead: Land first.\n\nalice: Land and power. 土地同電力。"
        )
        assert fw.cell("IL2", "factors").summary == "Banks will not lend."
    assert cells(lead) == ours_before | {
        ("IL1", "factors", "Land and power. 土地同電力。", "alice"),
        ("IL2", "factors", "Banks will not lend.", "alice"),
    }
    with Project.open(lead) as p:  # merging again adds nothing
        again = merge(p, alice)
        assert (again.summaries.total, again.summaries.already) == (0, 3)
        assert again.total_added == 0
        p.history.undo()  # the whole first merge, summaries and coding together
        assert p.codings.list() == []
    assert cells(lead) == ours_before
    assert ("IL9", "factors", "Cannot hire.", "alice") in cells(alice)  # theirs untouched


def test_summaries_and_codings_are_one_transaction(pair, monkeypatch) -> None:
    lead, alice = pair
    before = cells(lead)

    def broken(self, conn, rows):  # noqa: ANN001, ANN202 - the store method's signature
        raise OSError("disk full")

    monkeypatch.setattr(FrameworkSummaries, "insert_rows", broken)
    with Project.open(lead) as p:
        with pytest.raises(OSError, match="disk full"):
            merge(p, alice)
        assert p.codings.list() == []  # the codings written before went back too
    assert cells(lead) == before


def test_cli_merge_says_what_happened_to_the_summaries(pair, cli) -> None:
    lead, alice = pair
    before = cells(lead)
    dry = cli("-p", str(lead), "merge", str(alice), "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert "2 framework summaries would be added; 1 already here." in dry.stdout
    assert cells(lead) == before
    res = cli("-p", str(lead), "merge", str(alice))
    assert res.exit_code == 0, res.stderr
    assert "2 framework summaries added; 1 already here." in res.stdout
    assert "1 cell had a different summary here; both are kept" in res.stderr
    assert "(IL1 x factors)" in res.stderr
    assert "framework summary IL9 x factors: no participant IL9 in this project" in res.stderr
