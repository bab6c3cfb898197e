"""Transcript parsers: plain text, WebVTT, SRT and DOCX into a ParsedTranscript.

Every parser reports problems with the file and line, and never guesses a timestamp.
"""

from __future__ import annotations

import html
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

from mpu_qual.errors import MpuQualError
from mpu_qual.fileio import refuse_database_file
from mpu_qual.transcript_files.encoding import read_text_file
from mpu_qual.transcript_files.parsed import ParsedSegment, ParsedTranscript
from mpu_qual.transcript_files.timecode import parse_timestamp

FORMATS = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "txt",
    ".vtt": "vtt",
    ".srt": "srt",
    ".docx": "docx",
}
HEADER_KEYS = {
    "title",
    "date",
    "time",
    "location",
    "venue",
    "participants",
    "language",
    "languages",
    "duration",
    "project",
    "session",
    "recording",
    "notes",
    "note",
    "source",
    "coder",
    # not "facilitator": it is a speaker label, and "Facilitator: Welcome..." as the first
    # turn (followed by a blank line) would otherwise vanish into the header
}
MAX_DOCX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_LABEL = 40

# DOTALL: a DOCX paragraph or an SRT cue can hold several lines after its speaker label.
_BRACKET_RE = re.compile(r"^\s*\[([^\]]*)\]\s*(.*)$", re.DOTALL)
_SPEAKER_RE = re.compile(r"^(?P<spk>[^:：\[\]<>\n]{1,40}?)\s*[:：]\s*(?P<text>.*)$", re.DOTALL)
_HEADER_RE = re.compile(r"^(?P<key>[A-Za-z][A-Za-z ]{0,30}?)\s*:\s*(?P<value>.*)$")


def detect_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise MpuQualError(
            f"unknown transcript format '{path.suffix or '(no extension)'}'",
            path=path,
            hint="Use .txt, .vtt, .srt or .docx.",
        )
    return fmt


def parse_file(path: str | Path, fmt: str | None = None) -> ParsedTranscript:
    """Parse a transcript file; the format comes from the extension unless given."""
    p = Path(path)
    refuse_database_file(p, "transcript")
    fmt = fmt or detect_format(p)
    if fmt == "docx":
        return parse_docx(p)
    text, _enc = read_text_file(p)
    if fmt == "txt":
        return parse_txt(text, p)
    if fmt == "vtt":
        return parse_vtt(text, p)
    if fmt == "srt":
        return parse_srt(text, p)
    raise MpuQualError(f"unknown transcript format '{fmt}'", path=p)


def _is_label(label: str) -> bool:
    label = label.strip()
    if not label or len(label) > MAX_LABEL:
        return False
    if len(label.split()) > 4:
        return False
    if not any(ch.isalpha() for ch in label):
        return False  # "10:30 we met" or "00:01:23 IL1: hi" is not spoken by "10" or "00"
    return not label.startswith(("http", "www"))


def _split_speaker(text: str) -> tuple[str | None, str]:
    m = _SPEAKER_RE.match(text)
    if m and _is_label(m.group("spk")):
        return m.group("spk").strip(), m.group("text").strip()
    return None, text.strip()


def _looks_like_timestamp(value: str) -> bool:
    return bool(re.search(r"\d", value)) and ":" in value and not re.search(r"[A-Za-z]{2,}", value)


def parse_lines(lines: Iterable[str], path: Path | None, fmt: str = "txt") -> ParsedTranscript:
    """Turn-per-line text: ``[hh:mm:ss] SPEAKER: text`` (timestamp and speaker optional)."""
    lines = list(lines)
    metadata: dict[str, str] = {}
    i = 0
    # Header block: leading `Key: value` lines with known keys, ended by a blank line.
    while i < len(lines) and not lines[i].strip():
        i += 1
    j = i
    header: dict[str, str] = {}
    while j < len(lines) and lines[j].strip():
        m = _HEADER_RE.match(lines[j].strip())
        if not m or m.group("key").strip().lower() not in HEADER_KEYS:
            break
        header[m.group("key").strip().lower()] = m.group("value").strip()
        j += 1
    if header and (j >= len(lines) or not lines[j].strip()):
        metadata = header
        i = j

    segments: list[ParsedSegment] = []
    prev_blank = True
    for lineno in range(i, len(lines)):
        raw = lines[lineno]
        stripped = raw.strip()
        if not stripped:
            prev_blank = True
            continue
        ts_ms: int | None = None
        rest = stripped
        m = _BRACKET_RE.match(stripped)
        if m and _looks_like_timestamp(m.group(1)):
            ts_ms = parse_timestamp(m.group(1))
            if ts_ms is None:
                raise MpuQualError(
                    f"malformed timestamp '[{m.group(1)}]' (expected [hh:mm:ss])",
                    path=path,
                    line=lineno + 1,
                )
            rest = m.group(2)
        speaker, body = _split_speaker(rest)
        if ts_ms is None and speaker is None and segments and not prev_blank:
            seg = segments[-1]
            seg.text = f"{seg.text}\n{body}" if seg.text else body
            prev_blank = False
            continue
        segments.append(ParsedSegment(text=body, speaker=speaker, start_ms=ts_ms, line=lineno + 1))
        prev_blank = False
    _finish(segments, path)
    return ParsedTranscript(segments=segments, metadata=metadata, format=fmt)


def _finish(segments: list[ParsedSegment], path: Path | None) -> None:
    """Drop empty turns' text problems, check time order and fill end times."""
    if not segments:
        raise MpuQualError("no transcript turns found", path=path, hint="Is this the right file?")
    last: int | None = None
    for seg in segments:
        if seg.start_ms is not None:
            if last is not None and seg.start_ms < last:
                raise MpuQualError(
                    "timestamp goes backwards (earlier than the turn before)",
                    path=path,
                    line=seg.line,
                )
            last = seg.start_ms
    for a, b in zip(segments, segments[1:], strict=False):
        if a.end_ms is None and a.start_ms is not None and b.start_ms is not None:
            a.end_ms = b.start_ms


def parse_txt(text: str, path: Path | None = None) -> ParsedTranscript:
    return parse_lines(text.split("\n"), path, "txt")


_CUE_TIME_RE = re.compile(r"^(?P<a>\S+)\s+-->\s+(?P<b>\S+)(?P<settings>.*)$")
_VOICE_RE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]+)>")
_TAG_RE = re.compile(r"</?[a-zA-Z][^>]*>|<\d[\d:.]*>")


def _clean_cue_text(text: str) -> tuple[str | None, str]:
    voice = _VOICE_RE.search(text)
    speaker = voice.group(1).strip() if voice else None
    plain = _TAG_RE.sub("", text)
    return speaker, html.unescape(plain).strip()


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    out: list[tuple[int, list[str]]] = []
    cur: list[str] = []
    start = 0
    for n, line in enumerate(text.split("\n")):
        if line.strip():
            if not cur:
                start = n + 1
            cur.append(line.strip())  # as in plain text: indentation is not part of a turn
        elif cur:
            out.append((start, cur))
            cur = []
    if cur:
        out.append((start, cur))
    return out


def _cue_times(line: str, path: Path | None, lineno: int) -> tuple[int, int]:
    m = _CUE_TIME_RE.match(line.strip())
    a = parse_timestamp(m.group("a")) if m else None
    b = parse_timestamp(m.group("b")) if m else None
    if a is None or b is None:
        raise MpuQualError(
            f"malformed cue timing '{line.strip()}' (expected 00:00:01.000 --> 00:00:04.000)",
            path=path,
            line=lineno,
        )
    if b < a:
        raise MpuQualError("cue ends before it starts", path=path, line=lineno)
    return a, b


def parse_vtt(text: str, path: Path | None = None) -> ParsedTranscript:
    """WebVTT with ``<v Speaker>`` voice tags."""
    blocks = _blocks(text)
    if not blocks or not blocks[0][1][0].startswith("WEBVTT"):
        raise MpuQualError("not a WebVTT file: the first line must be WEBVTT", path=path, line=1)
    metadata: dict[str, str] = {}
    for hdr in blocks[0][1][1:]:
        if ":" in hdr:
            k, v = hdr.split(":", 1)
            metadata[k.strip().lower()] = v.strip()
    segments: list[ParsedSegment] = []
    for start, lines in blocks[1:]:
        head = lines[0]
        if head.startswith(("NOTE", "STYLE", "REGION")):
            continue
        k = 0
        if "-->" not in head:
            k = 1  # cue identifier
            if len(lines) < 2 or "-->" not in lines[1]:
                raise MpuQualError("cue has no timing line", path=path, line=start)
        a, b = _cue_times(lines[k], path, start + k)
        body = "\n".join(lines[k + 1 :])
        speaker, clean = _clean_cue_text(body)
        if not clean:
            continue
        segments.append(
            ParsedSegment(text=clean, speaker=speaker, start_ms=a, end_ms=b, line=start)
        )
    _finish(segments, path)
    return ParsedTranscript(segments=segments, metadata=metadata, format="vtt")


def parse_srt(text: str, path: Path | None = None) -> ParsedTranscript:
    """SubRip; a ``SPEAKER:`` prefix on the first line names the speaker."""
    segments: list[ParsedSegment] = []
    for start, lines in _blocks(text):
        k = 0
        if "-->" not in lines[0]:
            if not lines[0].strip().isdigit():
                raise MpuQualError(
                    f"expected a cue number or timing line, found '{lines[0][:40]}'",
                    path=path,
                    line=start,
                )
            k = 1
        if k >= len(lines):
            raise MpuQualError("cue has no timing line", path=path, line=start)
        a, b = _cue_times(lines[k], path, start + k)
        body = "\n".join(lines[k + 1 :])
        _voice, clean = _clean_cue_text(body)
        speaker, clean = _split_speaker(clean) if clean else (None, "")
        if not clean:
            continue
        segments.append(
            ParsedSegment(text=clean, speaker=speaker, start_ms=a, end_ms=b, line=start)
        )
    _finish(segments, path)
    return ParsedTranscript(segments=segments, metadata={}, format="srt")


def parse_docx(path: Path) -> ParsedTranscript:
    """Word documents: one turn per paragraph, as in plain text."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise MpuQualError("file not found", path=path) from None
    if size == 0:
        raise MpuQualError("file is empty", path=path)
    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(info.file_size for info in zf.infolist())
            if total > MAX_DOCX_UNCOMPRESSED:
                raise MpuQualError("DOCX unpacks to more than 200 MiB; refusing it", path=path)
    except zipfile.BadZipFile:
        raise MpuQualError("not a valid DOCX file (not a zip archive)", path=path) from None
    try:
        import docx  # python-docx

        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises many kinds for broken files
        raise MpuQualError(f"cannot read DOCX: {exc}", path=path) from None
    # A soft line break makes a line inside a paragraph; lines are stripped and blank ones
    # dropped as in plain text, so the stored text survives export to any format.
    paragraphs = [
        "\n".join(
            line.strip()
            for line in p.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            if line.strip()
        )
        for p in document.paragraphs
    ]
    for n, para in enumerate(paragraphs):
        if "\x00" in para:
            raise MpuQualError("paragraph contains a NUL character", path=path, line=n + 1)
    if not any(p.strip() for p in paragraphs):
        raise MpuQualError("document has no text", path=path)
    parsed = parse_lines(paragraphs, path, "docx")
    return parsed
