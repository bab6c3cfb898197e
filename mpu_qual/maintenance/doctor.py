"""``mpu-qual doctor``: check a project thoroughly, and repair what can be repaired safely.

Diagnosis only reads (a read-only connection; it works on a project another window has open
and on one that fails to open). Repair first saves a copy of the project as it is (a manual
backup, or a raw copy of a file too damaged for that), then fixes only what it can fix
without losing work, and says which backup to restore for the rest.
"""

from __future__ import annotations

import hashlib
import sqlite3
import stat
from dataclasses import dataclass, field
from pathlib import Path

from mpu_qual.codebook import load_codebook
from mpu_qual.errors import MpuQualError
from mpu_qual.fileio import is_database_file
from mpu_qual.safety import backup
from mpu_qual.safety.access import open_for_reading, why_read_only
from mpu_qual.safety.checks import (
    ERROR,
    INFO,
    MAX_ITEMS,
    WARNING,
    Finding,
    foreign_keys,
    integrity,
    read_snapshot,
)
from mpu_qual.safety.netfs import storage_warning
from mpu_qual.store.health import code_labels, fts, journal, offsets, source_files
from mpu_qual.store.migrations import migration_sets, step_names
from mpu_qual.store.schema_trust import applied_migrations, untrusted_objects
from mpu_qual.transcript_files.formats import is_transcript_file


def _listing(level: str, check: str, message: str, *, names: list[str], **more: str) -> Finding:
    """A finding about several things: all are counted, the first MAX_ITEMS are named."""
    return Finding(level, check, message, items=names[:MAX_ITEMS], count=len(names), **more)


@dataclass
class DoctorReport:
    """What doctor found (and, after a repair, what it did)."""

    folder: Path
    findings: list[Finding] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    safety_copy: Path | None = None
    good_backup: backup.BackupInfo | None = None  # newest backup that passes the checks

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def only_access(self) -> bool:
        """Every error is about the folder or disk (read-only, full), none about the file:
        a restore would not help and must not be advised."""
        return bool(self.errors) and all(f.check == "access" for f in self.errors)


# ----------------------------------------------------------------------------- checks
def _readable(db_path: Path) -> tuple[sqlite3.Connection | None, Finding | None]:
    """A read-only connection, or why there is none. A file that cannot be opened because
    of its folder (read-only, full disk) is not called damaged, and no restore is advised."""
    why = why_read_only(db_path)
    try:
        conn = open_for_reading(db_path, why)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except MpuQualError as exc:
        return None, Finding(ERROR, "access", exc.message, hint=exc.hint)
    except sqlite3.DatabaseError as exc:
        if why is not None:
            return None, Finding(
                ERROR,
                "access",
                f"project.db could not be opened ({exc}); {why.notice.split(':')[0]}, so "
                "this says nothing about the file itself",
                hint=why.hint,
            )
        return None, Finding(
            ERROR,
            "file",
            f"project.db is not a readable SQLite database ({exc})",
            hint="Restore a backup with 'mpu-qual restore'.",
        )
    return conn, None


def verify_database(path: Path, *, quick: bool = False) -> list[Finding]:
    """Checks a backup (or any project file) must pass before we restore it."""
    conn, bad = _readable(path)
    if conn is None:
        return [bad] if bad else []
    try:
        found = integrity(conn, quick=quick)
        if found:
            return found
        foreign = untrusted_objects(conn)
        if foreign:
            return [
                Finding(
                    ERROR,
                    "trust",
                    f"the file contains {', '.join(foreign[:5])} that mpu-qual did not create",
                )
            ]
        return foreign_keys(conn) + offsets(conn)
    finally:
        conn.close()


def _migration_findings(conn: sqlite3.Connection) -> list[Finding]:

    applied = applied_migrations(conn)
    known = {(m_set.name, name) for m_set in migration_sets() for name in step_names(m_set)}
    out = []
    unknown = sorted(applied - known)
    if unknown:
        out.append(
            Finding(
                WARNING,
                "schema",
                "the project was last changed by a newer mpu-qual "
                f"({len(unknown)} unknown migration(s)); update mpu-qual before editing it",
                items=[f"{s}:{n}" for s, n in unknown][:MAX_ITEMS],
            )
        )
    pending = sorted(known - applied)
    if pending and applied:
        out.append(
            Finding(
                INFO,
                "schema",
                f"{len(pending)} schema update(s) will be applied the next time the project opens",
                items=[f"{s}:{n}" for s, n in pending][:MAX_ITEMS],
            )
        )
    return out


def _codebook_findings(folder: Path, conn: sqlite3.Connection) -> list[Finding]:

    path = folder / backup.CODEBOOK_NAME
    if not path.exists():
        return [
            Finding(
                ERROR,
                "codebook",
                "codebook.yaml is missing",
                hint="'mpu-qual doctor --repair' writes it again from the project's codes.",
                repair="write codebook.yaml from the codes in the project",
            )
        ]
    try:
        cb = load_codebook(path)
    except MpuQualError as exc:
        return [
            Finding(
                ERROR,
                "codebook",
                f"codebook.yaml has an error: {exc}",
                hint="Fix the line it names (or 'mpu-qual restore' a backup with its codebook).",
            )
        ]
    try:
        in_db = code_labels(conn)
    except sqlite3.DatabaseError:
        return []
    in_file = {c.id: (c.parent, c.en, c.zh) for c in cb.codes}
    renamed = {old for c in cb.codes for old in c.was}
    differ = sorted(
        cid
        for cid in set(in_db) | set(in_file)
        if in_db.get(cid) != in_file.get(cid) and cid not in renamed
    )
    if not differ:
        return []
    return [
        _listing(
            WARNING,
            "codebook",
            f"codebook.yaml and the project disagree about {len(differ)} code(s)",
            hint="If you edited codebook.yaml, load it with 'mpu-qual codebook load'; if mpu-qual "
            "was interrupted while saving it, 'mpu-qual codebook load' will show the difference "
            "first with --dry-run.",
            names=differ,
        )
    ]


def _file_findings(folder: Path, conn: sqlite3.Connection | None) -> list[Finding]:
    out: list[Finding] = []
    stale = backup.stale_temp_files(folder)
    if stale:
        out.append(
            _listing(
                WARNING,
                "files",
                f"{len(stale)} temporary file(s) left by an interrupted write",
                repair="delete them",
                names=[str(p.relative_to(folder)) for p in stale],
            )
        )
    orphans = backup.orphan_sidecars(folder)
    if orphans:
        out.append(
            _listing(
                INFO,
                "files",
                f"{len(orphans)} backup note(s) without their backup (an interrupted backup)",
                repair="delete them",
                names=[p.name for p in orphans],
            )
        )
    loose = []
    for base in (folder, backup.backups_dir(folder)):
        if not base.is_dir():
            continue
        for path in base.iterdir():
            if path.is_file() and (
                path.name.startswith(backup.DB_NAME) or base.name == backup.BACKUP_DIR
            ):
                mode = stat.S_IMODE(path.stat().st_mode)
                if mode & 0o077:
                    loose.append(f"{path.relative_to(folder)} ({oct(mode)})")
    if loose:
        out.append(
            _listing(
                WARNING,
                "permissions",
                f"{len(loose)} file(s) holding project data can be read by other users",
                repair="make them private (no access for group and others; a read-only file "
                "stays read-only)",
                names=loose,
            )
        )
    if conn is not None:
        out.extend(_transcript_file_findings(folder, conn))
    warning = storage_warning(folder)
    if warning:
        out.append(Finding(WARNING, "storage", warning))
    return out


def _transcript_file_findings(folder: Path, conn: sqlite3.Connection) -> list[Finding]:
    out: list[Finding] = []
    try:
        rows = source_files(conn)
    except sqlite3.DatabaseError:
        return out
    hashes = {r[1] for r in rows if r[1]}
    tdir = folder / "transcripts"
    unimported = []
    if tdir.is_dir():
        for path in sorted(tdir.iterdir()):
            if is_database_file(path):
                continue  # never hash a database file here: it would drop SQLite's locks
            if is_transcript_file(path):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                if digest not in hashes:
                    unimported.append(path.name)
    if unimported:
        out.append(
            _listing(
                INFO,
                "files",
                f"{len(unimported)} file(s) in transcripts/ are not in the project",
                hint="Import them with 'mpu-qual transcripts add FILE' (or delete them).",
                names=unimported,
            )
        )
    missing_media = [
        f"{name}: {media}"
        for name, _sha, media in rows
        if media and not (folder / media).exists() and not Path(media).exists()
    ]
    if missing_media:
        out.append(
            _listing(
                WARNING,
                "files",
                f"{len(missing_media)} transcript(s) refer to audio files that are missing",
                hint="Playback of those transcripts will not work until the files are back.",
                names=missing_media,
            )
        )
    return out


def _backup_findings(report: DoctorReport) -> list[Finding]:
    out: list[Finding] = []
    backups = backup.list_backups(report.folder)
    if not backups:
        return [
            Finding(
                INFO,
                "backups",
                "there are no backups yet",
                hint="Make one with 'mpu-qual backup' (automatic ones follow your first edits).",
            )
        ]
    damaged = []
    for info in backups:
        problems = verify_database(info.path, quick=True)
        if problems:
            damaged.append(info)
        elif report.good_backup is None:
            report.good_backup = info
    if damaged:
        out.append(
            _listing(
                WARNING,
                "backups",
                f"{len(damaged)} backup(s) are damaged and cannot be restored",
                repair="delete the damaged automatic backups",
                names=[b.name for b in damaged],
            )
        )
    return out


WAL_RESET_FIXED = (3, 52, 0)


def _sqlite_findings() -> list[Finding]:
    """The SQLite library itself: versions 3.7.0 to 3.51.2 have the WAL-reset bug (SQLite's
    "How To Corrupt" page, 8.1): two connections writing or checkpointing at the same
    instant can, rarely, corrupt a WAL database."""
    version = sqlite3.sqlite_version_info
    if (3, 7, 0) <= version < WAL_RESET_FIXED:
        return [
            Finding(
                INFO,
                "sqlite",
                f"this Python uses SQLite {sqlite3.sqlite_version}, which has the WAL-reset "
                "bug fixed in 3.52.0: when two programs write at the same instant, a project "
                "can very rarely be damaged; the automatic backups and these checks are the "
                "safety net",
                hint="Use a Python built with SQLite 3.52.0 or later when you can.",
            )
        ]
    return []


def diagnose(folder: str | Path) -> DoctorReport:
    """Run every check on the project in ``folder``; changes nothing."""
    root = Path(folder)
    report = DoctorReport(root)
    if not root.is_dir():
        report.findings.append(Finding(ERROR, "file", f"folder not found: {root}"))
        return report
    report.findings.extend(_sqlite_findings())
    db_path = root / backup.DB_NAME
    if not db_path.exists():
        if (root / backup.CODEBOOK_NAME).exists():
            report.findings.append(
                Finding(INFO, "file", "no project.db yet: it is created when the project opens")
            )
        else:
            report.findings.append(
                Finding(ERROR, "file", "not an mpu-qual project (no project.db or codebook.yaml)")
            )
        return report
    why = why_read_only(db_path)
    if why is not None:  # not a fault of the file: what mpu-qual does about it
        report.findings.append(Finding(WARNING, "access", why.notice, hint=why.hint))
    conn, bad = _readable(db_path)
    if conn is None:
        if bad is not None:  # always, when there is no connection
            report.findings.append(bad)
        report.findings.extend(_file_findings(root, None))
        report.findings.extend(_backup_findings(report))
        return report
    try:
        with read_snapshot(conn):  # one committed state, while other windows write
            foreign = untrusted_objects(conn)
            if foreign:
                report.findings.append(
                    Finding(
                        ERROR,
                        "trust",
                        f"the database contains {', '.join(foreign[:5])} that mpu-qual did not "
                        "create; mpu-qual refuses to open it",
                        hint="Restore one of your own backups with 'mpu-qual restore'.",
                        items=foreign[:MAX_ITEMS],
                    )
                )
            damaged = integrity(conn)
            report.findings.extend(damaged)
            report.findings.extend(foreign_keys(conn))
            report.findings.extend(offsets(conn))
            report.findings.extend(fts(conn))
            report.findings.extend(journal(conn))
            report.findings.extend(_migration_findings(conn))
            report.findings.extend(_codebook_findings(root, conn))
            report.findings.extend(_file_findings(root, conn))
    finally:
        conn.close()
    report.findings.extend(_backup_findings(report))
    return report


# ----------------------------------------------------------------------------- repair
