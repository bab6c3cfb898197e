"""Privacy: confidential data files are private, and a purge really removes data from disk.

The purge test does not trust the database: it reads the raw bytes of every file in the
project folder (project.db, -wal, -shm, backups, notes) and looks for the secret, in UTF-8
and UTF-16. A positive control first proves the search finds the secret before the purge.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from safety_helpers import mode

from mpu_qual.errors import NotFound
from mpu_qual.fileio import write_text_atomic
from mpu_qual.maintenance.purge import files_containing, purge_participant_name, purge_transcript
from mpu_qual.safety import backup
from mpu_qual.store import Project

SRC = "focus-group-2025-12-08"
NAME = "Chan Siu-ming 陳小明"
SECRET = "the passcode is Zyxwvut-4417 保密資料九九"
SECRET_TRIGRAMS = ("zyx", "yxw", "xwv", "wvu", "vut")


def secret_transcript(folder: Path) -> Path:
    path = folder.parent / "confidential.txt"
    path.write_text(
        "[00:00:01] IL9: Before we start, " + SECRET + ".\n"
        "[00:00:09] TE1: Thank you. Now about PLC technicians and training.\n"
        "[00:00:15] IL9: Zyxwvut again, and " + SECRET + " once more.\n",
        encoding="utf-8",
    )
    return path


def fts_terms(p: Project) -> set[str]:
    p.conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.vocab USING fts5vocab(main, segments_fts, row)"
    )
    return {r[0] for r in p.conn.execute("SELECT term FROM temp.vocab")}


def files_with(folder: Path, needle: str) -> list[str]:
    return [str(p.relative_to(folder)) for p in files_containing(folder, needle)]


@pytest.fixture
def exposed(demo_dir: Path) -> Project:
    """A project where the name and the secret transcript are everywhere SQLite keeps data:
    live rows, the undo journal (a remove that can be undone), backups, the search index."""
    p = Project.open(demo_dir)
    p.participants.set("IL2", name=NAME)
    src = p.sources.import_file(secret_transcript(demo_dir), name="confidential")
    c = p.codings.add(src, src.text.index("Zyx"), src.text.index("Zyx") + 30, "factors")
    p.codings.update(c.id, memo="checked")
    backup.make_backup(demo_dir, "manual")
    p.codings.autocode("training.core", phrase="passcode")  # bulk: an automatic backup first
    p.sources.remove("confidential")  # undoable: the journal still holds the whole text
    p.participants.set("IL2", name="")  # cleared, but the journal holds the old name
    return p


def test_purge_removes_name_and_transcript_from_every_file(exposed: Project) -> None:
    p, folder = exposed, exposed.folder
    viewer = Project.open(folder)  # another window (the TUI) stays open during the purge
    try:
        # positive control: the raw-byte search does find them before the purge
        assert "project.db" in " ".join(
            files_with(folder, NAME) + files_with(folder, SECRET)
        ) or any("wal" in f for f in files_with(folder, SECRET))
        assert any(f.startswith("backups/") for f in files_with(folder, SECRET))
        assert any(f.startswith("backups/") for f in files_with(folder, NAME))

        r1 = purge_participant_name(p, "IL2", purge_backups=True)
        r2 = purge_transcript(p, "confidential", purge_backups=True)
        assert r1.journal_rows >= 2 and r2.journal_rows > 0 and r2.actions_dropped >= 1
        assert r1.checkpoint_complete and r2.checkpoint_complete
        assert r2.backups_scrubbed and not r2.backups_deleted
        assert not r1.files_with_traces and not r2.files_with_traces

        for needle in (NAME, "陳小明", SECRET, "Zyxwvut", "保密資料九九"):
            assert files_with(folder, needle) == [], f"{needle!r} is still on disk"
        assert not set(SECRET_TRIGRAMS) & fts_terms(p)
        names = {f.name for f in folder.iterdir()}
        assert "project.db-wal" not in names or (folder / "project.db-wal").stat().st_size == 0

        # the project is whole and keeps working, and undo cannot bring anything back
        assert p.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert viewer.participants.get("IL2").name is None
        while p.history.undo() is not None:
            pass
        assert "confidential" not in {s.name for s in p.sources.list()}
        assert NAME not in {pp.name for pp in p.participants.list()}
        assert files_with(folder, SECRET) == [] and files_with(folder, NAME) == []
        for info in backup.list_backups(folder):  # cleaned backups still restore
            conn = sqlite3.connect(f"{info.path.resolve().as_uri()}?mode=ro", uri=True)
            try:
                assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
                assert conn.execute(
                    "SELECT count(*) FROM sources WHERE name = 'confidential'"
                ).fetchone() == (0,)
            finally:
                conn.close()
    finally:
        viewer.close()
        p.close()


def test_without_purge_backups_the_backups_keep_it_and_say_so(exposed: Project) -> None:
    report = purge_transcript(exposed, "confidential")
    assert report.backups_untouched >= 2
    left = files_with(exposed.folder, SECRET)
    assert left and all(f.startswith("backups/") for f in left)
    assert report.files_with_traces  # the report lists where it still is
    exposed.close()


def test_purge_deletes_the_original_file_inside_the_project_only(demo_dir: Path) -> None:
    inside = demo_dir / "transcripts" / "secret.txt"
    inside.write_text(secret_transcript(demo_dir).read_text(encoding="utf-8"), encoding="utf-8")
    outside = secret_transcript(demo_dir)
    outside.write_text(outside.read_text(encoding="utf-8") + "[00:00:20] TE1: extra.\n")
    with Project.open(demo_dir) as p:
        p.sources.import_file(inside, name="inside")
        p.sources.import_file(outside, name="outside")
        r_in = purge_transcript(p, "inside")
        r_out = purge_transcript(p, "outside")
    assert not inside.exists() and r_in.files_removed == [inside]
    assert outside.exists() and r_out.files_left == [str(outside)]


def test_purging_something_unknown_is_a_clear_error(demo_project: Project) -> None:
    with pytest.raises(NotFound, match="no participant 'ZZ'"):
        purge_participant_name(demo_project, "ZZ")
    with pytest.raises(NotFound, match="no transcript 'nope'"):
        purge_transcript(demo_project, "nope")


def test_cli_purge_asks_then_purges(cli, demo_dir: Path) -> None:
    p_ = ("-p", str(demo_dir))
    assert cli(*p_, "participants", "set", "IL1", "--name", NAME).exit_code == 0
    res = cli(*p_, "purge", "name", "IL1", input="n\n")
    assert res.exit_code == 1  # declined: nothing happens
    assert any("project.db" in f for f in files_with(demo_dir, NAME))
    res = cli(*p_, "purge", "name", "IL1", "--yes", "--purge-backups")
    assert res.exit_code == 0, res.stderr
    assert "Purged the name of participant IL1" in res.stdout
    assert files_with(demo_dir, NAME) == []
    res = cli(*p_, "purge", "transcript", SRC, "--yes", "--keep-files")
    assert res.exit_code == 0, res.stderr
    assert (demo_dir / "transcripts" / f"{SRC}.txt").exists()
    assert cli(*p_, "purge", "finish").exit_code == 0


# ----------------------------------------------------------------------------- file modes
def test_project_files_backups_and_exports_are_private(demo_dir: Path, tmp_path: Path) -> None:
    with Project.open(demo_dir) as p:
        p.codings.add(SRC, 0, 10, "factors")  # first write: the automatic backup
        p.codings.autocode("training.core", phrase="PLC")  # and one before a bulk operation
        for suffix in ("", "-wal", "-shm"):
            assert mode(Path(str(p.db_path) + suffix)) == 0o600
    infos = backup.list_backups(demo_dir)
    assert infos
    assert mode(demo_dir / "backups") == 0o700
    for info in infos:
        assert mode(info.path) == 0o600 and mode(info.sidecar) == 0o600
    copy = backup.export_backup(demo_dir, tmp_path)
    assert mode(copy) == 0o600
    raw = backup.quarantine(demo_dir, "test")
    assert raw is not None and all(mode(f) == 0o600 for f in raw.iterdir())
    export = write_text_atomic(tmp_path / "quotes.csv", "quote\n")  # what every export uses
    assert mode(export) == 0o600


def test_purge_also_clears_a_review_of_the_transcript_from_the_journal(
    demo_project: Project,
) -> None:
    from mpu_qual.team.disagreements import find_disagreements, resolve

    p = demo_project
    segs = p.sources.segments(SRC)
    p.codings.add(SRC, segs[1].start, segs[1].end, "factors", coder="alice")
    p.codings.add(SRC, segs[2].start, segs[2].end, "factors", coder="bob")
    p.participants.set("IL1", name="Someone")  # an action that stays
    item = find_disagreements(p)[1][0]
    resolve(p, item, "neither")
    assert p.conn.execute("SELECT count(*) FROM review_rejections").fetchone()[0] == 1
    purge_transcript(p, SRC)
    left = p.conn.execute(
        "SELECT count(*) FROM changes WHERE tbl = 'review_rejections'"
    ).fetchone()[0]
    assert left == 0 and p.conn.execute("SELECT count(*) FROM review_rejections").fetchone()[0] == 0
    # what is left of the history still undoes cleanly (no row pointing at the purged transcript)
    assert p.history.undo() == "Edit participant IL1"
    assert p.participants.get("IL1").name is None
    assert p.conn.execute("PRAGMA foreign_key_check").fetchall() == []
