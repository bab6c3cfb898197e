"""Find text in every transcript: case-insensitive, Chinese substrings too (trigram index),
Simplified and Traditional alike (mpu_qual.chinese_scripts: the stored text is never converted,
the query is matched character by character, so offsets point at the stored characters)."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from mpu_qual import chinese_scripts
from mpu_qual.errors import MpuQualError
from mpu_qual.linebreak import context_window
from mpu_qual.store.records import SearchHit

if TYPE_CHECKING:
    from mpu_qual.store.project import Project


#: Cells of context a hit's snippet holds (the match in its middle); displays cut it further.
SNIPPET_CELLS = 120


def search_text(
    project: Project, query: str, *, limit: int = 200, source: str | int | None = None
) -> list[SearchHit]:
    """Find text in every transcript (case-insensitive; Chinese substrings too; a Simplified
    query finds Traditional text and the reverse when OpenCC is installed)."""
    q = query.strip()
    if not q:
        return []
    if "\x00" in q:
        raise MpuQualError("the search text contains a NUL character", field="query")
    try:
        q.encode("utf-8")
    except UnicodeEncodeError:
        raise MpuQualError(
            "the search text contains a character that is not valid text (an unpaired surrogate)",
            field="query",
        ) from None
    src_filter = project.sources.get(source).id if source is not None else None
    pattern = re.compile(chinese_scripts.pattern_source(q), re.IGNORECASE)
    hits: list[SearchHit] = []
    texts: dict[int, str] = {}

    def collect(rows: Iterable[tuple]) -> bool:
        """Add the matches in each segment; True once ``limit`` hits are found.

        Segment text is sliced from the source text in Python: asking SQLite for
        substr(s.text, ...) per row re-reads the whole transcript for every row.
        """
        for seg_id, sid, name, speaker, gs, ge, start_ms in rows:
            if sid not in texts:
                texts[sid] = project.conn.execute(
                    "SELECT text FROM sources WHERE id = ?", [sid]
                ).fetchone()[0]
            seg_text = texts[sid][gs:ge]
            for m in pattern.finditer(seg_text):
                snippet, ma, mb = context_window(seg_text, m.start(), m.end(), SNIPPET_CELLS)
                hits.append(
                    SearchHit(
                        sid,
                        name,
                        seg_id,
                        speaker,
                        gs + m.start(),
                        gs + m.end(),
                        snippet,
                        start_ms,
                        ma,
                        mb,
                    )
                )
                if len(hits) >= limit:
                    return True
        return False

    cols = "g.id, g.source_id, s.name, g.speaker, g.start, g.end, g.start_ms"
    forms = chinese_scripts.index_spellings(q) if len(q) >= 3 else None
    if forms is not None:
        # every spelling of the query in either script (of a piece of it, for a long query
        # with too many), as one index look-up; collect() checks the whole query
        sql = (
            f"SELECT {cols} FROM segments_fts f JOIN segments g ON g.id = f.rowid "
            "JOIN sources s ON s.id = g.source_id WHERE segments_fts MATCH ?"
        )
        args: list[Any] = [" OR ".join('"' + f.replace('"', '""') + '"' for f in forms)]
        if src_filter is not None:
            sql += " AND g.source_id = ?"
            args.append(src_filter)
        collect(project.conn.execute(sql + " ORDER BY s.name, g.start", args))
        return hits
    # One or two characters (or a query whose every three characters have too many
    # spellings to list): the trigram index cannot help. Check each transcript as a
    # whole first (one instr per transcript), then its segments, in name order, and stop
    # at ``limit``: common terms end early, rare ones cost one pass over the text.
    where: list[str] = []
    args = []
    if src_filter is not None:
        where.append("id = ?")
        args.append(src_filter)
    if q.isascii():
        # SQLite's lower() folds ASCII only, which is exact for an ASCII query: rare terms
        # are ruled out inside SQLite without copying every transcript into Python.
        where.append("instr(lower(text), ?) > 0")
        args.append(q.lower())
    sql = "SELECT id FROM sources" + (" WHERE " + " AND ".join(where) if where else "")
    for (sid,) in project.conn.execute(sql + " ORDER BY name", args).fetchall():
        text = texts[sid] = project.conn.execute(
            "SELECT text FROM sources WHERE id = ?", [sid]
        ).fetchone()[0]
        # Python's case folding, as in collect(): SQLite's lower() folds ASCII only, so
        # a search for 'É' would skip a transcript that has only 'é'.
        m = pattern.search(text)
        if m is None:
            continue
        rows = project.conn.execute(
            f"SELECT {cols} FROM segments g JOIN sources s ON s.id = g.source_id "
            "WHERE g.source_id = ? ORDER BY g.start",
            [sid],
        ).fetchall()
        if _scan(text, pattern, m, rows, hits, limit):
            break
    return hits


def _scan(
    text: str,
    pattern: re.Pattern[str],
    m: re.Match[str] | None,
    rows: list[tuple],
    hits: list[SearchHit],
    limit: int,
) -> bool:
    """Add the matches of one transcript, found in one pass over its text and placed in
    their segments by bisection (a match is the query's length: one stored character for
    each character of the query); True once ``limit`` hits are found."""
    starts = [r[4] for r in rows]
    ends = [r[5] for r in rows]
    while m is not None:
        k = bisect_right(starts, m.start()) - 1
        if k < 0 or m.start() >= ends[k]:  # between two segments: on to the next one
            if k + 1 >= len(starts):
                return False
            m = pattern.search(text, starts[k + 1])
            continue
        if m.end() > ends[k]:  # runs past its segment's end: look inside the segment
            m = pattern.search(text, m.start() + 1, ends[k])
            if m is None:
                m = pattern.search(text, ends[k])
                continue
        seg_id, sid, name, speaker, gs, ge, start_ms = rows[k]
        seg_text = text[gs:ge]
        snippet, ma, mb = context_window(seg_text, m.start() - gs, m.end() - gs, SNIPPET_CELLS)
        hits.append(
            SearchHit(sid, name, seg_id, speaker, m.start(), m.end(), snippet, start_ms, ma, mb)
        )
        if len(hits) >= limit:
            return True
        m = pattern.search(text, max(m.end(), m.start() + 1))
    return False
