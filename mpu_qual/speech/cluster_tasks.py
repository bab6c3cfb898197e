"""What runs on the Dask workers of ``mpu-qual transcribe --cluster`` (the client side is
``speech/cluster.py``).

Workers never open the project: every task takes plain values and returns a plain dict
(segments, times, scores, the worker's address), and the command that submitted it writes
the result. A task that fails returns ``{"error": ...}`` naming its worker instead of raising,
so the command can say where it failed and go on with the other files.

A worker keeps each model it loaded (one per model path, device, compute type and threads) for
all the tasks it runs afterwards, and keeps the recording it received as bytes in a private
temporary folder for the other chunks of the same file.

Decoding a whole file follows ``speech/worker.py`` step by step (the file path goes to
faster-whisper, the same seed, the same mode choice), so a whole file gives the segments and
text a sequential run gives.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import tempfile
import threading
import time
from typing import Any

from mpu_qual.fileio import write_bytes_atomic
from mpu_qual.speech.audio import SAMPLE_RATE, AudioError, check_decoded, decoding_errors, probe
from mpu_qual.speech.cluster_plan import WINDOW_S
from mpu_qual.speech.model_lookup import resolve_model
from mpu_qual.speech.worker import (
    SAMPLING_SEED,
    WorkerRequest,
    _check_language,
    pick_compute_type,
    pick_device,
    pick_mode,
    run_whisper,
)

_LOCK = threading.Lock()
_MODELS: dict[tuple[str, str, str, int], Any] = {}
_FILES: dict[str, str] = {}  # sha256 -> path of the bytes written on this worker
_DECODED: dict[str, Any] = {}  # the last recording decoded for chunks (one at a time)
_LOCAL = threading.local()
_STATE: dict[str, Any] = {"tmp": None, "vad_hooked": False}
HEAD_BYTES = 1 << 16
KEEP_FILES = 4  # recordings received as bytes kept on a worker's disk for their other parts


def worker_address() -> str:
    """This worker's address, or 'this process' outside a worker (tests call tasks directly)."""
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return "this process"


def file_signature(path: str) -> tuple[int, str]:
    """Size and a hash of the first and last 64 KiB: enough to tell two copies apart cheaply."""
    size = os.path.getsize(path)
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        h.update(fh.read(HEAD_BYTES))
        if size > HEAD_BYTES:
            fh.seek(max(HEAD_BYTES, size - HEAD_BYTES))
            h.update(fh.read(HEAD_BYTES))
    return size, h.hexdigest()


def sees_file(path: str, signature: tuple[int, str]) -> bool:
    """True when this worker reads the same file at ``path`` (a shared file system)."""
    try:
        return tuple(file_signature(path)) == tuple(signature)
    except OSError:
        return False


def resolve_on_worker(spec: str | None, allow_download: bool) -> dict[str, Any]:
    """Find the model named on the command line among this worker's models."""
    try:
        return {"model": resolve_model(spec, allow_download=allow_download)}
    except Exception as exc:  # noqa: BLE001 - reported to the command with the worker's address
        return _error(exc, "model")


def _error(exc: BaseException, kind: str) -> dict[str, Any]:
    message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
    return {
        "error": str(message),
        "hint": getattr(exc, "hint", None),
        "kind": kind,
        "worker": worker_address(),
    }


def _local_path(ref: dict[str, Any], data: bytes | None) -> str:
    """The recording as a file on this worker: the shared path, or the bytes written once."""
    if data is None:
        return str(ref["path"])
    sha = str(ref["sha256"])
    with _LOCK:
        known = _FILES.get(sha)
        if known and os.path.exists(known):
            return known
        if _STATE["tmp"] is None:
            _STATE["tmp"] = tempfile.TemporaryDirectory(prefix="mpu-qual-cluster-")
        target = os.path.join(_STATE["tmp"].name, sha + str(ref.get("suffix", "")))
        while len(_FILES) >= KEEP_FILES:  # the oldest recording received goes first
            with contextlib.suppress(OSError):
                os.unlink(_FILES.pop(next(iter(_FILES))))
        write_bytes_atomic(target, data)  # private (0600), whole or absent
        _FILES[sha] = target
        return target


def _model(req: WorkerRequest) -> tuple[Any, str, str]:
    from faster_whisper import WhisperModel

    device = pick_device(req.device)
    compute = pick_compute_type(req.compute_type, device)
    key = (req.model_path, device, compute, req.cpu_threads)
    with _LOCK:
        model = _MODELS.get(key)
        if model is None:
            model = WhisperModel(
                req.model_path,
                device=device,
                compute_type=compute,
                cpu_threads=req.cpu_threads,
                local_files_only=True,
            )
            _MODELS[key] = model
    return model, device, compute


def _hook_vad() -> None:
    """Record the speech regions faster-whisper's VAD finds, per thread (no second pass), or
    hand it the regions a chunk was given."""
    import faster_whisper.transcribe as fwt

    with _LOCK:
        if _STATE["vad_hooked"]:
            return
        original = fwt.get_speech_timestamps

        def recording(*args: Any, **kwargs: Any) -> Any:
            given = getattr(_LOCAL, "regions", None)
            if given is not None:  # a chunk: the regions the whole file has there
                return [{"start": int(a), "end": int(b)} for a, b in given]
            chunks = original(*args, **kwargs)
            found = getattr(_LOCAL, "found", None)
            if found is not None:
                found.extend((int(c["start"]), int(c["end"])) for c in chunks)
            return chunks

        fwt.get_speech_timestamps = recording
        _STATE["vad_hooked"] = True


def plan_file(
    ref: dict[str, Any], data: bytes | None, request: dict[str, Any], long_s: float
) -> dict[str, Any]:
    """Length of the recording and, when it is long, the speech regions to cut it at silences.

    The regions (sample offsets) come from the voice activity detection the decoder itself
    would run on the whole file, with the same settings, so the chunks can hand each part
    exactly the regions the whole file has there.
    """
    try:
        req = WorkerRequest(**request)
        path = _local_path(ref, data)
        probed = probe(path)
        here = {"worker": worker_address(), "regions": None}
        if probed.declared_s is not None and probed.declared_s <= long_s:
            return {"duration_ms": int(round(probed.declared_s * 1000)), **here}
        samples = _decoded(ref, path, probed)
        seconds = len(samples) / SAMPLE_RATE
        if seconds <= long_s:
            return {"duration_ms": int(round(seconds * 1000)), **here}
        from faster_whisper.vad import get_speech_timestamps

        mode = pick_mode(req.mode, seconds, req.vad, req.batched_from_s)
        found = get_speech_timestamps(samples, _vad_options(mode))
        return {
            **here,
            "duration_ms": int(round(seconds * 1000)),
            "samples": len(samples),
            "mode": mode,
            "regions": [[int(c["start"]), int(c["end"])] for c in found],
        }
    except Exception as exc:  # noqa: BLE001
        return _error(exc, "audio" if isinstance(exc, AudioError) else "decoder")


def _vad_options(mode: str) -> Any:
    """The VAD settings faster-whisper 1.2 uses itself in each mode (its defaults)."""
    from faster_whisper.vad import VadOptions

    if mode == "batched":
        return VadOptions(max_speech_duration_s=WINDOW_S, min_silence_duration_ms=160)
    return VadOptions()


def _decoded(ref: dict[str, Any], path: str, probed: Any) -> Any:
    from faster_whisper.audio import decode_audio

    key = str(ref["sha256"])
    with _LOCK:
        if key in _DECODED:
            return _DECODED[key]
    with decoding_errors(probed):
        samples = decode_audio(path, sampling_rate=SAMPLE_RATE)
    check_decoded(len(samples) / SAMPLE_RATE, probed)
    with _LOCK:
        _DECODED.clear()  # one recording at a time: a long one is hundreds of MB
        _DECODED[key] = samples
    return samples


def transcribe_part(
    ref: dict[str, Any],
    data: bytes | None,
    request: dict[str, Any],
    part: dict[str, Any],
) -> dict[str, Any]:
    """Transcribe a whole file (``part["whole"]``, from ``resume_ms``) or one chunk of it."""
    started = time.monotonic()
    try:
        out = _transcribe(ref, data, WorkerRequest(**request), part)
    except Exception as exc:  # noqa: BLE001 - the command names the file and this worker
        return _error(exc, "audio" if isinstance(exc, AudioError) else "decoder")
    out["worker"] = worker_address()
    out["elapsed_s"] = time.monotonic() - started
    return out


def _transcribe(
    ref: dict[str, Any], data: bytes | None, req: WorkerRequest, part: dict[str, Any]
) -> dict[str, Any]:
    import ctranslate2

    path = _local_path(ref, data)
    probed = probe(path)
    model, device, compute = _model(req)
    _hook_vad()
    common: dict[str, Any] = {
        "language": req.language,
        "beam_size": req.beam_size,
        "initial_prompt": req.initial_prompt,
        "vad_filter": req.vad,
        "word_timestamps": req.word_timestamps,  # for splitting turns by speaker afterwards
    }
    offset_ms = 0.0  # where the decoded piece starts in the file (ms)
    total_ms: int | None = None  # where it ends
    source: Any = path
    given: list[list[int]] | None = None
    if part["whole"] and not part.get("start_ms") and probed.declared_s:
        # from the start: the file itself goes to faster-whisper, as in speech/worker.py
        mode = pick_mode(req.mode, probed.declared_s, req.vad, req.batched_from_s)
    else:
        samples = _decoded(ref, path, probed)
        if part["whole"]:  # resuming where a run stopped
            total_ms = int(round(len(samples) * 1000 / SAMPLE_RATE))
            offset_ms = float(max(0, min(int(part["start_ms"]), total_ms)))
            a, b = int(offset_ms * SAMPLE_RATE / 1000), len(samples)
            mode = pick_mode(req.mode, len(samples) / SAMPLE_RATE, req.vad, req.batched_from_s)
        else:  # a chunk, with the speech regions the whole file has there
            a, b = int(part["start"]), min(int(part["end"]), len(samples))
            offset_ms = a * 1000 / SAMPLE_RATE
            total_ms = int(round(b * 1000 / SAMPLE_RATE))
            mode = str(part["mode"])
            given = part.get("regions") if req.vad else None
        source = samples[a:b]
        if (b - a) / SAMPLE_RATE < 0.2 or given == []:
            return _result([], total_ms, req.language, mode, device, compute, [], None)
    _LOCAL.found, _LOCAL.regions = [], given
    try:
        ctranslate2.set_random_seed(SAMPLING_SEED)
        with decoding_errors(probed):
            segments, info = run_whisper(model, source, mode, req, common)
            if total_ms is None:
                check_decoded(info.duration, probed)
                total_ms = int(round(info.duration * 1000))
            segs = []
            for seg in segments:
                start = int(round(offset_ms + seg.start * 1000))
                end = min(max(int(round(offset_ms + seg.end * 1000)), start), total_ms)
                segs.append(
                    {
                        "start_ms": min(start, end),
                        "end_ms": end,
                        "text": seg.text.strip(),
                        "avg_logprob": float(seg.avg_logprob),
                        "no_speech_prob": float(seg.no_speech_prob),
                        "compression_ratio": float(seg.compression_ratio),
                        "temperature": None if seg.temperature is None else float(seg.temperature),
                        "words": [
                            [
                                int(round(offset_ms + w.start * 1000)),
                                int(round(offset_ms + w.end * 1000)),
                                w.word,
                            ]
                            for w in seg.words or []
                        ],
                    }
                )
        regions = [
            [int(offset_ms) + a * 1000 // SAMPLE_RATE, int(offset_ms) + b * 1000 // SAMPLE_RATE]
            for a, b in _LOCAL.found
        ]
    finally:
        _LOCAL.found = _LOCAL.regions = None
    check = None
    if req.language_check_model and offset_ms == 0:
        check = _language_check(req, path, device, compute)
    return _result(segs, total_ms, info.language, mode, device, compute, regions, check)


def _result(
    segs: list[dict[str, Any]],
    total_ms: int,
    language: str | None,
    mode: str,
    device: str,
    compute: str,
    regions: list[list[int]],
    check: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "segments": segs,
        "duration_ms": total_ms,
        "language": language,
        "mode": mode,
        "device": device,
        "compute_type": compute,
        "regions": regions,
        "language_check": check,
    }


class _Collect:
    def __init__(self) -> None:
        self.got: dict[str, Any] | None = None

    def send(self, obj: Any) -> None:
        self.got = obj[1]  # (kind, payload)


def _language_check(req: WorkerRequest, path: str, device: str, compute: str) -> Any:
    box = _Collect()
    with contextlib.suppress(Exception):
        _check_language(box, dataclasses.replace(req, audio_path=path), device, compute)
    return box.got
