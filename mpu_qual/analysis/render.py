"""Matrices, co-occurrence tables and framework matrices as files (JSON, CSV, XLSX, HTML,
DOCX, Markdown).

The file formats are declared once, in ``analysis/formats.py``; the writers they name are
here, each ``(table or framework, binary file) -> None`` (the CLI writes the file
atomically; ``Formats.text`` gives a text format for the terminal).
Spreadsheet cells that would run as a formula are neutralised; DOCX text has XML-illegal
characters dropped.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from mpu_qual.analysis.cooccur import Cooccurrence
from mpu_qual.analysis.framework import Framework, FrameworkCell
from mpu_qual.analysis.matrix import Matrix
from mpu_qual.errors import MpuQualError
from mpu_qual.figures import format_share
from mpu_qual.safe_text import docx_text, md_cell, neutralise, xml_safe

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

EAST_ASIAN_FONT = "Microsoft JhengHei"
XLSX_CELL_LIMIT = 32_000  # Excel holds at most 32,767 characters in a cell


@dataclass
class AnalysisTable:
    """What a matrix or co-occurrence writer gets: ``data`` (the JSON), ``sheets`` (sheet
    name -> rows; CSV takes the first) and, for a matrix, ``html`` (a whole page)."""

    data: dict[str, Any]
    sheets: dict[str, list[list[Any]]]
    html: str | None = field(default=None)


def shown(value: float | int | None, measure: str) -> str:
    """A figure as a table shows it (a share as a percentage)."""
    if value is None:
        return "–"
    if measure in ("share",):
        return format_share(float(value))
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _label(en: str, zh: str) -> str:
    return en if en == zh else f"{en} · {zh}"


# --------------------------------------------------------------------------- matrix
def matrix_data(m: Matrix) -> dict[str, Any]:
    """``{"rows": [code ids], "cols": [...], "measure": ..., "cells": [[...]]}`` and labels."""
    return {
        "rows": [r.id for r in m.rows],
        "cols": [c.key for c in m.cols],
        "measure": m.measure,
        "cells": m.cells,
        "dimension": m.dimension,
        "filter": m.filter_text,
        "row_labels": [{"en": r.label_en, "zh": r.label_zh, "depth": r.depth} for r in m.rows],
        "col_labels": [{"en": c.label_en, "zh": c.label_zh} for c in m.cols],
        "coding_ids": [
            [m.cell_codings(r, c) for c in range(len(m.cols))] for r in range(len(m.rows))
        ],
        "job_ads": {r.id: m.job_figures[r.id] for r in m.rows if r.id in m.job_figures},
    }


def matrix_rows(m: Matrix) -> list[list[Any]]:
    """Header and rows of the matrix as a plain table (CSV, XLSX)."""
    head = ["Code id", "Code", "編碼", *[_label(c.label_en, c.label_zh) for c in m.cols]]
    if m.job_figures:
        head.append("Job ads 職位廣告")
    out: list[list[Any]] = [head]
    for r, row in enumerate(m.rows):
        line: list[Any] = [row.id, "  " * row.depth + row.label_en, row.label_zh]
        line += m.cells[r]
        if m.job_figures:
            line.append("; ".join(m.job_figures.get(row.id, [])))
        out.append(line)
    return out


def cooc_data(co: Cooccurrence) -> dict[str, Any]:
    """``{"codes": [...], "counts": [[...]], "jaccard": [[...]], "c": [[...]]}`` and more."""
    by_id = {c.id: c for c in co.facts.codes}
    return {
        "codes": co.codes,
        "counts": co.counts,
        "jaccard": co.jaccard,
        "c": co.c,
        "mode": co.mode,
        "near": co.near if co.mode == "near" else None,
        "filter": co.filter_text,
        "labels": [{"en": by_id[c].label_en, "zh": by_id[c].label_zh} for c in co.codes],
    }


def cooc_rows(co: Cooccurrence, measure: str = "counts") -> list[list[Any]]:
    tables: dict[str, Sequence[Sequence[float | None]]] = {
        "counts": co.counts,
        "jaccard": co.jaccard,
        "c": co.c,
    }
    table = tables[measure]
    by_id = {c.id: c for c in co.facts.codes}
    out: list[list[Any]] = [["Code id", "Code", "編碼", *co.codes]]
    for i, cid in enumerate(co.codes):
        out.append([cid, by_id[cid].label_en, by_id[cid].label_zh, *table[i]])
    return out


_CSS = (
    "body{font-family:system-ui,'Noto Sans TC','Microsoft JhengHei',sans-serif;margin:2em}"
    "table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.3em .5em}"
    "th.row{text-align:left;font-weight:normal;max-width:28em;white-space:normal}"
    "th.theme{font-weight:bold}td{text-align:right}thead th{max-width:10em;white-space:normal}"
)


def matrix_html(m: Matrix, title: str = "Code matrix 編碼矩陣") -> str:
    """A page with the matrix as a table: labels wrap (never cut off), cells shaded by value."""
    e = html.escape
    cells = m.cells
    top = max([v for line in cells for v in line] + [0]) or 1
    head = "".join(f"<th>{e(_label(c.label_en, c.label_zh))}</th>" for c in m.cols)
    rows = []
    for r, row in enumerate(m.rows):
        label = e(row.label_en) + (
            f' · <span lang="zh-Hant">{e(row.label_zh)}</span>'
            if row.label_zh != row.label_en
            else ""
        )
        cls = "row theme" if row.depth == 0 else "row"
        pad = f' style="padding-left:{0.5 + 1.2 * row.depth:.1f}em"'
        line = "".join(
            f'<td style="background:rgba(0,114,178,{0.6 * v / top:.2f})" '
            f'title="{e(str(len(m.cell_codings(r, c))))} codings">{e(shown(v, m.measure))}</td>'
            for c, v in enumerate(cells[r])
        )
        rows.append(f'<tr><th class="{cls}"{pad} title="{e(row.id)}">{label}</th>{line}</tr>')
    note = f"Cells: {m.measure}" + (f"; where {m.filter_text}" if m.filter_text else "")
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "style-src 'unsafe-inline'\">",
            f"<title>{e(title)}</title><style>{_CSS}</style></head><body>",
            f"<h1>{e(title)}</h1><p>{e(note)}</p>",
            f"<table><thead><tr><th>Code 編碼</th>{head}</tr></thead>",
            f"<tbody>{''.join(rows)}</tbody></table>",
            "</body></html>",
            "",
        ]
    )


def write_json(table: AnalysisTable, fh: IO[bytes]) -> None:
    fh.write(json.dumps(table.data, ensure_ascii=False, indent=2).encode("utf-8"))


def write_csv(table: AnalysisTable, fh: IO[bytes]) -> None:
    """The first sheet, UTF-8 with a BOM (Excel reads Chinese right), cells neutralised."""
    buf = io.StringIO()
    w = csv.writer(buf)
    for row in next(iter(table.sheets.values())):
        w.writerow([neutralise(v) for v in row])
    fh.write(buf.getvalue().encode("utf-8-sig"))


def write_html(table: AnalysisTable, fh: IO[bytes]) -> None:
    if table.html is None:
        raise MpuQualError("this table has no HTML page", field="format")
    fh.write(table.html.encode("utf-8"))


def write_xlsx(table: AnalysisTable, fh: IO[bytes]) -> None:
    """Every sheet."""
    _xlsx(table.sheets, fh)


def _xlsx(sheets: dict[str, list[list[Any]]], fh: IO[bytes]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name[:31])
        for row in rows:
            ws.append([_xl(v) for v in row])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.column_dimensions["A"].width = 30
        ws.column_dimensions["B"].width = 40
        ws.column_dimensions["C"].width = 24
        ws.freeze_panes = "D2"
        _as_text(ws)
    wb.save(fh)


def _xl(value: Any) -> Any:
    if isinstance(value, str):
        return neutralise(xml_safe(value))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value


def _as_text(ws: Worksheet) -> None:
    """openpyxl would store a str starting with '=' as a formula; keep every str a string."""
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"


# --------------------------------------------------------------------------- framework
def cell_text(cell: FrameworkCell, *, limit: int | None = None) -> str:
    """A framework cell as plain text: the summary, then each passage with its coding ids."""
    parts = []
    if cell.summary:
        parts.append(f"Summary 摘要: {cell.summary}")
    for q in cell.quotes:
        ids = ", ".join(f"#{i}" for i in q.coding_ids)
        parts.append(f"“{q.text}” ({q.source}; {ids})")
    text = "\n\n".join(parts)
    if limit is not None and len(text) > limit:
        cut = text[: limit - 80].rsplit("\n\n", 1)[0]
        shown_n = cut.count("“")
        text = cut + f"\n\n… {len(cell.quotes) - shown_n} more passages: see the quotes export."
    return text


def framework_rows(fw: Framework) -> list[list[Any]]:
    head = ["Participant 參與者" if fw.by == "participant" else "Group 組別", "Group 組別"]
    head += [_label(t.label_en, t.label_zh) for t in fw.themes]
    out: list[list[Any]] = [head]
    for r, row in enumerate(fw.rows):
        line: list[Any] = [_label(row.label_en, row.label_zh), row.group]
        line += [cell_text(c, limit=XLSX_CELL_LIMIT) for c in fw.cells[r]]
        out.append(line)
    return out


def write_framework_xlsx(fw: Framework, fh: IO[bytes]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Framework"
    for row in framework_rows(fw):
        ws.append([_xl(v) for v in row])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 18
    for i in range(len(fw.themes)):
        ws.column_dimensions[ws.cell(row=1, column=i + 3).column_letter].width = 60
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "C2"
    ids = wb.create_sheet("Coding ids")
    ids.append(["Row", *[t.id for t in fw.themes]])
    for r, fw_row in enumerate(fw.rows):
        ids.append([fw_row.key, *[", ".join(map(str, c.coding_ids)) for c in fw.cells[r]]])
    for sheet in (ws, ids):
        _as_text(sheet)
    wb.save(fh)


def write_framework_docx(fw: Framework, fh: IO[bytes]) -> None:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    rpr = doc.styles["Normal"].element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.LANDSCAPE
    sec.page_width, sec.page_height = sec.page_height, sec.page_width
    doc.add_heading("Framework matrix 框架矩陣", level=1)
    if fw.filter_text:
        doc.add_paragraph(docx_text(f"Selection: {fw.filter_text}"))
    table = doc.add_table(rows=1, cols=len(fw.themes) + 1)
    table.style = "Table Grid"
    head = table.rows[0].cells
    head[0].text = "Participant 參與者" if fw.by == "participant" else "Group 組別"
    for i, t in enumerate(fw.themes):
        head[i + 1].text = docx_text(_label(t.label_en, t.label_zh))
    for r, row in enumerate(fw.rows):
        cells = table.add_row().cells
        cells[0].text = docx_text(_label(row.label_en, row.label_zh))
        for col, cell in enumerate(fw.cells[r]):
            target = cells[col + 1]
            para = target.paragraphs[0]
            if cell.summary:
                para.add_run(docx_text(cell.summary)).bold = True
                para = target.add_paragraph()
            for q in cell.quotes:
                para.add_run(docx_text(f"“{q.text}”")).italic = True
                ids = ", ".join(f"#{i}" for i in q.coding_ids)
                small = para.add_run(docx_text(f" ({q.source}; {ids})"))
                small.font.size = Pt(8)
                para = target.add_paragraph()
    doc.save(fh)


def framework_markdown(fw: Framework) -> str:
    head = ["Participant" if fw.by == "participant" else "Group"]
    head += [md_cell(_label(t.label_en, t.label_zh)) for t in fw.themes]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r, row in enumerate(fw.rows):
        cells = [md_cell(_label(row.label_en, row.label_zh))]
        cells += [md_cell(cell_text(c)).replace("\n", " ") for c in fw.cells[r]]
        lines.append("| " + " | ".join(cells) + " |")
    return "# Framework matrix 框架矩陣\n\n" + "\n".join(lines) + "\n"


def write_framework_markdown(fw: Framework, fh: IO[bytes]) -> None:
    fh.write(framework_markdown(fw).encode("utf-8"))
