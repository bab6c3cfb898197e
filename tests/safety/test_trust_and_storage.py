"""A project file from elsewhere is checked before use, and risky folders are pointed out.

A trigger runs whenever we write, so a file that hides one (even under one of our names)
must be refused before any write; the check reads sqlite_master with trusted_schema OFF and
compares every trigger and view with what our own migrations create.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from safety_helpers import raw

from mpu_qual.errors import MpuQualError
from mpu_qual.maintenance import doctor
from mpu_qual.safety.netfs import cloud_folder, filesystem_type, parse_mounts, storage_warning
from mpu_qual.store import Project
from mpu_qual.store.schema_trust import untrusted_objects

SRC = "focus-group-2025-12-08"


def plant(db: Path, sql: str) -> bytes:
    conn = raw(db)
    try:
        conn.execute(sql)
    finally:
        conn.close()
    return db.read_bytes()


@pytest.mark.parametrize(
    "sql",
    [
        # named like one of ours, so a name check alone lets it through
        "CREATE TRIGGER journal_sneaky AFTER INSERT ON codings BEGIN DELETE FROM codings; END",
        "CREATE TRIGGER evil AFTER INSERT ON codings BEGIN DELETE FROM codes; END",
        "CREATE VIEW codings_span_v AS SELECT * FROM codings",
    ],
)
def test_foreign_triggers_and_views_are_refused_before_any_write(demo_dir: Path, sql: str) -> None:
    before = plant(demo_dir / "project.db", sql)
    with pytest.raises(MpuQualError, match="did not create") as err:
        Project.open(demo_dir)
    assert "restore" in (err.value.hint or "") or "mpu-qual" in (err.value.hint or "")
    assert (demo_dir / "project.db").read_bytes() == before  # nothing was written
    report = doctor.diagnose(demo_dir)
    assert "trust" in {f.check for f in report.errors}


def test_one_of_our_triggers_with_changed_sql_is_refused(demo_dir: Path) -> None:
    conn = raw(demo_dir / "project.db")
    try:
        conn.execute("DROP TRIGGER codings_span_insert")
        conn.execute(
            "CREATE TRIGGER codings_span_insert BEFORE INSERT ON codings "
            "BEGIN SELECT 1; END"  # the quote check, silently removed
        )
    finally:
        conn.close()
    with pytest.raises(MpuQualError, match="trigger codings_span_insert"):
        Project.open(demo_dir)


def test_our_own_schema_is_trusted_at_every_migration_level(demo_dir: Path) -> None:
    conn = sqlite3.connect(f"{(demo_dir / 'project.db').resolve().as_uri()}?mode=ro", uri=True)
    try:
        conn.execute("PRAGMA trusted_schema = OFF")
        assert untrusted_objects(conn) == []
    finally:
        conn.close()


def test_some_other_programs_database_is_not_turned_into_a_project(tmp_path: Path) -> None:
    folder = tmp_path / "other"
    folder.mkdir()
    conn = sqlite3.connect(folder / "project.db")
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)")
    conn.commit()
    conn.close()
    before = (folder / "project.db").read_bytes()
    with pytest.raises(MpuQualError, match="not an mpu-qual project file"):
        Project.open(folder)
    assert (folder / "project.db").read_bytes() == before


# ----------------------------------------------------------------------------- storage
MOUNTS = """\
/dev/vda / ext4 rw,relatime 0 0
server:/export /mnt/nfs nfs4 rw,relatime 0 0
//nas/share /mnt/smb cifs rw 0 0
me@host:/home /mnt/ssh fuse.sshfs rw 0 0
C:\\134 /mnt/c 9p rw 0 0
/dev/sdb1 /mnt/my\\040disk ext4 rw 0 0
"""


def test_mount_table_parsing_and_lookup() -> None:
    assert ("/mnt/my disk", "ext4") in parse_mounts(MOUNTS)
    assert filesystem_type("/mnt/nfs/projects/fg", MOUNTS) == "nfs4"
    assert filesystem_type("/mnt/nfsx/fg", MOUNTS) == "ext4"  # a prefix is not a parent
    assert filesystem_type("/mnt/my disk/fg", MOUNTS) == "ext4"


@pytest.mark.parametrize("where", ["/mnt/nfs/p", "/mnt/smb/p", "/mnt/ssh/p", "/mnt/c/p"])
def test_network_filesystems_get_a_warning(where: str) -> None:
    warning = storage_warning(where, MOUNTS)
    assert warning and "network filesystem" in warning and "backup" in warning


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/home/wong/Dropbox/research/fg", "Dropbox"),
        ("/home/wong/OneDrive - Training Board/fg", "OneDrive"),
        ("/Users/wong/Library/CloudStorage/GoogleDrive-wong@example.org/My Drive/fg", None),
        ("/Users/wong/Library/Mobile Documents/com~apple~CloudDocs/fg", "iCloud Drive"),
        ("/home/wong/Google Drive/fg", "Google Drive"),
    ],
)
def test_cloud_synced_folders_get_a_warning(path: str, service: str | None) -> None:
    found = cloud_folder(path)
    assert found is not None and (service is None or found == service)
    warning = storage_warning(path, MOUNTS)
    assert warning and "-wal" in warning


def test_an_ordinary_local_folder_gets_no_warning(tmp_path: Path) -> None:
    assert storage_warning("/home/wong/research/fg", MOUNTS) is None
    assert storage_warning(tmp_path) is None  # the real mount table of this machine


def test_the_cli_shows_the_warning_when_a_project_opens(
    cli, demo_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mpu_qual.safety import netfs

    mounts = tmp_path / "mounts"
    mounts.write_text(f"/dev/vda / ext4 rw 0 0\nsrv:/x {demo_dir.resolve()} nfs rw 0 0\n")
    monkeypatch.setattr(netfs, "MOUNTS_FILE", str(mounts))
    res = cli("-p", str(demo_dir), "transcripts", "list")
    assert res.exit_code == 0
    assert "warning: the project is on a network filesystem (nfs)" in res.stderr
    res = cli("-p", str(demo_dir), "doctor")
    assert "[storage]" in res.stdout
