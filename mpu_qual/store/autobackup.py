"""Automatic backups of an open project, made with the safety package's backup API.

A backup is not made on open itself but just before the first write of a session (kind
"open"), which captures the same state and costs nothing for commands that only read, and
before every bulk operation (import, autocode, merge, codebook sync). A failed automatic
backup is a warning, never a reason to refuse the user's work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mpu_qual.errors import MpuQualError
from mpu_qual.safety import backup
from mpu_qual.safety.notices import notify

if TYPE_CHECKING:
    from mpu_qual.store.project import Project


def before_bulk(project: Project, kind: str) -> None:
    """Back the project up before a bulk operation of ``kind`` (or its first write, "open")."""
    if project.readonly or not project.auto_backups:
        return
    in_tx = project.conn.in_transaction
    if in_tx and project.backed_up_transaction == project.transactions:
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
        project.backed_up_transaction = project.transactions
