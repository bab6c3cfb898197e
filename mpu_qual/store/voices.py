"""Voices found by speaker diarization, turned into participants: one undoable action each.

A diarized segment keeps the diarizer's anonymous label in ``meta["voice"]`` ("S1", "S2",
...) for good; its ``speaker`` starts as that label, with no participant: "S1" of one
recording is not "S1" of the next. The researcher then

* assigns a voice to a participant (``S1=IL1``): its segments take the participant's label
  and id, and the transcript remembers ``voice_map`` {"S1": "IL1"} in its metadata (known
  voices in later recordings are suggested from it);
* merges two voices (``S4=S2``): S4's segments take S2's speaker, and S4 is recorded as S2;
* moves one turn to another speaker;
* applies a fresh diarization to a stored transcript (``project.voices.apply``): segments split
  where the speaker changes, labelled with their voice and confidence.

Every call is one action in the undo journal (``mpu-qual undo`` reverts it whole).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mpu_qual.errors import MpuQualError
from mpu_qual.figures import count
from mpu_qual.store.segment_edits import _set_description
from mpu_qual.store.segment_rows import EditReport, load_source
from mpu_qual.store.segment_splits import Piece, split_many

if TYPE_CHECKING:
    from mpu_qual.store.project import Project


@dataclass
class VoiceSummary:
    """One speaker of a diarized transcript, as the Voices screen lists it."""

    speaker: str
    voices: list[str]  # the diarizer labels now under this speaker
    participant: str | None  # the participant label when assigned
    talk_ms: int
    segments: list[int]  # segment ids, longest first
    confidence: float | None
    overlap_ms: int


@dataclass
class Relabelled:
    source: str
    changed: int
    steps: list[str] = field(default_factory=list)
    new_voice: str | None = None


def _speakers(conn: Any, source_id: int) -> set[str]:
    return {
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT speaker FROM segments WHERE source_id = ? AND speaker IS NOT NULL",
            [source_id],
        )
    }


def _remember(conn: Any, source_id: int, old: str, new: str) -> None:
    """Keep the voice -> label map in the transcript's metadata (journaled like the rest)."""
    raw = conn.execute("SELECT metadata FROM sources WHERE id = ?", [source_id]).fetchone()[0]
    meta = json.loads(raw or "{}")
    vmap = meta.setdefault("voice_map", {})
    voices = {
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT json_extract(meta, '$.voice') FROM segments "
            "WHERE source_id = ? AND speaker = ?",
            [source_id, new],
        )
        if r[0]
    }
    for v in voices:
        vmap[v] = new
    if old in vmap.values():
        for k, v in list(vmap.items()):
            if v == old:
                vmap[k] = new
    conn.execute(
        "UPDATE sources SET metadata = ? WHERE id = ?",
        [json.dumps(meta, ensure_ascii=False), source_id],
    )


@dataclass
class VoicePiece:
    """One labelled piece of a stored segment, as a diarization proposes it."""

    text: str
    voice: str
    start_ms: int | None
    meta: dict[str, Any]


def _find_cut(text: str, pieces: Sequence[VoicePiece], k: int) -> int:
    """Offset in ``text`` where piece ``k`` starts (pieces are in order, stripped)."""
    pos = 0
    for i, p in enumerate(pieces):
        at = text.find(p.text, pos)
        if at < 0:
            raise MpuQualError("a speaker split did not match the segment's text", field="segment")
        if i == k:
            return at
        pos = at + len(p.text)
    raise AssertionError("piece index out of range")


def label_turn(conn: Any, segment_id: int, voice: str, meta: Mapping[str, Any]) -> int:
    """Give one turn to ``voice`` (no participant until the voice is assigned), with its
    ``meta``; inside the caller's action. Returns the rows changed (0 or 1)."""
    return int(
        conn.execute(
            "UPDATE segments SET speaker = ?, participant_id = NULL, meta = ? WHERE id = ?",
            [voice, json.dumps(meta, ensure_ascii=False), segment_id],
        ).rowcount
    )


def _piece_meta(old: Mapping[str, Any], piece: VoicePiece, *, split: bool) -> dict[str, Any]:
    """A labelled piece's meta: the segment's, less its old voice marks, plus the new ones."""
    meta = json.loads(json.dumps(dict(old)))
    if split:
        meta.pop("corrected", None)  # split by speaker is not a correction
        meta["split_by_speaker"] = True
    for key in ("speaker_confidence", "overlap"):
        meta.pop(key, None)
    meta.update(piece.meta)
    meta["voice"] = piece.voice
    return meta


class Voices:
    """``project.voices``: the speakers of a diarized transcript (store/voices.py): list them,
    assign, merge, move or split them, and apply a fresh diarization."""

    def __init__(self, project: Project) -> None:
        self.project = project

    def summaries(self, source: str | int) -> list[VoiceSummary]:
        """Each speaker of a transcript with talk time, typical passages and confidence."""
        src = self.project.sources.get(source)
        pids = {p.id: p.label for p in self.project.participants.list()}
        groups: dict[str, list[Any]] = {}
        for seg in self.project.sources.segments(src):
            if seg.speaker:
                groups.setdefault(seg.speaker, []).append(seg)
        out = []
        for speaker, segs in groups.items():
            talk = sum((g.end_ms or 0) - (g.start_ms or 0) for g in segs)
            confs = [g.meta["speaker_confidence"] for g in segs if "speaker_confidence" in g.meta]
            longest = sorted(segs, key=lambda g: -((g.end_ms or 0) - (g.start_ms or 0)))
            pid = next((g.participant_id for g in segs if g.participant_id), None)
            out.append(
                VoiceSummary(
                    speaker=speaker,
                    voices=sorted({g.meta["voice"] for g in segs if g.meta.get("voice")}),
                    participant=pids.get(pid) if pid else None,
                    talk_ms=talk,
                    segments=[g.id for g in longest],
                    confidence=round(sum(confs) / len(confs), 3) if confs else None,
                    overlap_ms=sum(
                        (g.end_ms or 0) - (g.start_ms or 0) for g in segs if g.meta.get("overlap")
                    ),
                )
            )
        out.sort(key=lambda v: -v.talk_ms)
        return out

    def relabel(
        self,
        source: str | int,
        *,
        assign: Mapping[str, str] | None = None,
        merge: Mapping[str, str] | None = None,
        move: Mapping[int, str] | None = None,
        split: Sequence[int] | None = None,
    ) -> Relabelled:
        """Assign voices to participants, merge voices, move single turns: one action.

        ``assign`` {"S1": "IL1"}: the speaker S1 becomes participant IL1 (created if new).
        ``merge`` {"S4": "S2"}: S4's turns go to speaker S2, which must be in this transcript.
        ``move`` {12: "S3"}: turn number 12 (1-based, as listed) goes to speaker S3.
        ``split`` [12, 15]: those turns become a new voice (the next free S number), nobody yet.
        """
        assign, merge, move = dict(assign or {}), dict(merge or {}), dict(move or {})
        split = list(split or [])
        if not (assign or merge or move or split):
            raise MpuQualError(
                "say what to change: --assign VOICE=PARTICIPANT, --merge VOICE=VOICE or --move N=SPEAKER",
                field="assign",
            )
        src = self.project.sources.get(source)
        for kind, pairs in (("assign", assign), ("merge", merge)):
            for a, b in pairs.items():
                if not a.strip() or not b.strip():
                    raise MpuQualError(f"--{kind} needs OLD=NEW with both sides given", field=kind)
        out = Relabelled(src.name, 0)
        with self.project.action(f"Speakers of {src.name}", kind="participant") as conn:
            have = _speakers(conn, src.id)
            for old, new in merge.items():
                if old not in have:
                    raise MpuQualError(
                        f"transcript '{src.name}' has no speaker '{old}'",
                        field="merge",
                        hint="Speakers here: " + ", ".join(sorted(have)),
                    )
                if new not in have:
                    raise MpuQualError(
                        f"transcript '{src.name}' has no speaker '{new}' to merge into",
                        field="merge",
                        hint="Speakers here: " + ", ".join(sorted(have)),
                    )
                pid = conn.execute(
                    "SELECT participant_id FROM segments WHERE source_id = ? AND speaker = ? "
                    "AND participant_id IS NOT NULL LIMIT 1",
                    [src.id, new],
                ).fetchone()
                out.changed += conn.execute(
                    "UPDATE segments SET speaker = ?, participant_id = ? "
                    "WHERE source_id = ? AND speaker = ?",
                    [new, pid[0] if pid else None, src.id, old],
                ).rowcount
                _remember(conn, src.id, old, new)
                out.steps.append(f"merged {old} into {new}")
                have.discard(old)
            for old, new in assign.items():
                if old not in have:
                    raise MpuQualError(
                        f"transcript '{src.name}' has no speaker '{old}'",
                        field="assign",
                        hint="Speakers here: " + ", ".join(sorted(have)),
                    )
                new = new.strip()
                pid = self.project.participants.ensure(conn, new)
                out.changed += conn.execute(
                    "UPDATE segments SET speaker = ?, participant_id = ? "
                    "WHERE source_id = ? AND speaker = ?",
                    [new, pid, src.id, old],
                ).rowcount
                _remember(conn, src.id, old, new)
                out.steps.append(f"{old} is {new}")
                have.discard(old)
                have.add(new)
            if move:
                rows = conn.execute(
                    "SELECT id FROM segments WHERE source_id = ? ORDER BY idx", [src.id]
                ).fetchall()
                for number, new in move.items():
                    if not 1 <= number <= len(rows):
                        raise MpuQualError(
                            f"transcript '{src.name}' has no turn {number} (it has {len(rows)})",
                            field="move",
                        )
                    new = new.strip()
                    pid = conn.execute(
                        "SELECT participant_id FROM segments WHERE source_id = ? AND speaker = ? "
                        "LIMIT 1",
                        [src.id, new],
                    ).fetchone()
                    if pid is None:  # not a speaker of this transcript: a participant
                        pid = (self.project.participants.ensure(conn, new),)
                    out.changed += conn.execute(
                        "UPDATE segments SET speaker = ?, participant_id = ? WHERE id = ?",
                        [new, pid[0], rows[number - 1][0]],
                    ).rowcount
                    out.steps.append(f"turn {number} to {new}")
            if split:
                rows = conn.execute(
                    "SELECT id FROM segments WHERE source_id = ? ORDER BY idx", [src.id]
                ).fetchall()
                taken = _speakers(conn, src.id) | {
                    r[0]
                    for r in conn.execute(
                        "SELECT DISTINCT json_extract(meta, '$.voice') FROM segments "
                        "WHERE source_id = ?",
                        [src.id],
                    )
                    if r[0]
                }
                n = 1
                while f"S{n}" in taken:
                    n += 1
                new = f"S{n}"
                for number in split:
                    if not 1 <= number <= len(rows):
                        raise MpuQualError(
                            f"transcript '{src.name}' has no turn {number} (it has {len(rows)})",
                            field="split",
                        )
                    sid = rows[number - 1][0]
                    meta = json.loads(
                        conn.execute("SELECT meta FROM segments WHERE id = ?", [sid]).fetchone()[0]
                    )
                    meta["voice"] = new
                    out.changed += label_turn(conn, sid, new, meta)
                out.steps.append(f"{count(len(split), 'turn')} to a new voice {new}")
                out.new_voice = new
            _set_description(conn, f"Speakers of {src.name}: " + "; ".join(out.steps))
        return out

    def apply(
        self,
        source: str | int,
        plan: Sequence[tuple[int, Sequence[VoicePiece]]],
        diarization: Mapping[str, Any],
    ) -> Relabelled:
        """Split and label a stored transcript's segments as a diarization found: one action.

        ``plan``: for each segment id, its pieces in order (their texts, stripped, in order in
        the segment's text). All cuts are made in one pass (store/segment_splits.py): the
        text is rewritten once and codings move with their words. The speakers become the
        voices S1, S2, ... without participants until assigned.
        """
        src = self.project.sources.get(source)
        out = Relabelled(src.name, 0)
        with self.project.action(f"Find speakers in {src.name}", kind="transcript") as conn:
            _name, text, segs = load_source(conn, src.id)
            by_id = {g.id: g for g in segs}
            batch: dict[int, list[Piece]] = {}
            for seg_id, pieces in plan:
                g = by_id.get(seg_id)
                if g is None or not pieces:
                    raise MpuQualError(f"no segment {seg_id} in '{src.name}'", field="segment")
                own = text[g.start : g.end]
                batch[seg_id] = [
                    Piece(
                        _find_cut(own, pieces, k) if k else 0,
                        piece.start_ms,
                        piece.voice,
                        _piece_meta(g.meta, piece, split=len(pieces) > 1),
                    )
                    for k, piece in enumerate(pieces)
                ]
                out.changed += len(pieces)
            split_many(conn, src.id, batch, EditReport(f"Find speakers in {src.name}"))
            raw = conn.execute("SELECT metadata FROM sources WHERE id = ?", [src.id]).fetchone()[0]
            meta = json.loads(raw or "{}")
            meta["diarization"] = dict(diarization)
            meta.pop("voice_map", None)
            conn.execute(
                "UPDATE sources SET metadata = ? WHERE id = ?",
                [json.dumps(meta, ensure_ascii=False), src.id],
            )
            _set_description(conn, f"Find speakers in {src.name}")
        return out
