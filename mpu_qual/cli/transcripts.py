"""CLI: ``mpu-qual transcripts add|audio|list|show|export|remove`` (more subcommands in cli/speech.py).\n"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Column, Table
from rich.text import Text

from mpu_qual.cli import main, project_option, report_error
from mpu_qual.cli.core import (
    dump_json,
    open_project,
    project_dir,
    refuse_project_output,
)
from mpu_qual.cli.output import Wrapped, console, echo
from mpu_qual.cli.transcript_preview import preview_files
from mpu_qual.errors import MpuQualError
from mpu_qual.figures import count, format_share
from mpu_qual.fileio import write_text_atomic
from mpu_qual.transcript_files.formats import READ_SUFFIXES, WRITE_NAMES
from mpu_qual.transcript_files.timecode import format_clock


@main.group("transcripts")
def transcripts_group() -> None:
    """Import, list, show and export transcripts."""


@transcripts_group.command(
    "add",
    help=f"Import transcripts ({', '.join(READ_SUFFIXES)}). Each file is all or nothing.",
)
@project_option
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--name", help="Name for the transcript (one file only).")
@click.option("--preview", is_flag=True, help="Show how each file would be read; import nothing.")
@click.option(
    "--speakers",
    type=click.Choice(["auto", "none"]),
    default="auto",
    show_default=True,
    help="auto: find speaker labels; none: keep every line's label in the text.",
)
@click.option(
    "--encoding", help="The files' encoding (e.g. gbk, big5hkscs, cp1252); default: detect."
)
@click.option(
    "--audio",
    type=click.Path(dir_okay=False),
    help="The transcript's recording (one file only), for playback in the workbench.",
)
@click.option(
    "--force-audio", is_flag=True, help="Attach --audio even if it is shorter than the transcript."
)
@click.pass_context
def transcripts_add(
    ctx: click.Context,
    files: tuple[str, ...],
    name: str | None,
    preview: bool,
    speakers: str,
    encoding: str | None,
    audio: str | None,
    force_audio: bool,
) -> None:
    if name and len(files) > 1:
        raise MpuQualError("--name works with one file at a time")
    if audio and len(files) > 1:
        raise MpuQualError(
            "--audio works with one transcript file at a time",
            hint="Import the others separately, or attach their recordings afterwards with "
            "'mpu-qual transcripts audio NAME FILE'.",
        )
    if preview:
        sys.exit(preview_files(project_dir(ctx), files, encoding=encoding, speakers=speakers))
    project = open_project(ctx)
    failed = 0
    for f in files:
        try:
            src = project.sources.import_file(
                f,
                name=name,
                encoding=encoding,
                speakers=speakers,
                audio=audio,
                force_audio=force_audio,
            )
        except MpuQualError as exc:
            failed += 1
            report_error(exc)
            continue
        n = len(project.sources.segments(src))
        echo(
            f"Imported {f} as '{src.name}' ({count(n, 'segment')}, {count(src.length, 'character')})."
        )
        if src.media_path:
            echo(f"Its recording: {src.media_path} (p plays a segment in the workbench).")
    if failed:
        echo(
            f"{failed} of {len(files)} files were not imported; the project is unchanged for them.",
            err=True,
        )
        sys.exit(1)


@transcripts_group.command("audio")
@project_option
@click.argument("name")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Attach it even if it is shorter than the transcript.")
@click.option("--detach", is_flag=True, help="Forget the recording (the file is not touched).")
@click.pass_context
def transcripts_audio(
    ctx: click.Context, name: str, file: str | None, force: bool, detach: bool
) -> None:
    """Attach a recording to a transcript (a Zoom or Otter export, say), or show or detach it.

    With the recording attached, the workbench plays segments (p) and 'transcripts clip' cuts
    quotes. Undo with 'mpu-qual undo'.
    """
    project = open_project(ctx)
    if detach:
        if file:
            raise MpuQualError("give either FILE or --detach, not both")
        src = project.sources.detach_recording(name)
        echo(f"Detached the recording from '{src.name}' (the file was not touched).")
        return
    if not file:
        src = project.sources.get(name)
        if not src.media_path:
            echo(f"'{src.name}' has no recording attached.")
        else:
            echo(f"'{src.name}': {src.media_path}")
        return
    src, rec = project.sources.attach_recording(name, file, force=force)
    echo(f"Attached {rec.stored} ({rec.describe()}) to '{src.name}'.")
    echo("In the workbench, p plays the segment at the caret; P plays on.")


@transcripts_group.command("list")
@project_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def transcripts_list(ctx: click.Context, fmt: str) -> None:
    """List transcripts with duration, recording (Audio: yes), speakers and coded share."""
    project = open_project(ctx)
    rows = project.sources.summaries()
    if fmt == "json":
        dump_json(rows)
        return
    table = Table(
        Column("Name", overflow="fold"),  # names in full, over two lines if need be
        "Duration",
        "Audio",
        "Segments",
        "Speakers",
        "Codings",
        "Coded",
    )
    for r in rows:
        table.add_row(
            escape(r["name"]),
            format_clock(r["duration_ms"]),
            "yes" if r["recording"] else "",
            str(r["segments"]),
            str(r["speakers"]),
            str(r["codings"]),
            format_share(r["coded_share"]),
        )
    console.print(table)


@transcripts_group.command("show")
@project_option
@click.argument("name")
@click.option(
    "--offsets", is_flag=True, help="Show each segment's character offsets (for code add)."
)
@click.pass_context
def transcripts_show(ctx: click.Context, name: str, offsets: bool) -> None:
    """Print a transcript turn by turn."""
    project = open_project(ctx)
    src = project.sources.get(name)
    for g in project.sources.segments(src):
        head = Text()
        if offsets:
            head.append(f"{g.start}-{g.end} ", style="dim")
        head.append(format_clock(g.start_ms), style="cyan")
        head.append(" ")
        head.append(g.speaker or "?", style="bold")  # "[laughs]" is text, not markup
        head.append(": ")
        # wrapped by the Chinese line-breaking rules, lined up under the first line's text
        console.print(Wrapped(src.text[g.start : g.end], prefix=head), highlight=False)


@transcripts_group.command("export")
@project_option
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(WRITE_NAMES), default="txt", show_default=True)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: stdout)."
)
@click.pass_context
def transcripts_export(ctx: click.Context, name: str, fmt: str, output: str | None) -> None:
    """Write a transcript in one of the formats we write (plain text, WebVTT, SRT)."""
    project = open_project(ctx)
    refuse_project_output(project, output)
    text = project.sources.export(name, fmt)
    if output:
        write_text_atomic(Path(output), text)
        echo(f"Wrote {output}", err=True)
    else:
        echo(text, nl=False)


@transcripts_group.command("remove")
@project_option
@click.argument("name")
@click.pass_context
def transcripts_remove(ctx: click.Context, name: str) -> None:
    """Remove a transcript and its codings (undo with 'mpu-qual undo')."""
    project = open_project(ctx)
    n = project.sources.remove(name)
    echo(f"Removed '{name}' and {count(n, 'coding')}. 'mpu-qual undo' brings them back.")
