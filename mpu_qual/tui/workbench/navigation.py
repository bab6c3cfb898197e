"""The workbench's jumps: go to a time, turn or offset; search; next and previous hit."""

from __future__ import annotations

import re

from mpu_qual.store.records import Coding, SearchHit
from mpu_qual.tui.screens.dialogs import PromptScreen
from mpu_qual.tui.screens.search import SearchResult, SearchScreen
from mpu_qual.tui.workbench.state import Hit, WorkbenchHost

# h:mm:ss or mm:ss, as typed into "Go to"
_TIME = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$")


class NavigationFlow:
    """Moving the caret around the project: within a transcript and across transcripts."""

    def __init__(self, host: WorkbenchHost) -> None:
        self.host = host

    # ------------------------------------------------------------------ jumping
    def ask_goto(self) -> None:
        self.host.mpu_app.push_screen(
            PromptScreen(
                "Go to",
                "A segment number (42), a time (1:05:30 or 65:30), or a "
                "speaker label (their next turn).",
                placeholder="42 · 1:05:30 · IL2",
            ),
            lambda v: self.goto(v) if v else None,
        )

    def goto(self, value: str) -> None:
        host, view = self.host, self.host.view
        lay = view.layout_
        source = host.state.source
        if lay is None or not lay.segments or source is None:
            return
        value = value.strip()
        if value.isdigit():
            k = int(value) - 1
            if not 0 <= k < len(lay.segments):
                host.mpu_app.notify(
                    f"Segment numbers go from 1 to {len(lay.segments)}.", severity="warning"
                )
                return
            view.move_to(lay.segments[k].start)
            return
        m = _TIME.match(value)
        if m:
            h, mi, s = int(m.group(1) or 0), int(m.group(2)), int(m.group(3))
            target = ((h * 60 + mi) * 60 + s) * 1000
            segs = host.mpu_app.project.sources.segments(source)
            best = None
            for k, g in enumerate(segs):
                if g.start_ms is not None and g.start_ms <= target:
                    best = k
            if best is None:
                host.mpu_app.notify("No segment starts at or before that time.", severity="warning")
                return
            view.move_to(lay.segments[best].start)
            return
        k = lay.segment_at(view.cursor)
        n = len(lay.segments)
        for step in range(1, n + 1):
            j = (k + step) % n
            if lay.segments[j].speaker.casefold() == value.casefold():
                view.move_to(lay.segments[j].start)
                return
        host.mpu_app.notify(
            f"No segment by '{value}', and it is not a segment number or a time.",
            severity="warning",
        )

    def search(self) -> None:
        self.host.mpu_app.push_screen(SearchScreen(self.host.mpu_app.last_query), self.after_search)

    def after_search(self, result: SearchResult | None) -> None:
        if result is None or not result.hits:
            return
        self.host.mpu_app.last_query = result.query
        self.set_hit_list([(h.source_id, h.start, h.end) for h in result.hits], "search hit")
        self.jump_to(result.hits[result.index])

    def set_hit_list(self, hits: list[Hit], kind: str) -> None:
        """What n / N step through (search hits or a code's passages), marked in the view."""
        state = self.host.state
        state.hit_list = hits
        state.hit_kind = kind
        if state.source is not None:
            self.host.view.set_hits([(s, e) for sid, s, e in hits if sid == state.source.id])

    def jump_to(self, target: SearchHit | Coding | Hit) -> None:
        """Open the target's transcript (if another) and select the target's span."""
        if isinstance(target, tuple):
            sid, start, end = target
        else:
            sid, start, end = target.source_id, target.start, target.end
        source = self.host.state.source
        if source is None or source.id != sid:
            if not self.host.open_source(sid):
                return
        self.host.view.select(start, end)
        self.host.view.focus()

    def next_hit(self, direction: int) -> None:
        host, view, state = self.host, self.host.view, self.host.state
        if not state.hit_list or state.source is None:
            host.mpu_app.notify(
                "No search hits or passages to step through. Search with / first.",
                severity="warning",
            )
            return
        order = {sid: i for i, sid in enumerate(host.source_order())}
        keyed = sorted(state.hit_list, key=lambda h: (order.get(h[0], 0), h[1], h[2]))
        sel = view.selection or (view.cursor, view.cursor)
        here = (order.get(state.source.id, 0), sel[0], sel[1])
        if direction > 0:
            nxt = next((h for h in keyed if (order.get(h[0], 0), h[1], h[2]) > here), None)
        else:
            nxt = next(
                (h for h in reversed(keyed) if (order.get(h[0], 0), h[1], h[2]) < here), None
            )
        if nxt is None:
            host.mpu_app.notify(f"No more {state.hit_kind or 'hit'}s in this direction.", timeout=2)
            return
        self.jump_to(nxt)
