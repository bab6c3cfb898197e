"""Transcript writers: plain text, WebVTT and SRT that the parsers read back unchanged."""

from __future__ import annotations

from mpu_qual.errors import MpuQualError
from mpu_qual.transcript_files.cue_files import clean_cue_text, parse_srt
from mpu_qual.transcript_files.labels import known_label
from mpu_qual.transcript_files.parsed import ParsedTranscript
from mpu_qual.transcript_files.parsers import HEADER_KEYS
from mpu_qual.transcript_files.timecode import format_clock, format_srt, format_vtt


def _times(parsed: ParsedTranscript) -> list[tuple[int, int]]:
    """Start/end for every segment; unknown times are estimated from neighbours.

    Untimed turns share the gap up to the next timed turn, so starts never go backwards
    (the parsers refuse a file whose cues do).
    """
    out: list[tuple[int, int]] = []
    last_end = 0
    segs = parsed.segments
    for i, seg in enumerate(segs):
        nxt_i = next((j for j in range(i + 1, len(segs)) if segs[j].start_ms is not None), None)
        nxt = segs[nxt_i].start_ms if nxt_i is not None else None
        if seg.start_ms is not None:
            start = seg.start_ms
        else:
            start = last_end if nxt is None else min(last_end, nxt)
        end = seg.end_ms
        if end is None:
            if nxt is None:
                end = start + max(1000, 60 * len(seg.text))
            elif nxt_i is not None and nxt > start:
                end = start + (nxt - start) // (nxt_i - i)  # this turn and the untimed ones after
            else:
                end = start
        end = max(end, start)
        out.append((start, end))
        last_end = end
    return out


def _unrecognisable_speakers(parsed: ParsedTranscript) -> list[str]:
    """Speakers that a reader would not take for one: they speak once and look like no label."""
    counts: dict[str, int] = {}
    for seg in parsed.segments:
        if seg.speaker:
            counts[seg.speaker] = counts.get(seg.speaker, 0) + 1
    return [s for s, n in counts.items() if n < 2 and not known_label(s)]


def to_txt(parsed: ParsedTranscript) -> str:
    lines: list[str] = []

    for key, value in parsed.metadata.items():
        if str(key).lower() not in HEADER_KEYS:
            continue  # e.g. a WebVTT "Kind:" header: read back, it would become a turn
        if isinstance(value, (str, int, float)) and str(value).strip() and "\n" not in str(value):
            lines.append(f"{str(key).title()}: {value}")
    listed = str(parsed.metadata.get("participants", ""))
    once = _unrecognisable_speakers(parsed)
    if once and not all(label in listed for label in once):
        # A label that occurs once is read back as text unless a header names it.
        lines = [line for line in lines if not line.lower().startswith("participants:")]
        everyone = list(dict.fromkeys(s.speaker for s in parsed.segments if s.speaker))
        lines.append("Participants: " + ", ".join(everyone))
    if lines:
        lines.append("")
    for n, seg in enumerate(parsed.segments):
        prefix = f"[{format_clock(seg.start_ms)}] " if seg.start_ms is not None else ""
        who = f"{seg.speaker}: " if seg.speaker else ""
        if n and not prefix and not who:
            lines.append("")  # a bare line right after a turn would be read back as part of it
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


def _escape_srt(text: str) -> str:
    """SRT players show text as is, so escape only text the reader would change (tags, entities)."""

    return text if clean_cue_text(text)[1] == text.strip() else _escape_vtt(text)


def _srt(parsed: ParsedTranscript, voices: bool) -> str:
    out: list[str] = []
    for n, ((start, end), seg) in enumerate(zip(_times(parsed), parsed.segments, strict=True), 1):
        body = _escape_srt(seg.text).replace("\n\n", "\n")
        if seg.speaker and voices:
            body = f"<v {seg.speaker}>{_escape_vtt(seg.text).replace(chr(10) * 2, chr(10))}"
        elif seg.speaker:
            body = f"{seg.speaker}: {body}"
        out += [str(n), f"{format_srt(start)} --> {format_srt(end)}", body, ""]
    return "\n".join(out)


def to_srt(parsed: ParsedTranscript) -> str:
    """SRT names speakers as ``Name: text``, which players show as it is. Where the reader
    would not take those names for speakers (people who speak once, among cues without a
    speaker), the speakers are written as WebVTT voice tags, ``<v Name>``, which the reader
    (and many players) understand: speakers always survive an export and a new import."""
    plain = _srt(parsed, voices=False)
    try:
        again = parse_srt(plain)
    except MpuQualError:
        return plain
    if [s.speaker for s in again.segments] == [s.speaker for s in parsed.segments]:
        return plain
    return _srt(parsed, voices=True)
