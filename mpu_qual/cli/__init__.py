"""The ``mpu-qual`` command line: a thin click layer over the library API.

``COMMANDS`` is the registry of commands: each names the module(s) under ``cli/`` that define
it on ``main``. A command's module is imported only when that command runs (``--help`` loads
them all), so ``mpu-qual code list`` never pays for job ads, transcription or exports. To add
a command: a function decorated with ``@main.command()`` in its module, and one line here.
Errors caused by input are printed to stderr as ``error: file:line: message`` with a hint,
never as a traceback.
"""

from __future__ import annotations

import importlib
import sqlite3
import sys
from pathlib import Path

import click

from mpu_qual import __version__
from mpu_qual.cli.output import echo, secho
from mpu_qual.errors import MpuQualError
from mpu_qual.safety.notices import shown_by
from mpu_qual.store.health import database_error

_NOTICE_COLORS = {"error": "red", "warning": "yellow", "info": "cyan"}


def print_notice(level: str, message: str) -> None:
    """How a command shows the library's notices (read-only open, network folder): stderr."""
    secho(f"{level}: {message}", fg=_NOTICE_COLORS.get(level), err=True)


def report_error(exc: MpuQualError) -> None:
    """Print an MpuQualError for a person: what happened, where, what to do next."""
    secho(f"error: {exc}", fg="red", err=True)
    if exc.hint:
        echo(f"  {exc.hint}", err=True)


# command name -> the modules of mpu_qual.cli that define it (and its subcommands)
COMMANDS: dict[str, tuple[str, ...]] = {
    "init": ("core",),
    "tui": ("core",),
    "undo": ("core",),
    "redo": ("core",),
    "history": ("core",),
    "code": ("coding",),
    "autocode": ("coding",),
    "search": ("coding",),
    "codebook": ("codebook",),
    "participants": ("participants",),
    # speech.py adds clip, review, speakers and reimport to the transcripts group,
    # voices.py diarize and voices
    "transcripts": ("transcripts", "speech", "voices"),
    "transcribe": ("speech",),
    "export": ("export", "refi"),
    "import": ("refi",),
    "summary": ("export",),
    "jobs": ("evidence_jobs",),
    "evidence": ("evidence_links",),
    "coders": ("team",),
    "merge": ("team",),
    "agreement": ("team",),
    "backup": ("maintenance",),
    "restore": ("maintenance",),
    "doctor": ("maintenance",),
    "purge": ("maintenance",),
    "matrix": ("analysis",),
    "cooccurrence": ("analysis",),
    "framework": ("analysis",),
    "framework-summary": ("analysis",),
}


class MpuGroup(click.Group):
    """The main group: commands load from the ``COMMANDS`` registry when they run, and
    MpuQualError becomes a clean message and exit code 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        # every module of the command, also when one of them was imported before (another
        # module imports cli/transcripts.py; cli/voices.py must still add its subcommands)
        for module in COMMANDS.get(cmd_name, ()):
            importlib.import_module(f"mpu_qual.cli.{module}")
        return self.commands.get(cmd_name)

    def invoke(self, ctx: click.Context):
        try:
            with shown_by(print_notice):  # the workbench, opened inside, shows its own
                return super().invoke(ctx)
        except MpuQualError as exc:
            report_error(exc)
            sys.exit(1)
        except UnicodeEncodeError:
            # Arguments that are not valid UTF-8 reach Python as lone surrogates.
            report_error(
                MpuQualError(
                    "an argument is not valid text in this terminal's encoding",
                    hint="Check the file names and text you passed (use UTF-8).",
                )
            )
            sys.exit(1)
        except sqlite3.DatabaseError as exc:
            folder = (ctx.find_root().obj or {}).get("project_dir") or "."
            # a full disk or a read-only folder is said as such; a damaged file (and only
            # then) with doctor and restore; else: another command changed it, run it again
            report_error(database_error(exc, Path(folder) / "project.db"))
            sys.exit(1)

    def group(self, *args, **kwargs):
        kwargs.setdefault("cls", click.Group)
        return super().group(*args, **kwargs)


def _set_project(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        root = ctx.find_root()
        root.ensure_object(dict)
        root.obj["project_dir"] = value


def project_option(func):
    """Add ``-p/--project DIR`` to a command (also accepted before the command name)."""
    return click.option(
        "-p",
        "--project",
        "project_dir",
        type=click.Path(file_okay=False),
        default=None,
        expose_value=False,
        is_eager=True,
        callback=_set_project,
        help="Project folder (default: the current folder).",
    )(func)


@click.group(
    cls=MpuGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@project_option
@click.version_option(__version__, prog_name="mpu-qual")
@click.pass_context
def main(ctx: click.Context) -> None:
    """mpu-qual: code focus-group transcripts, link job-ad evidence, export findings.

    Run it with no command to open the coding workbench on the project in the current
    folder (the repository root is a demo project).
    """
    ctx.ensure_object(dict)
    if ctx.invoked_subcommand is None:
        from mpu_qual.cli.core import open_workbench

        open_workbench(ctx)
