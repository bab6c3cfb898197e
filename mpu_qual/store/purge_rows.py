"""What a purge does to the store's tables (``maintenance/purge.py`` drives it).

A purge really deletes a participant's name or a transcript: from the tables, from the undo
journal (``changes`` holds old and new rows as JSON), and from action descriptions. These
functions take a plain connection (the live project's, inside its transaction with the
journal off, or an in-memory copy of a backup) and never commit.
"""

from __future__ import annotations

import bisect
import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from mpu_qual.store.health_repair import rebuild_fts

PURGED = "[purged]"


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


def close_journal(conn: sqlite3.Connection) -> None:
    """End an action a backup was taken in the middle of (its later edits are not its own)."""
    if "journal_state" in _tables(conn):
        conn.execute("UPDATE journal_state SET action_id = NULL WHERE id = 1")


def refresh_search_index(conn: sqlite3.Connection) -> None:
    """Rebuild and optimise the search index (drops the purged text's tokens), if any."""
    if "segments_fts" in _tables(conn):
        rebuild_fts(conn)
        conn.execute("INSERT INTO segments_fts (segments_fts) VALUES ('optimize')")


# ----------------------------------------------------------------------------- participant
def _journal_participants(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    """Every participant row (before and after each change) kept in the undo journal."""
    for old, new in conn.execute(
        "SELECT old, new FROM changes WHERE tbl = 'participants'"
    ).fetchall():
        for row in (old, new):
            if row:
                yield json.loads(row)


def participant_ids(conn: sqlite3.Connection, label: str) -> set[int]:
    ids = {r[0] for r in conn.execute("SELECT id FROM participants WHERE label = ?", [label])}
    for data in _journal_participants(conn):
        if data.get("label") == label:
            ids.add(int(data["id"]))
    return ids


def participant_names(conn: sqlite3.Connection, ids: set[int]) -> set[str]:
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

    def blank(data: dict[str, Any]) -> bool:
        named = data.get("name") is not None
        if named and (int(data.get("id", -1)) in ids or data.get("name") in names):
            data["name"] = None
            return True
        return False

    return rows, _rewrite_journal(conn, "participants", blank)


def _rewrite_journal(
    conn: sqlite3.Connection, table: str, fix: Callable[[dict[str, Any]], bool]
) -> int:
    """Apply ``fix`` (True when it changed the row) to both copies of each undo-journal row of
    ``table``; returns how many journal rows changed."""
    journal = 0
    for cid, old, new in conn.execute(
        "SELECT id, old, new FROM changes WHERE tbl = ?", [table]
    ).fetchall():
        changed = False
        out = []
        for row in (old, new):
            if row:
                data = json.loads(row)
                changed = fix(data) or changed
                row = json.dumps(data, ensure_ascii=False)
            out.append(row)
        if changed:
            conn.execute("UPDATE changes SET old = ?, new = ? WHERE id = ?", [*out, cid])
            journal += 1
    return journal


# ----------------------------------------------------------------------------- transcript
def source_lifetimes(conn: sqlite3.Connection, name: str) -> dict[int, tuple[int, int | None]]:
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
    lifetimes = source_lifetimes(conn, name)
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


def transcript_files(conn: sqlite3.Connection, name: str) -> set[str]:
    """The original file and recording paths of transcript ``name``, as stored and as the
    undo journal remembers them."""
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
    return files


def probe_text(conn: sqlite3.Connection, name: str) -> str | None:
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


# ----------------------------------------------------------------------------- summaries
# A quote shorter than this is too likely to be an ordinary phrase in another summary.
QUOTE_MIN_CHARS = 12
_SPEAKER_AT_START = (
    "(SELECT x.participant_id FROM segments x WHERE x.source_id = c.source_id "
    "AND x.start <= c.start ORDER BY x.start DESC LIMIT 1)"
)


def _pattern(needle: str, words: bool) -> re.Pattern[str]:
    """``needle`` in any case; with ``words``, a Latin-script end must not be inside a word
    (the name "Ann" is not in "annual"; Chinese is written without spaces: no such rule)."""
    before = r"(?<![A-Za-z0-9])" if words and needle[0].isascii() and needle[0].isalnum() else ""
    after = r"(?![A-Za-z0-9])" if words and needle[-1].isascii() and needle[-1].isalnum() else ""
    return re.compile(before + re.escape(needle) + after, re.IGNORECASE)


def _without(text: str, needles: list[re.Pattern[str]]) -> str:
    for needle in needles:  # longest first: a name inside a longer quote goes with the quote
        text = needle.sub(PURGED, text)
    return text


_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")


def name_forms(names: set[str]) -> set[str]:
    """Each name, and its Chinese and its Latin-script part on their own ("Chan Siu-ming
    陳小明": "陳小明", "Chan Siu-ming"): people write one of them. Single words are not cut
    out alone: a surname is shared by many."""
    out: set[str] = set()
    for name in names:
        out.add(name.strip())
        out.update(run for run in _CJK_RUN.findall(name) if len(run) >= 2)
        latin = " ".join(_CJK_RUN.sub(" ", name).split())
        if latin != name.strip() and len(latin.split()) >= 2:
            out.add(latin)
    return {n for n in out if n}


def scrub_summaries(
    conn: sqlite3.Connection, needles: set[str], *, words: bool = False
) -> tuple[int, int]:
    """Replace each of ``needles`` (any case; with ``words``, whole words: names) with
    ``[purged]`` in the framework-cell summaries and in their copies in the undo journal.
    Summaries are the researcher's own words: no offsets point into them, so words can be cut
    out. Returns (summaries, journal rows)."""
    ordered = sorted({n.strip() for n in needles if n and n.strip()}, key=len, reverse=True)
    wanted = [_pattern(n, words) for n in ordered]
    if not wanted or "framework_summaries" not in _tables(conn):
        return 0, 0
    rows = 0
    for sid, text in conn.execute("SELECT id, summary FROM framework_summaries").fetchall():
        scrubbed = _without(text, wanted)
        if scrubbed != text:
            rows += conn.execute(
                "UPDATE framework_summaries SET summary = ? WHERE id = ?", [scrubbed, sid]
            ).rowcount

    def cut(data: dict[str, Any]) -> bool:
        text = data.get("summary")
        if isinstance(text, str) and _without(text, wanted) != text:
            data["summary"] = _without(text, wanted)
            return True
        return False

    return rows, _rewrite_journal(conn, "framework_summaries", cut)


@dataclass
class SummaryPurge:
    """What a transcript purge did to the framework-cell summaries."""

    removed: int = 0  # summaries of cells whose every passage was in the transcript
    scrubbed: int = 0  # other summaries that quoted the transcript word for word
    journal_rows: int = 0
    actions_dropped: int = 0
    to_check: list[str] = field(default_factory=list)  # cells that also drew on it, kept


def _transcript_quotes(conn: sqlite3.Connection, name: str) -> set[str]:
    """The coded quotes of transcript ``name``, stored and in the undo journal."""
    quotes: set[str] = set()
    for sid, (first, last) in source_lifetimes(conn, name).items():
        quotes.update(
            r[0] for r in conn.execute("SELECT quote FROM codings WHERE source_id = ?", [sid])
        )
        quotes.update(
            str(row.get("quote") or "") for row in _journal_rows(conn, "codings", sid, first, last)
        )
    return {q.strip() for q in quotes if len(q.strip()) >= QUOTE_MIN_CHARS}


def _journal_rows(
    conn: sqlite3.Connection, table: str, sid: int, first: int, last: int | None
) -> list[dict[str, Any]]:
    """Every version of ``table``'s rows of source ``sid`` in its lifetime, oldest first."""
    window = "action_id >= ?" + (" AND action_id <= ?" if last is not None else "")
    out = []
    for old, new in conn.execute(
        "SELECT old, new FROM changes WHERE tbl = ? AND (json_extract(old, '$.source_id') = ? "
        "OR json_extract(new, '$.source_id') = ?) AND " + window + " ORDER BY id",
        [table, sid, sid, first] + ([last] if last is not None else []),
    ).fetchall():
        out += [json.loads(row) for row in (old, new) if row]
    return out


def _transcript_cells(conn: sqlite3.Connection, name: str) -> set[tuple[int, str]]:
    """(participant id, code id) of every coding of transcript ``name``, the participant being
    whoever speaks where it starts (as the analysis counts): from the tables, or from the undo
    journal for a transcript removed with undo history."""
    cells: set[tuple[int, str]] = set()
    for sid, (first, last) in source_lifetimes(conn, name).items():
        segs = {
            r[0]: (r[1], r[2])
            for r in conn.execute(
                "SELECT id, start, participant_id FROM segments WHERE source_id = ?", [sid]
            )
        }
        codings = set(conn.execute("SELECT code_id, start FROM codings WHERE source_id = ?", [sid]))
        for row in _journal_rows(conn, "segments", sid, first, last):
            segs.setdefault(row["id"], (row["start"], row.get("participant_id")))
        for row in _journal_rows(conn, "codings", sid, first, last):
            codings.add((row["code_id"], row["start"]))
        ordered = sorted(segs.values(), key=lambda x: x[0])
        starts = [s for s, _ in ordered]
        for code, at in codings:
            i = bisect.bisect_right(starts, at) - 1
            if i >= 0 and ordered[i][1] is not None:
                cells.add((int(ordered[i][1]), str(code)))
    return cells


def scrub_transcript_summaries(conn: sqlite3.Connection, name: str) -> SummaryPurge:
    """Before ``scrub_transcript``: the framework summaries of transcript ``name``.

    A cell (participant or group x code) whose every passage is in this transcript summarised
    only it: its summaries, and their history, are deleted. A cell with passages elsewhere too
    keeps its summary, with any quote of this transcript cut out, and is listed to check."""
    out = SummaryPurge()
    tables = _tables(conn)
    if "framework_summaries" not in tables:
        return out
    cells = _transcript_cells(conn, name)
    # its codings still in the tables (a removed transcript's are only in the journal)
    sids = [r[0] for r in conn.execute("SELECT id FROM sources WHERE name = ?", [name])] or [-1]
    marks = ",".join("?" * len(sids))
    elsewhere = f"c.code_id = ? AND c.source_id NOT IN ({marks})"
    targets: dict[tuple[str, object, str], bool] = {}  # (column, value, code) -> emptied
    for pid, code in sorted(cells):
        targets[("participant_id", pid, code)] = (
            conn.execute(
                f"SELECT 1 FROM codings c WHERE {elsewhere} AND {_SPEAKER_AT_START} = ? LIMIT 1",
                [code, *sids, pid],
            ).fetchone()
            is None
        )
        group = conn.execute("SELECT group_id FROM participants WHERE id = ?", [pid]).fetchone()
        if group and group[0] and ("group_id", group[0], code) not in targets:
            targets[("group_id", group[0], code)] = (
                conn.execute(
                    f"SELECT 1 FROM codings c JOIN participants p ON p.id = {_SPEAKER_AT_START} "
                    f"WHERE {elsewhere} AND p.group_id = ? LIMIT 1",
                    [code, *sids, group[0]],
                ).fetchone()
                is None
            )
    touched: set[int] = set()
    for (column, value, code), emptied in sorted(targets.items(), key=str):
        where = f"{column} = ? AND code_id = ?"
        if not emptied:
            if conn.execute(
                f"SELECT 1 FROM framework_summaries WHERE {where}", [value, code]
            ).fetchone():
                out.to_check.append(_cell_name(conn, column, value, code))
            continue
        out.removed += conn.execute(
            f"DELETE FROM framework_summaries WHERE {where}", [value, code]
        ).rowcount
        for change_id, action_id in conn.execute(
            "SELECT id, action_id FROM changes WHERE tbl = 'framework_summaries' AND "
            f"((json_extract(old, '$.{column}') = ? AND json_extract(old, '$.code_id') = ?) OR "
            f"(json_extract(new, '$.{column}') = ? AND json_extract(new, '$.code_id') = ?))",
            [value, code, value, code],
        ).fetchall():
            out.journal_rows += conn.execute(
                "DELETE FROM changes WHERE id = ?", [change_id]
            ).rowcount
            touched.add(action_id)
    out.actions_dropped = _drop_empty_actions(conn, touched)
    out.scrubbed, journal = scrub_summaries(conn, _transcript_quotes(conn, name))
    out.journal_rows += journal
    return out


def _cell_name(conn: sqlite3.Connection, column: str, value: object, code: str) -> str:
    if column == "participant_id":
        row = conn.execute("SELECT label FROM participants WHERE id = ?", [value]).fetchone()
        return f"{row[0] if row else value} x {code}"
    return f"group {value} x {code}"


# ----------------------------------------------------------------------------- scans
def mentions(conn: sqlite3.Connection, needles: set[str]) -> list[str]:
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
            "framework summaries",
            "SELECT count(*) FROM framework_summaries WHERE instr(lower(summary), lower(?))",
        ),
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
