"""Full-text search over every transcript, with "code all hits" through the auto-coder.

The query runs in a worker thread on its own read-only connection, so a search over
hundreds of thousands of segments never freezes the screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Select
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from mpu_qual.errors import MpuQualError
from mpu_qual.figures import count
from mpu_qual.linebreak import context_window, drawn
from mpu_qual.store.records import SearchHit
from mpu_qual.tui.workbench_view import fmt_ms

if TYPE_CHECKING:
    from mpu_qual.tui.app import MpuQualApp

UNITS = [("sentence", "sentence"), ("segment", "segment"), ("exact match", "match")]
LIMIT = 500


@dataclass
class SearchResult:
    """What the search screen hands back: the hits and the one to jump to."""

    query: str
    hits: list[SearchHit]
    index: int


def hit_prompt(hit: SearchHit, query: str, width: int) -> Text:
    """One line: where the hit is, then the match with the context either side that fits,
    cut between words or characters, the match in bold reverse (``query`` is kept for the
    callers; the hit knows where its match is, in either Chinese script)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(hit.source_name, style="bold")
    text.append(f" · {fmt_ms(hit.start_ms)} · ", style="dim")
    text.append(hit.speaker or "?", style="bold")
    text.append("  ")
    room = max(8, width - text.cell_len)
    window, a, b = context_window(hit.snippet, hit.snippet_start, hit.snippet_end, room)
    text.append(drawn(window[:a]))
    text.append(drawn(window[a:b]), style="bold reverse")
    text.append(drawn(window[b:]))
    text.truncate(width, overflow="ellipsis")
    return text


class SearchScreen(ModalScreen[SearchResult | None]):
    """Type a phrase, Enter to search; Enter on a hit jumps to it; Ctrl+K codes every hit."""

    BINDINGS = [
        Binding("escape", "cancel", "Close search", show=False),
        Binding("ctrl+k", "code_all", "Code all hits…", show=False, priority=True),
        Binding("down", "focus_results", "Go to the results", show=False),
    ]

    def __init__(self, query: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.query_text = query
        self.hits: list[SearchHit] = []
        self.searched = ""

    @property
    def mpu_app(self) -> MpuQualApp:
        """The app, as the workbench's own type (only MpuQualApp opens this screen)."""
        return cast("MpuQualApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-full", id="search"):
            yield Label("Search all transcripts", classes="dialog-title")
            yield Input(
                self.query_text, placeholder="Words or 中文 phrase, then Enter", id="search-input"
            )
            with Horizontal(id="search-bar"):
                yield Label("", id="search-status")
                yield Select(
                    UNITS, value="sentence", allow_blank=False, id="search-unit", prompt="Unit"
                )
                yield Button("Code all hits (ctrl+k)", id="code-all", variant="primary")
            yield OptionList(id="search-results")
            yield Label(
                "Enter searches / jumps · ↓ to the results · Esc closes", classes="dialog-keys"
            )

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        if self.query_text:
            self.run_search(self.query_text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.run_search(event.value)

    def run_search(self, query: str) -> None:
        query = query.strip()
        if not query:
            self.query_one("#search-status", Label).update("Type something to search for.")
            return
        self.query_one("#search-status", Label).update(f"Searching for “{query}”…")
        self._search(query)

    @work(thread=True, exclusive=True, group="search")
    def _search(self, query: str) -> None:
        worker = get_current_worker()
        try:
            hits = self.mpu_app.search(query, limit=LIMIT)
        except MpuQualError as exc:
            self.app.call_from_thread(self.mpu_app.show_error, exc, "Search failed")
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self.show_hits, query, hits)

    def show_hits(self, query: str, hits: list[SearchHit]) -> None:
        self.hits = hits
        self.searched = query
        sources = len({h.source_id for h in hits})
        more = "+" if len(hits) >= LIMIT else ""
        if hits:
            found = count(len(hits), "hit") if not more else f"{len(hits)}+ hits"
            status = f"{found} in {count(sources, 'transcript')} for “{query}”"
        else:
            status = f"No hits for “{query}”. Try a shorter phrase."
        self.query_one("#search-status", Label).update(status)
        ol = self.query_one("#search-results", OptionList)
        width = max(20, ol.scrollable_content_region.width - 1)
        ol.set_options(Option(hit_prompt(h, query, width), id=str(i)) for i, h in enumerate(hits))
        if hits:
            ol.highlighted = 0

    def action_focus_results(self) -> None:
        ol = self.query_one("#search-results", OptionList)
        if self.hits and not ol.has_focus:
            ol.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(SearchResult(self.searched, self.hits, event.option_index))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "code-all":
            self.action_code_all()

    def action_code_all(self) -> None:
        query = self.query_one(Input).value.strip()
        if not query:
            self.app.notify(
                "Search for a phrase first, then code all its hits.",
                title="Nothing to code",
                severity="warning",
            )
            return
        unit = self.query_one(Select).value
        self.mpu_app.code_all_hits(query, str(unit), self)

    def action_cancel(self) -> None:
        self.dismiss(None)
