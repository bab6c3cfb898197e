"""What the workbench knows, and what its flows may ask of the screen that runs them.

``WorkbenchScreen`` (tui/screens/workbench.py) holds one ``WorkbenchState`` and answers the
components' messages. The flows beside this file (coding.py, codebook.py, navigation.py, and
tui/transcript_correction.py) are plain objects, not mixins: each takes a ``WorkbenchHost``
in its constructor, and ``WorkbenchHost`` declares everything a flow uses of the screen.
The type checker holds the screen to it where the screen hands itself to a flow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from textual.timer import Timer

from mpu_qual.store.records import Source
from mpu_qual.tui.components import TranscriptView

if TYPE_CHECKING:  # an import only (tui.app imports the workbench screen, which imports this)
    from mpu_qual.tui.app import MpuQualApp

#: (source id, start, end) of a search hit or a coded passage to step through
Hit = tuple[int, int, int]


@dataclass
class WorkbenchState:
    """The transcript shown, the hits to step through, a re-scope under way, the counts."""

    source: Source | None = None  # the transcript in the view
    hit_list: list[Hit] = field(default_factory=list)
    hit_kind: str = ""  # "search hit" or "passage": what n / N step through
    rescoping: int | None = None  # the coding whose span is being changed
    counts: dict[str, int] = field(default_factory=dict)  # codings per code, as the tree shows


class WorkbenchHost(Protocol):
    """What the workbench's flows use of the screen (WorkbenchScreen provides it)."""

    @property
    def mpu_app(self) -> MpuQualApp:
        """The app: project, labels, coders, recent codes, ``run_write``, dialogs."""
        ...

    @property
    def state(self) -> WorkbenchState: ...

    @property
    def view(self) -> TranscriptView:
        """The transcript pane (the caret, the selection, the codings shown)."""
        ...

    def open_source(self, source_id: int, cursor: int = 0) -> bool:
        """Show a transcript (False, after telling the user, when it cannot be read)."""
        ...

    def reload_codings(self) -> None:
        """Read the open transcript's codings again (after a coding changed)."""
        ...

    def codings_changed(self, counts: dict[str, int] | None = None) -> None:
        """Codings were added: counts, status line and side panels follow."""
        ...

    def refresh_all(self) -> None:
        """Read everything again (after a change to the codebook or the transcript)."""
        ...

    def update_status(self) -> None: ...

    def select_code(self, code_id: str) -> None:
        """Put the codebook panel's cursor on a code."""
        ...

    def source_order(self) -> list[int]:
        """The transcripts' ids in the order the transcript list shows them."""
        ...

    def set_interval(self, interval: float, callback: Callable[[], None]) -> Timer: ...


__all__ = ["Hit", "WorkbenchHost", "WorkbenchState"]
