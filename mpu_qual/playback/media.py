"""Read exact stretches of a recording with PyAV: sample-accurate start and end.

Audio is decoded at the file's own sample rate (no resampling, so what is played is what was
recorded), as 16-bit samples, mono or stereo (more channels are mixed down to stereo).
Seeking lands on a frame boundary before the wanted time; the frames' timestamps then say
exactly which sample is which, and the stretch is cut to the sample.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from mpu_qual.errors import MpuQualError
from mpu_qual.fileio import is_database_file

# Seek this far before the wanted start: demuxers land on the packet at or before the target,
# and some codecs need a little lead-in to decode the first wanted frame correctly.
SEEK_LEAD_S = 0.5
BLOCK_S = 0.5  # what ``stream`` yields at a time


@dataclass(frozen=True)
class MediaInfo:
    path: Path
    rate: int
    channels: int  # as played: 1 or 2
    duration_ms: int | None
    codec: str


def _media_error(path: Path, what: str) -> MpuQualError:
    return MpuQualError(
        f"cannot play the recording: {what}",
        path=path,
        hint="Check that the file is the transcript's recording (mpu-qual transcripts list "
        "shows it), or convert it: ffmpeg -i INPUT OUTPUT.wav",
    )


class MediaReader:
    """One recording opened for reading stretches; not shared between threads."""

    def __init__(self, path: str | Path) -> None:
        import av
        import av.error

        self.path = Path(path)
        # Checked at every use, not only when the recording was attached: a recording
        # replaced since by a link to project.db must never reach FFmpeg, whose open and
        # close of the file would drop SQLite's locks (issue 19). The link itself (by its
        # name, or its inode when the database is open here) and where it leads are checked.
        for candidate in (self.path, Path(os.path.realpath(self.path))):
            if is_database_file(candidate):
                raise MpuQualError(
                    "this recording is now a project database file (or a link to one); "
                    "mpu-qual does not read it outside SQLite",
                    path=self.path,
                    hint="Put the real recording back, or attach it again: "
                    "mpu-qual transcripts audio NAME FILE",
                )
        if not self.path.is_file():
            raise MpuQualError(
                "the recording is not there any more",
                path=self.path,
                hint="Put the file back at that place (moved or renamed recordings cannot be "
                "found).",
            )
        try:
            self._container: Any = av.open(str(self.path), metadata_errors="ignore")
        except av.error.FFmpegError as exc:
            raise _media_error(self.path, f"FFmpeg cannot read it ({exc})") from None
        if not self._container.streams.audio:
            self._container.close()
            raise _media_error(self.path, "it has no audio track")
        self._stream = self._container.streams.audio[0]
        ctx = self._stream.codec_context
        rate = int(ctx.sample_rate or self._stream.rate or 0)
        if rate <= 0:
            self._container.close()
            raise _media_error(self.path, "its sample rate is unknown")
        channels = 1 if int(ctx.channels or 1) == 1 else 2
        duration_ms = None
        if self._stream.duration and self._stream.time_base:
            duration_ms = int(self._stream.duration * self._stream.time_base * 1000)
        elif self._container.duration:
            duration_ms = int(self._container.duration / 1000)
        self.info = MediaInfo(self.path, rate, channels, duration_ms, ctx.name or "?")

    def close(self) -> None:
        self._container.close()

    def __enter__(self) -> MediaReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ positions
    def sample_of(self, ms: int) -> int:
        return round(ms * self.info.rate / 1000)

    def ms_of(self, sample: int) -> float:
        return sample * 1000 / self.info.rate

    # ------------------------------------------------------------------ reading
    def read(self, start_ms: int, end_ms: int) -> np.ndarray:
        """Samples ``[start_ms, end_ms)`` as an int16 array of shape (frames, channels)."""
        blocks = list(self.stream(start_ms, end_ms))
        if not blocks:
            return np.zeros((0, self.info.channels), dtype=np.int16)
        return np.concatenate(blocks)

    def stream(self, start_ms: int, end_ms: int | None = None) -> Iterator[np.ndarray]:
        """Blocks of about BLOCK_S from ``start_ms`` to ``end_ms`` (or the end), sample-exact."""
        import av
        import av.error

        first = self.sample_of(max(0, start_ms))
        last = None if end_ms is None else self.sample_of(end_ms)
        if last is not None and last <= first:
            return
        layout = "mono" if self.info.channels == 1 else "stereo"
        try:
            frames = self._frames_from(first)
            resampler = av.AudioResampler(format="s16", layout=layout, rate=self.info.rate)
            pos: int | None = None
            pending: list[np.ndarray] = []
            have = 0
            block = max(1, int(self.info.rate * BLOCK_S))
            for frame in frames:
                if frame.pts is not None and frame.time_base is not None:
                    frame_start = round(float(frame.pts * frame.time_base) * self.info.rate)
                    if pos is None or abs(frame_start - pos) > 1:
                        pos = frame_start
                elif pos is None:
                    pos = 0
                for out in resampler.resample(frame):
                    data = out.to_ndarray().reshape(-1, self.info.channels)
                    lo, hi = pos, pos + len(data)
                    pos = hi
                    if hi <= first:
                        continue
                    a = max(0, first - lo)
                    b = len(data) if last is None else min(len(data), last - lo)
                    if b > a:
                        pending.append(data[a:b])
                        have += b - a
                    if have >= block:
                        yield np.concatenate(pending)
                        pending, have = [], 0
                if last is not None and pos >= last:
                    break
            if pending:
                yield np.concatenate(pending)
        except av.error.FFmpegError as exc:
            raise _media_error(self.path, f"the audio data is damaged ({exc})") from None

    def _frames_from(self, first: int) -> Iterator[Any]:
        """Decoded frames starting at or before sample ``first``."""
        target_s = first / self.info.rate - SEEK_LEAD_S
        if target_s > 0 and self._stream.time_base:
            offset = int(target_s / self._stream.time_base)
            self._container.seek(offset, backward=True, any_frame=False, stream=self._stream)
            frames = self._container.decode(self._stream)
            head = next(frames, None)
            if head is None:
                return
            head_s = float(head.pts * head.time_base) if head.pts is not None else None
            if head_s is not None and head_s * self.info.rate <= first:
                yield head
                yield from frames
                return
        # From the very start: no seek needed, or the seek overshot or has no timestamps.
        self._container.seek(0, stream=self._stream)
        yield from self._container.decode(self._stream)


def stretch(samples: np.ndarray, rate: int, speed: float) -> np.ndarray:
    """Play ``speed`` times faster (0.5-2.0) without changing the pitch (FFmpeg's atempo).

    atempo is a WSOLA time stretch that ships with every FFmpeg, PyAV's bundled one too, so
    no further library is needed.
    """
    if abs(speed - 1.0) < 1e-6 or len(samples) == 0:
        return samples
    return Stretcher(rate, samples.shape[1], speed).run(samples, final=True)


class Stretcher:
    """Streaming atempo: feed blocks, get stretched blocks (flush with ``final``)."""

    def __init__(self, rate: int, channels: int, speed: float) -> None:
        import av.filter

        if not 0.5 <= speed <= 2.0:
            raise ValueError("speed must be between 0.5 and 2.0")
        self.rate = rate
        self.channels = channels
        self.layout = "mono" if channels == 1 else "stereo"
        self.graph = av.filter.Graph()
        src = self.graph.add_abuffer(
            sample_rate=rate, format="s16", layout=self.layout, time_base=Fraction(1, rate)
        )
        tempo = self.graph.add("atempo", f"{speed:.4f}")
        sink = self.graph.add("abuffersink")
        src.link_to(tempo)
        tempo.link_to(sink)
        self.graph.configure()
        self._pts = 0

    def run(self, samples: np.ndarray, *, final: bool = False) -> np.ndarray:
        import av

        out: list[np.ndarray] = []
        if len(samples):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(samples).reshape(1, -1), format="s16", layout=self.layout
            )
            frame.sample_rate = self.rate
            frame.pts = self._pts
            self._pts += len(samples)
            self.graph.push(frame)
        if final:
            self.graph.push(None)
        while True:
            try:
                got = self.graph.pull()
            except (av.error.BlockingIOError, av.error.EOFError):
                break
            out.append(got.to_ndarray().reshape(-1, self.channels))
        if not out:
            return np.zeros((0, self.channels), dtype=np.int16)
        return np.concatenate(out)
