"""The team's project settings (blind mode), as their own migration set (``mpu_qual.team``).

A setting is a plain key/value row, written in one transaction; it is not an undoable action
(like a preference, it is set on purpose and set back the same way).
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils import Migrations

from mpu_qual.store.migrations.sql import exec_script

migrations = Migrations("mpu_qual.team")


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
