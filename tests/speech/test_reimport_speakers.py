"""Re-importing a corrected VTT keeps codings; bulk speaker assignment; diarizer hook."""

from __future__ import annotations

from pathlib import Path

import pytest

from mpu_qual.errors import MpuQualError
from mpu_qual.speech.diarize import SpeakerTurn, apply_turns, load_diarizer
from mpu_qual.store import Project
from mpu_qual.store.reimport import LOST_MEMO_TITLE, find_quote
from mpu_qual.transcript_files.formats import parse_file
from mpu_qual.transcript_files.parsed import ParsedSegment, ParsedTranscript
from mpu_qual.transcript_files.timecode import parse_time
from mpu_qual.transcript_files.writers import to_vtt

LINES = [
    "Good morning everyone, thank you for joining.",
    "We cannot find enough technicians for the PLC lines.",
    "Young people do not see manufacturing as a career.",
    "Our quality team needs ISO 13845 training.",  # Whisper misheard the number
    "行業需要更多技術員同工程師。",
    "Thank you, that is all from me.",
]


def _transcript() -> ParsedTranscript:
    segs = [
        ParsedSegment(text=t, start_ms=i * 10_000, end_ms=i * 10_000 + 8000, meta={"flags": []})
        for i, t in enumerate(LINES)
    ]
    segs[3].meta = {"avg_logprob": -1.3, "flags": ["low_confidence"]}
    return ParsedTranscript(segments=segs, format="vtt")


def _code(project: Project) -> str:
    return next(c.id for c in project.codes.list() if c.depth > 0)


def _span(project: Project, phrase: str) -> tuple[int, int]:
    text = project.sources.get("fg").text
    at = text.index(phrase)
    return at, at + len(phrase)


@pytest.fixture
def coded(project: Project) -> Project:
    project.sources.add("fg", _transcript(), duration_ms=60_000)
    code = _code(project)
    for phrase in (
        "enough technicians",  # stays where it is (segment unchanged)
        "manufacturing as a career",  # its segment gets a word corrected before it
        "ISO 13845 training",  # corrected inside the quote
        "技術員同工程師",  # moves: a segment is inserted before it
        "that is all from me",  # its segment is deleted
    ):
        s, e = _span(project, phrase)
        project.codings.add("fg", s, e, code, memo=f"memo for {phrase}")
    return project


def _corrected(project: Project, tmp_path: Path, speakers: bool = False) -> Path:
    parsed = project.sources.to_parsed("fg")
    segs = parsed.segments
    segs[2].text = "Young people don't see manufacturing as a career."
    segs[3].text = "Our quality team needs ISO 13485 training."
    segs[3].speaker = "P2" if speakers else None
    segs.insert(4, ParsedSegment(text="(crosstalk)", start_ms=39_000, end_ms=39_500))
    del segs[-1]
    out = tmp_path / "fg-corrected.vtt"
    out.write_text(to_vtt(parsed), encoding="utf-8")
    return out


def test_reimport_keeps_moves_and_reports(coded: Project, tmp_path: Path) -> None:
    path = _corrected(coded, tmp_path)
    rep = coded.sources.reimport("fg", path)
    hows = {m.old_quote: m.how for m in rep.moves}
    assert hows == {
        "enough technicians": "kept",
        "manufacturing as a career": "moved",
        "ISO 13845 training": "fuzzy",
        "技術員同工程師": "moved",
    }
    assert [lost.quote for lost in rep.lost] == ["that is all from me"]
    assert (rep.segments_before, rep.segments_after) == (6, 6)
    src = coded.sources.get("fg")
    assert "ISO 13485" in src.text and "that is all" not in src.text
    for c in coded.codings.list(source="fg"):
        assert src.text[c.start : c.end] == c.quote  # the database trigger agrees too
    fuzzy = next(m for m in rep.moves if m.how == "fuzzy")
    assert fuzzy.new_quote == "ISO 13485 training"
    memo = coded.conn.execute(
        "SELECT title, text FROM memos WHERE id = ?", [rep.lost[0].memo_id]
    ).fetchone()
    assert memo[0] == LOST_MEMO_TITLE
    assert "that is all from me" in memo[1] and "memo for that is all from me" in memo[1]
    # Unchanged segments keep Whisper's scores and flags; corrected ones are marked.
    segs = coded.sources.segments("fg")
    assert segs[3].meta.get("corrected") is True and "flags" not in segs[3].meta
    assert segs[0].meta == {"flags": []}


def _more(parsed: ParsedTranscript) -> None:
    for i in range(3):
        parsed.segments.append(
            ParsedSegment(text=f"An added line number {i} " * 5, start_ms=70_000 + i, end_ms=71_000)
        )


def _fewer(parsed: ParsedTranscript) -> None:
    del parsed.segments[3:]


@pytest.mark.parametrize("change", [None, _more, _fewer], ids=["same", "more", "fewer"])
def test_reimport_undo_and_redo(coded: Project, tmp_path: Path, change) -> None:
    def state() -> tuple[object, ...]:
        src = coded.sources.get("fg")
        segs = [
            (g.idx, g.start, g.end, g.start_ms, g.speaker) for g in coded.sources.segments("fg")
        ]
        cods = [(c.id, c.start, c.end, c.quote) for c in coded.codings.list(source="fg")]
        hits = len(coded.search("technicians"))
        return src.text, segs, cods, hits

    before = state()
    path = _corrected(coded, tmp_path)
    if change is not None:
        parsed = parse_file(path)
        change(parsed)
        path.write_text(to_vtt(parsed), encoding="utf-8")
    coded.sources.reimport("fg", path)
    after = state()
    assert after != before
    assert coded.history.undo() is not None  # the whole re-import is one action
    assert state() == before
    assert coded.history.redo() is not None
    assert state() == after


def test_reimport_keeps_speakers_assigned_after_the_vtt(coded: Project, tmp_path: Path) -> None:
    ids = [g.id for g in coded.sources.segments("fg")]
    coded.sources.set_speaker(ids[:2], "Moderator")
    path = _corrected(coded, tmp_path, speakers=True)
    # the file on disk no longer says who spoke segment 0-1: drop the voice tags
    path.write_text(path.read_text(encoding="utf-8").replace("<v Moderator>", ""), "utf-8")
    coded.sources.reimport("fg", path)
    speakers = [g.speaker for g in coded.sources.segments("fg")]
    assert speakers[:2] == ["Moderator", "Moderator"]
    assert speakers[3] == "P2"  # a label written in the file wins


def test_bad_corrected_file_changes_nothing(coded: Project, tmp_path: Path, snapshot) -> None:
    bad = tmp_path / "bad.vtt"
    bad.write_text("WEBVTT\n\n00:00:01.000 --> nonsense\nHello\n", encoding="utf-8")
    before = snapshot(coded.folder)
    with pytest.raises(MpuQualError) as info:
        coded.sources.reimport("fg", bad)
    assert info.value.line == 3
    assert snapshot(coded.folder) == before


def test_find_quote_prefers_the_nearest_occurrence() -> None:
    text = "PLC skills. " * 3
    assert find_quote(text, "PLC skills", 12) == (12, 22, "exact")
    assert find_quote(text, "PLC skills", 20) == (24, 34, "moved")
    assert find_quote(text, "completely different words", 0) is None


def test_speakers_by_time_range_and_pattern(coded: Project) -> None:
    res = coded.speakers.assign("fg", "P1", start_ms=parse_time("0:10"), end_ms=parse_time("30"))
    assert res.count == 2
    speakers = [g.speaker for g in coded.sources.segments("fg")]
    assert speakers[1:3] == ["P1", "P1"] and speakers[0] is None
    res = coded.speakers.assign("fg", "P3", pattern=r"thank YOU")
    assert res.count == 2  # case-insensitive by default
    assert coded.speakers.assign("fg", "P3", pattern=r"^thank", dry_run=True).count == 1
    dry = coded.speakers.assign("fg", "P4", speaker="P1", dry_run=True)
    assert dry.count == 2 and [g.speaker for g in coded.sources.segments("fg")][1] == "P1"
    assert [p.label for p in coded.participants.list()] == ["P1", "P3"]
    assert coded.history.undo() is not None  # one action per assignment
    assert [g.speaker for g in coded.sources.segments("fg")][0] is None
    assert coded.speakers.select("fg", unlabelled=True) == [
        g.id for g in coded.sources.segments("fg") if g.speaker is None
    ]


def test_speaker_selection_errors(coded: Project) -> None:
    with pytest.raises(MpuQualError, match="bad regular expression") as info:
        coded.speakers.select("fg", pattern="(unclosed")
    assert info.value.field == "match"
    with pytest.raises(MpuQualError, match="say which segments"):
        coded.speakers.select("fg")
    with pytest.raises(MpuQualError, match="ends before it starts"):
        coded.speakers.select("fg", start_ms=5000, end_ms=1000)
    with pytest.raises(MpuQualError, match="is not a time"):
        parse_time("half past")
    assert parse_time("1:02:03.5") == 3_723_500
    assert parse_time("12.5") == 12_500


def test_apply_turns_labels_by_largest_overlap() -> None:
    segs = [
        ParsedSegment(text="a", start_ms=0, end_ms=4000),
        ParsedSegment(text="b", start_ms=4000, end_ms=9000),
        ParsedSegment(text="c"),  # untimed: left alone
    ]
    turns = [SpeakerTurn(0, 5000, "SPEAKER_1"), SpeakerTurn(5000, 9000, "SPEAKER_2")]
    assert apply_turns(segs, turns) == 2
    assert [s.speaker for s in segs] == ["SPEAKER_1", "SPEAKER_2", None]


def test_missing_diarizer_plugin() -> None:
    with pytest.raises(MpuQualError, match="no diarizer plugin named 'pyannote'") as info:
        load_diarizer("pyannote")
    assert "mpu_qual.diarizers" in (info.value.hint or "")
