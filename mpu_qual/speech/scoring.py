"""Scoring a diarization against a reference timeline: DER and speech attributed correctly.

Frame-based, 10 ms frames, as the NIST md-eval and pyannote.metrics define it:

* each reference speaker is mapped to at most one found voice so that the time they share is
  largest (Hungarian assignment);
* per frame with R reference speakers and H found voices of which C are the mapped ones:
  missed speech max(0, R-H), false alarm max(0, H-R), confusion min(R, H) - C;
* diarization error rate = (missed + false alarm + confusion) / reference speech;
* frames within ``collar_ms`` of a reference boundary are not scored (0.25 s is usual);
* attribution: of the time when exactly one person speaks in the reference, the share the
  diarization gives to that person (under the same mapping), which is what a researcher
  counting quotes per participant needs; ``attribution_labelled`` counts only the part the
  diarization labelled at all (a transcript segment in a gap between voice turns still gets
  the nearest voice, so this is closer to what the transcript shows).

RTTM (``SPEAKER file 1 start duration <NA> <NA> speaker ...``) is read by ``read_rttm``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mpu_qual.errors import MpuQualError

FRAME_MS = 10
Span = tuple[int, int, str]  # start_ms, end_ms, speaker


@dataclass
class Score:
    der: float
    missed: float  # shares of reference speech
    false_alarm: float
    confusion: float
    attribution: float
    attribution_labelled: float  # the same, of the single-speaker time the diarization labelled
    speakers_ref: int
    speakers_found: int
    scored_s: float


def read_rttm(path: Path) -> list[Span]:
    out: list[Span] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        parts = line.split()
        if not parts or parts[0] != "SPEAKER":
            continue
        try:
            start, dur = float(parts[3]), float(parts[4])
        except (IndexError, ValueError):
            raise MpuQualError("not an RTTM SPEAKER line", path=path, line=n) from None
        out.append((round(start * 1000), round((start + dur) * 1000), parts[7]))
    return out


def _grid(spans: Iterable[Span], names: list[str], frames: int) -> np.ndarray:
    grid = np.zeros((len(names), frames), dtype=bool)
    index = {s: i for i, s in enumerate(names)}
    for a, b, who in spans:
        grid[index[who], max(0, a // FRAME_MS) : max(0, b // FRAME_MS)] = True
    return grid


def overlap_marks(
    reference: Sequence[Span], marked: Sequence[tuple[int, int]]
) -> tuple[float, float, float]:
    """How well stretches marked as overlapping speech match the reference's overlap:
    (share of the reference's overlapped time marked, share of the marked time that is
    overlapped, overlapped share of the reference's speech)."""
    end = max([b for _, b, _ in reference] + [b for _, b in marked] + [0])
    frames = end // FRAME_MS + 1
    names = sorted({s for _, _, s in reference})
    n_ref = _grid(reference, names, frames).sum(0)
    mark = np.zeros(frames, dtype=bool)
    for a, b in marked:
        mark[a // FRAME_MS : b // FRAME_MS] = True
    both = n_ref >= 2
    recall = float((both & mark).sum() / max(int(both.sum()), 1))
    precision = float((both & mark).sum() / max(int(mark.sum()), 1))
    return recall, precision, float(both.sum() / max(int((n_ref > 0).sum()), 1))


def score(reference: Sequence[Span], found: Sequence[Span], *, collar_ms: int = 250) -> Score:
    from scipy.optimize import linear_sum_assignment

    end = max([b for _, b, _ in reference] + [b for _, b, _ in found] + [0])
    frames = end // FRAME_MS + 1
    ref_names = sorted({s for _, _, s in reference})
    hyp_names = sorted({s for _, _, s in found})
    ref = _grid(reference, ref_names, frames)
    hyp = _grid(found, hyp_names, frames)
    keep = np.ones(frames, dtype=bool)
    c = collar_ms // FRAME_MS
    for a, b, _ in reference:
        for edge in (a // FRAME_MS, b // FRAME_MS):
            keep[max(0, edge - c) : edge + c] = False
    ref, hyp = ref[:, keep], hyp[:, keep]
    shared = ref.astype(np.int64) @ hyp.T.astype(np.int64)
    rows, cols = linear_sum_assignment(-shared) if shared.size else ([], [])
    mapped = np.zeros_like(ref)
    for r, h in zip(rows, cols, strict=True):
        mapped[r] = hyp[h]
    n_ref, n_hyp = ref.sum(0), hyp.sum(0)
    correct = (ref & mapped).sum(0)
    total = max(int(n_ref.sum()), 1)
    missed = np.maximum(0, n_ref - n_hyp).sum() / total
    fa = np.maximum(0, n_hyp - n_ref).sum() / total
    conf = (np.minimum(n_ref, n_hyp) - correct).sum() / total
    single = n_ref == 1
    right = (ref & mapped)[:, single].any(0).sum()
    labelled = single & (n_hyp > 0)
    return Score(
        der=float(missed + fa + conf),
        missed=float(missed),
        false_alarm=float(fa),
        confusion=float(conf),
        attribution=float(right / max(int(single.sum()), 1)),
        attribution_labelled=float(
            (ref & mapped)[:, labelled].any(0).sum() / max(int(labelled.sum()), 1)
        ),
        speakers_ref=len(ref_names),
        speakers_found=len(hyp_names),
        scored_s=float(keep.sum() * FRAME_MS / 1000),
    )
