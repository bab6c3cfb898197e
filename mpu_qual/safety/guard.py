"""What ``Project.open`` asks of a connection before it lets anyone write.

On open: warn about network or cloud folders; run the quick checks (unless this exact file
state passed them before) and, when they fail, have the project opened read-only with a
message that says what to do. Works on a raw connection and knows nothing of the store,
which calls it with its checks (``store/health.py``) (the schema trust check is the store's own, ``store/schema_trust.py``; the
automatic backups are attached by ``store/autobackup.py``).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from mpu_qual.errors import MpuQualError
from mpu_qual.fileio import write_text_atomic
from mpu_qual.paths import user_dir
from mpu_qual.safety import backup
from mpu_qual.safety.access import open_for_reading, write_error
from mpu_qual.safety.checks import Finding, blocking, read_snapshot
from mpu_qual.safety.netfs import storage_warning
from mpu_qual.safety.notices import notify

VERIFIED_FILE = "verified-projects.json"
# The checks to run on a connection; the store gives its own (``store/health.open_checks``):
# this module sits below the store and knows none of its tables.
Checks = Callable[[sqlite3.Connection], list[Finding]]
MAX_REMEMBERED = 200


def _verified_path() -> Path:

    return user_dir() / VERIFIED_FILE


def _load_verified() -> dict[str, str]:
    try:
        data = json.loads(_verified_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def remember_verified(db_path: Path, fp: str) -> None:
    """Record that this file state passed the checks (in the user folder, not the project)."""

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
        try:
            write_text_atomic(_verified_path(), json.dumps(data, ensure_ascii=False))
        except (MpuQualError, OSError):
            pass


def was_verified(db_path: Path, fp: str) -> bool:
    return _load_verified().get(os.path.realpath(db_path)) == fp


def summarize(findings: list[Finding]) -> str:
    return "; ".join(f.message for f in findings[:3]) + (" ..." if len(findings) > 3 else "")


def check_on_open(folder: Path, conn: sqlite3.Connection, checks: Checks) -> list[Finding]:
    """Run by ``Project.open`` on a writable connection before migrations or writes.

    ``checks``: the quick checks (the store's ``health.open_checks``). Returns the blocking
    problems (the caller reopens read-only when there are any). Files
    with foreign triggers or views never get here: ``connect`` refuses them
    (``store.schema_trust``) before its first write.
    """
    db_path = Path(folder) / backup.DB_NAME
    warning = storage_warning(folder)
    if warning:
        notify("warning", warning)
    fp = backup.fingerprint(db_path)
    if was_verified(db_path, fp):
        return []
    with read_snapshot(conn):  # one state, even while another window commits
        problems = blocking(checks(conn))
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


def database_error(exc: BaseException, db_path: Path, checks: Checks) -> MpuQualError:
    """The user's version of an SQLite error that stopped a command, true about the file.

    A full disk or a read-only folder is said as such (``write_error``). Otherwise the
    project's quick checks, ``checks`` (what ``doctor`` checks first), decide: only when they find the
    file damaged is doctor and restore advised; a healthy file means the command met a change
    another command or window made at the same moment, and running it again is the answer.
    Restoring a backup then would throw recent work away.
    """
    mapped = write_error(exc, db_path)
    if mapped is not None:
        return mapped
    try:
        conn = open_for_reading(db_path)
    except (sqlite3.Error, MpuQualError):
        problems = ["it cannot be opened"]
    else:
        try:
            with read_snapshot(conn):
                problems = [f.message for f in blocking(checks(conn))]
        except sqlite3.DatabaseError as err:
            problems = [str(err)]
        finally:
            conn.close()
    if problems:
        return MpuQualError(
            f"the project database is damaged ({'; '.join(problems[:3])}); the command "
            f"stopped at: {exc}",
            path=db_path,
            hint="Run 'mpu-qual doctor' to see the details, then 'mpu-qual doctor --repair' "
            "or 'mpu-qual restore --latest'.",
        )
    return MpuQualError(
        f"the command stopped ({exc}) and the step it was on was not saved. The project file "
        "is healthy (its checks pass): most likely another command or window changed the "
        "project at the same moment",
        path=db_path,
        hint="Run the command again. No restore is needed.",
    )
