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

import errno
import os
import secrets
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


def _temp_name(target: Path) -> Path:
    """A fresh, unguessable name beside ``target`` (tests replace it to plant links)."""
    return target.with_name(f".{target.name[:180]}.{secrets.token_hex(8)}.tmp")


def temp_name_beside(target: Path) -> Path:
    """An unused, unguessable temp name beside ``target`` for a file another library writes
    (SQLite); ``backup.stale_temp_files`` recognises it when a kill leaves it behind."""
    return _temp_name(Path(target))


def _disk_error(exc: OSError, path: Path) -> MpuQualError:
    """What a failed write means, in the user's terms; the old file is always still there."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return MpuQualError(
            "the disk is full; nothing was changed",
            path=path,
            hint="Free some space on that disk (or write somewhere else), then try again.",
        )
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return MpuQualError(
            "the folder is read-only; nothing was changed",
            path=path,
            hint="Choose a folder you can write to, or make this one writable.",
        )
    return MpuQualError(f"cannot write file: {exc.strerror or exc}; nothing was changed", path=path)


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (a power cut must not bring back the old name)."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some filesystems cannot sync a folder; the rename itself is atomic
        pass
    finally:
        os.close(fd)


def prepare_atomic(path: str | Path, writer: Callable[[IO[bytes]], object]) -> Path:
    """Write a complete, fsynced, private temp file beside ``path``; returns its name.

    The temp file is created with ``O_EXCL | O_NOFOLLOW`` (mode 0600 whatever the umask): a
    file or symbolic link planted at its name is never opened or followed, a new name is
    tried. ``commit_atomic`` puts it in place; ``write_atomic`` does both.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise MpuQualError("folder does not exist", path=folder, hint="Create it first.")
    if target.is_dir():
        raise MpuQualError("this is a folder; give a file name", path=target)
    if is_database_file(target):
        raise MpuQualError(
            "this is a project database file; mpu-qual never writes over it",
            path=target,
            hint="Choose another file name.",
        )
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    for _ in range(100):
        tmp = _temp_name(target)
        try:
            fd = os.open(tmp, flags, 0o600)
        except FileExistsError:
            continue  # taken, or a planted file or link: never touch it
        except OSError as exc:
            raise _disk_error(exc, target) from None
        break
    else:
        raise MpuQualError("cannot create a temporary file", path=folder)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            writer(fh)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _disk_error(exc, target) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def commit_atomic(tmp: str | Path, path: str | Path) -> Path:
    """Rename a file from ``prepare_atomic`` over ``path`` and sync the folder."""
    target = Path(path)
    try:
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _disk_error(exc, target) from None
    fsync_folder(target.parent if str(target.parent) else Path("."))
    return target


def write_atomic(path: str | Path, writer: Callable[[IO[bytes]], object]) -> Path:
    """Call ``writer`` with a binary file handle; the result replaces ``path`` atomically:
    a private temp file (0600, ``O_EXCL | O_NOFOLLOW``), fsync, rename, fsync of the folder.
    Every file mpu-qual writes goes through here."""
    return commit_atomic(prepare_atomic(path, writer), path)


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
