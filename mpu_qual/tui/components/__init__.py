"""The workbench's components, one per panel (in the manner of harlequin's ``components/``).

Each is a widget that takes its inputs through typed methods (the data the screen pushes into
it) and tells the screen what the user did by posting its own ``Message`` subclasses. A
component never imports a screen or the app, never reads ``self.screen`` and never queries a
sibling: ``tui/screens/workbench.py`` wires them (tests/tui/test_components.py keeps it so).

- ``SourceList``: the transcript list. In: ``set_sources``, ``mark_current``, ``update_share``.
  Out: ``SourceChosen(source_id)``, ``Left``.
- ``CodebookTree``: the codebook panel. In: ``populate``, ``update_counts``, ``select_code``.
  Out: ``PassagesWanted``, ``ApplyWanted``, ``EditWanted``, ``MoveWanted``, ``MergeWanted``,
  ``DeleteWanted`` (each with ``code_id``), ``AddWanted(parent_id)``, ``Left``.
- ``TranscriptView``: the transcript pane (its files stay in ``tui/widgets/``). In: ``load``,
  ``set_codings``, ``set_hits``, ``select``, ``move_to``. Out: ``CursorMoved``, ``Confirmed``,
  ``Cancelled``.
- ``StatusBar``: the status line. In: ``show(where: Caret | str, recent, mode)``,
  ``set_message``. Out: nothing.
"""

from mpu_qual.tui.components.codebook_tree import CodebookTree
from mpu_qual.tui.components.source_list import SourceList
from mpu_qual.tui.components.status_bar import StatusBar
from mpu_qual.tui.widgets.transcript_view import TranscriptView

__all__ = ["CodebookTree", "SourceList", "StatusBar", "TranscriptView"]
