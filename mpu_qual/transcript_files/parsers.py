"""Transcript files into a ParsedTranscript: the turn-per-line layouts.

``formats.parse_file`` picks the reader by extension: plain text, DOCX and HTML paragraphs are
read here as lines (with the layouts of Otter.ai, Rev, noScribe and hand-typed focus groups);
WebVTT and SRT are cue files (``cue_files``). Every parser reports problems with the file and
line, and never guesses a timestamp.
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree as DET

from mpu_qual.errors import MpuQualError
from mpu_qual.transcript_files.cue_files import parse_sbv, parse_srt, parse_vtt
from mpu_qual.transcript_files.labels import (
    HEADER_KEYS,
    HEADER_RE,
    OTTER_RE,
    PARTICIPANT_KEYS,
    REV_RE,
    accepted_labels,
    is_label,
    known_label,
    looks_like_speech,
    parse_roles,
    split_label,
)
from mpu_qual.transcript_files.parsed import ParsedSegment, ParsedTranscript, finish_turns
from mpu_qual.transcript_files.timecode import parse_timestamp

__all__ = [
    "HEADER_KEYS",
    "parse_lines",
    "parse_sbv",
    "parse_srt",
    "parse_txt",
    "parse_vtt",
]

SPEAKER_MODES = ("auto", "none")
MAX_DOCX_UNCOMPRESSED = 200 * 1024 * 1024

_BRACKET_RE = re.compile(r"^\s*\[([^\]]*)\]\s*(.*)$", re.DOTALL)


def keep_labels_in_text(parsed: ParsedTranscript) -> None:
    """``--speakers none``: no participants; each label goes back in front of its text."""
    for seg in parsed.segments:
        if seg.speaker:
            seg.text = f"{seg.speaker}: {seg.text}"
            seg.speaker = None
    parsed.roles = {}


def _looks_like_timestamp(value: str) -> bool:
    return bool(re.search(r"\d", value)) and ":" in value and not re.search(r"[A-Za-z]{2,}", value)


@dataclass
class _Line:
    """One non-blank line, read for what it could be (accepted or not in a second pass)."""

    ts: int | None
    label: str | None
    form: str  # "colon", "rev", "otter" or "text"
    text: str
    raw: str  # the line after a leading [timestamp]: what stays when the label is not accepted
    lead_ts: int | None = None  # the leading [timestamp], which counts even without a speaker


def _bracket_time(text: str, path: Path | None, lineno: int) -> tuple[int | None, str]:
    m = _BRACKET_RE.match(text)
    if not (m and _looks_like_timestamp(m.group(1))):
        return None, text
    ts = parse_timestamp(m.group(1))
    if ts is None:
        raise MpuQualError(
            f"malformed timestamp '[{m.group(1)}]' (expected [hh:mm:ss])",
            path=path,
            line=lineno,
        )
    return ts, m.group(2)


def _classify(stripped: str, path: Path | None, lineno: int) -> _Line:
    m = OTTER_RE.match(stripped)
    if m and is_label(m.group("spk")) and not _looks_like_timestamp(m.group("spk")):
        return _Line(parse_timestamp(m.group("ts")), m.group("spk").strip(), "otter", "", stripped)
    ts, rest = _bracket_time(stripped, path, lineno)
    m = REV_RE.match(rest)
    if m and is_label(m.group("spk")):
        when = ts if ts is not None else parse_timestamp(m.group("ts"))
        return _Line(when, m.group("spk").strip(), "rev", m.group("text").strip(), rest, ts)
    label, body = split_label(rest)
    if label is not None:
        ts2, body = _bracket_time(body, path, lineno)  # noScribe: "S01: [00:00:12] text"
        when = ts if ts is not None else ts2
        return _Line(when, label, "colon", body.strip(), rest, ts)
    return _Line(ts, None, "text", rest.strip(), rest, ts)


def _accept(classified: dict[int, _Line]) -> tuple[set[str], str]:
    """Labels that behave like speakers, and the layout that says so."""
    forms = Counter(c.form for c in classified.values())
    by_form: dict[str, Counter[str]] = {f: Counter() for f in ("colon", "rev", "otter")}
    for c in classified.values():
        if c.label:
            by_form[c.form][c.label] += 1
    accepted = accepted_labels(by_form["colon"])
    layout = "plain"
    if accepted:
        layout = "speaker-lines"
    for form in ("rev", "otter"):
        if forms[form] >= 2:
            accepted |= set(by_form[form])
            layout = form
    return accepted, layout


def _header_block(
    lines: list[str], i: int, classified: dict[int, _Line], accepted: set[str]
) -> tuple[dict[str, str], int]:
    """Leading ``Key: value`` lines before the first turn: metadata, whatever the keys."""
    header: dict[str, str] = {}
    j = i
    while j < len(lines) and lines[j].strip():
        line = lines[j].strip()
        m = HEADER_RE.match(line)
        c = classified.get(j)
        if not m or (c is not None and c.lead_ts is not None):
            break
        key, value = m.group("key").strip(), m.group("value").strip()
        if key in accepted or known_label(key):
            break
        if key.casefold() not in HEADER_KEYS and looks_like_speech(value):
            break
        header[key.lower()] = value
        j += 1
    if not header:
        return {}, i
    if not any(lines[k].strip() for k in range(j, len(lines))):
        return {}, i  # the whole file is not a header
    nxt = classified.get(j)
    ends_block = j >= len(lines) or not lines[j].strip()
    starts_turn = nxt is not None and ((nxt.label in accepted) or nxt.lead_ts is not None)
    if ends_block or starts_turn:
        return header, j
    return {}, i


def _noscribe_preamble(lines: list[str], i: int) -> tuple[dict[str, str], int] | None:
    """noScribe's title, "Transcribed with noScribe ...", audio file and settings lines."""
    window = [k for k in range(i, min(len(lines), i + 12)) if lines[k].strip()][:6]
    mark = next(
        (k for k in window if lines[k].strip().startswith("Transcribed with noScribe")), None
    )
    if mark is None:
        return None
    meta: dict[str, str] = {}
    before = [lines[k].strip() for k in range(i, mark) if lines[k].strip()]
    if before:
        meta["title"] = " ".join(before)
    j = mark
    while j < len(lines) and lines[j].strip():
        line = lines[j].strip()
        if line.startswith("Transcribed with "):
            meta["transcribed with"] = line.removeprefix("Transcribed with ")
        elif line.startswith("(") and line.endswith(")"):
            meta["settings"] = line[1:-1]
        elif ":" in line:
            key, _, value = line.partition(":")
            meta[key.strip().lower()] = value.strip()
        j += 1
    return meta, j


def parse_lines(lines: Iterable[str], path: Path | None, fmt: str = "txt") -> ParsedTranscript:
    """Turn-per-line text in the layouts people and tools write.

    ``[hh:mm:ss] SPEAKER: text`` (timestamp and speaker optional), noScribe's
    ``S01: [00:00:12] text``, Rev/Descript's ``Speaker 1 (00:01:02):`` and Otter.ai's (and Teams
    Word exports') ``Name  0:13`` line with the text below it. A header block of ``Key: value``
    lines before the first turn is metadata; ``Participants:`` may give each label's role.
    """
    lines = list(lines)
    metadata: dict[str, str] = {}
    footer = "Transcribed by https://otter.ai"
    for k in range(len(lines) - 1, -1, -1):
        if lines[k].strip() == footer:
            lines[k] = ""
            metadata["transcribed by"] = "https://otter.ai"
            break
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    classified = {
        n: _classify(lines[n].strip(), path, n + 1)
        for n in range(i, len(lines))
        if lines[n].strip()
    }
    accepted, layout = _accept(classified)
    preamble = _noscribe_preamble(lines, i)
    if preamble is not None:
        meta, i = preamble
        metadata.update(meta)
        layout = "noscribe"
    else:
        header, i = _header_block(lines, i, classified, accepted)
        metadata.update(header)
    if "transcribed by" in metadata:
        layout = "otter"
    roles: dict[str, str] = {}
    for key, value in metadata.items():
        if key.casefold() in PARTICIPANT_KEYS:
            roles.update(parse_roles(value))
            # Labels a header lists are speakers even when they speak once.
            accepted |= {c.label for c in classified.values() if c.label and c.label in value}

    segments: list[ParsedSegment] = []
    prev_blank = True
    headed = False  # the last turn came from a "Name  0:13" / "Name (0:13):" line
    for lineno in range(i, len(lines)):
        c = classified.get(lineno)
        if c is None:
            prev_blank = True
            continue
        is_turn = c.label is not None and c.label in accepted
        # A label that does not behave like one stays text, as written.
        body = c.text if is_turn else c.raw.strip()
        ts = c.ts if is_turn else c.lead_ts
        if is_turn or ts is not None:
            segments.append(
                ParsedSegment(
                    text=body, speaker=c.label if is_turn else None, start_ms=ts, line=lineno + 1
                )
            )
            headed = is_turn and c.form in ("otter", "rev")
        elif segments and (not prev_blank or (headed and not segments[-1].text)):
            seg = segments[-1]
            seg.text = f"{seg.text}\n{body}" if seg.text else body
        else:
            segments.append(ParsedSegment(text=body, line=lineno + 1))
            headed = False
        prev_blank = False
    if layout in ("otter", "rev"):
        segments = [s for s in segments if s.text]
    finish_turns(segments, path)
    return ParsedTranscript(
        segments=segments, metadata=metadata, format=fmt, layout=layout, roles=roles
    )


def parse_txt(text: str, path: Path | None = None) -> ParsedTranscript:
    return parse_lines(text.split("\n"), path, "txt")


def _refuse_dtds(zf: zipfile.ZipFile, path: Path) -> None:
    """Refuse a DOCX whose XML declares a DTD or entities (Word never writes them).

    python-docx does not resolve entities, so a paragraph with ``&name;`` silently loses the
    text after the reference; an external entity could also point anywhere. Every XML part
    is parsed with defusedxml first, so such a file is refused, named, before anything.
    """
    for info in zf.infolist():
        if not info.filename.endswith((".xml", ".rels")):
            continue
        try:
            DET.fromstring(zf.read(info), forbid_dtd=True)
        except defusedxml.DefusedXmlException:
            raise MpuQualError(
                f"the DOCX part {info.filename} declares a DTD or entities, which Word never "
                "writes; refusing the file so that no text is silently dropped",
                path=path,
                hint="Open it in Word (or LibreOffice) and save it again as .docx, or save it "
                "as plain text (.txt).",
            ) from None
        except ParseError as exc:
            raise MpuQualError(
                f"the DOCX part {info.filename} is not well-formed XML ({exc})",
                path=path,
                hint="Open it in Word and save it again.",
            ) from None


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
            _refuse_dtds(zf, path)
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
