"""Undo and redo re-index and re-check only what the action touched, and leave the search
index exactly as it was (store/journal.py).

The replay pauses the row triggers; afterwards it re-indexes the touched segments (all of a
source's segments only when that source's text changed) and checks the touched codings.
These tests compare the whole search index, and the results of real searches, before and
after each action and its undo and redo.
"""

from __future__ import annotations

import sqlite3

import pytest

from mpu_qual.store import Project


def _index(p: Project) -> list[tuple[int, str]]:
    return p.conn.execute("SELECT rowid, text FROM segments_fts ORDER BY rowid").fetchall()


def _expected_index(p: Project) -> list[tuple[int, str]]:
    """What the index must hold: one row per segment, its text cut from its source."""
    return p.conn.execute(
        "SELECT g.id, substr(s.text, g.start + 1, g.end - g.start) FROM segments g "
        "JOIN sources s ON s.id = g.source_id ORDER BY g.id"
    ).fetchall()


def _searches(p: Project) -> dict[str, list[tuple[int, int, int]]]:
    words = ["technicians", "training", "技術", "人才", "the"]
    return {w: [(h.segment_id, h.start, h.end) for h in p.search(w, limit=500)] for w in words}


def _statements(p: Project) -> list[str]:
    seen: list[str] = []
    p.conn.set_trace_callback(seen.append)
    return seen


def test_undo_of_a_coding_leaves_the_search_index_and_results_as_they_were(
    demo_project: Project,
) -> None:
    p = demo_project
    src = p.sources.list()[0]
    seg = p.sources.segments(src)[3]
    index, found = _index(p), _searches(p)
    assert sum(len(v) for v in found.values()) > 0  # the searches find something
    c = p.codings.add(src, seg.start, seg.end, p.codes.list()[0].id)
    seen = _statements(p)
    p.history.undo()
    p.conn.set_trace_callback(None)
    assert _index(p) == index == _expected_index(p)
    assert _searches(p) == found
    assert c.id not in {x.id for x in p.codings.list(source=src.id)}
    # only the touched coding was read back: no statement walked the transcript's segments
    # or re-wrote the search index
    assert not [s for s in seen if "segments_fts" in s]
    assert not [s for s in seen if "FROM codings WHERE source_id" in s]
    p.history.redo()
    assert _index(p) == index
    assert c.id in {x.id for x in p.codings.list(source=src.id)}


def test_undo_and_redo_of_segment_edits_restore_the_index_exactly(demo_project: Project) -> None:
    p = demo_project
    src = p.sources.list()[0]
    segs = p.sources.segments(src)
    before, found = _index(p), _searches(p)
    word = "zzqxword"
    p.segment_edits.edit(segs[2].id, src.text[segs[2].start : segs[2].end] + " " + word)
    after_edit = _index(p)
    assert after_edit == _expected_index(p) != before
    assert [h.segment_id for h in p.search(word)] == [segs[2].id]
    five = p.sources.segments(src)[5]
    p.segment_edits.split(five.id, five.start + (five.end - five.start) // 2)
    after_split = _index(p)
    assert after_split == _expected_index(p)
    p.segment_edits.merge_with_next(segs[8].id)
    assert _index(p) == _expected_index(p)
    p.segment_edits.delete(segs[1].id)
    assert _index(p) == _expected_index(p)
    for _ in range(4):
        p.history.undo()
        assert _index(p) == _expected_index(p)
    assert _index(p) == before
    assert _searches(p) == found
    assert p.search(word) == []
    for _ in range(4):
        p.history.redo()
        assert _index(p) == _expected_index(p)
    assert [h.segment_id for h in p.search(word)] == [segs[2].id]
    for _ in range(4):
        p.history.undo()
    assert _index(p) == before


def test_a_replay_that_would_break_a_touched_coding_rolls_back(demo_project: Project) -> None:
    p = demo_project
    src = p.sources.list()[0]
    seg = p.sources.segments(src)[0]
    c = p.codings.add(src, seg.start, seg.end, p.codes.list()[0].id)
    p.history.undo()
    # corrupt the journal's image of the coding: its redo would quote the wrong text
    p.conn.execute(
        "UPDATE changes SET new = json_set(new, '$.quote', 'not the text') "
        "WHERE tbl = 'codings' AND json_extract(new, '$.id') = ?",
        [c.id],
    )
    index = _index(p)
    with pytest.raises(sqlite3.IntegrityError, match="do not match their text"):
        p.history.redo()
    assert c.id not in {x.id for x in p.codings.list(source=src.id)}
    assert _index(p) == index
