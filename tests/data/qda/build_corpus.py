"""Rebuild the faithful copies in tests/data/qda/: projects laid out exactly as each tool
writes them, with our own fictional focus-group text (no licensed real project of these
tools could be had as text; see tests/data/SOURCES.md for the source each layout follows).

    .venv/bin/python tests/data/qda/build_corpus.py

Writes qc_1.3.2.qdpx, qualcoder_3.8.qdpx, maxqda_24.qdpx, atlasti_24.qdpx and
nvivo_14_emoji.qdpx next to this file. The output is deterministic (fixed GUIDs, dates and zip timestamps), and
tests/refi/test_refi_corpus.py checks that the committed archives equal a fresh build.
"""

from __future__ import annotations

import hashlib
import html
import io
import textwrap
import uuid
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ZIP_DATE = (2025, 3, 14, 10, 0, 0)

# A fictional focus group (industry leaders, a training expert, a moderator), in the mix of
# Cantonese and English that Hong Kong transcripts have.
TURNS = [
    ("MOD", "多謝大家今日嚟參加。First question: 你哋公司而家最難請邊類人？"),
    ("IL1", "最難請係識 PLC 同自動化嘅技術員，我哋登咗廣告三個月都冇人應徵。"),
    (
        "IL2",
        "We have about 120 staff. 大概一百二十個員工，其中三分之一係工程人員，"
        "but most of them will retire in five to ten years.",
    ),
    ("TE1", "培訓機構可以開多啲短期課程，例如 robotics maintenance，畀在職人士報讀。"),
    ("MOD", "政府可以點樣幫手？"),
    ("IL1", "政府應該資助中小企做在職培訓，唔係淨係資助大公司。"),
    ("IL2", "Young people think manufacturing is dirty work. 我哋要改變呢個形象。"),
    ("TE1", "Apprenticeship 計劃效果好好，學員一路讀書一路返工，留低嘅比例高好多。"),
]


def transcript(sep: str = "\n") -> str:
    return sep.join(f"{who}: {text}" for who, text in TURNS) + sep


def zip_folder(files: dict[str, bytes], out: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    out.write_bytes(buf.getvalue())


def fixed_guid(*parts: str, upper: bool = False) -> str:
    g = str(uuid.uuid5(uuid.NAMESPACE_URL, "mpu-qual-corpus:" + ":".join(parts)))
    return g.upper() if upper else g


def span(text: str, phrase: str) -> tuple[int, int]:
    a = text.index(phrase)
    return a, a + len(phrase)


# ----------------------------------------------------------------------------- qc 1.3.2
def qc_guid(source: str) -> str:
    """qc's GUIDs: the first 16 hex digits of an MD5, taken as the UUID's 16 bytes."""
    digest = hashlib.md5(source.encode("utf8")).hexdigest()[:16]
    return str(uuid.UUID(bytes=digest.encode("utf8")))


def build_qc() -> dict[str, bytes]:
    """qualitative-coding ("qc") 1.3.2, refi_qda/writer.py at commit 6b34c44: one line of
    XML from ElementTree (no XML declaration), ``plainTextPath`` = the corpus path with no
    scheme and no ``name``, the file under ``sources/`` at that path, one selection per coded
    line (``line:N``, 0-based, the line with its newline), codes nested by name, users by
    name. qc keeps lines hard-wrapped at 80 characters."""
    coder = "chris"
    files = {
        "fg1-industry.txt": textwrap.fill(transcript(" "), 80) + "\n",
        "interviews/te1.txt": "\n".join(
            textwrap.fill(f"{w}: {t}", 80) for w, t in TURNS if w in ("TE1", "MOD")
        )
        + "\n",
    }
    tree = {"manpower": ["shortage", "ageing"], "training": ["apprenticeship", "short_courses"]}
    codes_xml = "".join(
        f'<Code name="{parent}" guid="{qc_guid(parent)}" isCodable="true">'
        + "".join(
            f'<Code name="{c}" guid="{qc_guid(parent + ":" + c)}" isCodable="true" />' for c in kids
        )
        + "</Code>"
        for parent, kids in tree.items()
    )
    guid_of = {c: qc_guid(p + ":" + c) for p, kids in tree.items() for c in kids}
    # (file, word on the line, code): the coded line is the one holding the word
    coded = [
        ("fg1-industry.txt", "PLC", "shortage"),
        ("fg1-industry.txt", "retire", "ageing"),
        ("fg1-industry.txt", "retire", "shortage"),
        ("fg1-industry.txt", "robotics", "short_courses"),
        ("interviews/te1.txt", "Apprenticeship", "apprenticeship"),
    ]
    sources_xml = []
    for path, text in files.items():
        lines = text.splitlines(keepends=True)
        positions, index = [], 0
        for line in lines:
            positions.append((index, index + len(line)))
            index += len(line)
        by_line: dict[int, list[str]] = {}
        for f, word, code in coded:
            if f == path:
                n = next(i for i, line in enumerate(lines) if word in line)
                by_line.setdefault(n, []).append(code)
        sels = ""
        for n, codes in by_line.items():
            sels += (
                f'<PlainTextSelection guid="{qc_guid(f"{path}:{n}")}" name="line:{n}" '
                f'startPosition="{positions[n][0]}" endPosition="{positions[n][1]}">'
            )
            for code in codes:
                sels += (
                    f'<Coding guid="{qc_guid(":".join([path, str(n), coder, code]))}" '
                    f'creatingUser="{qc_guid(coder)}"><CodeRef targetGUID="{guid_of[code]}" />'
                    "</Coding>"
                )
            sels += "</PlainTextSelection>"
        sources_xml.append(
            f'<TextSource plainTextPath="{path}" guid="{qc_guid(path)}">{sels}</TextSource>'
        )
    qde = (
        '<Project xmlns="urn:QDA-XML:project:1.0" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" origin="qc 1.3.2" '
        f'name="qc project"><Users><User name="{coder}" guid="{qc_guid(coder)}" /></Users>'
        f"<CodeBook><Codes>{codes_xml}</Codes></CodeBook>"
        f"<Sources>{''.join(sources_xml)}</Sources></Project>"
    )
    out = {"project.qde": qde.encode("utf-8")}
    out.update({f"sources/{p}": t.encode("utf-8") for p, t in files.items()})
    return out


# ----------------------------------------------------------------------------- QualCoder
def build_qualcoder() -> dict[str, bytes]:
    """QualCoder 3.8, src/qualcoder/refi.py (export_project) at commit c3204641: a line per
    element; categories as ``isCodable="false"`` codes; each coding its own
    ``PlainTextSelection`` named with the coded text; variables and cases (``SourceRef`` to
    whole sources); a transcribed audio file as ``AudioSource`` with an ``absolute://`` path
    and a ``Transcript`` with sync points; the journal as a ``Note`` whose text is a file in
    ``sources/``."""
    owner = fixed_guid("qualcoder", "user")
    doc, doc_txt = fixed_guid("qualcoder", "doc"), fixed_guid("qualcoder", "doc-txt")
    text = transcript()
    cat = fixed_guid("qualcoder", "cat")
    codes = {
        "Skills shortage": (
            fixed_guid("qualcoder", "c1"),
            "#F7BE81",
            "Posts that cannot be filled.",
        ),
        "Training": (fixed_guid("qualcoder", "c2"), "#81BEF7", ""),
        "Image of the industry": (fixed_guid("qualcoder", "c3"), "#D8866D", ""),
    }

    def code_xml(name: str) -> str:
        g, color, memo = codes[name]
        if memo:
            return (
                f'<Code guid="{g}" name="{html.escape(name)}" isCodable="true" color="{color}">\n'
                f"<Description>{html.escape(memo)}</Description>\n</Code>\n"
            )
        return f'<Code guid="{g}" name="{html.escape(name)}" isCodable="true" color="{color}" />\n'

    codings = [
        ("技術員", "Skills shortage", "2025-03-01 10:15:02", "IL1 is blunt here"),
        (
            "but most of them will retire in five to ten years.",
            "Skills shortage",
            "2025-03-01 10:16:40",
            "",
        ),
        ("Apprenticeship 計劃效果好好", "Training", "2025-03-01 10:17:11", ""),
        (
            "Young people think manufacturing is dirty work.",
            "Image of the industry",
            "2025-03-01 10:18:30",
            "",
        ),
    ]
    sels = ""
    for i, (phrase, code, date, memo) in enumerate(codings):
        a, b = span(text, phrase)
        sels += (
            f'<PlainTextSelection guid="{fixed_guid("qualcoder", "sel", str(i))}" '
            f'startPosition="{a}" endPosition="{b}" name="{html.escape(phrase)}" '
            f'creatingUser="{owner}" creationDateTime="{date[:10]}T{date[11:]}Z">\n'
        )
        if memo:
            sels += f"<Description>{html.escape(memo)}</Description>\n"
        sels += (
            f'<Coding guid="{fixed_guid("qualcoder", "coding", str(i))}" '
            f'creatingUser="{owner}" >\n<CodeRef targetGUID="{codes[code][0]}" />\n'
            "</Coding>\n</PlainTextSelection>\n"
        )
    # the audio recording's transcript, coded once
    av_text = "[00:00:01] IL2: 我哋要改變呢個形象。\n[00:00:06] TE1: 學員一路讀書一路返工。\n"
    audio, tr, tr_txt = (fixed_guid("qualcoder", x) for x in ("audio", "tr", "tr-txt"))
    a, b = span(av_text, "學員一路讀書一路返工")
    sp = [fixed_guid("qualcoder", "sp", str(i)) for i in range(3)]
    transcript_xml = (
        f'<Transcript plainTextPath="internal://{tr_txt}.txt" creatingUser="{owner}" '
        f'creationDateTime="2025-03-02T09:00:00Z" guid="{tr}" name="fg2.m4a.transcribed" >\n'
        f'<SyncPoint guid="{sp[0]}" position="0" timeStamp="0" />\n'
        f'<SyncPoint guid="{sp[1]}" position="{a}" timeStamp="6000" />\n'
        f'<SyncPoint guid="{sp[2]}" position="{b}" timeStamp="8500" />\n'
        f'<TranscriptSelection guid="{fixed_guid("qualcoder", "tsel")}" name="fg2.m4a" '
        f'fromSyncPoint="{sp[1]}" toSyncPoint="{sp[2]}">\n'
        f'<Coding guid="{fixed_guid("qualcoder", "tcoding")}" >\n'
        f'<CodeRef targetGUID="{codes["Training"][0]}" />\n</Coding>\n'
        "</TranscriptSelection>\n</Transcript>\n"
    )
    var_group, var_company = fixed_guid("qualcoder", "v1"), fixed_guid("qualcoder", "v2")
    var_venue = fixed_guid("qualcoder", "v3")  # a file attribute (caseOrFile = "file")

    def venue(value: str) -> str:  # source_variables_xml: after the selections and NoteRefs
        return (
            f'<VariableValue>\n<VariableRef targetGUID="{var_venue}" />\n'
            f"<TextValue>{html.escape(value)}</TextValue>\n</VariableValue>\n"
        )

    journal = fixed_guid("qualcoder", "journal")
    qde = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<Project xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" name="Manufacturing FG" '
        f'origin="QualCoder 3.8" creatingUserGUID="{fixed_guid("qualcoder", "creator")}" '
        'creationDateTime="2025-03-01T09:30:00Z" xmlns="urn:QDA-XML:project:1.0">\n'
        f'<Users>\n<User guid="{owner}" name="default" />\n</Users>\n'
        "<CodeBook>\n<Codes>\n"
        + code_xml("Image of the industry")
        + f'<Code guid="{cat}" name="Manpower &amp; training" isCodable="false">\n'
        "<Description>Category for the report's manpower chapter</Description>\n"
        + code_xml("Skills shortage")
        + code_xml("Training")
        + "</Code>\n</Codes>\n</CodeBook>\n"
        "<Variables>\n"
        f'<Variable guid="{var_group}" name="Stakeholder group" typeOfVariable="Text" >\n'
        "<Description />\n</Variable>\n"
        f'<Variable guid="{var_company}" name="Company size" typeOfVariable="Text" >\n'
        "<Description />\n</Variable>\n"
        f'<Variable guid="{var_venue}" name="Venue" typeOfVariable="Text" >\n'
        "<Description />\n</Variable>\n</Variables>\n"
        "<Cases>\n"
        f'<Case guid="{fixed_guid("qualcoder", "case1")}" name="IL1">\n<Description />\n'
        f'<VariableValue>\n<VariableRef targetGUID="{var_group}" />\n'
        "<TextValue>Industry leader</TextValue>\n</VariableValue>\n"
        f'<VariableValue>\n<VariableRef targetGUID="{var_company}" />\n'
        "<TextValue>SME</TextValue>\n</VariableValue>\n"
        f'<SourceRef targetGUID="{doc}"/>\n</Case>\n'
        f'<Case guid="{fixed_guid("qualcoder", "case2")}" name="TE1">\n'
        "<Description>Training expert, VTC</Description>\n"
        f'<VariableValue>\n<VariableRef targetGUID="{var_group}" />\n'
        "<TextValue>Training expert</TextValue>\n</VariableValue>\n"
        f'<SourceRef targetGUID="{doc}"/>\n</Case>\n</Cases>\n'
        "<Sources>\n"
        f'<TextSource plainTextPath="internal://{doc_txt}.txt" creatingUser="{owner}" '
        f'creationDateTime="2025-03-01T09:40:00Z" guid="{doc}" name="FG1 industry.txt">\n'
        "<Description>Focus group 1, industry leaders</Description>\n"
        + sels
        + venue("HKPC Building, Kowloon Tong")
        + "</TextSource>\n"
        f'<AudioSource creatingUser="{owner}" creationDateTime="2025-03-02T08:55:00Z" '
        f'path="absolute:///home/researcher/fieldwork/fg2.m4a" guid="{audio}" '
        'name="fg2.m4a" >\n'
        + transcript_xml
        + venue("荃灣 培訓中心")
        + "</AudioSource>\n</Sources>\n"
        "<Notes>\n"
        f'<Note guid="{journal}" creatingUser="{owner}" '
        'creationDateTime="2025-03-03T17:00:00Z" name="Reflections after FG1" '
        f'plainTextPath="internal://{journal}.txt" >\n</Note>\n</Notes>\n'
        "<Description>Advanced manufacturing manpower update</Description>\n"
        "</Project>"
    )
    return {
        "project.qde": qde.encode("utf-8"),
        f"Sources/{doc_txt}.txt": text.encode("utf-8"),
        f"Sources/{tr_txt}.txt": av_text.encode("utf-8"),
        f"Sources/{journal}.txt": b"Employers and trainers disagree on who should pay.",
    }


# ----------------------------------------------------------------------------- MAXQDA 24
def build_maxqda() -> dict[str, bytes]:
    """MAXQDA 24 (Release 24.7.0), following the element and attribute order of a real
    MAXQDA 24 project.qde (one-space indentation, upper-case GUIDs, ``modifyingUser`` first,
    document sets as ``Set``/``MemberSource``), with coded segments, a memo on a segment,
    CRLF line ends in the text file, and a coded picture (which mpu-qual cannot hold)."""
    user = fixed_guid("maxqda", "user", upper=True)
    text = transcript("\r\n")
    docs = [
        (fixed_guid("maxqda", "d1", upper=True), "FG1 Industry leaders", text),
        (
            fixed_guid("maxqda", "d2", upper=True),
            "FG1 notes",
            "Moderator's notes: participants agreed on the PLC shortage.\r\n",
        ),
    ]
    codes = [
        (
            fixed_guid("maxqda", "c1", upper=True),
            "Manpower",
            "#ef8256",
            [
                (fixed_guid("maxqda", "c11", upper=True), "Technician shortage", "#ef8256"),
            ],
        ),
        (
            fixed_guid("maxqda", "c2", upper=True),
            "Training",
            "#32bd59",
            [
                (fixed_guid("maxqda", "c21", upper=True), "Apprenticeship", "#32bd59"),
                (fixed_guid("maxqda", "c22", upper=True), "Government funding", "#32bd59"),
            ],
        ),
    ]
    code_of = {name: g for _g, _n, _c, kids in codes for g, name, _col in kids}
    code_xml = ""
    for g, name, color, kids in codes:
        code_xml += f'   <Code color="{color}" guid="{g}" name="{name}" isCodable="true">\n'
        for kg, kname, kcolor in kids:
            code_xml += (
                f'    <Code color="{kcolor}" guid="{kg}" name="{kname}" isCodable="true"/>\n'
            )
        code_xml += "   </Code>\n"
    segs = [
        ("冇人應徵", "Technician shortage", None),
        ("資助中小企做在職培訓", "Government funding", "Ask the Labour Department for figures"),
        ("學員一路讀書一路返工", "Apprenticeship", None),
    ]
    notes = []
    sources = ""
    for i, (g, name, body) in enumerate(docs):
        sources += (
            f'  <TextSource modifyingUser="{user}" guid="{g}" creatingUser="{user}" '
            f'creationDateTime="2025-02-10T08:0{i}:00Z" name="{name}" '
            f'plainTextPath="internal://{g}.txt" modifiedDateTime="2025-02-10T08:0{i}:00Z"'
        )
        if i:
            sources += "/>\n"
            continue
        sources += ">\n"
        for j, (phrase, code, memo) in enumerate(segs):
            a, b = span(body, phrase)
            sg = fixed_guid("maxqda", "s", str(j), upper=True)
            sources += (
                f'   <PlainTextSelection modifyingUser="{user}" guid="{sg}" '
                f'creatingUser="{user}" creationDateTime="2025-02-11T09:1{j}:00Z" '
                f'startPosition="{a}" endPosition="{b}" name="{phrase}" '
                f'modifiedDateTime="2025-02-11T09:1{j}:00Z">\n'
                f'    <Coding creatingUser="{user}" creationDateTime="2025-02-11T09:1{j}:00Z" '
                f'guid="{fixed_guid("maxqda", "k", str(j), upper=True)}">\n'
                f'     <CodeRef targetGUID="{code_of[code]}"/>\n    </Coding>\n'
            )
            if memo:
                ng = fixed_guid("maxqda", "n", str(j), upper=True)
                notes.append((ng, memo))
                sources += f'    <NoteRef targetGUID="{ng}"/>\n'
            sources += "   </PlainTextSelection>\n"
        sources += "  </TextSource>\n"
    pic = fixed_guid("maxqda", "pic", upper=True)
    sources += (
        f'  <PictureSource modifyingUser="{user}" guid="{pic}" creatingUser="{user}" '
        'creationDateTime="2025-02-10T08:05:00Z" name="Whiteboard photo" '
        f'path="internal://{pic}.png" modifiedDateTime="2025-02-10T08:05:00Z">\n'
        f'   <PictureSelection modifyingUser="{user}" '
        f'guid="{fixed_guid("maxqda", "ps", upper=True)}" creatingUser="{user}" '
        'creationDateTime="2025-02-11T09:30:00Z" firstX="10" firstY="10" secondX="200" '
        'secondY="90" name="Whiteboard photo" modifiedDateTime="2025-02-11T09:30:00Z">\n'
        f'    <Coding creatingUser="{user}" creationDateTime="2025-02-11T09:30:00Z" '
        f'guid="{fixed_guid("maxqda", "pk", upper=True)}">\n'
        f'     <CodeRef targetGUID="{code_of["Apprenticeship"]}"/>\n    </Coding>\n'
        "   </PictureSelection>\n  </PictureSource>\n"
    )
    notes_xml = "".join(
        f'  <Note modifyingUser="{user}" guid="{ng}" creatingUser="{user}" '
        'creationDateTime="2025-02-11T09:20:00Z" name="Memo" '
        'modifiedDateTime="2025-02-11T09:20:00Z">\n'
        f"   <PlainTextContent>{html.escape(memo)}</PlainTextContent>\n  </Note>\n"
        for ng, memo in notes
    )
    qde = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<Project xsi:schemaLocation="urn:QDA-XML:project:1.0 '
        'http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="urn:QDA-XML:project:1.0" '
        'origin="MAXQDA 24 (Release 24.7.0)" name="Manufacturing focus groups" '
        'modifiedDateTime="2025-02-12T10:00:00Z">\n'
        f' <Users>\n  <User guid="{user}" name="researcher"/>\n </Users>\n'
        f" <CodeBook>\n  <Codes>\n{code_xml}  </Codes>\n </CodeBook>\n"
        f" <Sources>\n{sources} </Sources>\n"
        f" <Notes>\n{notes_xml} </Notes>\n"
        " <Sets>\n"
        f'  <Set guid="{fixed_guid("maxqda", "set", upper=True)}" name="Focus group 1">\n'
        + "".join(f'   <MemberSource targetGUID="{g}"/>\n' for g, _n, _t in docs)
        + "  </Set>\n </Sets>\n</Project>\n"
    )
    out = {"project.qde": qde.encode("utf-8")}
    for g, _name, body in docs:
        out[f"sources/{g}.txt"] = body.encode("utf-8")
    out[f"sources/{pic}.png"] = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16  # a stand-in picture
    return out


# ----------------------------------------------------------------------------- ATLAS.ti 24
def build_atlasti() -> dict[str, bytes]:
    """ATLAS.ti Win 24 (two-space indentation, upper-case GUIDs, the codebook namespace
    quirk of its .qdc in ``schemaLocation``): quotations as ``PlainTextSelection``s named
    with their text, code groups and document groups as ``Sets`` (``MemberCode``,
    ``MemberSource`` with ``targetGUID``), a code comment as ``Description``, a memo as a
    project ``Note``, and a PDF document with its plain-text ``Representation``."""
    user = fixed_guid("atlas", "user", upper=True)
    text = transcript()
    pdf_text = "Manpower survey 2024\n\nTechnicians: 1,250 vacancies.\nEngineers: 430 vacancies.\n"
    d1, d2 = fixed_guid("atlas", "d1", upper=True), fixed_guid("atlas", "d2", upper=True)
    rep = fixed_guid("atlas", "rep", upper=True)
    c = {n: fixed_guid("atlas", n, upper=True) for n in ("shortage", "ageing", "image", "funding")}
    quotes = [
        (d1, text, "最難請係識 PLC 同自動化嘅技術員", "shortage"),
        (d1, text, "most of them will retire in five to ten years", "ageing"),
        (d1, text, "Young people think manufacturing is dirty work.", "image"),
        (d1, text, "政府應該資助中小企做在職培訓", "funding"),
        (rep, pdf_text, "Technicians: 1,250 vacancies.", "shortage"),
    ]

    def sels(doc: str) -> str:
        out = ""
        for i, (d, body, phrase, code) in enumerate(quotes):
            if d != doc:
                continue
            a, b = span(body, phrase)
            out += (
                f'      <PlainTextSelection guid="{fixed_guid("atlas", "q", str(i), upper=True)}" '
                f'name="{html.escape(phrase)}" startPosition="{a}" endPosition="{b}" '
                f'creatingUser="{user}" creationDateTime="2025-01-20T14:0{i}:00Z">\n'
                f'        <Coding guid="{fixed_guid("atlas", "k", str(i), upper=True)}" '
                f'creatingUser="{user}" creationDateTime="2025-01-20T14:0{i}:00Z">\n'
                f'          <CodeRef targetGUID="{c[code]}" />\n        </Coding>\n'
                "      </PlainTextSelection>\n"
            )
        return out

    memo = fixed_guid("atlas", "memo", upper=True)
    qde = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<Project xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="urn:QDA-XML:project:1.0 Project.xsd" name="Manufacturing FG" '
        'origin="ATLAS.ti Win 24.2.0" '
        f'creatingUserGUID="{user}" creationDateTime="2025-01-20T13:00:00Z" '
        'xmlns="urn:QDA-XML:project:1.0">\n'
        f'  <Users>\n    <User guid="{user}" name="Researcher" />\n  </Users>\n'
        "  <CodeBook>\n    <Codes>\n"
        f'      <Code guid="{c["shortage"]}" name="Skills shortage" color="#46AA00" '
        'isCodable="true">\n        <Description>Posts employers cannot fill</Description>\n'
        "      </Code>\n"
        f'      <Code guid="{c["ageing"]}" name="Ageing workforce" color="#FF7800" '
        'isCodable="true" />\n'
        f'      <Code guid="{c["image"]}" name="Image of the industry" color="#006EFF" '
        'isCodable="true" />\n'
        f'      <Code guid="{c["funding"]}" name="Government funding" color="#A0A0A0" '
        'isCodable="true" />\n'
        "    </Codes>\n  </CodeBook>\n"
        "  <Sources>\n"
        f'    <TextSource guid="{d1}" name="FG1 industry leaders" '
        f'plainTextPath="internal://{d1}.txt" creatingUser="{user}" '
        'creationDateTime="2025-01-20T13:10:00Z">\n' + sels(d1) + "    </TextSource>\n"
        f'    <PDFSource guid="{d2}" name="Manpower survey 2024.pdf" path="internal://{d2}.pdf" '
        f'creatingUser="{user}" creationDateTime="2025-01-20T13:12:00Z">\n'
        f'      <Representation guid="{rep}" name="Manpower survey 2024.pdf" '
        f'plainTextPath="internal://{rep}.txt">\n'
        + sels(rep)
        + "      </Representation>\n    </PDFSource>\n"
        "  </Sources>\n"
        "  <Notes>\n"
        f'    <Note guid="{memo}" name="Research question" creatingUser="{user}" '
        'creationDateTime="2025-01-20T13:05:00Z">\n'
        "      <PlainTextContent>Which skills do SMEs lack most, and who should train "
        "them?</PlainTextContent>\n    </Note>\n  </Notes>\n"
        "  <Sets>\n"
        f'    <Set guid="{fixed_guid("atlas", "cg", upper=True)}" name="Manpower problems">\n'
        "      <Description>code group</Description>\n"
        f'      <MemberCode targetGUID="{c["shortage"]}" />\n'
        f'      <MemberCode targetGUID="{c["ageing"]}" />\n    </Set>\n'
        f'    <Set guid="{fixed_guid("atlas", "dg", upper=True)}" name="Focus groups">\n'
        f'      <MemberSource targetGUID="{d1}" />\n    </Set>\n'
        "  </Sets>\n"
        f'  <NoteRef targetGUID="{memo}" />\n'
        "</Project>\n"
    )
    return {
        "project.qde": qde.encode("utf-8"),
        f"sources/{d1}.txt": text.encode("utf-8"),
        f"sources/{rep}.txt": pdf_text.encode("utf-8"),
        f"sources/{d2}.pdf": b"%PDF-1.4\n% stand-in for the PDF file\n%%EOF\n",
    }


# ----------------------------------------------------------------------------- NVivo 14
# Social-media posts collected for a focus-group study: emoji (outside the Basic Multilingual
# Plane) before most selections, as chat and social-media data has them.
NVIVO_POSTS = [
    "Post 1 (Facebook group, 2024-03-02): 搵咗三個月工都冇回覆 😩😩 PLC technician 真係好難入行",
    "Post 2: Our firm pays for the apprenticeship 👍 but nobody applies. 後生仔覺得工廠污糟 🏭",
    "Post 3: 政府資助在職培訓先得 🙏🏻 short courses after work would help me a lot",
    "Post 4: I retired last year 👴 and half my team will follow within five years",
    "Post 5: 我哋公司請唔到人 😭😭😭 automation is the only way forward",
    "Post 6 (WhatsApp, forwarded): training centres should run robotics maintenance classes "
    "at night 🤖🔧",
    "Moderator note: thanks everyone for sharing, the survey closes on Friday and the focus "
    "group will follow in April.",
]
NVIVO_CODES = [
    ("Recruitment difficulty", ["搵咗三個月工都冇回覆", "我哋公司請唔到人"]),
    ("Apprenticeship", ["Our firm pays for the apprenticeship", "nobody applies"]),
    ("Image of manufacturing", ["後生仔覺得工廠污糟"]),
    (
        "Training",
        [
            "short courses after work would help me a lot",
            "training centres should run robotics maintenance classes at night",
        ],
    ),
    ("Ageing workforce", ["half my team will follow within five years"]),
    ("Automation", ["automation is the only way forward"]),
]


def utf16_span(text: str, phrase: str) -> tuple[int, int]:
    """NVivo's positions: UTF-16 code units (an emoji counts two)."""
    a, b = span(text, phrase)
    units = lambda s: len(s.encode("utf-16-le")) // 2  # noqa: E731
    return units(text[:a]), units(text[:b])


def build_nvivo() -> dict[str, bytes]:
    """NVivo 14 (Windows) as its REFI export writes a project: the one-line XML, attribute
    order and GUID style of the NVivo for Mac 15 export in tests/data/refi, ``origin`` naming
    the program, ``name=""`` on every selection, positions in UTF-16 code units."""
    user = fixed_guid("nvivo", "user")
    when = "2025-03-14T10:00:00Z"
    text = "\n".join(NVIVO_POSTS) + "\n"
    src = fixed_guid("nvivo", "source")
    codes = "".join(
        f'<Code guid="{fixed_guid("nvivo", "code", name)}" isCodable="true" name="{name}"/>'
        for name, _ in NVIVO_CODES
    )
    sels = []
    for name, phrases in NVIVO_CODES:
        for phrase in phrases:
            a, b = utf16_span(text, phrase)
            sels.append(
                (a, b, fixed_guid("nvivo", "sel", phrase), fixed_guid("nvivo", "code", name))
            )
    sels.sort()
    sel_xml = "".join(
        f'<PlainTextSelection creatingUser="{user}" creationDateTime="{when}" '
        f'endPosition="{b}" guid="{g}" modifiedDateTime="{when}" modifyingUser="{user}" '
        f'name="" startPosition="{a}"><Coding creatingUser="{user}" creationDateTime="{when}" '
        f'guid="{fixed_guid("nvivo", "coding", g)}"><CodeRef targetGUID="{code}"/></Coding>'
        "</PlainTextSelection>"
        for a, b, g, code in sels
    )
    qde = (
        '<?xml version="1.0" encoding="UTF-8" standalone="no" ?>'
        f'<Project basePath="" creatingUserGUID="{user}" creationDateTime="{when}" '
        f'modifiedDateTime="{when}" modifyingUserGUID="{user}" name="Social media posts" '
        'origin="NVivo 14.24.0 (Windows)" xmlns="urn:QDA-XML:project:1.0" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="urn:QDA-XML:project:1.0 Project.xsd">'
        f'<Users><User guid="{user}" id="RA" name="research assistant"/></Users>'
        f"<CodeBook><Codes>{codes}</Codes></CodeBook>"
        f'<Sources><TextSource creatingUser="{user}" creationDateTime="{when}" guid="{src}" '
        f'modifiedDateTime="{when}" modifyingUser="{user}" name="Posts" '
        f'plainTextPath="internal://{src}.txt">{sel_xml}</TextSource></Sources></Project>'
    )
    return {"project.qde": qde.encode("utf-8"), f"sources/{src}.txt": text.encode("utf-8")}


BUILDERS = {
    "qc_1.3.2.qdpx": build_qc,
    "qualcoder_3.8.qdpx": build_qualcoder,
    "maxqda_24.qdpx": build_maxqda,
    "atlasti_24.qdpx": build_atlasti,
    "nvivo_14_emoji.qdpx": build_nvivo,
}


def build_all(folder: Path = HERE) -> list[Path]:
    out = []
    for name, builder in BUILDERS.items():
        zip_folder(builder(), folder / name)
        out.append(folder / name)
    return out


if __name__ == "__main__":
    for p in build_all():
        print(f"wrote {p.relative_to(HERE.parents[2])}")
