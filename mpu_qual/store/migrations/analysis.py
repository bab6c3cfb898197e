"""The analysis tables, as their own migration set (``mpu_qual.analysis``).

- ``framework_summaries``: the researcher's short summary of one framework-matrix cell (a
  participant or a stakeholder group, by a theme). Journaled: every edit is one undoable
  action. A participant's summaries go with the participant; a code's with the code. Not
  unique per cell: merging two codes keeps both codes' summaries, and merging a colleague's
  project keeps their different text beside ours (the cell shows both).
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils import Migrations

from mpu_qual.store.migrations.sql import create_journal_triggers, exec_script

migrations = Migrations("mpu_qual.analysis")

JOURNALED_TABLES = ("framework_summaries",)


@migrations()
def m001_framework_summaries(db: sqlite_utils.Database) -> None:
    exec_script(
        db,
        """
        CREATE TABLE framework_summaries (
            id INTEGER PRIMARY KEY,
            participant_id INTEGER REFERENCES participants(id) ON DELETE CASCADE,
            group_id TEXT,
            code_id TEXT NOT NULL REFERENCES codes(id) ON DELETE CASCADE,
            summary TEXT NOT NULL,
            author TEXT,
            updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            CHECK ((participant_id IS NULL) <> (group_id IS NULL))
        );
        CREATE INDEX framework_summaries_code ON framework_summaries(code_id);
        CREATE INDEX framework_summaries_participant ON framework_summaries(participant_id);
        """,
    )
    create_journal_triggers(db, "framework_summaries")
