"""Coded-quote exports in every format, reopened with their own libraries."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import docx
import openpyxl
import pytest

from mpu_qual.errors import MpuQualError
from mpu_qual.export.quote_rows import QuoteFilter, collect_quotes
from mpu_qual.export.quotes import COLUMNS, export_quotes, format_for
from mpu_qual.store import Project

HEADERS = [h for _, h in COLUMNS]


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV must start with a BOM for Excel"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_csv_has_one_row_per_coding_with_every_field(small: Project, tmp_path: Path) -> None:
    out = tmp_path / "q.csv"
    export_quotes(small, out)
    rows = read_csv(out)
    codings = {c.id: c for c in small.codings.list()}
    assert len(rows) == len(codings)
    assert list(rows[0]) == HEADERS
    by_id = {int(r["Coding id"]): r for r in rows}
    shortage = next(c for c in codings.values() if c.memo == "Asked Chan Tai Man to say more.")
    r = by_id[shortage.id]
    assert r["Code path"] == "Talent > Shortage"
    assert r["編碼路徑"] == "人才 > 短缺"
    assert r["Quote 引述"] == shortage.quote
    assert r["Participant 參與者"] == "IL1"
    assert (r["Stakeholder group"], r["持份者組別"]) == ("Industry leader", "業界領袖")
    assert (r["Start"], r["End"]) == ("00:00:05", "00:00:11")
    assert r["Memo 備註"] == shortage.memo
    assert r["Coder 編碼員"] == "Peter"
    assert (int(r["Start offset"]), int(r["End offset"])) == (shortage.start, shortage.end)
    crlf = next(c for c in codings.values() if c.memo == "Spans the CRLF.")
    assert by_id[crlf.id]["Quote 引述"] == crlf.quote  # CRLF inside a cell survives


def test_csv_neutralises_formula_cells(small: Project, tmp_path: Path) -> None:
    out = tmp_path / "q.csv"
    export_quotes(small, out, flt=QuoteFilter(codes=("odd.formula",)))
    quotes = sorted(r["Quote 引述"] for r in read_csv(out))
    assert quotes == sorted(
        [
            "'" + '=HYPERLINK("http://evil.example","x")',
            "'+1 then -2 then @SUM(A1)",
            "'\tTabbed start",
        ]
    )


def test_xlsx_has_a_sheet_per_theme_and_a_matrix(small: Project, tmp_path: Path) -> None:
    out = tmp_path / "q.xlsx"
    export_quotes(small, out)
    wb = openpyxl.load_workbook(out)
    # the fixture's codings come from several coders, so an "Agreement" sheet follows
    assert wb.sheetnames == [
        "About",
        "Talent",
        "Odd text",
        "Recommendations",
        "Matrix",
        "Agreement",
    ]
    ws = wb["Talent"]
    header = [c.value for c in ws[1]]
    assert header == HEADERS
    rows = [dict(zip(header, (c.value for c in r), strict=True)) for r in ws.iter_rows(min_row=2)]
    talent = small.codings.list(code="talent", include_subcodes=True)
    assert sorted(r["Coding id"] for r in rows) == sorted(c.id for c in talent)
    for r in rows:
        c = small.codings.get(r["Coding id"])
        assert r["Quote 引述"] == c.quote
        assert r["Code id"] == c.code_id
    # No cell anywhere is a formula; formula-like quotes are text with an apostrophe.
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    odd = [r[5].value for r in wb["Odd text"].iter_rows(min_row=2)]
    assert all(v.startswith("'") for v in odd) and len(odd) == 3


def test_xlsx_matrix_counts_passages_by_group(small: Project, tmp_path: Path) -> None:
    out = tmp_path / "q.xlsx"
    export_quotes(small, out)
    ws = openpyxl.load_workbook(out)["Matrix"]
    header = [c.value for c in ws[1]]
    rows = {
        r[0].value: dict(zip(header, (c.value for c in r), strict=True))
        for r in ws.iter_rows(min_row=2)
    }
    # Computed independently: distinct spans under each code, by the speaker's group.
    sql = """
        SELECT count(DISTINCT c.start || ':' || c.end) FROM codings c
        JOIN segments g ON g.source_id = c.source_id AND g.start <= c.start AND c.start <= g.end
        JOIN participants p ON p.id = g.participant_id
        WHERE (c.code_id = ? OR c.code_id LIKE ? || '.%') AND p.group_id = ?
    """
    for code_id, group, col in [
        ("talent", "academic", "Academic 學術專家"),
        ("talent", "industry_leader", "Industry leader 業界領袖"),
        ("talent.ageing", "academic", "Academic 學術專家"),
        ("odd", "industry_leader", "Industry leader 業界領袖"),
    ]:
        expected = small.conn.execute(sql, [code_id, code_id, group]).fetchone()[0]
        assert rows[code_id][col] == expected, (code_id, group)
    assert rows["talent"]["Total 總數"] == 4  # the CRLF turn coded twice counts once


def test_docx_has_theme_headings_and_block_quotes(small: Project, tmp_path: Path) -> None:
    out = tmp_path / "q.docx"
    export_quotes(small, out)
    d = docx.Document(str(out))
    h1 = [p.text for p in d.paragraphs if p.style.name == "Heading 1"]
    assert h1[:3] == ["Talent · 人才", "Odd text · 特殊文字", "Recommendations · 建議"]
    quotes = [p.text for p in d.paragraphs if p.style.name == "Quote"]
    # Word has line breaks, not CRLF: a CRLF becomes one break.
    assert sorted(quotes) == sorted(c.quote.replace("\r\n", "\n") for c in small.codings.list())
    assert any(
        "[#" in p.text and "IL1 (Industry leader / 業界領袖)" in p.text for p in d.paragraphs
    )
    table = d.tables[-1]
    assert table.rows[0].cells[0].text == "Code 編碼"


def test_markdown_and_html_escape_quotes(small: Project, tmp_path: Path) -> None:
    from mpu_qual.transcript_files.parsed import ParsedSegment, ParsedTranscript

    evil = "<script>alert(1)</script> [click](javascript:x)"
    src = small.sources.add("evil", ParsedTranscript([ParsedSegment(evil, "IL1", 0, 1000)]))
    small.codings.add(src, 0, len(evil), "talent.shortage")
    md = tmp_path / "q.md"
    html = tmp_path / "q.html"
    export_quotes(small, md)
    export_quotes(small, html)
    text = md.read_text(encoding="utf-8")
    assert "## Talent · 人才" in text and "### Talent > Shortage" in text
    assert "> — IL1 (Industry leader / 業界領袖), session-1, 00:00:05–00:00:11 [#" in text
    assert "<script>" not in text and "&lt;script>" in text
    assert "[click](javascript" not in text and "\\[click\\](javascript" in text
    page = html.read_text(encoding="utf-8")
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "=HYPERLINK(&quot;http://evil.example&quot;,&quot;x&quot;)" in page
    assert page.count("<blockquote") == len(small.codings.list())


def test_filters_select_the_right_codings(small: Project) -> None:
    def ids(flt: QuoteFilter) -> set[int]:
        return {r.coding_id for r in collect_quotes(small, flt)}

    everything = {c.id for c in small.codings.list()}
    assert ids(QuoteFilter()) == everything
    assert ids(QuoteFilter(theme="rec")) == {
        c.id for c in small.codings.list() if c.code_id.startswith("rec.")
    }
    assert ids(QuoteFilter(codes=("talent",))) == {
        c.id for c in small.codings.list(code="talent", include_subcodes=True)
    }
    assert ids(QuoteFilter(group="Academic")) == {
        c.id for c in small.codings.list(group="academic")
    }
    assert ids(QuoteFilter(participant="IL1")) == {
        c.id for c in small.codings.list(participant="IL1")
    }
    assert ids(QuoteFilter(source="session-1")) == everything
    both = ids(QuoteFilter(theme="talent", participant="AC1"))
    assert both == {
        c.id for c in small.codings.list(participant="AC1") if c.code_id.startswith("talent")
    }


@pytest.mark.parametrize(
    ("flt", "message"),
    [
        (QuoteFilter(codes=("nope",)), "no code 'nope'"),
        (QuoteFilter(theme="talent.ageing"), "is a code, not a theme"),
        (QuoteFilter(group="aliens"), "unknown stakeholder group"),
        (QuoteFilter(participant="ZZ9"), "no participant"),
        (QuoteFilter(source="nothing"), "no transcript"),
    ],
)
def test_bad_filters_are_clear_errors(small: Project, flt: QuoteFilter, message: str) -> None:
    with pytest.raises(MpuQualError, match=message):
        collect_quotes(small, flt)


def test_format_comes_from_extension_or_is_refused(tmp_path: Path) -> None:
    assert format_for("a.XLSX") == "xlsx"
    assert format_for("a.txt", "md") == "md"
    with pytest.raises(MpuQualError, match="cannot tell the format"):
        format_for(tmp_path / "quotes.txt")
    with pytest.raises(MpuQualError, match="unknown export format"):
        format_for("a.csv", "pdf")


def test_missing_folder_is_an_error_and_nothing_is_written(small: Project, tmp_path: Path) -> None:
    with pytest.raises(MpuQualError, match="folder does not exist"):
        export_quotes(small, tmp_path / "nope" / "q.csv")
    assert not (tmp_path / "nope").exists()


def test_exports_are_private_files(small: Project, tmp_path: Path) -> None:
    out = tmp_path / "q.csv"
    export_quotes(small, out)
    assert out.stat().st_mode & 0o777 == 0o600
