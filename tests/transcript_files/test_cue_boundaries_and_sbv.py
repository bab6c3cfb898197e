"""Cue files by their specifications (issue #17): a timing line starts a new cue with or without
a blank line before it (youtube-dl / yt-dlp VTT), YouTube's ``.sbv`` captions, and speakers who
speak once surviving an SRT export and a new import. Real files from tests/data/transcripts
(origin and licence in tests/data/SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mpu_qual.errors import MpuQualError
from mpu_qual.store import Project
from mpu_qual.transcript_files.formats import WRITE_NAMES, parse_file, write
from mpu_qual.transcript_files.parsed import ParsedSegment, ParsedTranscript
from mpu_qual.transcript_files.parsers import parse_sbv, parse_srt, parse_txt, parse_vtt

DATA = Path(__file__).resolve().parent.parent / "data" / "transcripts"
PARSERS = {"txt": parse_txt, "vtt": parse_vtt, "srt": parse_srt}


def turns(p: Project, name: str) -> list[tuple[str | None, str]]:
    src = p.sources.get(name)
    return [(s.speaker, src.text[s.start : s.end]) for s in p.sources.segments(src)]


def rows(parsed) -> list[tuple[str | None, int | None, str]]:
    return [(s.speaker, s.start_ms, s.text) for s in parsed.segments]


# ----------------------------------------------------------------------------- WebVTT / SRT
def test_youtube_dl_vtt_whose_text_runs_into_the_next_timing_line() -> None:
    parsed = parse_file(DATA / "youtube-dl-webvtt-py.vtt")
    assert rows(parsed) == [
        (None, 286070, "yeah"),
        (None, 286470, "what"),
        (None, 304080, "this will happen is I'm telling"),
    ]
    assert "-->" not in parsed.full_text()
    assert parsed.metadata == {"kind": "captions", "language": "en", "style": ""}


def test_srt_cue_without_a_blank_line_before_the_next_number_and_timing() -> None:
    srt = (
        "1\n00:00:01,000 --> 00:00:02,000\nFirst line\n"
        "2\n00:00:03,000 --> 00:00:04,000\nSecond\n"
        "00:00:05,000 --> 00:00:06,000\nThird, no number\n"
    )
    assert rows(parse_srt(srt)) == [
        (None, 1000, "First line"),
        (None, 3000, "Second"),
        (None, 5000, "Third, no number"),
    ]


def test_teams_vtt_with_two_speakers_who_each_speak_once() -> None:
    parsed = parse_file(DATA / "teams-webvtt-py.vtt")
    assert rows(parsed) == [
        ("Yuri Bakulin", 0, "There you go."),
        ("Adrian Petrescu", 210, "Why hello there, Yuri."),
    ]


@pytest.mark.parametrize("fmt", WRITE_NAMES)
def test_teams_speakers_survive_export_and_a_new_import(
    fmt: str, cli, demo_dir: Path, tmp_path: Path
) -> None:
    """The case of the issue, through the real CLI: add, export, add the export again."""
    res = cli("-p", str(demo_dir), "transcripts", "add", str(DATA / "teams-webvtt-py.vtt"))
    assert res.exit_code == 0, res.stderr
    out = tmp_path / f"again.{fmt}"
    res = cli(
        "-p",
        str(demo_dir),
        "transcripts",
        "export",
        "teams-webvtt-py",
        "--format",
        fmt,
        "-o",
        str(out),
    )
    assert res.exit_code == 0, res.stderr
    if fmt == "srt":  # written as SRT players show it: "Name: text"
        assert "Yuri Bakulin: There you go." in out.read_text(encoding="utf-8")
    res = cli("-p", str(demo_dir), "transcripts", "add", str(out))
    assert res.exit_code == 0, res.stderr
    with Project.open(demo_dir) as p:
        first, again = turns(p, "teams-webvtt-py"), turns(p, "again")
    assert (
        again
        == first
        == [
            ("Yuri Bakulin", "There you go."),
            ("Adrian Petrescu", "Why hello there, Yuri."),
        ]
    )


def test_srt_subtitles_whose_cues_start_with_phrases_keep_them_as_text() -> None:
    srt = (
        "1\n00:00:01,000 --> 00:00:02,000\nRègle numéro un: on ne parle pas.\n\n"
        "2\n00:00:03,000 --> 00:00:04,000\nDeuxième chose: on écoute.\n"
    )
    assert [s.speaker for s in parse_srt(srt).segments] == [None, None]


# ----------------------------------------------------------------------------- SBV
def test_youtube_sbv_captions() -> None:
    parsed = parse_file(DATA / "youtube-swiftsubtitles.sbv")
    assert parsed.format == "sbv" and len(parsed.segments) == 6
    assert rows(parsed)[2] == (
        None,
        8240,
        "Then, after the video had been processed and\nhad captions auto-generated for it by Youtube,",
    )
    assert parsed.segments[-1].text == "files." and parsed.segments[-1].end_ms == 25430


def test_sbv_with_a_cue_that_ends_before_it_starts_is_refused_by_line() -> None:
    with pytest.raises(MpuQualError, match="ends before it starts") as e:
        parse_file(DATA / "sample-webvtt-py.sbv")
    assert e.value.line == 14 and e.value.path.endswith("sample-webvtt-py.sbv")


def test_sbv_speaker_changes_as_youtube_marks_them() -> None:
    sbv = (
        "0:00:00.599,0:00:04.160\n>> ALICE: Hi, my name is Alice Miller\n\n"
        "0:00:04.160,0:00:06.770\n>> JOHN: and we're the owners of Miller Bakery.\n\n"
        "0:00:06.770,0:00:10.880\n>> ALICE: Today we'll be teaching you\n"
    )
    assert rows(parse_sbv(sbv)) == [
        ("ALICE", 599, "Hi, my name is Alice Miller"),
        ("JOHN", 4160, "and we're the owners of Miller Bakery."),
        ("ALICE", 6770, "Today we'll be teaching you"),
    ]


def test_sbv_added_through_the_cli(cli, demo_dir: Path) -> None:
    res = cli("-p", str(demo_dir), "transcripts", "add", str(DATA / "youtube-swiftsubtitles.sbv"))
    assert res.exit_code == 0, res.stderr
    with Project.open(demo_dir) as p:
        got = turns(p, "youtube-swiftsubtitles")
    assert len(got) == 6 and got[0] == (None, "This is a test of the SBV file converter.")


# ----------------------------------------------------------------------------- round trip
_WORD = st.text(alphabet=st.sampled_from(list("abcXYZ技術員你好")), min_size=1, max_size=8)
_LINE = st.lists(_WORD, min_size=1, max_size=5).map(" ".join).map(lambda s: s + ".")
_SPEAKER = st.sampled_from(
    [None, "Yuri Bakulin", "Adrian Petrescu", "陳大文", "IL1", "Dr. Chan", "Wong Siu Ming"]
)
_SEGMENT = st.builds(
    lambda lines, speaker, start: ParsedSegment("\n".join(lines), speaker, start),
    st.lists(_LINE, min_size=1, max_size=2),
    _SPEAKER,
    st.one_of(st.none(), st.integers(0, 10_000)),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_SEGMENT, min_size=1, max_size=6))
def test_every_format_we_write_keeps_speakers_and_text(segments: list[ParsedSegment]) -> None:
    """Speakers who speak once, with or without turns that have no speaker, any mix."""
    last = 0
    for seg in segments:
        if seg.start_ms is not None:
            seg.start_ms = last = last + seg.start_ms
    parsed = ParsedTranscript(segments=segments)
    for fmt in WRITE_NAMES:
        again = PARSERS[fmt](write(parsed, fmt))
        assert again.full_text() == parsed.full_text(), fmt
        assert [s.speaker for s in again.segments] == [s.speaker for s in segments], fmt


def test_preview_names_the_sbv_format(cli, demo_dir: Path) -> None:
    res = cli(
        "-p",
        str(demo_dir),
        "transcripts",
        "add",
        "--preview",
        str(DATA / "youtube-swiftsubtitles.sbv"),
    )
    assert res.exit_code == 0, res.stderr
    assert "YouTube SubViewer (SBV)" in res.stdout and "YouTube SubViewer captions" in res.stdout
    assert "This is a test of the SBV file converter." in res.stdout


def test_an_arrow_in_srt_text_stays_text() -> None:
    srt = "1\n00:00:01,000 --> 00:00:02,000\nThe route: Paris --> London\nthen home\n"
    assert rows(parse_srt(srt)) == [(None, 1000, "The route: Paris --> London\nthen home")]
