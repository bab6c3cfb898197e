"""The one way the CLI writes to the terminal: every message, table and listing passes
through ``safe_text.terminal_text``, so stored text (a transcript line, a code label, a
participant's name, a job-ad title) can never send escape or control characters to the
terminal (issue 19). tests/core/test_core_terminal_output.py fails on any other way of
printing in ``mpu_qual/cli`` (``click.echo``, ``print``, ``rich.console.Console``)."""

from __future__ import annotations

from typing import Any

import click
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text

from mpu_qual.linebreak import wrap_lines
from mpu_qual.safe_text import json_terminal_safe, terminal_text


def echo(message: object = "", *, err: bool = False, nl: bool = True) -> None:
    """click.echo, with the text made safe for the terminal."""
    click.echo(terminal_text(str(message)), err=err, nl=nl)


def secho(message: object = "", *, err: bool = False, nl: bool = True, **styles: Any) -> None:
    """click.secho (colours), with the text made safe for the terminal."""
    click.secho(terminal_text(str(message)), err=err, nl=nl, **styles)


def echo_json(text: str) -> None:
    """JSON text: control characters as \\uXXXX escapes (the data unchanged)."""
    click.echo(json_terminal_safe(text))


class SafeConsole(Console):
    """A rich Console whose every string and Text (table cells, tree labels, titles) is made
    safe for the terminal before rich renders it; rich's own styling is added after."""

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return _safe_text(super().render_str(terminal_text(text), **kwargs))

    def render(self, renderable: Any, options: Any = None):
        if isinstance(renderable, Text):
            renderable = _safe_text(renderable)
        return super().render(renderable, options)


def _safe_text(text: Text) -> Text:
    """A Text made safe; its inner styles are dropped only when it held control characters."""
    plain = text.plain
    safe = terminal_text(plain)
    if safe == plain:
        return text
    return Text(safe, style=text.style, justify=text.justify, no_wrap=text.no_wrap, end=text.end)


console = SafeConsole()
err_console = SafeConsole(stderr=True)


# Text that the terminal gets already wrapped by mpu-qual's line-breaking rules. Rich wraps at
# spaces and cuts a Chinese run wherever the line is full, so a line may start with "，" or
# "。". ``Wrapped`` breaks lines with ``mpu_qual.linebreak`` instead (closing punctuation never
# starts a line, an opening bracket never ends one, English words stay whole), at whatever
# width it is given: the console's, or a table column's.
class Wrapped:
    """``text`` (stored text: shown, never interpreted as markup) wrapped to the width it
    is rendered at; ``prefix`` (a styled Text) starts the first line and the lines after it
    are indented to line up under the text."""

    def __init__(self, text: str, *, prefix: Text | None = None, style: str = "") -> None:
        self.text = terminal_text(text.replace("\n", " "))  # shown, never sent
        self.prefix = prefix or Text()
        self.style = style

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        width = self.prefix.cell_len + cell_len(self.text)
        return Measurement(min(width, self.prefix.cell_len + 10), width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        indent = self.prefix.cell_len
        if indent > options.max_width // 2:
            indent = 0  # a long prefix on a narrow terminal: the text starts below it
            yield self.prefix
        lines = wrap_lines(self.text, max(2, options.max_width - indent)) or [""]
        for n, line in enumerate(lines):
            out = self.prefix.copy() if n == 0 and indent else Text(" " * indent)
            out.append(line, style=self.style)
            out.no_wrap = True
            yield out
