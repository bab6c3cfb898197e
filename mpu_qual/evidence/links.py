"""Evidence links: tie a code, or one coding, to a saved job-ad query and the figure it gave.

A query is any combination of sector, window, role, skill term and free text. Its figure is
the number of in-scope ads matching it, out of the ads of the same sector and window, with the
share; the figure is stored with the time it was computed, and ``refresh_evidence`` recomputes
it after new imports or rule changes. Deleting a code or coding deletes its links.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, replace

import sqlite_utils

from mpu_qual.errors import MpuQualError, NotFound
from mpu_qual.evidence.rules import Rules
from mpu_qual.evidence.search import search_words
from mpu_qual.evidence.tables import pct
from mpu_qual.store import Project
from mpu_qual.store.evidence_links import EvidenceLinks, LinkRow
from mpu_qual.store.job_ad_reads import JobAdReads


@dataclass(frozen=True)
class EvidenceQuery:
    """What to count; None means 'any'. Labels are canonical (Chinese for sectors and roles)."""

    sector: str | None = None
    window: str | None = None
    role: str | None = None
    term: str | None = None
    text: str | None = None

    def describe(self) -> str:
        parts = [f"{k}={v}" for k, v in self._items() if v]
        return ", ".join(parts) if parts else "all ads"

    def _items(self) -> list[tuple[str, str | None]]:
        return [
            ("sector", self.sector),
            ("window", self.window),
            ("role", self.role),
            ("term", self.term),
            ("text", self.text),
        ]

    def resolved(self, rules: Rules) -> EvidenceQuery:
        """The same query with names typed by a user turned into rule labels (or an error)."""
        return EvidenceQuery(
            sector=rules.resolve("sector", self.sector) if self.sector else None,
            window=rules.resolve("window", self.window) if self.window else None,
            role=rules.resolve("role", self.role) if self.role else None,
            term=rules.resolve("term", self.term) if self.term else None,
            text=self.text.strip() if self.text and self.text.strip() else None,
        )


@dataclass(frozen=True)
class EvidenceFigure:
    count: int
    total: int
    share: float | None
    computed_at: str

    def describe(self) -> str:
        share = "–" if self.share is None else f"{self.share:.1f}%"
        return f"{self.count:,} of {self.total:,} ads ({share})"


@dataclass(frozen=True)
class EvidenceLink:
    """A stored link; ``via_code`` marks a code's link shown beside one of its codings."""

    id: int
    query_id: int
    query: EvidenceQuery
    code_id: str | None
    coding_id: int | None
    note: str | None
    figure: EvidenceFigure
    created_at: str
    via_code: bool = False

    COLUMNS = ("Id", "On", "Query", "Figure", "Computed", "Note")

    def cells(self) -> tuple[str, ...]:
        """The link as a table row (``COLUMNS``), the same in the CLI and the workbench."""
        on = f"code {self.code_id}" if self.code_id else f"coding {self.coding_id}"
        if self.via_code:
            on += " (its code)"
        return (
            str(self.id),
            on,
            self.query.describe(),
            self.figure.describe(),
            self.figure.computed_at[:16].replace("T", " "),
            self.note or "",
        )


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


def run_query(db: sqlite_utils.Database | Project, query: EvidenceQuery) -> EvidenceFigure:
    """Count in-scope ads matching ``query``, out of those of its sector and window."""
    n, total = JobAdReads(db).count_matching(
        sector=query.sector,
        window=query.window,
        role=query.role,
        term=query.term,
        words=search_words(query.text) if query.text else None,
    )
    return EvidenceFigure(n, total, pct(n, total), _now())


def _query_id(project: Project, conn: sqlite3.Connection, q: EvidenceQuery) -> int:
    return project.evidence_links.query_id(
        conn, q.sector or "", q.window or "", q.role or "", q.term or "", q.text or ""
    )


def _check_target(
    project: Project, conn: sqlite3.Connection, code_id: str | None, coding_id: int | None
) -> None:
    links = project.evidence_links
    if (code_id is None) == (coding_id is None):
        raise MpuQualError(
            "link evidence to one code or one coding",
            field="code",
            hint="Pass either --code ID or --coding N.",
        )
    if code_id is not None:
        if not links.code_exists(conn, code_id):
            raise NotFound(
                f"no code '{code_id}'",
                field="code",
                hint="List codes with 'mpu-qual codebook show'.",
            )
    elif coding_id is not None and not links.coding_exists(conn, coding_id):
        raise NotFound(
            f"no coding with id {coding_id}",
            field="coding",
            hint="List codings with 'mpu-qual code list'.",
        )


def _link(row: LinkRow, via_code: bool = False) -> EvidenceLink:
    q = EvidenceQuery(*(v or None for v in row[2:7]))
    return EvidenceLink(
        id=row[0],
        query_id=row[1],
        query=q,
        code_id=row[7],
        coding_id=row[8],
        note=row[9],
        figure=EvidenceFigure(row[10], row[11], row[12], row[13]),
        created_at=row[14],
        via_code=via_code,
    )


def link_evidence(
    project: Project,
    query: EvidenceQuery,
    *,
    code_id: str | None = None,
    coding_id: int | None = None,
    note: str | None = None,
    rules: Rules | None = None,
) -> EvidenceLink:
    """Save ``query``, compute its figure now, and link it to a code or a coding: one
    undoable action (undo removes the link; the saved query stays for reuse)."""
    q = query.resolved(rules) if rules is not None else query
    target = f"code {code_id}" if code_id is not None else f"coding {coding_id}"
    with project.action(f"Link evidence to {target}", kind="evidence") as conn:
        _check_target(project, conn, code_id, coding_id)
        fig = run_query(project, q)
        links = project.evidence_links
        link_id = links.insert(
            conn,
            _query_id(project, conn, q),
            code_id,
            coding_id,
            (note or "").strip() or None,
            (fig.count, fig.total, fig.share, fig.computed_at),
        )
        row = links.row(link_id, conn)
    assert row is not None  # inserted in this action
    return _link(row)


def list_evidence(
    db: sqlite_utils.Database, *, code_id: str | None = None, coding_id: int | None = None
) -> list[EvidenceLink]:
    """All links, or those of one code / one coding, oldest first."""
    return [_link(r) for r in EvidenceLinks(db).rows(code_id=code_id, coding_id=coding_id)]


def evidence_for_code(db: sqlite_utils.Database, code_id: str) -> list[EvidenceLink]:
    """Links made on the code itself."""
    return list_evidence(db, code_id=code_id)


def evidence_for_coding(
    db: sqlite_utils.Database, coding_id: int, *, include_code: bool = True
) -> list[EvidenceLink]:
    """Links on one coding, then (``via_code``) those on its code: what the TUI shows beside
    a coded passage."""
    out = list_evidence(db, coding_id=coding_id)
    if include_code:
        code_id = EvidenceLinks(db).code_of_coding(coding_id)
        if code_id is not None:
            out += [replace(x, via_code=True) for x in list_evidence(db, code_id=code_id)]
    return out


def get_link(db: sqlite_utils.Database, link_id: int) -> EvidenceLink:
    row = EvidenceLinks(db).row(link_id)
    if row is None:
        raise NotFound(
            f"no evidence link {link_id}",
            field="link",
            hint="List links with 'mpu-qual evidence list'.",
        )
    return _link(row)


def unlink_evidence(project: Project, link_id: int) -> EvidenceLink:
    """Remove one link (its saved query stays for reuse), as one undoable action."""
    link = get_link(project.db, link_id)
    with project.action(f"Remove evidence link {link_id}", kind="evidence") as conn:
        project.evidence_links.delete(conn, link_id)
    return link


def refresh_evidence(
    project: Project, link_ids: list[int] | None = None
) -> list[tuple[EvidenceLink, EvidenceLink]]:
    """Recompute the figures of some or all links: [(before, after)], as one undoable action
    (undo puts the figures back as they were)."""
    db = project.db
    links = [get_link(db, i) for i in link_ids] if link_ids else list_evidence(db)
    out: list[tuple[EvidenceLink, EvidenceLink]] = []
    with project.action(f"Refresh {len(links)} evidence figures", kind="evidence") as conn:
        cache: dict[int, EvidenceFigure] = {}
        for link in links:
            fig = cache.get(link.query_id) or run_query(project, link.query)
            cache[link.query_id] = fig
            project.evidence_links.set_figure(
                conn, link.id, (fig.count, fig.total, fig.share, fig.computed_at)
            )
            out.append((link, replace(link, figure=fig)))
    return out
