"""A quote cannot add Markdown markup (issue 19.13): rendered by a CommonMark parser (with
GFM tables and strikethrough), an escaped quote is one paragraph of exactly its own text."""

from __future__ import annotations

import html
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from mpu_qual.export.quote_rows import QuoteFilter
from mpu_qual.export.quotes import export_quotes
from mpu_qual.safe_text import md_cell, md_inline
from mpu_qual.store import Project
from mpu_qual.transcript_files.parsed import ParsedSegment, ParsedTranscript

MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])

HOSTILE = [
    "# heading",
    "**bold** and *em* and _em_ and __strong__",
    "- a list item",
    "+ another",
    "1. ordered",
    "3) ordered too",
    "> nested quote",
    "    indented code",
    "```\nfenced\n```",
    "~~~\nfenced\n~~~",
    "~~struck~~",
    "line\n===",
    "line\n---",
    "***",
    "[link](http://example.com) ![img](x.png) <http://auto.link>",
    "<b>html</b> &amp; &#60;",
    "a | b\n--|--\nc | d",
    "back\\slash\\*",
    "   # indented heading",
]

TEXT = st.text(alphabet=st.sampled_from(list("#*_-+=>`~[]()!<&|\\.) 19aZ陳\n\t")), max_size=40)


def rendered_text(markdown: str) -> tuple[str, set[str]]:
    """The text a reader sees and the HTML tags the renderer produced."""
    out = MD.render(markdown)
    tags = set(re.findall(r"<(\w+)", out))
    text = html.unescape(re.sub(r"<[^>]+>", "", out))
    return text, tags


def normalised(text: str) -> str:
    """What a paragraph shows: lines trimmed, blank lines and trailing blanks gone."""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def test_each_hostile_quote_reads_as_its_own_text() -> None:
    for quote in HOSTILE:
        text, tags = rendered_text(md_inline(quote))
        assert tags <= {"p", "br"}, (quote, tags)
        assert normalised(text) == normalised(quote), quote


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_no_generated_text_makes_markup(quote: str) -> None:
    if not quote.strip():
        return
    # a blank line inside a quote starts a new paragraph; that is a paragraph, not markup
    text, tags = rendered_text(md_inline(quote))
    assert tags <= {"p", "br"}, (quote, md_inline(quote), tags)
    assert normalised(text) == normalised(quote)


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_a_table_cell_stays_one_cell(value: str) -> None:
    table = f"| a | b |\n|---|---|\n| {md_cell(value)} | x |\n"
    out = MD.render(table)
    assert out.count("<td") == 2, (value, out)
    cell = html.unescape(re.sub(r"<[^>]+>", "", re.findall(r"<td>(.*?)</td>", out, re.S)[0]))
    assert " ".join(cell.split()) == " ".join(value.split())


def test_markdown_export_of_hostile_quotes(small: Project, tmp_path: Path) -> None:
    """The whole export, rendered: the hostile quote is one block quote of its own text."""
    quote = "\n".join(HOSTILE)
    parsed = ParsedTranscript(segments=[ParsedSegment(text=quote, speaker="IL1")])
    small.sources.add("hostile", parsed)
    seg = small.sources.segments("hostile")[0]
    small.codings.add("hostile", seg.start, seg.end, "talent")
    out = tmp_path / "q.md"
    export_quotes(small, out, flt=QuoteFilter(source="hostile"))
    body = MD.render(out.read_text(encoding="utf-8"))
    blocks = re.findall(r"<blockquote>(.*?)</blockquote>", body, re.S)
    assert len(blocks) == 1
    tags = set(re.findall(r"<(\w+)", blocks[0]))
    assert tags <= {"p", "br"}, tags
    shown = html.unescape(re.sub(r"<[^>]+>", "", blocks[0]))
    assert normalised(shown).startswith(normalised(quote))
    assert "<h1>heading</h1>" not in body and "<h1>" in body  # the title is the only h1
