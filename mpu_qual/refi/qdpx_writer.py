"""Write a whole project as REFI-QDA ``.qdpx`` (QDA-XML 1.0 project plus the sources' text).\n\nThe codebook part and the descriptions shared with ``.qdc`` are in ``writer.py``.\n"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

from mpu_qual.codebook import Group
from mpu_qual.fileio import write_atomic
from mpu_qual.pseudonymise import OffsetMap, Pseudonymiser
from mpu_qual.refi.guids import guid
from mpu_qual.refi.offsets import UTF16_ORIGIN_NOTE, utf16_units
from mpu_qual.refi.paths import media_path_to_xml
from mpu_qual.refi.writer import (
    GROUP_VARIABLE,
    NAME_VARIABLE,
    NS_PROJECT,
    ORIGIN,
    SELECTION_NAME_CHARS,
    XmlBuilder,
    audience_sets,
    codes_xml,
    identity,
    sets_xml,
    turn_name,
    xsd_datetime,
)
from mpu_qual.store import Project
from mpu_qual.store.records import Coding, Participant, Segment, Source


@dataclass
class QdpxReport:
    sources: int = 0
    codings: int = 0
    cases: int = 0
    notes: int = 0
    audio_sources: int = 0


class _ProjectWriter:
    def __init__(self, project: Project, pseudo: Pseudonymiser | None, positions: str):
        self.project = project
        self.utf16 = positions == "utf-16"
        self.pseudo = pseudo
        self.p = pseudo.apply if pseudo else identity
        self.b = XmlBuilder(NS_PROJECT)
        self.files: dict[str, str] = {}  # archive name -> text
        self.users: dict[str, str] = {}  # user name -> guid
        self.notes: list[tuple[str, str | None, str, str | None, str | None]] = []
        self.report = QdpxReport()
        self.turns_of: dict[str, list[str]] = defaultdict(list)  # participant -> selection guids
        self.sources_of: dict[str, set[str]] = defaultdict(set)
        self.relative_media = False  # a media path was written relative to basePath

    def _src_key(self, src: Source) -> str:
        """What a transcript's GUIDs are made from: its name, or (pseudonymised) its id, so
        that a GUID cannot confirm a guessed name such as 'interview-chan-tai-man'."""
        return f"#{src.id}" if self.pseudo else src.name

    def user(self, name: str | None) -> str | None:
        if not name:
            return None
        shown = self.p(name)
        if shown not in self.users:
            self.users[shown] = guid("user", shown)
        return self.users[shown]

    def note(
        self, key: str, title: str | None, text: str, author: str | None, created: str | None
    ) -> str:
        g = guid("note", key)
        self.notes.append((g, title and self.p(title), self.p(text), self.user(author), created))
        return g

    def build(self) -> bytes:
        project, b = self.project, self.b
        cb = project.codebook.load()
        root = b.el(
            None,
            "Project",
            {
                "name": self.p(cb.name or project.folder.name or "mpu-qual project"),
                "origin": f"{ORIGIN} ({UTF16_ORIGIN_NOTE})" if self.utf16 else ORIGIN,
                "creationDateTime": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        )
        users_el = b.el(root, "Users")
        codes = project.codes.list()
        memo_rows = project.memos.list()
        code_notes: dict[str, list[str]] = defaultdict(list)
        source_notes: dict[int, list[str]] = defaultdict(list)
        project_notes: list[str] = []
        for mid, sid, cid, title, text, author, created in memo_rows:
            g = self.note(f"memo:{mid}", title, text, author, created)
            if cid is not None:
                code_notes[cid].append(g)
            elif sid is not None:
                source_notes[sid].append(g)
            else:
                project_notes.append(g)
        book = b.el(root, "CodeBook")
        codes_xml(b, book, codes, self.pseudo, with_noterefs=code_notes)
        participants = project.participants.list()
        groups = {g.id: g for g in cb.groups}
        variables = self._variables(participants)
        if variables:
            vars_el = b.el(root, "Variables")
            for name in variables:
                b.el(
                    vars_el,
                    "Variable",
                    {"guid": guid("variable", name), "name": name, "typeOfVariable": "Text"},
                )
        cases_el = b.el(root, "Cases") if participants else None
        sources_el = b.el(root, "Sources")
        for src in project.sources.list():
            self._source(sources_el, src, source_notes.get(src.id, []))
        if cases_el is not None:
            for part in participants:
                self._case(cases_el, part, groups)
        if self.notes:
            notes_el = b.el(root, "Notes")
            for g, title, text, author, created in self.notes:
                n = b.el(
                    notes_el,
                    "Note",
                    {
                        "guid": g,
                        "name": title,
                        "creatingUser": author,
                        "creationDateTime": xsd_datetime(created),
                    },
                )
                b.el(n, "PlainTextContent", text=text)
            self.report.notes = len(self.notes)
        sets_xml(b, root, audience_sets(project, codes), member_attr="targetGUID")
        for g in project_notes:
            b.el(root, "NoteRef", {"targetGUID": g})
        if self.users:
            for name, g in self.users.items():
                b.el(users_el, "User", {"guid": g, "name": name})
        else:
            root.remove(users_el)
        if not len(sources_el):
            root.remove(sources_el)
        if self.relative_media:
            root.set("basePath", self.project.folder.resolve().as_posix())
        return b.tostring(root)

    def _media_path(self, media_path: str | None) -> str | None:
        """``absolute://`` or ``relative://`` (against the project's ``basePath``): QualCoder
        and the standard name media files with a scheme."""
        if not media_path:
            return None
        path, relative = media_path_to_xml(media_path)
        self.relative_media = self.relative_media or relative
        return path

    def _variables(self, participants: list[Participant]) -> list[str]:
        names: list[str] = []
        if any(p.group_id for p in participants):
            names.append(GROUP_VARIABLE)
        if self.pseudo is None and any(p.name for p in participants):
            names.append(NAME_VARIABLE)
        for p in participants:
            for key in p.attributes:
                if key not in names:
                    names.append(key)
        return names

    def _case(self, parent: ET.Element, part: Participant, groups: dict[str, Group]) -> None:
        b = self.b
        # pseudonymised, the GUID comes from the label as exported: it cannot confirm a name
        case = b.el(
            parent, "Case", {"guid": guid("case", self.p(part.label)), "name": self.p(part.label)}
        )
        values: list[tuple[str, str]] = []
        if part.group_id:
            g = groups.get(part.group_id)
            values.append((GROUP_VARIABLE, g.en if g else part.group_id))
        if self.pseudo is None and part.name:
            values.append((NAME_VARIABLE, part.name))
        values += [(k, str(v)) for k, v in part.attributes.items()]
        for name, value in values:
            vv = b.el(case, "VariableValue")
            b.el(vv, "VariableRef", {"targetGUID": guid("variable", name)})
            b.el(vv, "TextValue", text=self.p(value))
        for sg in sorted(self.sources_of.get(part.label, ())):
            b.el(case, "SourceRef", {"targetGUID": sg})
        for sel in self.turns_of.get(part.label, []):
            b.el(case, "SelectionRef", {"targetGUID": sel})
        self.report.cases += 1

    def _source(self, parent: ET.Element, src: Source, note_refs: list[str]) -> None:
        project, b = self.project, self.b
        text, omap = (
            self.pseudo.apply_with_offsets(src.text) if self.pseudo else (src.text, OffsetMap())
        )
        sg = guid("source", self._src_key(src))
        segs = project.sources.segments(src)
        codings = project.codings.list(source=src.id)
        spans: dict[tuple[int, int], list[Coding]] = defaultdict(list)
        for c in codings:
            spans[(c.start, c.end)].append(c)
        file_name = f"{sg}.txt"
        self.files[f"sources/{file_name}"] = text
        u = utf16_units(text) if self.utf16 else _same
        name = self.p(src.name)
        meta = "\n".join(f"{k}: {v}" for k, v in src.metadata.items() if v not in (None, ""))
        common = {"guid": sg, "name": name, "creationDateTime": xsd_datetime(src.imported_at)}
        if src.media_path:
            self._audio(parent, src, text, omap, segs, spans, meta, note_refs, file_name, u)
            return
        el = b.el(parent, "TextSource", {**common, "plainTextPath": f"internal://{file_name}"})
        if meta:
            b.el(el, "Description", text=self.p(meta))
        for seg in segs:
            if not seg.speaker or seg.end <= seg.start:
                continue
            s, e = omap.map(seg.start), omap.map(seg.end, side="end")
            tg = guid("turn", self._src_key(src), seg.idx)
            b.el(
                el,
                "PlainTextSelection",
                {
                    "guid": tg,
                    "name": self.p(turn_name(seg.speaker, seg)),
                    "startPosition": str(u(s)),
                    "endPosition": str(u(e)),
                },
            )
            self.turns_of[seg.speaker].append(tg)
            self.sources_of[seg.speaker].add(sg)
        for (start, end), group in sorted(spans.items()):
            s, e = omap.map(start), omap.map(end, side="end")
            first = group[0]
            sel = b.el(
                el,
                "PlainTextSelection",
                {
                    "guid": guid("selection", self._src_key(src), start, end),
                    "name": text[s:e][:SELECTION_NAME_CHARS],
                    "startPosition": str(u(s)),
                    "endPosition": str(u(e)),
                    "creatingUser": self.user(first.coder),
                    "creationDateTime": xsd_datetime(first.created_at),
                },
            )
            for c in group:
                self._coding(sel, c, group)
        for note in note_refs:
            b.el(el, "NoteRef", {"targetGUID": note})
        self.report.sources += 1

    def _coding(self, parent: ET.Element, c: Coding, group: list[Coding]) -> None:
        b = self.b
        key = coding_key(c, group)
        cel = b.el(
            parent,
            "Coding",
            {
                "guid": guid("coding", *key),
                "creatingUser": self.user(c.coder),
                "creationDateTime": xsd_datetime(c.created_at),
            },
        )
        b.el(cel, "CodeRef", {"targetGUID": guid("code", c.code_id)})
        if c.memo:
            n = self.note(
                "coding:" + ":".join(map(str, key)),
                None,
                c.memo,
                c.coder,
                c.created_at,
            )
            b.el(cel, "NoteRef", {"targetGUID": n})
        self.report.codings += 1

    def _audio(
        self,
        parent: ET.Element,
        src: Source,
        text: str,
        omap: OffsetMap,
        segs: list[Segment],
        spans: dict[tuple[int, int], list[Coding]],
        meta: str,
        note_refs: list[str],
        file_name: str,
        u: Callable[[int], int],
    ) -> None:
        b = self.b
        sg = guid("source", self._src_key(src))
        el = b.el(
            parent,
            "AudioSource",
            {
                "guid": sg,
                "name": self.p(src.name),
                "path": self._media_path(self.p(src.media_path) if src.media_path else None),
                "creationDateTime": xsd_datetime(src.imported_at),
            },
        )
        if meta:
            b.el(el, "Description", text=self.p(meta))
        tr = b.el(
            el,
            "Transcript",
            {
                "guid": guid("transcript", self._src_key(src)),
                "name": self.p(src.name),
                "plainTextPath": f"internal://{file_name}",
            },
        )

        timed = [
            (
                omap.map(g.start),
                omap.map(g.end, side="end"),
                g.start_ms,
                g.end_ms if g.end_ms is not None else g.start_ms,
            )
            for g in segs
            if g.start_ms is not None
        ]

        def time_at(pos: int) -> int | None:
            """Time of a text position, interpolated inside its turn."""
            for s, e, s_ms, e_ms in timed:
                if s <= pos <= e:
                    return s_ms + round((pos - s) * (e_ms - s_ms) / max(e - s, 1))
            return None

        points: dict[int, str] = {}

        def point(pos: int) -> str:
            if pos not in points:
                points[pos] = guid("sync", self._src_key(src), pos)
            return points[pos]

        turn_sel: list[tuple[str, int, int, str]] = []
        for seg in segs:
            if seg.speaker and seg.end > seg.start:
                turn_sel.append(
                    (
                        seg.speaker,
                        omap.map(seg.start),
                        omap.map(seg.end, side="end"),
                        turn_name(seg.speaker, seg),
                    )
                )
        code_sel = [
            ((omap.map(s), omap.map(e, side="end")), group)
            for (s, e), group in sorted(spans.items())
        ]
        for _spk, s, e, _n in turn_sel:
            point(s), point(e)
        for (s, e), _g in code_sel:
            point(s), point(e)
        for pos in sorted(points):
            b.el(
                tr,
                "SyncPoint",
                {"guid": points[pos], "position": str(u(pos)), "timeStamp": _str(time_at(pos))},
            )
        for speaker, s, e, name in turn_sel:
            tg = guid("turn", self._src_key(src), s)
            b.el(
                tr,
                "TranscriptSelection",
                {
                    "guid": tg,
                    "name": self.p(name),
                    "fromSyncPoint": point(s),
                    "toSyncPoint": point(e),
                },
            )
            self.turns_of[speaker].append(tg)
            self.sources_of[speaker].add(sg)
        for (s, e), group in code_sel:
            sel = b.el(
                tr,
                "TranscriptSelection",
                {
                    "guid": guid("selection", self._src_key(src), s, e),
                    "name": text[s:e][:SELECTION_NAME_CHARS],
                    "fromSyncPoint": point(s),
                    "toSyncPoint": point(e),
                    "creatingUser": self.user(group[0].coder),
                    "creationDateTime": xsd_datetime(group[0].created_at),
                },
            )
            for c in group:
                self._coding(sel, c, group)
        for note in note_refs:
            b.el(el, "NoteRef", {"targetGUID": note})
        self.report.sources += 1
        self.report.audio_sources += 1


def coding_key(c: Coding, group: list[Coding]) -> tuple:
    """What a coding's GUID is made from: transcript, span and code, plus the coder when
    another coder applied the same code to the same span (double coding), so that every
    coding keeps a GUID of its own and an import gets each coder's coding back."""
    if any(o is not c and o.code_id == c.code_id for o in group):
        return (c.source_id, c.start, c.end, c.code_id, c.coder or "")
    return (c.source_id, c.start, c.end, c.code_id)


def _str(value: int | None) -> str | None:
    return None if value is None else str(value)


def _same(pos: int) -> int:
    return pos


def qdpx_bytes(
    project: Project, pseudo: Pseudonymiser | None = None, positions: str = "code-points"
) -> tuple[bytes, QdpxReport]:
    """The whole .qdpx archive in memory (project.qde plus sources/*.txt)."""
    w = _ProjectWriter(project, pseudo, positions)
    with project.snapshot():  # one committed state while other windows write
        qde = w.build()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.qde", qde)
        for name, text in sorted(w.files.items()):
            z.writestr(name, text.encode("utf-8"))
    return buf.getvalue(), w.report


def export_qdpx(
    project: Project,
    path: str | Path,
    pseudo: Pseudonymiser | None = None,
    positions: str = "code-points",
) -> QdpxReport:
    """Write the project as a .qdpx archive (atomically, mode 0600). Positions count code
    points, as the standard says; ``positions="utf-16"`` counts UTF-16 units, as NVivo
    reads them (the header says so, and mpu-qual reads such a file back right)."""
    data, report = qdpx_bytes(project, pseudo, positions)
    write_atomic(path, lambda fh: fh.write(data))
    return report
