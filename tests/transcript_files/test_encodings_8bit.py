"""8-bit code pages beyond Windows' (issue #17) and files that are not one encoding
(issue #19 item 9): a reading must be text a person could read in its language, a file made
of parts in different encodings is refused by line, broken UTF-8 is called broken UTF-8.

Files: tests/data/transcripts (origin in tests/data/SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mpu_qual.errors import EncodingUnclear, MpuQualError
from mpu_qual.store import Project
from mpu_qual.transcript_files.encoding import decode_bytes
from mpu_qual.transcript_files.formats import parse_file
from mpu_qual.transcript_files.languages import script_plausibility

DATA = Path(__file__).resolve().parent.parent / "data" / "transcripts"


def test_koi8r_subtitles_are_russian_not_windows_1251_mojibake() -> None:
    parsed = parse_file(DATA / "russian-koi8r.srt")
    assert parsed.encoding == "koi8-r" and len(parsed.segments) == 10
    assert parsed.segments[0].text == "Ни фига себе."
    assert parsed.segments[2].text == "Я не знаю, что сказать.\nЭто была не моя идея."
    assert parsed.segments[-1].text == "Хорошо. До завтра!"


def test_iso_8859_8_subtitles_are_hebrew_not_cyrillic() -> None:
    parsed = parse_file(DATA / "hebrew-iso8859-8.srt")
    assert parsed.encoding == "iso8859-8" and len(parsed.segments) == 10
    assert parsed.segments[0].text == "שלום, מה שלומך?"
    assert parsed.segments[4].text == "הייתי אצל חבר.\nהוא צריך עזרה עם העבודה."


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("koi8-u", "Привіт, як справи? Я не знаю, що це таке.\nДякую, все добре. Ми будемо там.\n"),
        ("iso8859-5", "Что ты здесь делаешь? Я не знаю, что сказать.\nДавай, пошли отсюда.\n"),
        ("cp1251", "Что ты здесь делаешь? Я не знаю, что сказать.\nДавай, пошли отсюда.\n"),
        ("iso8859-7", "Καλημέρα, τι κάνεις; Δεν ξέρω τι να πω.\nΕίναι πολύ καλά εδώ.\n"),
        ("iso8859-2", "Dzień dobry, jak się masz? Wszystko w porządku.\nŻółć gęślą jaźń.\n"),
        ("mac-roman", "Règle numéro un: on ne parle pas du club. Très bien!\nC'est déjà l'été.\n"),
    ],
)
def test_each_code_page_reads_back_its_own_text(encoding: str, text: str) -> None:
    found = decode_bytes(text.encode(encoding))
    assert found.text == text
    assert found.encoding == encoding or text.encode(encoding).decode(found.encoding) == text


def test_the_plausibility_check_rejects_cyrillic_nobody_could_read() -> None:
    right = "Ни фига себе. Что ты здесь делаешь? Я не знаю, что сказать."
    koi8_as_1251 = right.encode("koi8-r").decode("cp1251")  # оЙ ЖЙЗБ УЕВЕ. ...
    hebrew_as_1251 = "אני לא יודע מה לעשות עכשיו. זה בסדר, יש לנו זמן".encode("iso8859-8").decode(
        "cp1251"
    )
    assert script_plausibility(right, "cp1251") > 0.9
    assert script_plausibility(koi8_as_1251, "cp1251") < 0.3
    assert script_plausibility(hebrew_as_1251, "cp1251") < 0.3


def test_encoding_option_still_overrides(tmp_path: Path) -> None:
    raw = (DATA / "russian-koi8r.srt").read_bytes()
    assert decode_bytes(raw, encoding="koi8-r").text.startswith("1\n00:00:01,200")
    assert "оЙ ЖЙЗБ" in decode_bytes(raw, encoding="cp1251").text  # what the user asked for


# ----------------------------------------------------------------------------- issue 19
def test_big5_hkscs_and_gbk_parts_in_one_file_are_refused_by_line(
    cli, demo_dir: Path, tmp_path: Path
) -> None:
    mixed = tmp_path / "mixed.srt"
    hk = (DATA / "hongkong-big5hkscs.srt").read_bytes()  # 16 lines
    mixed.write_bytes(hk + b"\n" + (DATA / "aspasia-gbk.srt").read_bytes())
    res = cli("-p", str(demo_dir), "transcripts", "add", str(mixed))
    assert res.exit_code == 1
    err = " ".join(res.stderr.split())
    assert "parts of this file are in different encodings" in err
    assert "most of it reads as Big5-HKSCS" in err
    assert "lines 19-23 read right only as GB2312" in err
    assert "mixed.srt:19" in err
    with Project.open(demo_dir) as p:
        assert "mixed" not in {s.name for s in p.sources.list()}


def test_each_part_alone_still_imports() -> None:
    assert parse_file(DATA / "hongkong-big5hkscs.srt").encoding == "big5hkscs"
    assert parse_file(DATA / "aspasia-gbk.srt").encoding == "gb2312"


def test_ascii_ending_in_a_broken_utf8_sequence_is_broken_utf8_not_a_code_page() -> None:
    raw = b"1\n00:00:01,000 --> 00:00:02,000\nIL1: fine so far\n" + "你".encode()[:2]
    with pytest.raises(MpuQualError) as e:
        decode_bytes(raw, Path("cut.srt"))
    assert not isinstance(e.value, EncodingUnclear)
    assert e.value.message.startswith(f"the file is UTF-8 but broken at byte offset {len(raw) - 2}")
    assert "ends in the middle of a character" in e.value.message
    assert (e.value.path, e.value.line) == ("cut.srt", 4)


def test_utf8_with_a_bad_byte_in_the_middle_names_its_offset() -> None:
    good = "IL1: 你好，我哋開始啦。\nIL2: 好呀，多謝。\n".encode()
    raw = good + b"\xff" + "IL1: 再見。\n".encode()
    with pytest.raises(MpuQualError, match=rf"broken at byte offset {len(good)}: byte 0xff") as e:
        decode_bytes(raw, Path("bad.txt"))
    assert e.value.line == 3


def test_a_western_file_ending_in_an_accent_is_still_a_code_page() -> None:
    # one lead byte at the very end, nothing else non-ASCII: Windows-1252 "café", not UTF-8
    found = decode_bytes("Rendez-vous au café\nIL1: On se voit au café".encode("cp1252"))
    assert found.text.endswith("au café")
