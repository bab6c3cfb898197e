"""Theme summaries: traceability of every figure and quote, the quote rule, formats, charts."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import defusedxml.ElementTree as DET
import docx
import pytest
from sample_projects import REPO_ROOT, load_code_demo

from mpu_qual.errors import MpuQualError
from mpu_qual.export.charts import bar_chart_png, bar_chart_svg
from mpu_qual.export.stats import NON_PARTICIPANT_GROUPS, code_frequencies_by_group
from mpu_qual.export.summary import build_summary, pick_representative
from mpu_qual.export.summary_render import render_markdown, write_summary
from mpu_qual.store import Project
from mpu_qual.store.records import Coding

IDS = re.compile(r"\[(#\d+(?:, #\d+)*)\]")


def parse_ids(text: str) -> list[int]:
    m = IDS.search(text)
    assert m, f"no coding ids in: {text}"
    return [int(x.strip("# ")) for x in m.group(1).split(",")]


def test_every_table_figure_traces_to_its_codings(coded_demo: Project) -> None:
    md = render_markdown(build_summary(coded_demo))
    rows = [ln for ln in md.splitlines() if ln.startswith("| ") and "[#" in ln]
    assert len(rows) > 40
    codes = {(c.label_en, c.label_zh): c for c in coded_demo.codes.list()}
    assert len(codes) == len(coded_demo.codes.list())
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split(" | ")]
        label = cells[0].replace("&nbsp;", "")
        passages, participants = int(cells[2]), int(cells[3])
        ids = parse_ids(cells[5])
        codings = [coded_demo.codings.get(i) for i in ids]
        allowed = set(coded_demo.codes.descendant_ids(codes[label, cells[1]].id))
        assert all(c.code_id in allowed for c in codings), row
        # ... and every coding of the code is listed, no more, no fewer.
        assert sorted(ids) == sorted(
            c.id for c in coded_demo.codings.list() if c.code_id in allowed
        ), row
        assert passages == len({(c.source_id, c.start, c.end) for c in codings}), row
        speakers = {
            c.participant_label
            for c in codings
            if c.participant_label and c.group not in NON_PARTICIPANT_GROUPS
        }
        assert participants == len(speakers), row


def test_every_quote_is_the_text_of_its_codings(coded_demo: Project) -> None:
    md = render_markdown(build_summary(coded_demo, quotes=4))
    blocks = re.findall(r"((?:^> (?!— ).*\n|^>\n)+)^> — (.*)$", md, flags=re.M)
    assert len(blocks) >= 5 * 3
    for body, attribution in blocks:
        text = "\n".join(line[2:] for line in body.splitlines() if line.startswith("> "))
        ids = parse_ids(attribution)
        for c in (coded_demo.codings.get(i) for i in ids):
            assert c.quote == text
            assert attribution.startswith(c.participant_label or "")


def test_summary_follows_codebook_order_and_groups_recommendations(coded_demo: Project) -> None:
    s = build_summary(coded_demo)
    assert [t.theme_id for t in s.themes] == [
        c.id for c in coded_demo.codes.list() if c.parent_id is None
    ]
    rec = s.themes[-1]
    assert rec.by_audience
    assert [sec.audience_id for sec in rec.sections] == [
        "government",
        "training_institutions",
        "employers",
        "employees",
    ]
    for sec in rec.sections:
        for line in sec.lines:
            assert coded_demo.codes.get(line.code_id).addresses == sec.audience_id


def test_evidence_figures_carry_their_provenance(coded_demo: Project) -> None:
    s = build_summary(coded_demo, theme="manpower")
    items = [e for sec in s.themes[0].sections for e in sec.evidence]
    assert {e.code_id for e in items} >= {"manpower.job_market", "manpower.qa_compliance"}
    assert any(e.coding_id is not None for e in items)
    rows = {
        r[0]: r
        for r in coded_demo.conn.execute(
            "SELECT l.id, l.count, l.total, q.sector, q.role FROM evidence_links l "
            "JOIN evidence_queries q ON q.id = l.query_id"
        )
    }
    for e in items:
        link_id, count, total, sector, role = rows[e.link_id]
        assert (e.count, e.total) == (count, total)
        if role:
            assert role in e.query and sector in e.query
    md = render_markdown(s)
    assert "**Job-ad evidence**" in md
    assert f"evidence link {items[0].link_id}" in md


def test_no_evidence_section_without_links(small: Project) -> None:
    md = render_markdown(build_summary(small))
    assert "Job-ad evidence" not in md


def test_representative_quotes_cover_branches_first(small: Project) -> None:
    s = build_summary(small, quotes=2)
    talent = s.themes[0]
    picked = talent.sections[0].quotes
    # Two quotes: the most-coded branch first (Shortage: 2 passages), then Ageing.
    codes = [set(q.code_ids) for q in picked]
    assert "talent.shortage" in codes[0]
    assert "talent.ageing" in codes[0] | codes[1]
    # The moderator is quoted only when participants' passages run out.
    assert all(q.participant != "Moderator" for q in picked)
    assert build_summary(small, quotes=2).themes[0].sections[0].quotes == picked  # deterministic


def _coding(i: int, code: str, start: int, speaker: str, group: str, length: int = 200) -> Coding:
    return Coding(
        i,
        1,
        code,
        start,
        start + length,
        "x" * length,
        None,
        None,
        "",
        "s",
        speaker,
        group,
        None,
        None,
    )


def test_pick_representative_rule_order() -> None:
    from mpu_qual.export.quote_rows import QuoteRow

    codings = [
        _coding(1, "a.x", 0, "P1", "g1"),
        _coding(2, "a.x", 300, "P2", "g2"),
        _coding(3, "a.x", 600, "P3", "g1"),
        _coding(4, "b.y", 900, "P1", "g1", length=50),
        _coding(5, "b.y", 1200, "P4", "g3", length=190),
        _coding(6, "m", 1500, "Moderator", "moderator"),
    ]
    rows = {
        c.id: QuoteRow(
            c.id,
            "t",
            "",
            "",
            c.code_id,
            "",
            "",
            "",
            "",
            c.quote,
            c.participant_label or "",
            c.group or "",
            "",
            "",
            "s",
            None,
            None,
            c.start,
            c.end,
            "",
            "",
            0,
        )
        for c in codings
    }
    branch = {"a.x": "a", "b.y": "b", "m": "m"}
    picked = pick_representative(codings, rows, 3, branch)
    # branch a (3 passages) first, by transcript order; then branch b preferring a new
    # participant and group (P4/g3) over the shorter P1 passage; then a new participant.
    assert [q.coding_ids for q in picked] == [[1], [5], [2]]
    assert pick_representative(codings, rows, 10, branch)[-1].participant == "Moderator"


def test_quotes_option_is_checked(small: Project) -> None:
    with pytest.raises(MpuQualError, match="between 0 and"):
        build_summary(small, quotes=-1)
    with pytest.raises(MpuQualError, match="is a code, not a theme"):
        build_summary(small, theme="talent.ageing")


def test_docx_summary_has_charts_tables_and_quotes(coded_demo: Project, tmp_path: Path) -> None:
    out = tmp_path / "s.docx"
    s = build_summary(coded_demo)
    write_summary(s, out)
    d = docx.Document(str(out))
    assert len(d.inline_shapes) == len(s.themes)
    headings = [p.text for p in d.paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "1. Factors affecting development · 影響先進製造業發展的因素"
    quotes = [p.text for p in d.paragraphs if p.style.name == "Quote"]
    expected = [q.text for t in s.themes for sec in t.sections for q in sec.quotes]
    assert quotes == expected
    first_table = d.tables[0]
    assert [c.text for c in first_table.rows[0].cells][-1] == "Coding ids"


def test_html_summary_embeds_valid_svg(coded_demo: Project, tmp_path: Path) -> None:
    out = tmp_path / "s.html"
    write_summary(build_summary(coded_demo), out)
    page = out.read_text(encoding="utf-8")
    svgs = re.findall(r"<svg .*?</svg>", page, flags=re.S)
    assert len(svgs) == 5
    root = DET.fromstring(svgs[0])
    labels = "".join(root.itertext())
    assert "Robust ecosystem · 建立穩健的生態系統" in labels
    assert "<script" not in page


def test_prose_writer_is_only_called_when_given(small: Project) -> None:
    calls = []

    def writer(theme) -> str:
        calls.append(theme.theme_id)
        return f"Draft about {theme.label_en}."

    assert all(t.prose is None for t in build_summary(small).themes)
    s = build_summary(small, prose=writer)
    assert calls == ["talent", "odd", "rec"]
    md = render_markdown(s)
    assert "Draft paragraph by" in md and "Draft about Talent." in md


def test_checked_in_demo_summary_is_current(tmp_path: Path) -> None:
    out = tmp_path / "summary-demo.md"
    load_code_demo().main(["--summary", str(out)])
    checked_in = REPO_ROOT / "docs" / "summary-demo.md"

    def norm(text: str) -> str:  # evidence figures are dated by the day they were computed
        return re.sub(r"Computed \d{4}-\d{2}-\d{2}", "Computed <date>", text)

    assert norm(checked_in.read_text(encoding="utf-8")) == norm(out.read_text(encoding="utf-8")), (
        "docs/summary-demo.md is out of date: run .venv/bin/python scripts/code_demo.py"
    )


# ----------------------------------------------------------------------------- stats & charts
def test_code_frequencies_by_group_counts_themes(coded_demo: Project) -> None:
    f = code_frequencies_by_group(coded_demo)
    assert [r.code_id for r in f.rows] == [
        c.id for c in coded_demo.codes.list() if c.parent_id is None
    ]
    for r in f.rows:
        codings = coded_demo.codings.list(code=r.code_id, include_subcodes=True)
        assert r.total == len({(c.source_id, c.start, c.end) for c in codings})
        for g in f.groups:
            assert r.counts[g.id] == len(
                {(c.source_id, c.start, c.end) for c in codings if (c.group or "") == g.id}
            )
    sub = code_frequencies_by_group(coded_demo, parent="training")
    assert [r.code_id for r in sub.rows][0] == "training.core"
    with pytest.raises(MpuQualError):
        code_frequencies_by_group(coded_demo, parent="nope")


def _png_chunks(data: bytes) -> dict[bytes, bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, out = 8, {}
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        tag, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n]
        (crc,) = struct.unpack(">I", data[pos + 8 + n : pos + 12 + n])
        assert crc == zlib.crc32(tag + body) & 0xFFFFFFFF
        out[tag] = body
        pos += 12 + n
    return out


def test_png_chart_is_a_valid_image(coded_demo: Project) -> None:
    f = code_frequencies_by_group(coded_demo)
    chunks = _png_chunks(bar_chart_png(f))
    w, h, depth, color = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, color) == (8, 2)
    pixels = zlib.decompress(chunks[b"IDAT"])
    assert len(pixels) == h * (1 + 3 * w)
    assert b"IEND" in chunks


def test_svg_chart_escapes_labels(small: Project) -> None:
    f = code_frequencies_by_group(small)
    f.rows[0].label_en = "<b>&</b>"
    svg = bar_chart_svg(f, title="T & <x>")
    root = DET.fromstring(svg)
    assert "<b>&</b>" in "".join(root.itertext())
