"""What the summary takes from ``mpu_qual.analysis``: per theme, the codes of other themes that
co-occur with it; and, when asked, the framework matrix (participants x themes).

Co-occurrence here is ATLAS.ti's: passages of the theme (with its sub-codes) that overlap
passages of a code outside the theme; the section lists the codes met most often, with the
count, the c-coefficient and the passages behind each (docs/analysis.md).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mpu_qual.analysis.cooccur import cooccurrence
from mpu_qual.analysis.facts import Facts
from mpu_qual.analysis.framework import Framework, framework_matrix
from mpu_qual.analysis.render import cell_text
from mpu_qual.pseudonymise import Pseudonymiser
from mpu_qual.safe_text import docx_text, md_cell, md_inline
from mpu_qual.store import Project

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

COOCCURRING_SHOWN = 5


@dataclass(frozen=True)
class Cooccurring:
    """A code outside the theme whose passages overlap the theme's."""

    code_id: str
    label_en: str
    label_zh: str
    count: int
    c: float | None
    coding_ids: list[int]

    def text(self) -> str:
        c = "–" if self.c is None else f"{self.c:.2f}"
        return f"{self.label_en} · {self.label_zh}: {self.count} (c = {c})"


def theme_cooccurrence(
    facts: Facts, theme_id: str, pseudo: Pseudonymiser | None = None
) -> list[Cooccurring]:
    """The codes of other themes that overlap the theme's passages most (at most five)."""
    inside = facts.descendants(theme_id)
    others = [
        c.id
        for c in facts.codes
        if c.id not in inside and c.parent_id is not None and facts.by_code.get(c.id)
    ]
    if not facts.by_code.get(theme_id) or not others:
        return []
    co = cooccurrence(facts, [theme_id, *others], mode="overlap")
    p = pseudo.apply if pseudo else (lambda s: s)
    by_id = {c.id: c for c in facts.codes}
    out = []
    for cid, n, c in co.partners(theme_id)[:COOCCURRING_SHOWN]:
        j = co.codes.index(cid)
        out.append(
            Cooccurring(
                cid, p(by_id[cid].label_en), p(by_id[cid].label_zh), n, c, co.pair_codings(0, j)
            )
        )
    return out


def summary_framework(project: Project, pseudo: Pseudonymiser | None) -> Framework:
    """The framework matrix by participant, its quotes and summaries pseudonymised if asked."""
    fw = framework_matrix(project, by="participant")
    if pseudo is not None:
        for line in fw.cells:
            for cell in line:
                cell.summary = pseudo.apply(cell.summary)
                cell.quotes = [
                    type(q)(
                        pseudo.apply(q.text),
                        q.source,
                        q.start,
                        q.start_ms,
                        q.coding_ids,
                        q.code_ids,
                    )
                    for q in cell.quotes
                ]
    return fw


# ----------------------------------------------------------------------------- renderers
INTRO = (
    "Codes of other themes whose passages overlap this theme's (count of overlapping pairs; "
    "c = ATLAS.ti's c-coefficient):"
)
FRAMEWORK_TITLE = "Framework matrix: participants x themes"


def _ids(ids: list[int]) -> str:
    return "[" + ", ".join(f"#{i}" for i in ids) + "]" if ids else ""


def cooccurrence_md(lines: list[Cooccurring]) -> list[str]:
    if not lines:
        return []
    out = [INTRO, ""]
    out += [f"- {md_inline(x.text())} {_ids(x.coding_ids)}" for x in lines]
    return [*out, ""]


def cooccurrence_html(lines: list[Cooccurring]) -> list[str]:
    if not lines:
        return []
    e = html.escape
    items = "".join(f"<li>{e(x.text())} {e(_ids(x.coding_ids))}</li>" for x in lines)
    return [f"<p>{e(INTRO)}</p><ul>{items}</ul>"]


def cooccurrence_docx(doc: DocxDocument, lines: list[Cooccurring]) -> None:
    if not lines:
        return
    doc.add_paragraph(INTRO)
    for x in lines:
        doc.add_paragraph(docx_text(f"{x.text()} {_ids(x.coding_ids)}"), style="List Bullet")


def framework_md(fw: Framework | None) -> list[str]:
    if fw is None:
        return []
    head = ["Participant", *[f"{t.label_en} · {t.label_zh}" for t in fw.themes]]
    out = [f"## {FRAMEWORK_TITLE}", "", "| " + " | ".join(md_cell(h) for h in head) + " |"]
    out.append("|" + "---|" * len(head))
    for r, row in enumerate(fw.rows):
        cells = [md_cell(row.label_en), *[md_cell(cell_text(c)) for c in fw.cells[r]]]
        out.append("| " + " | ".join(cells) + " |")
    return [*out, ""]


def framework_html(fw: Framework | None) -> list[str]:
    if fw is None:
        return []
    e = html.escape
    head = "".join(f"<th>{e(t.label_en)} · {e(t.label_zh)}</th>" for t in fw.themes)
    rows = []
    for r, row in enumerate(fw.rows):
        cells = "".join(
            "<td>" + e(cell_text(c)).replace("\n\n", "<br><br>") + "</td>" for c in fw.cells[r]
        )
        rows.append(f"<tr><th>{e(row.label_en)}</th>{cells}</tr>")
    return [
        f"<h2>{e(FRAMEWORK_TITLE)}</h2>",
        f"<table><tr><th>Participant</th>{head}</tr>{''.join(rows)}</table>",
    ]


def framework_docx(doc: DocxDocument, fw: Framework | None) -> None:
    if fw is None:
        return
    doc.add_heading(FRAMEWORK_TITLE, level=1)
    table = doc.add_table(rows=1, cols=len(fw.themes) + 1)
    table.style = "Table Grid"
    table.rows[0].cells[0].text = "Participant"
    for i, t in enumerate(fw.themes):
        table.rows[0].cells[i + 1].text = docx_text(f"{t.label_en} · {t.label_zh}")
    for r, row in enumerate(fw.rows):
        cells = table.add_row().cells
        cells[0].text = docx_text(row.label_en)
        for col, cell in enumerate(fw.cells[r]):
            cells[col + 1].text = docx_text(cell_text(cell))
