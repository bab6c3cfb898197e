"""Read QDA-XML written by any REFI-QDA tool into plain dataclasses (no project writes).

Accepts files from QualCoder, ATLAS.ti, MAXQDA, NVivo, Taguette and mpu-qual: namespaced
or not, source text inline (``PlainTextContent``) or as ``sources/<file>.txt`` (any case),
GUIDs with or without braces. Media files (audio, PDF, pictures) are not read; their
transcripts are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element

from mpu_qual.errors import MpuQualError
from mpu_qual.fileio import refuse_database_file
from mpu_qual.refi.guids import norm_guid
from mpu_qual.refi.paths import archive_candidates, media_path_from_xml
from mpu_qual.refi.safezip import SafeZip
from mpu_qual.refi.sniff import expect_codebook, expect_project
from mpu_qual.refi.xmlio import child, children, local, parse_xml, text_of

MAX_QDC_BYTES = 64 * 1024 * 1024


@dataclass
class RCode:
    guid: str
    name: str
    description: str
    color: str | None
    parent: str | None
    codable: bool = True
    note_refs: list[str] = field(default_factory=list)


@dataclass
class RCoding:
    guid: str
    code: str
    user: str | None
    created: str | None
    note_refs: list[str] = field(default_factory=list)


@dataclass
class RSelection:
    guid: str
    name: str | None
    start: int
    end: int
    codings: list[RCoding] = field(default_factory=list)
    user: str | None = None
    created: str | None = None
    description: str | None = None
    note_refs: list[str] = field(default_factory=list)


@dataclass
class RSource:
    guid: str
    name: str
    kind: str  # TextSource, AudioSource, VideoSource, PDFSource, PictureSource
    text: str | None
    selections: list[RSelection] = field(default_factory=list)
    codings: list[RCoding] = field(default_factory=list)  # codings of the whole source
    sync: dict[str, tuple[int | None, int | None]] = field(
        default_factory=dict
    )  # guid -> (pos, ms)
    note_refs: list[str] = field(default_factory=list)
    description: str | None = None
    media_path: str | None = None
    problem: str | None = None  # why it cannot be imported, if it cannot
    lost_codings: int = 0  # codings in the file that cannot come along (see lost_why)
    lost_why: str | None = None
    variables: dict[str, str] = field(default_factory=dict)  # QualCoder's file attributes


@dataclass
class RCase:
    guid: str
    name: str
    variables: dict[str, str] = field(default_factory=dict)
    selection_refs: list[str] = field(default_factory=list)
    description: str | None = None


@dataclass
class RNote:
    guid: str
    name: str | None
    text: str
    user: str | None
    created: str | None
    problem: str | None = None  # why its text could not be read, if it could not


@dataclass
class RSet:
    """A named group of codes, sources and notes (``<Set>``)."""

    guid: str
    name: str
    description: str | None
    codes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class RProject:
    name: str
    origin: str
    codes: list[RCode] = field(default_factory=list)  # parents before children
    users: dict[str, str] = field(default_factory=dict)
    sources: list[RSource] = field(default_factory=list)
    cases: list[RCase] = field(default_factory=list)
    notes: dict[str, RNote] = field(default_factory=dict)
    note_refs: list[str] = field(default_factory=list)
    sets: list[RSet] = field(default_factory=list)
    description: str | None = None


def _int(el: Element, attr: str, where: str) -> int:
    raw = el.get(attr)
    try:
        return int(str(raw).strip())
    except ValueError:
        raise MpuQualError(
            f"{local(el.tag)} {el.get('guid', '')}: '{attr}' is not a whole number ({raw!r})",
            path=where,
        ) from None


def _refs(el: Element, name: str) -> list[str]:
    return [norm_guid(r.get("targetGUID")) for r in children(el, name)]


def _codes(container: Element | None, parent: str | None, out: list[RCode], depth: int = 0) -> None:
    if container is None:
        return
    if depth > 50:
        raise MpuQualError("codes are nested more than 50 levels deep")
    for c in children(container, "Code"):
        g = norm_guid(c.get("guid"))
        out.append(
            RCode(
                guid=g,
                name=(c.get("name") or "").strip(),
                description=(text_of(child(c, "Description")) or "").strip(),
                color=c.get("color"),
                parent=parent,
                codable=(c.get("isCodable", "true").strip().lower() != "false"),
                note_refs=_refs(c, "NoteRef"),
            )
        )
        _codes(c, g, out, depth + 1)


def _member(el: Element) -> str:
    """A member's GUID: ``targetGUID`` in a project, ``guid`` in a codebook (.qdc)."""
    return norm_guid(el.get("targetGUID") or el.get("guid"))


def parse_sets(*containers: Element | None) -> list[RSet]:
    """The ``<Set>``s of every ``<Sets>`` found directly under the given elements (a
    project keeps them at its root; codebooks, and some tools' projects, in ``CodeBook``)."""
    out: list[RSet] = []
    for container in containers:
        if container is None:
            continue
        for sets in children(container, "Sets"):
            for i, el in enumerate(children(sets, "Set"), start=1):
                out.append(
                    RSet(
                        guid=norm_guid(el.get("guid")),
                        name=(el.get("name") or "").strip() or f"Set {i}",
                        description=(text_of(child(el, "Description")) or "").strip() or None,
                        codes=[_member(m) for m in children(el, "MemberCode")],
                        sources=[_member(m) for m in children(el, "MemberSource")],
                        notes=[_member(m) for m in children(el, "MemberNote")],
                    )
                )
    return out


def _coding(el: Element) -> RCoding:
    ref = child(el, "CodeRef")
    return RCoding(
        guid=norm_guid(el.get("guid")),
        code=norm_guid(ref.get("targetGUID") if ref is not None else None),
        user=norm_guid(el.get("creatingUser")) or None,
        created=el.get("creationDateTime"),
        note_refs=_refs(el, "NoteRef"),
    )


def parse_codebook(root: Element, where: str) -> list[RCode]:
    """Codes of a ``CodeBook`` element (the root of a .qdc, or inside a project)."""
    if local(root.tag) != "CodeBook":
        raise MpuQualError(
            f"expected a CodeBook element, found {local(root.tag)}",
            path=where,
            hint="Is this a REFI-QDA codebook (.qdc)?",
        )
    out: list[RCode] = []
    _codes(child(root, "Codes"), None, out)
    return out


def read_qdc(path: str | Path) -> list[RCode]:
    return read_qdc_book(path)[0]


def read_qdc_book(path: str | Path) -> tuple[list[RCode], list[RSet]]:
    """Codes and sets of a .qdc; a file that is something else is refused by name."""
    expect_codebook(path)
    p = Path(path)
    refuse_database_file(p, "REFI-QDA codebook")
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise MpuQualError("file not found", path=p) from None
    if size > MAX_QDC_BYTES:
        raise MpuQualError(f"file is larger than {MAX_QDC_BYTES >> 20} MiB", path=p)
    root = parse_xml(p.read_bytes(), p)
    return parse_codebook(root, str(p)), parse_sets(root)


def _decode(data: bytes, where: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise MpuQualError("source text is not valid UTF-16", path=where) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MpuQualError(
            f"source text is not UTF-8 (byte {exc.start})",
            path=where,
            line=data[: exc.start].count(b"\n") + 1,
        ) from None
    if "\x00" in text:
        raise MpuQualError("source text contains NUL characters", path=where)
    return text


class _Ctx:
    def __init__(self, archive: SafeZip | None, where: str, base_path: str | None = None):
        self.archive = archive
        self.where = where
        self.base_path = base_path

    def text(self, el: Element, label: str) -> tuple[str | None, str | None]:
        """(text, problem) of an element with PlainTextContent or plainTextPath."""
        inline = child(el, "PlainTextContent")
        if inline is not None:
            return text_of(inline) or "", None
        path = (el.get("plainTextPath") or "").strip()
        if not path:
            return None, f"{label} has no plain text"
        candidates = archive_candidates(path, label, self.where)
        if candidates is None or self.archive is None:
            return None, f"{label}'s text is outside the archive ({path})"
        found = next((f for f in map(self.archive.find, candidates) if f is not None), None)
        if found is None:
            return None, f"{label}'s text file '{candidates[0]}' is missing from the archive"
        return _decode(self.archive.read(found), f"{self.archive.path}::{found}"), None


def _selection(el: Element, start: int, end: int) -> RSelection:
    return RSelection(
        guid=norm_guid(el.get("guid")),
        name=el.get("name"),
        start=start,
        end=end,
        codings=[_coding(c) for c in children(el, "Coding")],
        user=norm_guid(el.get("creatingUser")) or None,
        created=el.get("creationDateTime"),
        description=text_of(child(el, "Description")),
        note_refs=_refs(el, "NoteRef"),
    )


def _variable_values(el: Element, variables: dict[str, str]) -> dict[str, str]:
    """``<VariableValue>`` children of a case or a source, by variable name (empty values
    and references to undeclared variables are left out)."""
    out: dict[str, str] = {}
    for vv in children(el, "VariableValue"):
        ref = child(vv, "VariableRef")
        vname = variables.get(norm_guid(ref.get("targetGUID") if ref is not None else None))
        value = next((text_of(x) for x in vv if local(str(x.tag)) != "VariableRef"), None)
        if vname and value is not None and value.strip():
            out[vname] = value.strip()
    return out


def _source(el: Element, ctx: _Ctx) -> RSource:
    kind = local(el.tag)
    g = norm_guid(el.get("guid"))
    name = (el.get("name") or "").strip() or _name_from_path(el) or g
    src = RSource(
        guid=g,
        name=name,
        kind=kind,
        text=None,
        description=text_of(child(el, "Description")),
        note_refs=_refs(el, "NoteRef"),
        codings=[_coding(c) for c in children(el, "Coding")],
    )
    label = f"{kind} '{name}'"
    if kind == "TextSource":
        _text_source(src, el, ctx, label)
    elif kind == "PDFSource":
        _pdf_source(src, el, ctx, label)
    elif kind in ("AudioSource", "VideoSource"):
        _media_source(src, el, ctx, label)
    else:
        src.problem = f"{label}: {kind} sources are not supported (only text and transcripts)"
    if src.problem:
        src.lost_codings, src.lost_why = _count_codings(el), src.problem
    return src


def _name_from_path(el: Element) -> str | None:
    """A name for a source without one (qc writes none): its text file's path, without the
    scheme and the extension (``interviews/te1.txt`` -> ``interviews/te1``)."""
    path = (el.get("plainTextPath") or el.get("path") or "").strip()
    path = path.split("://", 1)[-1].lstrip("/")
    if not path:
        return None
    stem = path.rsplit(".", 1)[0] if "." in path.rsplit("/", 1)[-1] else path
    return stem or None


def _count_codings(el: Element, *, under: tuple[str, ...] | None = None) -> int:
    """Codings anywhere in ``el`` (or only inside its children named ``under``)."""
    roots = [el] if under is None else [c for c in el if local(str(c.tag)) in under]
    return sum(1 for r in roots for x in r.iter() if local(str(x.tag)) == "Coding")


def _text_source(src: RSource, el: Element, ctx: _Ctx, label: str) -> None:
    src.text, src.problem = ctx.text(el, label)
    for s in children(el, "PlainTextSelection"):
        src.selections.append(
            _selection(s, _int(s, "startPosition", ctx.where), _int(s, "endPosition", ctx.where))
        )


def _pdf_source(src: RSource, el: Element, ctx: _Ctx, label: str) -> None:
    """A PDF comes in as the plain-text representation the other program extracted (with
    the codings made on that text); codings of areas on its pages cannot."""
    rep = child(el, "Representation")
    if rep is None:
        src.problem = f"{label} has no plain-text representation (only the PDF itself)"
        return
    _text_source(src, rep, ctx, label)
    src.codings += [_coding(c) for c in children(rep, "Coding")]
    src.note_refs += _refs(rep, "NoteRef")
    areas = _count_codings(el, under=("PDFSelection",))
    if areas:
        src.lost_codings, src.lost_why = areas, f"{label}: codings of areas on PDF pages"


def _media_source(src: RSource, el: Element, ctx: _Ctx, label: str) -> None:
    src.media_path = media_path_from_xml(el.get("path") or el.get("currentPath"), ctx.base_path)
    timed = _count_codings(el, under=("AudioSelection", "VideoSelection"))
    if timed:
        src.lost_codings = timed
        src.lost_why = f"{label}: codings of time ranges in the media (not of its transcript)"
    tr = child(el, "Transcript")
    if tr is None:
        src.problem = f"{label} has no transcript"
        return
    src.text, src.problem = ctx.text(tr, label)
    for sp in children(tr, "SyncPoint"):
        pos = sp.get("position")
        ms = sp.get("timeStamp")
        src.sync[norm_guid(sp.get("guid"))] = (
            _int(sp, "position", ctx.where) if pos is not None else None,
            _int(sp, "timeStamp", ctx.where) if ms is not None else None,
        )
    for s in children(tr, "TranscriptSelection"):
        a = src.sync.get(norm_guid(s.get("fromSyncPoint")))
        b = src.sync.get(norm_guid(s.get("toSyncPoint")))
        if a is None or b is None or a[0] is None or b[0] is None:
            raise MpuQualError(
                f"{label}: selection {s.get('guid')} refers to a sync point without a position",
                path=ctx.where,
            )
        src.selections.append(_selection(s, a[0], b[0]))


def parse_project(root: Element, archive: SafeZip | None, where: str) -> RProject:
    if local(root.tag) != "Project":
        raise MpuQualError(
            f"expected a Project element, found {local(root.tag)}",
            path=where,
            hint="Is this a REFI-QDA project (.qdpx)?",
        )
    ctx = _Ctx(archive, where, root.get("basePath"))
    proj = RProject(name=(root.get("name") or "").strip(), origin=root.get("origin") or "")
    users = child(root, "Users")
    for u in children(users, "User") if users is not None else ():
        proj.users[norm_guid(u.get("guid"))] = (u.get("name") or u.get("id") or "").strip()
    book = child(root, "CodeBook")
    if book is not None:
        _codes(child(book, "Codes"), None, proj.codes)
    variables: dict[str, str] = {}
    vars_el = child(root, "Variables")
    for v in children(vars_el, "Variable") if vars_el is not None else ():
        variables[norm_guid(v.get("guid"))] = (v.get("name") or "").strip()
    cases = child(root, "Cases")
    for i, c in enumerate(children(cases, "Case") if cases is not None else (), start=1):
        case = RCase(
            norm_guid(c.get("guid")),
            (c.get("name") or "").strip() or f"Case {i}",
            selection_refs=_refs(c, "SelectionRef"),
            description=(text_of(child(c, "Description")) or "").strip() or None,
        )
        case.variables = _variable_values(c, variables)
        proj.cases.append(case)
    sources = child(root, "Sources")
    for s in list(sources) if sources is not None else ():
        if isinstance(s.tag, str):
            src = _source(s, ctx)
            src.variables = _variable_values(s, variables)
            proj.sources.append(src)
    notes = child(root, "Notes")
    for n in children(notes, "Note") if notes is not None else ():
        text, problem = ctx.text(n, f"note '{n.get('name') or n.get('guid')}'")
        g = norm_guid(n.get("guid"))
        proj.notes[g] = RNote(
            g,
            n.get("name"),
            text or "",
            norm_guid(n.get("creatingUser")) or None,
            n.get("creationDateTime"),
            problem if n.get("plainTextPath") else None,  # no text at all is no loss
        )  # unreadable: empty, reported as skipped
    proj.note_refs = _refs(root, "NoteRef")
    proj.sets = parse_sets(root, book)
    proj.description = (text_of(child(root, "Description")) or "").strip() or None
    return proj


def read_qdpx(path: str | Path) -> RProject:
    """Open a .qdpx safely and parse its project; nothing is written anywhere."""
    expect_project(path)
    with SafeZip(path) as archive:
        qde = [n for n in archive.names() if "/" not in n and n.lower().endswith(".qde")]
        if not qde:
            raise MpuQualError(
                "the archive has no .qde project file",
                path=path,
                hint="Is this a REFI-QDA project (.qdpx)?",
            )
        name = next((n for n in qde if n.lower() == "project.qde"), sorted(qde)[0])
        where = f"{archive.path}::{name}"
        root = parse_xml(archive.read(name), where)
        return parse_project(root, archive, where)
