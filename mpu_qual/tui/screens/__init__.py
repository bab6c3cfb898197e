"""Screens of the workbench and a registry through which features add their own.

A feature (transcription, job-ad evidence) calls ``register_screen`` at import time; the app
then offers the screen in the command palette and, if given, on a key. Built-in screens are
registered here too, so there is one list of everything the workbench can open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.screen import Screen


@dataclass(frozen=True)
class ScreenEntry:
    """A screen the workbench can open: ``factory(app)`` builds it."""

    name: str
    title: str
    factory: Callable[[Any], Screen[Any]]
    key: str | None = None
    description: str = ""


SCREENS: dict[str, ScreenEntry] = {}

#: Modules imported when the app starts, so that their ``register_screen`` calls run.
#: Feature screens (e.g. "mpu_qual.tui.screens.transcribe") are appended by their owners.
FEATURE_MODULES: list[str] = [
    "mpu_qual.tui.screens.evidence",
    "mpu_qual.tui.screens.chart",
    "mpu_qual.tui.screens.transcribe",
    "mpu_qual.tui.screens.disagreements",
    "mpu_qual.tui.screens.review",
]


def register_screen(
    name: str,
    title: str,
    factory: Callable[[Any], Screen[Any]],
    *,
    key: str | None = None,
    description: str = "",
) -> None:
    """Make a screen available in the palette (and on ``key`` when given)."""
    SCREENS[name] = ScreenEntry(name, title, factory, key, description)


def load_feature_screens() -> list[str]:
    """Import FEATURE_MODULES; returns the ones that failed (a missing feature is not fatal)."""
    import importlib

    failed = []
    for module in FEATURE_MODULES:
        try:
            importlib.import_module(module)
        except Exception:
            failed.append(module)
    return failed


def _builtins() -> None:
    from mpu_qual.tui.screens.history import HistoryScreen
    from mpu_qual.tui.screens.participants import ParticipantsScreen

    register_screen(
        "participants",
        "Participants and stakeholder groups",
        lambda app: ParticipantsScreen(),
        key="W",
        description="Map speaker labels to names and groups; rename a speaker",
    )
    register_screen(
        "history",
        "History of actions",
        lambda app: HistoryScreen(app.project.history(200)),
        key="H",
        description="Recent actions; undo and redo survive restarts",
    )


_builtins()
