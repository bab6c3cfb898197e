"""Backups (automatic and manual) and restore, on real project files."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from safety_helpers import codings_in, raw

from mpu_qual.errors import MpuQualError
from mpu_qual.maintenance.restore import restore_backup
from mpu_qual.safety import backup
from mpu_qual.store import Project

SRC = "focus-group-2025-12-08"


def reasons(folder: Path) -> list[str]:
    return [b.reason for b in backup.list_backups(folder)]


def test_a_backup_is_a_whole_private_single_file_copy(demo_project: Project) -> None:
    demo_project.codings.add(SRC, 0, 10, "factors")
    info = backup.make_backup(demo_project.folder, "before the report")
    assert info.kind == "manual" and info.reason == "before-the-report"
    assert backup.NAME_RE.match(info.name)
    assert codings_in(info.path) == 1
    conn = raw(info.path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # no -wal needed
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()
    meta = info.meta()
    assert meta["reason"] == "before-the-report" and meta["fingerprint"]
    assert meta["codebook"] == demo_project.codebook_path.read_text(encoding="utf-8")
    assert [p.name for p in info.path.parent.iterdir() if p.name.startswith(".")] == []


def test_a_backup_taken_during_another_write_sees_only_committed_data(demo_dir: Path) -> None:
    writer = sqlite3.connect(demo_dir / "project.db", isolation_level=None)
    writer.execute("PRAGMA trusted_schema = ON")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("DELETE FROM segments")  # uncommitted, and it stays that way
    try:
        info = backup.make_backup(demo_dir)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    conn = raw(info.path)
    try:
        assert conn.execute("SELECT count(*) FROM segments").fetchone()[0] > 0
    finally:
        conn.close()


@pytest.mark.parametrize("operation", ["autocode", "import", "merge", "codebook-sync"])
def test_every_bulk_operation_is_preceded_by_a_backup_of_the_state_before_it(
    demo_dir: Path, operation: str
) -> None:
    with Project.open(demo_dir) as p:
        p.codings.add(SRC, 0, 10, "factors.ecosystem.finance")
        before = len(p.codings.list())
        sources_before = len(p.sources.list())
        if operation == "autocode":
            p.codings.autocode("manpower.technical", phrase="PLC")
        elif operation == "import":
            f = demo_dir.parent / "more.txt"
            f.write_text("[00:00:01] IL1: More text.\n", encoding="utf-8")
            p.sources.import_file(f)
        elif operation == "merge":
            p.codes.merge("factors.ecosystem.finance", "factors.ecosystem.infrastructure")
        else:
            text = p.codebook_path.read_text(encoding="utf-8")
            edited = demo_dir.parent / "edited.yaml"
            edited.write_text(text.replace("en: Access to finance", "en: Finance"), "utf-8")
            p.codebook.sync(edited)
    latest = backup.list_backups(demo_dir)[0]
    assert latest.reason == operation and latest.kind == "auto"
    conn = raw(latest.path)
    try:
        assert conn.execute("SELECT count(*) FROM codings").fetchone()[0] == before
        assert conn.execute("SELECT count(*) FROM sources").fetchone()[0] == sources_before
        assert conn.execute(
            "SELECT label_en FROM codes WHERE id = 'factors.ecosystem.finance'"
        ).fetchone() == ("Access to finance",)
    finally:
        conn.close()


def test_the_open_backup_comes_with_the_first_write_and_not_for_reading(
    demo_dir: Path, cli
) -> None:
    p_ = ("-p", str(demo_dir))
    for args in (("transcripts", "list"), ("code", "list"), ("search", "PLC")):
        assert cli(*p_, *args).exit_code == 0
    assert backup.list_backups(demo_dir) == []  # reading makes no backups
    with Project.open(demo_dir) as p:
        p.codings.add(SRC, 0, 10, "factors")
        p.codings.add(SRC, 10, 20, "factors")
    assert reasons(demo_dir) == ["open"]  # the state as opened, once per session
    conn = raw(backup.list_backups(demo_dir)[0].path)
    try:
        assert conn.execute("SELECT count(*) FROM codings").fetchone()[0] == 0
    finally:
        conn.close()
    # another session soon after: the recent backup is enough (cheap for a CLI per command)
    assert cli(*p_, "code", "add", SRC, "--start", "0", "--end", "5", "--code", "factors")
    assert reasons(demo_dir) == ["open"]


def test_unchanged_projects_are_not_backed_up_again(demo_dir: Path) -> None:
    first = backup.auto_backup(demo_dir, "open")
    assert first is not None
    assert backup.auto_backup(demo_dir, "autocode") is None  # nothing changed since
    with Project.open(demo_dir) as p:
        p.codings.add(SRC, 0, 10, "factors")
    assert backup.auto_backup(demo_dir, "autocode") is not None


def test_rotation_keeps_the_newest_automatic_backups_and_every_manual_one(
    demo_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(backup.ENV_KEEP, "3")
    manual = backup.make_backup(demo_dir, "keep me")
    made = []
    with Project.open(demo_dir) as p:
        for i in range(6):
            p.codings.add(SRC, i, i + 5, "factors")
            made.append(backup.auto_backup(demo_dir, f"step {i}"))
    autos = [b for b in backup.list_backups(demo_dir) if b.kind == "auto"]
    assert [b.name for b in autos] == [b.name for b in reversed(made[-3:])]
    assert manual.path.exists()
    assert not any(b.path.exists() or b.sidecar.exists() for b in made[:3])


def test_a_failing_backup_warns_and_the_work_goes_on(demo_dir: Path) -> None:
    (demo_dir / "backups").write_text("not a folder")  # backups/ cannot be created
    seen: list[tuple[str, str]] = []
    from mpu_qual.safety.notices import add_handler, remove_handler

    def handler(level: str, message: str) -> None:
        seen.append((level, message))

    add_handler(handler)
    try:
        with Project.open(demo_dir) as p:
            p.codings.autocode("manpower.technical", phrase="PLC")
            assert p.codings.list()
    finally:
        remove_handler(handler)
    assert any(level == "warning" and "backup" in msg for level, msg in seen)


def test_restore_brings_back_the_data_and_keeps_the_current_state(demo_dir: Path) -> None:
    with Project.open(demo_dir) as p:
        p.codings.add(SRC, 0, 10, "factors")
        good = backup.make_backup(demo_dir)
        p.codings.autocode("manpower.technical", phrase="PLC")
        after = len(p.codings.list())
    viewer = Project.open(demo_dir)  # a window that stays open through the restore
    try:
        report = restore_backup(demo_dir, good.name[:20])
        assert report.restored.name == good.name
        assert report.safety_copy is not None and codings_in(report.safety_copy) == after
        assert len(viewer.codings.list()) == 1  # the open window sees the restored data
    finally:
        viewer.close()
    with Project.open(demo_dir) as p:
        assert not p.readonly and len(p.codings.list()) == 1
        assert p.conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        p.codings.add(SRC, 5, 9, "factors")  # and it keeps working
    assert oct(os.stat(demo_dir / "project.db").st_mode & 0o777) == "0o600"


def test_restore_puts_back_the_codebook_of_that_moment(demo_dir: Path) -> None:
    with Project.open(demo_dir) as p:
        good = backup.make_backup(demo_dir)
        p.codes.add("factors.extra", "Extra", "額外", parent_id="factors")
    restore_backup(demo_dir, good.name)
    with Project.open(demo_dir) as p:
        assert "factors.extra" not in {c.id for c in p.codes.list()}
        assert "factors.extra" not in (demo_dir / "codebook.yaml").read_text(encoding="utf-8")


def test_restore_refuses_a_damaged_backup_and_changes_nothing(demo_dir: Path, snapshot) -> None:
    info = backup.make_backup(demo_dir)
    data = bytearray(info.path.read_bytes())
    data[4096 * 3 : 4096 * 3 + 200] = os.urandom(200)  # a page of the backup is garbage
    info.path.write_bytes(bytes(data))
    before = snapshot(demo_dir)
    with pytest.raises(MpuQualError, match="cannot be restored"):
        restore_backup(demo_dir, info.name)
    assert snapshot(demo_dir) == before
    with pytest.raises(MpuQualError, match="no backup 'nothing-like-this'"):
        restore_backup(demo_dir, "nothing-like-this")


def test_restore_replaces_a_file_sqlite_cannot_even_open(demo_dir: Path) -> None:
    good = backup.make_backup(demo_dir)
    (demo_dir / "project.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(MpuQualError, match="not a readable SQLite database"):
        Project.open(demo_dir)
    report = restore_backup(demo_dir, good.name)
    assert report.safety_copy is not None  # the broken file is kept, raw
    assert (report.safety_copy / "project.db").read_bytes().startswith(b"this is not")
    with Project.open(demo_dir) as p:
        assert not p.readonly and p.sources.list()


def test_cli_backup_list_output_and_restore(cli, demo_dir: Path, tmp_path: Path) -> None:
    p_ = ("-p", str(demo_dir))
    res = cli(*p_, "backup", "--reason", "before merge", "-o", str(tmp_path))
    assert res.exit_code == 0, res.stderr
    assert "Backed up to" in res.stdout and "Copied to" in res.stdout
    assert len(list(tmp_path.glob("project-*.db"))) == 1
    res = cli(*p_, "backup", "--list")
    assert "manual before-merge" in res.stdout and "1 backups" in res.stdout
    name = backup.list_backups(demo_dir)[0].name
    assert cli(*p_, "code", "add", SRC, "--start", "0", "--end", "5", "--code", "factors")
    res = cli(*p_, "restore", name, input="n\n")
    assert res.exit_code == 1  # declined
    res = cli(*p_, "restore", "--latest", "--yes")
    assert res.exit_code == 0, res.stderr
    assert "Restored" in res.stdout and "before-restore" in res.stdout
    res = cli(*p_, "restore")
    assert res.exit_code == 1 and "say which backup" in res.stderr
    assert json.loads(cli(*p_, "code", "list", "--format", "json").stdout) == []
