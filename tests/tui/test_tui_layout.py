"""The transcript layout (wrapping, caret geometry) and word / sentence boundaries."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from mpu_qual.tui.layout import (
    GAP,
    PAD,
    TEXT,
    SegmentInfo,
    TranscriptLayout,
    cells,
    clusters,
    drawn,
    wrap_spans,
)
from mpu_qual.tui.textnav import sentence_at, word_left, word_right


def test_wrap_breaks_after_spaces_and_hard_breaks_long_words():
    text = "aaa bbb ccc " + "x" * 25
    spans = wrap_spans(text, 0, len(text), 10)
    assert [text[a:b] for a, b in spans] == ["aaa bbb ", "ccc ", "x" * 10, "x" * 10, "x" * 5]


# The rules of Chinese line breaking (W3C clreq 3.1.7), written out here independently of
# mpu_qual.linebreak: what may not start a line, what may not end one, what is never split.
CLOSING = set("，。、？！：；）」』》〉】,.;:!?)")
OPENING = set("（「『《〈【(")
DOUBLED = ("……", "——")


def break_allowed(before: str, after: str) -> bool:
    return after not in CLOSING and before not in OPENING and before + after not in DOUBLED


def test_closing_punctuation_never_starts_a_line():
    text = "我哋公司做醫療器材，請咗好多人。"
    for width in range(4, 34):
        lines = [text[a:b] for a, b in wrap_spans(text, 0, len(text), width)]
        assert "".join(lines) == text
        assert not any(line[0] in CLOSING for line in lines[1:]), (width, lines)
    # at 18 cells the first line holds nine characters and the comma was next: 材 moves down
    assert [text[a:b] for a, b in wrap_spans(text, 0, len(text), 18)][:2] == [
        "我哋公司做醫療器",
        "材，請咗好多人。",
    ]


def test_opening_brackets_pairs_and_english_words():
    text = "佢話「人手短缺」好嚴重……我哋要請 PLC programmer 同 diagnostic 人才——即刻。"
    for width in range(6, 60):
        lines = [text[a:b] for a, b in wrap_spans(text, 0, len(text), width)]
        assert "".join(lines) == text
        for prev, line in zip(lines, lines[1:], strict=False):
            assert break_allowed(prev.rstrip(" ")[-1], line[0]), (width, prev, line)
        if width >= 12:  # an English word is cut only when it is longer than the line
            for word in ("PLC", "programmer", "diagnostic"):
                assert any(word in line for line in lines), (width, word, lines)


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


# ----------------------------------------------------------------------------- every character
# Pieces of the text that Hong Kong transcripts hold: Cantonese, full-width punctuation and
# spaces, English words, emoji (skin tones, ZWJ families, variation selectors), combining
# accents, tabs and the carriage returns of CRLF files.
PIECES = [
    "我",
    "哋",
    "公司",
    "大概一百二十個員工",
    "，",
    "。",
    "！",
    "「",
    "」",
    "（",
    "）",
    "、",
    "？",
    "《",
    "》",
    "……",
    "——",
    "　",
    "PLC ",
    "diagnostic devices",
    "a",
    " ",
    "  ",
    "Règle",
    "e\u0301",
    "n\u0303\u0301",
    "😀",
    "👍🏽",
    "👨\u200d👩\u200d👧",
    "❤\ufe0f",
    "☺\ufe0f",
    "1\ufe0f\u20e3",
    "\t",
    "\r",
    "x" * 30,
    "中" * 40,
]
transcript_text = st.lists(st.sampled_from(PIECES), min_size=0, max_size=40).map("".join)


def drawn_lines(lay: TranscriptLayout, k: int) -> list[tuple[int, int]]:
    first = lay.first_line[k]
    out = []
    for y in range(first, len(lay)):
        if lay.line_seg[y] != k or lay.line_kind[y] != TEXT:
            break
        out.append((lay.line_start[y], lay.line_end[y]))
    return out


@settings(max_examples=40, deadline=None)
@given(st.lists(transcript_text, min_size=1, max_size=3))
@example(["我我我我我我我Règle1️⃣"])  # a keycap emoji ends an English word: no break before it
@example(["1️⃣xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"])  # ...and a place to break after it
def test_every_character_is_drawn_once_at_every_width(texts):
    """At every width from 20 to 200 cells, each character of each segment is on exactly one
    display line, in order, whole (an emoji sequence or an accented letter is never split),
    and no line is wider than the view draws it (the width plus the caret's cell)."""
    for width in range(20, 201):
        lay = layout([t.replace("\n", " ") for t in texts], width=width)
        for k, seg in enumerate(lay.segments):
            lines = drawn_lines(lay, k)
            assert lines[0][0] == seg.start and lines[-1][1] == seg.end
            for (_a, b), (c, _d) in zip(lines, lines[1:], strict=False):
                assert b == c  # nothing skipped, nothing drawn twice
            body = lay.text[seg.start : seg.end]
            assert "".join(drawn(lay.text[a:b]) for a, b in lines) == drawn(body)
            starts = {a for a, _b, _w in clusters(lay.text, seg.start, seg.end)} | {seg.end}
            for a, b in lines:
                assert a in starts, "a line starts inside a character"
                assert cells(lay.text, a, b) <= width + 1
                assert cells(lay.text, a, b) <= width or drawn(lay.text[a:b]).endswith(" ")
            # Chinese line breaking: no line starts with closing punctuation or ends with an
            # opening bracket, and "……" stays whole, unless the line before has no place at
            # all where the rules allow a break (a run of punctuation wider than the line)
            for (a, b), (c, _d) in zip(lines, lines[1:], strict=False):
                if break_allowed(lay.text[b - 1], lay.text[c]):
                    continue
                inner = [x for x, _y, _w in clusters(lay.text, a, b)][1:]
                assert not any(break_allowed(lay.text[x - 1], lay.text[x]) for x in inner), (
                    width,
                    lay.text[a:b],
                    lay.text[c:_d],
                )
            # an English word is cut only where its line had no other place to break: no
            # space and no Chinese character beside which the rules allow a break
            for (a, b), (c, _d) in zip(lines, lines[1:], strict=False):
                t = lay.text
                if not (t[b - 1].isascii() and t[b - 1].isalnum() and t[c].isascii()):
                    continue
                if not t[c].isalnum():
                    continue
                cl = clusters(t, a, b) + clusters(t, b, b + 1)
                for (x0, _x1, w0), (y0, _y1, w1) in zip(cl, cl[1:-1], strict=False):
                    place = t[x0] in " \t" or w0 == 2 or w1 == 2
                    assert not (place and break_allowed(t[x0], t[y0])), (width, t[a:b], t[c:_d])


@settings(max_examples=40, deadline=None)
@given(transcript_text, st.integers(min_value=20, max_value=200))
def test_screen_cells_map_to_text_offsets(text, width):
    """The caret is drawn where its offset is, and a click on any cell of a character puts
    the caret before it (left half) or after it (right half of a wide one)."""
    lay = layout([text.replace("\n", " ")], width=width)
    for y in range(len(lay)):
        span = lay.text_line(y)
        if span is None:
            continue
        a, b = span
        last_row = y + 1 >= len(lay) or lay.line_kind[y + 1] != TEXT
        col = 0
        for x0, x1, w in clusters(lay.text, a, b):
            assert lay.line_of(x0) == y and lay.column_of(x0) == col
            if w:  # (a control character alone takes no cell: nothing to click on)
                assert lay.offset_at(y, lay.column_of(x0)) == x0
            for c in range(col, col + w):
                assert lay.offset_at(y, c) == (x0 if c - col < w / 2 or w == 1 else x1)
            col += w
        end = lay.offset_at(y, col + 5)  # a click right of the text
        assert end == (b if last_row else clusters(lay.text, a, b)[-1][0])


def test_the_demo_turn_is_wrapped_not_cut(demo_dir):
    """The demo's IL2 turn (00:00:46) is 70 characters but 125 cells: at 160 columns it was
    drawn on one line and lost its end, '大概一百二十個員工。'."""
    from mpu_qual.store import Project

    with Project.open(demo_dir) as p:
        src = p.sources.list()[0]
        segs = [
            SegmentInfo(g.start, g.end, g.start_ms, g.idx, g.speaker or "", "")
            for g in p.sources.segments(src)
        ]
    il2 = next(k for k, s in enumerate(segs) if s.start_ms == 46_000)
    for width in range(20, 201):
        lay = TranscriptLayout(src.text, segs, width)
        lines = drawn_lines(lay, il2)
        assert all(cells(src.text, a, b) <= width + 1 for a, b in lines)
        assert "".join(src.text[a:b] for a, b in lines).endswith("大概一百二十個員工。")
