"""The core tables of a project (participants, sources, segments, codes, codings, memos, the
undo journal, the search index), as sqlite-utils Migrations.

Never edit an applied migration; add a new one.
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils import Migrations

from mpu_qual.store.migrations.sql import create_journal_triggers, exec_script

migrations = Migrations("mpu_qual.core")

# Tables whose row changes the undo journal records.
JOURNALED_TABLES = ("participants", "sources", "segments", "codes", "codings", "memos")


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    exec_script(
        db,
        """
        CREATE TABLE participants (
            id INTEGER PRIMARY KEY,
            label TEXT NOT NULL UNIQUE CHECK (length(trim(label)) > 0),
            name TEXT,
            group_id TEXT,
            attributes TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        );
        CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
            kind TEXT NOT NULL DEFAULT 'transcript',
            text TEXT NOT NULL,
            length INTEGER NOT NULL,
            format TEXT,
            original_path TEXT,
            sha256 TEXT,
            metadata TEXT NOT NULL DEFAULT '{}',
            media_path TEXT,
            duration_ms INTEGER,
            imported_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            CHECK (length = length(text))
        );
        CREATE TABLE segments (
            id INTEGER PRIMARY KEY,
            source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            speaker TEXT,
            participant_id INTEGER REFERENCES participants(id) ON DELETE SET NULL,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            start_ms INTEGER,
            end_ms INTEGER,
            meta TEXT NOT NULL DEFAULT '{}',
            UNIQUE (source_id, idx),
            CHECK (0 <= start AND start <= end)
        );
        CREATE INDEX segments_source ON segments(source_id, start);
        CREATE INDEX segments_participant ON segments(participant_id);
        CREATE TABLE codes (
            id TEXT PRIMARY KEY,
            parent_id TEXT REFERENCES codes(id) ON DELETE RESTRICT,
            label_en TEXT NOT NULL,
            label_zh TEXT NOT NULL,
            rule TEXT,
            color TEXT,
            addresses TEXT,
            position INTEGER NOT NULL DEFAULT 0,
            depth INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX codes_parent ON codes(parent_id);
        CREATE TABLE codings (
            id INTEGER PRIMARY KEY,
            source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            code_id TEXT NOT NULL REFERENCES codes(id) ON DELETE RESTRICT,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            quote TEXT NOT NULL,
            memo TEXT,
            coder TEXT,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            CHECK (0 <= start AND start < end)
        );
        CREATE INDEX codings_source ON codings(source_id, start);
        CREATE INDEX codings_code ON codings(code_id);
        CREATE TABLE memos (
            id INTEGER PRIMARY KEY,
            source_id INTEGER REFERENCES sources(id) ON DELETE CASCADE,
            code_id TEXT REFERENCES codes(id) ON DELETE CASCADE,
            title TEXT,
            text TEXT NOT NULL,
            author TEXT,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            updated_at TEXT
        );
        CREATE TABLE actions (
            id INTEGER PRIMARY KEY,
            description TEXT NOT NULL,
            kind TEXT,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            undone INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE changes (
            id INTEGER PRIMARY KEY,
            action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
            tbl TEXT NOT NULL,
            op TEXT NOT NULL CHECK (op IN ('I', 'U', 'D')),
            old TEXT,
            new TEXT
        );
        CREATE INDEX changes_action ON changes(action_id);
        CREATE TABLE journal_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            action_id INTEGER
        );
        INSERT INTO journal_state (id, action_id) VALUES (1, NULL);

        -- A coding must lie inside its source's text and quote exactly that text.
        CREATE TRIGGER codings_span_insert BEFORE INSERT ON codings
        BEGIN
            SELECT RAISE(ABORT, 'coding span is outside the text')
            WHERE NEW.end > (SELECT length FROM sources WHERE id = NEW.source_id);
            SELECT RAISE(ABORT, 'coding quote does not match the text')
            WHERE NEW.quote IS NOT (SELECT substr(text, NEW.start + 1, NEW.end - NEW.start)
                                    FROM sources WHERE id = NEW.source_id);
        END;
        CREATE TRIGGER codings_span_update BEFORE UPDATE OF start, end, quote, source_id ON codings
        BEGIN
            SELECT RAISE(ABORT, 'coding span is outside the text')
            WHERE NEW.end > (SELECT length FROM sources WHERE id = NEW.source_id);
            SELECT RAISE(ABORT, 'coding quote does not match the text')
            WHERE NEW.quote IS NOT (SELECT substr(text, NEW.start + 1, NEW.end - NEW.start)
                                    FROM sources WHERE id = NEW.source_id);
        END;
        CREATE TRIGGER segments_span_insert BEFORE INSERT ON segments
        BEGIN
            SELECT RAISE(ABORT, 'segment span is outside the text')
            WHERE NEW.end > (SELECT length FROM sources WHERE id = NEW.source_id);
        END;

        -- Full-text search over segments; trigram finds CJK substrings too.
        CREATE VIRTUAL TABLE segments_fts USING fts5(text, tokenize = 'trigram');
        CREATE TRIGGER segments_fts_insert AFTER INSERT ON segments
        BEGIN
            INSERT INTO segments_fts (rowid, text)
            SELECT NEW.id, substr(text, NEW.start + 1, NEW.end - NEW.start)
            FROM sources WHERE id = NEW.source_id;
        END;
        CREATE TRIGGER segments_fts_delete AFTER DELETE ON segments
        BEGIN
            DELETE FROM segments_fts WHERE rowid = OLD.id;
        END;
        CREATE TRIGGER segments_fts_update AFTER UPDATE OF start, end, source_id ON segments
        BEGIN
            DELETE FROM segments_fts WHERE rowid = OLD.id;
            INSERT INTO segments_fts (rowid, text)
            SELECT NEW.id, substr(text, NEW.start + 1, NEW.end - NEW.start)
            FROM sources WHERE id = NEW.source_id;
        END;
        """,
    )
    for table in JOURNALED_TABLES:
        create_journal_triggers(db, table)


@migrations()
def m002_replay_guard(db: sqlite_utils.Database) -> None:
    """Pause span checks and search-index triggers while undo/redo replays the journal.

    Replay restores a state that was consistent when it was recorded, row by row in exact
    order; the journal module re-indexes and re-checks everything it touched at the end.
    """
    guard = "WHEN (SELECT replaying FROM journal_state WHERE id = 1) = 0"
    exec_script(
        db,
        f"""
        ALTER TABLE journal_state ADD COLUMN replaying INTEGER NOT NULL DEFAULT 0;
        DROP TRIGGER codings_span_insert;
        DROP TRIGGER codings_span_update;
        DROP TRIGGER segments_span_insert;
        DROP TRIGGER segments_fts_insert;
        DROP TRIGGER segments_fts_delete;
        DROP TRIGGER segments_fts_update;
        CREATE TRIGGER codings_span_insert BEFORE INSERT ON codings {guard}
        BEGIN
            SELECT RAISE(ABORT, 'coding span is outside the text')
            WHERE NEW.end > (SELECT length FROM sources WHERE id = NEW.source_id);
            SELECT RAISE(ABORT, 'coding quote does not match the text')
            WHERE NEW.quote IS NOT (SELECT substr(text, NEW.start + 1, NEW.end - NEW.start)
                                    FROM sources WHERE id = NEW.source_id);
        END;
        CREATE TRIGGER codings_span_update BEFORE UPDATE OF start, end, quote, source_id
        ON codings {guard}
        BEGIN
            SELECT RAISE(ABORT, 'coding span is outside the text')
            WHERE NEW.end > (SELECT length FROM sources WHERE id = NEW.source_id);
            SELECT RAISE(ABORT, 'coding quote does not match the text')
            WHERE NEW.quote IS NOT (SELECT substr(text, NEW.start + 1, NEW.end - NEW.start)
                                    FROM sources WHERE id = NEW.source_id);
        END;
        CREATE TRIGGER segments_span_insert BEFORE INSERT ON segments {guard}
        BEGIN
            SELECT RAISE(ABORT, 'segment span is outside the text')
            WHERE NEW.end > (SELECT length FROM sources WHERE id = NEW.source_id);
        END;
        CREATE TRIGGER segments_fts_insert AFTER INSERT ON segments {guard}
        BEGIN
            INSERT INTO segments_fts (rowid, text)
            SELECT NEW.id, substr(text, NEW.start + 1, NEW.end - NEW.start)
            FROM sources WHERE id = NEW.source_id;
        END;
        CREATE TRIGGER segments_fts_delete AFTER DELETE ON segments {guard}
        BEGIN
            DELETE FROM segments_fts WHERE rowid = OLD.id;
        END;
        CREATE TRIGGER segments_fts_update AFTER UPDATE OF start, end, source_id
        ON segments {guard}
        BEGIN
            DELETE FROM segments_fts WHERE rowid = OLD.id;
            INSERT INTO segments_fts (rowid, text)
            SELECT NEW.id, substr(text, NEW.start + 1, NEW.end - NEW.start)
            FROM sources WHERE id = NEW.source_id;
        END;
        """,
    )
