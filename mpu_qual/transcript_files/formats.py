"""The transcript formats, each declared once: its name, suffixes, reader and writer.

Everything that needs a list of transcript formats reads it here: reading a file
(``parse_file``), writing one (``write``), the files ``init`` imports from ``transcripts/``
and ``doctor`` looks at, the CLI's ``--format`` choices and ``--help``, the README's format
table (``tests/transcript_files/test_format_registry.py`` keeps it equal to ``FORMATS``).
Adding a format: a reader (and writer) module, and one ``TranscriptFormat`` line below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mpu_qual.errors import MpuQualError
from mpu_qual.fileio import refuse_database_file
from mpu_qual.transcript_files.cue_files import parse_sbv, parse_srt, parse_vtt
from mpu_qual.transcript_files.encoding import read_decoded
from mpu_qual.transcript_files.html_files import html_lines
from mpu_qual.transcript_files.parsed import ParsedTranscript
from mpu_qual.transcript_files.parsers import (
    SPEAKER_MODES,
    keep_labels_in_text,
    parse_docx,
    parse_lines,
    parse_txt,
)
from mpu_qual.transcript_files.writers import to_srt, to_txt, to_vtt


@dataclass(frozen=True)
class TranscriptFormat:
    """One transcript format. A text format has ``read_text`` (the decoded text and the file's
    path); a binary one ``read_file`` (the path). ``write`` is None where we only read it."""

    name: str
    title: str
    suffixes: tuple[str, ...]
    read_text: Callable[[str, Path], ParsedTranscript] | None = None
    read_file: Callable[[Path], ParsedTranscript] | None = None
    write: Callable[[ParsedTranscript], str] | None = None
    named_only: tuple[str, ...] = ()  # read when a user names the file, never picked up by
    # init or doctor from transcripts/ (a folder's notes.md is not a transcript)


def _read_html(text: str, path: Path) -> ParsedTranscript:
    return parse_lines(html_lines(text), path, "html")


FORMATS: tuple[TranscriptFormat, ...] = (
    TranscriptFormat(
        "txt",
        "plain text, one turn per line",
        (".txt", ".text", ".md"),
        parse_txt,
        write=to_txt,
        named_only=(".md",),
    ),
    TranscriptFormat("vtt", "WebVTT captions", (".vtt",), parse_vtt, None, to_vtt),
    TranscriptFormat("srt", "SubRip subtitles", (".srt",), parse_srt, None, to_srt),
    TranscriptFormat("sbv", "YouTube SubViewer captions", (".sbv",), parse_sbv),
    TranscriptFormat("docx", "Word document, one turn per paragraph", (".docx",), None, parse_docx),
    TranscriptFormat("html", "HTML, one turn per paragraph", (".html", ".htm"), _read_html),
)

READ_SUFFIXES: tuple[str, ...] = tuple(s for f in FORMATS for s in f.suffixes)
WRITE_NAMES: tuple[str, ...] = tuple(f.name for f in FORMATS if f.write is not None)
_BY_NAME = {f.name: f for f in FORMATS}
_BY_SUFFIX = {s: f for f in FORMATS for s in f.suffixes}


def _main_suffixes() -> str:
    names = [f.suffixes[0] for f in FORMATS]
    return ", ".join(names[:-1]) + f" or {names[-1]}"


_FOLDER_SUFFIXES = {s for f in FORMATS for s in f.suffixes if s not in f.named_only}


def is_transcript_file(path: Path) -> bool:
    """A file in ``transcripts/`` that ``init`` imports (and ``doctor`` expects imported): its
    suffix names a format we read (``named_only`` suffixes are read only when named)."""
    return path.is_file() and path.suffix.lower() in _FOLDER_SUFFIXES


def detect_format(path: Path) -> str:
    fmt = _BY_SUFFIX.get(path.suffix.lower())
    if fmt is None:
        raise MpuQualError(
            f"unknown transcript format '{path.suffix or '(no extension)'}'",
            path=path,
            hint=f"Use {_main_suffixes()}.",
        )
    return fmt.name


def parse_file(
    path: str | Path,
    fmt: str | None = None,
    *,
    encoding: str | None = None,
    speakers: str = "auto",
) -> ParsedTranscript:
    """Parse a transcript file; the format comes from the extension unless given.

    ``encoding`` overrides detection; ``speakers="none"`` keeps every label in the text.
    """
    p = Path(path)
    refuse_database_file(p, "transcript")
    if speakers not in SPEAKER_MODES:
        raise MpuQualError(f"unknown speakers mode '{speakers}'", hint="Use auto or none.")
    spec = _BY_NAME.get(fmt or detect_format(p))
    if spec is None:
        raise MpuQualError(f"unknown transcript format '{fmt}'", path=p)
    if spec.read_file is not None:
        parsed = spec.read_file(p)
    else:
        assert spec.read_text is not None
        decoded = read_decoded(p, encoding)
        parsed = spec.read_text(decoded.text, p)
        parsed.encoding = decoded.encoding
        parsed.encoding_confidence = decoded.confidence
        parsed.encoding_how = decoded.how
    if speakers == "none":
        keep_labels_in_text(parsed)
    return parsed


def write(parsed: ParsedTranscript, fmt: str) -> str:
    """The transcript as a file of format ``fmt`` (one of ``WRITE_NAMES``)."""
    spec = _BY_NAME.get(fmt)
    if spec is None or spec.write is None:
        raise MpuQualError(f"unknown export format '{fmt}'", hint=f"Use {', '.join(WRITE_NAMES)}.")
    return spec.write(parsed)


def readme_table() -> str:
    """The README's table of formats (tested to match)."""
    rows = ["| Format | Files (imported) | `transcripts export --format` |", "| --- | --- | --- |"]
    for f in FORMATS:
        files = ", ".join(
            f"`{s}`" + (" (when named)" if s in f.named_only else "") for s in f.suffixes
        )
        rows.append(f"| {f.title} | {files} | {f'`{f.name}`' if f.write else 'no'} |")
    return "\n".join(rows)
