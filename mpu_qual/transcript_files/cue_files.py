"""Cue files: WebVTT and SubRip (SRT), one segment per cue or per voice in a cue.

WebVTT comes from meeting tools in several layouts: ``<v Name>`` voice tags (Teams, noScribe,
hand-made captions, several voices in one cue), Zoom's ``Name: text`` cues without tags, and
YouTube's rolling automatic captions. SRT names a speaker only with a ``Name:`` prefix, which
counts when the name behaves like a label (see ``labels``).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from pathlib import Path

from mpu_qual.errors import MpuQualError
from mpu_qual.transcript_files.labels import accepted_labels, name_shaped, split_label
from mpu_qual.transcript_files.parsed import ParsedSegment, ParsedTranscript, finish_turns
from mpu_qual.transcript_files.timecode import parse_timestamp

_HEADER_FIELD_RE = re.compile(r"^([A-Za-z][\w -]{0,30}):(.*)$")
_CUE_TIME_RE = re.compile(r"^(?P<a>\S+)\s+-->\s+(?P<b>\S+)(?P<settings>.*)$")
_VOICE_RE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]+)>")
_TAG_RE = re.compile(r"</?[a-zA-Z][^>]*>|<\d[\d:.]*>")


def clean_cue_text(text: str) -> tuple[str | None, str]:
    voice = _VOICE_RE.search(text)
    speaker = voice.group(1).strip() if voice else None
    plain = _TAG_RE.sub("", text)
    return speaker, html.unescape(plain).strip()


def _blocks(text: str, *, webvtt: bool = False) -> list[tuple[int, list[str]]]:
    """Blocks separated by blank lines. In WebVTT only an empty line ends a cue: YouTube's
    automatic captions put a line holding one space inside their cues."""
    out: list[tuple[int, list[str]]] = []
    cur: list[str] = []
    start = 0
    for n, line in enumerate(text.split("\n")):
        if (line != "" and not line.isspace()) or (webvtt and line != "" and cur):
            if not cur:
                start = n + 1
            cur.append(line.strip())  # as in plain text: indentation is not part of a turn
        elif cur:
            out.append((start, cur))
            cur = []
    if cur:
        out.append((start, cur))
    return out


def _split_at_timings(
    blocks: list[tuple[int, list[str]]], *, numbered: bool = False
) -> list[tuple[int, list[str]]]:
    """Cue boundaries by the specifications, blank line or not.

    WebVTT: a line holding ``-->`` after a cue's timing line ends that cue and starts the next
    (youtube-dl and yt-dlp write cues whose text runs straight into the next timing line).
    SRT (``numbered``) has no specification; as players do, a line that is a well-formed
    timing line starts the next cue (a subtitle reading "Paris --> London" stays text), and a
    cue number just above it belongs to that cue.
    """

    def starts_cue(line: str) -> bool:
        if not numbered:
            return "-->" in line
        m = _CUE_TIME_RE.match(line.strip())
        return m is not None and None not in (parse_timestamp(m["a"]), parse_timestamp(m["b"]))

    out: list[tuple[int, list[str]]] = []
    for start, lines in blocks:
        own = next((i for i, line in enumerate(lines[:2]) if "-->" in line), None)
        if own is None:
            out.append((start, lines))
            continue
        cut = own + 1
        begin = 0
        while cut < len(lines):
            if not starts_cue(lines[cut]):
                cut += 1
                continue
            at = cut
            if numbered and lines[cut - 1].strip().isdigit() and cut - 1 > own:
                at = cut - 1
            out.append((start + begin, lines[begin:at]))
            begin, own, cut = at, cut, cut + 1
        out.append((start + begin, lines[begin:]))
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


_INLINE_TIME_RE = re.compile(r"<\d{1,2}:\d{2}:\d{2}\.\d{3}>")
_TEAMS_ID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f-]{27,}/\d+-\d+$", re.IGNORECASE)


def _voices(body: str) -> list[tuple[str | None, str]]:
    """One (voice, text) per ``<v Name>`` span; text before the first voice has none."""
    out: list[tuple[str | None, str]] = []
    pos = 0
    voice: str | None = None
    for m in _VOICE_RE.finditer(body):
        before = clean_cue_text(body[pos : m.start()])[1]
        if before or voice is not None:
            out.append((voice, before))
        voice, pos = m.group(1).strip(), m.end()
    out.append((voice, clean_cue_text(body[pos:])[1]))
    return [(v, t) for v, t in out if t]


def _label_cues(
    cues: list[tuple[int, int, int, str | None, str]], layout_share: float = 0.5
) -> tuple[list[ParsedSegment], bool]:
    """Cues without voice tags: ``Name: text`` names the speaker when names behave like ones.

    When most untagged cues start with a name (Zoom writes every cue so), the layout says so and
    every name counts; otherwise only names that recur or are usual labels do.
    """
    split = {k: split_label(c[4]) for k, c in enumerate(cues) if c[3] is None}
    counts = Counter(label for label, _ in split.values() if label)
    labelled = sum(counts.values())
    # Zoom names every cue, and the same few names come back; subtitles that happen to
    # start "Règle numéro un:" and "Deuxième chose:" do not repeat.
    enough = bool(split) and labelled >= max(2, layout_share * len(split))
    # Or every label is shaped like a name ("Yuri Bakulin", "陳大文"), as in a meeting's
    # captions where each person speaks once; "Règle numéro un" is not.
    dominant = enough and (
        labelled >= 1.5 * len(counts) or all(name_shaped(label) for label in counts)
    )
    accepted = accepted_labels(counts, layout_says_so=dominant)
    segs: list[ParsedSegment] = []
    for k, (start, a, b, voice, text) in enumerate(cues):
        speaker = voice
        if voice is None:
            label, body = split[k]
            if label is not None and label in accepted:
                speaker, text = label, body
        segs.append(ParsedSegment(text=text, speaker=speaker, start_ms=a, end_ms=b, line=start))
    return segs, dominant


def _rolling_lines(
    cues: list[tuple[int, int, int, str, list[str]]],
) -> list[tuple[int, int, int, str | None, str]]:
    """YouTube automatic captions repeat the previous line above each new one: keep new lines."""
    out: list[tuple[int, int, int, str | None, str]] = []
    last = ""
    for start, a, b, _body, lines in cues:
        for line in lines:
            text = clean_cue_text(line)[1]
            if not text or text == last:
                continue
            out.append((start, a, b, None, text))
            last = text
    return out


def _utterance(cue_id: str | None) -> str | None:
    """Teams numbers the cues of one utterance ``GUID/18-0``, ``GUID/18-1``: ``GUID/18``."""
    if cue_id is None or not _TEAMS_ID_RE.match(cue_id):
        return None
    return cue_id.rsplit("-", 1)[0]


def _join(before: str, after: str) -> str:
    """Two pieces of one utterance: a space between words, none between Chinese sentences."""
    wide = {"W", "F"}
    if unicodedata.east_asian_width(before[-1:] or " ") in wide or (
        unicodedata.east_asian_width(after[:1] or " ") in wide
    ):
        return before + after
    return f"{before} {after}"


def _voiced_cues(
    raw_cues: list[tuple[int, int, int, str, list[str]]], ids: list[str | None]
) -> list[tuple[int, int, int, str | None, str]]:
    """One cue per voice; Teams cues cut from one utterance of one voice join into one."""
    cues: list[tuple[int, int, int, str | None, str]] = []
    last_key: str | None = None
    for (start, a, b, body, _lines), cue_id in zip(raw_cues, ids, strict=True):
        parts = _voices(body)
        key = _utterance(cue_id) if len(parts) == 1 else None
        if key is not None and key == last_key and parts[0][0] is not None:
            first, a0, _b0, voice, text = cues[-1]
            if voice == parts[0][0]:
                cues[-1] = (first, a0, b, voice, _join(text, parts[0][1]))
                continue
        cues.extend((start, a, b, voice, part) for voice, part in parts)
        last_key = key
    return cues


_NOSCRIBE_NOTE_RE = re.compile(
    r"^Transcribed with (?P<tool>\S+(?: vers\. \S+)?)"
    r"(?: Audio file: (?P<audio>.*?))?(?: \((?P<settings>.*)\))?$"
)


def _noscribe_note(note: str) -> dict[str, str]:
    """noScribe's NOTE (its info paragraph on one line) as the keys its TXT export gives."""
    m = _NOSCRIBE_NOTE_RE.match(note)
    if not m:
        return {}
    keys = {"tool": "transcribed with", "audio": "audio file", "settings": "settings"}
    return {keys[k]: v.strip() for k, v in m.groupdict().items() if v}


def _noscribe_overlaps(segments: list[ParsedSegment]) -> None:
    """noScribe marks overlapping speech ``<v //S02>//S02: text``, and the interrupted
    speaker's next cue ``// text``: the speaker is S02, and the marks, which the cue's own
    voice and time already say, leave the text (``meta["overlap"]`` keeps the fact)."""
    for seg in segments:
        if seg.speaker and seg.speaker.startswith("//"):
            seg.speaker = seg.speaker[2:].strip() or None
            if seg.speaker:
                prefix = rf"^//\s*{re.escape(seg.speaker)}\s*[:：]\s*"
                seg.text = re.sub(prefix, "", seg.text) or seg.text
            seg.meta["overlap"] = True
        elif seg.text.startswith("//") and seg.text[2:].strip():
            seg.text = seg.text[2:].lstrip()


def parse_vtt(text: str, path: Path | None = None) -> ParsedTranscript:
    """WebVTT: ``<v Speaker>`` voice tags (several per cue), Zoom's ``Name: text`` cues,
    Teams cue ids, noScribe's export and YouTube's rolling automatic captions."""
    blocks = _blocks(text, webvtt=True)
    if not blocks or not blocks[0][1][0].startswith("WEBVTT"):
        raise MpuQualError("not a WebVTT file: the first line must be WEBVTT", path=path, line=1)
    metadata: dict[str, str] = {}
    title = blocks[0][1][0][len("WEBVTT") :].strip(" -\t")
    if title:
        metadata["title"] = title
    for hdr in blocks[0][1][1:]:
        m = _HEADER_FIELD_RE.match(hdr)
        if m:  # "Kind: captions"; not the CSS of a "Style:" block ("::cue(c) {")
            metadata[m.group(1).strip().lower()] = m.group(2).strip()
    raw_cues: list[tuple[int, int, int, str, list[str]]] = []
    ids: list[str | None] = []
    teams_ids = notes = 0
    for start, lines in _split_at_timings(blocks[1:]):
        head = lines[0]
        if head.startswith(("NOTE", "STYLE", "REGION")):
            note = " ".join(lines)[4:].strip() if head.startswith("NOTE") else ""
            if "noScribe" in note:
                notes += 1
                metadata.update(_noscribe_note(note))
            continue
        k = 0
        if "-->" not in head:
            k = 1  # cue identifier
            if len(lines) < 2 or "-->" not in lines[1]:
                raise MpuQualError("cue has no timing line", path=path, line=start)
            teams_ids += bool(_TEAMS_ID_RE.match(head.strip()))
        a, b = _cue_times(lines[k], path, start + k)
        raw_cues.append((start, a, b, "\n".join(lines[k + 1 :]), lines[k + 1 :]))
        ids.append(head.strip() if k else None)
    rolling = any(_INLINE_TIME_RE.search(c[3]) for c in raw_cues)
    if rolling:
        cues = _rolling_lines(raw_cues)
        layout = "youtube"
    else:
        cues = _voiced_cues(raw_cues, ids)
        layout = "teams" if teams_ids else "noscribe" if notes else "vtt"
    segments, dominant = _label_cues(cues)
    if layout == "noscribe":
        _noscribe_overlaps(segments)
    if dominant and layout == "vtt" and not any(c[3] for c in cues):
        layout = "zoom"
    elif layout == "vtt" and any(c[3] for c in cues):
        layout = "voices"
    finish_turns(segments, path)
    return ParsedTranscript(segments=segments, metadata=metadata, format="vtt", layout=layout)


def parse_srt(text: str, path: Path | None = None) -> ParsedTranscript:
    """SubRip; a ``SPEAKER:`` prefix names the speaker when it behaves like a label."""
    cues: list[tuple[int, int, int, str | None, str]] = []
    for start, lines in _split_at_timings(_blocks(text), numbered=True):
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
        voice, clean = clean_cue_text(body)  # a <v Name> tag (mpu-qual writes one when needed)
        if clean:
            cues.append((start, a, b, voice, clean))
    segments, dominant = _label_cues(cues)
    finish_turns(segments, path)
    layout = "speaker-lines" if any(s.speaker for s in segments) else "subtitles"
    return ParsedTranscript(segments=segments, metadata={}, format="srt", layout=layout)


_SBV_TIME_RE = re.compile(r"^(\d{1,2}:\d{2}:\d{2}\.\d{3}),(\d{1,2}:\d{2}:\d{2}\.\d{3})$")
_SBV_SPEAKER_RE = re.compile(r"^>>\s*")


def parse_sbv(text: str, path: Path | None = None) -> ParsedTranscript:
    """YouTube's SubViewer captions (``.sbv``): ``0:00:00.599,0:00:04.160`` above each cue's
    text, cues separated by a blank line; ``>> ALICE: text`` marks a change of speaker."""
    cues: list[tuple[int, int, int, str | None, str]] = []
    for start, lines in _blocks(text):
        m = _SBV_TIME_RE.match(lines[0].strip())
        if not m:
            raise MpuQualError(
                f"expected a timing line such as 0:00:01.000,0:00:04.000, found '{lines[0][:40]}'",
                path=path,
                line=start,
            )
        a, b = parse_timestamp(m.group(1)), parse_timestamp(m.group(2))
        if a is None or b is None:
            raise MpuQualError(f"malformed cue timing '{lines[0]}'", path=path, line=start)
        if b < a:
            raise MpuQualError("cue ends before it starts", path=path, line=start)
        body = _SBV_SPEAKER_RE.sub("", "\n".join(lines[1:]))
        if body.strip():
            cues.append((start, a, b, None, body.strip()))
    segments, _dominant = _label_cues(cues)
    finish_turns(segments, path)
    layout = "speaker-lines" if any(s.speaker for s in segments) else "youtube-sbv"
    return ParsedTranscript(segments=segments, metadata={}, format="sbv", layout=layout)
