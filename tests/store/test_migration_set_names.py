"""The migration sets keep the names every existing project has stored.

sqlite-utils records each applied step as (set name, step name) in ``_sqlite_migrations``.
The modules that define the sets were renamed (``migrations/job_ads.py`` -> ``evidence.py``,
``migrations/transcription.py`` -> ``speech.py``); the stored names must not follow, or an
existing project would run a set again (CREATE TABLE on tables it has) or lose track of it.
The names below are the historical strings, written out by hand on purpose.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mpu_qual.store import Project
from mpu_qual.store.migrations import evidence, migration_sets, speech, step_names

# (set name, steps) as every project created since the set existed has stored them
HISTORICAL = [
    ("mpu_qual.core", ["m001_initial", "m002_replay_guard"]),
    (
        "mpu_qual.transcribe",
        ["m001_checkpoints", "m002_run_owner", "m003_speech_regions", "m004_word_times"],
    ),
    ("mpu_qual.evidence", ["m001_job_ads", "m002_journal_links"]),
    ("mpu_qual.team", ["m001_team_settings", "m002_review_rejections"]),
    ("mpu_qual.analysis", ["m001_framework_summaries"]),
]


def test_renamed_modules_keep_their_stored_set_names() -> None:
    assert speech.migrations.name == "mpu_qual.transcribe"
    assert evidence.migrations.name == "mpu_qual.evidence"
    # a new step may be added at the end of a set; the old ones keep name and order
    for migrations, (name, steps) in zip(migration_sets(), HISTORICAL, strict=True):
        assert migrations.name == name
        assert step_names(migrations)[: len(steps)] == steps


def _stored(db: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT migration_set, name FROM _sqlite_migrations ORDER BY id"
        ).fetchall()
    finally:
        conn.close()


def test_a_project_with_the_historical_rows_opens_without_running_a_set_again(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "p"
    Project.init(folder).close()
    db = folder / "project.db"
    expected = [(name, step) for name, steps in HISTORICAL for step in steps]
    rows = _stored(db)
    assert rows[: len(expected)] == expected  # what an older project has in its table
    # opening again applies nothing: no set is unknown under its stored name
    Project.open(folder).close()
    assert _stored(db) == rows
