"""How figures read to people, the same in the CLI, the workbench and the exports."""

from __future__ import annotations


def format_share(share: float | None) -> str:
    """A share as a whole percentage; a little that is not nothing reads ``<1%`` (one coded
    passage in a long transcript is not "0% coded"), and all but a little reads ``>99%``."""
    share = share or 0.0
    text = f"{share:.0%}"
    if share > 0 and text == "0%":
        return "<1%"
    if share < 1 and text == "100%":
        return ">99%"
    return text


def count(n: int, singular: str, plural: str | None = None) -> str:
    """``1 coded quote``, ``2 coded quotes``: messages read as sentences."""
    return f"{n} {singular if n == 1 else plural or singular + 's'}"
