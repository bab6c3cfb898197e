"""Transcript parsers, encodings and writers, on real files in tmp_path."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mpu_qual.errors import MpuQualError
from mpu_qual.transcript_files.encoding import decode_text
from mpu_qual.transcript_files.formats import parse_file, write
from mpu_qual.transcript_files.parsed import ParsedSegment, ParsedTranscript
from mpu_qual.transcript_files.parsers import parse_srt, parse_txt, parse_vtt
from mpu_qual.transcript_files.timecode import format_srt, format_vtt, parse_timestamp

ZH_TXT = (
    "Title: 焦點小組\n"
    "Date: 2025-12-08\n"
    "\n"
    "[00:00:05] 主持人：大家好，歡迎各位。\n"
    "[00:00:12] IL1: 我們公司做醫療器材，需要技術員。\n"
    "[00:01:02] TP1: Machine vision 同 AI inspection。\n"
)


def turns(parsed) -> list[tuple[str | None, int | None, str]]:
    return [(s.speaker, s.start_ms, s.text) for s in parsed.segments]


def parse_error(path: Path) -> MpuQualError:
    with pytest.raises(MpuQualError) as info:
        parse_file(path)
    return info.value


# ----------------------------------------------------------------------------- plain text
def test_plain_text_with_header_timestamps_and_fullwidth_colon(tmp_path: Path) -> None:
    path = tmp_path / "fg.txt"
    path.write_text(ZH_TXT, encoding="utf-8")
    parsed = parse_file(path)
    assert parsed.format == "txt"
    assert parsed.metadata == {"title": "焦點小組", "date": "2025-12-08"}
    assert turns(parsed) == [
        ("主持人", 5000, "大家好，歡迎各位。"),
        ("IL1", 12000, "我們公司做醫療器材，需要技術員。"),
        ("TP1", 62000, "Machine vision 同 AI inspection。"),
    ]
    assert [s.end_ms for s in parsed.segments] == [12000, 62000, None]
    text = parsed.full_text()
    for seg, (a, b) in zip(parsed.segments, parsed.spans(), strict=True):
        assert text[a:b] == seg.text


def test_plain_text_without_timestamps_continuations_and_paragraphs() -> None:
    parsed = parse_txt(
        "IL1: first line\nstill IL1\n\nA paragraph with no speaker.\nTP2: 第二位\n[01:05] timed only\n"
    )
    assert turns(parsed) == [
        ("IL1", None, "first line\nstill IL1"),
        (None, None, "A paragraph with no speaker."),
        ("TP2", None, "第二位"),
        (None, 65000, "timed only"),
    ]
    assert parsed.metadata == {}


def test_header_line_right_before_the_first_turn_is_metadata() -> None:
    parsed = parse_txt("Title: a header\n[00:00:01] IL1: hi\n")
    assert parsed.metadata == {"title": "a header"}
    assert turns(parsed) == [("IL1", 1000, "hi")]


def test_crlf_and_cr_line_endings_become_newlines(tmp_path: Path) -> None:
    path = tmp_path / "win.txt"
    path.write_bytes(ZH_TXT.replace("\n", "\r\n").encode("utf-8"))
    assert "\r" not in parse_file(path).full_text()
    assert turns(parse_file(path)) == turns(parse_txt(ZH_TXT))
    path.write_bytes(ZH_TXT.replace("\n", "\r").encode("utf-8"))
    assert turns(parse_file(path)) == turns(parse_txt(ZH_TXT))


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-8", b"\xef\xbb\xbf"),
        ("utf-16", b""),
        ("utf-16-le", b""),
        ("utf-16-be", b""),
        ("big5", b""),
        ("big5hkscs", b""),
    ],
)
def test_encodings_decode_to_the_same_text(tmp_path: Path, encoding: str, bom: bytes) -> None:
    path = tmp_path / f"{encoding}.txt"
    path.write_bytes(bom + ZH_TXT.encode(encoding))
    parsed = parse_file(path)
    assert turns(parsed) == turns(parse_txt(ZH_TXT))
    assert not parsed.full_text().startswith("\ufeff")


def test_big5_hkscs_cantonese_characters(tmp_path: Path) -> None:
    text = "[00:00:01] IL2: 我哋公司做醫療器材，佢哋覺得冇問題。\n"
    path = tmp_path / "hk.txt"
    path.write_bytes(text.encode("big5hkscs"))
    assert parse_file(path).segments[0].text == "我哋公司做醫療器材，佢哋覺得冇問題。"
    assert decode_text(text.encode("big5hkscs"))[1] == "big5hkscs"


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("name", "content", "message", "line"),
    [
        ("ts.txt", "[00:00:01] IL1: ok\n[00:61:00] IL1: bad minute\n", "malformed timestamp", 2),
        ("ts2.txt", "IL1: ok\n\n[1:2:3:4] IL1: too many parts\n", "malformed timestamp", 3),
        ("back.txt", "[00:01:00] IL1: a\n[00:00:30] IL2: b\n", "goes backwards", 2),
        ("empty.txt", "", "empty", None),
        ("blank.txt", " \n\t\n\n", "empty", None),
        ("nocue.vtt", "WEBVTT\n\n00:00:01.000 -> 00:00:02.000\nhello\n", "cue has no timing", 3),
        (
            "badcue.vtt",
            "WEBVTT\n\n00:00:01.000 --> 00:00:0x.000\nhello\n",
            "malformed cue timing",
            3,
        ),
        (
            "header.vtt",
            "not vtt\n\n00:00:01.000 --> 00:00:02.000\nhi\n",
            "first line must be WEBVTT",
            1,
        ),
        ("rev.vtt", "WEBVTT\n\n00:00:05.000 --> 00:00:02.000\nhi\n", "ends before it starts", 3),
        (
            "bad.srt",
            "1\n00:00:01,000 --> 00:00:02,000\nok\n\nxx\n00:00:03,000 --> 00:00:04,000\nno\n",
            "expected a cue number",
            5,
        ),
        (
            "time.srt",
            "1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:03 --> later\nno\n",
            "malformed cue timing",
            6,
        ),
    ],
)
def test_bad_files_name_file_and_line(
    tmp_path: Path, name: str, content: str, message: str, line: int | None
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    err = parse_error(path)
    assert message in err.message
    assert err.path == str(path)
    assert err.line == line
    assert str(err).startswith(f"{path}:{line}:" if line else f"{path}:")


def test_latin1_with_one_accent_is_windows_1252_and_nul_bytes_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes(b"IL1: hello\nIL2: fine\nIL3: caf\xe9\n")
    parsed = parse_file(path)  # it used to be refused, or read as Big5 once accents were paired
    assert parsed.encoding == "cp1252" and parsed.segments[2].text == "café"
    nul = tmp_path / "nul.txt"
    nul.write_bytes(b"IL1: hi\nIL2: \x00\x01\x02 binary\n")
    assert "NUL" in parse_error(nul).message and parse_error(nul).line == 2


def test_unknown_format_and_missing_file(tmp_path: Path) -> None:
    pdf = tmp_path / "notes.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    err = parse_error(pdf)
    assert "unknown transcript format '.pdf'" in err.message and err.hint
    noext = tmp_path / "README"
    noext.write_text("IL1: hi\n", encoding="utf-8")
    assert "(no extension)" in parse_error(noext).message
    err = parse_error(tmp_path / "missing.txt")
    assert err.message == "file not found"


# ----------------------------------------------------------------------------- vtt / srt
VTT = """WEBVTT
Title: 測試

NOTE this is a comment

cue-1
00:00:01.000 --> 00:00:04.500 align:start
<v IL1>We need more <b>technicians</b> &amp; engineers.

00:00:05.000 --> 00:00:07.000
<v.loud 主持人>請繼續。
第二行

00:00:08.000 --> 00:00:09.000
No voice tag here.
"""


def test_webvtt_voices_tags_entities_and_ids(tmp_path: Path) -> None:
    path = tmp_path / "s.vtt"
    path.write_text(VTT, encoding="utf-8")
    parsed = parse_file(path)
    assert parsed.format == "vtt" and parsed.metadata == {"title": "測試"}
    assert turns(parsed) == [
        ("IL1", 1000, "We need more technicians & engineers."),
        ("主持人", 5000, "請繼續。\n第二行"),
        (None, 8000, "No voice tag here."),
    ]
    assert [s.end_ms for s in parsed.segments] == [4500, 7000, 9000]


def test_srt_speaker_prefix_and_multiline(tmp_path: Path) -> None:
    path = tmp_path / "s.srt"
    path.write_text(
        "1\n00:00:01,000 --> 00:00:02,500\nIL1: 第一句\n第二句\n\n"
        "2\n00:00:03,000 --> 00:00:04,000\n<i>no speaker</i>\n",
        encoding="utf-8",
    )
    parsed = parse_file(path)
    assert parsed.format == "srt"
    assert turns(parsed) == [("IL1", 1000, "第一句\n第二句"), (None, 3000, "no speaker")]


# ----------------------------------------------------------------------------- docx
def make_docx(path: Path, paragraphs: list[str]) -> Path:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


def test_docx_paragraphs_are_turns(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "fg.docx", ZH_TXT.rstrip("\n").split("\n"))
    parsed = parse_file(path)
    assert parsed.format == "docx"
    assert parsed.metadata == {"title": "焦點小組", "date": "2025-12-08"}
    assert turns(parsed) == turns(parse_txt(ZH_TXT))


def test_docx_line_break_inside_a_speaker_paragraph(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("[00:00:01] IL1: 我哋需要技術員。")
    para = document.add_paragraph("[00:00:05] TP1: line one")
    para.add_run().add_break()
    para.add_run("line two")
    document.add_paragraph("AC1：Research infrastructure matters.")
    path = tmp_path / "breaks.docx"
    document.save(str(path))
    assert turns(parse_file(path)) == [
        ("IL1", 1000, "我哋需要技術員。"),
        ("TP1", 5000, "line one\nline two"),
        ("AC1", None, "Research infrastructure matters."),
    ]


def test_bad_docx_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.docx"
    empty.write_bytes(b"")
    assert "empty" in parse_error(empty).message
    fake = tmp_path / "fake.docx"
    fake.write_text("IL1: I am plain text", encoding="utf-8")
    assert "not a valid DOCX" in parse_error(fake).message
    blank = make_docx(tmp_path / "blank.docx", ["", "   "])
    assert "no text" in parse_error(blank).message
    bad_ts = make_docx(tmp_path / "ts.docx", ["IL1: ok", "[00:99:00] IL1: bad"])
    err = parse_error(bad_ts)
    assert "malformed timestamp" in err.message and err.line == 2 and err.path == str(bad_ts)


# ----------------------------------------------------------------------------- timecodes + writers
def test_timestamps() -> None:
    assert parse_timestamp("01:02:03") == 3_723_000
    assert parse_timestamp("02:03") == 123_000
    assert parse_timestamp("00:00:01.5") == 1_500
    assert parse_timestamp("00:00:01,250") == 1_250
    for bad in ("00:60:00", "1:2:3:4", "aa:bb", "", "00:00:61"):
        assert parse_timestamp(bad) is None
    assert format_vtt(3_723_004) == "01:02:03.004"
    assert format_srt(3_723_004) == "01:02:03,004"


TRICKY = parse_txt(
    "Title: Round trip\n\n"
    "[00:00:05] IL1: R&D <matters> & so does 5 < 6.\nsecond line\n"
    "[00:00:10] 主持人：好。\n"
    "TP1: untimed turn\n"
    "\n"
    "A paragraph without a speaker.\n"
    "[00:02:00] AC1: 最後一句。\n"
)


@pytest.mark.parametrize(
    ("fmt", "parser"), [("txt", parse_txt), ("vtt", parse_vtt), ("srt", parse_srt)]
)
def test_writers_read_back_the_same_text_and_speakers(fmt: str, parser) -> None:
    again = parser(write(TRICKY, fmt))
    assert again.full_text() == TRICKY.full_text()
    assert [s.speaker for s in again.segments] == [s.speaker for s in TRICKY.segments]
    timed = [
        (s.start_ms, t.start_ms)
        for s, t in zip(TRICKY.segments, again.segments, strict=True)
        if s.start_ms is not None
    ]
    assert all(a == b for a, b in timed)


def test_unknown_export_format() -> None:
    with pytest.raises(MpuQualError, match="unknown export format"):
        write(TRICKY, "pdf")


# Lines a reader could take for a speaker label, a timestamp or a cue header are a limit of the
# plain formats themselves, so the generated text leaves out ':', '[', '-' and digits-only lines.
_LINE = (
    st.text(
        alphabet=st.sampled_from(list("abcXYZ 技術員培訓你好。，！？.,!?&<>;'\"()/#")),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(lambda s: bool(s) and s not in ("WEBVTT", "NOTE"))
)
_SEGMENT = st.builds(
    lambda lines, speaker, start: ParsedSegment("\n".join(lines), speaker, start),
    st.lists(_LINE, min_size=1, max_size=3),
    st.sampled_from([None, "IL1", "主持人", "TP 2"]),
    st.one_of(st.none(), st.integers(0, 10_000)),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(_SEGMENT, min_size=1, max_size=6))
def test_writers_round_trip_property(segments: list[ParsedSegment]) -> None:
    last = 0
    for seg in segments:  # parsers refuse backwards timestamps, so generate them in order
        if seg.start_ms is not None:
            seg.start_ms = last = last + seg.start_ms
    parsed = ParsedTranscript(segments=segments)
    for fmt, parser in (("txt", parse_txt), ("vtt", parse_vtt), ("srt", parse_srt)):
        again = parser(write(parsed, fmt))
        assert again.full_text() == parsed.full_text(), fmt
        assert [s.speaker for s in again.segments] == [s.speaker for s in segments], fmt


def test_facilitator_first_turn_is_not_taken_for_a_header() -> None:
    parsed = parse_txt("Facilitator: Welcome everyone.\n\nIL1: Thanks.\n\nIL2: 多謝。\n")
    assert turns(parsed) == [
        ("Facilitator", None, "Welcome everyone."),
        ("IL1", None, "Thanks."),
        ("IL2", None, "多謝。"),
    ]
    assert parsed.metadata == {}


def test_webvtt_headers_unknown_to_plain_text_are_not_exported_as_turns() -> None:
    vtt = parse_vtt("WEBVTT\nKind: captions\nLanguage: en\n\n00:00:01.000 --> 00:00:02.000\nhi\n")
    again = parse_txt(write(vtt, "txt"))
    assert again.full_text() == vtt.full_text() == "hi"
    assert again.metadata == {"language": "en"}


def test_numbers_before_a_colon_are_not_speakers() -> None:
    parsed = parse_txt("IL1: We met\n10:30 was the time.\n\n00:01:23 TP1: unbracketed time\n")
    assert turns(parsed) == [
        ("IL1", None, "We met\n10:30 was the time."),
        (None, None, "00:01:23 TP1: unbracketed time"),
    ]
