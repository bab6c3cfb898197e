"""The decoder process: loads the model, decodes the audio, streams segments to the parent.

It runs as its own process (``python -m mpu_qual.speech.worker``) so that a crash of
FFmpeg or CTranslate2 on a bad file, or a SIGKILL, ends this file only: the parent sees the
pipe close, reports the file and keeps the project as it was. The worker never touches
SQLite and imports neither the store nor the CLI, so it costs what faster-whisper costs.

It starts early: the parent launches it with the model settings, and while the model loads
the parent hashes the audio and checks its checkpoints; then it sends one JSON line on stdin
with the resume point (an empty line means "never mind, exit").

Messages are pickled tuples on a private copy of stdout (fd 1 itself is pointed at stderr
so stray prints cannot corrupt them): ("model", {...}), ("audio", {...}), ("info", {...}),
("segment", {...}) for each segment, ("speech", {...}) with the voice-activity regions
faster-whisper's own VAD found (no second pass), ("language_check", {...}) when a multilingual
model was given to check an English-only run, then ("done", {}) or ("error", {...}).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from dataclasses import asdict, dataclass, replace
from multiprocessing.connection import Connection
from typing import Any, Protocol

from mpu_qual.speech.audio import (
    SAMPLE_RATE,
    AudioError,
    check_decoded,
    decode,
    decoding_errors,
    probe,
)

# Batched decoding pays off on long recordings (measured on 2 cores: base int8 about 8x real
# time sequential, 20x batched on a 5-minute file) at about twice the memory.
BATCHED_FROM_S = 300.0
SAMPLING_SEED = 1234


@dataclass(frozen=True)
class WorkerRequest:
    """What one worker run needs; plain values so it travels as JSON."""

    audio_path: str
    model_path: str
    device: str = "auto"
    compute_type: str = "auto"
    cpu_threads: int = 0
    language: str | None = None
    vad: bool = True
    beam_size: int = 5
    mode: str = "auto"
    batch_size: int = 8
    initial_prompt: str | None = None
    condition_on_previous_text: bool = False
    resume_from_ms: int = 0
    batched_from_s: float = BATCHED_FROM_S
    # A multilingual model to ask which language the audio is in (English-only runs only).
    language_check_model: str | None = None
    word_timestamps: bool = False

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> WorkerRequest:
        return cls(**json.loads(text))


def pick_device(device: str) -> str:
    if device != "auto":
        return device
    import ctranslate2

    return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"


def pick_compute_type(compute_type: str, device: str) -> str:
    """int8 on CPU (fastest there, small loss), float16 on a GPU."""
    if compute_type != "auto":
        return compute_type
    return "int8" if device == "cpu" else "float16"


def pick_mode(mode: str, seconds: float, vad: bool, threshold: float = BATCHED_FROM_S) -> str:
    """Batched for long recordings; it needs VAD chunks, so never without VAD."""
    if mode != "auto":
        return mode
    return "batched" if vad and seconds >= threshold else "sequential"


def _send(conn: Connection, kind: str, payload: dict[str, Any]) -> None:
    try:
        conn.send((kind, payload))
    except (BrokenPipeError, OSError):
        pass


def main(argv: list[str] | None = None) -> int:
    """Process entry point: ``python -m mpu_qual.speech.worker REQUEST_JSON``."""

    # Ctrl+C reaches the whole process group: only the parent handles it (it saves what it
    # has, then stops this process), so the worker never dies half-way through a message.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    args = sys.argv[1:] if argv is None else argv
    msg_fd = os.dup(1)
    os.dup2(2, 1)  # anything printed by libraries goes to stderr, not into the message pipe
    conn = Connection(msg_fd, readable=False)
    try:
        _run(conn, WorkerRequest.from_json(args[0]))
    except BrokenPipeError:
        pass
    except BaseException as exc:  # noqa: BLE001 - everything must reach the parent as a message
        if isinstance(exc, AudioError):
            _send(conn, "error", {"kind": "audio", "message": exc.message, "hint": exc.hint})
        else:
            _send(
                conn,
                "error",
                {"kind": "decoder", "message": f"{type(exc).__name__}: {exc}", "hint": None},
            )
    finally:
        conn.close()
    return 0


def _run(conn: Connection, req: WorkerRequest) -> None:

    from tqdm import tqdm

    # faster-whisper makes (disabled) tqdm bars; tqdm's default lock is a multiprocessing
    # semaphore that leaks warnings at exit. A thread lock is all one process needs.
    tqdm.set_lock(threading.RLock())

    from faster_whisper import WhisperModel

    probed = probe(req.audio_path)  # headers only: reject bad files before loading the model
    device = pick_device(req.device)
    compute = pick_compute_type(req.compute_type, device)
    try:
        model = WhisperModel(
            req.model_path,
            device=device,
            compute_type=compute,
            cpu_threads=req.cpu_threads,
            local_files_only=True,
        )
    except (RuntimeError, ValueError, OSError) as exc:
        hint = "Check --model."
        if device == "cuda":
            hint = "No usable CUDA GPU or CUDA libraries here: use --device cpu."
        elif "compute type" in str(exc).lower() or "compute_type" in str(exc).lower():
            hint = "Use --compute-type int8 (CPU) or float16 (GPU)."
        _send(
            conn,
            "error",
            {"kind": "model", "message": f"cannot load the model on {device}: {exc}", "hint": hint},
        )
        return
    conn.send(("model", {"device": device, "compute_type": compute, "pid": os.getpid()}))

    line = sys.stdin.readline()  # the go-ahead, with the resume point
    if not line.strip():
        return
    job = json.loads(line)
    req = replace(req, resume_from_ms=int(job["resume_from_ms"]), language=job["language"])

    common: dict[str, Any] = {
        "language": req.language,
        "beam_size": req.beam_size,
        "initial_prompt": req.initial_prompt,
        "vad_filter": req.vad,
        "word_timestamps": req.word_timestamps,
    }
    import ctranslate2

    # Whisper samples at random when greedy decoding fails its checks (temperature
    # fallback): a fixed seed makes the same file give the same transcript every time.
    ctranslate2.set_random_seed(SAMPLING_SEED)
    speech = _capture_speech_regions()
    offset_ms = 0
    source: Any = req.audio_path
    if req.resume_from_ms > 0 or not probed.declared_s:
        # Resuming (the audio is cut at the resume point) or a length the container does not
        # announce (needed to pick the mode): decode here. Only the decoder may then hold the
        # samples: faster-whisper drops the full recording once it has cut out the speech.
        audio = decode(req.audio_path, probed)
        total_ms = int(round(audio.duration_s * 1000))
        offset_ms = max(0, min(req.resume_from_ms, total_ms))
        seconds = audio.duration_s
        box = [audio.samples[int(offset_ms * SAMPLE_RATE / 1000) :]]
        del audio
        mode = pick_mode(req.mode, seconds, req.vad, req.batched_from_s)
        if len(box[0]) / SAMPLE_RATE < 0.2:
            conn.send(("audio", {"duration_ms": total_ms, "codec": probed.codec}))
            conn.send(
                ("info", {"language": req.language, "language_probability": None, "mode": mode})
            )
            conn.send(("done", {}))
            return
        source = box.pop()
    else:
        # From the start: hand faster-whisper the file, exactly as a direct call would, so
        # decoding costs the same time and memory; the checks run on what it decoded.
        mode = pick_mode(req.mode, probed.declared_s, req.vad, req.batched_from_s)
    with decoding_errors(probed):
        segments, info = run_whisper(model, source, mode, req, common)
    del source
    if offset_ms == 0:
        check_decoded(info.duration, probed)
        total_ms = int(round(info.duration * 1000))
    conn.send(("audio", {"duration_ms": total_ms, "codec": probed.codec}))
    conn.send(
        (
            "info",
            {
                "language": info.language,
                "language_probability": info.language_probability,
                "mode": mode,
            },
        )
    )
    for seg in segments:
        start = offset_ms + int(round(seg.start * 1000))
        end = offset_ms + int(round(seg.end * 1000))
        end = min(max(end, start), total_ms)
        start = min(start, end)
        conn.send(
            (
                "segment",
                {
                    "start_ms": start,
                    "end_ms": end,
                    "text": seg.text.strip(),
                    "avg_logprob": float(seg.avg_logprob),
                    "no_speech_prob": float(seg.no_speech_prob),
                    "compression_ratio": float(seg.compression_ratio),
                    "temperature": None if seg.temperature is None else float(seg.temperature),
                    "words": [
                        [
                            offset_ms + int(round(w.start * 1000)),
                            offset_ms + int(round(w.end * 1000)),
                            w.word,
                        ]
                        for w in seg.words or []
                    ],
                },
            )
        )
    regions = [
        [
            offset_ms + int(c["start"] * 1000 / SAMPLE_RATE),
            offset_ms + int(c["end"] * 1000 / SAMPLE_RATE),
        ]
        for chunks in speech
        for c in chunks
    ]
    if req.vad:
        conn.send(("speech", {"regions": regions}))
    if req.language_check_model and offset_ms == 0:
        _check_language(conn, req, device, compute)
    conn.send(("done", {}))


def run_whisper(
    model: Any, source: Any, mode: str, req: WorkerRequest, common: dict[str, Any]
) -> Any:
    """faster-whisper on ``source`` (a path or samples): the batched pipeline or the
    sequential decoder, as ``mode`` says; the worker and the cluster's tasks both decode here."""
    from faster_whisper import BatchedInferencePipeline

    if mode == "batched":
        pipeline = BatchedInferencePipeline(model=model)
        return pipeline.transcribe(source, batch_size=req.batch_size, **common)
    return model.transcribe(
        source, condition_on_previous_text=req.condition_on_previous_text, **common
    )


def _capture_speech_regions() -> list[list[dict[str, int]]]:
    """Record what faster-whisper's VAD finds (sample offsets), without running it twice.

    This process exists for one transcription, so wrapping the module's function is safe.
    """
    import faster_whisper.transcribe as fwt

    found: list[list[dict[str, int]]] = []
    original = fwt.get_speech_timestamps

    def recording(*args: Any, **kwargs: Any) -> Any:
        chunks = original(*args, **kwargs)
        found.append([{"start": int(c["start"]), "end": int(c["end"])} for c in chunks])
        return chunks

    fwt.get_speech_timestamps = recording
    return found


class Sender(Protocol):
    """Where a worker sends its messages: a process pipe, or a collector in a cluster task."""

    def send(self, obj: Any) -> None: ...


def _check_language(conn: Sender, req: WorkerRequest, device: str, compute: str) -> None:
    """Ask a multilingual model which language the speech is in; failures are not fatal."""
    from faster_whisper import WhisperModel
    from faster_whisper.audio import decode_audio

    try:
        model = WhisperModel(
            req.language_check_model,
            device=device,
            compute_type=compute,
            cpu_threads=req.cpu_threads,
            local_files_only=True,
        )
        if not model.model.is_multilingual:
            return
        audio = decode_audio(req.audio_path, sampling_rate=16_000)
        language, probability, _all = model.detect_language(
            audio, vad_filter=True, language_detection_segments=3
        )
    except Exception as exc:  # noqa: BLE001 - a check, never a reason to fail the file
        conn.send(("language_check", {"error": f"{type(exc).__name__}: {exc}"}))
        return
    conn.send(
        (
            "language_check",
            {"model": req.language_check_model, "language": language, "probability": probability},
        )
    )


if __name__ == "__main__":
    sys.exit(main())
