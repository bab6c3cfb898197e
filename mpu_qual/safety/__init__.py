"""Data safety: backups, restore, doctor, privacy purge, open-time checks.

Kept free of any UI so the CLI and the TUI share it. ``Project.open`` calls
``safety.guard`` itself; everything else is called by the commands in ``cli/safety.py``.
The TUI can show notices (read-only open, network folder) with
``safety.notices.add_handler`` and the storage warning with ``netfs.storage_warning``.
"""

from mpu_qual.safety.netfs import storage_warning
from mpu_qual.safety.notices import add_handler, notify

__all__ = ["add_handler", "notify", "storage_warning"]
