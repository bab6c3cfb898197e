"""Work that follows the frame a key changed: the workbench's side panels after a coding.

A key's frame goes out first (the transcript and the status line, what the key was for); then
the work that can wait. ``FollowUp`` runs it after the next refresh, or ``delay`` seconds
later, once for all the requests made meanwhile (a burst of codings updates the panels once).
"""

from __future__ import annotations

from collections.abc import Callable

from textual.message_pump import MessagePump
from textual.timer import Timer


class FollowUp:
    """``callback`` run after ``node``'s next refresh or ``delay`` seconds later (``request``);
    ``flush`` runs a waiting one at once (before what it reads changes)."""

    def __init__(self, node: MessagePump, callback: Callable[[], object]) -> None:
        self.node = node
        self.callback = callback
        self.timer: Timer | None = None

    def request(self, delay: float) -> None:
        if not delay:
            self.node.call_after_refresh(self.callback)
        elif self.timer is None:
            self.timer = self.node.set_timer(delay, self._run)

    def flush(self) -> None:
        if self.timer is not None:
            self.timer.stop()
            self._run()

    def _run(self) -> None:
        self.timer = None
        self.callback()


__all__ = ["FollowUp"]
