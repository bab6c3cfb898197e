"""Automatic backups of an open project, made with the safety package's backup API.

A backup is not made on open itself but just before the first write of a session (kind
"open"), which captures the same state and costs nothing for commands that only read, and
before every bulk operation (import, autocode, merge, codebook sync). A failed automatic
backup is a warning, never a reason to refuse the user's work.

A front end that opens a project and then waits for the user (the workbench) may start the
"open" backup at once, in a thread with its own connection (``start_open``): the first
write then waits for it if it is still running, and backs up again only if another window
changed the project since. On a large project this took 0.3-1 s, paid by the first coding
key of a session.
"""

from __future__ import annotations

import threading
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
        if kind == "open" and project.open_backup is not None:
            made = project.open_backup.wait()  # raises what the thread met
            project.open_backup = None
            # made one: again only if the project changed since (another window wrote)
            interval = None if made else backup.OPEN_INTERVAL_S
            backup.auto_backup(project.folder, "open", min_interval_s=interval)
        elif kind == "open":
            backup.auto_backup(project.folder, "open", min_interval_s=backup.OPEN_INTERVAL_S)
        else:
            backup.auto_backup(project.folder, kind)
    except MpuQualError as exc:
        notify("warning", f"the automatic backup before '{kind}' failed: {exc}. Continuing.")
    if in_tx:
        project.backed_up_transaction = project.transactions


class OpenBackup:
    """The "open" backup, made in a thread (``backup.auto_backup`` opens its own connection:
    SQLite's backup API, the GIL released while it copies)."""

    def __init__(self, project: Project) -> None:
        self._folder = project.folder
        self._made = False
        self._error: MpuQualError | None = None
        self._thread = threading.Thread(target=self._run, name="mpu-qual open backup")
        self._thread.start()

    def _run(self) -> None:
        try:
            self._made = (
                backup.auto_backup(self._folder, "open", min_interval_s=backup.OPEN_INTERVAL_S)
                is not None
            )
        except MpuQualError as exc:
            self._error = exc

    def wait(self) -> bool:
        """Wait for it; whether it made a backup (a failure is raised here, in the caller's
        thread, as ``MpuQualError``)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._made


def start_open(project: Project) -> None:
    """Start the backup of the project as opened now, in a thread, rather than at the first
    write (see the module's docstring); nothing for a read-only project."""
    if project.readonly or not project.auto_backups or project.open_backup is not None:
        return
    if not project.first_write_pending:
        return
    project.open_backup = OpenBackup(project)
