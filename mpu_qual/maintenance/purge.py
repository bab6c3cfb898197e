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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mpu_qual.errors import MpuQualError, NotFound
from mpu_qual.fileio import write_text_atomic
from mpu_qual.safety import backup, rawfiles
from mpu_qual.safety.replace_file import replace_database_file
from mpu_qual.store import Project
from mpu_qual.store.health_repair import rebuild_fts
from mpu_qual.store.schema_trust import untrusted_objects

PURGED = "[purged]"
SCAN_LIMIT_BYTES = 256 * 1024 * 1024


@dataclass
class PurgeReport:
    """What a purge removed, and what it could not reach."""

    what: str
    rows: int = 0  # rows removed or blanked in project.db
    journal_rows: int = 0  # undo records scrubbed
    actions_dropped: int = 0  # undo history entries that held nothing else
    files_removed: list[Path] = field(default_factory=list)
    files_left: list[str] = field(default_factory=list)  # outside the project folder
    backups_scrubbed: list[Path] = field(default_factory=list)
    backups_deleted: list[Path] = field(default_factory=list)
    backups_untouched: int = 0  # still holding the data (purge_backups=False)
    checkpoint_complete: bool = True
    still_mentioned: list[str] = field(default_factory=list)  # where the text still appears
    files_with_traces: list[Path] = field(default_factory=list)  # raw-byte scan afterwards


# ----------------------------------------------------------------------------- helpers
def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _source_tables(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(table, column) pairs with a foreign key to sources(id), core and feature tables."""
    out = []
    for table in sorted(_tables(conn)):
        if table.startswith("sqlite_"):
            continue
        for fk in conn.execute(f'PRAGMA foreign_key_list("{table}")').fetchall():
            if fk[2] == "sources":
                out.append((table, fk[3]))
    return out


def _drop_empty_actions(conn: sqlite3.Connection, candidates: set[int]) -> int:
    n = 0
    for aid in sorted(candidates):
        left = conn.execute("SELECT count(*) FROM changes WHERE action_id = ?", [aid]).fetchone()
        if left[0] == 0:
            n += conn.execute("DELETE FROM actions WHERE id = ?", [aid]).rowcount
    return n


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
        if "segments_fts" in _tables(conn):
            rebuild_fts(conn)
            conn.execute("INSERT INTO segments_fts (segments_fts) VALUES ('optimize')")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("PRAGMA temp_store = MEMORY")  # VACUUM's scratch copy must not hit /tmp
    conn.execute("VACUUM")
    busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return busy == 0


# ----------------------------------------------------------------------------- participant
def _journal_participants(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    """Every participant row (before and after each change) kept in the undo journal."""
    for old, new in conn.execute(
        "SELECT old, new FROM changes WHERE tbl = 'participants'"
    ).fetchall():
        for row in (old, new):
            if row:
                yield json.loads(row)


def _participant_ids(conn: sqlite3.Connection, label: str) -> set[int]:
    ids = {r[0] for r in conn.execute("SELECT id FROM participants WHERE label = ?", [label])}
    for data in _journal_participants(conn):
        if data.get("label") == label:
            ids.add(int(data["id"]))
    return ids


def _participant_names(conn: sqlite3.Connection, ids: set[int]) -> set[str]:
    names: set[str] = set()
    for pid in ids:
        row = conn.execute("SELECT name FROM participants WHERE id = ?", [pid]).fetchone()
        if row and row[0]:
            names.add(row[0])
    for data in _journal_participants(conn):
        if int(data.get("id", -1)) in ids and data.get("name"):
            names.add(str(data["name"]))
    return names


def scrub_participant_name(
    conn: sqlite3.Connection, *, ids: set[int], names: set[str]
) -> tuple[int, int]:
    """Blank the name of participants ``ids`` (or named one of ``names``), journal included.

    Runs inside the caller's transaction with the journal off. Returns (rows, journal rows).
    """
    rows = 0
    for pid in ids:
        rows += conn.execute(
            "UPDATE participants SET name = NULL WHERE id = ? AND name IS NOT NULL", [pid]
        ).rowcount
    for name in names:
        rows += conn.execute("UPDATE participants SET name = NULL WHERE name = ?", [name]).rowcount
    journal = 0
    for cid, old, new in conn.execute(
        "SELECT id, old, new FROM changes WHERE tbl = 'participants'"
    ).fetchall():
        changed = False
        out = []
        for row in (old, new):
            if row:
                data = json.loads(row)
                if (int(data.get("id", -1)) in ids or data.get("name") in names) and data.get(
                    "name"
                ) is not None:
                    data["name"] = None
                    changed = True
                out.append(json.dumps(data, ensure_ascii=False))
            else:
                out.append(row)
        if changed:
            conn.execute("UPDATE changes SET old = ?, new = ? WHERE id = ?", [*out, cid])
            journal += 1
    return rows, journal


def purge_participant_name(
    project: Project, label: str, *, purge_backups: bool = False
) -> PurgeReport:
    """Remove participant ``label``'s real name everywhere it is stored. Not undoable."""
    project.check_writable()
    conn = project.conn
    ids = _participant_ids(conn, label)
    if not ids and not purge_backups:
        raise NotFound(
            f"no participant '{label}'",
            field="participant",
            hint="List them with 'mpu-qual participants list'.",
        )
    names = _participant_names(conn, ids)
    report = PurgeReport(f"name of participant {label}")
    with project.transaction():
        conn.execute("PRAGMA secure_delete = ON")
        report.rows, report.journal_rows = scrub_participant_name(conn, ids=ids, names=names)
    report.checkpoint_complete = finish(conn)

    def scrub_backup(c: sqlite3.Connection) -> None:
        # a backup may know names the live journal forgot (an undone edit, then a new one)
        b_ids = _participant_ids(c, label)
        b_names = _participant_names(c, b_ids) | names
        names.update(b_names)
        scrub_participant_name(c, ids=b_ids, names=b_names)

    _purge_backups(project.folder, report, purge_backups, scrub_backup)
    report.still_mentioned = _mentions(conn, names)
    report.files_with_traces = files_containing(project.folder, *sorted(names))
    return report


# ----------------------------------------------------------------------------- transcript
def _source_lifetimes(conn: sqlite3.Connection, name: str) -> dict[int, tuple[int, int | None]]:
    """source id -> (first action, last action or None) during which it held this name.

    Ids of deleted rows can be reused, so journal rows are matched by id *and* the span of
    actions in which that id belonged to this transcript.
    """
    spans: dict[int, list[int]] = {}
    current = {r[0] for r in conn.execute("SELECT id FROM sources WHERE name = ?", [name])}
    ended: dict[int, bool] = {}
    for action_id, op, old, new in conn.execute(
        "SELECT action_id, op, old, new FROM changes WHERE tbl = 'sources' ORDER BY id"
    ).fetchall():
        row = json.loads(new or old)
        names = {json.loads(x).get("name") for x in (old, new) if x}
        if name not in names:
            continue
        sid = int(row["id"])
        spans.setdefault(sid, []).append(action_id)
        ended[sid] = op == "D"
    out: dict[int, tuple[int, int | None]] = {}
    for sid, acts in spans.items():
        open_ended = sid in current or not ended.get(sid, False)
        out[sid] = (min(acts), None if open_ended else max(acts))
    for sid in current:
        out.setdefault(sid, (0, None))
    return out


def scrub_transcript(conn: sqlite3.Connection, name: str) -> tuple[int, int, int]:
    """Delete transcript ``name`` and every journal record of it, in the caller's transaction.

    Returns (rows deleted, journal rows deleted, actions dropped).
    """
    lifetimes = _source_lifetimes(conn, name)
    rows = 0
    for sid in lifetimes:
        rows += conn.execute("DELETE FROM sources WHERE id = ? AND name = ?", [sid, name]).rowcount
    tables = _tables(conn)
    if "transcription_runs" in tables:  # the transcriber's checkpoints hold the text too
        rows += conn.execute("DELETE FROM transcription_runs WHERE name = ?", [name]).rowcount
    touched: set[int] = set()
    journal = 0
    child_tables = [
        t
        for t, _c in _source_tables(conn)
        if t in ("segments", "codings", "memos", "review_rejections")
    ]
    for sid, (first, last) in lifetimes.items():
        window = "action_id >= ?" + (" AND action_id <= ?" if last is not None else "")
        args: list[int] = [first] + ([last] if last is not None else [])
        matches = conn.execute(
            "SELECT id, action_id FROM changes WHERE tbl = 'sources' AND "
            "(json_extract(old, '$.id') = ? OR json_extract(new, '$.id') = ?) AND " + window,
            [sid, sid, *args],
        ).fetchall()
        for table in child_tables:
            matches += conn.execute(
                "SELECT id, action_id FROM changes WHERE tbl = ? AND "
                "(json_extract(old, '$.source_id') = ? OR json_extract(new, '$.source_id') = ?) "
                "AND " + window,
                [table, sid, sid, *args],
            ).fetchall()
        for change_id, action_id in matches:
            journal += conn.execute("DELETE FROM changes WHERE id = ?", [change_id]).rowcount
            touched.add(action_id)
    dropped = _drop_empty_actions(conn, touched)
    # Descriptions name the transcript ("Code x in NAME"): keep the entry, not the name.
    conn.execute(
        "UPDATE actions SET description = replace(description, ?, ?) WHERE instr(description, ?)",
        [name, PURGED, name],
    )
    return rows, journal, dropped


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
    lifetimes = _source_lifetimes(conn, name)
    if not lifetimes and not purge_backups:
        raise NotFound(
            f"no transcript '{name}' in the project or its undo history",
            field="source",
            hint="List them with 'mpu-qual transcripts list'.",
        )
    probe = _probe_text(conn, name)
    files: set[str] = set()
    for orig, media in conn.execute(
        "SELECT original_path, media_path FROM sources WHERE name = ?", [name]
    ).fetchall():
        files.update(p for p in (orig, media) if p)
    for old, new in conn.execute("SELECT old, new FROM changes WHERE tbl = 'sources'").fetchall():
        for row in (old, new):
            if row:
                data = json.loads(row)
                if data.get("name") == name:
                    files.update(
                        p for p in (data.get("original_path"), data.get("media_path")) if p
                    )
    report = PurgeReport(f"transcript {name}")
    with project.transaction():
        conn.execute("PRAGMA secure_delete = ON")
        report.rows, report.journal_rows, report.actions_dropped = scrub_transcript(conn, name)
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
    _purge_backups(project.folder, report, purge_backups, lambda c: scrub_transcript(c, name))
    if probe:
        report.files_with_traces = files_containing(project.folder, probe)
    return report


def _probe_text(conn: sqlite3.Connection, name: str) -> str | None:
    """A distinctive piece of the transcript (its longest line, up to 60 characters), to
    check afterwards that no file still holds it."""
    texts = [r[0] for r in conn.execute("SELECT text FROM sources WHERE name = ?", [name])]
    for old, new in conn.execute("SELECT old, new FROM changes WHERE tbl = 'sources'").fetchall():
        for row in (old, new):
            if row:
                data = json.loads(row)
                if data.get("name") == name and data.get("text"):
                    texts.append(str(data["text"]))
    lines = sorted((ln.strip() for t in texts for ln in t.split("\n")), key=len, reverse=True)
    return lines[0][:60] if lines and len(lines[0]) >= 12 else None


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
        if "journal_state" in _tables(mem):
            mem.execute("UPDATE journal_state SET action_id = NULL WHERE id = 1")
        scrub(mem)
        if "segments_fts" in _tables(mem):
            rebuild_fts(mem)
            mem.execute("INSERT INTO segments_fts (segments_fts) VALUES ('optimize')")
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
def _mentions(conn: sqlite3.Connection, needles: set[str]) -> list[str]:
    """Where the purged words still occur as content (transcript text, quotes, memos)."""
    out = []
    probes = (
        ("transcript text", "SELECT count(*) FROM sources WHERE instr(lower(text), lower(?))"),
        (
            "coding quotes or memos",
            "SELECT count(*) FROM codings WHERE instr(lower(quote), lower(?)) "
            "OR instr(lower(coalesce(memo, '')), lower(?))",
        ),
        ("memos", "SELECT count(*) FROM memos WHERE instr(lower(text), lower(?))"),
        (
            "participant attributes",
            "SELECT count(*) FROM participants WHERE instr(lower(attributes), lower(?))",
        ),
    )
    for needle in sorted(needles):
        for where, sql in probes:
            n = conn.execute(sql, [needle] * sql.count("?")).fetchone()[0]
            if n:
                out.append(f"'{needle}' still appears in {n} {where}")
    return out


def files_containing(folder: str | Path, *needles: str) -> list[Path]:
    """Every file under ``folder`` whose raw bytes contain a needle (UTF-8 or UTF-16).

    What the privacy test and a worried user run: it reads the bytes, not the database.
    The bytes are read by a child process that holds no connection (``safety.rawfiles``):
    reading project.db here would drop the locks of our own connection.
    """

    return rawfiles.scan(folder, [n for n in needles if n], max_bytes=SCAN_LIMIT_BYTES)
