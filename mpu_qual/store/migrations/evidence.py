"""Job-ad and evidence tables, as their own migration set in project.db.

Ads are classified at import (sector, window, role, terms) so every table the report prints is
a GROUP BY over indexed columns. These tables are not journaled: an import is a bulk operation,
not an undoable user action. Never edit an applied migration; add a new one.
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils import Migrations

from mpu_qual.store.migrations.sql import create_journal_triggers, exec_script

# The set name is stored in every project database (tests/store/test_migration_set_names.py):
# never rename it, also when this module moves.
migrations = Migrations("mpu_qual.evidence")

# Journaled like the core tables (undoing a coding removal brings its evidence links back).
JOURNALED_TABLES = ("evidence_links",)

_NOW = "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"


@migrations()
def m001_job_ads(db: sqlite_utils.Database) -> None:
    exec_script(
        db,
        f"""
        CREATE TABLE import_files (
            id INTEGER PRIMARY KEY,
            sha256 TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            path TEXT,
            format TEXT NOT NULL,
            encoding TEXT,
            rows_read INTEGER NOT NULL DEFAULT 0,
            imported INTEGER NOT NULL DEFAULT 0,
            duplicates INTEGER NOT NULL DEFAULT 0,
            out_of_scope INTEGER NOT NULL DEFAULT 0,
            rejected INTEGER NOT NULL DEFAULT 0,
            imported_at TEXT NOT NULL DEFAULT {_NOW}
        );
        -- One row per distinct ad; its fields are those of its earliest posting.
        CREATE TABLE job_ads (
            id INTEGER PRIMARY KEY,
            dedup_key BLOB NOT NULL,
            platform TEXT NOT NULL,
            ad_ref TEXT,
            posted_on TEXT NOT NULL CHECK (posted_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
            title TEXT NOT NULL CHECK (length(trim(title)) > 0),
            company TEXT NOT NULL DEFAULT '',
            industry TEXT NOT NULL DEFAULT '',
            description TEXT NOT NULL DEFAULT '',
            sector TEXT,
            window TEXT,
            role TEXT NOT NULL,
            role_rule INTEGER,
            file_id INTEGER REFERENCES import_files(id) ON DELETE SET NULL,
            imported_at TEXT NOT NULL DEFAULT {_NOW}
        );
        CREATE INDEX job_ads_key ON job_ads(dedup_key, posted_on);
        CREATE INDEX job_ads_scope ON job_ads(window, sector, role);
        -- Every platform posting of an ad (the earliest one included).
        CREATE TABLE job_ad_postings (
            id INTEGER PRIMARY KEY,
            job_ad_id INTEGER NOT NULL REFERENCES job_ads(id) ON DELETE CASCADE,
            platform TEXT NOT NULL,
            ad_ref TEXT,
            posted_on TEXT NOT NULL,
            title TEXT NOT NULL,
            file_id INTEGER REFERENCES import_files(id) ON DELETE SET NULL,
            line INTEGER
        );
        CREATE INDEX job_ad_postings_ad ON job_ad_postings(job_ad_id);
        CREATE UNIQUE INDEX job_ad_postings_ref ON job_ad_postings(platform, ad_ref)
            WHERE ad_ref IS NOT NULL;
        -- Skill terms found in each ad's description.
        CREATE TABLE job_ad_terms (
            term TEXT NOT NULL,
            job_ad_id INTEGER NOT NULL REFERENCES job_ads(id) ON DELETE CASCADE,
            PRIMARY KEY (term, job_ad_id)
        ) WITHOUT ROWID;
        CREATE INDEX job_ad_terms_ad ON job_ad_terms(job_ad_id);
        CREATE TABLE evidence_meta (
            key TEXT PRIMARY KEY,
            value TEXT
        );
        -- External-content FTS: rows are indexed in bulk by the importer (much faster than a
        -- trigger per row); deletes and text updates are kept in step by these triggers.
        CREATE VIRTUAL TABLE job_ads_fts USING fts5(
            title, company, description, content = 'job_ads', content_rowid = 'id',
            tokenize = 'trigram'
        );
        CREATE TRIGGER job_ads_fts_delete AFTER DELETE ON job_ads
        WHEN OLD.id <= (SELECT CAST(value AS INTEGER) FROM evidence_meta WHERE key = 'fts_upto')
        BEGIN
            INSERT INTO job_ads_fts (job_ads_fts, rowid, title, company, description)
            VALUES ('delete', OLD.id, OLD.title, OLD.company, OLD.description);
        END;
        CREATE TRIGGER job_ads_fts_update AFTER UPDATE OF title, company, description ON job_ads
        WHEN OLD.id <= (SELECT CAST(value AS INTEGER) FROM evidence_meta WHERE key = 'fts_upto')
        BEGIN
            INSERT INTO job_ads_fts (job_ads_fts, rowid, title, company, description)
            VALUES ('delete', OLD.id, OLD.title, OLD.company, OLD.description);
            INSERT INTO job_ads_fts (rowid, title, company, description)
            VALUES (NEW.id, NEW.title, NEW.company, NEW.description);
        END;
        INSERT INTO evidence_meta (key, value) VALUES ('fts_upto', '0');

        CREATE TABLE evidence_queries (
            id INTEGER PRIMARY KEY,
            sector TEXT NOT NULL DEFAULT '',
            window TEXT NOT NULL DEFAULT '',
            role TEXT NOT NULL DEFAULT '',
            term TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL DEFAULT {_NOW},
            UNIQUE (sector, window, role, term, text)
        );
        CREATE TABLE evidence_links (
            id INTEGER PRIMARY KEY,
            query_id INTEGER NOT NULL REFERENCES evidence_queries(id) ON DELETE CASCADE,
            code_id TEXT REFERENCES codes(id) ON DELETE CASCADE,
            coding_id INTEGER REFERENCES codings(id) ON DELETE CASCADE,
            note TEXT,
            count INTEGER NOT NULL,
            total INTEGER NOT NULL,
            share REAL,
            computed_at TEXT NOT NULL,
            created_at TEXT NOT NULL DEFAULT {_NOW},
            CHECK ((code_id IS NULL) <> (coding_id IS NULL))
        );
        CREATE INDEX evidence_links_code ON evidence_links(code_id);
        CREATE INDEX evidence_links_coding ON evidence_links(coding_id);
        CREATE INDEX evidence_links_query ON evidence_links(query_id);
        """,
    )


@migrations()
def m002_journal_links(db: sqlite_utils.Database) -> None:
    """Evidence links join the undo journal: removing a coding (or merging codes) deletes its
    links by cascade inside that action, and undoing the action brings them back."""
    create_journal_triggers(db, "evidence_links")
