"""Low-level data safety, below the store: backups with SQLite's backup API, SQLite's own
health checks on a raw connection, the open-time guard, network/cloud folder detection and
notices.

Nothing here imports the store or names its tables (the store calls it, and hands the guard
its own checks, ``store/health.py``). Doctor, restore and purge, which work
on whole projects, are in ``mpu_qual.maintenance``, above the store.
The TUI can show notices (read-only open, network folder) with
``safety.notices.add_handler`` and the storage warning with ``netfs.storage_warning``.
"""

from mpu_qual.safety.netfs import storage_warning
from mpu_qual.safety.notices import add_handler, notify

__all__ = ["add_handler", "notify", "storage_warning"]
