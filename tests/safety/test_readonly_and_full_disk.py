"""Read-only projects and full disks: reading works, writes say what is true, nothing changes.

Issue #10 found: ``chmod 444 project.db`` was silently reset to 0600 by any command (and
writes went through); in a read-only folder every command failed with "not a readable SQLite
database: attempt to write a readonly database" and ``doctor`` called the intact file
unreadable and advised a restore; a full disk gave "disk I/O error ... not readable". And the
project folder and ``transcripts/`` followed the umask (0777 under umask 000).

Mode bits count even for root (the tests run as root in CI containers): a user who took
the write bit away meant it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from safety_helpers import mode

from mpu_qual.errors import MpuQualError
from mpu_qual.maintenance import doctor, repair
from mpu_qual.store import Project

SRC = "focus-group-2025-12-08"
ADD = ("code", "add", SRC, "--start", "0", "--end", "12", "--code", "factors")


def long_transcript(path: Path, turns: int) -> Path:
    """A valid transcript of ``turns`` turns (timestamps rising), about 90 bytes a turn."""
    lines = [
        f"[{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}] {'IL1' if i % 2 else 'TP2'}: "
        f"Turn {i}: we need PLC technicians and 技術員 who can read data {i * 7919}."
        for i in range(turns)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def project_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@contextmanager
def read_only(path: Path, bits: int) -> Iterator[None]:
    old = mode(path)
    os.chmod(path, bits)
    try:
        yield
    finally:
        os.chmod(path, old)


def check_doctor_is_calm(cli, folder: Path) -> None:
    """doctor reads the intact file, says why it is read-only, and advises no restore."""
    res = cli("-p", str(folder), "doctor")
    text = res.stdout + res.stderr
    assert res.exit_code == 0, text
    assert "[access]" in text and "healthy" in text
    assert "restore" not in text.lower() and "not a readable" not in text


def test_a_read_only_project_file_stays_read_only_and_refuses_writes(cli, demo_dir: Path) -> None:
    db = demo_dir / "project.db"
    before, files = digest(db), project_files(demo_dir)
    with read_only(db, 0o444):
        res = cli("-p", str(demo_dir), "code", "list", "--format", "json")
        assert res.exit_code == 0 and res.stdout.lstrip().startswith("[")
        assert "project.db is read-only (mode 0444)" in res.stderr
        for args in (ADD, ("undo",), ("participants", "set", "IL1", "--attr", "a=b")):
            res = cli("-p", str(demo_dir), *args)
            assert res.exit_code == 1, args
            assert "project.db is read-only (mode 0444); nothing was changed" in res.stderr
            assert "chmod u+w" in res.stderr
        check_doctor_is_calm(cli, demo_dir)
        assert mode(db) == 0o444  # never reset
        assert digest(db) == before and project_files(demo_dir) == files  # nothing created
    res = cli("-p", str(demo_dir), *ADD)  # writable again: works again
    assert res.exit_code == 0, res.stderr


def test_a_read_only_folder_reads_and_says_why_it_cannot_write(
    cli, demo_dir: Path, tmp_path: Path
) -> None:
    db = demo_dir / "project.db"
    assert cli("-p", str(demo_dir), "backup").exit_code == 0  # one to restore
    before, files = digest(db), project_files(demo_dir)
    with read_only(demo_dir, 0o555):
        res = cli("-p", str(demo_dir), "search", "PLC")
        assert res.exit_code == 0 and "PLC" in res.stdout
        assert "the project folder is read-only" in res.stderr
        out = tmp_path / "quotes.csv"  # exports to elsewhere work
        res = cli("-p", str(demo_dir), "export", "quotes", "--format", "csv", "-o", str(out))
        assert res.exit_code == 0 and out.exists()
        for args in (ADD, ("jobs", "import", str(out)), ("backup",), ("restore", "--latest")):
            res = cli("-p", str(demo_dir), *args)
            assert res.exit_code == 1, (args, res.stdout)
            assert "the project folder is read-only; " in res.stderr, (args, res.stderr)
            assert "Traceback" not in res.stderr and "not a readable" not in res.stderr
        check_doctor_is_calm(cli, demo_dir)
        assert digest(db) == before and project_files(demo_dir) == files
        # a copy on another disk still works
        res = cli("-p", str(demo_dir), "backup", "-o", str(tmp_path / "copy.db"))
        assert res.exit_code == 0, res.stderr
        assert "no backup in backups/" in res.stderr
        copy = sqlite3.connect(f"{(tmp_path / 'copy.db').as_uri()}?mode=ro", uri=True)
        try:
            assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert copy.execute("SELECT count(*) FROM sources").fetchone()[0] > 0
        finally:
            copy.close()


def test_a_read_only_folder_with_unsaved_wal_changes_is_still_read(
    demo_dir: Path, tmp_path: Path
) -> None:
    """Changes still in the WAL (another window has the project open) are read too."""
    writer = Project.open(demo_dir)
    try:
        writer.codings.add(SRC, 0, 12, "factors", memo="only in the WAL")
        assert (demo_dir / "project.db-wal").stat().st_size > 0
        with read_only(demo_dir, 0o555):
            with Project.open(demo_dir) as reader:
                assert reader.readonly
                assert "only in the WAL" in {c.memo for c in reader.codings.list()}
                with pytest.raises(MpuQualError, match="folder is read-only; nothing was changed"):
                    reader.codings.add(SRC, 20, 30, "factors")
    finally:
        writer.close()


def test_a_write_that_finds_the_disk_full_changes_nothing_and_says_so(demo_dir: Path) -> None:
    """SQLITE_FULL in the middle of a transaction (``max_page_count`` makes the file unable to
    grow): the action is rolled back and the message says the disk is full."""
    big = long_transcript(demo_dir.parent / "long-interview.txt", 3000)
    with Project.open(demo_dir) as p:
        p.codings.add(SRC, 0, 5, "factors")  # the first write (and its backup) happen first
        before = [
            p.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("sources", "segments", "actions")
        ]
        pages = p.conn.execute("PRAGMA page_count").fetchone()[0]
        p.conn.execute(f"PRAGMA max_page_count = {pages + 2}")
        with pytest.raises(MpuQualError) as err:
            p.sources.import_file(big)
        assert str(err.value).endswith("the disk is full; nothing was changed")
        after = [
            p.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("sources", "segments", "actions")
        ]
        assert after == before
        assert p.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def _can_mount() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None


@contextmanager
def small_disk(where: Path, size: str) -> Iterator[Path]:
    where.mkdir()
    res = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if res.returncode != 0:
        pytest.skip(f"cannot mount a small disk here: {res.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


@pytest.mark.skipif(not _can_mount(), reason="needs root to mount a small tmpfs (CI runs as root)")
def test_a_full_disk_reads_and_refuses_writes_in_plain_words(
    cli, demo_dir: Path, tmp_path: Path
) -> None:
    with small_disk(tmp_path / "disk", "4m") as disk:
        folder = disk / "project"
        shutil.copytree(demo_dir, folder, ignore=shutil.ignore_patterns("backups"))
        with open(disk / "filler", "wb") as fh:  # fill the disk
            try:
                while True:
                    fh.write(b"\0" * 65536)
            except OSError:
                pass
        before = digest(folder / "project.db")
        res = cli("-p", str(folder), "code", "list", "--format", "json")
        assert res.exit_code == 0 and "the disk is full" in res.stderr
        res = cli("-p", str(folder), *ADD)
        assert res.exit_code == 1 and "the disk is full; nothing was changed" in res.stderr
        res = cli(
            "-p", str(folder), "export", "quotes", "--format", "csv", "-o", str(folder / "q.csv")
        )
        assert res.exit_code == 1 and "the disk is full; nothing was changed" in res.stderr
        assert "disk I/O error" not in res.stderr and "not readable" not in res.stderr
        check_doctor_is_calm(cli, folder)
        assert digest(folder / "project.db") == before
        # with space again, a write that needs more than there is still fails cleanly
        (disk / "filler").unlink()
        with open(disk / "filler", "wb") as fh:
            fh.write(b"\0" * (os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize - (1200 << 10)))
        big = long_transcript(tmp_path / "long.txt", 20_000)
        res = cli("-p", str(folder), "transcripts", "add", str(big))
        assert res.exit_code == 1 and "the disk is full; nothing was changed" in res.stderr
        conn = sqlite3.connect(f"{(folder / 'project.db').as_uri()}?mode=ro", uri=True)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert conn.execute("SELECT count(*) FROM sources WHERE name = 'long'").fetchone() == (
                0,
            )
        finally:
            conn.close()


def test_doctor_repairs_nothing_it_cannot_write(demo_dir: Path) -> None:
    db = demo_dir / "project.db"
    os.chmod(db, 0o644)  # something --repair would fix: readable by others
    with read_only(demo_dir, 0o555):
        report = doctor.diagnose(demo_dir)
        assert report.ok and {"access", "permissions"} <= {f.check for f in report.findings}
        with pytest.raises(MpuQualError, match="folder is read-only; nothing was changed"):
            repair.repair(demo_dir)
        assert mode(db) == 0o644


def test_repair_never_makes_a_read_only_file_writable(demo_dir: Path) -> None:
    db = demo_dir / "project.db"
    (demo_dir / "backups").mkdir(mode=0o700, exist_ok=True)
    loose = demo_dir / "backups" / "note.json"
    loose.write_text("{}")
    os.chmod(loose, 0o444)
    repair.repair(demo_dir)
    assert mode(loose) == 0o400  # private, and still read-only
    assert mode(db) == 0o600


def test_project_folders_are_private_whatever_the_umask(cli, tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        folder = tmp_path / "study"
        res = cli("init", str(folder))
        assert res.exit_code == 0, res.stderr
        assert mode(folder) == 0o700 and mode(folder / "transcripts") == 0o700
        for name in ("project.db", "codebook.yaml", "jobrules.yaml"):
            assert mode(folder / name) == 0o600, name
        transcript = tmp_path / "fg.txt"
        transcript.write_text("[00:00:01] IL1: We need PLC technicians.\n", encoding="utf-8")
        assert cli("-p", str(folder), "transcripts", "add", str(transcript)).exit_code == 0
        assert cli("-p", str(folder), *ADD[:2], "fg", *ADD[3:]).exit_code == 0
        assert mode(folder / "backups") == 0o700
        for side in ("project.db-wal", "project.db-shm"):
            if (folder / side).exists():
                assert mode(folder / side) == 0o600, side
    finally:
        os.umask(old)
