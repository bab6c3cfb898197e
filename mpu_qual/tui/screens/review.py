"""Review mode: walk the flagged segments of a transcript, hear each, settle it.

Each flagged segment plays when it is selected. ``a`` accepts it as it is, ``e`` edits it,
``i`` marks it inaudible (the text becomes [inaudible]), ``d`` deletes it; each is one
undoable action (Ctrl+Z here or in the workbench), and the list moves on to the next one.
The order is as spoken or worst first (``o``); why each segment is flagged is said in words.
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
from mpu_qual.speech.review import ReviewItem, file_notices, review_items
from mpu_qual.tui.workbench_view import fmt_ms

if TYPE_CHECKING:
    from mpu_qual.tui.app import MpuQualApp
    from mpu_qual.tui.screens.workbench import WorkbenchScreen
    from mpu_qual.tui.transcript_correction import TranscriptCorrection


class ReviewScreen(Screen[None]):
    """Flagged segments of the workbench's transcript, one after the other."""

    BINDINGS = [
        Binding("p", "play", "Play the segment (again: stop)"),
        Binding("a", "accept", "Accept as it is"),
        Binding("e", "edit", "Edit text / speaker"),
        Binding("i", "inaudible", "Mark inaudible"),
        Binding("d,delete", "delete", "Delete the segment"),
        Binding("o", "order", "Order: time / worst first"),
        Binding("enter", "goto", "Go to it in the workbench", show=False),
        Binding("ctrl+z", "undo", "Undo", show=False),
        Binding("ctrl+y", "redo", "Redo", show=False),
        Binding("escape", "close", "Back to the workbench"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.order = "time"
        self.items: list[ReviewItem] = []
        self.autoplay = True
        self.source_id: int | None = None

    @property
    def workbench(self) -> WorkbenchScreen | None:
        return self.mpu_app.workbench

    @property
    def below(self) -> WorkbenchScreen:
        """The workbench this screen opened over (on_mount closes it when there is none)."""
        workbench = self.workbench
        if workbench is None:
            raise RuntimeError("the review screen opens over the workbench")
        return workbench

    @property
    def correction(self) -> TranscriptCorrection:
        """The workbench's player and segment editor."""
        return self.below.correction

    @property
    def mpu_app(self) -> MpuQualApp:
        return cast("MpuQualApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Vertical(id="review"):
            yield Label("", id="review-title", classes="dialog-title")
            yield Static("", id="review-notice")
            yield OptionList(id="review-list")
            yield Static("", id="review-detail")
        yield Footer()

    def on_mount(self) -> None:
        src = self.workbench.source if self.workbench is not None else None
        if src is None:
            self.app.notify("Open a transcript first.", severity="warning")
            self.app.call_later(self.dismiss, None)
            return
        self.source_id = src.id
        self.title = "mpu-qual"
        self.sub_title = f"Review: {src.name}"
        notices = file_notices(self.mpu_app.project, src.id)
        notice = self.query_one("#review-notice", Static)
        notice.update(Text("\n".join(f"⚠ {n}" for n in notices), style="bold yellow"))
        notice.display = bool(notices)
        self.reload(select=0)
        self.query_one(OptionList).focus()

    # ------------------------------------------------------------------ list
    def reload(self, select: int | None = None) -> None:
        assert self.source_id is not None
        ol = self.query_one(OptionList)
        keep = ol.highlighted if select is None else select
        self.items = review_items(self.mpu_app.project, self.source_id, order=self.order)
        ol.clear_options()
        for item in self.items:
            ol.add_option(Option(self._line(item), id=str(item.segment_id)))
        left = len(self.items)
        order = "as spoken" if self.order == "time" else "worst first"
        self.query_one("#review-title", Label).update(
            f"{count(left, 'flagged segment')} to review, {order}"
            if left
            else "Nothing left to review: every flagged segment is settled. Esc goes back."
        )
        if self.items:
            ol.highlighted = min(keep or 0, len(self.items) - 1)
        else:
            self.query_one("#review-detail", Static).update("")
            self.correction.stop()

    def _line(self, item: ReviewItem) -> Text:
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append(f"{item.idx + 1:>4} ", style="bold")
        t.append(f"{fmt_ms(item.start_ms)} ", style="cyan")
        t.append(f"{item.speaker or '?'}: ", style="bold")
        t.append(item.text)
        return t

    def _current(self) -> ReviewItem | None:
        ol = self.query_one(OptionList)
        if ol.highlighted is None or not 0 <= ol.highlighted < len(self.items):
            return None
        return self.items[ol.highlighted]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on the list: the list takes the key before the screen's binding sees it."""
        event.stop()
        self.action_goto()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        item = self._current()
        if item is None:
            return
        detail = Text()
        detail.append(f"Segment {item.idx + 1}", style="bold")
        detail.append(f"  {fmt_ms(item.start_ms)} – {fmt_ms(item.end_ms)}  {item.speaker or '?'}\n")
        detail.append(item.text + "\n\n")
        for reason in item.reasons():
            detail.append("• " + reason + "\n", style="yellow")
        scores = []
        if item.avg_logprob is not None:
            scores.append(f"average log-probability {item.avg_logprob:.2f}")
        if item.no_speech_prob is not None:
            scores.append(f"no-speech probability {item.no_speech_prob:.2f}")
        if scores:
            detail.append("Whisper: " + ", ".join(scores), style="dim")
        self.query_one("#review-detail", Static).update(detail)
        if self.autoplay:
            self._play(item)

    def _play(self, item: ReviewItem) -> None:
        if item.start_ms is None:
            return
        if not self.correction.play_range(item.start_ms, item.end_ms, "segment"):
            self.autoplay = False  # no sound here: say it once, not on every segment

    # ------------------------------------------------------------------ actions
    def _act(self, fn: Any, title: str) -> None:
        if self._current() is None:
            return
        keep = self.query_one(OptionList).highlighted
        self.correction.stop()
        report = self.mpu_app.run_write(fn, title)
        if report is not None:
            self.app.notify(f"{report.description}. Ctrl+Z undoes it.", timeout=3)
            self.reload(select=keep)

    def action_play(self) -> None:
        item = self._current()
        if item is None:
            return
        if self.correction.player is not None and self.correction.player.playing:
            self.correction.stop()
            return
        self.autoplay = True
        self._play(item)

    def action_accept(self) -> None:
        item = self._current()
        if item is not None:
            editor = self.mpu_app.project.segment_edits
            self._act(lambda: editor.mark(item.segment_id, "reviewed"), "Could not accept")

    def action_inaudible(self) -> None:
        item = self._current()
        if item is not None:
            editor = self.mpu_app.project.segment_edits
            self._act(lambda: editor.mark(item.segment_id, "inaudible"), "Could not mark it")

    def action_delete(self) -> None:
        item = self._current()
        if item is not None:
            editor = self.mpu_app.project.segment_edits
            self._act(lambda: editor.delete(item.segment_id), "Could not delete the segment")

    def action_edit(self) -> None:
        item = self._current()
        if item is None:
            return
        keep = self.query_one(OptionList).highlighted
        self.correction.stop()
        self.correction.edit_segment(item.segment_id, after=lambda: self.reload(select=keep))

    def action_order(self) -> None:
        self.order = "worst" if self.order == "time" else "time"
        self.reload(select=0)

    def action_undo(self) -> None:
        self.correction.stop()
        self.below.action_undo()
        self.reload()

    def action_redo(self) -> None:
        self.correction.stop()
        self.below.action_redo()
        self.reload()

    def action_goto(self) -> None:
        item = self._current()
        self.correction.stop()
        if item is not None:
            start = self.mpu_app.project.sources.segment_start(item.segment_id)
            if start is not None:
                self.below.view.move_to(start)
        self.dismiss(None)

    def action_close(self) -> None:
        self.correction.stop()
        self.dismiss(None)
