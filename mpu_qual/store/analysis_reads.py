"""What the analysis queries read (``mpu_qual.analysis``), and the framework-matrix summaries.

The store owns the SQL on its tables; the analysis package asks for plain records:

- ``AnalysisReads(p).coding_facts()``: every coding with the speaker where it starts and the
  segments (by index) where it starts and ends, no quote text (fast on large projects);
- ``.source_headers()``: transcripts without their text; ``.talk()``: characters spoken per
  transcript and participant (the denominator of "share of the column's talk");
- ``.codings(ids)``: full codings (quote, speaker, times) for the passages behind a figure.

``FrameworkSummaries(p)``: the summary a researcher writes for one framework-matrix cell
(``framework_summaries``, migration set ``mpu_qual.analysis``); each edit is one undoable action.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from mpu_qual.errors import MpuQualError
from mpu_qual.store.codings import Codings, default_coder
from mpu_qual.store.records import Coding

if TYPE_CHECKING:
    from mpu_qual.store.project import Project


class CodingFact(NamedTuple):
    """A coding reduced to what counting needs (``seg_first``/``seg_last``: segment indexes);
    a named tuple: tens of thousands are made at once."""

    id: int
    source_id: int
    code_id: str
    start: int
    end: int
    participant_id: int | None  # whoever speaks where the coding starts
    seg_first: int  # -1 when the transcript has no segment there
    seg_last: int


@dataclass(frozen=True)
class SourceHeader:
    id: int
    name: str
    metadata: dict[str, Any]


@dataclass(frozen=True)
class Talk:
    """Characters (and segments) one participant speaks in one transcript."""

    source_id: int
    participant_id: int | None
    chars: int
    segments: int


@dataclass(frozen=True)
class CellSummary:
    id: int
    participant_id: int | None
    group_id: str | None
    code_id: str
    summary: str
    author: str | None
    updated_at: str


# (participant id, group id, code id, summary, author, updated_at): one row to insert
SummaryRow = tuple[int | None, str | None, str, str, str | None, str | None]

_SEG_AT = (
    "(SELECT {col} FROM segments x WHERE x.source_id = c.source_id AND x.start <= {pos} "
    "ORDER BY x.start DESC LIMIT 1)"
)


class AnalysisReads:
    """Read-only queries for the analysis package (one project)."""

    def __init__(self, project: Project) -> None:
        self.project = project

    def coding_facts(self) -> list[CodingFact]:
        """Every coding, by transcript and start, with its speaker and segment indexes."""
        return list(map(CodingFact._make, self.coding_fact_rows()))

    def coding_fact_rows(self) -> list[tuple[Any, ...]]:
        """``coding_facts`` as plain tuples in ``CodingFact``'s field order (no object per
        coding: the analysis reads tens of thousands at once)."""
        sql = f"""
            SELECT c.id, c.source_id, c.code_id, c.start, c.end, g.participant_id,
                   coalesce(g.idx, -1),
                   CASE WHEN c.end <= g.end THEN g.idx
                        ELSE coalesce({_SEG_AT.format(col="idx", pos="c.end - 1")}, -1) END
            FROM codings c
            LEFT JOIN segments g ON g.id = {_SEG_AT.format(col="id", pos="c.start")}
            ORDER BY c.source_id, c.start, c.end, c.id
        """
        return self.project.conn.execute(sql).fetchall()

    def data_version(self) -> int:
        """Changes when another connection commits (SQLite's ``data_version``): a reader can
        keep what it read until then."""
        return int(self.project.conn.execute("PRAGMA data_version").fetchone()[0])

    def source_headers(self) -> list[SourceHeader]:
        """Every transcript (id, name, metadata), by name, without its text."""
        rows = self.project.conn.execute("SELECT id, name, metadata FROM sources ORDER BY name")
        return [SourceHeader(r[0], r[1], json.loads(r[2] or "{}")) for r in rows]

    def talk(self) -> list[Talk]:
        """Characters spoken per transcript and participant (segment lengths)."""
        rows = self.project.conn.execute(
            "SELECT source_id, participant_id, sum(end - start), count(*) FROM segments "
            "GROUP BY source_id, participant_id"
        )
        return [Talk(*r) for r in rows]

    def codings(self, ids: Iterable[int]) -> list[Coding]:
        """Full codings for ``ids`` (quote, speaker, times), in transcript order."""
        wanted = sorted(set(ids))
        out: list[Coding] = []
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            sql = (
                Codings._CODING_SQL  # noqa: SLF001 - the one query that fills a Coding
                + f" WHERE c.id IN ({','.join('?' * len(chunk))})"
            )
            out += [Coding(*r) for r in self.project.conn.execute(sql, chunk)]
        out.sort(key=lambda c: (c.source_name, c.start, c.end, c.id))
        return out


class FrameworkSummaries:
    """The summaries of framework-matrix cells: (participant or group) x code."""

    def __init__(self, project: Project) -> None:
        self.project = project

    def list(self) -> list[CellSummary]:
        """Every cell summary, oldest first."""
        rows = self.project.conn.execute(
            "SELECT id, participant_id, group_id, code_id, summary, author, updated_at "
            "FROM framework_summaries ORDER BY id"
        )
        return [CellSummary(*r) for r in rows]

    def insert_rows(self, conn: sqlite3.Connection, rows: Iterable[SummaryRow]) -> None:
        """Add summaries as they are (a merge's, inside its action: journaled with it), each
        (participant id, group id, code id, summary, author, updated_at or None for now)."""
        conn.executemany(
            "INSERT INTO framework_summaries (participant_id, group_id, code_id, summary, "
            "author, updated_at) VALUES (?, ?, ?, ?, ?, "
            "coalesce(?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))",
            list(rows),
        )

    def set(
        self,
        code_id: str,
        text: str,
        *,
        participant: str | None = None,
        group: str | None = None,
        author: str | None = None,
    ) -> str:
        """Write (or with empty ``text`` clear) one cell's summary as one undoable action.

        The cell is a participant (by label) or a stakeholder group (by id or label) and a
        code. Returns the action's description."""
        if (participant is None) == (group is None):
            raise MpuQualError("give a participant or a stakeholder group for the cell")
        code = self.project.codes.get(code_id)
        if participant is not None:
            pid: int | None = self.project.participants.get(participant).id
            gid: str | None = None
            who = participant
        else:
            pid, gid = None, self.project.participants.resolve_group(group or "")
            who = f"group {gid}"
        text = text.strip()
        verb = "Summarise" if text else "Clear the summary of"
        description = f"{verb} {who} x {code.id}"
        with self.project.action(description, kind="framework") as conn:
            conn.execute(
                "DELETE FROM framework_summaries WHERE code_id = ? AND participant_id IS ? "
                "AND group_id IS ?",
                [code.id, pid, gid],
            )
            if text:
                conn.execute(
                    "INSERT INTO framework_summaries (participant_id, group_id, code_id, "
                    "summary, author) VALUES (?, ?, ?, ?, ?)",
                    [pid, gid, code.id, text, author or default_coder()],
                )
        return description
