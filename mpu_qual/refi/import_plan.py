"""What a REFI-QDA project or codebook would bring into an mpu-qual project, worked out before\nanything is written: codes matched or added (ids kept from mpu-qual's own descriptions), sets\nplaced, and each source's selections turned into code-point spans (``offsets`` copes with\ntools that count CRLF as one character or count UTF-16 units), notes into memos, users into\ncoders.\n\nApplying the plan, in one undoable action, is ``import_into_project.py``.\n"""

from __future__ import annotations

import bisect
import dataclasses
import hashlib
import heapq
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mpu_qual.codebook import COLOR_RE, ID_RE, Codebook, CodeDef
from mpu_qual.errors import MpuQualError
from mpu_qual.refi.offsets import CODE_POINTS, decide_reading
from mpu_qual.refi.reader import (
    RCode,
    RCoding,
    RProject,
    RSource,
)
from mpu_qual.refi.sets import plan_sets
from mpu_qual.refi.skipped import (
    CODINGS,
    EMPTY,
    NOTE,
    SOURCE,
    Skipped,
)
from mpu_qual.refi.writer import (
    ADDRESSES_PREFIX,
    GROUP_VARIABLE,
    ID_PREFIX,
    NAME_VARIABLE,
    ZH_PREFIX,
)
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


def merged_codebook(cb: Codebook, new: list[CodeDef]) -> Codebook:
    return Codebook(cb.name, cb.name_zh, cb.groups, cb.audiences, [*cb.codes, *new], cb.path)


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
    positions: str = "auto",
) -> _PlannedSource:
    text = src.text or ""
    label = f"source '{src.name}'"
    reading = decide_reading(
        text, src.selections, origin=rp.origin, choice=positions, label=label, where=where
    )
    f = reading.f
    if reading.name != CODE_POINTS:  # the standard's reading needs no word
        report.warnings.append(f"{label}: positions read as {reading.name} ({reading.why})")
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
    # Sync points count positions as the selections do.
    synced = ((f(pos), ms) for pos, ms in src.sync.values() if pos is not None and ms is not None)
    sync = sorted((pos, ms) for pos, ms in synced if pos is not None)
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
    for var, value in src.variables.items():  # a source's variables (QualCoder: file attributes)
        metadata[var if var not in metadata else f"variable {var}"] = value
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


@dataclass
class ImportPlan:
    rp: RProject
    mapping: dict[str, str]
    new_codes: list[CodeDef]
    sources: list[_PlannedSource]
    participants: list[tuple[str, str | None, str | None, dict[str, str]]]
    code_memos: list[tuple[str, str | None, str, str | None, str | None]]
    project_memos: list[tuple[str | None, str, str | None, str | None]]


def plan_import(
    project_cb: Codebook,
    rp: RProject,
    where: str,
    prefix: str,
    taken_names: set[str],
    resolve_group: Callable[[str], str | None],
    report: ImportReport,
    positions: str = "auto",
) -> ImportPlan:
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
        sources.append(
            _plan_source(rp, src, mapping, turns, name, report, used_notes, where, positions)
        )
        planned[src.guid] = sources[-1]
    for note in rp.notes.values():
        if note.problem:
            report.skipped.append(Skipped(NOTE, note.problem))
    participants: list[tuple[str, str | None, str | None, dict[str, str]]] = []
    for case in rp.cases:
        group: str | None = None
        person: str | None = None
        attrs: dict[str, str] = {}
        for key, value in case.variables.items():
            k = key.casefold()
            if k in GROUP_VARIABLES and group is None and resolve_group(value):
                group = resolve_group(value)
            elif k == NAME_VARIABLE.casefold():
                person = value
            else:
                attrs[key] = value
        if case.description and "Description" not in attrs:
            attrs["Description"] = case.description
        participants.append((case.name, person, group, attrs))
    code_memos = []
    for rc in rp.codes:
        for r in rc.note_refs:
            memo = rp.notes.get(r)
            if memo and memo.text.strip():
                used_notes.add(r)
                code_memos.append(
                    (
                        mapping[rc.guid],
                        memo.name,
                        memo.text,
                        rp.users.get(memo.user or ""),
                        memo.created,
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
    new = place_sets(rp, mapping, new, project_cb, planned, project_memos, where, report)
    return ImportPlan(rp, mapping, new, sources, participants, code_memos, project_memos)


def place_sets(
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


def group_resolver(cb: Codebook) -> Callable[[str], str | None]:
    def resolve(value: str) -> str | None:
        v = value.strip().casefold()
        for g in cb.groups:
            if v in (g.id.casefold(), g.en.casefold(), g.zh.casefold()):
                return g.id
        return None

    return resolve
