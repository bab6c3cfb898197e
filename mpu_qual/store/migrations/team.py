"""The team's tables, as their own migration set (``mpu_qual.team``).

- ``team_settings``: project settings (blind mode). A setting is a plain key/value row, written
  in one transaction; it is not an undoable action (like a preference, it is set on purpose
  and set back the same way).
- ``review_rejections``: codings a disagreement review removed, so that merging the same
  colleague's copy again does not bring them back. Journaled: undoing the review forgets them.
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils import Migrations

from mpu_qual.store.migrations.sql import create_journal_triggers, exec_script

migrations = Migrations("mpu_qual.team")

JOURNALED_TABLES = ("review_rejections",)


@migrations()
def m001_team_settings(db: sqlite_utils.Database) -> None:
    exec_script(
        db,
        """
        CREATE TABLE team_settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE INDEX codings_coder ON codings(coder, code_id);
        """,
    )


@migrations()
def m002_review_rejections(db: sqlite_utils.Database) -> None:
    exec_script(
        db,
        """
        CREATE TABLE review_rejections (
            id INTEGER PRIMARY KEY,
            source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            code_id TEXT NOT NULL,
            coder TEXT,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        );
        CREATE UNIQUE INDEX review_rejections_key
            ON review_rejections(source_id, code_id, coder, start, end);
        """,
    )
    create_journal_triggers(db, "review_rejections")
