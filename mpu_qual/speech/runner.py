"""Transcribe recordings into a project: checks, worker process, checkpoints, final import.

Order of work for one file, chosen so that a failure leaves the project as it was:
1. check everything that can be checked cheaply (file, model, language, name clashes);
2. start the decoder in a worker process and save each segment it streams back;
3. on success store the transcript (one undoable action), write ``transcripts/NAME.vtt``,
   and drop the checkpoint. On failure keep the saved segments (resume point) if there are
   any, otherwise remove every trace of the run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from mpu_qual.errors import MpuQualError
from mpu_qual.fileio import commit_atomic, prepare_atomic
from mpu_qual.paths import user_dir
from mpu_qual.safety.access import WriteRefused
from mpu_qual.speech import audio as audio_mod
from mpu_qual.speech.checkpoint import Run, SavedSegment, ensure_schema
from mpu_qual.speech.chinese import to_traditional
from mpu_qual.speech.diarize import Diarizer
from mpu_qual.speech.flags import LanguageCheck
from mpu_qual.speech.hallucinations import load_hallucinations
from mpu_qual.speech.languages import check_language
from mpu_qual.speech.model_lookup import ResolvedModel, offline_models, resolve_model
from mpu_qual.speech.options import TranscribeOptions, fingerprint_hash
from mpu_qual.speech.results import (
    ProgressEvent,
    TranscriptionInterrupted,
    TranscriptionResult,
    build_transcript,
    clock,
)
from mpu_qual.speech.turns import Word, diarization_metadata, split_by_turns
from mpu_qual.speech.worker import WorkerRequest
from mpu_qual.speech.worker_process import POLL_S, WorkerDied, WorkerProcess
from mpu_qual.store import Project
from mpu_qual.transcript_files.writers import to_vtt

# Smallest first: language detection needs no big model, and runs after the transcription.
_CHECK_ORDER = ("tiny", "base", "small", "medium", "large-v3-turbo", "turbo", "large-v3")
_BAD_NAME_CHARS = set('/\\:*?"<>|') | {chr(c) for c in range(32)}


ProgressCallback = Callable[[ProgressEvent], None]


def check_name(name: str, path: Path | None = None) -> str:
    """A source name that is also a safe file name for transcripts/NAME.vtt."""
    clean = name.strip()
    if not clean or clean in (".", "..") or any(ch in _BAD_NAME_CHARS for ch in clean):
        raise MpuQualError(
            f"'{name}' cannot be used as a transcript name",
            path=path,
            field="name",
            hint='Pass --name with letters, digits, spaces, "-" or "_".',
        )
    return clean


class Transcriber:
    """Runs transcriptions into one open project (use one per thread)."""

    def __init__(
        self,
        project: Project,
        options: TranscribeOptions,
        *,
        model: ResolvedModel | None = None,
        diarizer: Diarizer | None = None,
        on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
        on_segment: Callable[[SavedSegment], None] | None = None,
    ) -> None:
        options.validate()
        self.project = project
        self.options = options
        self.model = model or resolve_model(options.model, allow_download=options.allow_download)
        self.warnings = check_language(self.model, options.language)
        self.diarizer = diarizer
        self.on_progress = on_progress
        self.cancel = cancel
        self.on_segment = on_segment
        ensure_schema(project.db)
        self.checkpoints = project.transcription_runs
        self.worker_pid: int | None = None
        # Read now: a mistake in a user's phrase file stops the run before any work.
        self.phrases = load_hallucinations(project.folder, user_dir())

    # ------------------------------------------------------------------ public
    def transcribe(
        self, audio: str | Path, *, name: str | None = None, restart: bool = False
    ) -> TranscriptionResult:
        """Transcribe one file into the project (resuming a saved run of the same name)."""
        started = time.monotonic()
        path = Path(audio)
        audio_mod.precheck(path)
        name = check_name(name if name is not None else path.stem, path)
        vtt_path = self.project.transcripts_dir / f"{name}.vtt"
        if self.project.sources.exists(name):
            raise MpuQualError(
                f"a transcript named '{name}' is already in the project",
                path=path,
                hint="Pass --name NEW_NAME, or remove the old one first.",
            )
        # Start the decoder now: it loads the model while we hash the audio and check the
        # checkpoints. If a check fails it is stopped before it did any work.
        proc = WorkerProcess.start(self._request(path))
        self.worker_pid = proc.pid
        try:
            run = self._prepare_run(path, name, vtt_path, restart)
        except BaseException:
            proc.stop()
            self.worker_pid = None
            raise
        return self._run(path, name, run, vtt_path, started, proc)

    def _request(self, path: Path) -> WorkerRequest:
        o = self.options
        return WorkerRequest(
            audio_path=str(path),
            model_path=str(self.model.path),
            device=o.device,
            compute_type=o.compute_type,
            cpu_threads=o.cpu_threads,
            language=o.language,
            vad=o.vad,
            beam_size=o.beam_size,
            mode=o.mode,
            batch_size=o.batch_size,
            initial_prompt=o.initial_prompt,
            condition_on_previous_text=o.condition_on_previous_text,
            language_check_model=self._language_check_model(),
            word_timestamps=o.word_timestamps,
        )

    def _language_check_model(self) -> str | None:
        """For an English-only model: the smallest multilingual model installed, if any."""
        if self.model.multilingual:
            return None
        try:
            found = [m for m in offline_models() if m.multilingual]
        except Exception:  # noqa: BLE001 - the check is optional; the output heuristic remains
            return None
        order = {n: i for i, n in enumerate(_CHECK_ORDER)}
        found.sort(key=lambda m: order.get(m.name, len(order)))
        return str(found[0].path) if found else None

    def _prepare_run(self, path: Path, name: str, vtt_path: Path, restart: bool) -> Run:
        """The checkpoint to continue, or a new one; refuses clashes before any work."""
        run = self.checkpoints.get(name)
        fph = fingerprint_hash(self.options.fingerprint(self.model.path))
        digest = audio_mod.sha256_file(path)
        if run is not None and run.running_elsewhere():
            raise MpuQualError(
                f"'{name}' is being transcribed by another process (pid {run.owner_pid})",
                path=path,
                hint="Wait for it to finish, or stop it; then run this again to resume.",
            )
        if run is not None:
            same = run.media_sha256 == digest and run.fingerprint == fph
            if restart:
                self.checkpoints.discard(run.id)
                run = None
            elif not same:
                what = "a different audio file" if run.media_sha256 != digest else "other settings"
                raise MpuQualError(
                    f"a saved partial transcription of '{name}' used {what}",
                    path=path,
                    hint="Run again with the same file and settings to resume it, or pass "
                    "--restart to discard it.",
                )
        if vtt_path.exists() and run is None:
            raise MpuQualError(
                f"{vtt_path.name} already exists in transcripts/",
                path=vtt_path,
                hint="Pass --name NEW_NAME, or move that file away.",
            )
        if run is None:
            settings = {**self.options.as_metadata(), "model_path": str(self.model.path)}
            try:
                return self.checkpoints.create(name, str(path.resolve()), digest, settings, fph)
            except sqlite3.IntegrityError:
                raise MpuQualError(
                    f"'{name}' was just started by another process",
                    path=path,
                    hint="Wait for it to finish, then run this again if needed.",
                ) from None
        self.checkpoints.update(
            run.id, status="running", error=None, media_path=str(path.resolve())
        )
        return run

    # ------------------------------------------------------------------ internals
    def _emit(self, ev: ProgressEvent) -> None:
        if self.on_progress is not None:
            self.on_progress(dataclasses.replace(ev))  # a copy: listeners may keep it

    def _run(
        self,
        path: Path,
        name: str,
        run: Run,
        vtt_path: Path,
        started: float,
        proc: WorkerProcess,
    ) -> TranscriptionResult:
        saved = self.checkpoints.segments(run.id)
        resume_ms = saved[-1].end_ms if saved else 0
        language = self.options.language or (run.language if saved else None)
        ev = ProgressEvent(
            path,
            name,
            "loading model",
            done_ms=resume_ms,
            segments=len(saved),
            resumed_from_ms=resume_ms,
            total_ms=run.duration_ms,
        )
        self._emit(ev)
        proc.go(resume_ms, language)
        next_idx = saved[-1].idx + 1 if saved else 0
        count = len(saved)
        state: dict[str, Any] = {
            "mode": None,
            "device": None,
            "language": language,
            "language_check": None,
        }
        stream = self._stream(proc, path)
        try:
            for kind, payload in stream:
                if kind == "model":
                    ev.phase, ev.device, ev.compute_type = (
                        "decoding audio",
                        payload["device"],
                        payload["compute_type"],
                    )
                    state["device"] = f"{payload['device']} {payload['compute_type']}"
                elif kind == "audio":
                    ev.total_ms = payload["duration_ms"]
                    self.checkpoints.update(run.id, duration_ms=payload["duration_ms"])
                elif kind == "info":
                    ev.phase, ev.mode, ev.language = (
                        "transcribing",
                        payload["mode"],
                        payload["language"],
                    )
                    state["mode"] = payload["mode"]
                    if payload["language"]:
                        state["language"] = payload["language"]
                        self.checkpoints.update(run.id, language=payload["language"])
                    self.checkpoints.update(run.id, mode=payload["mode"])
                elif kind == "segment":
                    seg = self._save(run.id, next_idx, payload)
                    if seg is None:
                        continue
                    next_idx += 1
                    count += 1
                    ev.done_ms, ev.segments = seg.end_ms, count
                    if self.on_segment is not None:
                        self.on_segment(seg)
                elif kind == "speech":
                    self._save_speech(run.id, resume_ms, payload["regions"])
                elif kind == "language_check":
                    if "language" in payload:
                        state["language_check"] = LanguageCheck(
                            Path(payload["model"]).name,
                            payload["language"],
                            float(payload["probability"]),
                        )
                elif kind == "done":
                    break
                self._emit(ev)
        except KeyboardInterrupt:
            stream.close()
            self._failed(ev)
            self._fail(run, "interrupted", path)
            raise self._interrupted(path, run) from None
        except TranscriptionInterrupted:
            stream.close()
            self._failed(ev)
            self._fail(run, "interrupted", path)
            raise self._interrupted(path, run) from None
        except WriteRefused as exc:  # disk full, read-only, busy: the saved part stays
            stream.close()
            self._failed(ev)
            self._fail(run, f"database error: {exc.message}", path)
            raise MpuQualError(
                f"could not save to the project: {exc.message}",
                path=self.project.db_path,
                hint=f"{exc.hint} Then run the same command again to resume.",
            ) from None
        except MpuQualError as exc:
            stream.close()
            self._failed(ev)
            self._fail(run, str(exc.message), path)
            kept = self.checkpoints.count(run.id)
            if kept and not exc.hint:
                exc.hint = "Run the same command again to resume from the saved segments."
            raise
        except sqlite3.Error as exc:  # disk full, database locked too long, ...
            stream.close()
            self._failed(ev)
            self._fail(run, f"database error: {exc}", path)
            raise MpuQualError(
                f"could not save to the project: {exc}",
                path=self.project.db_path,
                hint="Free disk space or close other programs using the project, then run "
                "the same command again to resume.",
            ) from None
        finally:
            stream.close()
        ev.phase = "saving"
        ev.done_ms = ev.total_ms or ev.done_ms
        self._emit(ev)
        result = self._finish(path, name, run.id, vtt_path, state, resume_ms, started)
        ev.phase = "done"
        self._emit(ev)
        return result

    def _save_speech(self, run_id: int, resume_ms: int, regions: list[list[int]]) -> None:
        """Keep the regions found before the resume point, add those found after it."""
        before = [
            (a, min(b, resume_ms))
            for a, b in self.checkpoints.speech(run_id) or []
            if a < resume_ms
        ]
        found = [(int(a), int(b)) for a, b in regions if b > a]
        self.checkpoints.set_speech(run_id, before + found)

    def _failed(self, ev: ProgressEvent) -> None:
        ev.phase = "failed"
        with contextlib.suppress(Exception):
            self._emit(ev)

    def _save(self, run_id: int, idx: int, payload: dict[str, Any]) -> SavedSegment | None:
        text = payload["text"]
        if self.options.convert:
            text = to_traditional(text, self.options.convert)
        if not text.strip():
            return None  # Whisper sometimes emits empty segments; nothing to keep
        seg = SavedSegment(
            idx=idx,
            start_ms=payload["start_ms"],
            end_ms=payload["end_ms"],
            text=text,
            avg_logprob=payload.get("avg_logprob"),
            no_speech_prob=payload.get("no_speech_prob"),
            compression_ratio=payload.get("compression_ratio"),
            temperature=payload.get("temperature"),
            words=payload.get("words") if self.options.word_timestamps else None,
        )
        self.checkpoints.add_segment(run_id, seg)
        return seg

    def _stream(self, proc: WorkerProcess, path: Path) -> Any:
        """Yield the worker's messages; raise MpuQualError if it reports an error or dies."""
        try:
            while True:
                if self.cancel is not None and self.cancel.is_set():
                    raise TranscriptionInterrupted("transcription cancelled", path=path)
                msg = proc.receive(POLL_S)
                if msg is None:
                    continue
                kind, payload = msg
                if kind == "error":
                    raise MpuQualError(payload["message"], path=path, hint=payload.get("hint"))
                yield kind, payload
                if kind == "done":
                    return
        except WorkerDied as died:
            raise MpuQualError(
                f"the decoder process {died.how} while working on this file{died.detail}",
                path=path,
                hint="The file may be damaged, or the machine ran out of memory; the project "
                "is unchanged for this file.",
            ) from None
        finally:
            proc.stop()
            self.worker_pid = None

    def _interrupted(self, path: Path, run: Run) -> TranscriptionInterrupted:
        saved = self.checkpoints.segments(run.id)
        upto = clock(saved[-1].end_ms) if saved else "0:00:00"
        return TranscriptionInterrupted(
            f"interrupted; {len(saved)} segments up to {upto} are saved",
            path=path,
            hint="Run the same command again to resume where it stopped.",
        )

    def _fail(self, run: Run, error: str, path: Path) -> None:
        """Keep a run with saved segments for resuming; forget one without any."""
        with contextlib.suppress(Exception):
            if self.checkpoints.count(run.id):
                status = "interrupted" if error == "interrupted" else "failed"
                self.checkpoints.update(run.id, status=status, error=error)
            else:
                self.checkpoints.discard(run.id)

    def _finish(
        self,
        path: Path,
        name: str,
        run_id: int,
        vtt_path: Path,
        state: dict[str, Any],
        resume_ms: int,
        started: float,
    ) -> TranscriptionResult:
        run = self.checkpoints.get(name)
        assert run is not None
        saved = self.checkpoints.segments(run_id)
        duration_ms = run.duration_ms or (saved[-1].end_ms if saved else 0)
        speech = self.checkpoints.speech(run_id)
        if not saved:
            self.checkpoints.discard(run_id)
            raise self._no_text(path, duration_ms, speech)
        parsed = build_transcript(
            saved,
            duration_ms,
            self.options,
            self.model,
            run.language,
            run.mode,
            speech=speech,
            phrases=self.phrases,
            language_check=state.get("language_check"),
        )
        if self.diarizer is not None:
            self._emit(ProgressEvent(path, name, "finding speakers", total_ms=duration_ms))
            turns = self.diarizer(path, duration_ms)
            words: list[Sequence[Word] | None] = [  # as stored (JSON lists): typed words
                None if s.words is None else [(int(w[0]), int(w[1]), str(w[2])) for w in s.words]
                for s in saved
            ]
            parsed.segments = split_by_turns(parsed.segments, turns, words)
            parsed.metadata["diarization"] = diarization_metadata(self.diarizer, turns)

        vtt_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # the file is complete and synced before the transcript is stored, and takes its
        # name only once it is (fileio: private temp file, O_EXCL | O_NOFOLLOW, rename)
        text = to_vtt(parsed).encode("utf-8")
        tmp = prepare_atomic(vtt_path, lambda fh: fh.write(text))
        try:
            source = self.project.sources.add(
                name, parsed, media_path=str(path.resolve()), duration_ms=duration_ms
            )
            commit_atomic(tmp, vtt_path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self.checkpoints.discard(run_id)
        return TranscriptionResult(
            path=path,
            name=name,
            source_id=source.id,
            segments=len(saved),
            duration_ms=duration_ms,
            language=run.language,
            mode=run.mode or state.get("mode") or "?",
            device=state.get("device") or "?",
            model=self.model.name,
            flags=parsed.metadata.get("review_flags", {}),
            resumed_from_ms=resume_ms,
            elapsed_s=time.monotonic() - started,
            vtt_path=vtt_path,
            warnings=list(self.warnings),
            notices=list(parsed.metadata.get("notices", [])),
        )

    def _no_text(
        self, path: Path, duration_ms: int, speech: list[tuple[int, int]] | None
    ) -> MpuQualError:
        """Whisper wrote nothing: silence, or speech the model could not handle."""
        heard = sum(b - a for a, b in speech or [])
        if heard >= 3000:
            if not self.model.multilingual:
                return MpuQualError(
                    f"Whisper wrote no text for the {heard / 1000:.0f} s of speech that voice "
                    f"activity detection heard: the model {self.model.name} only knows English, "
                    "and this recording is probably in another language",
                    path=path,
                    hint="Transcribe it with a multilingual model: --model large-v3 --language "
                    "auto (or --language yue for Cantonese, zh for Mandarin).",
                )
            return MpuQualError(
                f"Whisper wrote no text for the {heard / 1000:.0f} s of speech that voice "
                "activity detection heard",
                path=path,
                hint="Try --language with the language spoken, or a larger model.",
            )
        return MpuQualError(
            f"Whisper found no speech in {clock(duration_ms)} of audio",
            path=path,
            hint="Check that the recording has sound; try --no-vad if the speech is quiet.",
        )
