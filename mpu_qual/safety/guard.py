"""What ``Project.open`` asks before it lets anyone write, and the automatic backups.

On open: warn about network or cloud folders; refuse files whose triggers or views are not
ours; run the quick checks (unless this exact file state passed them before) and, when they
fail, have the project opened read-only with a message that says what to do. Backups are not
made on open itself but just before the first write of the session, which captures the same
state and costs nothing for commands that only read.
"""

from __future__ import annotations

import json
import os
import weakref
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from mpu_qual.errors import MpuQualError
from mpu_qual.safety import backup
from mpu_qual.safety.checks import Finding, blocking, open_checks
from mpu_qual.safety.netfs import storage_warning
from mpu_qual.safety.notices import notify

if TYPE_CHECKING:
    import sqlite_utils

    from mpu_qual.store.project import Project

VERIFIED_FILE = "verified-projects.json"
# project -> number of the transaction whose starting state a bulk hook already saved
_backed_tx: weakref.WeakKeyDictionary[Project, int] = weakref.WeakKeyDictionary()
MAX_REMEMBERED = 200


def _verified_path() -> Path:
    from mpu_qual.paths import user_dir

    return user_dir() / VERIFIED_FILE


def _load_verified() -> dict[str, str]:
    try:
        data = json.loads(_verified_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def remember_verified(db_path: Path, fp: str) -> None:
    """Record that this file state passed the checks (in the user folder, not the project)."""
    from mpu_qual.fileio import write_text_atomic

    data = _load_verified()
    key = os.path.realpath(db_path)
    data.pop(key, None)
    data[key] = fp
    while len(data) > MAX_REMEMBERED:
        data.pop(next(iter(data)))
    try:
        write_text_atomic(_verified_path(), json.dumps(data, ensure_ascii=False))
    except (MpuQualError, OSError):
        pass  # only an optimisation: the checks run again next time


def forget_verified(db_path: Path) -> None:
    data = _load_verified()
    if data.pop(os.path.realpath(db_path), None) is not None:
        from mpu_qual.fileio import write_text_atomic

        try:
            write_text_atomic(_verified_path(), json.dumps(data, ensure_ascii=False))
        except (MpuQualError, OSError):
            pass


def was_verified(db_path: Path, fp: str) -> bool:
    return _load_verified().get(os.path.realpath(db_path)) == fp


def summarize(findings: list[Finding]) -> str:
    return "; ".join(f.message for f in findings[:3]) + (" ..." if len(findings) > 3 else "")


def check_on_open(folder: Path, db: sqlite_utils.Database) -> list[Finding]:
    """Run by ``Project.open`` on a writable connection before migrations or writes.

    Returns the blocking problems (the caller reopens read-only when there are any). Files
    with foreign triggers or views never get here: ``connect`` refuses them
    (``refuse_untrusted``) before its first write.
    """
    db_path = Path(folder) / backup.DB_NAME
    warning = storage_warning(folder)
    if warning:
        notify("warning", warning)
    fp = backup.fingerprint(db_path)
    if was_verified(db_path, fp):
        return []
    problems = blocking(open_checks(db.conn))
    if problems:
        forget_verified(db_path)
        notify(
            "error",
            f"{db_path}: the project failed its safety checks ({summarize(problems)}). "
            "It is open read-only, so nothing can make it worse. Run 'mpu-qual doctor' to see "
            "the details, then 'mpu-qual doctor --repair' or 'mpu-qual restore' to fix it.",
        )
        return problems
    remember_verified(db_path, fp)
    return []


def backup_hook(project: Project, kind: str) -> None:
    """``Project.before_bulk`` hook: an automatic backup before the first write of a session
    (kind "open") and before every bulk operation (import, autocode, merge, codebook sync)."""
    if project.readonly:
        return
    in_tx = project.conn.in_transaction
    if in_tx and _backed_tx.get(project) == project.transactions:
        # A bulk step inside a larger operation (a REFI import adds each transcript): the
        # committed state cannot change while we hold the write lock, and it is saved.
        return
    try:
        if kind == "open":
            backup.auto_backup(project.folder, "open", min_interval_s=backup.OPEN_INTERVAL_S)
        else:
            backup.auto_backup(project.folder, kind)
    except MpuQualError as exc:
        notify("warning", f"the automatic backup before '{kind}' failed: {exc}. Continuing.")
    if in_tx:
        _backed_tx[project] = project.transactions


def reconcile_codebook(project: Project) -> bool:
    """Finish a codebook.yaml write that a crash cut off; True when the file was rewritten.

    An action that changes codes commits the database first and rewrites codebook.yaml
    right after. Killed in between, the file is older than the last committed change of
    the codes table, and the next 'codebook load' would undo that change (bring merged
    codes back, drop new ones). A file *newer* than that change is the user's own edit and
    is left alone.
    """
    if project.readonly:
        return False
    row = project.conn.execute(
        "SELECT max(a.created_at) FROM actions a WHERE EXISTS "
        "(SELECT 1 FROM changes c WHERE c.action_id = a.id AND c.tbl = 'codes')"
    ).fetchone()
    if not row or not row[0]:
        return False
    last = datetime.fromisoformat(str(row[0]).replace("Z", "+00:00")).timestamp()
    try:
        mtime = project.codebook_path.stat().st_mtime
    except FileNotFoundError:
        return False  # doctor reports it and --repair writes it
    if mtime >= last:
        return False
    try:
        project._write_codebook_from_db()  # noqa: SLF001 - the store's own writer
    except MpuQualError as exc:
        notify("warning", f"codebook.yaml is older than the project's codes: {exc}")
        return False
    notify(
        "info",
        f"{project.codebook_path}: rewritten from the project's codes (the last save of it "
        "was interrupted).",
    )
    return True


def protect(project: Project) -> None:
    """Attach the automatic backups to an open project (idempotent) and finish an
    interrupted codebook.yaml write."""
    if backup_hook not in project.before_bulk:
        project.before_bulk.append(backup_hook)
    reconcile_codebook(project)
