"""No lost work: kill the app with SIGKILL right after a coding is acknowledged, then reopen.

Two ways in: the app headless in a child process (it prints ACK once the workbench has
confirmed the coding), and the real ``mpu-qual tui`` command in a pseudo-terminal, typed at
like a person would, killed as soon as its confirmation appears on the screen.
"""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import textwrap
import time
from pathlib import Path

from tui_helpers import integrity

from mpu_qual.store import Project

REPO = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from mpu_qual.tui.app import create_app

    async def main(folder):
        app = create_app(folder)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("s", "c", *"finance", "enter")
            while not any(n.message.startswith("Coded as") for n in app._notifications):
                await pilot.pause(0.01)
            coding = app.screen.view.codings[0]
            print("ACK", coding.id, coding.start, coding.end, flush=True)
            await asyncio.sleep(120)  # still running when the parent kills it

    asyncio.run(main(sys.argv[1]))
    """
)


def check_after_kill(folder: Path, expected: tuple[int, int, int] | None) -> None:
    assert integrity(folder) == "ok"
    with Project.open(folder) as project:
        codings = project.codings.list()
        assert len(codings) == 1
        c = codings[0]
        assert c.code_id == "factors.ecosystem.finance"
        assert c.quote == "Good afternoon everyone, and thank you for coming out on a Monday."
        if expected is not None:
            assert (c.id, c.start, c.end) == expected
        # the journal survived too: the coding can still be undone
        assert project.history.undo() is not None
        assert project.codings.list() == []


def test_sigkill_headless_child_keeps_the_acknowledged_coding(demo_dir, tmp_path, mpu_home):
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    env = {**os.environ, "MPU_QUAL_HOME": str(mpu_home), "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, str(script), str(demo_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        assert ready, "the child never acknowledged the coding"
        line = proc.stdout.readline().split()
        assert line and line[0] == "ACK", proc.stderr.read() if proc.poll() is not None else line
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    check_after_kill(demo_dir, (int(line[1]), int(line[2]), int(line[3])))


ANSI = re.compile(r"\x1b\[[0-9;?<>=$]*[ -/]*[@-~]|\x1b[PX^_].*?\x1b\\|\x1b\][^\x07]*\x07|\x1b.")


def test_sigkill_real_terminal_app_keeps_the_coding(demo_dir, mpu_home):
    env = {
        **os.environ,
        "MPU_QUAL_HOME": str(mpu_home),
        "PYTHONPATH": str(REPO),
        "TERM": "xterm-256color",
        "COLUMNS": "120",
        "LINES": "36",
    }
    env.pop("TEXTUAL", None)
    pid, fd = pty.fork()
    if pid == 0:  # the child: become the app
        os.execve(
            sys.executable, [sys.executable, "-m", "mpu_qual", "-p", str(demo_dir), "tui"], env
        )
    try:
        import fcntl

        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
        screen = ""

        def read_until(pattern: str, timeout: float) -> bool:
            nonlocal screen
            end = time.monotonic() + timeout
            while time.monotonic() < end:
                ready, _, _ = select.select([fd], [], [], 0.1)
                if ready:
                    try:
                        chunk = os.read(fd, 65536).decode("utf-8", "replace")
                    except OSError:
                        return False
                    screen += ANSI.sub("", chunk)
                    if pattern in screen:
                        return True
            return False

        assert read_until("segment 1/", 60), "the workbench did not start: " + screen[-500:]
        for keys in ("s", "c", "finance"):
            os.write(fd, keys.encode())
            time.sleep(0.3)
        screen = ""
        os.write(fd, b"\r")
        assert read_until("Coded as", 30), "no confirmation on screen: " + screen[-500:]
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(fd)
    check_after_kill(demo_dir, None)
