"""What the transcript view's parts share: its state, declared once.

``TranscriptView`` is this scroll view plus two mixins, ``CaretMovement``
(transcript_caret.py) and ``TranscriptDrawing`` (transcript_drawing.py). Both subclass
``TranscriptState``, so the attributes they read and write are declared here and the type
checker knows them; the methods one part calls on another are declared (for the checker only)
at the end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from textual.scroll_view import ScrollView

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

    if TYPE_CHECKING:
        # Provided by TranscriptView; declared so that each part is checked.
        @property
        def selection(self) -> tuple[int, int] | None: ...
        def _moved(self) -> None: ...
        def _geometry(self) -> tuple[int, int, int]: ...
        def move_to(self, offset: int, *, center: bool = True) -> None: ...
