"""The Textual coding workbench (the only package that imports textual).

``mpu_qual.tui.app.create_app(folder)`` builds the app for the CLI and for tests;
``run_app(folder)`` runs it. This file imports nothing, so that importing a TUI helper module
(``workbench_view``, ``layout``, ``textnav``) does not load Textual's app machinery.
"""

import os

#: Frames a second the workbench may paint (Textual's default is 60).
FRAME_RATE = 1000


def paint_without_waiting() -> None:
    """Let a screen paint as soon as a key has changed it. Textual paints at most TEXTUAL_FPS
    times a second (60 unless set), so a change waited for the next 1/60 s tick, 8 ms on
    average. Measured over 200 presses a key, 1000 against 60 in one run
    (benchmarks/results/keys.txt): ] 9 ms sooner, [ 5-16 ms sooner, the arrows, code and undo
    within noise; idle CPU unchanged (the timer sleeps while nothing changes). A TEXTUAL_FPS
    the user set wins. Textual reads it when it is first imported: the CLI calls this just
    before it imports the workbench (tests, which build the app themselves, keep 60)."""
    os.environ.setdefault("TEXTUAL_FPS", str(FRAME_RATE))
