"""Helpers shared by the data-safety and maintenance tests (imported as a module: tests/ is on
sys.path through its conftest)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from hypothesis import settings

WORKERS = Path(__file__).parent / "safety" / "workers.py"
REPO_ROOT = Path(__file__).resolve().parents[1]


def scaled(n: int) -> int:
    """``n`` examples normally; the loaded profile's count under --hypothesis-profile=long."""
    wanted = settings.default.max_examples
    return wanted if wanted > 100 else n


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def codings_in(path: Path) -> int:
    """Codings in a project file or a backup of one (read-only; a backup is no project)."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM codings").fetchone()[0]
    finally:
        conn.close()


def raw(path: Path) -> sqlite3.Connection:
    """A plain connection, without the store's checks (to inspect or damage a file)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA trusted_schema = ON")
    return conn


def without_triggers(path: Path, *sql: str) -> None:
    """Run ``sql`` on a project file with its triggers (checks, journal) switched off, then put
    the same triggers back: the way a bug or another tool could break the data."""
    conn = raw(path)
    try:
        triggers = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
        ).fetchall()
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("BEGIN")
        for name, _ in triggers:
            conn.execute(f'DROP TRIGGER "{name}"')
        for statement in sql:
            conn.execute(statement)
        for _, text in triggers:
            conn.execute(text)
        conn.execute("COMMIT")
    finally:
        conn.close()


def spawn(*args: str) -> subprocess.Popen[str]:
    """Start ``workers.py ARGS`` in a child process with the test's MPU_QUAL_HOME."""
    return subprocess.Popen(
        [sys.executable, str(WORKERS), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )


def wait_ready(proc: subprocess.Popen[str]) -> str:
    """Block until the child prints READY (or report why it died)."""
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("READY"):
        proc.kill()
        _out, err = proc.communicate(timeout=30)
        raise AssertionError(f"worker did not start: {line!r}\n{err}")
    return line


def kill(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """SIGKILL: no cleanup, no atexit, no rollback; what a power cut does to a process."""
    os.kill(proc.pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=30)
    return out, err


# A child process asks the kernel whether a write lock on SQLite's SHARED byte range of a
# database file (PENDING_BYTE + 2, 510 bytes) would be blocked, and by which process. The
# child holds no connection, so opening the file there cannot drop anyone's lock.
_LOCK_PROBE = r"""
import fcntl, os, struct, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
req = struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, 0x40000000 + 2, 510, 0)
l_type, _w, _s, _l, pid = struct.unpack("hhqqi4x", fcntl.fcntl(fd, fcntl.F_GETLK, req))
print(pid if l_type != fcntl.F_UNLCK else 0)
"""


def lock_holder(db: Path) -> int:
    """The pid of a process holding SQLite's shared lock on ``db`` (0: nobody).

    Every open WAL-mode connection keeps that lock; a process that closes any descriptor of
    the file silently loses it (POSIX locks), which this probe shows."""
    res = subprocess.run(
        [sys.executable, "-c", _LOCK_PROBE, str(db)], capture_output=True, text=True, timeout=60
    )
    assert res.returncode == 0, res.stderr
    return int(res.stdout.strip())
