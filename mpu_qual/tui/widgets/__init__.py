"""Widgets of the workbench: transcript view, transcript list, codebook tree, status bar."""

from mpu_qual.tui.widgets.codebook_tree import CodebookTree
from mpu_qual.tui.widgets.source_list import SourceList
from mpu_qual.tui.widgets.status_bar import StatusBar
from mpu_qual.tui.widgets.transcript_view import TranscriptView

__all__ = ["CodebookTree", "SourceList", "StatusBar", "TranscriptView"]
