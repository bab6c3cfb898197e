"""Every screen the workbench can open from the command palette or a key, in one list.

The workbench offers each entry in the palette and, when it has one, on its key; the help
screen lists the keys. To add a screen, import it here and give it an entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.screen import Screen

from mpu_qual.export.formats import QUOTE_FORMATS, SUMMARY_FORMATS
from mpu_qual.tui.screens.chart import ChartScreen
from mpu_qual.tui.screens.disagreements import DisagreementsScreen
from mpu_qual.tui.screens.evidence import EvidenceScreen, targets_for
from mpu_qual.tui.screens.export import ExportScreen
from mpu_qual.tui.screens.history import HistoryScreen, history_rows
from mpu_qual.tui.screens.matrix import MatrixScreen
from mpu_qual.tui.screens.participants import ParticipantsScreen
from mpu_qual.tui.screens.review import ReviewScreen
from mpu_qual.tui.screens.transcribe import TranscribeScreen
from mpu_qual.tui.screens.voices import VoicesScreen


@dataclass(frozen=True)
class ScreenEntry:
    """A screen the workbench can open: ``factory(app)`` builds it."""

    name: str
    title: str
    factory: Callable[[Any], Screen[Any]]
    key: str | None = None
    description: str = ""


SCREENS: dict[str, ScreenEntry] = {
    e.name: e
    for e in (
        ScreenEntry(
            "participants",
            "Participants and stakeholder groups",
            lambda app: ParticipantsScreen(),
            key="W",
            description="Map speaker labels to names and groups; rename a speaker",
        ),
        ScreenEntry(
            "history",
            "History of actions",
            lambda app: HistoryScreen(history_rows(app.project, 200)),
            key="H",
            description="Recent actions; undo and redo survive restarts",
        ),
        ScreenEntry(
            "evidence",
            "Job-ad evidence for the passage or code",
            lambda app: EvidenceScreen(targets_for(app)),
            key="E",
            description="Link a job-ad figure (sector, window, role, term, text) to a coding or code",
        ),
        ScreenEntry(
            "chart",
            "Chart: coded passages by stakeholder group",
            lambda app: ChartScreen(),
            key="C",
            description="Bars per theme (Enter: its codes), split by stakeholder group",
        ),
        ScreenEntry(
            "matrix",
            "Matrix: codes by group, participant or transcript",
            lambda app: MatrixScreen(),
            key="Q",
            description="Move by cell, Enter: the passages behind it, e: its summary, "
            "Tab: measure, /: filter codes",
        ),
        ScreenEntry(
            "transcribe",
            "Transcription: transcribe audio, review flags, assign speakers",
            lambda app: TranscribeScreen(),
            key="T",
            description="Transcribe a recording in the background; review flags; label speakers",
        ),
        ScreenEntry(
            "disagreements",
            "Review disagreements between coders",
            lambda app: DisagreementsScreen(),
            key="D",
            description="Coders side by side; accept one coder's coding, both, or neither",
        ),
        ScreenEntry(
            "export",
            f"Export coded quotes ({QUOTE_FORMATS.labels_text()})",
            lambda app: ExportScreen("quotes", app.project.folder),
            key="X",
            description="mpu-qual export quotes, with its filters and --pseudonymise",
        ),
        ScreenEntry(
            "summary",
            f"Write the theme summary ({SUMMARY_FORMATS.labels_text()})",
            lambda app: ExportScreen("summary", app.project.folder),
            key="S",
            description="mpu-qual summary: codes with counts, quotes, job-ad evidence, agreement",
        ),
        ScreenEntry(
            "review",
            "Review flagged segments",
            lambda app: ReviewScreen(),
            key="R",
            description="Walk Whisper's flagged segments: listen, accept, edit, inaudible, delete",
        ),
        ScreenEntry(
            "voices",
            "Voices: who speaks in this transcript",
            lambda app: VoicesScreen(),
            key="V",
            description="Voices found by diarization: listen, say who they are, merge, split, move a turn",
        ),
    )
}
