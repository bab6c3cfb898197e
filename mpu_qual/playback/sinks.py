"""Where samples go: a sound device through miniaudio, or its null device.

miniaudio (PyPI ``miniaudio``) bundles its own C audio layer: wheels for Linux, macOS and
Windows talk to PulseAudio/ALSA, CoreAudio or WASAPI directly, with no system package to
install (sounddevice would need PortAudio on Linux). Its null backend consumes samples in
real time without a sound card: the tests play through it.

A sink pulls: the device calls ``pull(frames)`` on its own thread whenever it needs more
samples, and gets back up to that many frames of 16-bit samples as bytes.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from mpu_qual.errors import MpuQualError

Pull = Callable[[int], bytes]
PERIOD_MS = 40  # device buffer: short, so stop and jumps answer at once


class NoAudioDevice(MpuQualError):
    """No sound output here (an SSH session, CI, a machine without a sound card)."""


class Sink(Protocol):
    """An audio output that pulls samples from ``pull`` until closed."""

    def open(self, rate: int, channels: int, pull: Pull) -> None: ...

    def close(self) -> None: ...


_ALSA_HANDLER: object = None  # the C callback, kept alive; False: no ALSA here


def _quiet_alsa() -> None:
    """Keep ALSA's probing messages off the terminal (the TUI draws on stderr)."""
    global _ALSA_HANDLER
    if _ALSA_HANDLER is not None or not sys.platform.startswith("linux"):
        return
    try:
        lib = ctypes.CDLL("libasound.so.2")
        handler_type = ctypes.CFUNCTYPE(
            None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
        )
        _ALSA_HANDLER = handler_type(lambda *_args: None)
        lib.snd_lib_error_set_handler(_ALSA_HANDLER)
    except (OSError, AttributeError):
        _ALSA_HANDLER = False  # no ALSA here: nothing to quieten


def _backends(null: bool) -> list[object] | None:
    import miniaudio

    if null:
        return [miniaudio.Backend.NULL]
    if sys.platform.startswith("linux"):
        # JACK is left out: without a JACK server it prints to the terminal while probing.
        return [miniaudio.Backend.PULSEAUDIO, miniaudio.Backend.ALSA]
    return None  # miniaudio's own order: CoreAudio on macOS, WASAPI on Windows


class MiniaudioSink:
    """A playback device; ``null=True`` uses miniaudio's null device (no sound card)."""

    def __init__(self, *, null: bool = False) -> None:
        self.null = null
        self.device = None
        self.backend: str | None = None

    def open(self, rate: int, channels: int, pull: Pull) -> None:
        try:
            import miniaudio
        except ImportError:  # pragma: no cover - a core dependency
            raise NoAudioDevice(
                "audio playback needs the miniaudio package", hint="pip install miniaudio"
            ) from None
        _quiet_alsa()
        try:
            device = miniaudio.PlaybackDevice(
                output_format=miniaudio.SampleFormat.SIGNED16,
                nchannels=channels,
                sample_rate=rate,
                buffersize_msec=PERIOD_MS,
                backends=_backends(self.null),
                app_name="mpu-qual",
            )
        except miniaudio.MiniaudioError:
            raise no_device() from None
        if device.backend.lower() == "null" and not self.null:
            device.close()
            raise no_device()
        self.backend = device.backend

        def feed():
            frames = yield b""
            while True:
                frames = yield pull(frames)

        gen = feed()
        next(gen)
        device.start(gen)
        self.device = device

    def close(self) -> None:
        if self.device is not None:
            self.device.close()
            self.device = None


def no_device() -> NoAudioDevice:
    return NoAudioDevice(
        "no sound device here, so the recording cannot be played (over SSH or in CI there is "
        "none); everything else works",
        hint="Run mpu-qual on the computer with the speakers or headphones, or export a clip "
        "to listen to elsewhere: mpu-qual transcripts clip NAME SEGMENT -o clip.wav",
    )


class RecordingSink:
    """Another sink (by default the null device) that also keeps every frame it pulled.

    What the tests use to check which samples were played; handy for diagnosing playback.
    """

    def __init__(self, inner: Sink | None = None) -> None:
        self.inner: Sink = inner if inner is not None else MiniaudioSink(null=True)
        self.chunks: list[bytes] = []
        self.rate = 0
        self.channels = 0

    def open(self, rate: int, channels: int, pull: Pull) -> None:
        self.rate, self.channels = rate, channels

        def recording(frames: int) -> bytes:
            data = pull(frames)
            self.chunks.append(data)
            return data

        self.inner.open(rate, channels, recording)

    def close(self) -> None:
        self.inner.close()

    def played(self) -> Any:
        """The frames pulled so far, as an int16 array of shape (frames, channels)."""

        raw = b"".join(self.chunks)
        return np.frombuffer(raw, dtype=np.int16).reshape(-1, max(1, self.channels))
