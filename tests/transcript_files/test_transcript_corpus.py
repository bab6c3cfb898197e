"""Real (and faithfully copied) transcript exports: right speakers, text and encodings.

Files and their origin: tests/data/SOURCES.md. Each test asserts turn counts, speakers with
their turn counts and the exact text of chosen turns.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from mpu_qual.errors import EncodingUnclear, MpuQualError
from mpu_qual.store import Project
from mpu_qual.transcript_files.encoding import decode_text
from mpu_qual.transcript_files.formats import parse_file

DATA = Path(__file__).resolve().parent.parent / "data" / "transcripts"
DEMO = Path(__file__).resolve().parents[2] / "transcripts" / "focus-group-2025-12-08.txt"


def speakers(parsed) -> dict[str | None, int]:
    return dict(Counter(s.speaker for s in parsed.segments))


def test_zoom_cloud_recording_names_in_cues() -> None:
    parsed = parse_file(DATA / "zoom-zoomgroupstats-meeting003.vtt")
    assert parsed.layout == "zoom" and len(parsed.segments) == 35
    assert speakers(parsed) == {
        "Andrew Knight": 14,
        "Paul McCartney": 9,
        "John Lennon": 7,
        "George Harrison": 3,
        "Ringo Starr": 1,  # speaks once: the layout says every cue is "Name: text"
        None: 1,  # cue 34 has no name in the real file
    }
    seg = parsed.segments[15]
    assert (seg.speaker, seg.start_ms, seg.end_ms) == ("John Lennon", 56820, 64200)
    assert seg.text.startswith("So pop up screen that I saw")
    assert parsed.segments[33].text == "And that"


def test_zoom_chinese_names_and_company_in_brackets() -> None:
    parsed = parse_file(DATA / "zoom-chinese-names.vtt")
    assert speakers(parsed) == {
        "陳大文": 2,
        "Wong Siu Ming (Acme Precision)": 2,
        "李嘉欣 (職業訓練局)": 1,
    }
    assert parsed.segments[3].text == "我哋而家有學徒計劃，不過報名人數唔多。"


def test_teams_voices_each_voice_of_a_cue_is_its_own_turn() -> None:
    parsed = parse_file(DATA / "teams-meeting.vtt")
    assert parsed.layout == "teams" and len(parsed.segments) == 8
    assert speakers(parsed) == {"Chan Tai Man": 3, "Wong Siu Ming (Acme Precision)": 3, "李嘉欣": 2}
    both = [(s.speaker, s.text, s.start_ms) for s in parsed.segments[3:5]]
    assert both == [
        ("Chan Tai Man", "Is it the pay?", 19900),
        ("Wong Siu Ming (Acme Precision)", "Partly the pay.", 19900),
    ]
    assert parsed.segments[-1].text == "OK, let's come back to training."
    assert "<v" not in parsed.full_text() and "Chan Tai Man" not in parsed.full_text()


def test_teams_cues_cut_from_one_utterance_are_one_turn() -> None:
    """Teams numbers the cues of one utterance GUID/12-0, GUID/12-1: one turn, first start to
    last end; Chinese sentences join without a space, English ones with one."""
    parsed = parse_file(DATA / "teams-meeting.vtt")
    first, _, li = parsed.segments[:3]
    assert (first.speaker, first.start_ms, first.end_ms) == ("Chan Tai Man", 3120, 10020)
    assert first.text == (
        "Thanks for joining, everyone. Today we\n"
        "talk about technicians for the new line. Who wants to start?"
    )
    assert (li.speaker, li.start_ms, li.end_ms) == ("李嘉欣", 17100, 19850)
    assert li.text == "我哋都係，請人真係好難。師傅都就快退休。"


def test_youtube_automatic_captions_rolling_lines_once_each() -> None:
    parsed = parse_file(DATA / "youtube-auto.en.vtt")
    assert parsed.layout == "youtube"
    assert [s.text for s in parsed.segments] == [
        "welcome to the training board",
        "briefing on advanced manufacturing",
        "we will look at the skills gap",
        "and what employers told us",
    ]
    assert [s.start_ms for s in parsed.segments] == [160, 2320, 4799, 7240]


@pytest.mark.parametrize("name", ["otter-export.txt", "otter-export.docx"])
def test_otter_name_and_time_line_then_text(name: str) -> None:
    parsed = parse_file(DATA / name)
    assert parsed.layout == "otter"
    assert parsed.metadata["transcribed by"] == "https://otter.ai"
    labels = set(speakers(parsed)) - {None}
    assert not any(label[-1].isdigit() for label in labels)  # never "Wong Siu Ming  00"
    if name.endswith(".txt"):
        assert speakers(parsed) == {
            "Wong Siu Ming": 3,
            "Chan Tai Man": 3,
            "Unknown Speaker": 1,
            "Lee Ka Yan": 1,
        }
        seg = parsed.segments[6]
        assert (seg.speaker, seg.start_ms) == ("Chan Tai Man", 38000)
        assert seg.text.endswith("in his head.\nNobody wrote it down.")
    else:
        assert speakers(parsed) == {
            None: 1,
            "Interviewer": 2,
            "Wong Siu Ming": 2,
            "Chan Tai Man": 2,
        }
        preamble = parsed.segments[0].text
        assert preamble.splitlines()[1] == "12-May-2023 - 10:04AM • 4:51"  # a date, not a speaker
        assert parsed.segments[-1].text == "我哋嘅老師傅就快退休，冇人接手。"
        assert parsed.segments[3].text.startswith("Same here. Rule of thumb:")


def test_rev_and_descript_speaker_with_time_in_brackets() -> None:
    parsed = parse_file(DATA / "rev-transcript.txt")
    assert parsed.layout == "rev"
    assert speakers(parsed) == {"Speaker 1": 2, "Speaker 2": 2, "Speaker 3": 2}
    assert [s.start_ms for s in parsed.segments] == [0, 7000, 13000, 21000, 3725000, 3731000]
    assert parsed.segments[1].text == "Sure. I run operations at a metal parts plant in Tai Po."
    assert parsed.segments[4].text == "Land and power, first. The estates are full."


@pytest.mark.parametrize("name", ["noscribe-interview.txt", "noscribe-interview.html"])
def test_noscribe_txt_and_html(name: str) -> None:
    parsed = parse_file(DATA / name)
    assert parsed.layout == "noscribe"
    assert parsed.metadata["transcribed with"] == "noScribe vers. 0.7"
    assert parsed.metadata["title"] == "Interview with a plant manager, metal parts, Tai Po"
    assert parsed.metadata["audio file"] == "./interview-plant-manager-2025-11-20.mp3"
    assert parsed.metadata["settings"].startswith("Language: English (en) | Speaker detection")
    assert speakers(parsed) == {None: 1, "S01": 4, "S00": 4}
    assert parsed.segments[0].text == "(8 seconds pause)"
    seg = parsed.segments[3]
    assert (seg.speaker, seg.start_ms, seg.end_ms) == ("S01", 28000, 31000)
    assert seg.text == "And how many people work on the shop floor?"
    # Overlapping speech stays where noScribe wrote it, inside the turn it interrupts.
    assert parsed.segments[1].text.endswith(
        "makes? //S02: Sorry, is the recorder on? // Yes, it is running, go ahead."
    )
    assert parsed.segments[-1].text == "Of course."


def test_noscribe_html_reads_as_its_txt_export() -> None:
    def turns(name: str) -> list[tuple]:
        parsed = parse_file(DATA / name)
        return [(s.speaker, s.start_ms, s.text) for s in parsed.segments]

    assert turns("noscribe-interview.html") == turns("noscribe-interview.txt")


def test_noscribe_vtt_one_turn_per_cue_overlaps_named() -> None:
    parsed = parse_file(DATA / "noscribe-interview.vtt")
    txt = parse_file(DATA / "noscribe-interview.txt")
    assert parsed.layout == "noscribe"
    assert parsed.metadata == txt.metadata  # title, tool, audio file and settings, as in TXT
    assert len(parsed.segments) == 22
    assert speakers(parsed) == {None: 1, "S01": 10, "S00": 9, "S02": 2}
    overlaps = [(s.speaker, s.text, s.start_ms) for s in parsed.segments if s.meta.get("overlap")]
    assert overlaps == [
        ("S02", "Sorry, is the recorder on?", 22600),
        ("S02", "Only two?", 62380),
        ("S00", "It is the same everywhere.", 76240),
    ]
    after = parsed.segments[5]
    assert (after.speaker, after.text, after.start_ms, after.end_ms) == (
        "S01",
        "Yes, it is running, go ahead.",
        23900,
        26310,
    )
    # Every cue's words are the TXT export's words; no "//" marks and no "//S02" speaker.
    assert all(s.text in txt.full_text() for s in parsed.segments)
    assert "//" not in parsed.full_text()


def test_header_block_is_metadata_and_participants_roles_set_groups(demo_dir: Path) -> None:
    path = DATA / "focus-group-header-roles.txt"
    parsed = parse_file(path)
    assert parsed.metadata["focus group"] == "Advanced manufacturing, second round"
    assert speakers(parsed) == {"MOD": 2, "IL1": 2, "TP1": 1, "AC1": 1}
    # "Rule number one:" inside a turn is text, and so is a label that never recurs.
    assert parsed.segments[2].text.startswith("We see the same at our customers. Rule number one:")
    with Project.open(demo_dir) as project:
        project.sources.import_file(path)
        groups = {p.label: p.group_id for p in project.participants.list()}
    assert {k: groups[k] for k in ("MOD", "IL1", "TP1", "AC1")} == {
        "MOD": "moderator",
        "IL1": "industry_leader",
        "TP1": "technology_provider",
        "AC1": "academic",  # matched from the Chinese role 學術專家
    }
    assert not {"Focus group", "Date", "Venue", "Participants"} & set(groups)


def test_subtitle_lines_with_a_colon_are_not_speakers() -> None:
    parsed = parse_file(DATA / "french-subtitles-cp1252.srt")
    assert parsed.encoding == "cp1252"
    assert speakers(parsed) == {None: 3}
    assert (
        parsed.segments[0].text == "Règle numéro un: on ne touche pas à la machine sans formation."
    )


@pytest.mark.parametrize(
    ("name", "encoding", "turn", "text"),
    [
        ("aspasia-gbk.srt", "gb2312", 1, "还有更多的中文"),
        (
            "mainland-gb2312.srt",
            "gb2312",
            1,
            "我在东莞一家精密制造企业负责生产，现在最缺的是懂自动化的技术员。",
        ),
        ("mainland-gb18030.txt", "gb18030", 1, "我们做新能源汽车零部件，工厂在佛山。"),
        ("taiwan-big5.srt", "big5hkscs", 1, "很多工廠表示，最難找的是懂自動化設備的技術員。"),
        ("hongkong-big5hkscs.srt", "big5hkscs", 3, "老師傅識得好多嘢，但係冇寫低，佢一走就冇咗。"),
        ("word-utf16le-bom.txt", "utf-16", 1, "Thank you. 我負責培訓課程。"),
        ("utf16be-nobom.txt", "utf-16-be", 1, "Thank you. 我負責培訓課程。"),
        ("utf32le-bom.txt", "utf-32", 1, "Thank you. 我負責培訓課程。"),
        (
            "french-subtitles-cp1252.srt",
            "cp1252",
            1,
            "C’est la sécurité d’abord, et ça vaut pour tout le monde.",
        ),
    ],
)
def test_encodings_of_real_files(name: str, encoding: str, turn: int, text: str) -> None:
    parsed = parse_file(DATA / name)
    assert parsed.encoding == encoding
    assert parsed.segments[turn].text == text


def test_chinese_speakers_in_gb_and_big5_files() -> None:
    assert speakers(parse_file(DATA / "mainland-gb2312.srt")) == {"主持人": 2, "张伟": 2}
    assert speakers(parse_file(DATA / "mainland-gb18030.txt")) == {"主持人": 2, "王䶮": 2}
    assert speakers(parse_file(DATA / "hongkong-big5hkscs.srt")) == {"主持人": 2, "IL2": 2}


def test_unclear_encoding_is_refused_with_the_candidates_and_override_works(tmp_path: Path) -> None:
    # Windows-1250 and -1252 read this differently and both plausibly: the user must choose.
    raw = "Moderator: Sólo un momento\nIL1: Więc tak\n".encode("cp1250")
    path = tmp_path / "unclear.txt"
    path.write_bytes(raw)
    with pytest.raises(EncodingUnclear) as info:
        parse_file(path)
    found = {enc for enc, *_ in info.value.candidates}
    assert {"cp1250", "cp1252"} <= found
    samples = {enc: sample for enc, _label, _n, sample in info.value.candidates}
    assert samples["cp1250"] == "IL1: Więc tak"
    assert "--encoding cp1250" in info.value.message
    assert parse_file(path, encoding="cp1250").segments[1].text == "Więc tak"
    assert parse_file(path, encoding="windows-1250").encoding == "cp1250"
    with pytest.raises(MpuQualError, match="unknown encoding"):
        parse_file(path, encoding="klingon")


def test_gb_bytes_are_never_read_as_big5_and_latin1_never_as_big5() -> None:
    gb = (DATA / "mainland-gb2312.srt").read_bytes()
    assert decode_text(gb)[1] == "gb2312"
    assert decode_text("IL2: très bien, fenêtre, naïve\n".encode("latin-1"))[1] == "cp1252"


def test_speakers_none_keeps_labels_in_the_text() -> None:
    parsed = parse_file(DATA / "zoom-chinese-names.vtt", speakers="none")
    assert speakers(parsed) == {None: 5}
    assert parsed.segments[0].text == "陳大文: 多謝大家今日抽時間參加。"


def test_bundled_demo_imports_as_before() -> None:
    parsed = parse_file(DEMO)
    assert len(parsed.segments) == 90
    assert speakers(parsed) == {
        "Moderator": 17,
        "IL1": 15,
        "IL2": 13,
        "TP1": 12,
        "TP2": 10,
        "AC1": 13,
        "TE1": 10,
    }
    assert parsed.metadata["participants"] == "Moderator, IL1, IL2, TP1, TP2, AC1, TE1"
    assert parsed.roles == {}


# ----------------------------------------------------------------------------- CLI
def test_preview_shows_format_encoding_speakers_and_writes_nothing(
    cli, demo_dir: Path, snapshot
) -> None:
    before = snapshot(demo_dir)
    res = cli(
        "-p",
        str(demo_dir),
        "transcripts",
        "add",
        "--preview",
        str(DATA / "zoom-zoomgroupstats-meeting003.vtt"),
        str(DATA / "mainland-gb2312.srt"),
    )
    assert res.exit_code == 0, res.stderr
    out = res.stdout
    assert "Zoom cloud recording" in out and "GB2312 (Simplified Chinese)" in out
    assert "Andrew Knight" in out and "14" in out
    assert "John Lennon: Hi, how's it going good." in out or "Andrew Knight: Okay" in out
    assert snapshot(demo_dir) == before


def test_preview_of_an_unclear_file_lists_candidates(cli, demo_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "unclear.txt"
    path.write_bytes("Moderator: Sólo un momento\nIL1: Więc tak\n".encode("cp1250"))
    res = cli("-p", str(demo_dir), "transcripts", "add", "--preview", str(path))
    assert res.exit_code == 1
    assert "--encoding cp1250" in res.stderr and "--encoding cp1252" in res.stderr


def test_add_with_encoding_and_speakers_options(cli, demo_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "unclear.txt"
    path.write_bytes("Moderator: Sólo un momento\nIL1: Więc tak\n".encode("cp1250"))
    res = cli("-p", str(demo_dir), "transcripts", "add", str(path))
    assert res.exit_code == 1
    res = cli("-p", str(demo_dir), "transcripts", "add", "--encoding", "cp1250", str(path))
    assert res.exit_code == 0, res.stderr
    res = cli(
        "-p",
        str(demo_dir),
        "transcripts",
        "add",
        "--speakers",
        "none",
        str(DATA / "rev-transcript.txt"),
    )
    assert res.exit_code == 0, res.stderr
    with Project.open(demo_dir) as p:
        assert "Więc tak" in p.sources.get("unclear").text
        src = p.sources.get("rev-transcript")
        assert {s.speaker for s in p.sources.segments(src)} == {None}
        assert src.text.startswith("Speaker 1: Good afternoon")
