"""Run mpu-qual (``python -m mpu_qual ARGS``) and record what stalls its event loop.

Used by bench_keys.py: ``python benchmarks/keys_probe.py OUT.json -p PROJECT tui``. The
mpu_qual that runs is the one on PYTHONPATH (this checkout, or a baseline's). Records, with
wall-clock times (time.time(), to line them up with the harness's key presses):

- every garbage collection (gc.callbacks): start, milliseconds, generation;
- every event-loop callback that ran 8 ms or longer (asyncio Handle._run): start,
  milliseconds, the task it stepped (Textual names each message pump's task after its
  widget), the messages dispatched in it and the screen areas painted in it;
- the process's CPU seconds (user + system) at exit.

Everything is written to OUT.json when the app exits. Measuring costs two clock reads a
callback; the figures are the app's, not the probe's.
"""

from __future__ import annotations

import asyncio.events
import atexit
import gc
import json
import os
import runpy
import sys
import time

LONG_S = 0.008

out_path = sys.argv[1]
gcs: list[tuple[float, float, int]] = []
longs: list[tuple[float, float, str, str]] = []  # start, ms, task, messages
_gc_start = [0.0]
_seen: list[str] = []  # the messages dispatched during the callback under way


def _on_gc(phase: str, info: dict) -> None:
    if phase == "start":
        _gc_start[0] = time.perf_counter()
    else:
        took = time.perf_counter() - _gc_start[0]
        gcs.append((time.time() - took, took * 1000, info["generation"]))


gc.callbacks.append(_on_gc)

_run = asyncio.events.Handle._run


def _timed_run(self: asyncio.events.Handle) -> None:
    _seen.clear()
    t0 = time.perf_counter()
    _run(self)
    took = time.perf_counter() - t0
    if took >= LONG_S:
        cb = self._callback
        owner = getattr(cb, "__self__", None)
        name = (
            owner.get_name()
            if isinstance(owner, asyncio.Task)
            else getattr(cb, "__qualname__", repr(cb))
        )
        longs.append((time.time() - took, took * 1000, str(name)[:80], ",".join(_seen[:4])))


asyncio.events.Handle._run = _timed_run  # type: ignore[method-assign]


def _patch_dispatch() -> None:
    from textual.message_pump import MessagePump
    from textual.screen import Screen

    refresh = Screen._compositor_refresh

    def _compositor_refresh(self):  # type: ignore[no-untyped-def]
        regions = list(self._compositor._dirty_regions)
        _seen.append(f"paint {sum(r.area for r in regions)} cells in {len(regions)} regions")
        return refresh(self)

    Screen._compositor_refresh = _compositor_refresh  # type: ignore[method-assign]

    dispatch = MessagePump._dispatch_message

    async def _dispatch(self, message):  # type: ignore[no-untyped-def]
        _seen.append(f"{type(self).__name__}:{type(message).__name__}")
        return await dispatch(self, message)

    MessagePump._dispatch_message = _dispatch  # type: ignore[method-assign]


def _write() -> None:
    t = os.times()
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"gc": gcs, "long": longs, "cpu_s": t.user + t.system}, f)


atexit.register(_write)
# as the CLI does before it imports the workbench (Textual reads its frame rate on import)
from mpu_qual.tui import paint_without_waiting  # noqa: E402

paint_without_waiting()
_patch_dispatch()
sys.argv = ["mpu_qual", *sys.argv[2:]]
runpy.run_module("mpu_qual", run_name="__main__", alter_sys=True)
