"""Correcting segments in place: text, split, merge, delete, times; codings follow; undo.

After every operation (and after its undo and redo) the store's invariants hold: the text's
length is stored, segments tile the text in order, every coding quotes its span exactly, and
full-text search finds the new words and not the old ones.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mpu_qual.errors import MpuQualError
from mpu_qual.store import Project
from mpu_qual.store.segment_edits import INAUDIBLE, LOST_MEMO_TITLE
from mpu_qual.transcript_files.parsed import ParsedSegment, ParsedTranscript

TURNS = [
    ("Moderator", 0, 4000, "Welcome everyone, let us start with the shortage of technicians."),
    ("IL1", 4000, 9000, "We cannot find enough PLC technicians for the night shift."),
    ("TP1", 9000, 14000, "我哋公司好難請到識自動化嘅技術員。"),
    ("IL1", 14000, 20000, "Training takes two years and then they leave."),
]


def _check(project: Project, name: str = "fg") -> None:
    src = project.sources.get(name)
    assert src.length == len(src.text)
    segs = project.sources.segments(src)
    assert [g.idx for g in segs] == list(range(len(segs)))
    prev = -1
    for g in segs:
        assert prev < g.start <= g.end <= src.length
        assert "\n" not in src.text[g.start : g.end]
        prev = g.end
    for c in project.codings.list(source=src.id):
        assert src.text[c.start : c.end] == c.quote
    bad = project.conn.execute(
        "SELECT count(*) FROM segments g JOIN sources s ON s.id = g.source_id "
        "JOIN segments_fts f ON f.rowid = g.id "
        "WHERE f.text IS NOT substr(s.text, g.start + 1, g.end - g.start)"
    ).fetchone()[0]
    assert bad == 0
    n_fts = project.conn.execute("SELECT count(*) FROM segments_fts").fetchone()[0]
    assert n_fts == project.conn.execute("SELECT count(*) FROM segments").fetchone()[0]


@pytest.fixture
def fg(tmp_path: Path) -> Project:
    p = Project.init(tmp_path / "proj")
    parsed = ParsedTranscript(
        [
            ParsedSegment(
                t, speaker=s, start_ms=a, end_ms=b, meta={"avg_logprob": -0.4, "flags": []}
            )
            for s, a, b, t in TURNS
        ],
        format="vtt",
    )
    p.sources.add("fg", parsed, media_path=None, duration_ms=20_000)
    yield p
    p.close()


def _seg(p: Project, k: int):  # type: ignore[no-untyped-def]
    return p.sources.segments("fg")[k]


def _code(p: Project, phrase: str, code: str = "factors") -> int:
    src = p.sources.get("fg")
    start = src.text.index(phrase)
    return p.codings.add("fg", start, start + len(phrase), code).id


def test_edit_keeps_codings_on_their_words_and_undo_restores_both(fg: Project) -> None:
    on_words = _code(fg, "PLC technicians")
    later = _code(fg, "Training takes two years", "factors.ecosystem")
    across = _code(fg, "night shift.\n我哋公司")
    before = fg.sources.get("fg").text
    ed = fg.segment_edits
    report = ed.edit(
        _seg(fg, 1).id, "Honestly, we cannot find enough PLC technicians for night shifts."
    )
    _check(fg)
    text = fg.sources.get("fg").text
    assert fg.codings.get(on_words).quote == "PLC technicians"  # same row, moved with its words
    assert fg.codings.get(on_words).code_id == "factors"
    assert fg.codings.get(later).quote == "Training takes two years"
    assert fg.codings.get(across).quote == "night shifts.\n我哋公司"  # its own words were edited
    assert report.moved == 3 and report.reanchored == [across] and not report.lost
    g = _seg(fg, 1)
    assert g.meta["corrected"] is True and g.meta["avg_logprob"] == -0.4
    assert g.meta["whisper_text"] == TURNS[1][3]
    assert [h.segment_id for h in fg.search("Honestly")] == [g.id]
    assert fg.search("for the night shift") == []
    assert fg.history.recent(1)[0]["description"] == "Edit segment 2 of fg"
    assert fg.history.undo() == "Edit segment 2 of fg"
    _check(fg)
    assert fg.sources.get("fg").text == before
    assert fg.codings.get(on_words).start == before.index("PLC technicians")
    assert fg.codings.get(across).quote == "night shift.\n我哋公司"
    assert "corrected" not in _seg(fg, 1).meta
    assert fg.search("Honestly") == []
    fg.history.redo()
    _check(fg)
    assert fg.sources.get("fg").text == text


def test_edit_speaker_too_creates_the_participant(fg: Project) -> None:
    fg.segment_edits.edit(_seg(fg, 2).id, "我哋公司好難請到識自動化嘅技術員。", speaker="TP2")
    g = _seg(fg, 2)
    assert g.speaker == "TP2" and fg.participants.get("TP2").id == g.participant_id
    assert "corrected" not in g.meta  # the text did not change
    fg.history.undo()
    assert _seg(fg, 2).speaker == "TP1"


def test_coding_whose_words_were_deleted_is_kept_in_a_memo(fg: Project) -> None:
    gone = _code(fg, "then they leave")
    report = fg.segment_edits.edit(_seg(fg, 3).id, "Training takes two years.")
    _check(fg)
    assert [x.coding_id for x in report.lost] == [gone]
    memo = fg.conn.execute("SELECT title, text FROM memos").fetchone()
    assert memo[0] == LOST_MEMO_TITLE and "then they leave" in memo[1]
    fg.history.undo()
    assert fg.codings.get(gone).quote == "then they leave"
    assert fg.conn.execute("SELECT count(*) FROM memos").fetchone()[0] == 0


def test_split_merge_delete_and_times(fg: Project) -> None:
    c = _code(fg, "the shortage of technicians")
    ed = fg.segment_edits
    g0 = _seg(fg, 0)
    text = fg.sources.get("fg").text
    at = text.index("let us")
    ed.split(g0.id, at, at_ms=1500)
    _check(fg)
    segs = fg.sources.segments("fg")
    assert len(segs) == 5
    assert fg.sources.get("fg").text.split("\n")[:2] == [
        "Welcome everyone,",
        "let us start with the shortage of technicians.",
    ]
    assert (segs[0].start_ms, segs[0].end_ms, segs[1].start_ms, segs[1].end_ms) == (
        0,
        1500,
        1500,
        4000,
    )
    assert (
        segs[1].speaker == "Moderator" and fg.codings.get(c).quote == "the shortage of technicians"
    )
    ed.merge_with_next(segs[0].id)
    _check(fg)
    assert (
        fg.sources.get("fg").text.split("\n")[0]
        == "Welcome everyone, let us start with the shortage of technicians."
    )
    assert len(fg.sources.segments("fg")) == 4
    # Chinese joins without a space
    ed.merge_with_next(_seg(fg, 1).id)
    _check(fg)
    assert fg.sources.get("fg").text.split("\n")[1] == TURNS[1][3] + " " + TURNS[2][3]
    fg.history.undo()
    ed.delete(_seg(fg, 2).id)
    _check(fg)
    assert len(fg.sources.segments("fg")) == 3 and "我哋" not in fg.sources.get("fg").text
    ed.delete(_seg(fg, 2).id)  # the last one: the separator before it goes
    _check(fg)
    assert not fg.sources.get("fg").text.endswith("\n")
    ed.nudge(_seg(fg, 1).id, "end", +100)
    assert _seg(fg, 1).end_ms == 9100
    ed.nudge(_seg(fg, 1).id, "start", -100)
    assert _seg(fg, 1).start_ms == 3900
    for _ in range(
        sum(1 for h in fg.history.recent(100) if not h["undone"]) - 1
    ):  # all but the import
        fg.history.undo()
        _check(fg)
    assert fg.sources.get("fg").text == "\n".join(t for *_x, t in TURNS)


def test_review_marks(fg: Project) -> None:
    ed = fg.segment_edits
    g = _seg(fg, 3)
    ed.mark(g.id, "reviewed")
    assert _seg(fg, 3).meta["reviewed"] is True
    ed.mark(g.id, "inaudible")
    g = _seg(fg, 3)
    assert fg.sources.get("fg").text[g.start : g.end] == INAUDIBLE
    assert g.meta["inaudible"] is True and g.meta["whisper_text"] == TURNS[3][3]
    _check(fg)
    assert fg.history.recent(1)[0]["description"] == "Mark segment 4 of fg inaudible"
    fg.history.undo()
    assert fg.sources.get("fg").text.endswith(TURNS[3][3])


def test_bad_edits_change_nothing(fg: Project) -> None:
    ed = fg.segment_edits
    before = fg.sources.get("fg").text
    g = _seg(fg, 1)
    for bad in ("", "   ", "two\nlines"):
        with pytest.raises(MpuQualError):
            ed.edit(g.id, bad)
    with pytest.raises(MpuQualError):
        ed.split(g.id, g.start)  # nothing on the left
    with pytest.raises(MpuQualError):
        ed.merge_with_next(_seg(fg, 3).id)
    with pytest.raises(MpuQualError):
        ed.set_times(g.id, start_ms=8990)
    with pytest.raises(MpuQualError):
        ed.edit(999_999, "x")
    assert fg.sources.get("fg").text == before and fg.history.recent(1)[0][
        "description"
    ].startswith("Import")
    assert json.loads(json.dumps(_seg(fg, 1).meta)) == {"avg_logprob": -0.4, "flags": []}
