"""Merge a colleague's coding into this project: another mpu-qual project folder or a QDPX.

- Transcripts are matched by their text (SHA-256 of the stored text), whatever their names.
  A transcript of theirs whose name is here but whose text differs is reported and its
  codings are left out: positions into a different text cannot be trusted. One that is not
  here at all is reported too (import the same file here first, then merge again).
- Codes are matched by id. A code of theirs that is not here is added to the codebook under
  its parent (its parent first, if that is new too), so a code a colleague added while coding
  arrives with its codings; ``skip_new_codes`` reports such codes and leaves their codings out.
  Labels that differ from ours are reported; ours are kept.
- Each coding arrives with its coder, memo and time. A coding is the same coding when coder,
  code, transcript and span are the same, so merging twice adds nothing.
- Everything is one undoable action (``mpu-qual undo`` takes the whole merge back), after an
  automatic backup. Their project is opened read-only through SQLite (never copied or read
  with file I/O, which would drop SQLite's locks in a process holding a connection).

- Their framework-cell summaries come too (``team/merge_summaries.py``): a cell by participant
  label or stakeholder group and code id; the same text adds nothing; a different text for a
  cell that has one here is kept beside ours, with its author (the cell shows both).

- A coding that a disagreement review here removed (``review_rejections``) stays out when
  the colleague's copy still has it: merging the same copy again after the review does not
  undo the review. Undoing the review forgets that, too. A coding removed by hand is not
  remembered: it comes back with the next merge of a copy that still has it.
"""

from __future__ import annotations

import hashlib
import sqlite3
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from mpu_qual.codebook import COLOR_RE, ID_RE, Codebook, CodeDef
from mpu_qual.errors import MpuQualError
from mpu_qual.figures import count
from mpu_qual.fileio import write_text_atomic
from mpu_qual.refi.import_plan import plan_codes
from mpu_qual.refi.offsets import choose_reading
from mpu_qual.refi.reader import RSource, read_qdpx
from mpu_qual.store import Project
from mpu_qual.store.analysis_reads import FrameworkSummaries
from mpu_qual.store.project import DB_NAME
from mpu_qual.store.schema_trust import refuse_unknown_names
from mpu_qual.store.team_reads import their_codes, their_codings, their_sources
from mpu_qual.team.merge_summaries import (
    InSummary,
    SummaryPlan,
    plan_summaries,
    read_summaries,
)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class InCoding:
    code_id: str
    coder: str | None
    start: int
    end: int
    memo: str | None
    created_at: str | None

    @property
    def key(self) -> tuple[str, str | None, int, int]:
        return (self.code_id, self.coder, self.start, self.end)


@dataclass
class InSource:
    name: str
    text: str
    codings: list[InCoding]


@dataclass
class Incoming:
    """A colleague's work as read from their folder or file."""

    label: str
    sources: list[InSource]
    codes: list[CodeDef]  # parents before children
    # rows of theirs that cannot be right (a NULL code, a start of 1.5, a span past the
    # text): named, left out, and reported as their project's problem
    malformed: list[str] = field(default_factory=list)
    summaries: list[InSummary] = field(default_factory=list)  # framework-cell summaries


@dataclass
class MergeReport:
    """What came in (or, for a dry run, would come in) and what was left out, and why."""

    other: str
    dry_run: bool = False
    matched: list[tuple[str, str]] = field(default_factory=list)  # (their name, our name)
    differing: list[tuple[str, int]] = field(default_factory=list)  # (name, codings left out)
    missing: list[tuple[str, int]] = field(default_factory=list)
    new_codes: list[str] = field(default_factory=list)
    skipped_codes: list[tuple[str, int]] = field(default_factory=list)
    label_conflicts: list[str] = field(default_factory=list)
    added: Counter = field(default_factory=Counter)  # coder -> codings added
    per_source: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    already: int = 0
    rejected: int = 0  # removed by a disagreement review here: left out
    preview: list[tuple[str, InCoding]] = field(default_factory=list)  # (our source, coding)
    malformed: list[str] = field(default_factory=list)  # their rows that cannot be right
    summaries: SummaryPlan = field(default_factory=SummaryPlan)  # framework-cell summaries

    @property
    def total_added(self) -> int:
        return sum(self.added.values())


# ----------------------------------------------------------------------------- reading
def read_other(path: str | Path, here: Project) -> Incoming:
    """Their project folder or .qdpx file, checked for the mistakes people make."""
    p = Path(path)
    if not p.exists():
        raise MpuQualError("no such folder or file", path=p)
    if p.is_dir():
        if p.resolve() == here.folder.resolve():
            raise MpuQualError(
                "that is this project itself", path=p, hint="Name the colleague's copy."
            )
        return read_project_folder(p)
    if p.suffix.lower() == ".qdpx":
        return read_qdpx_file(p)
    if p.name == DB_NAME:
        raise MpuQualError(
            "name the project folder, not its database file", path=p, hint=f"Use {p.parent}."
        )
    raise MpuQualError(
        "not an mpu-qual project folder or a .qdpx file",
        path=p,
        hint="Merge a colleague's project folder (the one with project.db) or their "
        "'mpu-qual export qdpx' file.",
    )


def _open_theirs(db_path: Path) -> sqlite3.Connection:
    """Their project.db read-only and immutable: no lock taken, no -wal or -shm left in their
    folder. Changes still in their -wal (a copy made while mpu-qual had it open) would be
    invisible that way, so such a copy is refused with what to do."""
    wal = Path(str(db_path) + "-wal")
    try:
        wal_size = wal.stat().st_size
    except FileNotFoundError:
        wal_size = 0
    if wal_size:
        raise MpuQualError(
            "the colleague's latest changes are still in project.db-wal (their copy was made "
            "while mpu-qual had it open); merging it now would miss them. Nothing was changed",
            path=wal,
            hint="Have them close mpu-qual and copy the folder again (or open that copy once "
            "with 'mpu-qual -p FOLDER doctor'), then merge again.",
        )
    uri = f"file:{quote(str(db_path.resolve()))}?mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        conn.execute("PRAGMA trusted_schema = OFF")  # reading their schema runs none of its SQL
        conn.execute("PRAGMA query_only = ON")
    except sqlite3.DatabaseError as exc:
        raise _unreadable(db_path, exc) from None
    refuse_unknown_names(conn, db_path)  # closes it and raises for foreign triggers or views
    return conn


def _unreadable(db_path: Path, exc: sqlite3.DatabaseError) -> MpuQualError:
    return MpuQualError(
        f"the colleague's project cannot be read: {exc}; nothing was changed here",
        path=db_path,
        hint="Ask for a fresh copy, or for an 'mpu-qual export qdpx' file.",
    )


def _whole(v: object) -> bool:
    return type(v) is int


def _text_or_none(v: object) -> bool:
    return v is None or isinstance(v, str)


def _coding_problem(row: tuple, text: str | None, codes: set[str]) -> str | None:
    """Why one of their codings rows cannot be right (None: it can)."""
    _id, _sid, code, coder, start, end, memo, created = row
    if not isinstance(code, str) or not code:
        return f"code is {code!r}"
    if code not in codes:
        return f"code '{code}' is not in their codes table"
    for what, v in (("start", start), ("end", end)):
        if not _whole(v):
            return f"{what} {v!r} is not a whole number"
    if not 0 <= start < end:
        return f"span {start}-{end} is empty or negative"
    if text is not None and end > len(text):
        return f"span {start}-{end} ends after the transcript's {len(text)} characters"
    for what, v in (("coder", coder), ("memo", memo), ("created_at", created)):
        if not _text_or_none(v):
            return f"{what} {v!r} is not text"
    return None


def read_project_folder(folder: Path) -> Incoming:
    db_path = folder / DB_NAME
    if not db_path.is_file():
        raise MpuQualError(
            "not an mpu-qual project (no project.db in this folder)",
            path=folder,
            hint="Name the folder that holds the colleague's project.db.",
        )
    conn = _open_theirs(db_path)
    malformed: list[str] = []
    try:
        codes = []
        for r in their_codes(conn):
            cid, parent, en, zh, rule, color, addresses = r
            if not isinstance(cid, str) or not ID_RE.match(cid):
                malformed.append(f"codes row with id {cid!r}: not a code id")
                continue
            if not all(_text_or_none(v) for v in (parent, en, zh, rule, color, addresses)):
                malformed.append(f"codes row '{cid}': a label, rule or colour is not text")
                continue
            if color is not None and not COLOR_RE.match(color):
                color = None
            codes.append(
                CodeDef(cid, en or cid, zh or en or cid, rule or "", color, addresses, parent)
            )
        code_ids = {c.id for c in codes}
        texts: dict[object, tuple[str, str]] = {}
        for sid, name, text in their_sources(conn):
            if not isinstance(name, str) or not isinstance(text, str):
                malformed.append(f"sources row {sid!r}: its name or text is missing")
                continue
            texts[sid] = (name, text)
        by_source: dict[object, list[InCoding]] = defaultdict(list)
        for row in their_codings(conn):
            sid = row[1]
            if sid not in texts:
                malformed.append(f"codings row {row[0]!r}: transcript {sid!r} is not readable")
                continue
            why = _coding_problem(row, texts[sid][1], code_ids)
            if why is not None:
                malformed.append(f"codings row {row[0]!r} ('{texts[sid][0]}'): {why}")
                continue
            by_source[sid].append(InCoding(row[2], row[3], row[4], row[5], row[6], row[7]))
        summaries = read_summaries(conn, code_ids, malformed)
    except sqlite3.DatabaseError as exc:
        raise _unreadable(db_path, exc) from None
    finally:
        conn.close()
    sources = [InSource(name, text, by_source.get(sid, [])) for sid, (name, text) in texts.items()]
    for s in sources:
        s.codings.sort(key=lambda c: (c.start, c.end))
    return Incoming(str(folder), sources, codes, malformed, summaries)


def _codings_in(src: RSource) -> int:
    return sum(len(sel.codings) for sel in src.selections) + len(src.codings)


def read_qdpx_file(path: Path) -> Incoming:
    """A REFI-QDA project: codes keep mpu-qual ids (from their descriptions) when it was
    written by mpu-qual, other tools' codes get the importer's stable ids. A transcript whose
    text cannot be read is refused with its codings counted, as 'import qdpx' does."""

    rp = read_qdpx(path)
    unreadable = [s for s in rp.sources if s.problem or s.text is None]
    if unreadable:
        shown = "\n".join(
            f"  - {s.problem or f'{s.name}: its text is missing'} "
            f"({count(s.lost_codings or _codings_in(s), 'coding')})"
            for s in unreadable[:20]
        )
        more = f"\n  ... and {len(unreadable) - 20} more" if len(unreadable) > 20 else ""
        raise MpuQualError(
            f"nothing was merged: {count(len(unreadable), 'transcript')} in the file cannot be "
            f"read, and their codings would be lost:\n{shown}{more}",
            path=path,
            hint="Ask for a fresh 'mpu-qual export qdpx' (or their project folder) and merge that.",
        )
    mapping, new, _reused = plan_codes(rp.codes, Codebook(), str(path))
    sources = []
    malformed: list[str] = []
    for src in rp.sources:
        text = src.text or ""
        _name, f = choose_reading(text, src.selections, origin=rp.origin)
        codings = []
        for sel in src.selections:
            a, b = f(sel.start), f(sel.end)
            if a is None or b is None or a >= b:
                if sel.codings and (a is None or b is None or a > b):  # off the text: wrong
                    malformed.append(
                        f"selection {sel.guid} ('{src.name}'): {sel.start}-{sel.end} is not a "
                        f"span of the text ({count(len(sel.codings), 'coding')})"
                    )
                continue
            for c in sel.codings:
                code = mapping.get(c.code)
                if code is None:
                    continue
                memo = "\n\n".join(
                    rp.notes[r].text.strip()
                    for r in c.note_refs
                    if r in rp.notes and rp.notes[r].text.strip()
                )
                coder = rp.users.get(c.user or sel.user or "") or None
                codings.append(InCoding(code, coder, a, b, memo or None, c.created or sel.created))
        for c in src.codings:
            code = mapping.get(c.code)
            if code is not None and text:
                coder = rp.users.get(c.user or "") or None
                codings.append(InCoding(code, coder, 0, len(text), None, c.created))
        sources.append(InSource(src.name, text, codings))
    return Incoming(str(path), sources, new, malformed)


# ----------------------------------------------------------------------------- planning
def _plan_codes(
    incoming: Incoming, project: Project, report: MergeReport, skip_new: bool
) -> tuple[set[str], list[CodeDef]]:
    """(code ids whose codings may come in, codebook entries to add)."""
    ours = {c.id: c for c in project.codes.list()}
    audiences = {a.id for a in project.codebook.load().audiences}
    theirs = {c.id: c for c in incoming.codes}
    usable = set(ours)
    add: list[CodeDef] = []
    for c in incoming.codes:
        if c.id in ours:
            o = ours[c.id]
            if (o.label_en, o.label_zh) != (c.en, c.zh):
                report.label_conflicts.append(c.id)
            continue
        if skip_new:
            continue
        parent = c.parent
        if parent is not None and parent not in usable:
            # the parent is theirs too (added before, as codes come parents first) or gone
            parent = parent if parent in {x.id for x in add} else None
        add.append(
            CodeDef(
                id=c.id,
                en=c.en or c.id,
                zh=c.zh or c.en or c.id,
                rule=c.rule,
                color=c.color,
                addresses=c.addresses if c.addresses in audiences else None,
                parent=parent,
            )
        )
        usable.add(c.id)
    del theirs
    return usable, add


def plan_merge(
    project: Project, incoming: Incoming, *, skip_new_codes: bool = False, dry_run: bool = False
) -> tuple[MergeReport, list[tuple[int, str, InCoding]], list[CodeDef]]:
    """What would come in: (report, codings to insert as (source id, text, coding), codes)."""
    report = MergeReport(incoming.label, dry_run=dry_run, malformed=list(incoming.malformed))
    usable, new_codes = _plan_codes(incoming, project, report, skip_new_codes)
    report.new_codes = [c.id for c in new_codes]
    rows = project.team.sources_by_id()
    by_hash: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    names = {}
    for sid, name, text in rows:
        by_hash[text_hash(text)].append((sid, name, text))
        names[name] = sid
    skipped_codes: Counter = Counter()
    inserts: list[tuple[int, str, InCoding]] = []
    for src in incoming.sources:
        candidates = by_hash.get(text_hash(src.text), [])
        if not candidates:
            target = report.differing if src.name in names else report.missing
            target.append((src.name, len(src.codings)))
            continue
        # several transcripts with the same text: the one with the same name, else the first
        sid, our_name, our_text = next((c for c in candidates if c[1] == src.name), candidates[0])
        report.matched.append((src.name, our_name))
        existing = project.team.coding_keys(sid)
        rejected = project.team.rejected_keys(sid)
        seen: set[tuple] = set()
        for c in src.codings:
            if c.code_id not in usable:
                skipped_codes[c.code_id] += 1
                continue
            if c.key in existing or c.key in seen:
                report.already += c.key in existing
                continue
            if c.key in rejected:
                report.rejected += 1
                seen.add(c.key)
                continue
            seen.add(c.key)
            inserts.append((sid, our_text, c))
            report.added[c.coder or "(unknown)"] += 1
            report.per_source[our_name][c.coder or "(unknown)"] += 1
            report.preview.append((our_name, c))
    report.skipped_codes = sorted(skipped_codes.items())
    report.summaries = plan_summaries(project, incoming.summaries, usable)
    return report, inserts, new_codes


# ----------------------------------------------------------------------------- applying
def merge(
    project: Project,
    other: str | Path,
    *,
    dry_run: bool = False,
    skip_new_codes: bool = False,
) -> MergeReport:
    """Merge ``other`` (a project folder or a .qdpx) into ``project`` as one undoable action."""
    incoming = read_other(other, project)
    report, inserts, new_codes = plan_merge(
        project, incoming, skip_new_codes=skip_new_codes, dry_run=dry_run
    )
    if dry_run or (not inserts and not new_codes and not report.summaries.rows):
        return report
    project.prepare_bulk("merge")
    name = Path(str(other)).name
    # The plan above decides only whether there is anything to do (and so a backup to make).
    # The plan that counts is made again under the write lock: two merges at once must not
    # both add the same codings.
    with project.action(f"Merge {name}", kind="merge") as conn:
        report, inserts, new_codes = plan_merge(project, incoming, skip_new_codes=skip_new_codes)
        summaries = report.summaries.total
        project.history.rename_current(
            f"Merge {name} ({_count(report.total_added, 'coding')}"
            + (
                f", {_count(summaries, 'framework summary', 'framework summaries')})"
                if summaries
                else ")"
            )
        )
        if new_codes:
            with tempfile.TemporaryDirectory(prefix="mpu-qual-merge-") as tmp:
                cb_file = Path(tmp) / "codebook.yaml"
                # their codes added to ours, comments and layout kept
                write_text_atomic(cb_file, project.codebook.text_with_codes_added(new_codes))
                # codebook.yaml changes with this action's commit (journaled), never before
                project.codebook.sync(cb_file)
        if inserts:
            project.codings.insert_rows(
                conn,
                [
                    (
                        sid,
                        c.code_id,
                        c.start,
                        c.end,
                        text_[c.start : c.end],
                        c.memo,
                        c.coder,
                        c.created_at,
                    )
                    for sid, text_, c in inserts
                ],
            )
        if report.summaries.rows:  # their codes are in the codebook by now
            FrameworkSummaries(project).insert_rows(conn, report.summaries.rows)
    return report


def _count(n: int, one: str, many: str = "") -> str:
    return f"{n} {one}" if n == 1 else f"{n} {many or one + 's'}"
