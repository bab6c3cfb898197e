"""Bad recordings end with a clear error for that file and leave the project unchanged."""

from __future__ import annotations

import struct
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from tx_helpers import tiny_options

from mpu_qual.errors import MpuQualError
from mpu_qual.speech.audio import wav_truncation
from mpu_qual.speech.runner import Transcriber
from mpu_qual.store import Project


def _encode(samples: np.ndarray, path: Path, codec: str, fmt: str) -> Path:
    """Write 16 kHz mono audio with PyAV's bundled encoders (no ffmpeg binary needed)."""
    pcm = (samples * 32767).astype(np.int16)
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=16000)
        stream.layout = "mono"
        for k in range(0, len(pcm), 1024):
            frame = av.AudioFrame.from_ndarray(pcm[None, k : k + 1024], format="s16", layout="mono")
            frame.sample_rate = 16000
            frame.pts = k
            frame.time_base = Fraction(1, 16000)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def _silent_video(path: Path) -> Path:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for _ in range(20):
            frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory, speech_wav: Path) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bad")
    wav = speech_wav.read_bytes()
    samples = np.frombuffer(wav[44:], dtype=np.int16).astype(np.float32) / 32768
    files: dict[str, Path] = {}
    (d / "empty.wav").write_bytes(b"")
    files["empty"] = d / "empty.wav"
    (d / "notes.wav").write_text("minutes of the meeting, not audio\n" * 50, encoding="utf-8")
    files["not audio"] = d / "notes.wav"
    (d / "noise.mp3").write_bytes(np.random.default_rng(7).bytes(40_000))
    files["corrupt"] = d / "noise.mp3"
    (d / "cut.wav").write_bytes(wav[: len(wav) // 2])
    files["truncated wav"] = d / "cut.wav"
    mp3 = _encode(samples[: 16000 * 20], d / "full.mp3", "libmp3lame", "mp3").read_bytes()
    (d / "cut.mp3").write_bytes(mp3[: len(mp3) // 2])
    files["truncated mp3"] = d / "cut.mp3"
    m4a = _encode(samples[: 16000 * 20], d / "full.m4a", "aac", "mp4").read_bytes()
    (d / "cut.m4a").write_bytes(m4a[: len(m4a) // 2])
    files["truncated m4a"] = d / "cut.m4a"
    odd = bytearray(wav)
    at = odd.find(b"fmt ")
    odd[at + 8 : at + 10] = struct.pack("<H", 0x1234)  # a WAVE format tag FFmpeg cannot decode
    (d / "odd-codec.wav").write_bytes(bytes(odd))
    files["missing codec"] = d / "odd-codec.wav"
    files["video without sound"] = _silent_video(d / "screen.mp4")
    files["missing"] = d / "nowhere.wav"
    (d / "folder.wav").mkdir()
    files["folder"] = d / "folder.wav"
    return files


EXPECTED = {
    "empty": "empty (0 bytes)",
    "not audio": "not an audio or video file",
    "corrupt": "not an audio or video file",
    "truncated wav": "WAV file is truncated",
    "truncated mp3": "truncated or damaged",
    "truncated m4a": "not an audio or video file FFmpeg can read, or the file is damaged",
    "missing codec": "codec",
    "video without sound": "no audio track",
    "missing": "not found",
    "folder": "not a file",
}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_bad_file_clear_error_project_unchanged(
    kind: str,
    bad_files: dict[str, Path],
    project: Project,
    snapshot: Callable[[Path], object],
) -> None:
    before = snapshot(project.folder)
    path = bad_files[kind]
    with pytest.raises(MpuQualError) as info:
        Transcriber(project, tiny_options()).transcribe(path)
    err = info.value
    assert EXPECTED[kind] in err.message
    assert err.path == str(path)  # the error names the file
    assert err.hint  # and says what to do next
    assert snapshot(project.folder) == before


def test_wav_header_check() -> None:
    header = b"RIFF" + struct.pack("<I", 36 + 1000) + b"WAVE"
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16)
    data = b"data" + struct.pack("<I", 1000)
    full = header + fmt + data + b"\0" * 1000
    assert wav_truncation(full, len(full)) is None
    assert wav_truncation(full[:500], 500) == (1000, 500 - 44)
    streamed = header + fmt + b"data" + struct.pack("<I", 0xFFFFFFFF) + b"\0" * 10
    assert wav_truncation(streamed, len(streamed)) is None  # unknown length: accepted
    assert wav_truncation(b"ID3" + b"\0" * 40, 43) is None  # not a WAV: not our business
