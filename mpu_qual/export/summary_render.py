"""Write a built ``Summary`` as Markdown, HTML (with SVG charts) or DOCX (with PNG charts)."""

from __future__ import annotations

import html
import importlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING

from mpu_qual.errors import MpuQualError
from mpu_qual.export import agreement_render, summary_analysis
from mpu_qual.export.charts import bar_chart_png, bar_chart_svg, png_legend
from mpu_qual.export.formats import SUMMARY_FORMATS
from mpu_qual.export.quotes import html_page, new_document, save_zip
from mpu_qual.export.summary import CodeLine, Quote, Section, Summary, ThemeSummary
from mpu_qual.export.summary_evidence import EvidenceItem
from mpu_qual.fileio import write_atomic
from mpu_qual.safe_text import docx_text, md_cell, md_inline

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument


def summary_format(path: str | Path, fmt: str | None = None) -> str:
    """The summary format: given explicitly, else from the file's extension."""
    return SUMMARY_FORMATS.choose(path, fmt).name


def write_summary(summary: Summary, path: str | Path, fmt: str | None = None) -> Path:
    """Write the summary atomically (mode 0600)."""
    writer = SUMMARY_FORMATS.choose(path, fmt).load()
    return write_atomic(path, lambda fh: writer(summary, fh))


def write_markdown(s: Summary, fh: IO[bytes]) -> None:
    fh.write(render_markdown(s).encode("utf-8"))


def write_html(s: Summary, fh: IO[bytes]) -> None:
    fh.write(render_html(s).encode("utf-8"))


def ids(coding_ids: list[int]) -> str:
    """'[#3, #7]': how a figure or quote names the codings behind it ('' for none)."""
    return "[" + ", ".join(f"#{n}" for n in coding_ids) + "]" if coding_ids else ""


def _groups(line: CodeLine) -> str:
    return ", ".join(f"{en} {zh}" for en, zh in line.groups) or "–"


def _how_to_read(s: Summary) -> list[str]:
    out = [
        "Numbers are coded passages (distinct coded spans; a code's count includes its "
        "sub-codes), participants who said them (the moderator not counted) and the "
        "stakeholder groups of those participants.",
        "Every figure and quote ends with the coding ids it comes from, e.g. [#12]: find them "
        "with 'mpu-qual code list' or in the workbench.",
        s.rule,
    ]
    if s.pseudonymised:
        out.append("Names are replaced by participant labels (pseudonymised).")
    return out


def _attribution(q: Quote) -> str:
    group = f" ({q.group_en} {q.group_zh})" if q.group_en else ""
    when = f", {q.time_range}" if q.time_range else ""
    return f"{q.participant or 'unknown speaker'}{group}, {q.source}{when}"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _total_sentence(t: ThemeSummary) -> str:
    if not t.total.passages:
        return "No coded passages yet."
    groups = ", ".join(f"{en} {zh}" for en, zh in t.total.groups) or "no stakeholder group"
    return (
        f"{plural(t.total.passages, 'coded passage')} from "
        f"{plural(t.total.participants, 'participant')} ({groups})."
    )


# ----------------------------------------------------------------------------- Markdown
def render_markdown(s: Summary) -> str:
    out = [f"# Theme summary: {md_inline(s.title)}", ""]
    if s.title_zh:
        out += [md_inline(s.title_zh), ""]
    out += [f"- {md_inline(x)}" for x in s.overview] + [""]
    out += ["**How to read this summary**", ""] + [f"- {x}" for x in _how_to_read(s)]
    out.append("")
    for n, t in enumerate(s.themes, start=1):
        out += [f"## {n}. {md_inline(t.label_en)} · {md_inline(t.label_zh)}", ""]
        out += [f"{md_inline(_total_sentence(t))} {ids(t.total.coding_ids)}".rstrip(), ""]
        if t.prose:
            out += [
                f"> **Draft paragraph by {md_inline(t.prose_by or 'a prose writer')}; "
                "check it against the quotes:** " + md_inline(" ".join(t.prose.split())),
                "",
            ]
        if t.chart.rows and t.chart.groups:
            out += ["Coded passages by stakeholder group:", ""] + _chart_table(t) + [""]
        out += summary_analysis.cooccurrence_md(t.cooccurring)
        for sec in t.sections:
            if t.by_audience:
                out += [f"### {md_inline(sec.heading_en)} · {md_inline(sec.heading_zh)}", ""]
            out += _section_md(sec, s.quotes_per_section)
    out += summary_analysis.framework_md(s.framework)
    if s.agreement is not None:
        out += agreement_render.markdown(s.agreement)
    return "\n".join(out).rstrip() + "\n"


def _chart_table(t: ThemeSummary) -> list[str]:
    head = ["Code", *[f"{g.en} {g.zh}" for g in t.chart.groups], "Total"]
    out = ["| " + " | ".join(md_cell(h) for h in head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for r in t.chart.rows:
        cells = [
            md_cell(f"{r.label_en} {r.label_zh}"),
            *[str(r.counts.get(g.id, 0)) for g in t.chart.groups],
            str(r.total),
        ]
        out.append("| " + " | ".join(cells) + " |")
    return out


def _section_md(sec: Section, n_quotes: int) -> list[str]:
    out: list[str] = []
    if sec.lines:
        out += [
            "| Code | 編碼 | Passages | Participants | Raised by | Coding ids |",
            "|---|---|---:|---:|---|---|",
        ]
        for ln in sec.lines:
            pad = "&nbsp;&nbsp;" * max(ln.depth - 1, 0)
            out.append(
                f"| {pad}{md_cell(ln.label_en)} | {md_cell(ln.label_zh)} | {ln.passages} | "
                f"{ln.participants} | {md_cell(_groups(ln))} | {ids(ln.coding_ids)} |"
            )
        out.append("")
    else:
        out += ["No coded passages yet.", ""]
    if sec.not_raised:
        names = "; ".join(f"{en} {zh}" for _id, en, zh in sec.not_raised)
        out += [f"Not raised: {md_inline(names)}.", ""]
    if sec.quotes and n_quotes:
        out += ["**Representative quotes**", ""]
        for q in sec.quotes:
            out += [f"> {x}" if x else ">" for x in md_inline(q.text).splitlines()]
            out += [">", f"> — {md_inline(_attribution(q))} {ids(q.coding_ids)}", ""]
    if sec.evidence:
        out += ["**Job-ad evidence**", ""]
        for e in sec.evidence:
            out.append(f"- {md_inline(_evidence_text(e))}")
        out.append("")
    return out


def _evidence_text(e: EvidenceItem) -> str:
    target = f"coding #{e.coding_id}" if e.coding_id is not None else f"code {e.code_id}"
    note = f" {e.note.rstrip().rstrip('.')}." if e.note else ""
    return (
        f"{e.figure}: {e.query}.{note} Computed {e.computed_at[:10]} from the job-ad "
        f"tables (evidence link {e.link_id}, on {target})."
    )


# ----------------------------------------------------------------------------- HTML
def render_html(s: Summary) -> str:
    e = html.escape
    body = [f"<h1>Theme summary: {e(s.title)}</h1>"]
    if s.title_zh:
        body.append(f'<p lang="zh-Hant">{e(s.title_zh)}</p>')
    body.append("<ul>" + "".join(f"<li>{e(x)}</li>" for x in s.overview) + "</ul>")
    body.append(
        "<details><summary>How to read this summary</summary><ul>"
        + "".join(f"<li>{e(x)}</li>" for x in _how_to_read(s))
        + "</ul></details>"
    )
    for n, t in enumerate(s.themes, start=1):
        body.append(
            f'<h2 id="{e(t.theme_id)}">{n}. {e(t.label_en)} · '
            f'<span lang="zh-Hant">{e(t.label_zh)}</span></h2>'
        )
        body.append(f"<p>{e(_total_sentence(t))} {ids(t.total.coding_ids)}</p>")
        if t.prose:
            body.append(
                f'<p class="memo"><strong>Draft paragraph by {e(t.prose_by or "")}; '
                f"check it against the quotes:</strong> {e(t.prose)}</p>"
            )
        if t.chart.rows and t.chart.groups:
            body.append(f"<figure>{bar_chart_svg(t.chart, title=t.label_en)}</figure>")
        body += summary_analysis.cooccurrence_html(t.cooccurring)
        for sec in t.sections:
            if t.by_audience:
                body.append(f"<h3>{e(sec.heading_en)} · {e(sec.heading_zh)}</h3>")
            body += _section_html(sec, s.quotes_per_section)
    body += summary_analysis.framework_html(s.framework)
    if s.agreement is not None:
        body += agreement_render.html_section(s.agreement)
    return html_page(f"Theme summary: {s.title}", body)


def _section_html(sec: Section, n_quotes: int) -> list[str]:
    e = html.escape
    out: list[str] = []
    if sec.lines:
        out.append(
            "<table><tr><th>Code</th><th>編碼</th><th>Passages</th><th>Participants</th>"
            "<th>Raised by</th><th>Coding ids</th></tr>"
        )
        for ln in sec.lines:
            pad = "&nbsp;" * 2 * max(ln.depth - 1, 0)
            out.append(
                f"<tr><td>{pad}{e(ln.label_en)}</td><td>{e(ln.label_zh)}</td>"
                f'<td class="n">{ln.passages}</td><td class="n">{ln.participants}</td>'
                f"<td>{e(_groups(ln))}</td><td>{ids(ln.coding_ids)}</td></tr>"
            )
        out.append("</table>")
    else:
        out.append("<p>No coded passages yet.</p>")
    if sec.not_raised:
        out.append(
            "<p>Not raised: "
            + e("; ".join(f"{en} {zh}" for _i, en, zh in sec.not_raised))
            + ".</p>"
        )
    if sec.quotes and n_quotes:
        out.append("<h4>Representative quotes</h4>")
        for q in sec.quotes:
            out.append(f"<blockquote>{e(q.text)}</blockquote>")
            out.append(f'<p class="attr">— {e(_attribution(q))} {ids(q.coding_ids)}</p>')
    if sec.evidence:
        out.append(
            "<h4>Job-ad evidence</h4><ul>"
            + "".join(f"<li>{e(_evidence_text(x))}</li>" for x in sec.evidence)
            + "</ul>"
        )
    return out


# ----------------------------------------------------------------------------- DOCX
def write_docx(s: Summary, fh: IO[bytes]) -> None:
    from docx.shared import Inches, Pt, RGBColor

    x = docx_text
    doc = new_document()
    doc.add_heading(x(f"Theme summary: {s.title}"), level=0)
    if s.title_zh:
        doc.add_paragraph(x(s.title_zh))
    for line in s.overview:
        doc.add_paragraph(x(line), style="List Bullet")
    doc.add_heading("How to read this summary", level=2)
    for line in _how_to_read(s):
        doc.add_paragraph(x(line), style="List Bullet")
    for n, t in enumerate(s.themes, start=1):
        doc.add_heading(x(f"{n}. {t.label_en} · {t.label_zh}"), level=1)
        doc.add_paragraph(x(f"{_total_sentence(t)} {ids(t.total.coding_ids)}"))
        if t.prose:
            para = doc.add_paragraph()
            para.add_run(
                x(f"Draft paragraph by {t.prose_by}; check it against the quotes: ")
            ).bold = True
            para.add_run(x(t.prose))
        if t.chart.rows and t.chart.groups:
            doc.add_picture(io.BytesIO(bar_chart_png(t.chart)), width=Inches(6))
            rows, colors = png_legend(t.chart)
            legend = doc.add_paragraph()
            for color, label in colors:
                run = legend.add_run("■ ")
                run.font.color.rgb = RGBColor.from_string(color.lstrip("#").upper())
                legend.add_run(x(label) + "   ")
            for r in rows:
                doc.add_paragraph(x(r)).runs[0].font.size = Pt(9)
        summary_analysis.cooccurrence_docx(doc, t.cooccurring)
        for sec in t.sections:
            if t.by_audience:
                doc.add_heading(x(f"{sec.heading_en} · {sec.heading_zh}"), level=2)
            _section_docx(doc, sec, s.quotes_per_section)
    summary_analysis.framework_docx(doc, s.framework)
    if s.agreement is not None:
        agreement_render.docx_section(doc, s.agreement)
    save_zip(doc.save, fh)


def _section_docx(doc: DocxDocument, sec: Section, n_quotes: int) -> None:
    from docx.shared import Pt

    x = docx_text
    if sec.lines:
        head = ["Code", "編碼", "Passages", "Participants", "Raised by", "Coding ids"]
        table = doc.add_table(rows=1, cols=len(head))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, head, strict=True):
            cell.text = text
        for ln in sec.lines:
            cells = table.add_row().cells
            values = [
                ("  " * max(ln.depth - 1, 0)) + ln.label_en,
                ln.label_zh,
                str(ln.passages),
                str(ln.participants),
                _groups(ln),
                ids(ln.coding_ids),
            ]
            for cell, text in zip(cells, values, strict=True):
                cell.text = x(text)
    else:
        doc.add_paragraph("No coded passages yet.")
    if sec.not_raised:
        doc.add_paragraph(
            x("Not raised: " + "; ".join(f"{en} {zh}" for _i, en, zh in sec.not_raised) + ".")
        )
    if sec.quotes and n_quotes:
        doc.add_heading("Representative quotes", level=3)
        for q in sec.quotes:
            doc.add_paragraph(x(q.text), style="Quote")
            attr = doc.add_paragraph(x(f"— {_attribution(q)} {ids(q.coding_ids)}"))
            attr.runs[0].font.size = Pt(9)
    if sec.evidence:
        doc.add_heading("Job-ad evidence", level=3)
        for e in sec.evidence:
            doc.add_paragraph(x(_evidence_text(e)), style="List Bullet")


def load_prose_writer(spec: str) -> Callable[..., str]:
    """The user's ``module:function`` that drafts a paragraph per theme (``--prose-writer``)."""
    module, sep, attr = spec.partition(":")
    if not sep or not module or not attr:
        raise MpuQualError(
            f"--prose-writer must look like module:function, got '{spec}'", field="prose-writer"
        )
    try:
        fn = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise MpuQualError(
            f"cannot load the prose writer '{spec}': {exc}", field="prose-writer"
        ) from None
    if not callable(fn):
        raise MpuQualError(f"'{spec}' is not callable", field="prose-writer")
    return fn
