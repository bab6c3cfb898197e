"""What the workbench's action mixins share: the screen's state and the parts it is made of.

``WorkbenchScreen`` (tui/screens/workbench.py) is a screen plus three mixins beside this
file (coding.py, codebook.py, navigation.py). Each mixin subclasses ``WorkbenchState``, so
the attributes and widgets they use are declared once, here, and the type checker knows them.
The methods one part calls on another are declared (for the checker only) at the end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.screen import Screen

from mpu_qual.store.records import Coding, SearchHit, Source
from mpu_qual.tui.widgets import CodebookTree, SourceList, TranscriptView

if TYPE_CHECKING:
    from mpu_qual.tui.app import MpuQualApp


class WorkbenchState(Screen[None]):
    """The workbench's state: the transcript shown, search hits, a re-scope under way."""

    def __init__(self) -> None:
        super().__init__()
        self.source: Source | None = None  # the transcript in the view
        self.hit_list: list[tuple[int, int, int]] = []  # (source_id, start, end)
        self.hit_kind = ""
        self.rescoping: int | None = None  # the coding whose span is being changed
        self.counts: dict[str, int] = {}  # codings per code, as the tree shows them

    @property
    def mpu_app(self) -> MpuQualApp:
        """The app, as the workbench's own type (only MpuQualApp pushes this screen)."""
        return cast("MpuQualApp", self.app)

    @property
    def view(self) -> TranscriptView:
        return self.query_one(TranscriptView)

    @property
    def codebook_tree(self) -> CodebookTree:
        """The codebook panel (not ``tree``: DOMNode.tree is Textual's own DOM view)."""
        return self.query_one(CodebookTree)

    @property
    def sources_list(self) -> SourceList:
        return self.query_one(SourceList)

    if TYPE_CHECKING:
        # Provided by WorkbenchScreen and the mixins; declared so that each part is checked.
        def open_source(self, source_id: int, cursor: int = 0) -> bool: ...
        def reload_codings(self) -> None: ...
        def refresh_all(self) -> None: ...
        def update_status(self) -> None: ...
        def _after_codings_changed(self, counts: dict[str, int] | None = None) -> None: ...
        def set_hit_list(self, hits: list[tuple[int, int, int]], kind: str) -> None: ...
        def jump_to(self, target: SearchHit | Coding | tuple[int, int, int]) -> None: ...
