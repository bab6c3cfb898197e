"""The raw bytes of project files, read in a child process that holds no SQLite connection.

Two jobs need the bytes of ``project.db`` and its ``-wal``/``-shm`` rather than their rows:
the purge proving that a name is gone from the free pages and the WAL, and the raw copy of
a file too damaged for SQLite's backup API. Doing either in the process that has the
project open would break it: SQLite's locks are POSIX locks, and closing *any* descriptor
of a file drops every lock the process holds on that file, SQLite's included (SQLite's
"How To Corrupt An SQLite Database File", section 2.2). Another window could then write
into the middle of our transaction, or delete the WAL we are still using.

So the parent side of this module (``scan``, ``copy``, ``lock_holders``) only runs this file
as a script in a new Python and talks to it in JSON over stdin and stdout; the
child has no connection and no locks to lose (fcntl locks are never inherited), and it
refuses to run if SQLite was imported into it. Secrets to look for travel on stdin, never
on the command line, where other users could read them in the process list.
"""

from __future__ import annotations

import fcntl
import json
import os
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

CHUNK = 1 << 20
TIMEOUT_S = 600


class RawFilesError(RuntimeError):
    """The child process failed (its stderr is the message)."""


# ----------------------------------------------------------------------------- parent side
def _run_child(request: dict[str, Any]) -> dict[str, Any]:
    # this file run as a script (-I: isolated), so no package __init__ can pull SQLite in
    proc = subprocess.run(
        [sys.executable, "-I", str(Path(__file__).resolve())],
        input=json.dumps(request, ensure_ascii=False),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT_S,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    if proc.returncode != 0:
        raise RawFilesError(proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed")
    return json.loads(proc.stdout)


def scan(folder: str | Path, needles: list[str], *, max_bytes: int) -> list[Path]:
    """Files under ``folder`` whose raw bytes contain any needle (UTF-8 or UTF-16-LE).

    Files larger than ``max_bytes`` are skipped. Runs in a child process (module docstring).
    """
    if not needles:
        return []
    reply = _run_child(
        {"op": "scan", "folder": str(folder), "needles": needles, "max_bytes": max_bytes}
    )
    return [Path(p) for p in reply["hits"]]


def copy(pairs: list[tuple[Path, Path]]) -> list[Path]:
    """Copy each (source, new file) byte for byte; the new files are created 0600 and never
    exist before (O_EXCL, O_NOFOLLOW). Missing sources are skipped. Runs in a child."""
    reply = _run_child({"op": "copy", "pairs": [[str(a), str(b)] for a, b in pairs]})
    return [Path(p) for p in reply["copied"]]


def lock_holders(db_path: str | Path) -> list[int]:
    """Processes that hold SQLite locks on ``db_path`` or its ``-shm`` (they have it open).

    Asked by a child, because the question itself opens the file: ``fcntl(F_GETLK)`` on
    SQLite's lock bytes (the shared range of the database file, the locks of the WAL index).
    """
    reply = _run_child({"op": "holders", "db": str(db_path)})
    return [int(p) for p in reply["pids"]]


# ----------------------------------------------------------------------------- child side
PENDING_BYTE = 0x40000000
SHM_LOCKS = (120, 9)  # UNIX_SHM_BASE and the 8 WAL locks plus the DMS byte


def _holder(path: str, start: int, length: int) -> int | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)  # child process only
    except OSError:
        return None
    try:
        req = struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, start, length, 0)
        l_type, _w, _s, _l, pid = struct.unpack("hhqqi4x", fcntl.fcntl(fd, fcntl.F_GETLK, req))
        return pid if l_type != fcntl.F_UNLCK else None
    finally:
        os.close(fd)


def _child_holders(db: str) -> dict[str, Any]:
    pids = {
        _holder(db, PENDING_BYTE, 2 + 510),
        _holder(db + "-shm", *SHM_LOCKS),
    }
    return {"pids": sorted(p for p in pids if p)}


def _patterns(needles: list[str]) -> list[bytes]:
    out: list[bytes] = []
    for n in needles:
        for enc in ("utf-8", "utf-16-le"):
            b = n.encode(enc, "surrogatepass")
            if b and b not in out:
                out.append(b)
    return out


def _file_contains(path: Path, patterns: list[bytes]) -> bool:
    overlap = max(len(p) for p in patterns) - 1
    tail = b""
    with open(path, "rb") as fh:  # child process only: it holds no SQLite locks
        while chunk := fh.read(CHUNK):
            data = tail + chunk
            if any(p in data for p in patterns):
                return True
            tail = data[-overlap:] if overlap else b""
    return False


def _child_scan(folder: str, needles: list[str], max_bytes: int) -> dict[str, Any]:
    patterns = _patterns(needles)
    hits: list[str] = []
    for path in sorted(Path(folder).rglob("*")):
        try:
            if path.is_symlink() or not path.is_file() or path.stat().st_size > max_bytes:
                continue
            if _file_contains(path, patterns):
                hits.append(str(path))
        except OSError:
            continue
    return {"hits": hits}


def _child_copy(pairs: list[list[str]]) -> dict[str, Any]:
    copied: list[str] = []
    for src, dest in pairs:
        try:
            fin = open(src, "rb")  # child process only: it holds no SQLite locks
        except FileNotFoundError:
            continue
        with fin:
            fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "wb") as fout:
                while chunk := fin.read(CHUNK):
                    fout.write(chunk)
                fout.flush()
                os.fsync(fout.fileno())
        copied.append(dest)
    for folder in {str(Path(d).parent) for d in copied}:
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    return {"copied": copied}


def main() -> None:
    if "sqlite3" in sys.modules or "_sqlite3" in sys.modules:
        raise SystemExit("rawfiles: SQLite is loaded in this process; refusing raw file access")
    request = json.loads(sys.stdin.read())
    op = request.get("op")
    if op == "scan":
        reply = _child_scan(request["folder"], request["needles"], int(request["max_bytes"]))
    elif op == "copy":
        reply = _child_copy(request["pairs"])
    elif op == "holders":
        reply = _child_holders(request["db"])
    else:
        raise SystemExit(f"rawfiles: unknown operation {op!r}")
    sys.stdout.write(json.dumps(reply, ensure_ascii=False))


if __name__ == "__main__":
    main()
