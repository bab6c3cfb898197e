"""What the transcript view's parts share: its state, declared once.

``TranscriptView`` is this scroll view plus two mixins, ``CaretMovement``
(transcript_caret.py) and ``TranscriptDrawing`` (transcript_drawing.py). Both subclass
``TranscriptState``, so the attributes they read and write are declared here and the type
checker knows them; the methods one part calls on another are declared (for the checker only)
at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Self

from rich.style import Style
from textual.geometry import Region
from textual.scroll_view import ScrollView
from textual.strip import Strip

from mpu_qual.tui.layout import TranscriptLayout
from mpu_qual.tui.widgets.transcript_sizes import GUTTER
from mpu_qual.tui.workbench_view import ViewCoding, ViewDoc


class TranscriptState(ScrollView):
    """The transcript shown, its wrapped layout, codings, caret, selection and caches."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.doc: ViewDoc | None = None
        self.layout_: TranscriptLayout | None = None
        self.codings: list[ViewCoding] = []
        self.cursor = 0
        # the other end of the selection (not ``anchor``: Widget.anchor is a Textual method)
        self.selection_anchor: int | None = None
        self.hits: list[tuple[int, int]] = []
        self._seg_codings: dict[int, list[int]] = {}
        self._line_cache: dict[int, int] = {}
        self._label_rows: dict[int, list[int]] = {}
        self._lanes = 1
        self._lane_count = 0  # lanes the codings need (0: nothing coded, no margin)
        self._layout_gutter = GUTTER
        self._style_cache: dict[tuple, Style] = {}
        self._goal_column: int | None = None
        self._dragging = False
        self._last_extend: str | None = None
        # (cursor, selection anchor, scroll y) as last drawn: a caret move repaints only the
        # lines that differ between that and the new state (see TranscriptView._moved)
        self._drawn_caret: tuple[int, int | None, int] | None = None
        # Lines drawn, by display line, for the lines the caret and selection do not touch: a
        # scroll (after ], [, a page) repaints the whole view but redraws only the lines that
        # entered it or that the caret touches. Valid while the data and the styles are the
        # same: data changes clear it (clear_drawn_lines), a style change is seen by comparing
        # the styles once a repaint (``_line_styles``).
        self._drawn_lines: dict[int, Strip] = {}
        self._line_styles: tuple | None = None
        self._base_style: Style | None = None  # once a repaint: it walks every ancestor
        self._caret_set: tuple[tuple, set[int]] = ((), set())
        # called at once after each caret or selection change, before CursorMoved is posted:
        # what they redraw (the workbench's status line) reaches the same frame as the caret
        self.caret_listeners: list[Callable[[], object]] = []

    def clear_drawn_lines(self) -> None:
        """Forget the lines drawn (the transcript, its codings or its hits changed)."""
        self._drawn_lines.clear()

    def refresh(
        self,
        *regions: Region,
        repaint: bool = True,
        layout: bool = False,
        recompose: bool = False,
    ) -> Self:
        self._base_style = None  # Textual clears its component styles here too
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def notify_style_update(self) -> None:
        self._base_style = None
        self._drawn_lines.clear()
        super().notify_style_update()

    if TYPE_CHECKING:
        # Provided by TranscriptView; declared so that each part is checked.
        @property
        def selection(self) -> tuple[int, int] | None: ...
        def _moved(self) -> None: ...
        def _geometry(self) -> tuple[int, int, int]: ...
        def _caret_lines(self, cursor: int, anchor: int | None) -> set[int]: ...
        def move_to(self, offset: int, *, center: bool = True) -> None: ...
