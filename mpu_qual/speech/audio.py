"""Audio input: cheap checks in the parent, decoding (PyAV's bundled FFmpeg) in the worker.

Every way a file can be unusable gets its own message: missing, empty, not audio, no audio
track (a silent video), a codec FFmpeg was built without, damaged or truncated data.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mpu_qual.errors import MpuQualError
from mpu_qual.fileio import refuse_database_file

SAMPLE_RATE = 16_000
# A decode this much shorter than the container's own duration means the file is cut off.
TRUNCATION_TOLERANCE_S = 1.0
TRUNCATION_RATIO = 0.98
CONVERT_HINT = "Convert it with: ffmpeg -i INPUT -ac 1 -ar 16000 OUTPUT.wav"


class AudioError(Exception):
    """A file the decoder cannot use; carries a user-facing message and hint."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def precheck(path: Path) -> int:
    """Raise MpuQualError for a file that is missing, not a file, empty or a truncated WAV.

    Returns the size in bytes. Runs in the parent before anything is written.
    """
    refuse_database_file(path, "recording")
    if not path.exists():
        raise MpuQualError("audio file not found", path=path, hint="Check the path and name.")
    if not path.is_file():
        raise MpuQualError("not a file", path=path, hint="Pass audio or video files.")
    size = path.stat().st_size
    if size == 0:
        raise MpuQualError(
            "audio file is empty (0 bytes)", path=path, hint="Copy the recording again."
        )
    try:
        with path.open("rb") as fh:
            head = fh.read(64 * 1024)
    except OSError as exc:
        raise MpuQualError(f"cannot read audio file: {exc.strerror}", path=path) from None
    short = wav_truncation(head, size)
    if short is not None:
        declared, present = short
        raise MpuQualError(
            f"WAV file is truncated: its header announces {declared:,} bytes of audio but only "
            f"{present:,} are there",
            path=path,
            hint="Copy the recording again from the recorder; the copy was cut off.",
        )
    return size


def wav_truncation(head: bytes, size: int) -> tuple[int, int] | None:
    """(declared, present) audio bytes if a RIFF/WAVE file is shorter than its header says."""
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    pos = 12
    while pos + 8 <= len(head):
        chunk_id = head[pos : pos + 4]
        (chunk_size,) = struct.unpack("<I", head[pos + 4 : pos + 8])
        if chunk_id == b"data":
            present = size - (pos + 8)
            # 0 and 0xFFFFFFFF mean "unknown length" (streamed recorders); accept those.
            if chunk_size in (0, 0xFFFFFFFF) or present >= chunk_size:
                return None
            return chunk_size, present
        pos += 8 + chunk_size + (chunk_size & 1)
    return None


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Identity of the audio: a checkpoint resumes only on the very same bytes."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


@dataclass
class DecodedAudio:
    samples: Any  # numpy float32 mono at SAMPLE_RATE
    duration_s: float
    declared_s: float | None
    codec: str | None


@dataclass
class Probe:
    """What the container says about its first audio track."""

    codec: str
    declared_s: float | None


def probe(path: str) -> Probe:
    """Open the container and find an audio track we can decode, or raise AudioError.

    Cheap (reads headers only), so the worker runs it before loading the model.
    """
    import av
    import av.error

    try:
        with av.open(path, mode="r", metadata_errors="ignore") as container:
            streams = container.streams.audio
            if not streams:
                raise AudioError(
                    "the file has no audio track (a video without sound?)",
                    "Check the recording, or export its audio track to WAV first.",
                )
            stream = streams[0]
            ctx = stream.codec_context
            codec = ctx.name if ctx is not None else None
            # The audio track's own length; the container's only if there is no video
            # (a video track may legitimately run longer than its sound).
            declared: float | None = None
            if stream.duration and stream.time_base:
                declared = float(stream.duration * stream.time_base)
            elif container.duration and not container.streams.video:
                declared = container.duration / 1_000_000
    except AudioError:
        raise
    except av.error.DecoderNotFoundError:
        raise AudioError(
            "the audio codec of this file is not in the bundled FFmpeg (no decoder found)",
            CONVERT_HINT,
        ) from None
    except av.error.FFmpegError as exc:
        raise AudioError(
            f"not an audio or video file FFmpeg can read, or the file is damaged ({_reason(exc)})",
            CONVERT_HINT,
        ) from None
    if codec is None:
        raise AudioError(
            "the audio codec of this file is unknown to the bundled FFmpeg (no decoder found)",
            CONVERT_HINT,
        )
    return Probe(codec, declared)


@contextmanager
def decoding_errors(probed: Probe) -> Iterator[None]:
    """Turn what PyAV/FFmpeg raise while decoding into AudioError with advice."""
    import av.error

    try:
        yield
    except av.error.DecoderNotFoundError:
        raise AudioError(
            f"no decoder for the audio codec '{probed.codec}' in the bundled FFmpeg", CONVERT_HINT
        ) from None
    except av.error.FFmpegError as exc:
        raise AudioError(f"the audio data is damaged ({_reason(exc)})", CONVERT_HINT) from None
    except MemoryError:
        raise AudioError(
            "not enough memory to decode this recording",
            "Close other programs, or split the recording into parts.",
        ) from None


def check_decoded(duration_s: float, probed: Probe) -> None:
    """Raise AudioError for no samples, or for much less audio than the file announces."""
    if duration_s <= 0:
        raise AudioError("the file contains no audio samples", "Check the recording.")
    declared = probed.declared_s
    if declared and duration_s < declared * TRUNCATION_RATIO - TRUNCATION_TOLERANCE_S:
        raise AudioError(
            f"the file is truncated or damaged: it says it lasts {declared:.1f} s but only "
            f"{duration_s:.1f} s of audio could be decoded",
            "Copy the recording again from the recorder.",
        )


def decode(path: str, probed: Probe | None = None) -> DecodedAudio:
    """Decode to 16 kHz mono float32 or raise AudioError. Runs in the worker process."""
    from faster_whisper.audio import decode_audio

    info = probed or probe(path)
    with decoding_errors(info):
        samples = decode_audio(path, sampling_rate=SAMPLE_RATE)
    duration = len(samples) / SAMPLE_RATE
    check_decoded(duration, info)
    return DecodedAudio(samples, duration, info.declared_s, info.codec)


def _reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text).split(":")[0].strip() or type(exc).__name__
