"""Checkpoint tables of the transcriber, as their own migration set in project.db.

A run row per target source name; its segments are committed one by one as the decoder
produces them, so an interrupted run resumes after the last saved segment. These tables
are not journaled: checkpoints are not user actions and are never undone.
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils import Migrations

# The set keeps the package's former name: it is recorded in every project database, and a
# new name would make sqlite-utils apply these migrations again.
migrations = Migrations("mpu_qual.transcribe")


@migrations()
def m001_checkpoints(db: sqlite_utils.Database) -> None:
    db.conn.execute(
        """
        CREATE TABLE transcription_runs (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
            media_path TEXT NOT NULL,
            media_sha256 TEXT NOT NULL,
            settings TEXT NOT NULL CHECK (json_valid(settings)),
            fingerprint TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('running', 'interrupted', 'failed')),
            duration_ms INTEGER,
            language TEXT,
            mode TEXT,
            error TEXT,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        )
        """
    )
    db.conn.execute(
        """
        CREATE TABLE transcription_segments (
            run_id INTEGER NOT NULL REFERENCES transcription_runs(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            start_ms INTEGER NOT NULL,
            end_ms INTEGER NOT NULL,
            text TEXT NOT NULL,
            avg_logprob REAL,
            no_speech_prob REAL,
            compression_ratio REAL,
            temperature REAL,
            PRIMARY KEY (run_id, idx),
            CHECK (0 <= start_ms AND start_ms <= end_ms)
        )
        """
    )


@migrations()
def m002_run_owner(db: sqlite_utils.Database) -> None:
    """Which process runs a transcription, so a second one does not write into it."""
    db.conn.execute("ALTER TABLE transcription_runs ADD COLUMN owner_pid INTEGER")
    db.conn.execute("ALTER TABLE transcription_runs ADD COLUMN owner_host TEXT")


@migrations()
def m003_speech_regions(db: sqlite_utils.Database) -> None:
    """Voice-activity regions of a run (JSON [[start_ms, end_ms], ...]), kept for a resume.

    The review flags compare them with the segments: speech without text was dropped.
    """
    db.conn.execute("ALTER TABLE transcription_runs ADD COLUMN speech TEXT")


@migrations()
def m004_word_times(db: sqlite_utils.Database) -> None:
    """Whisper's word times of a saved segment (JSON [[start_ms, end_ms, word], ...]) when
    the run labels speakers: a segment is split where the speaker changes between words."""
    db.conn.execute("ALTER TABLE transcription_segments ADD COLUMN words TEXT")
