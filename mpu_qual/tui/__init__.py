"""The Textual coding workbench (the only package that imports textual).

``create_app(folder)`` builds the app for the CLI and for tests; ``run_app(folder)`` runs it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mpu_qual.tui.app import MpuQualApp


def create_app(folder: str | Path) -> MpuQualApp:
    """The workbench app on the project in ``folder`` (not yet running)."""
    from mpu_qual.tui.app import create_app as _create

    return _create(folder)


def run_app(folder: str | Path) -> None:
    """Open the workbench in the terminal until the user quits."""
    from mpu_qual.tui.app import run_app as _run

    _run(folder)


__all__ = ["create_app", "run_app"]
