"""Write files the safe way: a private temp file, fsync, then rename over the target.

A crash mid-write leaves the old file (or none), never half of a new one. Files are
created 0600 because exports and transcripts hold confidential focus-group data.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from mpu_qual.errors import MpuQualError


def write_atomic(path: str | Path, writer: Callable[[IO[bytes]], None]) -> Path:
    """Call ``writer`` with a binary file handle; the result replaces ``path`` atomically."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise MpuQualError("folder does not exist", path=folder, hint="Create it first.")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            writer(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise MpuQualError(f"cannot write file: {exc.strerror}", path=target) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    return write_atomic(path, lambda fh: fh.write(data))


def write_text_atomic(path: str | Path, text: str) -> Path:
    return write_atomic(path, lambda fh: fh.write(text.encode("utf-8")))


def read_small_text(
    path: str | Path, what: str, *, max_bytes: int, missing_hint: str | None = None
) -> str:
    """Read a hand-edited UTF-8 file (codebook, job rules, pseudonym list) with a size cap.

    ``what`` names the file in messages ("codebook", "pseudonym list"); every failure is an
    MpuQualError with the path (and the line of the first byte that is not UTF-8).
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise MpuQualError(f"{what} file not found", path=p, hint=missing_hint) from None
    except IsADirectoryError:
        raise MpuQualError(f"{what} path is a folder, not a file", path=p) from None
    except OSError as exc:
        raise MpuQualError(f"cannot read {what}: {exc.strerror}", path=p) from None
    if len(raw) > max_bytes:
        raise MpuQualError(f"{what} file is larger than {max_bytes // 1024} KiB", path=p)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise MpuQualError(f"{what} file is not UTF-8 text", path=p, line=line) from None
