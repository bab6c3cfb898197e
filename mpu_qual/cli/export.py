"""Export commands: coded quotes and theme summaries (REFI-QDA files: cli/refi.py)."""

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


def open_pseudonymised(
    ctx: click.Context, enabled: bool, names: str | None, output: str
) -> tuple[Project, Pseudonymiser | None]:
    """Open the project and its pseudonymiser, and refuse an output that is one of the
    project's own files: every export starts so."""
    from mpu_qual.export.targets import refuse_project_file

    project = open_project(ctx)
    refuse_project_file(project, output)
    return project, _pseudonymiser(project, enabled, names)


def output_option(help: str | None = None) -> Callable[[Callable[..., None]], Callable[..., None]]:
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
@output_option("File to write; the format follows its extension unless --format is given.")
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
    project, pseudo = open_pseudonymised(ctx, pseudonymise, pseudonyms, output)
    flt = QuoteFilter(codes=codes, theme=theme, group=group, participant=participant, source=source)
    data = export_quotes(project, output, fmt, flt, pseudo)
    themes = len({r.theme_id for r in data.rows})
    echo(
        f"Wrote {count(len(data.rows), 'coded quote')} from {count(themes, 'theme')} to {output} ({fmt}"
        + (", pseudonymised)." if pseudo is not None else ").")
    )
    if not data.rows:
        echo("note: no codings matched; check the filters with 'mpu-qual code list'.", err=True)


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
    project, pseudo = open_pseudonymised(ctx, pseudonymise, pseudonyms, output)
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
