"""A transcript's segments as rows, and the one writer every segment edit ends in.

``write_layout`` stores a transcript's new text, moves its codings with their words (a coding
whose words are all gone is removed and kept in a memo) and writes each changed segment row,
in the order the journal replays: text, codings (the quote triggers check them against the
new text), then segments. ``segment_edits.py`` (one edit at a time) and
``segment_splits.py`` (many cuts in one pass) both end here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from mpu_qual.errors import MpuQualError

LOST_MEMO_TITLE = "Coding lost in a transcript correction"


@dataclass
class LostCoding:
    coding_id: int
    code_id: str
    quote: str
    memo_id: int


@dataclass
class EditReport:
    """What an edit did: the segments it left, codings moved or lost."""

    description: str
    segment_ids: list[int] = field(default_factory=list)
    moved: int = 0  # codings whose span changed
    reanchored: list[int] = field(default_factory=list)  # codings whose quote text changed
    lost: list[LostCoding] = field(default_factory=list)


@dataclass
class Seg:
    id: int | None
    idx: int
    speaker: str | None
    participant_id: int | None
    start: int
    end: int
    start_ms: int | None
    end_ms: int | None
    meta: dict[str, Any]


def load_source(conn: Any, source_id: int) -> tuple[str, str, list[Seg]]:
    """A transcript's name, text and segments (in order), read inside an action."""
    name, text = conn.execute("SELECT name, text FROM sources WHERE id = ?", [source_id]).fetchone()
    segs = [
        _row(r)
        for r in conn.execute(
            "SELECT id, idx, speaker, participant_id, start, end, start_ms, end_ms, meta "
            "FROM segments WHERE source_id = ? ORDER BY idx",
            [source_id],
        )
    ]
    return name, text, segs


def _row(r: tuple) -> Seg:
    return Seg(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], json.loads(r[8] or "{}"))


def check_storable(new_text: str) -> None:
    try:
        new_text.encode("utf-8")
    except UnicodeEncodeError:
        raise MpuQualError(
            "the text contains a character that cannot be stored (an unpaired surrogate); "
            "nothing was changed",
            field="text",
        ) from None


def write_layout(
    conn: Any,
    source_id: int,
    new_text: str,
    mapping: Any,
    old_segs: list[Seg],
    new_segs: list[Seg],
    spans: list[tuple[int, int]],
    inner: list[tuple[Seg, tuple[int, int]]],
    report: EditReport,
) -> None:
    """Write a transcript's new text, its codings moved by ``mapping`` (old offsets -> new:
    ``mapping(off, side)``, ``skips(start, end)`` for a coding before every change,
    ``touches(start, end)`` for one whose ends may now hold white space) and its segments at
    ``spans``; ``inner`` are the segments whose text changed."""
    conn.execute(
        "UPDATE sources SET text = ?, length = ? WHERE id = ?",
        [new_text, len(new_text), source_id],
    )
    rows = conn.execute(
        "SELECT id, code_id, start, end, quote, memo, coder FROM codings WHERE source_id = ? "
        "ORDER BY id",
        [source_id],
    ).fetchall()
    for cid, code_id, start, end, quote, memo, coder in rows:
        if mapping.skips(start, end):
            continue  # before the change
        s, e = mapping(start, "start"), mapping(end, "end")
        if mapping.touches(start, end):
            while s < e and new_text[s].isspace():
                s += 1
            while e > s and new_text[e - 1].isspace():
                e -= 1
        if e <= s:
            memo_id = _keep_lost(conn, source_id, code_id, quote, memo, coder)
            conn.execute("DELETE FROM codings WHERE id = ?", [cid])
            report.lost.append(LostCoding(cid, code_id, quote, memo_id))
            continue
        if (s, e) == (start, end) and new_text[s:e] == quote:
            continue
        conn.execute(
            "UPDATE codings SET start = ?, end = ?, quote = ? WHERE id = ?",
            [s, e, new_text[s:e], cid],
        )
        report.moved += 1
        if new_text[s:e] != quote:
            report.reanchored.append(cid)
    keep = {s.id for s in new_segs if s.id is not None}
    for g in old_segs:
        if g.id not in keep:
            conn.execute("DELETE FROM segments WHERE id = ?", [g.id])
    old_by_id = {g.id: g for g in old_segs}
    for idx, seg in enumerate(new_segs):
        seg.idx = idx
    changed = {id(x) for x, _ in inner}
    moved_ids = [
        seg.id for seg in new_segs if seg.id is not None and old_by_id[seg.id].idx != seg.idx
    ]
    for seg_id in moved_ids:  # out of the way first: (source_id, idx) is unique
        conn.execute("UPDATE segments SET idx = ? WHERE id = ?", [-1 - seg_id, seg_id])
    for seg, (a, b) in zip(new_segs, spans, strict=True):
        meta = json.dumps(seg.meta, ensure_ascii=False, default=str)
        if seg.id is None:
            seg.id = conn.execute(
                "INSERT INTO segments (source_id, idx, speaker, participant_id, start, end, "
                "start_ms, end_ms, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    source_id,
                    seg.idx,
                    seg.speaker,
                    seg.participant_id,
                    a,
                    b,
                    seg.start_ms,
                    seg.end_ms,
                    meta,
                ],
            ).lastrowid
            continue
        g = old_by_id[seg.id]
        text_changed = id(seg) in changed
        if (
            (g.start, g.end) == (a, b)
            and not text_changed
            and g.idx == seg.idx
            and (g.speaker, g.participant_id, g.start_ms, g.end_ms, g.meta)
            == (seg.speaker, seg.participant_id, seg.start_ms, seg.end_ms, seg.meta)
        ):
            continue
        conn.execute(
            "UPDATE segments SET idx = ?, speaker = ?, participant_id = ?, start = ?, "
            "end = ?, start_ms = ?, end_ms = ?, meta = ? WHERE id = ?",
            [
                seg.idx,
                seg.speaker,
                seg.participant_id,
                a,
                b,
                seg.start_ms,
                seg.end_ms,
                meta,
                seg.id,
            ],
        )


def _keep_lost(
    conn: Any, source_id: int, code_id: str, quote: str, memo: str | None, coder: str | None
) -> int:
    body = f"Quote: «{quote}»"
    if memo:
        body += f"\nMemo: {memo}"
    body += "\nIts words were removed when the transcript was corrected (undo brings it back)."
    return int(
        conn.execute(
            "INSERT INTO memos (source_id, code_id, title, text, author) VALUES (?, ?, ?, ?, ?)",
            [source_id, code_id, LOST_MEMO_TITLE, body, coder],
        ).lastrowid
    )
