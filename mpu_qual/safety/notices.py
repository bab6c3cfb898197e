"""Messages the library must get in front of the user without knowing the front end.

Opening a project can discover that it must be read-only, or that it lives on a network
drive. The CLI prints these to stderr, the TUI shows a notification; each registers a
handler. Without one, they go to the ``mpu_qual`` logger (stderr by default).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

Handler = Callable[[str, str], None]  # (level: "warning" | "error" | "info", message)

_handlers: list[Handler] = []
log = logging.getLogger("mpu_qual")


def add_handler(handler: Handler) -> None:
    """Show notices in a front end; the same handler is only added once."""
    if handler not in _handlers:
        _handlers.append(handler)


def remove_handler(handler: Handler) -> None:
    if handler in _handlers:
        _handlers.remove(handler)


def notify(level: str, message: str) -> None:
    """Send a notice to every handler (or the logger when none is registered)."""
    if not _handlers:
        levels = {"error": logging.ERROR, "warning": logging.WARNING}
        log.log(levels.get(level, logging.INFO), message)
        return
    for handler in list(_handlers):
        handler(level, message)
