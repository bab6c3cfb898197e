"""Write a project as REFI-QDA: ``.qdc`` (codebook) and ``.qdpx`` (the whole project).

Mapping (QDA-XML 1.0):

- coders and memo authors -> ``Users``; codes -> ``CodeBook`` with colour and a
  ``Description`` holding the coding rule, the Chinese label and the mpu-qual id (so an
  import keeps ids and labels); audiences -> ``Sets`` of the codes that address them;
- participants -> ``Cases`` with ``Variables`` (stakeholder group, attributes; the real name
  only when not pseudonymising), each case pointing at the speaker turns it spoke;
- transcripts -> ``TextSource`` with the text as ``sources/<guid>.txt``; each coded span ->
  a ``PlainTextSelection`` carrying one ``Coding`` per code (memo as a ``Note``); speaker turns
  -> uncoded selections named ``LABEL [hh:mm:ss.mmm-hh:mm:ss.mmm]``;
- a transcript with audio (``media_path``) -> ``AudioSource`` with a ``Transcript``, a
  ``SyncPoint`` per turn boundary and coding edge, and ``TranscriptSelection`` codings;
- memos -> ``Notes`` referenced from their code, source or the project.

Positions are code points into the text exactly as stored (a CRLF counts as two).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from xml.etree import ElementTree as ET

from mpu_qual import __version__
from mpu_qual.codebook import COLOR_RE
from mpu_qual.fileio import write_atomic
from mpu_qual.pseudonymise import Pseudonymiser
from mpu_qual.refi.guids import guid
from mpu_qual.safe_text import xml_safe
from mpu_qual.store import Project
from mpu_qual.store.records import Code, Segment
from mpu_qual.transcript_files.timecode import format_vtt

NS_PROJECT = "urn:QDA-XML:project:1.0"
NS_CODEBOOK = "urn:QDA-XML:codebook:1.0"
ORIGIN = f"mpu-qual {__version__}"
ZH_PREFIX = "中文: "
ID_PREFIX = "mpu-qual id: "
ADDRESSES_PREFIX = "mpu-qual addresses: "
GROUP_VARIABLE = "Stakeholder group"
NAME_VARIABLE = "Name"
SELECTION_NAME_CHARS = 500


def code_description(code: Code) -> str:
    """Rule, then the lines an import reads back: Chinese label, id, audience."""
    lines = [code.rule or "", "", ZH_PREFIX + code.label_zh, ID_PREFIX + code.id]
    if code.addresses:
        lines.append(ADDRESSES_PREFIX + code.addresses)
    return "\n".join(lines).lstrip("\n")


def turn_name(label: str, seg: Segment) -> str:
    if seg.start_ms is None:
        return label
    end = seg.end_ms if seg.end_ms is not None else seg.start_ms
    return f"{label} [{format_vtt(seg.start_ms)}-{format_vtt(end)}]"


def xsd_datetime(value: str | None) -> str | None:
    """SQLite's '2025-12-08T10:00:00.123Z' is already xsd:dateTime; reject anything else."""
    if not value:
        return None
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.endswith("Z") or "+" in value[10:] else value + "Z"


class XmlBuilder:
    def __init__(self, ns: str):
        self.ns = ns

    def el(
        self,
        parent: ET.Element | None,
        name: str,
        attrs: dict[str, str | None] | None = None,
        text: str | None = None,
    ) -> ET.Element:
        tag = name  # plain tags; the root carries xmlns (ET's default_namespace rejects attrs)
        clean = {k: xml_safe(v) for k, v in (attrs or {}).items() if v is not None}
        e = ET.Element(tag, clean) if parent is None else ET.SubElement(parent, tag, clean)
        if text is not None:
            e.text = xml_safe(text)
        return e

    def tostring(self, root: ET.Element) -> bytes:
        root.set("xmlns", self.ns)
        ET.indent(root)
        body = ET.tostring(root, encoding="unicode")
        return ('<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n").encode("utf-8")


def identity(text: str) -> str:
    return text


def codes_xml(
    b: XmlBuilder,
    parent: ET.Element,
    codes: list[Code],
    pseudo: Pseudonymiser | None,
    *,
    with_noterefs: dict[str, list[str]] | None = None,
) -> None:
    p = pseudo.apply if pseudo else identity
    kids: dict[str | None, list[Code]] = defaultdict(list)
    for c in codes:
        kids[c.parent_id].append(c)

    def add(container: ET.Element, code: Code) -> None:
        attrs = {
            "guid": guid("code", code.id),
            "name": p(code.label_en),
            "isCodable": "true",
            "color": code.color if code.color and COLOR_RE.match(code.color) else None,
        }
        e = b.el(container, "Code", attrs)
        b.el(e, "Description", text=p(code_description(code)))
        for note in (with_noterefs or {}).get(code.id, []):
            b.el(e, "NoteRef", {"targetGUID": note})
        for k in kids.get(code.id, []):
            add(e, k)

    codes_el = b.el(parent, "Codes")
    for theme in kids.get(None, []):
        add(codes_el, theme)


def audience_sets(project: Project, codes: list[Code]) -> list[tuple[str, str, list[str]]]:
    out = []
    for aud in project.codebook.load().audiences:
        members = [c.id for c in codes if c.addresses == aud.id]
        if members:
            out.append((guid("set", aud.id), f"For {aud.en} ({aud.zh})", members))
    return out


# ----------------------------------------------------------------------------- .qdc
def sets_xml(
    b: XmlBuilder, root: ET.Element, sets: list[tuple[str, str, list[str]]], member_attr: str
) -> None:
    """``<Sets>`` of code members. The codebook schema names a member by ``guid``, the project
    schema by ``targetGUID``: the caller says which."""
    if not sets:
        return
    sets_el = b.el(root, "Sets")
    for set_guid, name, members in sets:
        s = b.el(sets_el, "Set", {"guid": set_guid, "name": name})
        for cid in members:
            b.el(s, "MemberCode", {member_attr: guid("code", cid)})


def codebook_xml(project: Project, pseudo: Pseudonymiser | None = None) -> bytes:
    """The codebook as a QDA-XML Codebook document."""
    b = XmlBuilder(NS_CODEBOOK)
    root = b.el(None, "CodeBook", {"origin": ORIGIN})
    codes = project.codes.list()
    codes_xml(b, root, codes, pseudo)
    sets_xml(b, root, audience_sets(project, codes), member_attr="guid")
    return b.tostring(root)


def export_qdc(project: Project, path: str | Path, pseudo: Pseudonymiser | None = None) -> Path:
    data = codebook_xml(project, pseudo)
    return write_atomic(path, lambda fh: fh.write(data))


# ----------------------------------------------------------------------------- .qdpx
