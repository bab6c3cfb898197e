"""Where mpu-qual touches files: the atomic writer, the reader of hand-edited files, and the
guard that keeps Python's file I/O away from the project database.

Writing: a private temp file, fsync, then rename over the target. A crash mid-write leaves
the old file (or none), never half of a new one. Files are created 0600 because exports and
transcripts hold confidential focus-group data.

The database guard: SQLite's locks are POSIX (fcntl) locks, and closing *any* descriptor of
a file drops every lock the process holds on it, SQLite's included ("How To Corrupt An
SQLite Database File", section 2.2). So no code in a process that may hold a connection
opens project.db, -wal, -shm or -journal itself; a file a user names as input (a transcript,
a job-ad export, a codebook) is checked with ``refuse_database_file`` first, by name and by
inode, so that a hard link or a copy under another name of an open database is caught too.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from mpu_qual.errors import MpuQualError


@contextmanager
def private_umask() -> Iterator[None]:
    """Files created meanwhile get no group or other permissions (0600, folders 0700).

    How a database file is made private: SQLite creates it (and its -wal and -shm follow
    its mode), so we never open it ourselves. The umask is process-wide, so for this
    instant other threads create files more privately than usual, never less.
    """
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


def write_atomic(path: str | Path, writer: Callable[[IO[bytes]], None]) -> Path:
    """Call ``writer`` with a binary file handle; the result replaces ``path`` atomically."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise MpuQualError("folder does not exist", path=folder, hint="Create it first.")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            writer(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise MpuQualError(f"cannot write file: {exc.strerror}", path=target) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    return write_atomic(path, lambda fh: fh.write(data))


def write_text_atomic(path: str | Path, text: str) -> Path:
    return write_atomic(path, lambda fh: fh.write(text.encode("utf-8")))


def read_small_text(
    path: str | Path, what: str, *, max_bytes: int, missing_hint: str | None = None
) -> str:
    """Read a hand-edited UTF-8 file (codebook, job rules, pseudonym list) with a size cap.

    ``what`` names the file in messages ("codebook", "pseudonym list"); every failure is an
    MpuQualError with the path (and the line of the first byte that is not UTF-8).
    """
    p = Path(path)
    refuse_database_file(p, what)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise MpuQualError(f"{what} file not found", path=p, hint=missing_hint) from None
    except IsADirectoryError:
        raise MpuQualError(f"{what} path is a folder, not a file", path=p) from None
    except OSError as exc:
        raise MpuQualError(f"cannot read {what}: {exc.strerror}", path=p) from None
    if len(raw) > max_bytes:
        raise MpuQualError(f"{what} file is larger than {max_bytes // 1024} KiB", path=p)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise MpuQualError(f"{what} file is not UTF-8 text", path=p, line=line) from None


# ----------------------------------------------------------------------------- database guard
DB_FILE_NAMES = frozenset({"project.db", "project.db-wal", "project.db-shm", "project.db-journal"})
SIDE_SUFFIXES = ("-wal", "-shm", "-journal")
_open_databases: set[str] = set()  # database files this process has opened with SQLite


def register_database(path: str | Path) -> None:
    """Remember a database file this process opens, so that its inode is refused as input."""
    _open_databases.add(os.path.abspath(path))


def is_database_file(path: str | Path) -> bool:
    """Is ``path`` a project database or its -wal/-shm/-journal, under any name?

    By name, and by (device, inode) against every database this process has opened and
    their side files: hard links and bind mounts of an open database are caught. Only
    ``os.stat``, never ``open``.
    """
    p = Path(path)
    if p.name in DB_FILE_NAMES:
        return True
    try:
        st = os.stat(p)
    except OSError:
        return False
    ident = (st.st_dev, st.st_ino)
    for db in list(_open_databases):
        for suffix in ("", *SIDE_SUFFIXES):
            try:
                other = os.stat(db + suffix)
            except OSError:
                continue
            if (other.st_dev, other.st_ino) == ident:
                return True
    return False


def refuse_database_file(path: str | Path, what: str) -> None:
    """Raise when a file given as input (``what``: "transcript", "job-ad file" ...) is a
    project database: reading it with Python's file I/O would drop SQLite's locks."""
    if is_database_file(path):
        raise MpuQualError(
            f"this is a project database file, not a {what}; mpu-qual does not read it "
            "outside SQLite (that would break the locks that keep the project safe)",
            path=path,
            hint="Name the file you meant to import; to copy a project use 'mpu-qual backup'.",
        )
