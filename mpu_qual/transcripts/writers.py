"""Transcript writers: plain text, WebVTT and SRT that the parsers read back unchanged."""

from __future__ import annotations

from mpu_qual.errors import MpuQualError
from mpu_qual.transcripts.model import ParsedTranscript
from mpu_qual.transcripts.timecode import format_clock, format_srt, format_vtt

WRITE_FORMATS = ("txt", "vtt", "srt")


def _times(parsed: ParsedTranscript) -> list[tuple[int, int]]:
    """Start/end for every segment; unknown times are estimated from neighbours."""
    out: list[tuple[int, int]] = []
    last_end = 0
    segs = parsed.segments
    for i, seg in enumerate(segs):
        start = seg.start_ms if seg.start_ms is not None else last_end
        end = seg.end_ms
        if end is None:
            nxt = next((s.start_ms for s in segs[i + 1 :] if s.start_ms is not None), None)
            end = nxt if nxt is not None and nxt > start else start + max(1000, 60 * len(seg.text))
        out.append((start, max(end, start)))
        last_end = max(end, start)
    return out


def to_txt(parsed: ParsedTranscript) -> str:
    lines: list[str] = []
    for key, value in parsed.metadata.items():
        if isinstance(value, (str, int, float)) and str(value).strip() and "\n" not in str(value):
            lines.append(f"{str(key).title()}: {value}")
    if lines:
        lines.append("")
    for seg in parsed.segments:
        prefix = f"[{format_clock(seg.start_ms)}] " if seg.start_ms is not None else ""
        who = f"{seg.speaker}: " if seg.speaker else ""
        lines.append(f"{prefix}{who}{seg.text}")
    return "\n".join(lines) + "\n"


def _escape_vtt(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(parsed: ParsedTranscript) -> str:
    out = ["WEBVTT", ""]
    for (start, end), seg in zip(_times(parsed), parsed.segments, strict=True):
        body = _escape_vtt(seg.text).replace("\n\n", "\n")
        if seg.speaker:
            body = f"<v {seg.speaker}>{body}"
        out += [f"{format_vtt(start)} --> {format_vtt(end)}", body, ""]
    return "\n".join(out)


def to_srt(parsed: ParsedTranscript) -> str:
    out: list[str] = []
    for n, ((start, end), seg) in enumerate(zip(_times(parsed), parsed.segments, strict=True), 1):
        body = seg.text.replace("\n\n", "\n")
        if seg.speaker:
            body = f"{seg.speaker}: {body}"
        out += [str(n), f"{format_srt(start)} --> {format_srt(end)}", body, ""]
    return "\n".join(out)


def write(parsed: ParsedTranscript, fmt: str) -> str:
    if fmt == "txt":
        return to_txt(parsed)
    if fmt == "vtt":
        return to_vtt(parsed)
    if fmt == "srt":
        return to_srt(parsed)
    raise MpuQualError(f"unknown export format '{fmt}'", hint="Use txt, vtt or srt.")
