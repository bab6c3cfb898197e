"""Where ``transcribe --cluster`` cuts a long recording, and how it reaches the cluster.

A long recording is cut only inside silences that voice activity detection found between
speech regions, the cut in the middle of the silence, so no word is ever split between two
chunks: the joins lose or repeat nothing. Cuts come every ``chunk_s`` seconds or so (the
longest silence in a window around each target), and a file without such a silence stays
one piece. The cuts follow from the regions alone, so a resumed run computes the same chunks
again from the same regions (voice activity detection gives the same regions for the same
samples).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mpu_qual.errors import MpuQualError
from mpu_qual.figures import count

CHUNK_S = 600.0  # about 10 minutes per chunk
LONG_FACTOR = 1.5  # files up to 1.5 chunks stay whole (and equal a sequential run exactly)
# Segment numbers of chunk k start at (k + 1) * IDX_STRIDE, so the saved rows say which chunks
# are complete; a sequential run's rows start at 0.
IDX_STRIDE = 1_000_000
WINDOW_S = 30  # faster-whisper's window: batched decoding packs speech up to this length


@dataclass(frozen=True)
class Address:
    """``tcp://host:port`` of a running scheduler, or ``local:N`` for N local workers."""

    scheduler: str | None
    local_workers: int = 0

    def describe(self) -> str:
        if self.scheduler:
            return f"the Dask scheduler at {self.scheduler}"
        return f"a local Dask cluster of {count(self.local_workers, 'worker')}"


def parse_address(text: str) -> Address:
    """Read --cluster's value, or say what it accepts."""
    value = text.strip()
    if value.startswith("local:"):
        count = value[len("local:") :]
        if count.isdigit() and 0 < int(count) <= 256:
            return Address(None, int(count))
    elif "://" in value and value.rsplit(":", 1)[-1].isdigit():
        scheme = value.split("://", 1)[0]
        if scheme in ("tcp", "tls", "ucx", "ws", "wss"):
            return Address(value)
    raise MpuQualError(
        f"'{text}' is not a Dask cluster address",
        field="cluster",
        hint="Pass the scheduler's address (tcp://HOST:8786), or local:N to start N workers "
        "on this machine.",
    )


def groups(regions: list[tuple[int, int]], mode: str, rate: int) -> list[list[tuple[int, int]]]:
    """Speech regions as the decoder will group them into windows.

    Batched decoding packs consecutive speech regions into windows of at most 30 s of speech
    (faster-whisper's ``collect_chunks``); a cut between two such windows leaves every
    window as it is, so the chunks give the words the whole file gives. Sequential decoding
    reads the speech as one stream: any silence between two regions will do.
    """
    if mode != "batched":
        return [[r] for r in regions]
    out: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    length = 0
    for a, b in regions:
        if current and length + (b - a) > WINDOW_S * rate:
            out.append(current)
            current, length = [], 0
        current.append((a, b))
        length += b - a
    if current:
        out.append(current)
    return out


def cut_points(
    regions: list[tuple[int, int]], total: int, chunk_s: float, mode: str, rate: int
) -> list[int]:
    """Sample offsets at which to cut: in the middle of silences, about every ``chunk_s``."""
    chunk = int(chunk_s * rate)
    if total <= chunk * LONG_FACTOR or not regions:
        return []
    spans = groups(sorted((int(a), int(b)) for a, b in regions if b > a), mode, rate)
    # Between two regions lies silence the VAD heard, even where their padding makes them
    # touch (the boundary is then the middle of that silence).
    gaps = [
        (g[-1][1], h[0][0]) for g, h in zip(spans, spans[1:], strict=False) if h[0][0] >= g[-1][1]
    ]
    cuts: list[int] = []
    last = 0
    while total - last > chunk * LONG_FACTOR:
        target = last + chunk
        lo, hi = last + chunk * 3 // 4, last + chunk * 5 // 4
        window = [g for g in gaps if lo <= (g[0] + g[1]) // 2 <= hi]
        if not window:  # talk without a pause around the target: the next silence after it
            window = [g for g in gaps if (g[0] + g[1]) // 2 > hi][:1]
            if not window:
                break
        # the longest silence, the nearer to the target on ties
        best = max(window, key=lambda g: (g[1] - g[0], -abs((g[0] + g[1]) // 2 - target)))
        cut = (best[0] + best[1]) // 2
        if cut >= total:
            break
        cuts.append(cut)
        last = cut
    return cuts


def chunks(
    regions: list[tuple[int, int]], total: int, chunk_s: float, mode: str, rate: int
) -> list[tuple[int, int]]:
    """The (start, end) sample ranges the cuts make; one range for a short file."""
    bounds = [0, *cut_points(regions, total, chunk_s, mode, rate), total]
    return list(zip(bounds, bounds[1:], strict=False))


def distributed_module() -> Any:
    try:
        import distributed
    except ImportError:
        raise MpuQualError(
            "transcribing on a cluster needs Dask distributed, which is not installed",
            field="cluster",
            hint="pip install 'mpu-qual[cluster]' here and on every worker machine.",
        ) from None
    return distributed


@contextlib.contextmanager
def connect(address: Address, timeout_s: float = 20.0) -> Iterator[Any]:
    """A Dask client for the address; a local cluster is started here and stopped after."""
    distributed = distributed_module()
    if address.scheduler is None:
        cluster = distributed.LocalCluster(
            n_workers=address.local_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",  # its HTTP server on a free port of 127.0.0.1 (8787 may be taken)
        )
        try:
            with distributed.Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    try:
        client = distributed.Client(address.scheduler, timeout=timeout_s)
    except OSError as exc:
        raise MpuQualError(
            f"cannot reach {address.describe()} ({exc})",
            field="cluster",
            hint="Check that 'dask scheduler' runs there and that this machine may reach it.",
        ) from None
    with client:
        yield client
