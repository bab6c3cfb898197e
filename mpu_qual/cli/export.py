"""Export and import commands: coded quotes, theme summaries, REFI-QDA files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from mpu_qual.cli import main, project_option
from mpu_qual.cli.core import open_project, project_dir
from mpu_qual.cli.output import echo
from mpu_qual.errors import MpuQualError
from mpu_qual.export.formats import QUOTE_FORMATS, SUMMARY_FORMATS
from mpu_qual.figures import count
from mpu_qual.store import Project

if TYPE_CHECKING:
    from mpu_qual.pseudonymise import Pseudonymiser
    from mpu_qual.refi.import_plan import ImportReport


def _pseudonymiser(project: Project, enabled: bool, names: str | None) -> Pseudonymiser | None:
    from mpu_qual.pseudonymise import project_pseudonymiser

    if not enabled:
        if names:
            raise MpuQualError("--pseudonyms needs --pseudonymise", field="pseudonyms")
        return None
    pseudo = project_pseudonymiser(project, names)
    if not pseudo:
        echo(
            "note: no participant has a name and there is no pseudonym list, so no "
            "names were replaced. Set names with 'mpu-qual participants set LABEL --name' "
            "or write pseudonyms.yaml.",
            err=True,
        )
    return pseudo


def _open_pseudonymised(
    ctx: click.Context, enabled: bool, names: str | None, output: str
) -> tuple[Project, Pseudonymiser | None]:
    """Open the project and its pseudonymiser, and refuse an output that is one of the
    project's own files: every export starts so."""
    from mpu_qual.export.targets import refuse_project_file

    project = open_project(ctx)
    refuse_project_file(project, output)
    return project, _pseudonymiser(project, enabled, names)


def _output_option(help: str | None = None) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The required ``-o/--output FILE`` option of every export command."""
    return click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help=help)


def pseudonymise_options(func):
    func = click.option(
        "--pseudonyms",
        type=click.Path(dir_okay=False),
        default=None,
        help="Pseudonym list (YAML 'name: label' or CSV name,label); "
        "default: pseudonyms.yaml in the project, if present.",
    )(func)
    return click.option(
        "--pseudonymise",
        "--pseudonymize",
        "pseudonymise",
        is_flag=True,
        help="Replace participants' names and listed names with labels "
        "(the stored transcripts do not change).",
    )(func)


@main.group("export")
def export_group() -> None:
    """Export coded quotes or REFI-QDA files (codebook .qdc, project .qdpx)."""


@export_group.command("quotes")
@project_option
@_output_option("File to write; the format follows its extension unless --format is given.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(QUOTE_FORMATS.names),
    help=f"Default: from the file's extension ({', '.join(QUOTE_FORMATS.suffixes)}).",
)
@click.option(
    "--code",
    "codes",
    multiple=True,
    metavar="ID",
    help="Only this code and its sub-codes (repeatable).",
)
@click.option("--theme", metavar="ID", help="Only this theme.")
@click.option("--group", metavar="G", help="Only passages by this stakeholder group.")
@click.option("--participant", metavar="LABEL", help="Only passages by this participant.")
@click.option("--source", metavar="NAME", help="Only this transcript.")
@pseudonymise_options
@click.pass_context
def export_quotes_cmd(
    ctx: click.Context,
    output: str,
    fmt: str | None,
    codes: tuple[str, ...],
    theme: str | None,
    group: str | None,
    participant: str | None,
    source: str | None,
    pseudonymise: bool,
    pseudonyms: str | None,
) -> None:
    """Coded quotes with code path, speaker, group, time, memo and coder."""
    from mpu_qual.export.quote_rows import QuoteFilter
    from mpu_qual.export.quotes import export_quotes, format_for

    fmt = format_for(output, fmt)
    project, pseudo = _open_pseudonymised(ctx, pseudonymise, pseudonyms, output)
    flt = QuoteFilter(codes=codes, theme=theme, group=group, participant=participant, source=source)
    data = export_quotes(project, output, fmt, flt, pseudo)
    themes = len({r.theme_id for r in data.rows})
    echo(
        f"Wrote {count(len(data.rows), 'coded quote')} from {count(themes, 'theme')} to {output} ({fmt}"
        + (", pseudonymised)." if pseudo is not None else ").")
    )
    if not data.rows:
        echo("note: no codings matched; check the filters with 'mpu-qual code list'.", err=True)


@export_group.command("qdc")
@project_option
@_output_option()
@pseudonymise_options
@click.pass_context
def export_qdc_cmd(
    ctx: click.Context, output: str, pseudonymise: bool, pseudonyms: str | None
) -> None:
    """The codebook as a REFI-QDA codebook (.qdc) for other QDA programs."""
    from mpu_qual.refi.writer import export_qdc

    project, pseudo = _open_pseudonymised(ctx, pseudonymise, pseudonyms, output)
    export_qdc(project, output, pseudo)
    echo(f"Wrote {count(len(project.codes.list()), 'code')} to {output}.")


@export_group.command("qdpx")
@project_option
@_output_option()
@pseudonymise_options
@click.option(
    "--positions",
    type=click.Choice(["code-points", "utf-16"]),
    default="code-points",
    show_default=True,
    help="How selection positions are counted: code points, as the REFI-QDA standard says, "
    "or UTF-16 units, as NVivo counts them.",
)
@click.pass_context
def export_qdpx_cmd(
    ctx: click.Context, output: str, pseudonymise: bool, pseudonyms: str | None, positions: str
) -> None:
    """The whole project as a REFI-QDA project (.qdpx): codes, transcripts, codings,
    participants as cases, memos as notes."""
    from mpu_qual.refi.qdpx_writer import export_qdpx

    project, pseudo = _open_pseudonymised(ctx, pseudonymise, pseudonyms, output)
    r = export_qdpx(project, output, pseudo, positions)
    echo(
        f"Wrote {output}: {count(r.sources, 'transcript')}, {count(r.codings, 'coding')}, {count(r.cases, 'case')}, "
        f"{count(r.notes, 'note')}" + (" (pseudonymised)." if pseudo is not None else ".")
    )


@main.group("import")
def import_group() -> None:
    """Import REFI-QDA files from QualCoder, ATLAS.ti, MAXQDA, NVivo or Taguette."""


def _print_report(report: ImportReport) -> None:
    echo(
        f"Imported {report.file} into {report.folder}: {count(len(report.sources), 'transcript')}, "
        f"{count(report.codings, 'coding')}, {count(report.participants, 'participant')}, "
        f"{report.memos} memos; {len(report.codes_added)} new codes"
        + (
            f", {count(report.codes_reused, 'code')} already in the codebook."
            if report.codes_reused
            else "."
        )
    )
    for line in report.sets:
        echo(line)
    for w in report.warnings:
        echo(f"warning: {w}", err=True)
    _print_skipped(report)
    if report.sources or report.codes_added or report.memos:
        echo("Undo it with 'mpu-qual undo' if this was not what you wanted.")


def _print_skipped(report: ImportReport) -> None:
    from mpu_qual.refi.skipped import counts

    if not report.skipped:
        return
    echo(f"skipped: {counts(report.skipped)}:", err=True)
    for s in report.skipped:
        echo(f"  - {s.why}" + (f" ({count(s.codings, 'coding')})" if s.codings else ""), err=True)


@import_group.command("qdpx")
@project_option
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--new",
    "new_folder",
    type=click.Path(file_okay=False),
    help="Create a new project in this folder instead of adding to the current one.",
)
@click.option("--prefix", default="", help="Put this before every imported transcript name.")
@click.option(
    "--partial",
    is_flag=True,
    help="Import what can be imported when some sources or codings cannot come along "
    "(they are listed); without it such a file is refused and nothing is written.",
)
@click.option(
    "--positions",
    type=click.Choice(["auto", "code-points", "utf-16", "crlf-once"]),
    default="auto",
    show_default=True,
    help="How the file counts selection positions; auto decides from the file and refuses "
    "when it cannot tell.",
)
@click.pass_context
def import_qdpx_cmd(
    ctx: click.Context,
    file: str,
    new_folder: str | None,
    prefix: str,
    partial: bool,
    positions: str,
) -> None:
    """Add a REFI-QDA project (.qdpx) to this project, or create one with --new DIR."""
    from mpu_qual.refi.import_into_project import import_qdpx, import_qdpx_new

    if new_folder:
        report = import_qdpx_new(
            file, new_folder, prefix=prefix, partial=partial, positions=positions
        )
        _print_report(report)
        echo(f"Next: mpu-qual -p {new_folder}")
        return
    project = open_project(ctx)
    _print_report(import_qdpx(project, file, prefix=prefix, partial=partial, positions=positions))


@import_group.command("qdc")
@project_option
@click.argument("file", type=click.Path(dir_okay=False))
@click.pass_context
def import_qdc_cmd(ctx: click.Context, file: str) -> None:
    """Merge a REFI-QDA codebook (.qdc) into this project's codebook."""
    from mpu_qual.refi.import_into_project import import_qdc

    project = open_project(ctx)
    report = import_qdc(project, file)
    echo(
        f"{count(len(report.codes_added), 'code')} added to codebook.yaml, "
        f"{report.codes_reused} already there"
        + (f"; {report.memos} code sets kept as memos." if report.memos else ".")
    )
    for line in report.sets:
        echo(line)
    for w in report.warnings:
        echo(f"warning: {w}", err=True)


@main.command("summary")
@project_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help=f"A {SUMMARY_FORMATS.suffixes_text()} file (default: summary.md, or summary.FORMAT "
    "with --format, in the project folder).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(SUMMARY_FORMATS.names),
    help=f"Default: from the file's extension ({', '.join(SUMMARY_FORMATS.suffixes)}).",
)
@click.option("--theme", metavar="ID", help="Only this theme.")
@click.option(
    "--quotes",
    "n_quotes",
    type=int,
    default=3,
    show_default=True,
    help="Representative quotes per theme (or per audience).",
)
@click.option(
    "--prose-writer",
    metavar="MODULE:FUNCTION",
    help="Your own function that drafts a paragraph per theme (off by default).",
)
@click.option(
    "--agreement-unit",
    type=click.Choice(["segment", "char"]),
    default="segment",
    show_default=True,
    help="Unit of the intercoder-agreement section (written when two or more coders coded).",
)
@click.option("--framework", is_flag=True, help="Add the framework matrix (participants x themes).")
@pseudonymise_options
@click.pass_context
def summary_cmd(
    ctx: click.Context,
    output: str | None,
    fmt: str | None,
    theme: str | None,
    n_quotes: int,
    prose_writer: str | None,
    agreement_unit: str,
    framework: bool,
    pseudonymise: bool,
    pseudonyms: str | None,
) -> None:
    """Theme summaries: codes with counts, representative quotes, job-ad evidence, codes that
    co-occur with each theme, and (--framework) the framework matrix."""
    from mpu_qual.export.summary import build_summary
    from mpu_qual.export.summary_render import load_prose_writer, summary_format, write_summary

    prose = load_prose_writer(prose_writer) if prose_writer else None
    if output is None:  # summary.md (summary.FORMAT with --format) in the project folder
        output = str(Path(project_dir(ctx)) / f"summary.{fmt or 'md'}")
    fmt = summary_format(output, fmt)
    project, pseudo = _open_pseudonymised(ctx, pseudonymise, pseudonyms, output)
    s = build_summary(
        project,
        theme=theme,
        quotes=n_quotes,
        pseudo=pseudo,
        prose=prose,
        agreement_unit=agreement_unit,
        framework=framework,
    )
    write_summary(s, output, fmt)
    echo(f"Wrote the summary of {count(len(s.themes), 'theme')} to {Path(output)} ({fmt}).")
