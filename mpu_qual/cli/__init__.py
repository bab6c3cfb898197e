"""The ``mpu-qual`` command line: a thin click layer over the library API.

The modules imported at the end each add their
commands to ``main``; to add a command module, import it there. Errors caused by input are
printed to stderr as ``error: file:line: message`` with a hint, never as a traceback.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import click

from mpu_qual import __version__
from mpu_qual.errors import MpuQualError
from mpu_qual.safety.access import write_error


def report_error(exc: MpuQualError) -> None:
    """Print an MpuQualError for a person: what happened, where, what to do next."""
    click.secho(f"error: {exc}", fg="red", err=True)
    if exc.hint:
        click.echo(f"  {exc.hint}", err=True)


class MpuGroup(click.Group):
    """A click group that turns MpuQualError into a clean message and exit code 1."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
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
            report_error(
                # a full disk or a read-only folder is said as such, not as a damaged file
                write_error(exc, Path(folder) / "project.db")
                or MpuQualError(
                    f"the project database could not be read: {exc}",
                    hint="Run 'mpu-qual doctor' to check it, or 'mpu-qual restore --latest'.",
                )
            )
            sys.exit(1)

    def group(self, *args, **kwargs):  # type: ignore[override]
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
        core.open_workbench(ctx)


# The command modules decorate ``main`` (and the groups of cli/core.py), so they are imported
# after it exists.
from mpu_qual.cli import (  # noqa: E402, F401
    codebook,
    coding,
    core,
    evidence,
    export,
    jobs,
    participants,
    safety,
    team,
    transcribe,
    transcripts,
    voices,
)
