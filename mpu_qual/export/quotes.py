"""Coded quotes to CSV, XLSX, Markdown, DOCX or HTML.

Every format carries the same fields per coding: code path (theme > code, English and
Chinese), quote, participant label, stakeholder group, transcript, time range, memo, coder
and the coding id (so a quote in a report can be found again). CSV and XLSX text cells that
a spreadsheet would run as a formula are neutralised (see ``cells.neutralise``). Files are
written atomically with mode 0600: they hold confidential focus-group data.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import IO, TYPE_CHECKING

from mpu_qual.export.agreement_render import agreement_for, xlsx_sheet
from mpu_qual.export.formats import QUOTE_FORMATS
from mpu_qual.export.quote_rows import QuoteFilter, QuoteRow, coding_rows, filtered_codings
from mpu_qual.export.stats import Frequencies, frequencies
from mpu_qual.export.targets import refuse_project_file
from mpu_qual.fileio import write_atomic
from mpu_qual.pseudonymise import Pseudonymiser
from mpu_qual.safe_text import docx_text, md_cell, md_inline, neutralise, xml_safe
from mpu_qual.store import Project
from mpu_qual.team.reliability import AgreementReport

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

# (field or property of QuoteRow, column header); the order of CSV and XLSX columns.
COLUMNS: list[tuple[str, str]] = [
    ("coding_id", "Coding id"),
    ("theme_id", "Theme id"),
    ("code_id", "Code id"),
    ("path_en", "Code path"),
    ("path_zh", "編碼路徑"),
    ("quote", "Quote 引述"),
    ("participant", "Participant 參與者"),
    ("group_en", "Stakeholder group"),
    ("group_zh", "持份者組別"),
    ("source", "Source 來源"),
    ("time_start", "Start"),
    ("time_end", "End"),
    ("memo", "Memo 備註"),
    ("coder", "Coder 編碼員"),
    ("start", "Start offset"),
    ("end", "End offset"),
]


def cell_value(row: QuoteRow, name: str) -> object:
    if name == "time_start":
        return row.time_range.split("–")[0] if row.time_range else ""
    if name == "time_end":
        return row.time_range.split("–")[1] if row.time_range else ""
    return getattr(row, name)


def format_for(path: str | Path, fmt: str | None = None) -> str:
    """The export format: given explicitly, else from the file's extension."""
    return QUOTE_FORMATS.choose(path, fmt).name


@dataclass
class QuoteExport:
    """Everything one quote export writes."""

    title: str
    rows: list[QuoteRow]
    matrix: Frequencies
    filter_text: str
    pseudonymised: bool
    agreement: AgreementReport | None = None  # two or more coders: an "Agreement" sheet


def build_quote_export(
    project: Project, flt: QuoteFilter | None = None, pseudo: Pseudonymiser | None = None
) -> QuoteExport:
    flt = flt or QuoteFilter()
    with project.snapshot():  # one committed state while other windows write
        codings = filtered_codings(project, flt)
        rows = coding_rows(project, codings, pseudo)
        used = {c.code_id for c in codings}
        keep: list[str] = []
        for code in project.codes.list():
            if set(project.codes.descendant_ids(code.id)) & used:
                keep.append(code.id)
        matrix = frequencies(project, codings, code_ids=keep)
    cb = project.codebook.load()
    title = f"Coded quotes: {cb.name}" if cb.name else "Coded quotes"
    if pseudo:
        title = pseudo.apply(title)
        for r in matrix.rows:
            r.label_en, r.label_zh = pseudo.apply(r.label_en), pseudo.apply(r.label_zh)
    return QuoteExport(
        title,
        rows,
        matrix,
        flt.describe(),
        pseudo is not None,
        agreement_for(project, pseudo=pseudo),
    )


def export_quotes(
    project: Project,
    path: str | Path,
    fmt: str | None = None,
    flt: QuoteFilter | None = None,
    pseudo: Pseudonymiser | None = None,
) -> QuoteExport:
    """Select, pseudonymise and write coded quotes in one call (what the CLI runs)."""
    fmt = format_for(path, fmt)
    refuse_project_file(project, path)
    data = build_quote_export(project, flt, pseudo)
    write_quotes(data, path, fmt)
    return data


def save_zip(save: Callable[[IO[bytes]], None], fh: IO[bytes]) -> None:
    """Build a zip-based file (XLSX, DOCX) in memory, then write it out in one piece.

    A disk that fills up mid-way then fails our own write, once, with the plain message;
    written straight to ``fh``, the failure left a half-written ZipFile whose ``__del__``
    printed a traceback after that message (issue 19).
    """
    buf = io.BytesIO()
    save(buf)
    fh.write(buf.getbuffer())


def write_quotes(data: QuoteExport, path: str | Path, fmt: str) -> Path:
    """Write ``data`` atomically in format ``fmt`` (a name in ``QUOTE_FORMATS``)."""
    writer = QUOTE_FORMATS.get(fmt).load()
    return write_atomic(path, lambda fh: writer(data, fh))


# ----------------------------------------------------------------------------- CSV / XLSX
def write_csv(data: QuoteExport, fh: IO[bytes]) -> None:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([h for _, h in COLUMNS])
    for row in data.rows:
        w.writerow([neutralise(_plain(cell_value(row, name))) for name, _ in COLUMNS])
    # A BOM makes Excel read the file as UTF-8 (Chinese would be mojibake otherwise).
    fh.write(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))


def _plain(value: object) -> object:
    return "" if value is None else value


def _sheet_title(label: str, taken: set[str]) -> str:
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in label).strip("' ") or "Theme"
    base = base[:31]
    title, n = base, 2
    while title.casefold() in taken:
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(title.casefold())
    return title


def _xl(value: object) -> object:
    if isinstance(value, str):
        return neutralise(xml_safe(value))
    return value


def write_xlsx(data: QuoteExport, fh: IO[bytes]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    about = wb.active
    about.title = "About"
    taken = {"about", "matrix"}
    for line in _about_lines(data):
        about.append([_xl(line)])
    about.column_dimensions["A"].width = 100
    widths = {"quote": 70, "path_en": 40, "path_zh": 30, "memo": 40}
    for _theme_id, group in groupby(data.rows, key=lambda r: r.theme_id):
        rows = list(group)
        ws = wb.create_sheet(_sheet_title(rows[0].theme_en, taken))
        ws.append([h for _, h in COLUMNS])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([_xl(_plain(cell_value(row, name))) for name, _ in COLUMNS])
        for i, (name, _) in enumerate(COLUMNS, start=1):
            letter = ws.cell(row=1, column=i).column_letter
            ws.column_dimensions[letter].width = widths.get(name, 16)
            if name in widths:
                for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
    _matrix_sheet(wb.create_sheet("Matrix"), data.matrix)
    if data.agreement is not None:
        xlsx_sheet(wb.create_sheet("Agreement"), data.agreement)
    _force_text(wb)
    save_zip(wb.save, fh)


def _matrix_sheet(ws: Worksheet, matrix: Frequencies) -> None:
    from openpyxl.styles import Font

    ws.append(["Code id", "Code", "編碼", *[f"{g.en} {g.zh}" for g in matrix.groups], "Total 總數"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in matrix.rows:
        indent = "  " * r.depth
        ws.append(
            [
                _xl(r.code_id),
                _xl(indent + r.label_en),
                _xl(indent + r.label_zh),
                *[r.counts.get(g.id, 0) for g in matrix.groups],
                r.total,
            ]
        )
        if r.depth == 0:
            for cell in ws[ws.max_row]:
                cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 44
    ws.column_dimensions["C"].width = 30
    ws.freeze_panes = "D2"


def _force_text(wb: Workbook) -> None:
    """openpyxl stores a str starting with '=' as a formula; make every str cell a string."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"


def _about_lines(data: QuoteExport) -> list[str]:
    return [
        data.title,
        f"Selection: {data.filter_text}",
        f"Codings: {len(data.rows)}",
        "Names replaced by participant labels (pseudonymised)."
        if data.pseudonymised
        else "Not pseudonymised: check for names before sharing.",
        "Cells starting with = + - @ (or a tab / carriage return) begin with an apostrophe "
        "so that spreadsheets show them as text and never run them.",
        "Counts in 'Matrix' are coded passages (distinct spans) including sub-codes, by the "
        "stakeholder group of the speaker.",
    ]


# ----------------------------------------------------------------------------- Markdown
def _attribution(row: QuoteRow, esc: Callable[[str], str] = str) -> str:
    """'IL1 (Industry leader / 業界領袖), focus-group, 00:01:51–00:02:13 [#12]'."""
    who = row.participant or "unknown speaker"
    group = f" ({row.group_en} / {row.group_zh})" if row.group_en else ""
    when = f", {row.time_range}" if row.time_range else ""
    return esc(f"{who}{group}, {row.source}{when}") + f" [#{row.coding_id}]"


def _by_theme_and_code(rows: list[QuoteRow]):
    for theme_id, theme_rows in groupby(rows, key=lambda r: r.theme_id):
        in_theme = list(theme_rows)
        codes = [(cid, list(rs)) for cid, rs in groupby(in_theme, key=lambda r: r.code_id)]
        yield theme_id, in_theme[0], codes


def write_markdown(data: QuoteExport, fh: IO[bytes]) -> None:
    fh.write(render_markdown(data).encode("utf-8"))


def render_markdown(data: QuoteExport) -> str:
    out = [f"# {md_inline(data.title)}", ""]
    out += [f"- {md_inline(line)}" for line in _about_lines(data)[1:4]]
    out.append("")
    for _tid, first, codes in _by_theme_and_code(data.rows):
        out += [f"## {md_inline(first.theme_en)} · {md_inline(first.theme_zh)}", ""]
        for _cid, rows in codes:
            out += [f"### {md_inline(rows[0].path_en)}", "", f"*{md_inline(rows[0].path_zh)}*", ""]
            for row in rows:
                out += [f"> {line}" if line else ">" for line in md_inline(row.quote).splitlines()]
                out += [">", f"> — {_attribution(row, md_inline)}", ""]
                if row.memo:
                    out += [f"Memo: {md_inline(row.memo)}", ""]
    out += ["## Matrix: coded passages by stakeholder group", ""]
    out += _matrix_markdown(data.matrix)
    return "\n".join(out) + "\n"


def _matrix_markdown(matrix: Frequencies) -> list[str]:
    head = ["Code", *[f"{g.en} {g.zh}" for g in matrix.groups], "Total"]
    out = ["| " + " | ".join(md_cell(h) for h in head) + " |", "|" + "---|" * len(head)]
    for r in matrix.rows:
        label = ("&nbsp;&nbsp;" * r.depth) + md_cell(f"{r.label_en} {r.label_zh}")
        if r.depth == 0:
            label = f"**{label}**"
        cells = [label, *[str(r.counts.get(g.id, 0)) for g in matrix.groups], str(r.total)]
        out.append("| " + " | ".join(cells) + " |")
    return out + [""]


# ----------------------------------------------------------------------------- HTML
_CSS = """
body { font-family: system-ui, "Noto Sans TC", "Microsoft JhengHei", sans-serif;
       max-width: 60rem; margin: 2rem auto; line-height: 1.5; color: #222; }
blockquote { border-left: 4px solid #999; margin: 1rem 0 0.2rem; padding: 0.2rem 1rem;
             white-space: pre-wrap; }
p.attr { margin: 0 0 1rem 1.2rem; color: #555; font-size: 0.9rem; }
p.memo { margin: 0 0 1rem 1.2rem; font-style: italic; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 0.2rem 0.5rem; }
td.n { text-align: right; } tr.theme td { font-weight: bold; }
"""


def html_page(title: str, body: list[str]) -> str:
    e = html.escape
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "style-src 'unsafe-inline'; img-src data:\">",
            f"<title>{e(title)}</title><style>{_CSS}</style></head><body>",
            *body,
            "</body></html>",
            "",
        ]
    )


def write_html(data: QuoteExport, fh: IO[bytes]) -> None:
    fh.write(render_html(data).encode("utf-8"))


def render_html(data: QuoteExport) -> str:
    e = html.escape
    body = [f"<h1>{e(data.title)}</h1>", "<ul>"]
    body += [f"<li>{e(line)}</li>" for line in _about_lines(data)[1:4]]
    body.append("</ul>")
    for _tid, first, codes in _by_theme_and_code(data.rows):
        body.append(
            f'<h2>{e(first.theme_en)} · <span lang="zh-Hant">{e(first.theme_zh)}</span></h2>'
        )
        for _cid, rows in codes:
            body.append(
                f'<h3>{e(rows[0].path_en)}<br><small lang="zh-Hant">'
                f"{e(rows[0].path_zh)}</small></h3>"
            )
            for row in rows:
                body.append(f'<blockquote id="coding-{row.coding_id}">{e(row.quote)}</blockquote>')
                body.append(f'<p class="attr">— {e(_attribution(row))}</p>')
                if row.memo:
                    body.append(f'<p class="memo">Memo: {e(row.memo)}</p>')
    body.append("<h2>Matrix: coded passages by stakeholder group</h2>")
    body += matrix_html(data.matrix)
    return html_page(data.title, body)


def matrix_html(matrix: Frequencies) -> list[str]:
    e = html.escape
    out = ["<table><tr><th>Code</th>"]
    out += [f"<th>{e(g.en)}<br>{e(g.zh)}</th>" for g in matrix.groups]
    out.append("<th>Total</th></tr>")
    for r in matrix.rows:
        cls = ' class="theme"' if r.depth == 0 else ""
        pad = "&nbsp;" * (2 * r.depth)
        out.append(f"<tr{cls}><td>{pad}{e(r.label_en)} {e(r.label_zh)}</td>")
        out += [f'<td class="n">{r.counts.get(g.id, 0)}</td>' for g in matrix.groups]
        out.append(f'<td class="n">{r.total}</td></tr>')
    out.append("</table>")
    return out


# ----------------------------------------------------------------------------- DOCX
EAST_ASIAN_FONT = "Microsoft JhengHei"


def new_document() -> DocxDocument:
    """A python-docx document whose Normal style renders Traditional Chinese."""
    from docx import Document
    from docx.oxml.ns import qn

    doc = Document()
    normal = doc.styles["Normal"]
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)
    return doc


def write_docx(data: QuoteExport, fh: IO[bytes]) -> None:
    from docx.shared import Pt

    doc = new_document()
    x = docx_text
    doc.add_heading(x(data.title), level=0)
    for line in _about_lines(data)[1:4]:
        doc.add_paragraph(x(line))
    for _tid, first, codes in _by_theme_and_code(data.rows):
        doc.add_heading(x(f"{first.theme_en} · {first.theme_zh}"), level=1)
        for _cid, rows in codes:
            doc.add_heading(x(rows[0].path_en), level=2)
            doc.add_paragraph(x(rows[0].path_zh)).runs[0].italic = True
            for row in rows:
                doc.add_paragraph(x(row.quote), style="Quote")
                attr = doc.add_paragraph(x("— " + _attribution(row)))
                attr.runs[0].font.size = Pt(9)
                if row.memo:
                    doc.add_paragraph(x(f"Memo: {row.memo}")).runs[0].italic = True
    doc.add_heading("Matrix: coded passages by stakeholder group", level=1)
    matrix_docx(doc, data.matrix)
    save_zip(doc.save, fh)


def matrix_docx(doc: DocxDocument, matrix: Frequencies) -> None:
    head = ["Code 編碼", *[f"{g.en} {g.zh}" for g in matrix.groups], "Total 總數"]
    table = doc.add_table(rows=1, cols=len(head))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, head, strict=True):
        cell.text = docx_text(text)
    for r in matrix.rows:
        cells = table.add_row().cells
        cells[0].text = xml_safe(("  " * r.depth) + f"{r.label_en} {r.label_zh}")
        for i, g in enumerate(matrix.groups, start=1):
            cells[i].text = str(r.counts.get(g.id, 0))
        cells[-1].text = str(r.total)
