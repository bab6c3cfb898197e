"""Really delete a participant's name or a transcript: from the tables, the undo journal, the
search index, the free pages of the file, the WAL and (on request) every backup.

``Project.remove_source`` is undoable, so it keeps the text in the undo journal, and SQLite
keeps deleted bytes in free pages and in the WAL until they are reused. A purge removes the
rows without journaling them, scrubs their copies from the journal (``changes`` holds old
rows as JSON), rebuilds the full-text index (FTS5 keeps deleted tokens until its segments
merge), then VACUUMs with secure_delete on and truncates the WAL. A purge cannot be undone.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from mpu_qual.errors import MpuQualError, NotFound
from mpu_qual.fileio import write_text_atomic
from mpu_qual.safety import backup, rawfiles
from mpu_qual.safety.replace_file import replace_database_file
from mpu_qual.store import Project
from mpu_qual.store.purge_rows import (
    close_journal,
    mentions,
    name_forms,
    participant_ids,
    participant_names,
    probe_text,
    refresh_search_index,
    scrub_participant_name,
    scrub_summaries,
    scrub_transcript,
    scrub_transcript_summaries,
    source_lifetimes,
    transcript_files,
)
from mpu_qual.store.schema_trust import untrusted_objects

SCAN_LIMIT_BYTES = 256 * 1024 * 1024


@dataclass
class PurgeReport:
    """What a purge removed, and what it could not reach."""

    what: str
    rows: int = 0  # rows removed or blanked in project.db
    journal_rows: int = 0  # undo records scrubbed
    actions_dropped: int = 0  # undo history entries that held nothing else
    summaries_removed: int = 0  # framework-cell summaries of nothing but the purged transcript
    summaries_scrubbed: int = 0  # summaries with the name or a quote cut out ("[purged]")
    summaries_to_check: list[str] = field(default_factory=list)  # cells that drew on it too
    files_removed: list[Path] = field(default_factory=list)
    files_left: list[str] = field(default_factory=list)  # outside the project folder
    backups_scrubbed: list[Path] = field(default_factory=list)
    backups_deleted: list[Path] = field(default_factory=list)
    backups_untouched: int = 0  # still holding the data (purge_backups=False)
    checkpoint_complete: bool = True
    still_mentioned: list[str] = field(default_factory=list)  # where the text still appears
    files_with_traces: list[Path] = field(default_factory=list)  # raw-byte scan afterwards


# ----------------------------------------------------------------------------- helpers
def finish(conn: sqlite3.Connection) -> bool:
    """Rebuild the search index, VACUUM and truncate the WAL so deleted bytes leave the files.

    Returns False when another program kept the WAL busy (its old pages may remain until
    every mpu-qual window is closed; ``mpu-qual purge finish`` then completes the job).
    """
    conn.execute("PRAGMA secure_delete = ON")
    if conn.in_transaction:
        raise RuntimeError("finish() needs the transaction to be committed")
    conn.execute("BEGIN IMMEDIATE")
    try:
        refresh_search_index(conn)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("PRAGMA temp_store = MEMORY")  # VACUUM's scratch copy must not hit /tmp
    conn.execute("VACUUM")
    busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return busy == 0


# ----------------------------------------------------------------------------- participant
def purge_participant_name(
    project: Project, label: str, *, purge_backups: bool = False
) -> PurgeReport:
    """Remove participant ``label``'s real name everywhere it is stored. Not undoable."""
    project.check_writable()
    conn = project.conn
    ids = participant_ids(conn, label)
    if not ids and not purge_backups:
        raise NotFound(
            f"no participant '{label}'",
            field="participant",
            hint="List them with 'mpu-qual participants list'.",
        )
    names = participant_names(conn, ids)
    report = PurgeReport(f"name of participant {label}")
    with project.transaction():
        conn.execute("PRAGMA secure_delete = ON")
        report.rows, report.journal_rows = scrub_participant_name(conn, ids=ids, names=names)
        # a framework summary may name them: the researcher's words, so the name is cut out
        report.summaries_scrubbed, journal = scrub_summaries(conn, name_forms(names), words=True)
        report.journal_rows += journal
    report.checkpoint_complete = finish(conn)

    def scrub_backup(c: sqlite3.Connection) -> None:
        # a backup may know names the live journal forgot (an undone edit, then a new one)
        b_ids = participant_ids(c, label)
        b_names = participant_names(c, b_ids) | names
        names.update(b_names)
        scrub_participant_name(c, ids=b_ids, names=b_names)
        scrub_summaries(c, name_forms(b_names), words=True)

    _purge_backups(project.folder, report, purge_backups, scrub_backup)
    report.still_mentioned = mentions(conn, name_forms(names))
    report.files_with_traces = files_containing(project.folder, *sorted(name_forms(names)))
    return report


# ----------------------------------------------------------------------------- transcript
def _inside(folder: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def purge_transcript(
    project: Project, name: str, *, purge_backups: bool = False, remove_files: bool = True
) -> PurgeReport:
    """Delete transcript ``name`` (even one already removed with undo history) for good.

    With ``remove_files`` the original file and audio are deleted when they are inside the
    project folder; files elsewhere are listed, never touched. Not undoable.
    """
    project.check_writable()
    conn = project.conn
    lifetimes = source_lifetimes(conn, name)
    if not lifetimes and not purge_backups:
        raise NotFound(
            f"no transcript '{name}' in the project or its undo history",
            field="source",
            hint="List them with 'mpu-qual transcripts list'.",
        )
    probe = probe_text(conn, name)
    files = transcript_files(conn, name)
    report = PurgeReport(f"transcript {name}")
    with project.transaction():
        conn.execute("PRAGMA secure_delete = ON")
        summaries = scrub_transcript_summaries(conn, name)  # first: it reads the codings
        report.rows, report.journal_rows, report.actions_dropped = scrub_transcript(conn, name)
    report.summaries_removed, report.summaries_scrubbed = summaries.removed, summaries.scrubbed
    report.summaries_to_check = summaries.to_check
    report.journal_rows += summaries.journal_rows
    report.actions_dropped += summaries.actions_dropped
    report.checkpoint_complete = finish(conn)
    for raw in sorted(files):
        path = Path(raw)
        if not path.is_absolute():
            path = project.folder / path
        if not path.exists():
            continue
        if remove_files and _inside(project.folder, path):
            path.unlink()
            report.files_removed.append(path)
        else:
            report.files_left.append(str(path))

    def scrub_backup(c: sqlite3.Connection) -> None:
        scrub_transcript_summaries(c, name)
        scrub_transcript(c, name)

    _purge_backups(project.folder, report, purge_backups, scrub_backup)
    if probe:
        report.files_with_traces = files_containing(project.folder, probe)
    return report


# ----------------------------------------------------------------------------- backups
def _scrub_one_backup(path: Path, scrub) -> None:  # noqa: ANN001 - callable(conn)
    """Rewrite one backup without the data: copy to memory, scrub, VACUUM INTO a new file."""
    src = backup.open_readonly(path)
    try:
        if untrusted_objects(src):
            raise MpuQualError("backup has triggers mpu-qual did not create", path=path)
        mem = sqlite3.connect(":memory:", isolation_level=None)
        src.backup(mem)
    finally:
        src.close()
    try:
        mem.execute("PRAGMA foreign_keys = ON")
        mem.execute("BEGIN")
        close_journal(mem)
        scrub(mem)
        refresh_search_index(mem)
        mem.execute("COMMIT")
        # SQLite writes (and, with synchronous FULL, fsyncs) the scrubbed copy; we never
        # open it ourselves
        mem.execute("PRAGMA synchronous = FULL")
        replace_database_file(path, lambda new_file: mem.execute("VACUUM INTO ?", [str(new_file)]))
    finally:
        mem.close()


def _purge_backups(folder: Path, report: PurgeReport, purge: bool, scrub) -> None:  # noqa: ANN001
    backups = backup.list_backups(folder)
    if not purge:
        report.backups_untouched = len(backups)
        return
    for info in backups:
        try:
            _scrub_one_backup(info.path, scrub)
        except (sqlite3.DatabaseError, MpuQualError, OSError, ValueError):
            backup.delete_backup(info)  # a backup we cannot clean must not keep the data
            report.backups_deleted.append(info.path)
            continue
        meta = info.meta()
        if meta:  # the fingerprint no longer describes this file
            meta["fingerprint"] = None
            meta["purged"] = True

            write_text_atomic(info.sidecar, json.dumps(meta, ensure_ascii=False, indent=1))
        report.backups_scrubbed.append(info.path)
    for damaged in sorted(p for p in backup.backups_dir(folder).glob("damaged-*") if p.is_dir()):
        for f in damaged.iterdir():
            f.unlink()
        damaged.rmdir()
        report.backups_deleted.append(damaged)


# ----------------------------------------------------------------------------- scans
def files_containing(folder: str | Path, *needles: str) -> list[Path]:
    """Every file under ``folder`` whose raw bytes contain a needle (UTF-8 or UTF-16).

    What the privacy test and a worried user run: it reads the bytes, not the database.
    The bytes are read by a child process that holds no connection (``safety.rawfiles``):
    reading project.db here would drop the locks of our own connection.
    """

    return rawfiles.scan(folder, [n for n in needles if n], max_bytes=SCAN_LIMIT_BYTES)
