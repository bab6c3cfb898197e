"""Messages the library must get in front of the user without knowing the front end.

Opening a project can discover that it must be read-only, or that it lives on a network
drive. The front end that is showing things to the user says how: the CLI prints them to
stderr for the length of a command, the workbench shows a notification while it runs.
Front ends nest (the CLI opens the workbench), and the innermost one shows a notice, so
the CLI never prints over the workbench's screen. Nothing registers itself on import; with
no front end showing, notices go to the ``mpu_qual`` logger (stderr by default).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Handler = Callable[[str, str], None]  # (level: "warning" | "error" | "info", message)

_shown_by: list[Handler] = []  # the front ends showing notices now, innermost last
log = logging.getLogger("mpu_qual")


def add_handler(handler: Handler) -> None:
    """Show notices in this front end until ``remove_handler``; it becomes the innermost."""
    if handler in _shown_by:
        _shown_by.remove(handler)
    _shown_by.append(handler)


def remove_handler(handler: Handler) -> None:
    if handler in _shown_by:
        _shown_by.remove(handler)


@contextmanager
def shown_by(handler: Handler) -> Iterator[None]:
    """Notices raised inside the block go to ``handler`` (unless a front end opened inside
    the block shows them itself)."""
    add_handler(handler)
    try:
        yield
    finally:
        remove_handler(handler)


def notify(level: str, message: str) -> None:
    """Send a notice to the innermost front end (or the logger when none is showing)."""
    if not _shown_by:
        levels = {"error": logging.ERROR, "warning": logging.WARNING}
        log.log(levels.get(level, logging.INFO), message)
        return
    _shown_by[-1](level, message)
