"""CLI: ``mpu-qual matrix``, ``cooccurrence``, ``framework``, ``framework-summary``: queries on
the coding (``mpu_qual.analysis``), printed as a table or written in one of the formats
``analysis/formats.py`` declares (the ``--format`` choices and help come from there)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from mpu_qual.analysis.formats import COOCCURRENCE_FORMATS, FRAMEWORK_FORMATS, MATRIX_FORMATS
from mpu_qual.cli import main, project_option
from mpu_qual.cli.core import open_project, refuse_project_output
from mpu_qual.cli.file_output import format_option, output_option, write_file, write_or_print
from mpu_qual.cli.output import console, echo
from mpu_qual.errors import MpuQualError
from mpu_qual.figures import count
from mpu_qual.fileio import read_small_text
from mpu_qual.safe_text import terminal_text
from mpu_qual.store.analysis_reads import AnalysisReads

_WHERE = click.option(
    "--where",
    multiple=True,
    metavar="DIM=VALUE[,VALUE]",
    help="Count only passages where DIM (group, participant, transcript, attr:NAME, "
    "tattr:NAME) takes one of the values (repeatable; all must hold).",
)


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _visible(text: str) -> str:
    """Stored text for one table line: breaks and tabs as spaces, control and escape
    characters shown (``safe_text.terminal_text``, as everywhere in the CLI)."""
    text = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ").replace("\t", " ")
    return terminal_text(text)


def _show_codings(project, ids: list[int], what: str) -> None:
    codings = AnalysisReads(project).codings(ids)
    echo(f"{what}: {count(len(codings), 'coding')}.")
    table = Table("Id", "Code", "Transcript", "Speaker", "Quote")
    for c in codings:
        quote = _visible(c.quote)
        table.add_row(
            str(c.id),
            escape(c.code_id),
            escape(c.source_name),
            escape(c.participant_label or ""),
            escape(quote[:100] + ("…" if len(quote) > 100 else "")),
        )
    console.print(table)


# ----------------------------------------------------------------------------- matrix
@main.command("matrix")
@project_option
@click.option(
    "--rows",
    "rows",
    multiple=True,
    metavar="SPEC",
    help="Rows: 'codes' (every code, the default), 'themes', a code id, or a code expression "
    "such as 'A & B' or 'A & !B' (repeatable).",
)
@click.option("--level", type=int, help="Only codes at this depth (0 = themes).")
@click.option("--under", metavar="CODE", help="Only the direct sub-codes of CODE.")
@click.option(
    "--cols",
    default="group",
    show_default=True,
    help="Columns: group, participant, transcript, attr:NAME (participant attribute) or "
    "tattr:NAME (transcript attribute).",
)
@click.option(
    "--measure",
    type=click.Choice(["passages", "participants", "share"]),
    default="passages",
    show_default=True,
    help="What a cell counts: coded passages, participants, or share of the column's talk.",
)
@_WHERE
@click.option("--nonzero", multiple=True, metavar="COL", help="Keep rows with a figure in COL.")
@click.option("--zero", multiple=True, metavar="COL", help="Keep rows with nothing in COL.")
@click.option("--jobs", is_flag=True, help="Add the job-ad figures linked to each code.")
@format_option(MATRIX_FORMATS, "table")
@output_option(MATRIX_FORMATS)
@click.option(
    "--cell",
    nargs=2,
    metavar="ROW COL",
    help="List the codings behind one cell (row id, column key or label).",
)
@click.pass_context
def matrix_cmd(
    ctx: click.Context,
    rows: tuple[str, ...],
    level: int | None,
    under: str | None,
    cols: str,
    measure: str,
    where: tuple[str, ...],
    nonzero: tuple[str, ...],
    zero: tuple[str, ...],
    jobs: bool,
    fmt: str | None,
    output: str | None,
    cell: tuple[str, str] | None,
) -> None:
    """Codes (rows) by stakeholder group, participant, transcript or attribute (columns).

    \b
    mpu-qual matrix --under challenges --cols group --measure participants \\
        --nonzero training_expert --zero industry_leader
    mpu-qual matrix --rows 'talent.shortage & !talent.ageing' --cols attr:sector
    """
    from mpu_qual.analysis.facts import Facts, PassageFilter
    from mpu_qual.analysis.jobfigures import job_figures
    from mpu_qual.analysis.matrix import code_matrix
    from mpu_qual.analysis.render import AnalysisTable, matrix_data, matrix_html, matrix_rows, shown

    project = open_project(ctx)
    refuse_project_output(project, output)
    facts = Facts.load(project)
    specs: list[str] = []
    for spec in rows or ("codes",):
        if spec.strip() in ("codes", "themes"):
            specs += facts.select_codes(level=0 if spec.strip() == "themes" else level, under=under)
        else:
            specs.append(spec)
    m = code_matrix(facts, specs, cols, measure, where=PassageFilter.parse(where))
    if nonzero or zero:
        m = m.keep_rows(nonzero, zero)
    if jobs:
        m.job_figures = job_figures(project, [r.id for r in m.rows if r.is_code])
    if cell is not None:
        r, c = _find_cell(m, *cell)
        _show_codings(project, m.cell_codings(r, c), f"{m.rows[r].id} x {m.cols[c].label_en}")
        return
    if fmt not in (None, "table") or output is not None:
        table_out = AnalysisTable(matrix_data(m), {"Matrix": matrix_rows(m)}, matrix_html(m))
        write_or_print(MATRIX_FORMATS, fmt, output, table_out, "table")
        return
    table = Table("Code", *[escape(_label(c.label_en, c.label_zh, "\n")) for c in m.cols])
    if jobs:
        table.add_column("Job ads")
    for r, row in enumerate(m.rows):
        label = "  " * row.depth + f"{row.id}  {row.label_en} · {row.label_zh}"
        line = [escape(label), *[shown(v, m.measure) for v in m.cells[r]]]
        if jobs:
            line.append(escape("; ".join(m.job_figures.get(row.id, []))))
        table.add_row(*line)
    console.print(table)
    what = {"passages": "coded passages", "participants": "participants (moderators left out)"}
    echo(
        f"{count(len(m.rows), 'row')}; cells: {what.get(m.measure, 'share of the column talk')}"
        + (f"; where {m.filter_text}" if m.filter_text else "")
        + ". Open a cell's passages with --cell ROW COL."
    )


def _label(en: str, zh: str, sep: str = " · ") -> str:
    return en if en == zh else f"{en}{sep}{zh}"


def _find_cell(m, row: str, col: str) -> tuple[int, int]:
    rows = [r.id for r in m.rows]
    if row not in rows:
        raise MpuQualError(
            f"no row '{row}' in this matrix",
            field="cell",
            hint="Rows: " + ", ".join(rows[:20]) + (" …" if len(rows) > 20 else ""),
        )
    for j, c in enumerate(m.cols):
        if col in (c.key, c.label_en, c.label_zh):
            return rows.index(row), j
    raise MpuQualError(
        f"no column '{col}' in this matrix",
        field="cell",
        hint="Columns: " + ", ".join(c.key or c.label_en for c in m.cols) + ".",
    )


# ----------------------------------------------------------------------------- co-occurrence
@main.command("cooccurrence")
@project_option
@click.option("--codes", "codes", multiple=True, metavar="ID[,ID]", help="Codes to relate.")
@click.option("--level", type=int, help="Codes at this depth (0 = themes).")
@click.option("--under", metavar="CODE", help="The direct sub-codes of CODE.")
@click.option(
    "--mode",
    type=click.Choice(["passage", "overlap", "near"]),
    default="overlap",
    show_default=True,
    help="Same passage, overlapping passages, or passages within --near segments.",
)
@click.option("--near", "near", type=int, default=0, show_default=True, metavar="N")
@_WHERE
@click.option("--with", "with_code", metavar="CODE", help="List the codes that meet CODE.")
@click.option("--pair", nargs=2, metavar="A B", help="List the codings where A and B meet.")
@click.option(
    "--measure",
    type=click.Choice(["counts", "jaccard", "c"]),
    default="counts",
    show_default=True,
    help="What the table shows (JSON and XLSX carry all three).",
)
@format_option(COOCCURRENCE_FORMATS, "table")
@output_option(COOCCURRENCE_FORMATS)
@click.pass_context
def cooccurrence_cmd(
    ctx: click.Context,
    codes: tuple[str, ...],
    level: int | None,
    under: str | None,
    mode: str,
    near: int,
    where: tuple[str, ...],
    with_code: str | None,
    pair: tuple[str, str] | None,
    measure: str,
    fmt: str | None,
    output: str | None,
) -> None:
    """Which codes are applied together: counts, Jaccard and ATLAS.ti's c-coefficient.

    \b
    mpu-qual cooccurrence --with challenges.shortage_competition
    mpu-qual cooccurrence --level 0 --mode near --near 2 --where group=training_expert
    """
    from mpu_qual.analysis.cooccur import cooccurrence
    from mpu_qual.analysis.facts import Facts, PassageFilter
    from mpu_qual.analysis.render import AnalysisTable, cooc_data, cooc_rows, shown

    project = open_project(ctx)
    refuse_project_output(project, output)
    facts = Facts.load(project)
    chosen = _split(codes)
    if not chosen and (level is not None or under is not None):
        chosen = facts.select_codes(level=level, under=under, used_only=True)
    extra = [c for c in (with_code, *(pair or ())) if c]
    if chosen:
        chosen += [c for c in extra if c not in chosen]
    co = cooccurrence(facts, chosen or None, mode=mode, near=near, where=PassageFilter.parse(where))
    for cid in extra:
        if cid not in co.codes:
            facts.code(cid)
            raise MpuQualError(f"code '{cid}' has no coded passage here", field="codes")
    if pair is not None:
        i, j = co.codes.index(pair[0]), co.codes.index(pair[1])
        _show_codings(project, co.pair_codings(i, j), f"{pair[0]} with {pair[1]} ({mode})")
        return
    if with_code is not None:
        by_id = {c.id: c for c in facts.codes}
        table = Table("Code", "Together", "c", "Jaccard")
        i = co.codes.index(with_code)
        for cid, n, c in co.partners(with_code):
            j = co.codes.index(cid)
            label = f"{cid}  {by_id[cid].label_en} · {by_id[cid].label_zh}"
            table.add_row(escape(label), str(n), shown(c, "c"), shown(co.jaccard[i][j], "j"))
        console.print(table)
        echo(
            f"{with_code} has {count(co.counts[i][i], 'passage')}; "
            f"{count(len(co.partners(with_code)), 'code')} meet it ({mode}). "
            f"Open the passages with --pair {with_code} CODE."
        )
        return
    if fmt not in (None, "table") or output is not None:
        sheets = {m: cooc_rows(co, m) for m in ("counts", "jaccard", "c")}
        if measure != "counts":  # CSV (the first sheet) is the table shown
            sheets = {measure: sheets.pop(measure), **sheets}
        write_or_print(
            COOCCURRENCE_FORMATS, fmt, output, AnalysisTable(cooc_data(co), sheets), "table"
        )
        return
    rows = cooc_rows(co, measure)
    table = Table("Code", *[str(k + 1) for k in range(len(co.codes))])
    for k, line in enumerate(rows[1:]):
        label = f"{k + 1}. {line[0]}  {_label(line[1], line[2])}"
        table.add_row(escape(_visible(label)), *[shown(v, measure) for v in line[3:]])
    console.print(table)
    echo(f"{count(len(co.codes), 'code')}; {measure} ({mode}). The diagonal: each code's passages.")


# ----------------------------------------------------------------------------- framework
@main.command(
    "framework",
    help="Participants (or groups) by themes: what each said, with your summary per cell.\n\n"
    f"Write it with -o FILE ({FRAMEWORK_FORMATS.suffixes_text()}: "
    f"{FRAMEWORK_FORMATS.labels_text()}); without -o it prints Markdown. Set a cell's summary "
    "with 'mpu-qual framework-summary'.",
)
@project_option
@click.option(
    "--by",
    type=click.Choice(["participant", "group"]),
    default="participant",
    show_default=True,
)
@click.option("--themes", multiple=True, metavar="ID[,ID]", help="Columns (default: the themes).")
@click.option("--moderators", is_flag=True, help="Include the moderators' words.")
@_WHERE
@output_option(FRAMEWORK_FORMATS)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FRAMEWORK_FORMATS.names),
    help=f"Default: md in the terminal, or with -o the file's extension "
    f"({', '.join(FRAMEWORK_FORMATS.suffixes)}).",
)
@click.pass_context
def framework_cmd(
    ctx: click.Context,
    by: str,
    themes: tuple[str, ...],
    moderators: bool,
    where: tuple[str, ...],
    output: str | None,
    fmt: str | None,
) -> None:
    from mpu_qual.analysis.facts import PassageFilter
    from mpu_qual.analysis.framework import framework_matrix

    project = open_project(ctx)
    refuse_project_output(project, output)
    fw = framework_matrix(
        project,
        by=by,
        themes=_split(themes) or None,
        where=PassageFilter.parse(where),
        moderators=moderators,
    )
    if output is None:
        echo(FRAMEWORK_FORMATS.text(fmt or "md", fw), nl=False)
        return
    write_file(FRAMEWORK_FORMATS, output, fw, fmt)
    n = sum(len(c.quotes) for line in fw.cells for c in line)
    s = sum(1 for line in fw.cells for c in line if c.summary)
    echo(
        f"{count(len(fw.rows), 'row')} x {count(len(fw.themes), 'theme')}, "
        f"{count(n, 'passage')}, {count(s, 'summary', 'summaries')}."
    )


@main.command("framework-summary")
@project_option
@click.argument("row")
@click.argument("theme")
@click.argument("text", required=False)
@click.option("--by", type=click.Choice(["participant", "group"]), default="participant")
@click.option("--file", "text_file", type=click.Path(dir_okay=False, exists=True))
@click.option("--clear", is_flag=True, help="Remove the cell's summary.")
@click.pass_context
def framework_summary_cmd(
    ctx: click.Context,
    row: str,
    theme: str,
    text: str | None,
    by: str,
    text_file: str | None,
    clear: bool,
) -> None:
    """Set the summary of one framework cell: ROW (participant label or group) x THEME.

    One undoable action ('mpu-qual undo' takes it back).
    """
    from mpu_qual.analysis.framework import set_summary

    if text_file is not None:
        text = read_small_text(Path(text_file), "summary", max_bytes=100_000)
    if clear:
        text = ""
    if text is None:
        raise MpuQualError("give the summary text (or --file FILE, or --clear)", field="text")
    project = open_project(ctx)
    done = set_summary(project, by, row, theme, text)
    echo(f"{done}. Undo with 'mpu-qual undo'.")
