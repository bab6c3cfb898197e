"""``--format`` and ``-o`` for a command that prints a table or writes it in a format of a
registry (``file_formats.Formats``): the analysis commands (``matrix``, ``cooccurrence``)
and the job-ad tables (``jobs table``, ``jobs skills``).

The choices, the help and the format a file's suffix implies all come from the registry;
``terminal`` names the command's own table in the terminal (``table``, ``rich``), which is
not a file format.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from mpu_qual.cli.output import echo, echo_json
from mpu_qual.errors import MpuQualError
from mpu_qual.file_formats import Formats
from mpu_qual.fileio import write_atomic


def format_option(formats: Formats, terminal: str) -> Callable[[Any], Any]:
    """``--format TERMINAL|<the registry's names>`` (default: the terminal's table, or with
    ``-o`` the file's suffix)."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice([terminal, *formats.names]),
        help=f"Default: {terminal} (in the terminal), or with -o the file's extension "
        f"({', '.join(formats.suffixes)}).",
    )


def output_option(formats: Formats) -> Callable[[Any], Any]:
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False),
        help=f"Write a {formats.suffixes_text()} file instead.",
    )


def write_file(formats: Formats, output: str, content: Any, fmt: str | None = None) -> None:
    """Write ``content`` to ``output`` atomically in the format called ``fmt``, else the one
    its suffix names (an error naming the choices if neither), and say so."""
    chosen = formats.choose(output, fmt)
    writer = chosen.load()
    path = write_atomic(output, lambda fh: writer(content, fh))
    echo(f"Wrote {path} ({chosen.name}).", err=True)


def write_or_print(
    formats: Formats, fmt: str | None, output: str | None, content: Any, terminal: str
) -> bool:
    """Write ``content`` to ``output`` (the format named, else the one its suffix names) or
    print it in format ``fmt``. False when neither: the caller shows its ``terminal`` table."""
    if output is not None:
        if fmt == terminal:
            raise MpuQualError(
                f"{terminal} is the terminal's table and cannot be written to a file",
                field="format",
                hint=f"Use --format {formats.names_text()}, or leave --format out.",
            )
        write_file(formats, output, content, fmt)
        return True
    if fmt is None or fmt == terminal:
        return False
    text = formats.text(fmt, content)
    if fmt == "json":
        echo_json(text.rstrip("\n"))
    else:
        echo(text, nl=not text.endswith("\n"))
    return True
