"""Read-only projects and failed writes, said in the user's terms.

A project can be read-only on purpose (``chmod 444 project.db``, a read-only folder, a
read-only disk) or because the disk is full. Then mpu-qual opens it read-only, says so,
keeps every reading command working, and refuses writes with a message that says what is
true ("the project folder is read-only; nothing was changed"), never "not a readable
database" for an intact file, and never changes the file's permissions.

Opening read-only in WAL mode is subtle: SQLite wants the ``-shm`` file, and creates it when
it can. In a read-only folder it cannot, and creating files in a project someone made
read-only would be wrong anyway. When the WAL is empty (a project closed cleanly), all the
data is in ``project.db`` and SQLite reads it with ``immutable=1``, which creates nothing
and takes no locks; that is safe because nobody can write without creating a WAL, which a
read-only folder (or disk) forbids. When the WAL holds changes, it must be read through the
shared memory: that works if ``-shm`` exists, and otherwise we say what to do.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from dataclasses import dataclass
from pathlib import Path

from mpu_qual.errors import MpuQualError
from mpu_qual.fileio import register_database

LOW_SPACE_BYTES = 1 << 20  # below this, an I/O error on write is the disk being full


class WriteRefused(MpuQualError):
    """A write the project could not take (busy, read-only, disk full, I/O error); the
    transaction was rolled back. Callers that keep partial work (the transcriber's saved
    segments) add how to resume."""


@dataclass(frozen=True)
class ReadOnly:
    """Why a project is open read-only, and what a refused write says."""

    reason: str  # "file" | "folder" | "disk" | "full" | "links"
    notice: str  # said once when the project opens
    message: str  # the error of a refused write
    hint: str

    def error(self, path: Path) -> WriteRefused:
        return WriteRefused(self.message, path=path, hint=self.hint)


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def disk_full(folder: Path) -> bool:
    try:
        st = os.statvfs(folder)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < LOW_SPACE_BYTES


def full_disk(folder: Path) -> ReadOnly:
    return ReadOnly(
        "full",
        "the disk is full: the project is open read-only (reading works; changes need free space)",
        "the disk is full; nothing was changed",
        f"Free some space on the disk that holds {folder}, then try again.",
    )


def why_read_only(db_path: Path) -> ReadOnly | None:
    """The reason ``db_path`` must not be written, from ``stat``/``statvfs``/``access`` only.

    Mode bits count even for root (who may write anyway): a user who removed the write bit
    meant the project to be read-only.
    """
    folder = db_path.parent
    try:
        vfs = os.statvfs(folder)
        if vfs.f_flag & os.ST_RDONLY:
            return ReadOnly(
                "disk",
                "the project is on a read-only disk: it is open read-only",
                "the project is on a read-only disk; nothing was changed",
                "Copy the project folder to a disk you can write to.",
            )
        if not os.access(folder, os.W_OK) or not _mode(folder) & stat.S_IWUSR:
            return ReadOnly(
                "folder",
                "the project folder is read-only: the project is open read-only (reading "
                "works; changes are refused)",
                "the project folder is read-only; nothing was changed",
                f"Make the folder writable (chmod u+w '{folder}') or copy the project to a "
                "folder you can write to.",
            )
        if db_path.exists() and os.stat(db_path).st_nlink > 1:
            n = os.stat(db_path).st_nlink
            return ReadOnly(
                "links",
                f"project.db has {n} names (hard links): SQLite keeps the WAL and journal "
                "beside the name it was opened by, so writing through two names can corrupt "
                "it; the project is open read-only",
                "project.db has another name (a hard link); nothing was changed",
                f"Remove the other name (find it with: find / -samefile '{db_path}'), or copy "
                "the project folder with 'mpu-qual backup -o' and work on the copy.",
            )
        if db_path.exists():
            mode = _mode(db_path)
            if not os.access(db_path, os.W_OK) or not mode & stat.S_IWUSR:
                return ReadOnly(
                    "file",
                    f"project.db is read-only (mode {mode:04o}): the project is open "
                    "read-only (reading works; changes are refused)",
                    f"project.db is read-only (mode {mode:04o}); nothing was changed",
                    f"Make it writable with 'chmod u+w {db_path}' to change the project.",
                )
    except OSError:
        return None
    if disk_full(folder):
        return full_disk(folder)
    return None


def _wal_has_content(db_path: Path) -> bool:
    try:
        return os.stat(str(db_path) + "-wal").st_size > 0
    except FileNotFoundError:
        return False


def _connect(db_path: Path, query: str) -> sqlite3.Connection:
    conn = sqlite3.connect(
        f"{db_path.resolve().as_uri()}?{query}",
        uri=True,
        isolation_level=None,
        check_same_thread=False,
    )
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def open_for_reading(db_path: Path, reason: ReadOnly | None = None) -> sqlite3.Connection:
    """A read-only connection that creates no file in a project that must not be written.

    ``reason`` is ``why_read_only``'s answer (computed when not given). Raises
    sqlite3.Error for a file SQLite cannot read, MpuQualError when the folder's state (not
    the file) is what stops us.
    """
    if reason is None:
        reason = why_read_only(db_path)
    register_database(db_path)
    shm = Path(str(db_path) + "-shm")
    # Without locks only where nobody can write: a read-only folder or disk, a full disk, or
    # a read-only file nobody has open. Never for a file with other names (hard links): a
    # writer through another name uses a WAL we cannot see.
    quiet = reason is not None and not _wal_has_content(db_path)
    if (
        reason is not None
        and quiet
        and (
            reason.reason in ("folder", "disk", "full")
            or (reason.reason == "file" and not shm.exists())
        )
    ):
        # all data is in project.db and nobody can write it: read it without locks or -shm
        return _connect(db_path, "mode=ro&immutable=1")
    try:
        return _connect(db_path, "mode=ro")
    except sqlite3.OperationalError as exc:
        if reason is None:
            raise
        if _wal_has_content(db_path) and not shm.exists():
            raise MpuQualError(
                f"{reason.message.split(';')[0]}, and the project's latest changes are still in "
                "project.db-wal, which SQLite can only read with a little space and write "
                "access in the folder; nothing was changed",
                path=db_path,
                hint=reason.hint,
            ) from None
        raise exc from None


def write_error(exc: BaseException, db_path: Path) -> WriteRefused | None:
    """The user's version of an SQLite error on writing (None: not one of these)."""
    if not isinstance(exc, sqlite3.Error):
        return None
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    text = str(exc)
    if code == sqlite3.SQLITE_FULL or "disk is full" in text:
        return full_disk(db_path.parent).error(db_path)
    if code == sqlite3.SQLITE_BUSY or "database is locked" in text:
        return WriteRefused(
            "the project is busy: another mpu-qual window or command has been writing to it "
            "for more than 10 seconds",
            path=db_path,
            hint="Wait for it to finish (or close it), then try again. Nothing was changed.",
        )
    if code in (sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN) and disk_full(db_path.parent):
        return full_disk(db_path.parent).error(db_path)
    if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM):
        ro = why_read_only(db_path)
        if ro is not None:
            return ro.error(db_path)
        return WriteRefused(
            f"a file of the project cannot be written ({text}); nothing was changed",
            path=db_path,
            hint="Check the permissions of project.db, project.db-wal and project.db-shm.",
        )
    if code == sqlite3.SQLITE_IOERR:
        return WriteRefused(
            f"the disk reported an error while writing ({text}); nothing was changed",
            path=db_path,
            hint="Check the disk, then run 'mpu-qual doctor'.",
        )
    return None
