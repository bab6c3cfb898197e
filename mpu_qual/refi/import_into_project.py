"""Bring a REFI-QDA project or codebook into mpu-qual, as one undoable action.

``import_qdpx(project, file)`` adds to the open project; ``import_qdpx_new(file, folder)``
creates a new project from the file alone. Either way the whole file is read and checked
first, then written in one transaction: on any error nothing is added and codebook.yaml is
restored.

- Codes become codebook entries. An mpu-qual export carries each code's id and Chinese label
  in its description and keeps them; other tools' codes get ids made from their names along
  the tree (``parent.child``, ASCII, so a Chinese-only name gets ``c`` + a short hash), which
  are stable: importing the same file again finds the same codes. Both labels are the code's
  name when no Chinese label is known. A code whose id already exists is reused, not copied.
- Text is kept exactly as in the file (CRLF and all), so positions keep pointing at the same
  characters. Segments are its lines, consecutive lines of one speaker turn joined; speakers
  come from cases whose selections cover a line (mpu-qual's own speaker turns, and the case
  selections other tools write).
- Cases become participants: a "Stakeholder group" (or "group") variable sets the group when
  it names one of the codebook's groups; other variables become attributes.
- Notes become memos: on a coding, its memo; on a code, source or the project, a memo row.
- Audio and video sources bring their transcript; PDF and picture sources are skipped with a
  warning, as are sources whose text lives outside the archive.
"""

from __future__ import annotations

import bisect
import dataclasses
import hashlib
import heapq
import re
import shutil
import sqlite3
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mpu_qual.codebook import COLOR_RE, ID_RE, Codebook, CodeDef, load_codebook, save_codebook
from mpu_qual.errors import MpuQualError
from mpu_qual.fileio import write_bytes_atomic
from mpu_qual.refi.offsets import CODE_POINTS, choose_reading
from mpu_qual.refi.reader import (
    RCode,
    RCoding,
    RProject,
    RSource,
    read_qdc_book,
    read_qdpx,
)
from mpu_qual.refi.sets import plan_sets
from mpu_qual.refi.skipped import (
    CODINGS,
    EMPTY,
    NOTE,
    SOURCE,
    Skipped,
    refuse_if_lost,
)
from mpu_qual.refi.writer import (
    ADDRESSES_PREFIX,
    GROUP_VARIABLE,
    ID_PREFIX,
    NAME_VARIABLE,
    ZH_PREFIX,
)
from mpu_qual.store import Project
from mpu_qual.store.bulk_rows import check_and_index_source, rows_checked_per_source
from mpu_qual.store.project import BUNDLED_CODEBOOK
from mpu_qual.transcript_files.parsed import ParsedSegment, ParsedTranscript
from mpu_qual.transcript_files.timecode import parse_timestamp

GROUP_VARIABLES = {GROUP_VARIABLE.casefold(), "group", "stakeholder_group", "持份者組別", "組別"}
MAX_SLUG = 40
_TURN_TIMES = re.compile(r"\[([0-9:.,]+)\s*-\s*([0-9:.,]+)\]\s*$")


@dataclass
class ImportReport:
    """What an import added (for the CLI to print)."""

    file: str
    folder: Path
    codes_added: list[str] = field(default_factory=list)
    codes_reused: int = 0
    sources: list[str] = field(default_factory=list)
    codings: int = 0
    participants: int = 0
    memos: int = 0
    warnings: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)  # what could not come along, why
    sets: list[str] = field(default_factory=list)  # where each set went

    @property
    def lost_content(self) -> bool:
        return any(s.loses_content for s in self.skipped)


# ----------------------------------------------------------------------------- codes
def parse_description(text: str) -> tuple[str, str | None, str | None, str | None]:
    """(rule, Chinese label, mpu-qual id, audience) from a code description."""
    lines = text.splitlines()
    zh = cid = addresses = None
    while lines:
        last = lines[-1].strip()
        if last.startswith(ZH_PREFIX.strip()):
            zh = last[len(ZH_PREFIX.strip()) :].strip() or None
        elif last.startswith(ID_PREFIX.strip()):
            cid = last[len(ID_PREFIX.strip()) :].strip() or None
        elif last.startswith(ADDRESSES_PREFIX.strip()):
            addresses = last[len(ADDRESSES_PREFIX.strip()) :].strip() or None
        elif not last and (zh or cid or addresses):
            pass
        else:
            break
        lines.pop()
    return "\n".join(lines).strip(), zh, cid, addresses


def slug(name: str) -> str:
    """An id part from a code name: ASCII letters, digits and '_'; a hash for Chinese names."""
    ascii_ = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    s = re.sub(r"[^a-z0-9]+", "_", ascii_).strip("_")[:MAX_SLUG].strip("_")
    return s or "c" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:6]


def _color(value: str | None) -> str | None:
    if not value:
        return None
    v = value.strip()
    if re.fullmatch(r"#[0-9a-fA-F]{3}", v):
        v = "#" + "".join(ch * 2 for ch in v[1:])
    return v.lower() if COLOR_RE.match(v) else None


def plan_codes(
    rcodes: list[RCode], cb: Codebook, where: str
) -> tuple[dict[str, str], list[CodeDef], int]:
    """Map each file code to an id: (guid -> id, new codebook entries, codes reused)."""
    existing = cb.ids()
    audiences = {a.id for a in cb.audiences}
    mapping: dict[str, str] = {}
    used: set[str] = set()
    new: list[CodeDef] = []
    reused = 0
    for rc in rcodes:
        if not rc.guid:
            raise MpuQualError(f"code '{rc.name}' has no guid", path=where)
        if rc.guid in mapping:
            raise MpuQualError(f"two codes share the guid {rc.guid}", path=where)
        rule, zh, cid, addresses = parse_description(rc.description)
        parent = mapping.get(rc.parent) if rc.parent else None
        if cid and ID_RE.match(cid) and cid not in used:
            target = cid
        else:
            base = f"{parent}.{slug(rc.name)}" if parent else slug(rc.name)
            target, n = base, 2
            while target in used:
                target, n = f"{base}_{n}", n + 1
        used.add(target)
        mapping[rc.guid] = target
        if target in existing:
            reused += 1
            continue
        name = rc.name or target
        new.append(
            CodeDef(
                id=target,
                en=name,
                zh=zh or name,
                rule=rule,
                color=_color(rc.color),
                addresses=addresses if addresses in audiences else None,
                parent=parent,
            )
        )
        existing.add(target)
    return mapping, new, reused


def _merged(cb: Codebook, new: list[CodeDef]) -> Codebook:
    return Codebook(cb.name, cb.name_zh, cb.groups, cb.audiences, [*cb.codes, *new], cb.path)


# ----------------------------------------------------------------------------- sources
@dataclass
class _PlannedSource:
    name: str
    parsed: ParsedTranscript
    media_path: str | None
    codings: list[tuple[int, int, str, str | None, str | None, str | None]]
    memos: list[tuple[str | None, str, str | None, str | None]]


def _note_text(rp: RProject, refs: list[str], used: set[str]) -> list[str]:
    out = []
    for r in refs:
        note = rp.notes.get(r)
        if note and note.text.strip():
            used.add(r)
            out.append(note.text.strip())
    return out


def _lines(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _turn_of_lines(
    lines: list[tuple[int, int]], spans: list[tuple[int, int, str, int | None, int | None]]
) -> list[int | None]:
    """For each line (in text order), the index of the last speaker span that covers its
    start (``a <= start < b``, or an empty span at the start), or None: one sweep."""
    order = sorted(range(len(spans)), key=lambda i: spans[i][0])
    active: list[int] = []  # a max-heap of span indexes (negated)
    k = 0
    out: list[int | None] = []
    for s, _e in lines:
        while k < len(order) and spans[order[k]][0] <= s:
            heapq.heappush(active, -order[k])
            k += 1
        while active:
            a, b = spans[-active[0]][0], spans[-active[0]][1]
            if a <= s < b or a == s == b:
                break
            heapq.heappop(active)  # ends before this line: it covers no later line either
        out.append(-active[0] if active else None)
    return out


def _plan_source(
    rp: RProject,
    src: RSource,
    mapping: dict[str, str],
    turns: dict[str, str],
    name: str,
    report: ImportReport,
    used_notes: set[str],
    where: str,
) -> _PlannedSource:
    text = src.text or ""
    label = f"source '{src.name}'"
    reading, f = choose_reading(text, src.selections)
    if reading != CODE_POINTS:
        report.warnings.append(f"{label}: positions read as {reading}")
    speaker_spans: list[tuple[int, int, str, int | None, int | None]] = []
    codings: list[tuple[int, int, str, str | None, str | None, str | None]] = []
    for sel in src.selections:
        a, b = f(sel.start), f(sel.end)
        if a is None or b is None or a > b:
            raise MpuQualError(
                f"{label}: selection {sel.guid} ({sel.start}-{sel.end}) is outside the text "
                f"({len(text)} characters)",
                path=where,
                hint="The file is inconsistent; export it again from the other program.",
            )
        if sel.guid in turns and not sel.codings:
            m = _TURN_TIMES.search(sel.name or "")
            t0 = parse_timestamp(m.group(1)) if m else None
            t1 = parse_timestamp(m.group(2)) if m else None
            speaker_spans.append((a, b, turns[sel.guid], t0, t1))
            continue
        if not sel.codings:
            continue
        if a == b:
            report.skipped.append(
                Skipped(EMPTY, f"{label}: empty selection {sel.guid}", len(sel.codings))
            )
            continue
        shared = _note_text(rp, sel.note_refs, used_notes)
        if sel.description and sel.description.strip():
            shared.append(sel.description.strip())
        for c in sel.codings:
            codings.append(
                _coding_row(
                    rp, c, a, b, mapping, shared, sel.user, sel.created, used_notes, label, where
                )
            )
    for c in src.codings:  # a coding of the whole source
        if text:
            codings.append(
                _coding_row(rp, c, 0, len(text), mapping, [], None, None, used_notes, label, where)
            )
    sync = sorted((pos, ms) for pos, ms in src.sync.values() if pos is not None and ms is not None)
    sync_pos = [pos for pos, _ms in sync]
    # Lines are the smallest segments; consecutive lines of the same speaker turn are one.
    runs: list[tuple[int, int, int | None]] = []  # (start, end, turn index)
    lines = _lines(text)
    for (s, e), turn in zip(lines, _turn_of_lines(lines, speaker_spans), strict=True):
        if runs and turn is not None and runs[-1][2] == turn:
            runs[-1] = (runs[-1][0], e, turn)
        else:
            runs.append((s, e, turn))
    segments = []
    for s, e, turn in runs:
        speaker = t0 = t1 = None
        if turn is not None:
            _a, _b, speaker, t0, t1 = speaker_spans[turn]
        if t0 is None and sync:
            i = bisect.bisect_right(sync_pos, s) - 1  # the last sync point at or before s
            t0 = sync[i][1] if i >= 0 else None
            j = bisect.bisect_left(sync_pos, e)  # the first at or after e
            t1 = sync[j][1] if j < len(sync) else t0
        segments.append(ParsedSegment(text=text[s:e], speaker=speaker, start_ms=t0, end_ms=t1))
    memos = [
        (
            rp.notes[r].name,
            rp.notes[r].text,
            rp.users.get(rp.notes[r].user or ""),
            rp.notes[r].created,
        )
        for r in src.note_refs
        if r in rp.notes and rp.notes[r].text.strip()
    ]
    used_notes.update(src.note_refs)
    metadata = {"imported_from": Path(where.split("::")[0]).name}
    if src.description and src.description.strip():
        metadata["description"] = src.description.strip()
    if rp.origin:
        metadata["origin"] = rp.origin
    parsed = ParsedTranscript(segments=segments, metadata=metadata, format="txt")
    if parsed.full_text() != text:  # cannot happen; guards the offsets
        raise MpuQualError(f"{label}: internal error splitting the text", path=where)
    return _PlannedSource(name, parsed, src.media_path, codings, memos)


def _coding_row(
    rp: RProject,
    c: RCoding,
    a: int,
    b: int,
    mapping: dict[str, str],
    shared: list[str],
    sel_user: str | None,
    sel_created: str | None,
    used_notes: set[str],
    label: str,
    where: str,
) -> tuple[int, int, str, str | None, str | None, str | None]:
    code = mapping.get(c.code)
    if code is None:
        raise MpuQualError(
            f"{label}: coding {c.guid} refers to an unknown code {c.code}", path=where
        )
    memo = "\n\n".join(_note_text(rp, c.note_refs, used_notes) + shared) or None
    user = rp.users.get(c.user or sel_user or "") or None
    return (a, b, code, memo, user, c.created or sel_created)


# ----------------------------------------------------------------------------- planning
@dataclass
class _Plan:
    rp: RProject
    mapping: dict[str, str]
    new_codes: list[CodeDef]
    sources: list[_PlannedSource]
    participants: list[tuple[str, str | None, str | None, dict[str, str]]]
    code_memos: list[tuple[str, str | None, str, str | None, str | None]]
    project_memos: list[tuple[str | None, str, str | None, str | None]]


def _plan(
    project_cb: Codebook,
    rp: RProject,
    where: str,
    prefix: str,
    taken_names: set[str],
    resolve_group: Callable[[str], str | None],
    report: ImportReport,
) -> _Plan:
    mapping, new, reused = plan_codes(rp.codes, project_cb, where)
    report.codes_added = [c.id for c in new]
    report.codes_reused = reused
    turns = {sel: case.name for case in rp.cases for sel in case.selection_refs}
    used_notes: set[str] = set()
    sources: list[_PlannedSource] = []
    names = set(taken_names)
    planned: dict[str, _PlannedSource] = {}
    for src in rp.sources:
        if src.problem or src.text is None:
            why = src.problem or f"source '{src.name}' has no text"
            report.skipped.append(Skipped(SOURCE, why, src.lost_codings))
            continue
        if src.lost_codings:
            report.skipped.append(Skipped(CODINGS, src.lost_why or src.name, src.lost_codings))
        name = (prefix + src.name).strip()
        if name in names:
            raise MpuQualError(
                f"a transcript named '{name}' already exists",
                path=where,
                hint="Pass --prefix TEXT to import under other names.",
            )
        names.add(name)
        sources.append(_plan_source(rp, src, mapping, turns, name, report, used_notes, where))
        planned[src.guid] = sources[-1]
    for note in rp.notes.values():
        if note.problem:
            report.skipped.append(Skipped(NOTE, note.problem))
    participants = []
    for case in rp.cases:
        group = name = None
        attrs: dict[str, str] = {}
        for key, value in case.variables.items():
            k = key.casefold()
            if k in GROUP_VARIABLES and group is None and resolve_group(value):
                group = resolve_group(value)
            elif k == NAME_VARIABLE.casefold():
                name = value
            else:
                attrs[key] = value
        if case.description and "Description" not in attrs:
            attrs["Description"] = case.description
        participants.append((case.name, name, group, attrs))
    code_memos = []
    for rc in rp.codes:
        for r in rc.note_refs:
            note = rp.notes.get(r)
            if note and note.text.strip():
                used_notes.add(r)
                code_memos.append(
                    (
                        mapping[rc.guid],
                        note.name,
                        note.text,
                        rp.users.get(note.user or ""),
                        note.created,
                    )
                )
    project_memos = []
    for g, note in rp.notes.items():
        if g not in used_notes and note.text.strip():
            project_memos.append(
                (note.name, note.text, rp.users.get(note.user or ""), note.created)
            )
    if rp.description:
        project_memos.append(("Project description", rp.description, None, None))
    new = _place_sets(rp, mapping, new, project_cb, planned, project_memos, where, report)
    return _Plan(rp, mapping, new, sources, participants, code_memos, project_memos)


def _place_sets(
    rp: RProject,
    mapping: dict[str, str],
    new: list[CodeDef],
    cb: Codebook,
    planned: dict[str, _PlannedSource],
    project_memos: list[tuple[str | None, str, str | None, str | None]],
    where: str,
    report: ImportReport,
) -> list[CodeDef]:
    """Sets: audiences of new codes, memos for code groups, transcript metadata (sets.py)."""
    if not rp.sets:
        return new
    labels = {c.id: c.en for c in cb.codes} | {c.id: c.en for c in new}
    names = {g: ps.name for g, ps in planned.items()}
    sp = plan_sets(rp.sets, mapping, labels, cb.audiences, names, Path(where).name)
    for g, set_names in sp.source_sets.items():
        planned[g].parsed.metadata["sets"] = ", ".join(set_names)
    project_memos.extend((title, text, None, None) for title, text in sp.memos)
    report.sets += sp.lines
    report.warnings += sp.warnings
    return [
        dataclasses.replace(c, addresses=sp.addresses[c.id])
        if c.id in sp.addresses and not c.addresses
        else c
        for c in new
    ]


def _group_resolver(cb: Codebook) -> Callable[[str], str | None]:
    def resolve(value: str) -> str | None:
        v = value.strip().casefold()
        for g in cb.groups:
            if v in (g.id.casefold(), g.en.casefold(), g.zh.casefold()):
                return g.id
        return None

    return resolve


# ----------------------------------------------------------------------------- applying
def _apply(
    project: Project, plan: _Plan, codebook_file: Path | None, file_name: str, report: ImportReport
) -> ImportReport:
    backup = project.codebook_path.read_bytes()
    try:
        with project.action(f"Import {file_name}", kind="import") as conn:
            if codebook_file is not None:
                project.codebook.sync(codebook_file)
            for ps in plan.sources:
                src = project.sources.add(ps.name, ps.parsed, media_path=ps.media_path)
                with rows_checked_per_source(conn):  # checked once per source, not per row
                    conn.executemany(
                        "INSERT INTO codings (source_id, code_id, start, end, quote, memo, "
                        "coder, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, "
                        "coalesce(?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))",
                        [
                            (src.id, code, a, b, src.text[a:b], memo, coder, created)
                            for a, b, code, memo, coder, created in sorted(
                                set(ps.codings), key=_coding_key
                            )
                        ],
                    )
                check_and_index_source(conn, src.id, src.text, index_segments=False)
                report.codings += len(set(ps.codings))
                for title, text, author, created in ps.memos:
                    _memo(conn, src.id, None, title, text, author, created)
                    report.memos += 1
                report.sources.append(ps.name)
            for label, name, group, attrs in plan.participants:
                project.participants.set(label, name=name, group=group, attrs=attrs)
                report.participants += 1
            for code, title, text, author, created in plan.code_memos:
                _memo(conn, None, code, title, text, author, created)
                report.memos += 1
            for title, text, author, created in plan.project_memos:
                _memo(conn, None, None, title, text, author, created)
                report.memos += 1
    except sqlite3.DatabaseError as exc:
        _restore(project, backup)
        raise MpuQualError(f"the import was rolled back: {exc}", path=file_name) from None
    except BaseException:
        _restore(project, backup)
        raise
    return report


def _coding_key(row: tuple) -> tuple:
    return tuple("" if v is None else v for v in row)


def _memo(
    conn: sqlite3.Connection,
    source_id: int | None,
    code_id: str | None,
    title: str | None,
    text: str,
    author: str | None,
    created: str | None,
) -> None:
    conn.execute(
        "INSERT INTO memos (source_id, code_id, title, text, author, created_at) VALUES "
        "(?, ?, ?, ?, ?, coalesce(?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))",
        [source_id, code_id, title, text, author, created],
    )


def _restore(project: Project, backup: bytes) -> None:
    try:
        if project.codebook_path.read_bytes() != backup:
            write_bytes_atomic(project.codebook_path, backup)
    except OSError:
        pass


def _existing_names(project: Project) -> set[str]:
    return {r[0] for r in project.conn.execute("SELECT name FROM sources")}


def import_qdpx(
    project: Project, path: str | Path, *, prefix: str = "", partial: bool = False
) -> ImportReport:
    """Add a .qdpx project's codes, sources, codings, cases and notes to ``project``.

    When anything in the file cannot come along (see skipped.py) nothing is written and the
    error lists it, unless ``partial``: then the rest is imported and the report lists it.
    """
    p = Path(path)
    rp = read_qdpx(p)
    cb = project.codebook.load()
    report = ImportReport(p.name, project.folder)
    plan = _plan(cb, rp, str(p), prefix, _existing_names(project), _group_resolver(cb), report)
    refuse_if_lost(report.skipped, str(p), partial=partial)
    if not plan.new_codes:
        return _apply(project, plan, None, p.name, report)
    with tempfile.TemporaryDirectory(prefix="mpu-qual-import-") as tmp:
        cb_file = Path(tmp) / "codebook.yaml"
        save_codebook(_merged(cb, plan.new_codes), cb_file)
        return _apply(project, plan, cb_file, p.name, report)


def import_qdc(project: Project, path: str | Path) -> ImportReport:
    """Merge a .qdc codebook's codes into the project's codebook (one undoable action);
    its sets become audiences of new codes or memos (sets.py)."""
    p = Path(path)
    rcodes, rsets = read_qdc_book(p)
    cb = project.codebook.load()
    report = ImportReport(p.name, project.folder)
    mapping, new, reused = plan_codes(rcodes, cb, str(p))
    memos: list[tuple[str | None, str, str | None, str | None]] = []
    rp = RProject(name="", origin="", codes=rcodes, sets=rsets)
    new = _place_sets(rp, mapping, new, cb, {}, memos, str(p), report)
    report.codes_added, report.codes_reused = [c.id for c in new], reused
    if not new and not memos:
        return report
    backup = project.codebook_path.read_bytes()
    with tempfile.TemporaryDirectory(prefix="mpu-qual-import-") as tmp:
        cb_file = Path(tmp) / "codebook.yaml"
        save_codebook(_merged(cb, new), cb_file)
        try:
            with project.action(f"Import {p.name}", kind="import") as conn:
                if new:
                    project.codebook.sync(cb_file)
                for title, text, author, created in memos:
                    _memo(conn, None, None, title, text, author, created)
                    report.memos += 1
        except BaseException:
            _restore(project, backup)
            raise
    return report


def import_qdpx_new(
    path: str | Path, folder: str | Path, *, prefix: str = "", partial: bool = False
) -> ImportReport:
    """Create a new project in ``folder`` from a .qdpx (stakeholder groups and audiences come
    from the bundled codebook). On error the folder is left as it was."""
    p, root = Path(path), Path(folder)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise MpuQualError(
            "the folder for the new project is not empty",
            path=root,
            hint="Name a new folder, or import into an open project with -p.",
        )
    rp = read_qdpx(p)
    base = load_codebook(BUNDLED_CODEBOOK)
    empty = Codebook(rp.name or p.stem, rp.name or p.stem, base.groups, base.audiences, [])
    report = ImportReport(p.name, root)
    plan = _plan(empty, rp, str(p), prefix, set(), _group_resolver(empty), report)
    refuse_if_lost(report.skipped, str(p), partial=partial)
    if not plan.new_codes:
        raise MpuQualError(
            "the file has no codes, and a project needs a codebook",
            path=p,
            hint="Create the project with 'mpu-qual init', then import into it.",
        )
    created = not root.exists()
    try:
        with tempfile.TemporaryDirectory(prefix="mpu-qual-import-") as tmp:
            cb_file = Path(tmp) / "codebook.yaml"
            save_codebook(_merged(empty, plan.new_codes), cb_file)
            project = Project.init(root, cb_file, import_transcripts=False)
        try:
            return _apply(project, plan, None, p.name, report)
        finally:
            project.close()
    except BaseException:
        if created:
            shutil.rmtree(root, ignore_errors=True)
        elif root.is_dir():
            for child in root.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink(missing_ok=True)
        raise
