"""Saved progress of transcription runs (``project.transcription_runs``): the rows of the
``transcription_runs`` and ``transcription_segments`` tables (store/migrations/speech.py).

``mpu_qual.speech`` writes each segment in its own small transaction the moment it arrives from
the worker: a crash, Ctrl+C or SIGKILL loses at most the segment being decoded.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mpu_qual.store.project import Project


@dataclass
class Run:
    """A transcription in progress (or interrupted, or failed) for one target source name."""

    id: int
    name: str
    media_path: str
    media_sha256: str
    settings: dict[str, Any]
    fingerprint: str
    status: str
    duration_ms: int | None
    language: str | None
    mode: str | None
    error: str | None
    created_at: str
    updated_at: str
    owner_pid: int | None = None
    owner_host: str | None = None

    def running_elsewhere(self) -> bool:
        """True while another live process on this machine is working on this run."""
        if self.status != "running" or self.owner_pid is None:
            return False
        if self.owner_host != socket.gethostname():
            return False  # cannot tell; a stale run from another machine can be resumed
        if self.owner_pid == os.getpid():
            return False
        try:
            os.kill(self.owner_pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


@dataclass
class SavedSegment:
    """One decoded Whisper segment as the checkpoint keeps it."""

    idx: int
    start_ms: int
    end_ms: int
    text: str
    avg_logprob: float | None = None
    no_speech_prob: float | None = None
    compression_ratio: float | None = None
    temperature: float | None = None
    # [[start_ms, end_ms, word], ...] when the run asked Whisper for word timestamps
    words: list[list[Any]] | None = None


_RUN_COLS = (
    "id, name, media_path, media_sha256, settings, fingerprint, status, duration_ms, "
    "language, mode, error, created_at, updated_at, owner_pid, owner_host"
)
_SEG_COLS = (
    "idx, start_ms, end_ms, text, avg_logprob, no_speech_prob, compression_ratio, temperature, "
    "words"
)
_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"


def _run(row: tuple[Any, ...]) -> Run:
    vals = list(row)
    vals[4] = json.loads(vals[4])
    return Run(*vals)


class TranscriptionRuns:
    """``project.transcription_runs``: read and write the checkpoint rows of transcriptions."""

    def __init__(self, project: Project) -> None:
        self.project = project

    @property
    def conn(self) -> sqlite3.Connection:
        return self.project.conn

    def get(self, name: str) -> Run | None:
        """The saved run for a target transcript name; None when there is none."""
        row = self.conn.execute(
            f"SELECT {_RUN_COLS} FROM transcription_runs WHERE name = ?", (name,)
        ).fetchone()
        return _run(row) if row else None

    def runs(self) -> list[Run]:
        """Every saved run (running, interrupted or failed), oldest first."""
        rows = self.conn.execute(f"SELECT {_RUN_COLS} FROM transcription_runs ORDER BY id")
        return [_run(r) for r in rows.fetchall()]

    def create(
        self,
        name: str,
        media_path: str,
        media_sha256: str,
        settings: dict[str, Any],
        fingerprint: str,
    ) -> Run:
        """Start a run owned by this process (status "running")."""
        with self.project.transaction():
            self.conn.execute(
                "INSERT INTO transcription_runs (name, media_path, media_sha256, settings, "
                "fingerprint, status, owner_pid, owner_host) VALUES (?, ?, ?, ?, ?, 'running', ?, ?)",
                (
                    name,
                    media_path,
                    media_sha256,
                    json.dumps(settings),
                    fingerprint,
                    os.getpid(),
                    socket.gethostname(),
                ),
            )
        run = self.get(name)
        assert run is not None
        return run

    def update(self, run_id: int, **fields: Any) -> None:
        """Set status, duration_ms, language, mode or error."""
        allowed = {"status", "duration_ms", "language", "mode", "error", "media_path"}
        if fields.get("status") == "running":
            fields = {**fields, "owner_pid": os.getpid(), "owner_host": socket.gethostname()}
            allowed |= {"owner_pid", "owner_host"}
        bad = set(fields) - allowed
        if bad:
            raise ValueError(f"not checkpoint fields: {sorted(bad)}")
        if not fields:
            return
        sets = ", ".join(f"{k} = ?" for k in fields)
        with self.project.transaction():
            self.conn.execute(
                f"UPDATE transcription_runs SET {sets}, updated_at = {_NOW} WHERE id = ?",
                (*fields.values(), run_id),
            )

    def add_segment(self, run_id: int, seg: SavedSegment) -> None:
        """Commit one segment (its own transaction: this is the resume point)."""
        with self.project.transaction():
            self.conn.execute(
                f"INSERT INTO transcription_segments (run_id, {_SEG_COLS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    seg.idx,
                    seg.start_ms,
                    seg.end_ms,
                    seg.text,
                    seg.avg_logprob,
                    seg.no_speech_prob,
                    seg.compression_ratio,
                    seg.temperature,
                    None if seg.words is None else json.dumps(seg.words, ensure_ascii=False),
                ),
            )
            self.conn.execute(
                f"UPDATE transcription_runs SET updated_at = {_NOW} WHERE id = ?", (run_id,)
            )

    def segments(self, run_id: int) -> list[SavedSegment]:
        """The run's saved segments, in order."""
        rows = self.conn.execute(
            f"SELECT {_SEG_COLS} FROM transcription_segments WHERE run_id = ? ORDER BY idx",
            (run_id,),
        ).fetchall()
        return [
            SavedSegment(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], words=_words(r[8]))
            for r in rows
        ]

    def speech(self, run_id: int) -> list[tuple[int, int]] | None:
        """Voice-activity regions saved for the run (None: VAD did not run or not yet)."""
        row = self.conn.execute(
            "SELECT speech FROM transcription_runs WHERE id = ?", (run_id,)
        ).fetchone()
        if not row or row[0] is None:
            return None
        return [(int(a), int(b)) for a, b in json.loads(row[0])]

    def set_speech(self, run_id: int, regions: list[tuple[int, int]]) -> None:
        """Save the voice-activity regions (start_ms, end_ms) found for the run."""
        with self.project.transaction():
            self.conn.execute(
                "UPDATE transcription_runs SET speech = ? WHERE id = ?",
                (json.dumps([list(r) for r in regions]), run_id),
            )

    def count(self, run_id: int) -> int:
        """How many segments the run has saved."""
        row = self.conn.execute(
            "SELECT count(*) FROM transcription_segments WHERE run_id = ?", (run_id,)
        ).fetchone()
        return int(row[0])

    def discard(self, run_id: int) -> None:
        """Forget a run and its segments."""
        with self.project.transaction():
            self.conn.execute("DELETE FROM transcription_segments WHERE run_id = ?", (run_id,))
            self.conn.execute("DELETE FROM transcription_runs WHERE id = ?", (run_id,))


def _words(raw: str | None) -> list[list[Any]] | None:
    return None if raw is None else json.loads(raw)
