"""Schema of a project, as sqlite-utils Migrations: each step runs once, in a transaction.

The store owns every table, features' included, so that one place knows the whole schema: the
schema trust check (``store/schema_trust.py``) rebuilds it to compare a file against, and
``Project.open`` applies it. One set per area, applied in this order:

- ``core``: participants, sources, segments, codes, codings, memos, undo journal, search index;
- ``speech``: checkpoints of transcription runs (``mpu_qual.speech``);
- ``evidence``: job ads, their search index and evidence links (``mpu_qual.evidence``);
- ``team``: the team's settings (blind mode) and review rejections (``mpu_qual.team``);
- ``analysis``: the framework matrix's cell summaries (``mpu_qual.analysis``).

Never edit an applied migration; add a new one. Never rename a set: its name
is stored in every project's ``_sqlite_migrations`` table, and a new name would run the set
again. The modules were renamed (job_ads.py, transcription.py); the stored names were not.
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils import Migrations

from mpu_qual.store.migrations import analysis, core, evidence, speech, team

# Tables whose row changes the undo journal records (core, then features).
JOURNALED_TABLES = (
    *core.JOURNALED_TABLES,
    *evidence.JOURNALED_TABLES,
    *team.JOURNALED_TABLES,
    *analysis.JOURNALED_TABLES,
)


def migration_sets() -> list[Migrations]:
    """The core set first, then every feature's set."""
    return [
        core.migrations,
        speech.migrations,
        evidence.migrations,
        team.migrations,
        analysis.migrations,
    ]


def step_names(migrations: Migrations) -> list[str]:
    """The names of a set's steps in order (sqlite-utils keeps them in a private list)."""
    return [m.name for m in migrations._migrations]  # noqa: SLF001 - no public accessor


def apply_all(db: sqlite_utils.Database) -> None:
    for migrations in migration_sets():
        migrations.apply(db)


def pending(db: sqlite_utils.Database) -> list[str]:
    return [f"{m.name}" for s in migration_sets() for m in s.pending(db)]
