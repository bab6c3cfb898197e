"""Listening and correcting in the workbench: keys, playback following the caret, edits.

A thin layer: ``mpu_qual.playback.Player`` plays, ``project.segment_edits`` changes the transcript
(one undoable action each); this module maps keys to them and keeps the caret on the
segment being heard. The workbench builds it with itself as the ``WorkbenchHost``
(tui/workbench/state.py declares what it uses) and routes ``action_correct(what)`` here.

Keys (in the transcript view): ``p`` plays the segment at the caret (again: stop), ``P`` plays
on from there with the caret following, ``<`` / ``>`` jump 5 s, ``-`` / ``+`` slower / faster
(0.5x-2x, same pitch), ``e`` edits the segment's text and speaker, ``|`` splits at the caret
(at the playing position when it plays), ``J`` joins with the next segment, ``(`` / ``)`` move
the segment's start 0.1 s earlier / later and ``,`` / ``.`` its end, replaying the edge.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.binding import Binding

from mpu_qual.errors import MpuQualError
from mpu_qual.figures import count
from mpu_qual.playback import SPEEDS, MiniaudioSink, NoAudioDevice, Player, Sink
from mpu_qual.store.segment_edits import EditReport
from mpu_qual.tui.workbench.state import WorkbenchHost
from mpu_qual.tui.workbench_view import fmt_ms

if TYPE_CHECKING:  # imports only (tui.app imports the workbench screen, which imports this)
    from textual.timer import Timer

    from mpu_qual.store import Project
    from mpu_qual.tui.app import MpuQualApp

JUMP_MS = 5_000
NUDGE_MS = 100
EDGE_MS = 1_500  # what is replayed after moving a segment's start or end
TICK_S = 0.1

# (key, what, description, key shown in help)
KEYS: list[tuple[str, str, str, str]] = [
    ("p", "play_segment", "Play the segment at the caret (again: stop)", "p"),
    ("P", "play_on", "Play on from the caret; the caret follows (again: stop)", "P"),
    ("less_than_sign", "jump(-1)", "Audio: back 5 s", "<"),
    ("greater_than_sign", "jump(1)", "Audio: forward 5 s", ">"),
    ("minus", "speed(-1)", "Audio: slower (down to 0.5x, same pitch)", "-"),
    ("plus,equals_sign", "speed(1)", "Audio: faster (up to 2x, same pitch)", "+"),
    ("e", "edit", "Edit the segment's text and speaker", "e"),
    ("vertical_line", "split", "Split the segment at the caret", "|"),
    ("J", "merge", "Join the segment with the next one", "J"),
    ("left_parenthesis", "nudge('start', -1)", "Segment starts 0.1 s earlier", "("),
    ("right_parenthesis", "nudge('start', 1)", "Segment starts 0.1 s later", ")"),
    ("comma", "nudge('end', -1)", "Segment ends 0.1 s earlier", ","),
    ("full_stop", "nudge('end', 1)", "Segment ends 0.1 s later", "."),
]


#: The keys as bindings, for the workbench's BINDINGS (they reach it from the transcript view).
BINDINGS = [
    Binding(key, f"correct({what!r})", description, show=False, key_display=shown)
    for key, what, description, shown in KEYS
]


class TranscriptCorrection:
    """Playback and in-place correction for one workbench screen."""

    def __init__(self, host: WorkbenchHost) -> None:
        self.host = host
        self.player: Player | None = None
        self.mode: str | None = None  # "segment", "on" or "edge" while playing
        self.source_id: int | None = None
        self.times: list[tuple[int | None, int | None]] = []
        self.timer: Timer | None = None
        self.speed = 1.0
        self.no_device = False  # told once; then the status line says it, no more messages

    # ------------------------------------------------------------------ plumbing
    @property
    def app(self) -> MpuQualApp:
        return self.host.mpu_app

    @property
    def project(self) -> Project:
        return self.app.project

    def _sink_factory(self) -> Callable[[], Sink]:
        return self.app.audio_sink_factory or MiniaudioSink

    def _segment(self) -> tuple[int, int] | None:
        """(index, database id) of the segment at the caret."""
        view = self.host.view
        lay, doc = view.layout_, view.doc
        if lay is None or doc is None or not lay.segments or self.host.state.source is None:
            self.app.notify("Open a transcript first.", severity="warning")
            return None
        k = lay.segment_at(view.cursor)
        return k, doc.segment_ids[k]

    def _load_times(self) -> None:
        src = self.host.state.source
        assert src is not None
        self.times = self.project.sources.segment_times(src.id)
        self.source_id = src.id

    def status_text(self) -> str:
        if self.player is None or not self.player.playing:
            return "no sound" if self.no_device else ""
        what = {"segment": "segment", "on": "playing on", "edge": "edge"}.get(self.mode or "", "")
        return f"▶ {what} {fmt_ms(self.player.position_ms)} · {self.speed:g}x · p/P stops"

    def close(self) -> None:
        if self.player is not None:
            self.player.stop()
        if self.timer is not None:
            self.timer.stop()
            self.timer = None

    # ------------------------------------------------------------------ dispatch
    def run(self, what: str) -> None:
        name, _, args = what.partition("(")
        handler = getattr(self, f"do_{name}", None)
        if handler is None:
            raise ValueError(what)
        if args:
            parts = [a.strip().strip("'\"") for a in args.rstrip(")").split(",")]
            handler(*[int(a) if a.lstrip("-").isdigit() else a for a in parts])
        else:
            handler()

    # ------------------------------------------------------------------ playback
    def play_range(self, start_ms: int, end_ms: int | None, mode: str) -> bool:
        """Play a stretch of the open transcript's recording; False (and a notice) if not."""
        src = self.host.state.source
        if src is None:
            return False
        if self.source_id != src.id:
            # the review screen plays without the caret: without this, the first tick took the
            # transcript for another one and stopped the segment a quarter second in
            self._load_times()
        try:
            _src, media = self.project.sources.recording(src.id)
            if self.player is None:
                self.player = Player(self._sink_factory())
            self.player.sink_factory = self._sink_factory()
            self.player.play(media, start_ms, end_ms, speed=self.speed)
        except NoAudioDevice as exc:
            if not self.no_device:  # the same news once: it stays true for the session
                self.no_device = True
                self.app.notify(
                    f"{exc.message}\n{exc.hint}", title="No sound", severity="warning", timeout=12
                )
            self.host.update_status()
            return False
        except MpuQualError as exc:
            self.app.show_error(exc, "Cannot play the recording")
            return False
        self.mode = mode
        if self.timer is None:
            self.timer = self.host.set_interval(TICK_S, self._tick)
        self.host.update_status()
        return True

    def stop(self) -> None:
        if self.player is not None:
            self.player.stop()
        self.mode = None
        self.host.update_status()

    def _tick(self) -> None:
        player = self.player
        if player is None:
            return
        if self.host.state.source is None or self.host.state.source.id != self.source_id:
            self.stop()
        if player.finished:
            if player.error is not None:
                self.app.show_error(player.error, "Playback stopped")
                player.error = None
            if self.mode is not None:
                self.mode = None
                self.host.update_status()
            if self.timer is not None:
                self.timer.stop()
                self.timer = None
            return
        if self.mode == "on":
            self._follow(player.position_ms)
        self.host.update_status()

    def _follow(self, pos_ms: int) -> None:
        """Keep the caret on the segment being heard."""
        starts = [s if s is not None else -1 for s, _e in self.times]
        k = bisect.bisect_right(starts, pos_ms) - 1
        view = self.host.view
        lay = view.layout_
        if k < 0 or lay is None or k >= len(lay.segments):
            return
        if lay.segment_at(view.cursor) != k:
            view.move_to(lay.segments[k].start)

    def _playing(self, mode: str) -> bool:
        return self.player is not None and self.player.playing and self.mode == mode

    def _play_from_caret(self, mode: str) -> None:
        """The segment at the caret (mode "segment") or on from it ("on"); again: stop."""
        if self._playing(mode):
            self.stop()
            return
        here = self._segment()
        if here is None:
            return
        self._load_times()
        start, end = self.times[here[0]]
        if start is None:
            self.app.notify("This segment has no time stamps to play.", severity="warning")
            return
        self.play_range(start, end if mode == "segment" else None, mode)

    def do_play_segment(self) -> None:
        self._play_from_caret("segment")

    def do_play_on(self) -> None:
        self._play_from_caret("on")

    def do_jump(self, direction: int) -> None:
        here = self._segment()
        if here is None:
            return
        self._load_times()
        if self.player is not None and self.player.playing:
            pos = self.player.position_ms
        else:
            pos = self.times[here[0]][0] or 0
        self.play_range(max(0, pos + direction * JUMP_MS), None, "on")

    def do_speed(self, direction: int) -> None:
        i = min(range(len(SPEEDS)), key=lambda n: abs(SPEEDS[n] - self.speed))
        self.speed = SPEEDS[max(0, min(len(SPEEDS) - 1, i + direction))]
        player = self.player
        if player is not None and player.playing and self.mode is not None:
            self.play_range(player.position_ms, player.end_ms, self.mode)
        self.app.notify(f"Playback speed {self.speed:g}x (same pitch).", timeout=2)

    # ------------------------------------------------------------------ editing
    def _write(self, fn: Callable[[], EditReport], title: str) -> EditReport | None:
        report = self.app.run_write(fn, title)
        if report is None:
            return None
        self.host.refresh_all()
        self._load_times()
        more = ""
        if report.lost:
            more = f" {count(len(report.lost), 'coding')} lost their words and were kept in a memo."
        elif report.reanchored:
            more = f" {count(len(report.reanchored), 'coding')} now quote the corrected words."
        self.app.notify(f"{report.description}.{more} Ctrl+Z undoes it.", timeout=4)
        return report

    def edit_segment(self, segment_id: int, after: Callable[[], None] | None = None) -> None:
        """Open the edit dialog for a segment; save as one undoable action."""
        from mpu_qual.tui.screens.segment_edit import SegmentEditScreen

        row = self.project.sources.segment_words(segment_id)
        if row is None:
            return
        idx, speaker, text = row

        def done(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            new_text, new_speaker = result
            editor = self.project.segment_edits
            report = self._write(
                lambda: editor.edit(
                    segment_id, new_text, speaker=new_speaker if new_speaker else None
                ),
                "Could not change the segment",
            )
            if report is not None and after is not None:
                after()

        self.app.push_screen(
            SegmentEditScreen(f"Segment {idx + 1}", text.replace("\n", " "), speaker or ""), done
        )

    def do_edit(self) -> None:
        here = self._segment()
        if here is not None:
            self.edit_segment(here[1])

    def do_split(self) -> None:
        here = self._segment()
        if here is None:
            return
        at_ms = None
        if self.player is not None and self.player.playing:
            at_ms = self.player.position_ms
        cursor = self.host.view.cursor
        editor = self.project.segment_edits
        if self._write(lambda: editor.split(here[1], cursor, at_ms=at_ms), "Could not split"):
            self.host.view.move_to(cursor + 1)

    def do_merge(self) -> None:
        here = self._segment()
        if here is None:
            return
        editor = self.project.segment_edits
        self._write(lambda: editor.merge_with_next(here[1]), "Could not join the segments")

    def do_nudge(self, which: str, direction: int) -> None:
        here = self._segment()
        if here is None:
            return
        editor = self.project.segment_edits
        cursor = self.host.view.cursor
        report = self.app.run_write(
            lambda: editor.nudge(here[1], which, direction * NUDGE_MS),
            "Could not move the segment's time",
        )
        if report is None:
            return
        self._load_times()
        start, end = self.times[here[0]]
        if start is None or end is None:
            return
        self.host.refresh_all()
        self.host.view.move_to(cursor)
        self.app.notify(
            f"Segment {here[0] + 1}: {fmt_ms(start)}.{start % 1000 // 100} – "
            f"{fmt_ms(end)}.{end % 1000 // 100}",
            timeout=2,
        )
        if which == "start":
            self.play_range(start, min(end, start + EDGE_MS), "edge")
        else:
            self.play_range(max(start, end - EDGE_MS), end, "edge")

    # ------------------------------------------------------------------ palette
    def palette_commands(self) -> list[tuple[str, str, str]]:
        return [
            (description, f"Key {shown}", f"correct({what!r})")
            for _key, what, description, shown in KEYS
        ]
