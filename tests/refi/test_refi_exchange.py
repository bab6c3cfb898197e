"""REFI-QDA: schema-valid exports, read back by pyrefiqda, round trips, other tools' files."""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
import xmlschema
from pyrefiqda import RefiCodebook, RefiProject

from mpu_qual.errors import MpuQualError
from mpu_qual.refi.guids import guid
from mpu_qual.refi.import_into_project import import_qdc, import_qdpx, import_qdpx_new
from mpu_qual.refi.import_plan import slug
from mpu_qual.refi.qdpx_writer import export_qdpx, qdpx_bytes
from mpu_qual.refi.reader import read_qdpx
from mpu_qual.refi.writer import codebook_xml, export_qdc
from mpu_qual.store import Project
from mpu_qual.store.participants import Participants
from mpu_qual.transcript_files.parsed import ParsedSegment, ParsedTranscript


@pytest.fixture(scope="module")
def schemas(refi_dir: Path) -> tuple[xmlschema.XMLSchema, xmlschema.XMLSchema]:
    return (
        xmlschema.XMLSchema(str(refi_dir / "Project.xsd")),
        xmlschema.XMLSchema(str(refi_dir / "Codebook.xsd")),
    )


def qde_of(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("project.qde").decode("utf-8")


def coding_set(project: Project) -> list[tuple[str, str, str, int, int, str | None]]:
    return sorted(
        (c.source_name, c.code_id, c.quote, c.start, c.end, c.memo) for c in project.codings.list()
    )


def test_qdc_validates_and_pyrefiqda_reads_it(small: Project, tmp_path: Path, schemas) -> None:
    out = tmp_path / "codes.qdc"
    export_qdc(small, out)
    schemas[1].validate(str(out))
    book = RefiCodebook.load(out)
    themes = [c.name for c in book.codes.code]
    assert themes == ["Talent", "Odd text", "Recommendations"]
    talent = book.codes.code[0]
    assert [c.name for c in talent.code] == ["Shortage", "Ageing"]
    assert talent.color == "#1f77b4"
    assert "中文: 人才" in talent.description and "mpu-qual id: talent" in talent.description
    assert {s.name for s in book.sets.set} == {"For Government (政府)", "For Employers (僱主)"}


def test_qdpx_validates_and_pyrefiqda_reads_it(small: Project, tmp_path: Path, schemas) -> None:
    out = tmp_path / "p.qdpx"
    report = export_qdpx(small, out)
    assert report.codings == len(small.codings.list())
    schemas[0].validate(qde_of(out))
    proj = RefiProject.load(out, extract_dir=str(tmp_path / "extracted"))
    src = proj.sources.text_source[0]
    text = RefiProject.resolve_source_path(src.plain_text_path, tmp_path / "extracted").read_bytes()
    stored = small.sources.get("session-1").text
    assert text.decode("utf-8") == stored
    coded = [s for s in src.plain_text_selection if s.coding]
    by_span = {(s.start_position, s.end_position): s for s in coded}
    for c in small.codings.list():
        sel = by_span[(c.start, c.end)]
        assert stored[sel.start_position : sel.end_position] == c.quote
        assert guid("code", c.code_id) in {x.code_ref.target_guid for x in sel.coding}
    cases = {c.name: c for c in proj.cases.case}
    assert set(cases) == {p.label for p in small.participants.list()}
    assert {u.name for u in proj.users.user} == {"Peter", "coder-a", "coder-b"}
    variables = {v.guid: v.name for v in proj.variables.variable}
    il1 = {variables[v.variable_ref.target_guid]: v.text_value for v in cases["IL1"].variable_value}
    assert il1 == {
        "Stakeholder group": "Industry leader",
        "Name": "Chan Tai Man",
        "sector": "Testing",
    }
    memos = [n.plain_text_content for n in proj.notes.note]
    assert "Spans the CRLF." in memos


def test_exports_are_deterministic_apart_from_the_timestamp(small: Project) -> None:
    import re

    def strip(b: bytes) -> bytes:
        return re.sub(rb'creationDateTime="[^"]*"', b"", b)

    a, _ = qdpx_bytes(small)
    b, _ = qdpx_bytes(small)
    with (
        zipfile.ZipFile(__import__("io").BytesIO(a)) as za,
        zipfile.ZipFile(__import__("io").BytesIO(b)) as zb,
    ):
        assert za.namelist() == zb.namelist()
        for n in za.namelist():
            assert strip(za.read(n)) == strip(zb.read(n))
    assert codebook_xml(small) == codebook_xml(small)


def test_round_trip_keeps_every_quote(small: Project, tmp_path: Path, schemas) -> None:
    first = tmp_path / "first.qdpx"
    export_qdpx(small, first)
    report = import_qdpx_new(first, tmp_path / "copy")
    assert report.codings == len(small.codings.list()) and not report.warnings
    with Project.open(tmp_path / "copy") as copy:
        assert coding_set(copy) == coding_set(small)
        assert copy.sources.get("session-1").text == small.sources.get("session-1").text
        assert [c.id for c in copy.codes.list()] == [c.id for c in small.codes.list()]
        assert {
            (c.id, c.label_en, c.label_zh, c.color, c.addresses) for c in copy.codes.list()
        } == {(c.id, c.label_en, c.label_zh, c.color, c.addresses) for c in small.codes.list()}
        people = {p.label: (p.name, p.group_id, p.attributes) for p in copy.participants.list()}
        assert people == {
            p.label: (p.name, p.group_id, p.attributes) for p in small.participants.list()
        }
        # Who said it and when survive through the cases' speaker turns.
        orig = {
            (c.code_id, c.start): (c.participant_label, c.start_ms) for c in small.codings.list()
        }
        back = {
            (c.code_id, c.start): (c.participant_label, c.start_ms) for c in copy.codings.list()
        }
        assert back == orig
        second = tmp_path / "second.qdpx"
        export_qdpx(copy, second)
    schemas[0].validate(qde_of(second))
    a, b = read_qdpx(first), read_qdpx(second)
    sel = [(s.start, s.end, s.name) for s in a.sources[0].selections]
    assert sel == [(s.start, s.end, s.name) for s in b.sources[0].selections]


def test_audio_sources_export_with_sync_points(small: Project, tmp_path: Path, schemas) -> None:
    parsed = ParsedTranscript(
        [
            ParsedSegment("Audio turn one.", "IL1", 0, 2000),
            ParsedSegment("第二段 turn two.", "AC1", 2000, 5000),
        ]
    )
    src = small.sources.add("recording", parsed, media_path="media/recording.wav")
    small.codings.add(src, 0, 5, "talent.shortage")
    small.codings.add(src, 16, 19, "talent.ageing")
    out = tmp_path / "a.qdpx"
    assert export_qdpx(small, out).audio_sources == 1
    schemas[0].validate(qde_of(out))
    rp = read_qdpx(out)
    audio = next(s for s in rp.sources if s.kind == "AudioSource")
    media = (small.folder.resolve() / "media" / "recording.wav").as_posix()
    assert audio.media_path == media  # relative://, against the project's basePath
    stamps = sorted(v for v in audio.sync.values())
    assert (0, 0) in stamps and (16, 2000) in stamps
    import_qdpx_new(out, tmp_path / "back")
    with Project.open(tmp_path / "back") as back:
        got = sorted((c.quote, c.code_id) for c in back.codings.list(source="recording"))
        assert got == [("Audio", "talent.shortage"), ("第二段", "talent.ageing")]
        assert back.sources.get("recording").media_path == media
        assert [g.start_ms for g in back.sources.segments("recording")] == [0, 2000]


def test_media_paths_are_written_with_a_scheme(small: Project, tmp_path: Path, schemas) -> None:
    """QualCoder reads an AudioSource/VideoSource path only with absolute:// or relative://."""
    one = ParsedTranscript([ParsedSegment("Audio turn one.", "IL1", 0, 2000)])
    small.sources.add("absolute", one, media_path="/data/fg/一號.m4a")
    small.sources.add("windows", one, media_path="C:\\Users\\fg\\two.wav")
    small.sources.add("relative", one, media_path="media/three.mp3")
    out = tmp_path / "m.qdpx"
    export_qdpx(small, out)
    qde = qde_of(out)
    schemas[0].validate(qde)
    root = ET.fromstring(qde)
    ns = {"q": "urn:QDA-XML:project:1.0"}
    paths = {a.get("name"): a.get("path") for a in root.iterfind(".//q:AudioSource", ns)}
    assert paths == {
        "absolute": "absolute:///data/fg/一號.m4a",
        "windows": "absolute://C:/Users/fg/two.wav",
        "relative": "relative:///media/three.mp3",
    }
    assert root.get("basePath") == small.folder.resolve().as_posix()
    back = {s.name: s.media_path for s in read_qdpx(out).sources if s.kind == "AudioSource"}
    assert back == {
        "absolute": "/data/fg/一號.m4a",
        "windows": "C:/Users/fg/two.wav",
        "relative": small.folder.resolve().as_posix() + "/media/three.mp3",
    }


def test_import_into_an_open_project_is_one_undoable_action(small: Project, tmp_path: Path) -> None:
    out = tmp_path / "p.qdpx"
    export_qdpx(small, out)
    with pytest.raises(MpuQualError, match="already exists"):
        import_qdpx(small, out)
    before = coding_set(small)
    report = import_qdpx(small, out, prefix="copy of ")
    assert report.sources == ["copy of session-1"] and report.codes_reused == len(
        small.codes.list()
    )
    assert len(small.codings.list()) == 2 * len(before)
    assert small.history.undo() == f"Import {out.name}"
    assert coding_set(small) == before


def test_nvivo_project_imports(refi_dir: Path, tmp_path: Path) -> None:
    nvivo = refi_dir / "nvivo_sample.qdpx"
    with zipfile.ZipFile(nvivo) as z:
        n_codes = z.read("project.qde").count(b"<Code ")
    report = import_qdpx_new(nvivo, tmp_path / "nv")
    assert len(report.codes_added) == n_codes
    assert len(report.sources) == 2
    with Project.open(tmp_path / "nv") as p:
        codes = {c.id: c for c in p.codes.list()}
        assert "rq1_definition.competencies.programming" in codes
        assert "rq1_definition.framings.cs_as_programming.programming" in codes  # same name
        assert codes["rq1_definition.concepts.abstraction"].parent_id == "rq1_definition.concepts"
        assert codes["rq1_definition"].label_zh == "rq1_definition"
    again = import_qdpx_new(nvivo, tmp_path / "nv2")
    assert again.codes_added == report.codes_added  # ids are stable


def test_qdc_import_merges_codes(small: Project, tmp_path: Path) -> None:
    qdc = tmp_path / "other.qdc"
    qdc.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
        f'<Code guid="{guid("x", 1)}" name="Talent" isCodable="true">'
        "<Description>Talent supply.\n\n中文: 人才\nmpu-qual id: talent</Description>"
        f'<Code guid="{guid("x", 2)}" name="Wages &amp; pay" isCodable="true" color="#abc"/>'
        "</Code>"
        f'<Code guid="{guid("x", 3)}" name="薪酬" isCodable="true"/>'
        "</Codes></CodeBook>",
        encoding="utf-8",
    )
    report = import_qdc(small, qdc)
    assert report.codes_reused == 1
    assert report.codes_added == ["talent.wages_pay", slug("薪酬")]
    wages = small.codes.get("talent.wages_pay")
    assert (wages.parent_id, wages.label_en, wages.label_zh, wages.color) == (
        "talent",
        "Wages & pay",
        "Wages & pay",
        "#aabbcc",
    )
    assert "talent.wages_pay" in small.codebook_path.read_text(encoding="utf-8")
    assert import_qdc(small, qdc).codes_added == []  # the same file again adds nothing


# ----------------------------------------------------------------------------- other tools' files
def make_qdpx(
    path: Path,
    text: bytes | None,
    selections: list[tuple[int, int, str | None]],
    *,
    text_entry: str = "sources/T.txt",
    inline: str | None = None,
) -> Path:
    code = guid("t", "code")
    sels = "".join(
        f'<PlainTextSelection guid="{guid("t", "s", i)}" startPosition="{s}" endPosition="{e}"'
        + (f' name="{n}"' if n is not None else "")
        + f'><Coding guid="{guid("t", "c", i)}"><CodeRef targetGUID="{code}"/></Coding>'
        "</PlainTextSelection>"
        for i, (s, e, n) in enumerate(selections)
    )
    body = f"<PlainTextContent>{inline}</PlainTextContent>" if inline is not None else ""
    path_attr = "" if inline is not None else ' plainTextPath="internal://T.txt"'
    qde = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="Other tool" origin="Test">'
        f'<CodeBook><Codes><Code guid="{code}" name="Theme" isCodable="true"/></Codes></CodeBook>'
        f'<Sources><TextSource guid="{guid("t", "src")}" name="doc"{path_attr}>{body}{sels}'
        "</TextSource></Sources></Project>"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", qde)
        if text is not None:
            z.writestr(text_entry, text)
    return path


CRLF_TEXT = "Line one.\r\nLine two has the quote.\r\nLine three."


def spans(text: str, crlf_as_one: bool) -> list[tuple[int, int, str]]:
    """Selections of 'quote' and 'Line two' as a tool would count them."""
    counted = text.replace("\r\n", "\n") if crlf_as_one else text
    return [(counted.index(w), counted.index(w) + len(w), w) for w in ("quote", "Line two")]


@pytest.mark.parametrize("crlf_as_one", [False, True])
def test_crlf_counting_is_detected_from_selection_names(tmp_path: Path, crlf_as_one: bool) -> None:
    src = make_qdpx(tmp_path / "t.qdpx", CRLF_TEXT.encode(), spans(CRLF_TEXT, crlf_as_one))
    report = import_qdpx_new(src, tmp_path / "p")
    assert any("CRLF counted once" in w for w in report.warnings) == crlf_as_one
    with Project.open(tmp_path / "p") as p:
        assert sorted(c.quote for c in p.codings.list()) == ["Line two", "quote"]
        assert p.sources.get("doc").text == CRLF_TEXT  # kept exactly


def test_without_names_the_standard_reading_is_kept(tmp_path: Path) -> None:
    sels = [(s, e, None) for s, e, _w in spans(CRLF_TEXT, False)]
    import_qdpx_new(make_qdpx(tmp_path / "t.qdpx", CRLF_TEXT.encode(), sels), tmp_path / "p")
    with Project.open(tmp_path / "p") as p:
        assert sorted(c.quote for c in p.codings.list()) == ["Line two", "quote"]


def test_utf16_positions_are_detected(tmp_path: Path) -> None:
    text = "😀😀 emoji then the quote here"
    # A tool counting UTF-16 units puts "quote" 2 units later than the code-point position.
    start = text.index("quote") + 2
    src = make_qdpx(tmp_path / "t.qdpx", text.encode(), [(start, start + 5, "quote")])
    import_qdpx_new(src, tmp_path / "p")
    with Project.open(tmp_path / "p") as p:
        assert [c.quote for c in p.codings.list()] == ["quote"]


def test_capitalised_sources_folder_and_inline_text(tmp_path: Path) -> None:
    a = make_qdpx(tmp_path / "a.qdpx", b"Alpha beta", [(6, 10, None)], text_entry="Sources/T.txt")
    import_qdpx_new(a, tmp_path / "pa")
    with Project.open(tmp_path / "pa") as p:
        assert [c.quote for c in p.codings.list()] == ["beta"]
    b = make_qdpx(tmp_path / "b.qdpx", None, [(0, 2, "中文")], inline="中文 text &amp; more")
    import_qdpx_new(b, tmp_path / "pb")
    with Project.open(tmp_path / "pb") as p:
        assert [c.quote for c in p.codings.list()] == ["中文"]
        assert p.sources.get("doc").text == "中文 text & more"


def test_bad_selection_is_refused_and_nothing_is_written(
    small: Project, tmp_path: Path, snapshot
) -> None:
    bad = make_qdpx(tmp_path / "bad.qdpx", b"short", [(0, 3, None), (2, 99, None)])
    folder = small.folder
    small.close()
    before = snapshot(folder)
    with Project.open(folder) as p:
        with pytest.raises(MpuQualError, match="outside the text"):
            import_qdpx(p, bad)
    assert snapshot(folder) == before
    with pytest.raises(MpuQualError, match="outside the text"):
        import_qdpx_new(bad, tmp_path / "new")
    assert not (tmp_path / "new").exists()


def test_missing_text_file_refuses_or_skips_the_source_with_partial(tmp_path: Path) -> None:
    f = make_qdpx(tmp_path / "m.qdpx", None, [(0, 1, None)])
    with pytest.raises(MpuQualError, match="nothing was imported: 1 source .with 1 coding.") as e:
        import_qdpx_new(f, tmp_path / "p")
    assert "'sources/T.txt' is missing from the archive" in str(e.value)
    assert "--partial" in (e.value.hint or "")
    assert not (tmp_path / "p").exists()
    report = import_qdpx_new(f, tmp_path / "p", partial=True)
    assert report.sources == []
    assert [(s.kind, s.codings) for s in report.skipped] == [("source", 1)]
    assert "missing from the archive" in report.skipped[0].why


def test_a_failure_while_writing_rolls_everything_back(
    small: Project, tmp_path: Path, snapshot, monkeypatch
) -> None:
    other = tmp_path / "other.qdpx"
    export_qdpx(small, other)
    with zipfile.ZipFile(other) as z:  # rename the codes so the import adds new ones
        entries = {n: z.read(n) for n in z.namelist()}
    entries["project.qde"] = entries["project.qde"].replace(b"mpu-qual id: ", b"old id: ")
    with zipfile.ZipFile(other, "w") as z:
        for n, data in entries.items():
            z.writestr(n, data)
    folder = small.folder
    small.close()
    before = snapshot(folder)

    def broken(*args: object, **kwargs: object) -> None:
        raise MpuQualError("disk on fire")

    monkeypatch.setattr(Participants, "set", broken)
    with Project.open(folder) as p:
        with pytest.raises(MpuQualError, match="disk on fire"):
            import_qdpx(p, other, prefix="x-")
    assert snapshot(folder) == before  # database and codebook.yaml as they were
    with pytest.raises(MpuQualError, match="disk on fire"):
        import_qdpx_new(other, tmp_path / "new")
    assert not (tmp_path / "new").exists()


def test_theme_without_sub_codes_gets_a_table_row(tmp_path: Path) -> None:
    from mpu_qual.export.summary import build_summary

    folder = tmp_path / "flat"
    folder.mkdir()
    (folder / "codebook.yaml").write_text(
        "version: 1\ncodes:\n  - {id: only, en: Only theme, zh: 唯一主題}\n", encoding="utf-8"
    )
    with Project.init(folder, import_transcripts=False) as p:
        src = p.sources.add("t", ParsedTranscript([ParsedSegment("Some words here.", "A")]))
        c = p.codings.add(src, 0, 4, "only")
        lines = build_summary(p).themes[0].sections[0].lines
        assert [(ln.code_id, ln.passages, ln.coding_ids) for ln in lines] == [("only", 1, [c.id])]
