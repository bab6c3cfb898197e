"""The transcript view's implementation (transcript_view.py and its transcript_*.py parts).

The workbench uses it as a component, through ``mpu_qual.tui.components``.
"""

from mpu_qual.tui.widgets.transcript_view import TranscriptView

__all__ = ["TranscriptView"]
