"""REFI-QDA commands: ``export qdc``/``export qdpx`` and ``import qdc``/``import qdpx``
(QualCoder, ATLAS.ti, MAXQDA, NVivo, Taguette)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from mpu_qual.cli import main, project_option
from mpu_qual.cli.core import open_project
from mpu_qual.cli.export import (
    export_group,
    open_pseudonymised,
    output_option,
    pseudonymise_options,
)
from mpu_qual.cli.output import echo
from mpu_qual.figures import count

if TYPE_CHECKING:
    from mpu_qual.refi.import_plan import ImportReport


@export_group.command("qdc")
@project_option
@output_option()
@pseudonymise_options
@click.pass_context
def export_qdc_cmd(
    ctx: click.Context, output: str, pseudonymise: bool, pseudonyms: str | None
) -> None:
    """The codebook as a REFI-QDA codebook (.qdc) for other QDA programs."""
    from mpu_qual.refi.writer import export_qdc

    project, pseudo = open_pseudonymised(ctx, pseudonymise, pseudonyms, output)
    export_qdc(project, output, pseudo)
    echo(f"Wrote {count(len(project.codes.list()), 'code')} to {output}.")


@export_group.command("qdpx")
@project_option
@output_option()
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

    project, pseudo = open_pseudonymised(ctx, pseudonymise, pseudonyms, output)
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
