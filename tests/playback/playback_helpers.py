"""Helpers: recordings whose every sample says where it is: left channel n // 32768, right n % 32768.

Whatever the player hands the device can then be decoded back to the sample positions it
came from, so the tests check exactly which stretch of the recording was played.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

RATE = 16_000


def coded(seconds: float, rate: int = RATE) -> np.ndarray:
    n = np.arange(int(seconds * rate))
    return np.stack([(n // 32768).astype(np.int16), (n % 32768).astype(np.int16)], axis=1)


def positions(samples: np.ndarray) -> np.ndarray:
    """Sample index of each played frame of a coded recording."""
    return samples[:, 0].astype(np.int64) * 32768 + samples[:, 1].astype(np.int64)


def write_wav(path: Path, data: np.ndarray, rate: int = RATE) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(data.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.ascontiguousarray(data).tobytes())
    return path


def write_flac(path: Path, data: np.ndarray, rate: int = RATE) -> Path:
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream("flac", rate=rate, layout="stereo")
        for i in range(0, len(data), 4096):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(data[i : i + 4096]).reshape(1, -1),
                format="s16",
                layout="stereo",
            )
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path
