"""The one way the CLI writes to the terminal: every message, table and listing passes
through ``safe_text.terminal_text``, so stored text (a transcript line, a code label, a
participant's name, a job-ad title) can never send escape or control characters to the
terminal (issue 19). tests/core/test_core_terminal_output.py fails on any other way of
printing in ``mpu_qual/cli`` (``click.echo``, ``print``, ``rich.console.Console``)."""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console
from rich.text import Text

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

    def render_str(self, text: str, **kwargs: Any) -> Text:  # type: ignore[override]
        return _safe_text(super().render_str(terminal_text(text), **kwargs))

    def render(self, renderable: Any, options: Any = None):  # type: ignore[override]
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
