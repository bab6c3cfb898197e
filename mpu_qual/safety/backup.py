"""Rotating backups of project.db, made with SQLite's online backup API.

A backup is a consistent copy even while another program writes: it is read through its own
connection, which in WAL mode sees the last committed state and blocks nobody. Each backup is
written to a private temp file and renamed into place, so a crash (or a kill) never leaves a
half-written file that looks like a backup. Beside every ``NAME.db`` a ``NAME.json`` records
when and why it was made, a fingerprint of the project file at that moment (to skip backups
of an unchanged project) and the codebook.yaml of that moment (so a restore brings back a
codebook that matches its codes).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mpu_qual.errors import MpuQualError, NotFound
from mpu_qual.fileio import register_database, write_text_atomic
from mpu_qual.safety import rawfiles
from mpu_qual.safety.access import open_for_reading, why_read_only
from mpu_qual.safety.replace_file import replace_database_file

DB_NAME = "project.db"
CODEBOOK_NAME = "codebook.yaml"
BACKUP_DIR = "backups"
KEEP_AUTOMATIC = 10
OPEN_INTERVAL_S = 600.0  # an "open" backup is skipped when the newest backup is younger
ENV_KEEP = "MPU_QUAL_KEEP_BACKUPS"

NAME_RE = re.compile(
    r"^(?P<stamp>\d{8}T\d{6}_\d{6}Z)-(?P<kind>auto|manual)-(?P<reason>[a-z0-9][a-z0-9-]{0,39})\.db$"
)


@dataclass
class BackupInfo:
    """One backup file and what its sidecar says about it."""

    path: Path
    created: datetime
    kind: str  # "auto" (rotated) or "manual" (kept until deleted)
    reason: str  # open, autocode, import, merge, codebook-sync, manual, before-restore, ...
    size: int

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def sidecar(self) -> Path:
        return self.path.with_suffix(".json")

    def meta(self) -> dict[str, Any]:
        """The sidecar's content ({} when it is missing or unreadable)."""
        try:
            data = json.loads(self.sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}


def backups_dir(folder: str | Path, *, create: bool = False) -> Path:
    path = Path(folder) / BACKUP_DIR
    if create:
        try:
            path.mkdir(mode=0o700, exist_ok=True)
        except OSError as exc:
            raise MpuQualError(
                f"cannot create the backups folder: {exc.strerror or exc}",
                path=path,
                hint="Make sure 'backups' in the project folder is a folder you can write to.",
            ) from None
    return path


def keep_automatic() -> int:
    """How many automatic backups to keep (MPU_QUAL_KEEP_BACKUPS overrides the default 10)."""
    raw = os.environ.get(ENV_KEEP)
    if raw:
        try:
            return max(1, int(raw))
        except ValueError:
            pass
    return KEEP_AUTOMATIC


def fingerprint(db_path: str | Path) -> str:
    """Changes whenever the database or its WAL changes; cheap (two ``os.stat`` calls).

    Size, modification and change times (ns), device and inode of ``project.db`` and
    ``project.db-wal``. An empty WAL counts as absent, because opening a project creates one.

    Never reads the files: this runs in processes that hold a connection to them, and
    closing a descriptor of ``project.db`` would drop SQLite's POSIX locks (see
    ``mpu_qual.fileio``). A commit always appends to the WAL (new size or, after a WAL
    reset, a new modification time), and a checkpoint rewrites the database file, so the
    stat of the two files follows every change; two commits within one tick of the file
    system clock after a WAL reset could look alike, which costs at most one skipped
    automatic backup.
    """
    h = hashlib.sha256()
    for suffix in ("", "-wal"):
        path = Path(str(db_path) + suffix)
        try:
            st = path.stat()
        except FileNotFoundError:
            h.update(b"absent;")
            continue
        if suffix and st.st_size == 0:
            h.update(b"absent;")
            continue
        h.update(
            f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_dev}:{st.st_ino};".encode()
        )
    return h.hexdigest()


def _stamp(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S_%fZ")


def _clean_reason(reason: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", reason.lower()).strip("-")[:40].strip("-")
    return slug or "manual"


def open_readonly(path: str | Path) -> sqlite3.Connection:
    """A read-only connection that never creates or changes the file."""

    conn = sqlite3.connect(
        f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, isolation_level=None
    )
    register_database(path)
    conn.execute("PRAGMA busy_timeout = 10000")
    return conn


def write_copy(src_path: Path, new_file: Path) -> None:
    """Write a consistent copy of ``src_path`` into the new file ``new_file`` (SQLite's
    backup API). The copy uses the rollback journal, so it is one self-contained file."""
    src = open_for_reading(src_path)  # also a project in a read-only folder
    try:
        dst = sqlite3.connect(str(new_file), isolation_level=None)
        try:
            # a new file: no journal while copying (a failed copy is deleted); with
            # synchronous FULL the one backup step ends with an fsync of the copy
            dst.execute("PRAGMA journal_mode = OFF")
            dst.execute("PRAGMA synchronous = FULL")
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
    finally:
        src.close()


def copy_database(src_path: Path, dest: Path) -> None:
    """Consistent copy of ``src_path`` into a new private file ``dest`` (temp + rename).

    SQLite creates, writes and syncs it; we never open it with Python's file I/O.
    """
    try:
        replace_database_file(dest, lambda new_file: write_copy(src_path, new_file))
    except sqlite3.DatabaseError as exc:
        raise MpuQualError(
            f"cannot back up the project database: {exc}",
            path=src_path,
            hint="Run 'mpu-qual doctor' to check the project file.",
        ) from None
    except OSError as exc:
        raise MpuQualError(
            f"cannot write the backup: {exc.strerror or exc}",
            path=dest,
            hint="Check free disk space and permissions of the backups/ folder.",
        ) from None


def _write_json_private(path: Path, data: dict[str, Any]) -> None:

    write_text_atomic(path, json.dumps(data, ensure_ascii=False, indent=1))


def make_backup(folder: str | Path, reason: str = "manual", *, kind: str = "manual") -> BackupInfo:
    """Back up ``folder/project.db`` into ``folder/backups/`` now (mode 0600)."""
    if kind not in ("auto", "manual"):
        raise ValueError(f"unknown backup kind {kind!r}")
    root = Path(folder)
    db_path = root / DB_NAME
    if not db_path.is_file():
        raise NotFound("there is no project.db to back up", path=root)
    refuse_unwritable_folder(root, "no backup was made")
    bdir = backups_dir(root, create=True)
    fp = fingerprint(db_path)
    now = datetime.now(UTC)
    slug = _clean_reason(reason)
    dest = bdir / f"{_stamp(now)}-{kind}-{slug}.db"
    while dest.exists():  # two backups in the same microsecond (two processes)
        now = datetime.fromtimestamp(now.timestamp() + 1e-6, UTC)
        dest = bdir / f"{_stamp(now)}-{kind}-{slug}.db"
    try:
        codebook = (root / CODEBOOK_NAME).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        codebook = None
    # The sidecar goes first: a backup file without one is still usable, not the reverse.
    _write_json_private(
        dest.with_suffix(".json"),
        {
            "version": 1,
            "created": now.isoformat(),
            "kind": kind,
            "reason": slug,
            "fingerprint": fp,
            "codebook": codebook,
        },
    )
    try:
        copy_database(db_path, dest)
    except BaseException:
        dest.with_suffix(".json").unlink(missing_ok=True)
        raise
    return BackupInfo(dest, now, kind, slug, dest.stat().st_size)


def refuse_unwritable_folder(folder: Path, what: str) -> None:
    """Raise, in plain words, when nothing can be written in the project folder now."""
    why = why_read_only(Path(folder) / DB_NAME)
    if why is not None and why.reason in ("folder", "disk", "full"):
        raise MpuQualError(
            why.message.replace("nothing was changed", what),
            path=folder,
            hint=why.hint
            + (" A copy elsewhere: 'mpu-qual backup -o FOLDER'." if why.reason != "full" else ""),
        )


def list_backups(folder: str | Path) -> list[BackupInfo]:
    """Backups of the project, newest first."""
    bdir = backups_dir(folder)
    if not bdir.is_dir():
        return []
    out: list[BackupInfo] = []
    for path in bdir.iterdir():
        m = NAME_RE.match(path.name)
        if not m or not path.is_file():
            continue
        created = datetime.strptime(m.group("stamp"), "%Y%m%dT%H%M%S_%fZ").replace(tzinfo=UTC)
        try:
            size = path.stat().st_size
        except FileNotFoundError:  # rotated away by another process just now
            continue
        out.append(BackupInfo(path, created, m.group("kind"), m.group("reason"), size))
    out.sort(key=lambda b: b.name, reverse=True)
    return out


def find_backup(folder: str | Path, name: str) -> BackupInfo:
    """A backup by file name (or a unique prefix of it), or a path to a backup file."""
    backups = list_backups(folder)
    exact = [b for b in backups if b.name == name or b.path.stem == name]
    matches = exact or [b for b in backups if b.name.startswith(name)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise MpuQualError(
            f"'{name}' matches {len(matches)} backups",
            field="backup",
            hint="Give more of the name (see 'mpu-qual backup --list').",
        )
    path = Path(name)
    if path.is_file():
        st = path.stat()
        return BackupInfo(
            path, datetime.fromtimestamp(st.st_mtime, UTC), "manual", "file", st.st_size
        )
    raise NotFound(
        f"no backup '{name}'",
        path=backups_dir(folder),
        field="backup",
        hint="List them with 'mpu-qual backup --list'.",
    )


def delete_backup(info: BackupInfo) -> None:
    info.path.unlink(missing_ok=True)
    info.sidecar.unlink(missing_ok=True)


def rotate(folder: str | Path, keep: int | None = None) -> list[Path]:
    """Delete automatic backups beyond the newest ``keep``; manual ones are never rotated."""
    keep = keep_automatic() if keep is None else keep
    autos = [b for b in list_backups(folder) if b.kind == "auto"]
    removed = []
    for info in autos[keep:]:
        delete_backup(info)
        removed.append(info.path)
    return removed


def newest_fingerprint(folder: str | Path) -> tuple[str | None, datetime | None]:
    """Fingerprint and time of the newest backup (None, None without backups)."""
    backups = list_backups(folder)
    if not backups:
        return None, None
    return backups[0].meta().get("fingerprint"), backups[0].created


def auto_backup(
    folder: str | Path, reason: str, *, min_interval_s: float | None = None
) -> BackupInfo | None:
    """An automatic backup, unless the project is unchanged since the newest backup.

    With ``min_interval_s``, also skip when the newest backup is younger than that (the
    backup on open must stay cheap for a CLI that opens the project on every command).
    """
    root = Path(folder)
    db_path = root / DB_NAME
    if not db_path.is_file():
        return None
    last_fp, last_time = newest_fingerprint(root)
    if last_fp is not None and last_fp == fingerprint(db_path):
        return None
    if min_interval_s is not None and last_time is not None:
        age = (datetime.now(UTC) - last_time).total_seconds()
        if 0 <= age < min_interval_s:
            return None
    info = make_backup(root, reason, kind="auto")
    rotate(root)
    return info


def export_backup(folder: str | Path, dest: str | Path) -> Path:
    """A consistent copy of the project database at ``dest`` (e.g. on an external disk)."""
    root = Path(folder)
    target = Path(dest)
    if target.is_dir():
        target = target / f"project-{_stamp(datetime.now(UTC))}.db"
    if target.exists():
        raise MpuQualError(
            "the file already exists",
            path=target,
            hint="Choose a new file name; backups never overwrite files.",
        )
    if not target.parent.is_dir():
        raise MpuQualError("folder does not exist", path=target.parent)
    db_path = root / DB_NAME
    if not db_path.is_file():
        raise NotFound("there is no project.db to back up", path=root)
    copy_database(db_path, target)
    return target


def quarantine(folder: str | Path, reason: str) -> Path | None:
    """Copy the raw project files (db, -wal, -shm) into backups/ before a risky repair.

    Used when the database cannot be read well enough for the backup API: nothing is ever
    thrown away, even a broken file. The bytes are copied by a child process
    (``safety.rawfiles``): this process may hold a connection, and reading the files here
    would drop its locks.
    """

    root = Path(folder)
    db_path = root / DB_NAME
    if not db_path.exists():
        return None
    target = (
        backups_dir(root, create=True)
        / f"damaged-{_stamp(datetime.now(UTC))}-{_clean_reason(reason)}"
    )
    target.mkdir(mode=0o700)
    pairs = [(Path(str(db_path) + sfx), target / (DB_NAME + sfx)) for sfx in ("", "-wal", "-shm")]
    try:
        rawfiles.copy(pairs)
    except (rawfiles.RawFilesError, OSError, subprocess.SubprocessError) as exc:
        raise MpuQualError(
            f"cannot copy the damaged project files: {exc}",
            path=target,
            hint="Check free disk space and permissions of the backups/ folder.",
        ) from None
    return target


STALE_AFTER_S = 600.0


def stale_temp_files(folder: str | Path, *, min_age_s: float = STALE_AFTER_S) -> list[Path]:
    """Temp files a killed backup, export or codebook write left behind.

    Only files older than ``min_age_s``: a younger one may belong to a write in progress.
    """

    root = Path(folder)
    now = time.time()
    out: list[Path] = []
    for base in (root, backups_dir(root)):
        if not base.is_dir():
            continue
        for path in base.iterdir():
            name = path.name
            if not path.is_file():
                continue
            if (name.startswith(".") and (name.endswith(".tmp") or ".tmp-journal" in name)) or (
                name.startswith(".codebook-") and name.endswith(".yaml")
            ):
                try:
                    if now - path.stat().st_mtime >= min_age_s:
                        out.append(path)
                except FileNotFoundError:
                    continue
    return sorted(out)


def orphan_sidecars(folder: str | Path) -> list[Path]:
    """Backup sidecars whose backup file is gone (a kill between the two writes)."""
    bdir = backups_dir(folder)
    if not bdir.is_dir():
        return []
    return sorted(
        p
        for p in bdir.glob("*.json")
        if NAME_RE.match(p.with_suffix(".db").name) and not p.with_suffix(".db").exists()
    )
