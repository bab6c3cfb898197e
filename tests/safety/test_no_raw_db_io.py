"""No Python file I/O on project.db, -wal, -shm or -journal: SQLite's locks must survive.

SQLite's locks are POSIX locks; closing any descriptor of the database file in a process
drops every lock that process holds on it. Issue #10 found the result: the fingerprint of
automatic backups read the header of project.db with ``open()``; the workbench or an
import then ran without its lock, and a ``code add`` in another terminal checkpointed and
deleted the WAL under it ("2nd reference to page N"). These tests hold the rule three ways:
an AST scan of the whole package, the live lock of a process that runs each operation that
used to break it, and a refusal of a database file given as input under any name.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from db_io_lint import check_source
from safety_helpers import REPO_ROOT, lock_holder

from mpu_qual.maintenance import doctor
from mpu_qual.maintenance.purge import files_containing
from mpu_qual.safety import backup
from mpu_qual.store import Project, health

PACKAGE = REPO_ROOT / "mpu_qual"
RAWFILES = PACKAGE / "safety" / "rawfiles.py"  # runs only as a child without SQLite
SRC = "focus-group-2025-12-08"


def test_no_module_reads_or_writes_the_database_files_with_python_io() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == RAWFILES:
            continue
        found += check_source(path.read_text(encoding="utf-8"), str(path.relative_to(REPO_ROOT)))
    assert not found, "file I/O on project database files:\n" + "\n".join(map(str, found))


# The code that broke projects (issue #10) and its relatives, as the checker must see them.
BAD = {
    "fingerprint header read": """
def fingerprint(db_path):
    for suffix, head in (("", 100), ("-wal", 32)):
        path = Path(str(db_path) + suffix)
        with open(path, "rb") as fh:
            h.update(fh.read(head))
""",
    "raw copy of the project": """
def quarantine(folder):
    db_path = Path(folder) / DB_NAME
    for suffix in ("", "-wal", "-shm"):
        src = Path(str(db_path) + suffix)
        with open(src, "rb") as fin:
            pass
""",
    "purge scan of every file": """
def files_containing(folder, needle):
    for path in sorted(Path(folder).rglob("*")):
        data = path.read_bytes()
""",
    "create the file before SQLite": """
def _touch(path):
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)

def connect(path):
    p = Path(path)
    _touch(p)
    return sqlite3.connect(str(p))
""",
    "hash through a helper": """
def digest(p):
    return hashlib.sha256(p.read_bytes()).hexdigest()

def check(project):
    return digest(project.db_path)
""",
    "copy with shutil": """
def save(root, dest):
    shutil.copyfile(root / "project.db", dest)
""",
    "the WAL by name": """
def peek(folder):
    return (folder / "project.db-wal").read_bytes()[:32]
""",
    "inside a closure": """
def outer(db_path):
    def inner():
        return open(db_path, "rb").read()
    return inner()
""",
}

GOOD = {
    "a codebook next to the database": """
def load(root):
    db_path = root / DB_NAME
    return (root / "codebook.yaml").read_text()
""",
    "stat only": """
def fingerprint(db_path):
    return Path(str(db_path) + "-wal").stat().st_size
""",
    "a listing checked first": """
def hashes(tdir):
    for path in tdir.iterdir():
        if is_database_file(path):
            continue
        yield path.read_bytes()
""",
    "a fixed name inside a listed folder": """
def tokens(models):
    for child in models.iterdir():
        yield (child / "vocabulary.txt").read_text()
""",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_the_checker_finds_file_io_on_database_paths(name: str) -> None:
    assert check_source(BAD[name], name), f"not caught: {name}"


@pytest.mark.parametrize("name", sorted(GOOD))
def test_the_checker_leaves_other_files_alone(name: str) -> None:
    assert check_source(GOOD[name], name) == []


def test_raw_bytes_are_only_read_in_a_child_without_sqlite() -> None:
    tree = ast.parse(RAWFILES.read_text(encoding="utf-8"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not {m for m in imported if "sqlite" in m or m.startswith("mpu_qual")}
    # and the child refuses to run in a process where SQLite is loaded
    res = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sqlite3, runpy; runpy.run_module('mpu_qual.safety.rawfiles', "
            "run_name='__main__')",
        ],
        input='{"op": "scan", "folder": ".", "needles": ["x"], "max_bytes": 1}',
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=60,
    )
    assert res.returncode != 0 and "SQLite is loaded" in res.stderr


def test_every_operation_that_used_to_drop_the_lock_keeps_it(demo_dir: Path) -> None:
    """The workbench holds the project open while these run in its process (or in the CLI
    process that has the project open); the kernel must still list its SQLite lock after
    each. Before the fix the first one (the backup fingerprint) dropped it for good."""
    db = demo_dir / "project.db"
    me = os.getpid()
    with Project.open(demo_dir) as p:
        p.codings.add(SRC, 0, 10, "factors")  # a write: backups, WAL content
        assert lock_holder(db) == me
        steps = {
            "fingerprint": lambda: backup.fingerprint(db),
            "check on open": lambda: health.check_on_open(demo_dir, p.conn),
            "automatic backup": lambda: backup.auto_backup(demo_dir, "import"),
            "manual backup": lambda: backup.make_backup(demo_dir, "manual"),
            "raw copy": lambda: backup.quarantine(demo_dir, "test"),
            "purge scan": lambda: files_containing(demo_dir, "PLC technician"),
            "doctor": lambda: doctor.diagnose(demo_dir),
            "second window": lambda: Project.open(demo_dir).close(),
        }
        for name, step in steps.items():
            step()
            assert lock_holder(db) == me, f"{name} dropped this process's SQLite lock"
        assert files_containing(demo_dir, "PLC")  # the scan does read the bytes


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (("transcripts", "add"), "notes.txt"),
        (("jobs", "import"), "ads.csv"),
        (("import", "qdpx"), "other.qdpx"),
        (("import", "qdc"), "other.qdc"),
        (("codebook", "load"), "codebook-draft.yaml"),
    ],
)
def test_the_database_given_as_input_under_another_name_is_refused(
    cli, demo_dir: Path, args: tuple[str, ...], name: str
) -> None:
    """A hard link is the same file: reading it would drop the locks of the open project."""
    link = demo_dir.parent / name
    os.link(demo_dir / "project.db", link)
    with Project.open(demo_dir):  # the workbench has it open in this process
        res = cli("-p", str(demo_dir), *args, str(link))
        assert res.exit_code == 1
        assert "project database file" in res.stderr and str(link) in res.stderr
        assert lock_holder(demo_dir / "project.db") == os.getpid()
    res = cli("-p", str(demo_dir), *args, str(demo_dir / "project.db"))
    assert res.exit_code == 1 and "project database file" in res.stderr
