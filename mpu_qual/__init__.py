"""mpu-qual: qualitative coding of focus groups for manpower reports.

Importing the package loads no UI code; the TUI lives in ``mpu_qual.tui``.
"""

__version__ = "0.1.0"

from mpu_qual import startup  # noqa: E402

startup.install()  # sqlite-utils without numpy: see startup.py
