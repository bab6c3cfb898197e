"""The intercoder-agreement section of reports: Markdown, HTML, DOCX and an XLSX sheet.

Written only when the project has codings by at least two coders (``agreement_for``); the
figures and wording come from ``mpu_qual.team`` (the same as ``mpu-qual agreement``).
"""

from __future__ import annotations

import html
from dataclasses import replace
from typing import TYPE_CHECKING

from mpu_qual.errors import MpuQualError
from mpu_qual.pseudonymise import Pseudonymiser
from mpu_qual.safe_text import docx_text, md_cell, neutralise, xml_safe
from mpu_qual.store import Project
from mpu_qual.team.coders import known_coders
from mpu_qual.team.methods import TABLE_HEAD, methods_paragraph, table_rows
from mpu_qual.team.reliability import AgreementReport, measure_agreement

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from openpyxl.worksheet.worksheet import Worksheet

HEADING = "Methods: intercoder agreement"


def agreement_for(
    project: Project, unit: str = "segment", pseudo: Pseudonymiser | None = None
) -> AgreementReport | None:
    """Agreement of every coder over every transcript, or None with fewer than two coders.
    Pseudonymised exports pass coders' names, labels and transcript names through ``pseudo``."""
    if len(known_coders(project)) < 2:
        return None
    try:
        report = measure_agreement(project, unit=unit)
    except MpuQualError:
        return None
    if pseudo is None:
        return report
    p = pseudo.apply
    return replace(
        report,
        coders=[p(c) for c in report.coders],
        sources=[p(s) for s in report.sources],
        labels={cid: (p(en), p(zh)) for cid, (en, zh) in report.labels.items()},
    )


def markdown(report: AgreementReport) -> list[str]:
    out = [f"## {HEADING}", "", methods_paragraph(report), ""]
    out.append("| " + " | ".join(TABLE_HEAD[1:]) + " |")
    out.append("|---|---|" + "---:|" * (len(TABLE_HEAD) - 3))
    for row in table_rows(report):
        out.append("| " + " | ".join(md_cell(x) for x in row[1:]) + " |")
    return out + [""]


def html_section(report: AgreementReport) -> list[str]:
    e = html.escape
    out = [f"<h2>{e(HEADING)}</h2>", f"<p>{e(methods_paragraph(report))}</p>", "<table><tr>"]
    out += [f"<th>{e(h)}</th>" for h in TABLE_HEAD[1:]]
    out.append("</tr>")
    for row in table_rows(report):
        cells = [f"<td>{e(row[1])}</td>", f"<td>{e(row[2])}</td>"]
        cells += [f'<td class="n">{e(x)}</td>' for x in row[3:]]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return out


def docx_section(doc: DocxDocument, report: AgreementReport) -> None:
    doc.add_heading(HEADING, level=1)
    doc.add_paragraph(docx_text(methods_paragraph(report)))
    table = doc.add_table(rows=1, cols=len(TABLE_HEAD) - 1)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, TABLE_HEAD[1:], strict=True):
        cell.text = text
    for row in table_rows(report):
        for cell, text in zip(table.add_row().cells, row[1:], strict=True):
            cell.text = docx_text(text)


def xlsx_sheet(ws: Worksheet, report: AgreementReport) -> None:
    """Per-code figures as numbers (percent as a fraction), then the methods paragraph."""
    from openpyxl.styles import Alignment, Font

    ws.append(list(TABLE_HEAD))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for cid, s in [*report.codes.items(), ("overall", report.overall)]:
        en, zh = report.labels.get(cid, ("All codes pooled", "全部編碼合計"))
        ws.append(
            [neutralise(xml_safe(x)) for x in (cid, en, zh)]
            + [s.units, s.percent, s.kappa, s.alpha]
        )
        for cell in ws[ws.max_row][4:]:
            cell.number_format = "0.0%" if cell.column == 5 else "0.000"
    ws.append([])
    ws.append([xml_safe(methods_paragraph(report))])
    ws.cell(row=ws.max_row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=7)
    ws.row_dimensions[ws.max_row].height = 120
    for letter, width in zip("ABCDEFG", (36, 36, 24, 10, 12, 14, 20), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
