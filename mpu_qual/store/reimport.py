"""Re-import a corrected transcript (usually the VTT a person fixed) and keep the codings.

The corrected text replaces the source's text and segments in ONE undoable action. Each
coding is re-anchored by its quote: first exactly where the old position maps to, then the
nearest exact occurrence, then a fuzzy match near the mapped position (difflib). A coding
whose quote cannot be found any more is removed, and its quote and memo are kept in a memo
on the source so no analysis is lost silently; the report lists it.
"""

from __future__ import annotations

import bisect
import difflib
import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mpu_qual.errors import MpuQualError
from mpu_qual.store.connection import inserted_id
from mpu_qual.transcript_files.formats import parse_file
from mpu_qual.transcript_files.parsed import ParsedTranscript

if TYPE_CHECKING:
    from mpu_qual.store.project import Project

# A fuzzy match must be at least this similar (difflib ratio) to the old quote. 0.8 accepts
# a corrected word or two in a sentence-long quote, and rejects a different sentence.
MIN_FUZZY_RATIO = 0.8
LOST_MEMO_TITLE = "Coding lost at re-import"


@dataclass
class CodingMove:
    """A coding that survived, and how it was found."""

    coding_id: int
    code_id: str
    old: tuple[int, int]
    new: tuple[int, int]
    how: str  # "kept" (same place), "moved" (same quote elsewhere), "fuzzy" (quote edited)
    old_quote: str
    new_quote: str


@dataclass
class LostCoding:
    """A coding whose quote is gone; its content went into memo ``memo_id``."""

    coding_id: int
    code_id: str
    quote: str
    memo_id: int | None


@dataclass
class ReimportReport:
    source: str
    path: Path
    segments_before: int
    segments_after: int
    moves: list[CodingMove] = field(default_factory=list)
    lost: list[LostCoding] = field(default_factory=list)

    def count(self, how: str) -> int:
        return sum(1 for m in self.moves if m.how == how)


@dataclass
class _Piece:
    old_lo: int
    old_hi: int
    new_lo: int
    new_hi: int
    exact: bool


class OffsetMap:
    """Maps offsets of the old text to the new text via a segment-level alignment.

    Aligning segments (a few thousand lines for a long meeting) instead of characters keeps
    difflib fast; inside an unchanged segment the mapping is exact, inside an edited block
    it is proportional, and the quote search below corrects the rest.
    """

    def __init__(
        self,
        old_spans: list[tuple[int, int]],
        old_texts: list[str],
        new_spans: list[tuple[int, int]],
        new_texts: list[str],
        new_length: int,
    ) -> None:
        self.new_length = new_length
        self.pairs: dict[int, int] = {}  # old segment index -> new, for 1:1 alignments
        self.equal: set[int] = set()  # new segment indexes whose text is unchanged
        pieces: list[_Piece] = []
        sm = difflib.SequenceMatcher(None, old_texts, new_texts, autojunk=False)
        for tag, i1, i2, j1, j2 in sm.get_opcodes():
            if i1 == i2:
                continue  # inserted segments: no old offsets land there
            o_lo, o_hi = old_spans[i1][0], old_spans[i2 - 1][1] + 1
            if j1 < j2:
                n_lo, n_hi = new_spans[j1][0], new_spans[j2 - 1][1] + 1
            else:
                n_lo = new_spans[j1][0] if j1 < len(new_spans) else new_length
                n_hi = n_lo
            if tag == "equal":
                for k in range(i2 - i1):
                    self.pairs[i1 + k] = j1 + k
                    self.equal.add(j1 + k)
                    (a, b), (c, _d) = old_spans[i1 + k], new_spans[j1 + k]
                    pieces.append(_Piece(a, b + 1, c, c + (b - a) + 1, True))
            else:
                if tag == "replace" and i2 - i1 == j2 - j1:
                    for k in range(i2 - i1):
                        self.pairs[i1 + k] = j1 + k
                pieces.append(_Piece(o_lo, o_hi, n_lo, n_hi, False))
        pieces.sort(key=lambda p: p.old_lo)
        self.pieces = pieces
        self.starts = [p.old_lo for p in pieces]

    def __call__(self, offset: int) -> int:
        k = bisect.bisect_right(self.starts, offset) - 1
        if k < 0:
            return 0
        p = self.pieces[k]
        if offset >= p.old_hi:
            return min(p.new_hi, self.new_length)
        if p.exact:
            pos = p.new_lo + (offset - p.old_lo)
        else:
            width = max(p.old_hi - p.old_lo, 1)
            pos = p.new_lo + round((offset - p.old_lo) * (p.new_hi - p.new_lo) / width)
        return max(0, min(pos, self.new_length))


def find_quote(
    text: str, quote: str, near: int, *, min_ratio: float = MIN_FUZZY_RATIO
) -> tuple[int, int, str] | None:
    """Where ``quote`` is in ``text`` now: (start, end, how) or None.

    ``how`` is "exact" at ``near``, "moved" for the nearest other exact occurrence, or
    "fuzzy" for the best close match in a window around ``near``.
    """
    if not quote:
        return None
    if text.startswith(quote, near):
        return near, near + len(quote), "exact"
    best: int | None = None
    pos = text.find(quote)
    while pos != -1:
        if best is None or abs(pos - near) < abs(best - near):
            best = pos
        pos = text.find(quote, pos + 1)
    if best is not None:
        return best, best + len(quote), "moved"
    pad = max(80, len(quote))
    lo = max(0, near - pad)
    hi = min(len(text), near + len(quote) + pad)
    window = text[lo:hi]
    sm = difflib.SequenceMatcher(None, window, quote, autojunk=False)
    blocks = [b for b in sm.get_matching_blocks() if b.size >= 2]
    if not blocks:
        return None
    # Try spans between matching blocks; keep the most similar one.
    best_span: tuple[float, int, int] | None = None
    for i, first in enumerate(blocks):
        for last in blocks[i:]:
            # Stretch over the quote's unmatched head and tail, as far as the window allows.
            s = max(first.a - first.b, 0)
            e = min(last.a + last.size + (len(quote) - (last.b + last.size)), len(window))
            if e - s > 2 * len(quote) or e <= s:
                continue
            cand = window[s:e]
            ratio = difflib.SequenceMatcher(None, cand, quote, autojunk=False).ratio()
            if best_span is None or ratio > best_span[0]:
                best_span = (ratio, s, e)
    if best_span is None or best_span[0] < min_ratio:
        return None
    _ratio, s, e = best_span
    cand = window[s:e]
    s += len(cand) - len(cand.lstrip())
    e -= len(cand) - len(cand.rstrip())
    if e <= s:
        return None
    return lo + s, lo + e, "fuzzy"


def replace_text(
    project: Project, name: str | int, path: str | Path, *, min_ratio: float = MIN_FUZZY_RATIO
) -> ReimportReport:
    """Replace source ``name``'s text with the corrected file at ``path``; keep its codings.

    Front ends call ``project.sources.reimport``, which calls this."""
    p = Path(path)
    src = project.sources.get(name)
    parsed: ParsedTranscript = parse_file(p)  # errors here leave the project untouched
    if not parsed.segments:
        raise MpuQualError("the corrected transcript has no segments", path=p)
    new_text = parsed.full_text()
    new_spans = parsed.spans()
    old_segs = project.sources.segments(src)
    old_spans = [(g.start, g.end) for g in old_segs]
    old_texts = [src.text[g.start : g.end] for g in old_segs]
    new_texts = [s.text for s in parsed.segments]
    mapping = OffsetMap(old_spans, old_texts, new_spans, new_texts, len(new_text))

    report = ReimportReport(src.name, p, len(old_segs), len(parsed.segments))
    codings = project.conn.execute(
        "SELECT id, code_id, start, end, quote, memo, coder FROM codings "
        "WHERE source_id = ? ORDER BY id",
        [src.id],
    ).fetchall()
    lost_rows: list[tuple[int, str, str, str | None, str | None]] = []
    for cid, code_id, start, end, quote, memo, coder in codings:
        found = find_quote(new_text, quote, mapping(start), min_ratio=min_ratio)
        if found is None:
            lost_rows.append((cid, code_id, quote, memo, coder))
            continue
        s, e, how = found
        if how == "exact":
            how = "kept" if (s, e) == (start, end) else "moved"
        report.moves.append(
            CodingMove(cid, code_id, (start, end), (s, e), how, quote, new_text[s:e])
        )

    new_rows = _segment_rows(parsed, old_segs, mapping)
    digest = hashlib.sha256(p.read_bytes()).hexdigest()
    metadata = dict(src.metadata)
    metadata["reimported_from"] = str(p)
    metadata["reimported_at"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    # Write order matters for undo/redo: the journal replays inserts first, then updates
    # (the source's text first), then deletes, and triggers check every span against the
    # text present at that moment. So rows are inserted/deleted only with empty spans (valid
    # in any text) and get their real spans by UPDATE, after the text changed.
    with project.action(f"Re-import {src.name} from {p.name}", kind="import") as conn:
        conn.execute(
            "UPDATE sources SET text = ?, length = ?, sha256 = ?, metadata = ? WHERE id = ?",
            [
                new_text,
                len(new_text),
                digest,
                json.dumps(metadata, ensure_ascii=False, default=str),
                src.id,
            ],
        )
        for cid, code_id, quote, memo, coder in lost_rows:
            body = f"Quote: «{quote}»"
            if memo:
                body += f"\nMemo: {memo}"
            body += f"\nThe quote was not found in the corrected transcript {p.name}."
            memo_id = conn.execute(
                "INSERT INTO memos (source_id, code_id, title, text, author) VALUES (?, ?, ?, ?, ?)",
                [src.id, code_id, LOST_MEMO_TITLE, body, coder],
            ).lastrowid
            conn.execute(
                "UPDATE codings SET start = 0, end = 1, quote = ? WHERE id = ?",
                [new_text[0], cid],
            )
            conn.execute("DELETE FROM codings WHERE id = ?", [cid])
            report.lost.append(LostCoding(cid, code_id, quote, memo_id))
        pids: dict[str, int] = {}
        update = (
            "UPDATE segments SET idx = ?, speaker = ?, participant_id = ?, start = ?, end = ?, "
            "start_ms = ?, end_ms = ?, meta = ? WHERE id = ?"
        )
        for idx, (speaker, start, end, start_ms, end_ms, meta) in enumerate(new_rows):
            pid = None
            if speaker:
                if speaker not in pids:
                    pids[speaker] = _participant_id(project, conn, speaker)
                pid = pids[speaker]
            if idx < len(old_segs):
                seg_id = old_segs[idx].id
            else:
                seg_id = inserted_id(
                    conn.execute(
                        "INSERT INTO segments (source_id, idx, start, end) VALUES (?, ?, 0, 0)",
                        [src.id, idx],
                    )
                )
            conn.execute(update, [idx, speaker, pid, start, end, start_ms, end_ms, meta, seg_id])
        for old in old_segs[len(new_rows) :]:
            conn.execute("UPDATE segments SET start = 0, end = 0 WHERE id = ?", [old.id])
            conn.execute("DELETE FROM segments WHERE id = ?", [old.id])
        for mv in report.moves:
            conn.execute(
                "UPDATE codings SET start = ?, end = ?, quote = ? WHERE id = ?",
                [mv.new[0], mv.new[1], mv.new_quote, mv.coding_id],
            )
    return report


def _segment_rows(
    parsed: ParsedTranscript, old_segs: list[Any], mapping: OffsetMap
) -> list[tuple[str | None, int, int, int | None, int | None, str]]:
    """New segment rows; unchanged segments keep their Whisper scores and speaker.

    A corrected segment loses its Whisper scores and review flags (a person has read it). A
    segment without a speaker in the file takes the speaker of the old segment it replaces,
    so labels assigned in mpu-qual after the VTT was written survive the round trip.
    """
    back = {j: i for i, j in mapping.pairs.items()}
    rows = []
    for j, (seg, (start, end)) in enumerate(zip(parsed.segments, parsed.spans(), strict=True)):
        old = old_segs[back[j]] if j in back else None
        speaker = seg.speaker
        if speaker is None and old is not None:
            speaker = old.speaker
        if speaker is None and seg.start_ms is not None:
            speaker = _speaker_by_time(old_segs, seg.start_ms, seg.end_ms)
        if old is not None and j in mapping.equal:
            meta = dict(old.meta)
        else:
            meta = {**dict(seg.meta), "corrected": True}
        rows.append(
            (
                speaker,
                start,
                end,
                seg.start_ms,
                seg.end_ms,
                json.dumps(meta, ensure_ascii=False, default=str),
            )
        )
    return rows


def _speaker_by_time(old_segs: list[Any], start_ms: int, end_ms: int | None) -> str | None:
    end = end_ms if end_ms is not None else start_ms
    best: tuple[int, str] | None = None
    for g in old_segs:
        if not g.speaker or g.start_ms is None:
            continue
        g_end = g.end_ms if g.end_ms is not None else g.start_ms
        overlap = min(end, g_end) - max(start_ms, g.start_ms)
        if overlap > 0 and (best is None or overlap > best[0]):
            best = (overlap, g.speaker)
    return best[1] if best else None


def _participant_id(project: Project, conn: sqlite3.Connection, label: str) -> int:
    """The participant for a speaker label, created like an import creates it."""
    return int(project.participants.ensure(conn, label))
