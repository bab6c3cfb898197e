"""A real Dask cluster for the tests: ``dask scheduler`` and ``dask worker`` as separate
processes on 127.0.0.1 (one thread each), always stopped afterwards, even when a test fails.

Every process starts in its own session so the whole group can be stopped; the scheduler
also stops itself after five minutes without work and the workers after losing it, so even a
killed pytest leaves nothing running for long.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env.update(HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1")
    return env


class DaskProcesses:
    """One scheduler and named workers; ``kill(name)`` is a SIGKILL (a lost worker)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.scheduler_file = folder / "scheduler.json"
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.address = ""

    def _spawn(self, name: str, args: list[str]) -> None:
        log = (self.folder / f"{name}.log").open("wb")
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "dask", *args],
            cwd=self.folder,
            env=_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def start_scheduler(self) -> str:
        self._spawn(
            "scheduler",
            [
                "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                "--scheduler-file", str(self.scheduler_file), "--idle-timeout", "300s",
            ],
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(FileNotFoundError, json.JSONDecodeError):
                self.address = json.loads(self.scheduler_file.read_text())["address"]
                return self.address
            if self.procs["scheduler"].poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"dask scheduler did not start: {self.log('scheduler')}")

    def start_worker(self, name: str) -> None:
        self._spawn(
            name,
            [
                "worker", self.address, "--name", name, "--nthreads", "1", "--no-nanny",
                "--host", "127.0.0.1", "--no-dashboard", "--death-timeout", "20",
                "--memory-limit", "0", "--local-directory", str(self.folder / name),
            ],
        )  # fmt: skip

    def wait_for(self, client, names: set[str], timeout: float = 90) -> dict[str, str]:  # type: ignore[no-untyped-def]
        """name -> address of the live workers, once all ``names`` joined."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            info = client.scheduler_info(n_workers=-1)["workers"]
            live = {str(w["name"]): addr for addr, w in info.items()}
            if names <= set(live):
                return live
            time.sleep(0.2)
        raise RuntimeError(f"workers {names} did not join: {[self.log(n) for n in names]}")

    def alive(self, name: str) -> bool:
        proc = self.procs.get(name)
        return proc is not None and proc.poll() is None

    def kill(self, name: str) -> None:
        self.procs[name].send_signal(signal.SIGKILL)
        self.procs[name].wait(10)

    def log(self, name: str) -> str:
        with contextlib.suppress(OSError):
            return (self.folder / f"{name}.log").read_text(errors="replace")[-2000:]
        return ""

    def stop(self) -> None:
        """SIGTERM each process group, SIGKILL what is left; wait for every one."""
        for proc in self.procs.values():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)


def with_pauses(parts: list[Path], out: Path, pause_s: float = 2.0) -> Path:
    """Join espeak WAVs with silence between them: a recording the cluster can cut."""
    frames: list[np.ndarray] = []
    rate = 0
    for p in parts:
        with wave.open(str(p)) as w:
            rate = w.getframerate()
            frames.append(np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16))
            frames.append(np.zeros(int(rate * pause_s), dtype=np.int16))
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.concatenate(frames[:-1]).tobytes())
    return out
