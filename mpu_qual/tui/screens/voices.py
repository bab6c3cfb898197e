"""Voices: the speakers diarization found in a transcript, turned into participants.

The upper list has each speaker (voice) with its talk time, turns, confidence and the
participant it is; the lower one its longest passages, which ``p`` plays. One key each:
``a`` says who a voice is (a participant, so a stakeholder group), ``m`` merges it into
another voice, ``s`` splits the highlighted passage off as a new voice, ``t`` moves that one
turn to another speaker. Every change is one undoable action (Ctrl+Z here or in the
workbench), journaled like any edit (store/voices.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, OptionList, Static
from textual.widgets.option_list import Option

from mpu_qual.figures import count
from mpu_qual.speech.known_voices import Suggestion, suggest
from mpu_qual.store.voices import VoiceSummary
from mpu_qual.tui.screens.dialogs import ChoiceScreen, PromptScreen
from mpu_qual.tui.workbench_view import fmt_ms

if TYPE_CHECKING:
    from mpu_qual.tui.app import MpuQualApp
    from mpu_qual.tui.screens.workbench import WorkbenchScreen

PASSAGES = 5  # typical passages shown per voice: its longest turns
NEW = "\x00new"


class VoicesScreen(Screen[None]):
    """The speakers of the workbench's transcript."""

    BINDINGS = [
        Binding("p", "play", "Play the passage (again: stop)"),
        Binding("a", "assign", "Who is this voice"),
        Binding("m", "merge", "Merge into another voice"),
        Binding("s", "split", "Passage to a new voice"),
        Binding("t", "move", "Move this turn"),
        Binding("y", "accept", "Accept the suggestion"),
        Binding("tab", "switch", "Voices / passages", show=False),
        Binding("ctrl+z", "undo", "Undo", show=False),
        Binding("ctrl+y", "redo", "Redo", show=False),
        Binding("escape", "close", "Back to the workbench"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.voices: list[VoiceSummary] = []
        self.suggestions: dict[str, Suggestion] = {}
        self.passages: list[Any] = []
        self.source_id: int | None = None

    @property
    def mpu_app(self) -> MpuQualApp:
        """The app, as the workbench's own type (only MpuQualApp opens this screen)."""
        return cast("MpuQualApp", self.app)

    @property
    def workbench(self) -> WorkbenchScreen:
        """The workbench under this screen (the voices screen opens only from it)."""
        wb = self.mpu_app.workbench
        if wb is None:
            raise RuntimeError("the voices screen opens only over the workbench")
        return wb

    def _source(self) -> int:
        """The transcript whose voices are shown (set when the screen mounts)."""
        if self.source_id is None:
            raise RuntimeError("the voices screen has no transcript yet")
        return self.source_id

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Vertical(id="voices"):
            yield Label("", id="voices-title", classes="dialog-title")
            yield OptionList(id="voices-list")
            yield Label("Typical passages (p plays)", classes="field-label")
            yield OptionList(id="voices-passages")
            yield Static("", id="voices-detail")
        yield Footer()

    def on_mount(self) -> None:
        wb = self.mpu_app.workbench
        src = wb.source if wb is not None else None
        if src is None:
            self.app.notify("Open a transcript first.", severity="warning")
            self.app.call_later(self.dismiss, None)
            return
        self.source_id = src.id
        self.title = "mpu-qual"
        self.sub_title = f"Voices: {src.name}"
        self.reload(select=0)
        self.query_one("#voices-list", OptionList).focus()

    # ------------------------------------------------------------------ lists
    def reload(self, select: int | None = None, speaker: str | None = None) -> None:
        assert self.source_id is not None
        ol = self.query_one("#voices-list", OptionList)
        keep = ol.highlighted if select is None else select
        self.voices = self.mpu_app.project.voices.summaries(self.source_id)
        self.suggestions = {s.voice: s for s in suggest(self.mpu_app.project, self.source_id)}
        if speaker is not None:
            keep = next((i for i, v in enumerate(self.voices) if v.speaker == speaker), keep)
        ol.clear_options()
        for v in self.voices:
            ol.add_option(Option(self._line(v), id=v.speaker))
        unnamed = sum(1 for v in self.voices if v.participant is None)
        self.query_one("#voices-title", Label).update(
            f"{count(len(self.voices), 'speaker')}, {unnamed} not yet a participant"
            if self.voices
            else "No speakers: find them with mpu-qual transcripts diarize NAME."
        )
        if self.voices:
            ol.highlighted = min(keep or 0, len(self.voices) - 1)
            self._show_passages()
        else:
            self.query_one("#voices-passages", OptionList).clear_options()

    def _line(self, v: VoiceSummary) -> Text:
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append(f"{v.speaker:<8}", style="bold")
        t.append(
            f" = {v.participant}" if v.participant else "  (who?)",
            style="green" if v.participant else "yellow",
        )
        t.append(f"  {fmt_ms(v.talk_ms)}  {count(len(v.segments), 'turn')}")
        if v.confidence is not None:
            t.append(f"  confidence {v.confidence:.2f}", style="dim")
        if v.overlap_ms:
            t.append(f"  {v.overlap_ms / 1000:.0f} s possibly overlapped", style="dim")
        hint = self.suggestions.get(v.speaker)
        if hint is not None:
            t.append(
                f"  sounds like {hint.participant} ({hint.similarity:.2f}, y accepts)", style="cyan"
            )
        return t

    def _voice(self) -> VoiceSummary | None:
        ol = self.query_one("#voices-list", OptionList)
        if ol.highlighted is None or not 0 <= ol.highlighted < len(self.voices):
            return None
        return self.voices[ol.highlighted]

    def _show_passages(self) -> None:
        v = self._voice()
        pl = self.query_one("#voices-passages", OptionList)
        pl.clear_options()
        self.passages = []
        if v is None:
            return
        by_id = {
            g.id: (i, g)
            for i, g in enumerate(self.mpu_app.project.sources.segments(self._source()))
        }
        text = self.mpu_app.project.sources.get(self._source()).text
        for sid in v.segments[:PASSAGES]:
            idx, g = by_id[sid]
            self.passages.append((idx + 1, g))
            line = Text(no_wrap=True, overflow="ellipsis")
            line.append(f"{idx + 1:>4} ", style="bold")
            line.append(f"{fmt_ms(g.start_ms)} ", style="cyan")
            conf = g.meta.get("speaker_confidence")
            if conf is not None:
                line.append(f"[{conf:.2f}] ", style="dim")
            line.append(text[g.start : g.end])
            pl.add_option(Option(line, id=str(sid)))
        if self.passages:
            pl.highlighted = 0

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "voices-list":
            self._show_passages()

    def _passage(self) -> tuple[int, Any] | None:
        pl = self.query_one("#voices-passages", OptionList)
        if pl.highlighted is None or not 0 <= pl.highlighted < len(self.passages):
            return None
        return self.passages[pl.highlighted]

    # ------------------------------------------------------------------ actions
    def action_switch(self) -> None:
        lists = [self.query_one("#voices-list"), self.query_one("#voices-passages")]
        (lists[1] if self.focused is lists[0] else lists[0]).focus()

    def action_play(self) -> None:
        found = self._passage()
        if found is None:
            return
        correction = self.workbench.correction
        if correction.player is not None and correction.player.playing:
            correction.stop()
            return
        _n, g = found
        if g.start_ms is not None:
            correction.play_range(g.start_ms, g.end_ms, "segment")

    def _apply(self, title: str, select: str | None = None, **change: Any) -> None:
        self.workbench.correction.stop()
        res = self.mpu_app.run_write(
            lambda: self.mpu_app.project.voices.relabel(self._source(), **change), title
        )
        if res is not None:
            self.app.notify(f"{'; '.join(res.steps)}. Ctrl+Z undoes it.", timeout=3)
            self.reload(speaker=select or res.new_voice)

    def action_assign(self) -> None:
        v = self._voice()
        if v is None:
            return
        people = self.mpu_app.project.participants.list()
        labels = self.mpu_app.labels
        options: list[tuple[str, Text | str]] = [
            (p.label, f"{p.label}  {p.name or ''}  {labels.group(p.group_id) or ''}".rstrip())
            for p in people
            if p.label != v.speaker
        ]
        options.append((NEW, "New participant ..."))

        def chosen(label: str | None) -> None:
            if label == NEW:
                self.app.push_screen(
                    PromptScreen(f"Who is {v.speaker}?", "Participant label (e.g. IL1, MOD)"),
                    chosen,
                )
                return
            if label and label.strip():
                self._apply(
                    "Could not assign", select=label.strip(), assign={v.speaker: label.strip()}
                )

        self.app.push_screen(
            ChoiceScreen(
                f"Who is {v.speaker}?", options, "Every turn of this voice becomes theirs."
            ),
            chosen,
        )

    def action_accept(self) -> None:
        v = self._voice()
        hint = self.suggestions.get(v.speaker) if v is not None else None
        if v is None or hint is None:
            self.app.notify("No suggestion for this voice.", timeout=2)
            return
        self._apply(
            "Could not assign", select=hint.participant, assign={v.speaker: hint.participant}
        )

    def action_merge(self) -> None:
        v = self._voice()
        others = [(o.speaker, self._line(o)) for o in self.voices if v and o.speaker != v.speaker]
        if v is None or not others:
            return

        def chosen(target: str | None) -> None:
            if target:
                self._apply("Could not merge", select=target, merge={v.speaker: target})

        self.app.push_screen(
            ChoiceScreen(f"Merge {v.speaker} into", others, "The two are the same person."),
            chosen,
        )

    def action_split(self) -> None:
        found = self._passage()
        if found is not None:
            self._apply("Could not split", split=[found[0]])

    def action_move(self) -> None:
        found = self._passage()
        v = self._voice()
        if found is None or v is None:
            return
        others = [(o.speaker, self._line(o)) for o in self.voices if o.speaker != v.speaker]
        if not others:
            return

        def chosen(target: str | None) -> None:
            if target:
                self._apply("Could not move the turn", select=v.speaker, move={found[0]: target})

        self.app.push_screen(ChoiceScreen(f"Turn {found[0]} goes to", others), chosen)

    def action_undo(self) -> None:
        self.workbench.correction.stop()
        self.workbench.action_undo()
        self.reload()

    def action_redo(self) -> None:
        self.workbench.action_redo()
        self.reload()

    def action_close(self) -> None:
        self.workbench.correction.stop()
        self.dismiss(None)
