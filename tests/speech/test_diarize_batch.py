"""Diarization parts that need no model: merging one person's split voices, the timeline a
transcript's words are labelled from, and applying a diarization to a stored transcript in
one pass (the same result as cutting it one segment at a time, in one undo step)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mpu_qual.speech.diarize import SpeakerTurn
from mpu_qual.speech.relabel import plan_voices
from mpu_qual.speech.turns import fill_gaps, split_by_turns
from mpu_qual.speech.voices import SAME_VOICE, merge_same_voices
from mpu_qual.store import Project
from mpu_qual.store.voices import _find_cut, _piece_meta, label_turn
from mpu_qual.transcript_files.parsed import ParsedSegment


def _voices(*cosines_to_first: float) -> np.ndarray:
    """Unit voices: the first along e0, each next one at the given cosine to it."""
    dim = len(cosines_to_first) + 2
    out = [np.eye(dim)[0]]
    for k, c in enumerate(cosines_to_first, 1):
        out.append(c * np.eye(dim)[0] + np.sqrt(1 - c * c) * np.eye(dim)[k])
    return np.array(out)


def test_one_person_split_in_two_is_merged_two_alike_people_are_not() -> None:
    assert 0.76 < SAME_VOICE < 0.84  # the gap measured in benchmarks/results/diarize.md
    centres = _voices(0.85, 0.75)  # voice 1 is voice 0 again; voice 2 only sounds alike
    x = np.repeat(centres, 5, axis=0)
    labels = np.repeat([0, 1, 2], 5)
    merged = merge_same_voices(x, labels, 1, 15)
    assert len(set(merged)) == 2
    assert len(set(merged[:10])) == 1 and merged[10] != merged[0]
    # a lower bound keeps the voices apart; an upper bound merges past the likeness
    assert len(set(merge_same_voices(x, labels, 3, 15))) == 3
    assert len(set(merge_same_voices(x, labels, 1, 1))) == 1


def test_down_to_a_given_count_stray_windows_join_before_two_people_do() -> None:
    # two people who talk a lot and sound somewhat alike (0.75), and two stray windows unlike
    # both: merging the most alike pair would join the two people; Ward's cost joins the strays
    centres = _voices(0.75, 0.3)
    x = np.concatenate([np.repeat(centres[:2], 20, axis=0), np.repeat(centres[2:], 2, axis=0)])
    labels = np.repeat([0, 1, 2], [20, 20, 2])
    merged = merge_same_voices(x, labels, 2, 2)
    assert len(set(merged)) == 2 and merged[0] != merged[20]


def test_a_word_in_a_gap_gets_the_voice_the_filled_timeline_gives() -> None:
    turns = [SpeakerTurn(1000, 3000, "S1"), SpeakerTurn(5000, 8000, "S2")]
    filled = fill_gaps(turns, end_ms=10_000)
    assert [(t.start_ms, t.end_ms, t.label) for t in filled] == [
        (0, 4000, "S1"),
        (4000, 10_000, "S2"),
    ]
    words = [(3100, 3600, "yes"), (4200, 4700, "well"), (8500, 9500, "maybe")]
    seg = ParsedSegment(text="yes well maybe", start_ms=3100, end_ms=9500, meta={})
    pieces = split_by_turns([seg], turns, [words])
    assert [(p.text, p.speaker) for p in pieces] == [("yes", "S1"), ("well maybe", "S2")]
    for (a, b, _w), label in zip(words, ["S1", "S2", "S2"], strict=True):
        mid = (a + b) // 2
        assert next(t.label for t in filled if t.start_ms <= mid < t.end_ms) == label


TURNS = [
    SpeakerTurn(0, 2500, "S1"),
    SpeakerTurn(2500, 7000, "S2"),
    SpeakerTurn(7000, 9000, "S1"),
    SpeakerTurn(9000, 20_000, "S3"),
]
VTT = """WEBVTT

00:00:00.000 --> 00:00:05.000
We hired two graduates last year. Both of them left within months.

00:00:05.000 --> 00:00:10.000
我們公司主要請兼職，全職的很難請到人。 The suppliers train them.

00:00:10.000 --> 00:00:14.000
Training is the supplier's job now.
"""


def _build(folder: Path) -> Project:
    path = folder / "group.vtt"
    path.write_text(VTT, encoding="utf-8")
    p = Project.init(folder / "proj")
    p.sources.import_file(path, "group")
    text = p.sources.get("group").text
    code = p.codebook.load().codes[0].id
    # across a cut, inside a cut piece, across two segments, inside an uncut segment
    for quote in ("graduates last year. Both", "兼職，全職", "them.\nTraining", "Training"):
        at = text.index(quote)
        p.codings.add("group", at, at + len(quote), code)
    return p


def _state(p: Project) -> tuple:
    segs = p.sources.segments("group")
    codings = [(c.start, c.end, c.quote) for c in p.codings.list(source="group")]
    return (
        p.sources.get("group").text,
        [(g.speaker, g.start, g.end, g.start_ms, g.end_ms, g.meta) for g in segs],
        sorted(codings),
    )


def test_applying_a_diarization_in_one_pass_equals_cutting_one_segment_at_a_time(
    tmp_path: Path,
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one, batch = _build(tmp_path / "a"), _build(tmp_path / "b")
    try:
        before = _state(batch)
        assert len(before[2]) == 4
        src = one.sources.get("group")
        plan, after = plan_voices(src.text, one.sources.segments(src), TURNS)
        assert sum(len(pieces) - 1 for _, pieces in plan) == 3  # three cuts, two segments
        # one cut at a time with the editor's own split, as applying was done before
        with one.action("Find speakers", kind="transcript") as conn:
            for seg_id, pieces in reversed(plan):
                ids = [seg_id]
                for k in range(len(pieces) - 1, 0, -1):
                    g = next(s for s in one.sources.segments(src) if s.id == seg_id)
                    at = _find_cut(one.sources.get(src.id).text[g.start : g.end], pieces, k)
                    rep = one.segment_edits.split(seg_id, g.start + at, at_ms=pieces[k].start_ms)
                    ids.insert(1, rep.segment_ids[-1])
                metas = {g.id: g.meta for g in one.sources.segments(src)}
                for sid, piece in zip(ids, pieces, strict=True):
                    meta = _piece_meta(metas[sid], piece, split=len(pieces) > 1)
                    label_turn(conn, sid, piece.voice, meta)
        actions = len(batch.history.recent(limit=-1))
        batch.voices.apply(batch.sources.get("group").id, plan, {"engine": "test"})
        assert len(batch.history.recent(limit=-1)) == actions + 1
        assert _state(batch) == _state(one)
        text, segs, codings = _state(batch)
        assert len(segs) == after == 6
        assert [g[0] for g in segs] == ["S1", "S2", "S2", "S1", "S3", "S3"]
        assert text.split() == before[0].split()  # cut at word boundaries, nothing lost
        # codings keep their words (a cut inside one turns its space into a line break)
        assert [q.split() for _, _, q in codings] == [q.split() for _, _, q in before[2]]
        assert "graduates last year.\nBoth" in [q for _, _, q in codings]
        assert batch.history.undo() is not None
        assert _state(batch) == before
    finally:
        one.close()
        batch.close()


def test_a_plan_that_does_not_match_the_text_changes_nothing(tmp_path: Path) -> None:
    p = _build(tmp_path)
    try:
        before = _state(p)
        src = p.sources.get("group")
        plan, _ = plan_voices(src.text, p.sources.segments(src), TURNS)
        seg_id, pieces = plan[0]
        pieces[1].text = "words that are not there"
        with pytest.raises(Exception, match="did not match"):
            p.voices.apply(src.id, plan, {"engine": "test"})
        assert _state(p) == before
    finally:
        p.close()
