"""What every command module shares (opening the project, printing), and the commands
``init``, ``tui``, ``undo``, ``redo`` and ``history``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from mpu_qual.cli import main, project_option
from mpu_qual.cli.output import echo, echo_json
from mpu_qual.errors import MpuQualError
from mpu_qual.figures import count
from mpu_qual.store import Project


def project_dir(ctx: click.Context) -> Path:
    obj = ctx.find_root().obj or {}
    return Path(obj.get("project_dir") or ".")


def _open(folder: Path, *, create: bool = True) -> Project:
    """Project.open (which sets up a folder that has a codebook but no database yet)."""
    return Project.open(folder, create=create)


def open_project(ctx: click.Context, *, create: bool = True) -> Project:
    """Open the project named by -p (or the current folder) and close it with the command."""
    project = _open(project_dir(ctx), create=create)
    ctx.call_on_close(project.close)
    return project


def refuse_project_output(project: Project, output: str | Path | None) -> None:
    """Refuse ``-o`` naming one of the project's own files (database, codebook.yaml,
    jobrules.yaml, backups, transcripts): every command that writes a file checks it."""
    if output is not None:
        from mpu_qual.export.targets import refuse_project_file

        refuse_project_file(project, output)


def open_workbench(
    ctx: click.Context, *, coder: str | None = None, blind: bool | None = None
) -> None:
    """Start the Textual workbench (imported only here, so the CLI stays light)."""
    folder = project_dir(ctx)
    _open(folder).close()  # set up the demo / report errors before the UI starts
    from mpu_qual.tui import paint_without_waiting

    paint_without_waiting()  # before Textual is imported: it reads its frame rate then
    try:
        from mpu_qual.tui.app import run_app
    except ImportError as exc:  # pragma: no cover - only without the TUI installed
        raise MpuQualError(f"the workbench is not available: {exc}") from None
    # The workbench shows library notices itself while it runs (the innermost front end).
    run_app(folder, coder=coder, blind=blind)


def parse_pairs(values: tuple[str, ...], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values:
        key, sep, val = v.partition("=")
        if not sep or not key.strip():
            raise MpuQualError(f"{what} must look like key=value, got '{v}'", field=what)
        out[key.strip()] = val.strip()
    return out


def dump_json(data: Any) -> None:
    echo_json(json.dumps(data, ensure_ascii=False, indent=2, default=str))


# ----------------------------------------------------------------------------- init / tui
@main.command()
@click.argument("folder", type=click.Path(file_okay=False), default=".")
@click.option("--codebook", type=click.Path(dir_okay=False), help="Codebook YAML to start from.")
@click.option("--no-import", is_flag=True, help="Do not import files already in transcripts/.")
def init(folder: str, codebook: str | None, no_import: bool) -> None:
    """Create a project in FOLDER (codebook.yaml, transcripts/, project.db)."""
    project = Project.init(folder, codebook, import_transcripts=not no_import)
    n = len(project.sources.list())
    project.close()
    echo(f"Created project in {folder} ({count(n, 'transcript')} imported).")
    echo(f"Next: mpu-qual -p {folder} transcripts add FILE, then mpu-qual -p {folder}")


@main.command()
@project_option
@click.option("--coder", metavar="NAME", help="Who is coding (default: MPU_QUAL_CODER).")
@click.option(
    "--blind/--no-blind",
    default=None,
    help="Show only this coder's codings, for double coding (default: the project's "
    "setting, 'mpu-qual coders blind').",
)
@click.pass_context
def tui(ctx: click.Context, coder: str | None, blind: bool | None) -> None:
    """Open the coding workbench (same as running mpu-qual with no command)."""
    from mpu_qual.team.coders import check_coder_name

    if coder is not None:
        coder = check_coder_name(coder)
    open_workbench(ctx, coder=coder, blind=blind)


# ----------------------------------------------------------------------------- codebook


# ----------------------------------------------------------------------------- participants


# ----------------------------------------------------------------------------- transcripts


# ----------------------------------------------------------------------------- codings


# ----------------------------------------------------------------------------- history
@main.command()
@project_option
@click.pass_context
def undo(ctx: click.Context) -> None:
    """Undo the last action (also after a restart)."""
    what = open_project(ctx).history.undo()
    echo(f"Undone: {what}" if what else "Nothing to undo.")


@main.command()
@project_option
@click.pass_context
def redo(ctx: click.Context) -> None:
    """Redo the last undone action."""
    what = open_project(ctx).history.redo()
    echo(f"Redone: {what}" if what else "Nothing to redo.")


@main.command()
@project_option
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.pass_context
def history(ctx: click.Context, limit: int) -> None:
    """List recent actions (newest first)."""
    for a in open_project(ctx).history.recent(limit):
        mark = " (undone)" if a["undone"] else ""
        echo(f"{a['id']:>5}  {a['created_at']}  {a['description']}{mark}")
