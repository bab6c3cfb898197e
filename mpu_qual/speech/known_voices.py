"""Known voices: suggest who an unnamed voice is, from voices already named in other recordings.

A diarized transcript keeps each voice's mean CAM++ embedding (``metadata.diarization.
embeddings``) and, once the researcher says who the voices are, ``metadata.voice_map``
(store/voices.py). A participant's voice print is the mean of the embeddings of every voice
assigned to them in other transcripts. An unnamed voice (its speaker is still its own label)
is suggested as the participant whose voice print is most similar, when the cosine similarity
is at least ``THRESHOLD`` and clearly ahead of the next one. Suggestions are only shown; they
are applied when the researcher confirms one (``transcripts speakers --assign``, or ``y`` on
the Voices screen).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from mpu_qual.store import Project

THRESHOLD = 0.6  # CAM++ cosine: the same person across sessions is usually 0.6-0.85
MARGIN = 0.05  # ahead of the second-best participant by at least this much


@dataclass(frozen=True)
class Suggestion:
    voice: str
    participant: str
    similarity: float
    sources: tuple[str, ...]  # the transcripts the participant's voice print comes from


def _unit(v: Any) -> np.ndarray:
    a = np.asarray(v, dtype=np.float64)
    n = float(np.linalg.norm(a))
    return a / n if n else a


def voice_prints(
    project: Project, *, exclude: int | None = None
) -> dict[str, tuple[np.ndarray, list[str]]]:
    """Each participant's mean voice embedding over the transcripts where a voice is theirs."""
    known = {p.label for p in project.participants.list()}
    found: dict[str, list[np.ndarray]] = {}
    where: dict[str, list[str]] = {}
    for src in project.sources.list():
        if src.id == exclude:
            continue
        meta = src.metadata or {}
        emb = (meta.get("diarization") or {}).get("embeddings") or {}
        for voice, label in (meta.get("voice_map") or {}).items():
            if label in known and voice in emb:
                found.setdefault(label, []).append(_unit(emb[voice]))
                where.setdefault(label, []).append(src.name)
    return {k: (_unit(np.mean(v, axis=0)), sorted(set(where[k]))) for k, v in found.items()}


def suggest(project: Project, source: str | int) -> list[Suggestion]:
    """Suggestions for the unnamed voices of one transcript (best first)."""
    src = project.sources.get(source)
    emb = ((src.metadata or {}).get("diarization") or {}).get("embeddings") or {}
    if not emb:
        return []
    unnamed = {
        g.speaker
        for g in project.sources.segments(src)
        if g.speaker and g.meta.get("voice") == g.speaker and g.participant_id is None
    }
    prints = voice_prints(project, exclude=src.id)
    if not prints:
        return []
    labels = sorted(prints)
    matrix = np.stack([prints[k][0] for k in labels])
    out = []
    for voice in sorted(unnamed):
        if voice not in emb:
            continue
        sims = matrix @ _unit(emb[voice])
        order = np.argsort(-sims)
        best = float(sims[order[0]])
        second = float(sims[order[1]]) if len(order) > 1 else -1.0
        if best >= THRESHOLD and best - second >= MARGIN:
            label = labels[int(order[0])]
            out.append(Suggestion(voice, label, round(best, 3), tuple(prints[label][1])))
    out.sort(key=lambda s: -s.similarity)
    return out
