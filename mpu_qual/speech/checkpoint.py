"""Saved progress of transcription runs in project.db: ``project.transcription_runs``
(store/transcription_runs.py) holds the rows and their SQL; this module makes sure the tables
exist (store/migrations/speech.py) before a run uses them.

Each segment is written in its own small transaction the moment it arrives from the worker:
a crash, Ctrl+C or SIGKILL loses at most the segment being decoded.
"""

from __future__ import annotations

import sqlite_utils

from mpu_qual.store.migrations.speech import migrations
from mpu_qual.store.transcription_runs import Run, SavedSegment

__all__ = ["Run", "SavedSegment", "ensure_schema"]


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Apply the checkpoint migrations (a no-op once applied; Project.open does it too)."""
    if migrations.pending(db):
        migrations.apply(db)
