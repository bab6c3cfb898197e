"""The workbench's jumps: go to a time, turn or offset; search; next and previous hit.\n"""

from __future__ import annotations

import re

from mpu_qual.store.records import Coding, SearchHit
from mpu_qual.tui.screens.dialogs import PromptScreen
from mpu_qual.tui.screens.search import SearchResult, SearchScreen
from mpu_qual.tui.workbench.state import WorkbenchState

# h:mm:ss or mm:ss, as typed into "Go to"
_TIME = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$")


class NavigationActions(WorkbenchState):
    """Mixed into WorkbenchScreen: moving the caret around the project."""

    # ------------------------------------------------------------------ jumping
    def action_goto(self) -> None:
        self.app.push_screen(
            PromptScreen(
                "Go to",
                "A segment number (42), a time (1:05:30 or 65:30), or a "
                "speaker label (their next turn).",
                placeholder="42 · 1:05:30 · IL2",
            ),
            lambda v: self.goto(v) if v else None,
        )

    def goto(self, value: str) -> None:
        lay = self.view.layout_
        if lay is None or not lay.segments or self.source is None:
            return
        value = value.strip()
        if value.isdigit():
            k = int(value) - 1
            if not 0 <= k < len(lay.segments):
                self.notify(
                    f"Segment numbers go from 1 to {len(lay.segments)}.", severity="warning"
                )
                return
            self.view.move_to(lay.segments[k].start)
            return
        m = _TIME.match(value)
        if m:
            h, mi, s = int(m.group(1) or 0), int(m.group(2)), int(m.group(3))
            target = ((h * 60 + mi) * 60 + s) * 1000
            segs = self.mpu_app.project.sources.segments(self.source)
            best = None
            for k, g in enumerate(segs):
                if g.start_ms is not None and g.start_ms <= target:
                    best = k
            if best is None:
                self.notify("No segment starts at or before that time.", severity="warning")
                return
            self.view.move_to(lay.segments[best].start)
            return
        k = lay.segment_at(self.view.cursor)
        n = len(lay.segments)
        for step in range(1, n + 1):
            j = (k + step) % n
            if lay.segments[j].speaker.casefold() == value.casefold():
                self.view.move_to(lay.segments[j].start)
                return
        self.notify(
            f"No segment by '{value}', and it is not a segment number or a time.",
            severity="warning",
        )

    def action_search(self) -> None:
        self.app.push_screen(SearchScreen(self.mpu_app.last_query), self.after_search)

    def after_search(self, result: SearchResult | None) -> None:
        if result is None or not result.hits:
            return
        self.mpu_app.last_query = result.query
        self.set_hit_list([(h.source_id, h.start, h.end) for h in result.hits], "search hit")
        self.jump_to(result.hits[result.index])

    def set_hit_list(self, hits: list[tuple[int, int, int]], kind: str) -> None:
        self.hit_list = hits
        self.hit_kind = kind
        if self.source is not None:
            self.view.set_hits([(s, e) for sid, s, e in hits if sid == self.source.id])

    def jump_to(self, target: SearchHit | Coding | tuple[int, int, int]) -> None:
        if isinstance(target, tuple):
            sid, start, end = target
        else:
            sid, start, end = target.source_id, target.start, target.end
        if self.source is None or self.source.id != sid:
            if not self.open_source(sid):
                return
        self.view.select(start, end)
        self.view.focus()

    def action_next_hit(self, direction: int) -> None:
        if not self.hit_list or self.source is None:
            self.notify(
                "No search hits or passages to step through. Search with / first.",
                severity="warning",
            )
            return
        order = {s["id"]: i for i, s in enumerate(self.sources_list.summaries.values())}
        keyed = sorted(self.hit_list, key=lambda h: (order.get(h[0], 0), h[1], h[2]))
        sel = self.view.selection or (self.view.cursor, self.view.cursor)
        here = (order.get(self.source.id, 0), sel[0], sel[1])
        if direction > 0:
            nxt = next((h for h in keyed if (order.get(h[0], 0), h[1], h[2]) > here), None)
        else:
            nxt = next(
                (h for h in reversed(keyed) if (order.get(h[0], 0), h[1], h[2]) < here), None
            )
        if nxt is None:
            self.notify(f"No more {self.hit_kind or 'hit'}s in this direction.", timeout=2)
            return
        self.jump_to(nxt)
