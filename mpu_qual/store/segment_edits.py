"""Correcting a transcript in place: edit, split, merge, delete segments, adjust their times.

Each operation is ONE undoable action that rewrites the source's text and keeps every
invariant of the store: ``sources.length`` equals the text's length, segments tile the text in
``idx`` order, every coding quotes exactly its span (the triggers check it), and the search
index follows the new text.

Codings move with their words. Only the segment being changed has new text; its old and new
text are aligned character by character (difflib), so a coding on unchanged words keeps
exactly those words, and a coding whose own words were edited stays on the corresponding
edited words (a coding that started or ended inside a replaced word now covers the whole
replacement). A coding whose words were all deleted is removed, and its quote and memo are
kept in a memo on the transcript, as a re-import does; the report lists it. Everything is
undone by one undo.

An edited segment keeps Whisper's scores and flags, is marked ``corrected`` (which resolves
its review flags) and remembers Whisper's text in ``whisper_text``.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import TYPE_CHECKING, Any

from mpu_qual.errors import MpuQualError, NotFound
from mpu_qual.store.segment_rows import LOST_MEMO_TITLE as LOST_MEMO_TITLE
from mpu_qual.store.segment_rows import (
    EditReport,
    check_storable,
    load_source,
    write_layout,
)
from mpu_qual.store.segment_rows import Seg as _Seg

if TYPE_CHECKING:
    from mpu_qual.store.project import Project

INAUDIBLE = "[inaudible]"
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")


class _SpanMap:
    """Offsets of the old text -> the new text, where ``[lo, hi)`` became ``piece``."""

    def __init__(self, old_text: str, lo: int, hi: int, piece: str) -> None:
        self.lo, self.hi = lo, hi
        self.delta = len(piece) - (hi - lo)
        self.len_old, self.len_new = hi - lo, len(piece)
        sm = difflib.SequenceMatcher(None, old_text[lo:hi], piece, autojunk=False)
        self.ops = sm.get_opcodes()

    def skips(self, start: int, end: int) -> bool:
        return end <= self.lo and start < self.lo

    def touches(self, start: int, end: int) -> bool:
        return start < self.hi

    def __call__(self, off: int, side: str) -> int:
        if off < self.lo or (off == self.lo and side == "end"):
            return off
        if off > self.hi or (off == self.hi and side == "start"):
            return off + self.delta
        rel = off - self.lo
        if side == "start" and rel == self.len_old:
            return self.lo + self.len_new
        if side == "end" and rel == 0:
            return self.lo
        for tag, i1, i2, j1, j2 in self.ops:
            inside = i1 <= rel < i2 if side == "start" else i1 < rel <= i2
            if not inside:
                continue
            if tag == "equal":
                return self.lo + j1 + (rel - i1)
            return self.lo + (j1 if side == "start" else j2)
        return self.lo + (self.len_new if side == "end" else 0)


class SegmentEditor:
    """Segment corrections on one open project (``project.segment_edits``)."""

    def __init__(self, project: Project) -> None:
        self.project = project

    # ------------------------------------------------------------------ reading
    def _load(self, conn: Any, segment_id: int) -> tuple[int, str, str, list[_Seg], int]:
        row = conn.execute("SELECT source_id FROM segments WHERE id = ?", [segment_id]).fetchone()
        if row is None:
            raise NotFound(f"no segment {segment_id}", field="segment")
        source_id = int(row[0])
        name, text, segs = load_source(conn, source_id)
        k = next(i for i, g in enumerate(segs) if g.id == segment_id)
        return source_id, name, text, segs, k

    # ------------------------------------------------------------------ operations
    def edit(self, segment_id: int, text: str, *, speaker: str | None = None) -> EditReport:
        """New text (and, if given, a new speaker) for one segment."""
        text = _clean_text(text)
        label = speaker.strip() if speaker is not None else None
        if speaker is not None and not label:
            raise MpuQualError("the speaker label cannot be empty", field="speaker")
        with self.project.action("Edit segment", kind="transcript") as conn:
            sid, name, old, segs, k = self._load(conn, segment_id)
            g = segs[k]
            same_text = old[g.start : g.end] == text
            if same_text and (label is None or label == g.speaker):
                return EditReport(f"Segment {k + 1} of {name} is unchanged", [g.id or 0])
            _set_description(conn, f"Edit segment {k + 1} of {name}")
            new = [_copy(s) for s in segs]
            if not same_text:
                _mark_corrected(new[k], old[g.start : g.end])
            if label is not None and label != g.speaker:
                new[k].speaker = label
                new[k].participant_id = self.project.participants.ensure(conn, label)
            report = EditReport(f"Edit segment {k + 1} of {name}")
            inner = [(new[k], (0, len(text)))]
            self._rewrite(conn, sid, old, g.start, g.end, text, segs, new, inner, report)
            report.segment_ids = [g.id or 0]
            return report

    def split(self, segment_id: int, at: int, *, at_ms: int | None = None) -> EditReport:
        """Split a segment at text offset ``at`` (white space at the cut is dropped)."""
        with self.project.action("Split segment", kind="transcript") as conn:
            sid, name, old, segs, k = self._load(conn, segment_id)
            g = segs[k]
            left = old[g.start : min(max(at, g.start), g.end)].rstrip()
            right = old[min(max(at, g.start), g.end) : g.end].lstrip()
            if not left or not right:
                raise MpuQualError(
                    "put the caret inside the segment's text to split it (both parts need words)",
                    field="segment",
                )
            _set_description(conn, f"Split segment {k + 1} of {name}")
            piece = left + "\n" + right
            cut_ms = _split_time(g, at_ms, len(left), len(right))
            first, second = _copy(g), _copy(g)
            first.end_ms = cut_ms
            second.id, second.start_ms = None, cut_ms
            first.meta["corrected"] = second.meta["corrected"] = True
            new = [_copy(s) for s in segs[:k]] + [first, second] + [_copy(s) for s in segs[k + 1 :]]
            report = EditReport(f"Split segment {k + 1} of {name}")
            inner = [(first, (0, len(left))), (second, (len(left) + 1, len(piece)))]
            self._rewrite(conn, sid, old, g.start, g.end, piece, segs, new, inner, report)
            report.segment_ids = [int(s.id) for s in new[k : k + 2] if s.id is not None]
            return report

    def merge_with_next(self, segment_id: int) -> EditReport:
        """Join a segment with the one after it (text, time span, flags)."""
        with self.project.action("Merge segments", kind="transcript") as conn:
            sid, name, old, segs, k = self._load(conn, segment_id)
            if k + 1 >= len(segs):
                raise MpuQualError("this is the last segment: nothing after it to merge with")
            a, b = segs[k], segs[k + 1]
            _set_description(conn, f"Merge segments {k + 1} and {k + 2} of {name}")
            left, right = old[a.start : a.end], old[b.start : b.end]
            joiner = "" if _cjk_edge(left[-1:]) and _cjk_edge(right[:1]) else " "
            piece = left + joiner + right if left and right else left + right
            merged = _copy(a)
            merged.end_ms = b.end_ms if b.end_ms is not None else a.end_ms
            flags = list(dict.fromkeys([*a.meta.get("flags", []), *b.meta.get("flags", [])]))
            if flags:
                merged.meta["flags"] = flags
            details = {**b.meta.get("flag_details", {}), **a.meta.get("flag_details", {})}
            if details:
                merged.meta["flag_details"] = details
            merged.meta["corrected"] = True
            new = [_copy(s) for s in segs[:k]] + [merged] + [_copy(s) for s in segs[k + 2 :]]
            report = EditReport(f"Merge segments {k + 1} and {k + 2} of {name}")
            inner = [(merged, (0, len(piece)))]
            self._rewrite(conn, sid, old, a.start, b.end, piece, segs, new, inner, report)
            report.segment_ids = [a.id or 0]
            return report

    def delete(self, segment_id: int) -> EditReport:
        """Remove a segment and its text (codings on it only are kept in a memo)."""
        with self.project.action("Delete segment", kind="transcript") as conn:
            sid, name, old, segs, k = self._load(conn, segment_id)
            if len(segs) == 1:
                raise MpuQualError(
                    "a transcript needs at least one segment",
                    field="segment",
                    hint=f"Remove the whole transcript instead: mpu-qual transcripts remove {name}",
                )
            g = segs[k]
            _set_description(conn, f"Delete segment {k + 1} of {name}")
            if k + 1 < len(segs):
                lo, hi = g.start, segs[k + 1].start  # the text and the separator after it
            else:
                lo, hi = segs[k - 1].end, g.end  # the last one: the separator before it
            new = [_copy(s) for s in segs[:k]] + [_copy(s) for s in segs[k + 1 :]]
            report = EditReport(f"Delete segment {k + 1} of {name}")
            self._rewrite(conn, sid, old, lo, hi, "", segs, new, [], report)
            return report

    def mark(self, segment_id: int, status: str | None) -> EditReport:
        """ "reviewed" (accepted as it is), "inaudible" (text becomes [inaudible]) or None."""
        if status not in ("reviewed", "inaudible", None):
            raise ValueError(status)
        if status == "inaudible":
            with self.project.action("Mark segment inaudible", kind="transcript") as conn:
                _sid, name, old, segs, k = self._load(conn, segment_id)
                report = self.edit(segment_id, INAUDIBLE)
                conn.execute(
                    "UPDATE segments SET meta = json_set(meta, '$.inaudible', json('true')) "
                    "WHERE id = ?",
                    [segment_id],
                )
                _set_description(conn, f"Mark segment {k + 1} of {name} inaudible")
                report.description = f"Mark segment {k + 1} of {name} inaudible"
                return report
        with self.project.action("Review segment", kind="transcript") as conn:
            _sid, name, _old, segs, k = self._load(conn, segment_id)
            meta = dict(segs[k].meta)
            if status == "reviewed":
                meta["reviewed"] = True
                what = f"Accept segment {k + 1} of {name}"
            else:
                for key in ("reviewed", "inaudible"):
                    meta.pop(key, None)
                what = f"Reopen segment {k + 1} of {name} for review"
            _set_description(conn, what)
            conn.execute(
                "UPDATE segments SET meta = ? WHERE id = ?",
                [json.dumps(meta, ensure_ascii=False), segment_id],
            )
            return EditReport(what, [segment_id])

    def set_times(
        self, segment_id: int, *, start_ms: int | None = None, end_ms: int | None = None
    ) -> EditReport:
        """New start and/or end time; kept in order with the neighbours and inside the audio."""
        with self.project.action("Adjust segment times", kind="transcript") as conn:
            sid, name, _old, segs, k = self._load(conn, segment_id)
            g = segs[k]
            if g.start_ms is None or g.end_ms is None:
                raise MpuQualError("this segment has no time stamps to adjust", field="segment")
            s = g.start_ms if start_ms is None else start_ms
            e = g.end_ms if end_ms is None else end_ms
            duration = conn.execute(
                "SELECT duration_ms FROM sources WHERE id = ?", [sid]
            ).fetchone()[0]
            low = segs[k - 1].start_ms if k > 0 and segs[k - 1].start_ms is not None else 0
            high = segs[k + 1].end_ms if k + 1 < len(segs) else duration
            s = max(s, low or 0, 0)
            if high is not None:
                e = min(e, high)
            if e - s < 100:
                raise MpuQualError(
                    "a segment must last at least 0.1 s and stay in order with its neighbours",
                    field="segment",
                )
            what = f"Adjust times of segment {k + 1} of {name}"
            if (s, e) == (g.start_ms, g.end_ms):
                return EditReport(f"Times of segment {k + 1} of {name} are unchanged", [g.id or 0])
            _set_description(conn, what)
            conn.execute(
                "UPDATE segments SET start_ms = ?, end_ms = ? WHERE id = ?", [s, e, segment_id]
            )
            return EditReport(what, [segment_id])

    def nudge(self, segment_id: int, which: str, delta_ms: int) -> EditReport:
        """Move the start or the end by ``delta_ms`` (e.g. ±100 while listening)."""
        row = self.project.conn.execute(
            "SELECT start_ms, end_ms FROM segments WHERE id = ?", [segment_id]
        ).fetchone()
        if row is None:
            raise NotFound(f"no segment {segment_id}", field="segment")
        if row[0] is None or row[1] is None:
            raise MpuQualError("this segment has no time stamps to adjust", field="segment")
        if which == "start":
            return self.set_times(segment_id, start_ms=row[0] + delta_ms)
        return self.set_times(segment_id, end_ms=row[1] + delta_ms)

    # ------------------------------------------------------------------ the one writer
    def _rewrite(
        self,
        conn: Any,
        source_id: int,
        old: str,
        lo: int,
        hi: int,
        piece: str,
        old_segs: list[_Seg],
        new_segs: list[_Seg],
        inner: list[tuple[_Seg, tuple[int, int]]],
        report: EditReport,
    ) -> None:
        """Replace ``old[lo:hi]`` by ``piece``; lay the segments out again; carry codings.

        Order of writes (each row change is journaled and replayed in this order): the
        source's text, then codings (the quote triggers check them against the new text),
        then segments, whose start/end updates re-index search.
        """
        new_text = old[:lo] + piece + old[hi:]
        check_storable(new_text)
        spans = _layout(new_text, new_segs, lo, hi, piece, inner)
        mapping = _SpanMap(old, lo, hi, piece)
        write_layout(conn, source_id, new_text, mapping, old_segs, new_segs, spans, inner, report)


# ---------------------------------------------------------------------- helpers
def _clean_text(text: str) -> str:
    if "\n" in text or "\r" in text:
        raise MpuQualError(
            "a segment's text is one paragraph: it cannot contain line breaks",
            field="text",
            hint="To make two segments, split the segment instead.",
        )
    text = text.strip()
    if not text:
        raise MpuQualError(
            "a segment cannot be empty",
            field="text",
            hint="Delete the segment instead, or mark it inaudible.",
        )
    return text


def _copy(s: _Seg) -> _Seg:
    return _Seg(
        s.id, s.idx, s.speaker, s.participant_id, s.start, s.end, s.start_ms, s.end_ms,
        json.loads(json.dumps(s.meta)),
    )  # fmt: skip


def _mark_corrected(s: _Seg, old_text: str) -> None:
    s.meta.setdefault("whisper_text", old_text)
    s.meta["corrected"] = True


def _set_description(conn: Any, text: str) -> None:
    """Name the open action once its subject is known (inside the same transaction)."""
    conn.execute(
        "UPDATE actions SET description = ? WHERE id = "
        "(SELECT action_id FROM journal_state WHERE id = 1)",
        [text],
    )


def _cjk_edge(ch: str) -> bool:
    return bool(ch) and bool(_CJK.match(ch))


def _split_time(g: _Seg, at_ms: int | None, left: int, right: int) -> int | None:
    if g.start_ms is None or g.end_ms is None:
        return at_ms
    if at_ms is not None and g.start_ms < at_ms < g.end_ms:
        return at_ms
    return g.start_ms + round((g.end_ms - g.start_ms) * left / max(1, left + right))


def _layout(
    new_text: str,
    new_segs: list[_Seg],
    lo: int,
    hi: int,
    piece: str,
    inner: list[tuple[_Seg, tuple[int, int]]],
) -> list[tuple[int, int]]:
    """Spans of the new segments: ``inner`` ones inside the piece, the others shifted."""
    delta = len(piece) - (hi - lo)
    placed = {id(s): (lo + a, lo + b) for s, (a, b) in inner}
    spans: list[tuple[int, int]] = []
    for s in new_segs:
        if id(s) in placed:
            spans.append(placed[id(s)])
        elif s.end <= lo:
            spans.append((s.start, s.end))
        else:
            spans.append((s.start + delta, s.end + delta))
    prev = 0
    for a, b in spans:
        if not prev <= a <= b <= len(new_text):
            raise AssertionError("segments do not tile the corrected text")  # a bug, not input
        prev = b
    return spans
