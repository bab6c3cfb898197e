"""The audio of some segments as one WAV file, for a colleague to check a quote.

Segments are numbered from 1 as the workbench and ``transcripts review`` show them.
Stretches that follow each other in the recording are joined; between others a short
silence marks the cut. The file is written atomically and private (0600): it is a focus
group's voice.
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mpu_qual.errors import MpuQualError
from mpu_qual.fileio import write_bytes_atomic
from mpu_qual.playback.media import MediaReader

GAP_MS = 500


@dataclass
class ClipReport:
    path: Path
    segments: list[int]  # numbers, from 1
    duration_ms: int
    rate: int
    channels: int


def parse_segment_numbers(specs: list[str] | tuple[str, ...], count: int) -> list[int]:
    """ "3", "5-7" and "3,4" into sorted unique numbers from 1; errors name the bad one."""
    out: set[int] = set()
    for spec in specs:
        for part in str(spec).split(","):
            part = part.strip()
            if not part:
                continue
            lo_s, sep, hi_s = part.partition("-")
            try:
                lo = int(lo_s)
                hi = int(hi_s) if sep else lo
            except ValueError:
                raise MpuQualError(
                    f"'{part}' is not a segment number",
                    field="segment",
                    hint="Give numbers as the workbench shows them (from 1), or ranges like 5-7.",
                ) from None
            if lo > hi:
                lo, hi = hi, lo
            for n in (lo, hi):
                if not 1 <= n <= count:
                    raise MpuQualError(
                        f"there is no segment {n}: this transcript has segments 1 to {count}",
                        field="segment",
                    )
            out.update(range(lo, hi + 1))
    if not out:
        raise MpuQualError("no segment given", field="segment", hint="Name one, e.g. 12.")
    return sorted(out)


def write_clip(
    media: Path,
    timings: list[tuple[int | None, int | None]],
    segment_specs: list[str] | tuple[str, ...],
    out: str | Path,
    *,
    gap_ms: int = GAP_MS,
) -> ClipReport:
    """Write the audio of the given segments of the recording ``media`` to the WAV file ``out``.

    ``timings`` are the (start_ms, end_ms) of every segment of the transcript in order (the
    store gives them: ``p.sources.recording(name)`` and ``p.sources.segments(src)``);
    ``segment_specs`` pick some by number from 1."""
    out = Path(out)
    if out.suffix.lower() != ".wav":
        raise MpuQualError("the clip is written as WAV: name the file .wav", path=out)
    numbers = parse_segment_numbers(segment_specs, len(timings))
    chosen = [timings[n - 1] for n in numbers]
    untimed = [n for n, (start, _end) in zip(numbers, chosen, strict=True) if start is None]
    if untimed:
        raise MpuQualError(
            f"segment {untimed[0]} has no time stamps, so its audio cannot be found",
            field="segment",
        )
    # Join neighbours: one stretch for segments that follow each other in the recording.
    spans: list[list[int]] = []
    for start, end_ms in chosen:
        assert start is not None  # untimed segments were refused above
        end = end_ms if end_ms is not None else start
        if spans and start <= spans[-1][1] + 50:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    with MediaReader(media) as reader:
        info = reader.info
        gap = np.zeros((int(info.rate * gap_ms / 1000), info.channels), dtype=np.int16)
        parts: list[np.ndarray] = []
        for k, (a, b) in enumerate(spans):
            if k:
                parts.append(gap)
            parts.append(reader.read(a, b))
    audio = np.concatenate(parts) if parts else np.zeros((0, info.channels), np.int16)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(info.channels)
        w.setsampwidth(2)
        w.setframerate(info.rate)
        w.writeframes(np.ascontiguousarray(audio).tobytes())
    write_bytes_atomic(out, buf.getvalue())
    return ClipReport(out, numbers, round(len(audio) * 1000 / info.rate), info.rate, info.channels)
