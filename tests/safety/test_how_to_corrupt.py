"""SQLite's "How To Corrupt An SQLite Database File", item by item, where it can be tested.

docs/data-safety.md has the whole table (what mpu-qual does about each item and which test
shows it). The items tested elsewhere: 2.2 (test_no_raw_db_io.py), concurrency
(test_concurrency_torture.py), crashes and hot journals (test_crash_kill.py), backups
(test_backup_restore.py), network and cloud folders (test_trust_and_storage.py).
"""

from __future__ import annotations

import ast
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from db_io_lint import check_source
from package_trees import parse
from safety_helpers import REPO_ROOT, lock_holder, spawn, wait_ready

from mpu_qual.errors import MpuQualError
from mpu_qual.maintenance import doctor
from mpu_qual.store import Project

PACKAGE = REPO_ROOT / "mpu_qual"
SRC = "focus-group-2025-12-08"


def sources() -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in sorted(PACKAGE.rglob("*.py"))}


# --------------------------------------------------------------- 1.3, 1.4, 2.5: files in use
def test_project_files_are_deleted_or_replaced_in_two_reviewed_places_only() -> None:
    """Deleting a hot WAL or journal, or renaming a database in use, corrupts it. The only
    code that unlinks or replaces project.db or its -wal/-shm/-journal: a failed set-up
    removing the files it has just created, and the one database-file replacer (used by a
    restore of a file SQLite cannot open, which refuses while any process holds it: test
    below). A new place makes this test fail."""
    found = {
        (str(path.relative_to(REPO_ROOT)), f.function)
        for path, text in sources().items()
        for f in check_source(text, str(path), deletions=True)
    }
    assert found <= {
        ("mpu_qual/store/project.py", "init"),
        ("mpu_qual/safety/replace_file.py", "replace_database_file"),
    }, found


def test_restore_never_replaces_a_file_another_program_has_open(cli, demo_dir: Path) -> None:
    assert cli("-p", str(demo_dir), "backup").exit_code == 0
    window = spawn("hold", str(demo_dir))  # another window keeps the project open
    try:
        wait_ready(window)
        db = demo_dir / "project.db"
        with open(db, "r+b") as fh:  # damage the header (this process has no connection)
            fh.write(b"garbage, not SQLite format 3\x00")
        before = db.stat().st_ino
        res = cli("-p", str(demo_dir), "restore", "--latest", "--yes")
        assert res.exit_code == 1, res.stdout
        assert "has project.db open; nothing was changed" in res.stderr
        assert db.stat().st_ino == before  # not renamed over
    finally:
        window.kill()
        window.communicate(timeout=30)
    res = cli("-p", str(demo_dir), "restore", "--latest", "--yes")  # once it is closed
    assert res.exit_code == 0, res.stderr
    with Project.open(demo_dir) as p:
        assert p.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


# --------------------------------------------------------------- 2.3: one SQLite library
def test_one_sqlite_library_in_the_process() -> None:
    code = (
        "import sys, json, os\n"
        "import mpu_qual.cli, mpu_qual.tui.app, mpu_qual.speech.runner, mpu_qual.refi.writer\n"
        "import mpu_qual.export.quotes, mpu_qual.evidence.importer, mpu_qual.maintenance.doctor\n"
        "import sqlite3; sqlite3.connect(':memory:').execute('select 1')\n"
        "maps = open('/proc/self/maps').read() if os.path.exists('/proc/self/maps') else ''\n"
        "libs = sorted({l.split()[-1] for l in maps.splitlines() if 'sqlite' in l.split()[-1]})\n"
        "mods = sorted(m for m in sys.modules if m.split('.')[0] in\n"
        "       ('apsw', 'pysqlite3', 'sqlean', 'sqlcipher3', 'pysqlcipher3'))\n"
        "print(json.dumps([libs, mods]))\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, timeout=120
    )
    assert res.returncode == 0, res.stderr
    import json

    libs, mods = json.loads(res.stdout)
    assert mods == []
    other = [lib for lib in libs if not re.search(r"/_sqlite3[.\w-]*\.so$", lib)]
    assert len(other) <= 1, f"more than one SQLite library is loaded: {other}"


# --------------------------------------------- 2.4, 3.2, 5, 7, 8.4: how connections are set
def test_project_connections_use_default_locking_full_sync_wal_and_no_mmap(demo_dir: Path) -> None:
    with Project.open(demo_dir) as p:
        pragma = lambda name: p.conn.execute(f"PRAGMA {name}").fetchone()[0]  # noqa: E731
        assert pragma("synchronous") == 2  # FULL
        assert pragma("journal_mode") == "wal"
        assert pragma("locking_mode") == "normal"
        assert pragma("mmap_size") == 0
        assert pragma("foreign_keys") == 1


DANGEROUS = [
    (r"vfs=", "another VFS (locking protocol)"),
    (r"unix-dotfile|unix-none|unix-flock", "another locking protocol"),
    (r"mmap_size", "memory-mapped I/O"),
    (r"locking_mode", "exclusive locking"),
    (r"writable_schema", "writable_schema"),
    (r"schema_version\s*=", "changing schema_version"),
    (r"synchronous\s*=\s*(OFF|NORMAL|0|1)\b", "synchronous below FULL"),
    (r"journal_mode\s*=\s*(MEMORY|TRUNCATE|PERSIST)", "a journal mode other than WAL"),
]


@pytest.mark.parametrize(("pattern", "what"), DANGEROUS)
def test_no_setting_that_disables_sqlites_protections(pattern: str, what: str) -> None:
    hits = [
        f"{path.relative_to(REPO_ROOT)}:{n}"
        for path, text in sources().items()
        for n, line in enumerate(text.splitlines(), 1)
        if re.search(pattern, line, re.IGNORECASE) and not line.lstrip().startswith("#")
    ]
    assert not hits, f"{what}: {hits}"


def test_journal_mode_off_only_on_a_private_temp_copy() -> None:
    """The backup copy is written without a journal (a failed copy is deleted, never used),
    then switched to DELETE before it is renamed into place; nothing else leaves WAL."""
    hits = [
        path.name
        for path, text in sources().items()
        if re.search(r"journal_mode\s*=\s*(OFF|DELETE)", text, re.IGNORECASE)
    ]
    assert hits == ["backup.py"]


# --------------------------------------------------------------- 2.6: multiple names
def test_a_project_file_with_two_names_opens_read_only(demo_dir: Path) -> None:
    other = demo_dir.parent / "other-name.db"
    os.link(demo_dir / "project.db", other)
    with Project.open(demo_dir) as p:
        assert p.readonly and p.sources.list()  # reading works
        with pytest.raises(
            MpuQualError, match=r"another name \(a hard link\); nothing was changed"
        ):
            p.codings.add(SRC, 0, 5, "factors")
    other.unlink()
    with Project.open(demo_dir) as p:
        assert not p.readonly


# --------------------------------------------------------------- 2.7: fork
def test_no_process_is_forked_without_exec() -> None:
    """Children (the transcriber, the raw-file reader) are started with subprocess, which
    executes a new program: no connection is carried into them."""
    bad = []
    for path, text in sources().items():
        for node in ast.walk(parse(text)):
            if isinstance(node, ast.Attribute) and (
                (isinstance(node.value, ast.Name) and node.value.id in ("os", "pty"))
                and node.attr in ("fork", "forkpty")
            ):
                bad.append(f"{path.name}:{node.lineno}")
            if isinstance(node, ast.ImportFrom) and node.module == "multiprocessing":
                bad += [f"{path.name}:{node.lineno}" for a in node.names if a.name != "connection"]
            if isinstance(node, ast.Import) and any(
                a.name == "multiprocessing" for a in node.names
            ):
                bad.append(f"{path.name}:{node.lineno}")
    assert not bad


# --------------------------------------------------------------- 8.1, 8.2
def test_doctor_names_an_sqlite_with_the_wal_reset_bug(
    demo_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 51, 2))
    assert "sqlite" in {f.check for f in doctor.diagnose(demo_dir).findings}
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 52, 0))
    assert "sqlite" not in {f.check for f in doctor.diagnose(demo_dir).findings}


def test_no_expression_index_that_another_sqlite_could_read_differently(demo_dir: Path) -> None:
    with Project.open(demo_dir) as p:
        indexes = [
            r[0] for r in p.conn.execute("SELECT name FROM sqlite_master WHERE type='index'")
        ]
        assert indexes
        for name in indexes:
            cols = p.conn.execute(f'PRAGMA index_xinfo("{name}")').fetchall()
            assert all(c[1] != -2 for c in cols), f"{name} indexes an expression"


def test_the_lock_probe_sees_other_processes(demo_dir: Path) -> None:
    """The helper the tests above rely on: a window's lock is visible from outside."""
    window = spawn("hold", str(demo_dir))
    try:
        wait_ready(window)
        deadline = time.monotonic() + 30
        while lock_holder(demo_dir / "project.db") != window.pid and time.monotonic() < deadline:
            time.sleep(0.1)
        assert lock_holder(demo_dir / "project.db") == window.pid
    finally:
        window.kill()
        window.communicate(timeout=30)
