"""The transcript view's parts are plain objects (issue 18): the caret model, the coding index
and the line runs are checked here without Textual, on a small wrapped layout."""

from __future__ import annotations

from mpu_qual.tui.layout import SegmentInfo, TranscriptLayout
from mpu_qual.tui.widgets.transcript_caret import (
    CaretModel,
    caret_scroll,
    segment_scroll,
    speaker_turn,
)
from mpu_qual.tui.widgets.transcript_codings import CodingIndex, sort_codings
from mpu_qual.tui.widgets.transcript_drawing import line_runs
from mpu_qual.tui.workbench_view import ViewCoding

TURNS = [
    ("A", "We need more engineers. Training takes years."),
    ("B", "Funding is short."),
    ("A", "The robots arrived last spring."),
]


def layout(width: int = 20) -> TranscriptLayout:
    text = ""
    segments = []
    for idx, (speaker, words) in enumerate(TURNS):
        start = len(text)
        text += words
        segments.append(SegmentInfo(start, len(text), None, idx, speaker, ""))
        text += "\n"
    return TranscriptLayout(text, segments, width)


def coding(cid: int, start: int, end: int) -> ViewCoding:
    return ViewCoding(cid, f"code{cid}", start, end, "#ff0000", f"code {cid}")


def test_the_caret_moves_and_selects_over_the_layout() -> None:
    lay = layout()
    caret = CaretModel()
    caret.move(lay, lay.text, "word", 1, 10)
    assert caret.cursor == 2 and caret.selection is None
    caret.extend(lay, lay.text, "word", 1, 10)
    assert caret.selection == (2, 7)
    assert caret.swap_ends() and caret.cursor == 2 and caret.anchor == 7
    assert caret.clear_selection() and not caret.clear_selection()
    # s: the sentence at the caret, again: the next one
    assert caret.select_sentence(lay, lay.text)
    first = caret.selection
    assert first is not None and lay.text[first[0] : first[1]].startswith("We need")
    assert caret.select_sentence(lay, lay.text)
    second = caret.selection
    assert second is not None and second[0] == first[0] and second[1] > first[1]
    # t: the segment, again: up to the end of the next one
    caret.put(0)
    assert caret.select_segment(lay) and caret.selection == (0, lay.segments[0].end)
    assert caret.select_segment(lay) and caret.selection == (0, lay.segments[1].end)
    assert caret.segments(lay) == (0, 1)
    caret.move(lay, lay.text, "bottom", 0, 10)
    assert caret.cursor == lay.segments[-1].end and caret.selection is None
    assert speaker_turn(lay, 0, 1) == 2 and speaker_turn(lay, 0, -1) is None


def test_scrolling_shows_the_caret_and_whole_segments() -> None:
    lay = layout(width=8)  # narrow: each segment wraps over several lines
    last = lay.segments[-1]
    y = lay.line_of(last.end)
    assert caret_scroll(lay, 0, None, 0, 4, center=False) is None  # in view: stays
    assert caret_scroll(lay, last.end, None, 0, 4, center=False) == y - 3
    first = lay.line_of(last.start)
    target = segment_scroll(lay, 2, 0, 4)
    assert target is not None and target <= first
    assert segment_scroll(lay, 0, 0, len(lay)) is None


def test_the_coding_index_knows_lines_segments_and_changes() -> None:
    lay = layout()
    index = CodingIndex()
    assert index.replace(sort_codings([coding(1, 3, 10)]))  # a margin lane appears
    index.index(lay)
    before = index.drawn()
    assert index.covers(lay, 0) and not index.covers(lay, 1)
    assert [c.id for c in index.at(5)] == [1] and [c.id for c in index.at(10)] == [1]
    assert index.next_uncoded(lay, 0, 1) == 1
    assert not index.replace(sort_codings([coding(1, 3, 10), coding(2, 47, 55)]))
    index.index(lay)
    changed = CodingIndex.changed_lines(lay, before, index.drawn())
    k = lay.segment_at(47)
    assert set(range(lay.first_line[k], lay.first_line[k + 1])) <= changed
    assert lay.first_line[0] not in changed  # the first coding's lines look the same
    assert [c.id for c in index.meant((47, 55), 0)] == [2]
    assert index.in_margin(lay, lay.line_of(47)) is not None


def test_line_runs_group_consecutive_lines() -> None:
    assert line_runs([]) == []
    assert line_runs([3, 4, 5, 9, 11, 12]) == [(3, 3), (9, 1), (11, 2)]
