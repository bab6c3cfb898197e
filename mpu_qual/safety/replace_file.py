"""The one way a database file is replaced: backups, restores and scrubbed backups.

SQLite writes the new file under a fresh, unguessable temp name beside the target (it
creates, writes and, with ``synchronous=FULL``, fsyncs it; we never open it ourselves),
then one ``os.replace`` puts it in place and an fsync of the folder makes the rename
durable. A kill at any instant leaves the old file or the new one, never a mixture; a
temp file left by a kill is found by ``backup.stale_temp_files`` and ``doctor``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from mpu_qual.fileio import fsync_folder, private_umask, temp_name_beside

SIDECAR_SUFFIXES = ("-wal", "-shm", "-journal")


def replace_database_file(
    target: Path, build: Callable[[Path], object], *, drop_sidecars: bool = False
) -> None:
    """Have ``build(tmp)`` write a complete database file, then rename it over ``target``.

    ``build`` receives a path that does not exist yet and must leave a complete, synced
    database file there (SQLite's backup API or ``VACUUM INTO``). ``drop_sidecars`` removes
    the target's stale -wal/-shm/-journal just before the rename: only for a file SQLite
    cannot open, and only when no other program has it open (the caller checks).
    The new file is private (0600). On any failure the target is untouched and the temp
    file and its journal are removed.
    """
    target = Path(target)
    tmp = temp_name_beside(target)
    try:
        with private_umask():  # SQLite creates the file: 0600
            build(tmp)
        os.chmod(tmp, 0o600)
        if drop_sidecars:
            for suffix in SIDECAR_SUFFIXES:
                Path(str(target) + suffix).unlink(missing_ok=True)
        os.replace(tmp, target)
        fsync_folder(target.parent if str(target.parent) else Path("."))
    finally:
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + "-journal").unlink(missing_ok=True)
