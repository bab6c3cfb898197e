"""Helpers for the workbench tests (imported by the test modules)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mpu_qual.store import Project
from mpu_qual.store.records import Coding

SIZE = (100, 30)


async def settle(pilot) -> None:
    """Let workers finish and the screen catch up (search and auto-code run in threads)."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def db_codings(folder: Path) -> list[Coding]:
    """Codings as a fresh connection sees them: what is on disk, not what the app holds."""
    with Project.open(folder) as project:
        return project.codings.list()


def integrity(folder: Path) -> str:
    conn = sqlite3.connect(folder / "project.db")
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()
