"""Imports do per-source work once, not once per segment or coding.

The time of an NVivo-size import is measured in benchmarks/bench_qdpx_import.py; here the
cause of the old quadratic time is checked without timing anything: the row triggers took a
substring of the whole source text for every segment and coding. SQLite lets a connection
replace the built-in ``substr``, so the tests count its calls during an import.
"""

from __future__ import annotations

import sqlite3
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from mpu_qual.refi.guids import guid
from mpu_qual.refi.import_into_project import import_qdpx
from mpu_qual.store import Project
from mpu_qual.store.bulk_rows import check_and_index_source, rows_checked_per_source
from mpu_qual.transcript_files.parsed import ParsedSegment, ParsedTranscript

LINES = 400
CODINGS = 120


def long_text() -> str:
    return "".join(
        f"IL{i % 3 + 1}: 第{i}句，我哋需要更多技術員 and more training.\r\n" for i in range(LINES)
    )


@contextmanager
def counting_substr(conn: sqlite3.Connection, long: int) -> Iterator[list[int]]:
    """Count calls of ``substr`` on texts of at least ``long`` characters."""
    calls = [0]

    def substr(text, start, length=None):  # SQLite's 1-based substr on code points
        if isinstance(text, str) and len(text) >= long:
            calls[0] += 1
        if text is None or start is None:
            return None
        begin = max(start - 1, 0)
        return text[begin:] if length is None else text[begin : begin + length]

    conn.execute("PRAGMA trusted_schema = ON")  # let the triggers call a Python function
    conn.create_function("substr", 3, substr)
    conn.create_function("substr", 2, substr)
    try:
        yield calls
    finally:
        conn.create_function("substr", 3, None)
        conn.create_function("substr", 2, None)
        conn.execute("PRAGMA trusted_schema = OFF")


def nvivo_like_qdpx(path: Path, text: str) -> Path:
    code = guid("lin", "code")
    step = len(text) // CODINGS
    sels = "".join(
        f'<PlainTextSelection guid="{guid("lin", "s", i)}" name="" '
        f'startPosition="{i * step}" endPosition="{i * step + 30}">'
        f'<Coding guid="{guid("lin", "c", i)}"><CodeRef targetGUID="{code}"/></Coding>'
        "</PlainTextSelection>"
        for i in range(CODINGS)
    )
    qde = (
        '<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" '
        'name="Linear" origin="NVivo for Windows 14.23.0">'
        f'<CodeBook><Codes><Code guid="{code}" name="Manpower" isCodable="true"/></Codes>'
        f'</CodeBook><Sources><TextSource guid="{guid("lin", "src")}" name="Long interview" '
        f'plainTextPath="internal://{guid("lin", "src")}.txt">{sels}</TextSource></Sources>'
        "</Project>"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", qde)
        z.writestr(f"sources/{guid('lin', 'src')}.txt", text.encode("utf-8"))
    return path


def test_qdpx_import_reads_the_long_text_once_per_source(small: Project, tmp_path: Path) -> None:
    text = long_text()
    qdpx = nvivo_like_qdpx(tmp_path / "long.qdpx", text)
    with counting_substr(small.conn, len(text)) as calls:
        report = import_qdpx(small, qdpx)
    assert calls[0] == 0  # was one per segment and one per coding (521)
    assert report.codings == CODINGS
    src = small.sources.get("Long interview")
    assert src.text == text
    assert (
        len(small.sources.segments(src)) == LINES + 1
    )  # every line, and the empty one after the last
    step = len(text) // CODINGS
    assert [c.quote for c in small.codings.list(source=src.id)][:2] == [
        text[0:30],
        text[step : step + 30],
    ]
    # the search index was written by the bulk path: a phrase of line 399 is found
    hits = small.conn.execute(
        "SELECT rowid FROM segments_fts WHERE segments_fts MATCH ?", ['"第399句"']
    ).fetchall()
    assert len(hits) == 1


def test_transcripts_add_reads_the_long_text_once(small: Project) -> None:
    text = long_text()
    lines = text.split("\n")
    parsed = ParsedTranscript(
        segments=[ParsedSegment(text=line) for line in lines], metadata={}, format="txt"
    )
    with counting_substr(small.conn, len(text)) as calls:
        src = small.sources.add("Long", parsed)
    assert calls[0] == 0
    assert src.text == text
    assert small.conn.execute("SELECT count(*) FROM segments_fts").fetchone()[0] >= LINES


def test_the_bulk_check_refuses_a_wrong_quote_and_rolls_back(small: Project) -> None:
    src = small.sources.list()[0]
    code = small.codes.list()[0].id
    before = small.conn.execute("SELECT count(*) FROM codings").fetchone()[0]
    with pytest.raises(sqlite3.IntegrityError, match="quote does not match"):
        with small.transaction() as conn:
            with rows_checked_per_source(conn):
                conn.execute(
                    "INSERT INTO codings (source_id, code_id, start, end, quote) "
                    "VALUES (?, ?, 0, 3, 'zzz')",
                    [src.id, code],
                )
            check_and_index_source(conn, src.id, src.text, index_segments=False)
    assert small.conn.execute("SELECT count(*) FROM codings").fetchone()[0] == before
    # the pause ended with the transaction: a bad row is refused by the trigger again
    with pytest.raises(sqlite3.IntegrityError, match="quote does not match"):
        with small.transaction() as conn:
            conn.execute(
                "INSERT INTO codings (source_id, code_id, start, end, quote) "
                "VALUES (?, ?, 0, 3, 'zzz')",
                [src.id, code],
            )


def test_undo_and_redo_of_an_import_read_the_text_once_per_source(
    small: Project, tmp_path: Path
) -> None:
    text = long_text()
    import_qdpx(small, nvivo_like_qdpx(tmp_path / "long.qdpx", text))
    with counting_substr(small.conn, len(text)) as calls:
        small.history.undo()
        small.history.redo()
    assert calls[0] == 0  # the replay re-indexed and re-checked every row with substr
    src = small.sources.get("Long interview")
    assert len(small.codings.list(source=src.id)) == CODINGS
    hits = small.conn.execute(
        "SELECT count(*) FROM segments_fts WHERE segments_fts MATCH ?", ['"第399句"']
    ).fetchone()
    assert hits == (1,)
