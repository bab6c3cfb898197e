"""Speaker turns onto transcript segments: one voice per segment, split where it changes.

A Whisper segment often runs across a change of speaker ("... that's my view. - Yes, and
..."). Each segment is cut into units: its words with their own times when Whisper gave
word timestamps, otherwise words (a Latin word, or one Chinese character) placed in time in
proportion to their position in the text. Each unit goes to the turn that covers most of
it (the nearest turn when none does), and a new segment starts wherever the voice changes.
Nothing is smoothed away: a short back-channel ("yes", "嗯") that the diarizer heard as
another voice stays a segment of its own, with that voice.

Each labelled segment records in its meta ``speaker_confidence`` (0..1, the mean over the
turns it drew on) and ``overlap`` (True when a turn it drew on was marked as possibly two
people at once).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from mpu_qual.speech.diarize import SpeakerTurn
from mpu_qual.transcript_files.parsed import ParsedSegment

# A word: a run of non-space characters that are not CJK, or one CJK character (with the
# punctuation that follows it).
_UNIT = re.compile(
    r"[\u3400-\u9fff\uf900-\ufaff][\u3000-\u303f\uff00-\uffef]*|[^\s\u3400-\u9fff\uf900-\ufaff]+"
)

Word = tuple[int, int, str]  # start_ms, end_ms, the word as Whisper wrote it


@dataclass
class _Unit:
    start: int  # text offsets in the segment's text
    end: int
    start_ms: int
    end_ms: int
    label: str | None = None
    turn: SpeakerTurn | None = None


def _units_from_words(text: str, words: Sequence[Word]) -> list[_Unit] | None:
    """Word spans in ``text``; None when the words do not spell the text (then guess)."""
    out: list[_Unit] = []
    pos = 0
    for start_ms, end_ms, word in words:
        w = word.strip()
        if not w:
            continue
        at = text.find(w, pos)
        if at < 0 or text[pos:at].strip():
            return None
        out.append(_Unit(at, at + len(w), int(start_ms), max(int(end_ms), int(start_ms))))
        pos = at + len(w)
    if text[pos:].strip() or not out:
        return None
    return out


def _units_by_position(text: str, start_ms: int, end_ms: int) -> list[_Unit]:
    """Words spread over the segment's time in proportion to their place in the text."""
    found = [(m.start(), m.end()) for m in _UNIT.finditer(text)]
    if not found:
        return []
    n = len(text) or 1
    span = end_ms - start_ms
    return [_Unit(a, b, start_ms + span * a // n, start_ms + span * b // n) for a, b in found]


def _best_turn(unit: _Unit, turns: Sequence[SpeakerTurn]) -> SpeakerTurn | None:
    best: tuple[float, SpeakerTurn] | None = None
    mid = (unit.start_ms + unit.end_ms) / 2
    for t in turns:
        overlap = min(unit.end_ms, t.end_ms) - max(unit.start_ms, t.start_ms)
        if unit.end_ms == unit.start_ms:
            overlap = 1 if t.start_ms <= mid <= t.end_ms else 0
        # no overlap: the nearer turn wins (a negative score, distance from the middle)
        score = overlap if overlap > 0 else -min(abs(mid - t.start_ms), abs(mid - t.end_ms)) - 1
        if best is None or score > best[0]:
            best = (score, t)
    return best[1] if best else None


def fill_gaps(turns: Sequence[SpeakerTurn], end_ms: int | None = None) -> list[SpeakerTurn]:
    """The timeline a transcript's words are labelled from: each gap between two turns split
    at its middle between them, time before the first turn given to it, and time after the
    last (up to ``end_ms``) to the last one. ``split_by_turns`` gives a word in a gap the
    nearer turn, which is this timeline; scoring it measures what the transcript shows."""
    ordered = sorted((t for t in turns if t.end_ms > t.start_ms), key=lambda t: t.start_ms)
    out: list[SpeakerTurn] = []
    for k, t in enumerate(ordered):
        start = 0 if not out else min(t.start_ms, out[-1].end_ms)
        if k + 1 < len(ordered):
            end = max(t.end_ms, (t.end_ms + ordered[k + 1].start_ms) // 2)
        else:
            end = max(t.end_ms, end_ms or 0)
        out.append(replace(t, start_ms=start, end_ms=end))
    return out


def split_by_turns(
    segments: Sequence[ParsedSegment],
    turns: Sequence[SpeakerTurn],
    words: Sequence[Sequence[Word] | None] | None = None,
) -> list[ParsedSegment]:
    """New segments, each with one speaker; untimed segments and no turns: unchanged copies."""
    ordered = sorted(turns, key=lambda t: t.start_ms)
    out: list[ParsedSegment] = []
    for i, seg in enumerate(segments):
        if seg.start_ms is None or seg.end_ms is None or not ordered:
            out.append(copy.deepcopy(seg))
            continue
        near = [
            t for t in ordered if t.end_ms > seg.start_ms - 5000 and t.start_ms < seg.end_ms + 5000
        ]
        near = near or ordered
        given = words[i] if words is not None and i < len(words) else None
        units = _units_from_words(seg.text, given) if given else None
        if units is None:
            units = _units_by_position(seg.text, seg.start_ms, seg.end_ms)
        for u in units:
            u.turn = _best_turn(u, near)
            u.label = u.turn.label if u.turn else None
        runs: list[list[_Unit]] = []
        for u in units:
            if runs and runs[-1][-1].label == u.label:
                runs[-1].append(u)
            else:
                runs.append([u])
        if len(runs) <= 1:
            piece = copy.deepcopy(seg)
            _label(piece, units)
            out.append(piece)
            continue
        for k, run in enumerate(runs):
            a = 0 if k == 0 else run[0].start
            b = len(seg.text) if k == len(runs) - 1 else runs[k + 1][0].start
            text = seg.text[a:b].strip()
            if not text:
                continue
            piece = ParsedSegment(
                text=text,
                start_ms=seg.start_ms if k == 0 else run[0].start_ms,
                end_ms=seg.end_ms if k == len(runs) - 1 else max(run[-1].end_ms, run[0].start_ms),
                meta=copy.deepcopy(seg.meta),
                line=seg.line,
            )
            piece.meta["split_by_speaker"] = True
            _label(piece, run)
            out.append(piece)
    # time never goes backwards between neighbours (a guessed cut can land before a start)
    for prev, nxt in zip(out, out[1:], strict=False):
        end, start, next_end = prev.end_ms, nxt.start_ms, nxt.end_ms
        if end is not None and start is not None and next_end is not None and start < end:
            nxt.start_ms = min(end, next_end)
    return out


def _label(piece: ParsedSegment, units: Sequence[_Unit]) -> None:
    used = [u.turn for u in units if u.turn is not None]
    if not used:
        return
    counts: dict[str, int] = {}
    for t in used:
        counts[t.label] = counts.get(t.label, 0) + 1
    piece.speaker = max(counts, key=lambda k: counts[k])
    piece.meta["voice"] = piece.speaker
    confs = [t.confidence for t in used if t.label == piece.speaker and t.confidence is not None]
    if confs:
        piece.meta["speaker_confidence"] = round(sum(confs) / len(confs), 3)
    if any(t.overlap for t in used):
        piece.meta["overlap"] = True
    else:
        piece.meta.pop("overlap", None)


def diarization_metadata(diarizer: object, turns: Sequence[SpeakerTurn]) -> dict[str, object]:
    """What a transcript keeps about its diarization: engine, voices found, their mean
    embeddings (for known-voice suggestions), confidence, the share marked as overlap."""
    last = getattr(diarizer, "last", None)
    speakers = getattr(diarizer, "speakers", None)
    labels = sorted({t.label for t in turns}, key=lambda s: (len(s), s))
    talk = {lab: sum(t.end_ms - t.start_ms for t in turns if t.label == lab) for lab in labels}
    out: dict[str, object] = {
        "engine": getattr(diarizer, "engine", type(diarizer).__name__),
        "voices": len(labels),
        "talk_ms": talk,
        "overlap_ms": sum(t.end_ms - t.start_ms for t in turns if t.overlap),
    }
    if speakers is not None and hasattr(speakers, "describe"):
        out["speakers_asked"] = speakers.describe()
    if last is not None:
        out["seconds"] = round(float(last.seconds), 2)
        out["embeddings"] = last.voices
    return out
