"""The player: one stretch of a recording at a time, followed by its position.

``play`` starts at once: a feeder thread decodes (and time-stretches) a second or two ahead
into a queue, and the device pulls from that queue on its own thread. ``position_ms`` is the
place in the recording that the device has reached, so a caret can follow it. Front ends poll
``position_ms`` and ``finished``; nothing here calls back into them.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mpu_qual.playback.media import MediaReader, Stretcher
from mpu_qual.playback.sinks import MiniaudioSink, Sink

SPEEDS = (0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0)
AHEAD_S = 2.0  # decoded and waiting


@dataclass
class _Chunk:
    samples: np.ndarray  # as played (stretched)
    src_start_ms: float
    src_end_ms: float
    used: int = 0


class Player:
    """Plays ``[start_ms, end_ms)`` of a recording; ``sink_factory`` picks the output."""

    def __init__(self, sink_factory: Callable[[], Sink] = MiniaudioSink) -> None:
        self.sink_factory = sink_factory
        self.sink: Sink | None = None
        self.speed = 1.0
        self.start_ms = 0
        self.end_ms: int | None = None
        self.path: Path | None = None
        self._lock = threading.Lock()
        self._queue: deque[_Chunk] = deque()
        self._queued_frames = 0
        self._position = 0.0
        self._decoded_all = False
        self._finished = threading.Event()
        self._stop = threading.Event()
        self._feeder: threading.Thread | None = None
        self._space = threading.Condition(self._lock)
        self.error: BaseException | None = None
        self.channels = 1

    # ------------------------------------------------------------------ state
    @property
    def playing(self) -> bool:
        return self.sink is not None and not self._finished.is_set()

    @property
    def finished(self) -> bool:
        return self._finished.is_set()

    @property
    def position_ms(self) -> int:
        with self._lock:
            return int(self._position)

    # ------------------------------------------------------------------ control
    def play(
        self, path: str | Path, start_ms: int, end_ms: int | None = None, speed: float | None = None
    ) -> None:
        """Play from ``start_ms`` to ``end_ms`` (None: to the end of the recording)."""
        self.stop()
        if speed is not None:
            self.speed = min(max(speed, SPEEDS[0]), SPEEDS[-1])
        reader = MediaReader(path)  # errors (missing file, not audio) surface here, at once
        info = reader.info
        self.path = Path(path)
        self.start_ms = max(0, start_ms)
        self.end_ms = end_ms
        self.channels = info.channels
        self._queue.clear()
        self._queued_frames = 0
        self._position = float(self.start_ms)
        self._decoded_all = False
        self._finished.clear()
        self._stop.clear()
        self.error = None
        sink = self.sink_factory()
        self._feeder = threading.Thread(
            target=self._feed, args=(reader, info.rate), name="mpu-qual-audio", daemon=True
        )
        self._feeder.start()
        try:
            sink.open(info.rate, info.channels, self._pull)
        except BaseException:
            self._stop.set()
            with self._space:
                self._space.notify_all()
            self._feeder.join()
            raise
        self.sink = sink

    def stop(self) -> None:
        """Stop playing (the position stays where it was)."""
        self._stop.set()
        with self._space:
            self._space.notify_all()
        sink, self.sink = self.sink, None
        if sink is not None:
            sink.close()
        if self._feeder is not None:
            self._feeder.join()
            self._feeder = None
        self._finished.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the stretch has been played (True) or ``timeout`` passed."""
        done = self._finished.wait(timeout)
        if done:
            self.stop()
        return done

    # ------------------------------------------------------------------ threads
    def _feed(self, reader: MediaReader, rate: int) -> None:
        """Decode ahead into the queue; runs on its own thread."""
        stretcher = Stretcher(rate, reader.info.channels, self.speed) if self.speed != 1.0 else None
        src_ms = float(self.start_ms)
        try:
            blocks = reader.stream(self.start_ms, self.end_ms)
            for block in blocks:
                if self._stop.is_set():
                    return
                block_ms = len(block) * 1000 / rate
                out = stretcher.run(block) if stretcher else block
                self._put(_Chunk(out, src_ms, src_ms + block_ms))
                src_ms += block_ms
            if stretcher is not None:
                tail = stretcher.run(np.zeros((0, reader.info.channels), np.int16), final=True)
                if len(tail):
                    self._put(_Chunk(tail, src_ms, src_ms))
        except BaseException as exc:  # noqa: BLE001 - reported through .error
            self.error = exc
        finally:
            reader.close()
            with self._lock:
                self._decoded_all = True
                if not self._queue:
                    self._finished.set()

    def _put(self, chunk: _Chunk) -> None:
        limit = int(AHEAD_S * 1000)
        with self._space:
            while (
                not self._stop.is_set()
                and self._queue
                and sum(c.src_end_ms - c.src_start_ms for c in self._queue) > limit
            ):
                self._space.wait(0.05)
            self._queue.append(chunk)

    def _pull(self, frames: int) -> bytes:
        """Called by the device thread: up to ``frames`` frames of samples."""
        parts: list[np.ndarray] = []
        need = frames
        with self._lock:
            while need > 0 and self._queue:
                c = self._queue[0]
                take = c.samples[c.used : c.used + need]
                parts.append(take)
                c.used += len(take)
                need -= len(take)
                total = max(1, len(c.samples))
                self._position = c.src_start_ms + (c.src_end_ms - c.src_start_ms) * (c.used / total)
                if c.used >= len(c.samples):
                    self._queue.popleft()
                    self._space.notify_all()
            if not self._queue and self._decoded_all:
                self._finished.set()
        if not parts:
            return b""
        return np.concatenate(parts).tobytes()
