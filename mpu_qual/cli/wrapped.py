"""Text that the terminal gets already wrapped by mpu-qual's line-breaking rules.

Rich wraps at spaces and cuts a Chinese run wherever the line is full, so a line may start
with "，" or "。". ``Wrapped`` is a Rich renderable that breaks lines with
``mpu_qual.linebreak`` instead (closing punctuation never starts a line, an opening bracket
never ends one, English words stay whole), at whatever width it is given: the console's, or
a table column's.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text

from mpu_qual.linebreak import wrap_lines


class Wrapped:
    """``text`` (stored text: shown, never interpreted as markup) wrapped to the width it
    is rendered at; ``prefix`` (a styled Text) starts the first line and the lines after it
    are indented to line up under the text."""

    def __init__(self, text: str, *, prefix: Text | None = None, style: str = "") -> None:
        self.text = text.replace("\n", " ")
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
