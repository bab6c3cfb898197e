"""Timestamps in the forms transcripts use: ``hh:mm:ss``, ``mm:ss``, ``hh:mm:ss.mmm``, ``,mmm``."""

from __future__ import annotations

import re

from mpu_qual.errors import MpuQualError

_TS_RE = re.compile(r"^(?:(\d{1,3}):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?$")


def parse_timestamp(value: str) -> int | None:
    """Milliseconds, or None if ``value`` is not a well-formed timestamp."""
    m = _TS_RE.match(value.strip())
    if not m:
        return None
    hours = int(m.group(1) or 0)
    minutes = int(m.group(2))
    seconds = int(m.group(3))
    if minutes >= 60 or seconds >= 60:
        return None
    frac = m.group(4) or "0"
    ms = int(frac.ljust(3, "0"))
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + ms


def format_clock(ms: int | None) -> str:
    """``hh:mm:ss`` for transcripts and the TUI."""
    if ms is None:
        return "--:--:--"
    s = ms // 1000
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def format_vtt(ms: int) -> str:
    s, milli = divmod(max(ms, 0), 1000)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}.{milli:03d}"


def format_srt(ms: int) -> str:
    return format_vtt(ms).replace(".", ",")


def parse_time(value: str, field: str = "time") -> int:
    """Milliseconds from ``hh:mm:ss(.mmm)``, ``mm:ss`` or plain seconds (``90``, ``12.5``)."""
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        ms = parse_timestamp(text)
        if ms is None:
            raise MpuQualError(
                f"'{value}' is not a time",
                field=field,
                hint="Write hh:mm:ss, mm:ss or seconds (e.g. 1:02:03, 12:30, 95).",
            ) from None
        return ms
    if seconds < 0 or seconds != seconds or seconds == float("inf"):
        raise MpuQualError(f"'{value}' is not a time", field=field)
    return int(round(seconds * 1000))
