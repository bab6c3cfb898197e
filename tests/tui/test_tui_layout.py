"""The transcript layout (wrapping, caret geometry) and word / sentence boundaries."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from mpu_qual.tui.layout import GAP, PAD, TEXT, SegmentInfo, TranscriptLayout, wrap_spans
from mpu_qual.tui.textnav import sentence_at, word_left, word_right


def test_wrap_breaks_after_spaces_and_hard_breaks_long_words():
    text = "aaa bbb ccc " + "x" * 25
    spans = wrap_spans(text, 0, len(text), 10)
    assert [text[a:b] for a, b in spans] == ["aaa bbb ", "ccc ", "x" * 10, "x" * 10, "x" * 5]


def test_wrap_counts_chinese_as_two_cells_and_ends_lines_at_newlines():
    text = "大家好。我哋公司做醫療器材 and diagnostic\nline two"
    spans = wrap_spans(text, 0, len(text), 12)
    lines = [text[a:b] for a, b in spans]
    assert all(cell_len(line.rstrip()) <= 12 for line in lines)
    assert "".join(lines) == text.replace("\n", "")
    assert lines[-1] == "line two"


@settings(max_examples=150, deadline=None)
@given(
    st.text(alphabet="ab 中文。\n", min_size=0, max_size=80),
    st.integers(min_value=1, max_value=20),
)
def test_wrap_covers_the_text_in_order(text, width):
    spans = wrap_spans(text, 0, len(text), width)
    # lines are in order, never overlap, and only newlines fall between them
    joined = "".join(text[a:b] for a, b in spans)
    assert joined == text.replace("\n", "")
    for (a, b), (c, _d) in zip(spans, spans[1:], strict=False):
        assert b <= c and text[b:c] in ("", "\n")
        assert cell_len(text[a:b].rstrip(" ")) <= max(width, 2)


def layout(texts: list[str], width: int = 20, group: str = "Academic") -> TranscriptLayout:
    text = "\n".join(texts)
    segs, pos = [], 0
    for i, t in enumerate(texts):
        segs.append(SegmentInfo(pos, pos + len(t), i * 1000, i, f"S{i}", group))
        pos += len(t) + 1
    return TranscriptLayout(text, segs, width)


def test_segments_get_padding_and_gaps_and_times():
    lay = layout(["one", "two words here and more words"], width=10)
    kinds = list(lay.line_kind)
    assert kinds[:3] == [TEXT, PAD, GAP]  # short segment padded to show its group row
    assert kinds[3:] == [TEXT] * (len(kinds) - 3)
    assert lay.segments[1].time == "00:00:01"
    assert layout(["x"], group="").line_kind.tolist() == [TEXT]


def test_caret_geometry_round_trips():
    texts = ["Good afternoon everyone, and thank you", "大家好。我哋公司做醫療器材"]
    lay = layout(texts, width=12)
    for offset in range(len(lay.text) + 1):
        off = lay.clamp(offset)
        y = lay.line_of(off)
        assert lay.offset_at(y, lay.column_of(off)) == off


def test_words_and_sentences():
    text = "Good afternoon, everyone. 大家好。Thanks!"
    assert word_right(text, 0, len(text)) == 4
    assert word_left(text, 14, 0) == 5
    i = text.index("大")
    assert word_right(text, i, len(text)) == i + 1  # one Chinese character at a time
    assert sentence_at(text, 3, 0, len(text)) == (0, len("Good afternoon, everyone."))
    a, b = sentence_at(text, i + 1, 0, len(text))
    assert text[a:b] == "大家好。"
    assert text[slice(*sentence_at(text, len(text) - 2, 0, len(text)))] == "Thanks!"


def test_gap_rows_belong_to_the_segment_above():
    lay = layout(["first", "second"], width=20)
    gap = list(lay.line_kind).index(GAP)
    assert lay.offset_at(gap, 5) == lay.segments[0].end
