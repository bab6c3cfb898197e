"""A purge reaches the framework-cell summaries: the researcher's words about a participant.

Real project files: the demo project, a confidential transcript imported from a file, summaries
written (and edited, so the undo journal holds old versions) through the store API, backups
made with SQLite's backup API. Afterwards the raw bytes of every file in the folder are
searched (``files_containing``), not only the database.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from mpu_qual.maintenance.purge import files_containing, purge_participant_name, purge_transcript
from mpu_qual.safety import backup
from mpu_qual.store import Project
from mpu_qual.store.analysis_reads import FrameworkSummaries

SRC = "focus-group-2025-12-08"
NAME = "Chan Siu-ming 陳小明"
SECRET = "the passcode is Zyxwvut-4417 保密資料九九"
TE1_LINE = "Now about PLC technicians and training."


def files_with(folder: Path, needle: str) -> list[str]:
    return [str(p.relative_to(folder)) for p in files_containing(folder, needle)]


def summaries(p: Project) -> dict[str, str]:
    labels = {pp.id: pp.label for pp in p.participants.list()}
    out = {}
    for s in FrameworkSummaries(p).list():
        who = labels[s.participant_id] if s.participant_id else s.group_id
        out[f"{who} x {s.code_id}"] = s.summary
    return out


def backup_summaries(folder: Path) -> list[list[str]]:
    found = []
    for info in backup.list_backups(folder):
        conn = sqlite3.connect(f"{info.path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            found.append([r[0] for r in conn.execute("SELECT summary FROM framework_summaries")])
        finally:
            conn.close()
    return found


def test_purging_a_name_cuts_it_out_of_summaries_their_history_and_backups(
    demo_dir: Path,
) -> None:
    with Project.open(demo_dir) as p:
        store = FrameworkSummaries(p)
        p.participants.set("IL2", name=NAME)
        store.set("factors", "陳小明 says banks will not lend for machines.", participant="IL2")
        store.set(  # the journal keeps the first version
            "factors",
            "Chan Siu-ming 陳小明: banks will not lend; leasing instead.",
            participant="IL2",
        )
        store.set("factors", "Finance is hard (chan siu-ming, IL1).", group="industry_leader")
        store.set("training.core", "Land and power first.", participant="IL1")
        backup.make_backup(demo_dir, "manual")
        assert any(f.startswith("backups/") for f in files_with(demo_dir, "陳小明"))  # control
        assert any(f.startswith("backups/") for f in files_with(demo_dir, "chan siu-ming"))

        report = purge_participant_name(p, "IL2", purge_backups=True)

        assert report.summaries_scrubbed == 2
        assert report.still_mentioned == [] and report.files_with_traces == []
        assert summaries(p) == {
            "IL2 x factors": "[purged]: banks will not lend; leasing instead.",
            "industry_leader x factors": "Finance is hard ([purged], IL1).",
            "IL1 x training.core": "Land and power first.",
        }
        for needle in (NAME, "陳小明", "Chan Siu-ming", "chan siu-ming"):
            assert files_with(demo_dir, needle) == [], f"{needle!r} is still on disk"
        in_backups = backup_summaries(demo_dir)
        # the automatic backup before the first write holds no summaries yet
        assert any(in_backups) and all(
            "Finance is hard ([purged], IL1)." in b for b in in_backups if b
        )
        # undo still works and brings back the scrubbed earlier version, not the name
        assert p.history.undo() == "Summarise IL1 x training.core"
        assert p.history.undo() == "Summarise group industry_leader x factors"
        assert p.history.undo() == "Summarise IL2 x factors"
        assert summaries(p)["IL2 x factors"] == "[purged] says banks will not lend for machines."
        assert p.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.mark.parametrize("removed_first", [False, True], ids=["stored", "removed-undoable"])
def test_purging_a_transcript_deletes_summaries_of_only_it_and_cuts_its_quotes(
    demo_dir: Path, removed_first: bool
) -> None:
    confidential = demo_dir.parent / "confidential.txt"
    confidential.write_text(
        f"[00:00:01] IL9: Before we start, {SECRET}.\n[00:00:09] TE1: Thank you. {TE1_LINE}\n",
        encoding="utf-8",
    )
    with Project.open(demo_dir) as p:
        src = p.sources.import_file(confidential, name="confidential")
        at = src.text.index(SECRET)
        p.codings.add(src, at, at + len(SECRET), "factors")
        te1 = src.text.index(TE1_LINE)
        p.codings.add(src, te1, te1 + len(TE1_LINE), "factors")
        demo = p.sources.segments(SRC)
        il1 = next(s for s in demo if s.speaker == "IL1")
        p.codings.add(SRC, il1.start, il1.end, "factors")  # industry leaders: also here
        store = FrameworkSummaries(p)
        store.set("factors", f"Worried about secrets: '{SECRET}'.", participant="IL9")
        store.set("factors", f"IL9 to a training expert: {SECRET}", participant="IL9")
        store.set("factors", f"Said '{SECRET}'; IL1 on land.", group="industry_leader")
        store.set("factors", f"TE1 moved on: '{TE1_LINE}'", participant="TE1")
        store.set("factors", "Land and power first.", participant="IL1")
        backup.make_backup(demo_dir, "manual")
        assert any(f.startswith("backups/") for f in files_with(demo_dir, "Zyxwvut"))  # control
        if removed_first:  # its codings and segments are then only in the undo journal
            p.sources.remove("confidential")

        report = purge_transcript(p, "confidential", purge_backups=True)

        # IL9 and TE1 were coded (factors) only in the purged transcript: their summaries
        # summarised nothing else; the industry leaders' cell keeps IL1's passage elsewhere
        assert report.summaries_removed == 2
        assert report.summaries_scrubbed == 1
        assert report.summaries_to_check == ["group industry_leader x factors"]
        assert summaries(p) == {
            "industry_leader x factors": "Said '[purged]'; IL1 on land.",
            "IL1 x factors": "Land and power first.",
        }
        for needle in ("Zyxwvut", "保密資料九九", TE1_LINE):
            assert files_with(demo_dir, needle) == [], f"{needle!r} is still on disk"
        in_backups = backup_summaries(demo_dir)
        assert any(in_backups) and all(
            sorted(b) == ["Land and power first.", "Said '[purged]'; IL1 on land."]
            for b in in_backups
            if b
        )
        # the rest of the history still undoes cleanly
        assert p.history.undo() == "Summarise IL1 x factors"
        assert p.history.undo() == "Summarise group industry_leader x factors"
        assert "industry_leader x factors" not in summaries(p)
        assert p.conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_a_short_name_is_cut_out_as_a_word_only(demo_project: Project) -> None:
    p = demo_project
    p.participants.set("IL1", name="Ann")
    FrameworkSummaries(p).set(
        "factors", "Ann (ann.) wants an annual plan; ANN agrees.", participant="IL1"
    )
    report = purge_participant_name(p, "IL1")
    assert report.summaries_scrubbed == 1
    assert summaries(p) == {
        "IL1 x factors": "[purged] ([purged].) wants an annual plan; [purged] agrees."
    }


def test_cli_purge_reports_the_summaries(cli, demo_dir: Path) -> None:
    with Project.open(demo_dir) as p:
        p.participants.set("IL1", name=NAME)
        FrameworkSummaries(p).set("factors", "陳小明 on land.", participant="IL1")
    res = cli("-p", str(demo_dir), "purge", "name", "IL1", "--yes", "--purge-backups")
    assert res.exit_code == 0, res.stderr
    assert "Framework summaries: 1 with words cut out ([purged])." in res.stdout
    assert files_with(demo_dir, "陳小明") == []
