"""The parent's side of the decoder worker (``speech/worker.py``): start it, hand it the go,\nread its messages, stop it, and say how it died when it did.\n\nThe worker runs in its own process so that the model (CTranslate2, several hundred MB) never\nloads into the CLI or the workbench, and so that a crash or a kill of the decoder cannot take\nthe project with it.\n"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from multiprocessing.connection import Connection
from typing import Any

from mpu_qual.speech.worker import WorkerRequest

POLL_S = 0.1


class WorkerDied(Exception):
    """The decoder process ended without saying why (crash, kill, out of memory)."""

    def __init__(self, how: str, detail: str) -> None:
        super().__init__(how)
        self.how = how
        self.detail = detail


class WorkerProcess:
    """One decoder process (``python -m mpu_qual.speech.worker``) and its pipes."""

    def __init__(self, popen: subprocess.Popen[bytes], reader: Connection, errlog: Any) -> None:
        self.popen = popen
        self.reader = reader
        self.errlog = errlog

    @property
    def pid(self) -> int:
        return self.popen.pid

    @classmethod
    def start(cls, request: WorkerRequest) -> WorkerProcess:
        errlog = tempfile.TemporaryFile()
        popen = subprocess.Popen(
            [sys.executable, "-m", "mpu_qual.speech.worker", request.to_json()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errlog,
            close_fds=True,
        )
        assert popen.stdout is not None
        reader = Connection(os.dup(popen.stdout.fileno()), writable=False)
        popen.stdout.close()
        return cls(popen, reader, errlog)

    def go(self, resume_from_ms: int, language: str | None) -> None:
        """Tell the worker to start decoding (it may already have died: then we read why)."""
        line = json.dumps({"resume_from_ms": resume_from_ms, "language": language}) + "\n"
        assert self.popen.stdin is not None
        with contextlib.suppress(BrokenPipeError, OSError):
            self.popen.stdin.write(line.encode())
            self.popen.stdin.close()

    def receive(self, timeout: float) -> tuple[str, dict[str, Any]] | None:
        """The next message, None on timeout; WorkerDied when the process is gone."""
        try:
            if self.reader.poll(timeout):
                kind, payload = self.reader.recv()
                return str(kind), dict(payload)
        except (EOFError, OSError):
            raise self._died() from None
        if self.popen.poll() is not None:
            with contextlib.suppress(EOFError, OSError):
                if self.reader.poll(0):
                    kind, payload = self.reader.recv()
                    return str(kind), dict(payload)
            raise self._died()
        return None

    def _died(self) -> WorkerDied:
        try:
            code = self.popen.wait(5)
        except subprocess.TimeoutExpired:
            code = None
        if code is not None and code < 0:
            how = f"was killed by signal {-code}"
        else:
            how = f"exited with code {code}"
        detail = ""
        with contextlib.suppress(OSError):
            self.errlog.seek(0)
            tail = self.errlog.read()[-400:].decode("utf-8", "replace").strip()
            if tail:
                detail = f" ({tail.splitlines()[-1][:200]})"
        return WorkerDied(how, detail)

    def stop(self) -> None:
        """End the process if it still runs, and release the pipes."""
        if self.popen.stdin is not None:
            with contextlib.suppress(OSError):
                self.popen.stdin.close()
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(5)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        with contextlib.suppress(OSError):
            self.reader.close()
        with contextlib.suppress(OSError):
            self.errlog.close()
