"""Decode transcript bytes the way real files come: UTF-8 (with or without BOM), UTF-16 and
UTF-32 (with or without BOM), Simplified Chinese (GB2312, GBK, GB18030), Traditional Chinese
(Big5, Big5-HKSCS) and the Windows code pages. Line endings become ``\\n`` here, before
anything is coded.

Legacy encodings are guessed (see ``charsets``); when the guess is not clearly right the file
is refused with the readings side by side, so mojibake is never stored silently.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from mpu_qual.errors import EncodingUnclear, MpuQualError
from mpu_qual.transcript_files.charsets import (
    LABELS,
    Candidate,
    decide,
    disagreeing_blocks,
    legacy_candidates,
)

__all__ = ["LABELS", "Decoded", "decode_bytes", "decode_text", "read_decoded", "read_text_file"]

MAX_TRANSCRIPT_BYTES = 256 * 1024 * 1024

ALIASES = {
    "big5-hkscs": "big5hkscs",
    "windows-1252": "cp1252",
    "windows-1250": "cp1250",
    "windows-1251": "cp1251",
    "latin1": "latin-1",
    "utf8": "utf-8",
}


@dataclass
class Decoded:
    """Text from bytes, with how its encoding was found (for ``--preview`` and messages)."""

    text: str
    encoding: str
    confidence: float
    how: str  # "BOM", "byte pattern", "valid UTF-8", "detected", "given"

    @property
    def label(self) -> str:
        return LABELS.get(self.encoding, self.encoding)


def _line_of(raw: bytes, offset: int) -> int:
    return raw[:offset].count(b"\n") + 1


def _looks_like_utf16_or_32(raw: bytes) -> str | None:
    """UTF-16/32 without a BOM: NUL bytes in fixed places of each code unit."""
    sample = raw[:4096]
    if len(sample) < 8:
        return None
    n4 = len(sample) // 4
    quads = [sample[i::4].count(0) for i in range(4)]
    if n4 and quads[1] > 0.9 * n4 and quads[2] > 0.9 * n4 and quads[3] > 0.9 * n4:
        return "utf-32-le"
    if n4 and quads[0] > 0.9 * n4 and quads[1] > 0.9 * n4 and quads[3] < 0.5 * n4:
        return "utf-32-be"
    even_nul = sample[0::2].count(0)
    odd_nul = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nul > half * 0.3 and even_nul < half * 0.05:
        return "utf-16-le"
    if even_nul > half * 0.3 and odd_nul < half * 0.05:
        return "utf-16-be"
    return None


def normalise_encoding_name(name: str) -> str:
    """A Python codec name for what the user typed (``GBK``, ``Big5-HKSCS``, ``windows-1252``)."""
    wanted = ALIASES.get(name.strip().lower(), name.strip().lower())
    try:
        codecs.lookup(wanted)
    except LookupError:
        raise MpuQualError(
            f"unknown encoding '{name}'",
            field="encoding",
            hint="Use a name such as utf-8, utf-16, gb18030, gbk, big5hkscs, cp1252 or cp1250.",
        ) from None
    return wanted


def _sample_lines(cands: list[Candidate]) -> list[tuple[str, str, int, str]]:
    """For each candidate: its encoding, label, and the first line where the readings differ."""
    split = [c.text.replace("\r\n", "\n").split("\n") for c in cands]
    lineno = 0
    for i in range(max(len(s) for s in split)):
        row = {s[i] if i < len(s) else "" for s in split}
        if len(row) > 1:
            lineno = i
            break
    out = []
    for c, lines in zip(cands, split, strict=True):
        text = lines[lineno] if lineno < len(lines) else ""
        out.append((c.encoding, c.label, lineno + 1, text.strip()[:60]))
    return out


def _refuse(raw: bytes, cands: list[Candidate], path: str | Path | None, why: str) -> None:
    try:
        raw.decode("utf-8")
        first_bad = None
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    if not cands:
        raise MpuQualError(
            "file is not text in UTF-8, UTF-16, UTF-32, a Chinese (GB, Big5) or a Windows "
            f"encoding (invalid byte 0x{raw[first_bad or 0]:02x})",
            path=path,
            line=_line_of(raw, first_bad or 0),
            hint="Save the file as UTF-8 and import it again.",
        )
    samples = _sample_lines(cands)
    listing = "\n".join(
        f"    --encoding {enc:<10} {label:<44} line {n}: {text}" for enc, label, n, text in samples
    )
    message = (
        "cannot tell which encoding this file is in "
        f"({why}); nothing was imported. It reads as:\n{listing}"
    )
    raise EncodingUnclear(
        message,
        samples,
        path=path,
        line=samples[0][2],
        hint="Import it again with the --encoding whose line reads right "
        "(or save the file as UTF-8).",
    )


def detect(raw: bytes, path: str | Path | None = None, encoding: str | None = None) -> Decoded:
    """Find the encoding of ``raw`` and decode it (line endings untouched)."""
    if encoding:
        enc = normalise_encoding_name(encoding)
        try:
            return Decoded(raw.decode(enc), enc, 1.0, "given")
        except UnicodeDecodeError as exc:
            raise MpuQualError(
                f"file is not valid {enc} (invalid byte 0x{raw[exc.start]:02x})",
                path=path,
                line=_line_of(raw, exc.start),
                hint="Leave out --encoding to let mpu-qual detect it, or try another one.",
            ) from None
    boms = (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    )
    guess: str | None = None
    how = "BOM"
    for bom, name in boms:
        if raw.startswith(bom):
            guess = name
            break
    if guess is None:
        guess, how = _looks_like_utf16_or_32(raw), "byte pattern"
    if guess is not None:
        try:
            return Decoded(raw.decode(guess), guess, 1.0, how)
        except UnicodeDecodeError as exc:
            raise MpuQualError(
                f"file looks like {guess.upper()} but has invalid bytes",
                path=path,
                line=_line_of(raw, exc.start),
            ) from None
    try:
        return Decoded(raw.decode("utf-8"), "utf-8", 1.0, "valid UTF-8")
    except UnicodeDecodeError as exc:
        if _broken_utf8(raw, exc):
            _refuse_broken_utf8(raw, exc, path)
    cands = legacy_candidates(raw)
    found = decide(cands)
    if found.encoding is None:
        _refuse(raw, found.candidates, path, found.how)
    best = found.candidates[0]
    mixed = disagreeing_blocks(raw, best.encoding)
    if mixed:
        _refuse_mixed(raw, best, mixed, path)
    return Decoded(best.text, best.encoding, found.confidence, "detected")


def _broken_utf8(raw: bytes, exc: UnicodeDecodeError) -> bool:
    """UTF-8 with damage, not another encoding: the rest of the file holds valid multi-byte
    UTF-8 sequences (no legacy text makes many by chance), or it ends inside a sequence of
    two or more bytes (a file cut off while being copied)."""
    text = raw.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - raw.count("\ufffd".encode())
    good = sum(1 for ch in text if ord(ch) >= 0x80 and ch != "\ufffd")
    cut_off = exc.reason == "unexpected end of data" and exc.end == len(raw)
    if cut_off and (len(raw) - exc.start >= 2 or good):
        return True
    return good >= 2 and good >= 4 * bad


def _refuse_broken_utf8(raw: bytes, exc: UnicodeDecodeError, path: str | Path | None) -> None:
    if exc.reason == "unexpected end of data" and exc.end == len(raw):
        what = "the file ends in the middle of a character (it was probably cut off)"
    else:
        what = f"byte 0x{raw[exc.start]:02x} cannot stand there"
    raise MpuQualError(
        f"the file is UTF-8 but broken at byte offset {exc.start}: {what}; nothing was imported",
        path=path,
        line=_line_of(raw, exc.start),
        hint="Repair the file or save it again as UTF-8 from the program that wrote it; if it "
        "is not UTF-8 at all, pass --encoding.",
    )


def _refuse_mixed(
    raw: bytes, best: Candidate, mixed: list[tuple[int, int, str]], path: str | Path | None
) -> None:
    parts = "; ".join(
        f"lines {a}-{b} read right only as {LABELS.get(enc, enc)}" for a, b, enc in mixed
    )
    raise MpuQualError(
        f"parts of this file are in different encodings: most of it reads as "
        f"{best.label}, but {parts}; nothing was imported",
        path=path,
        line=mixed[0][0],
        hint="Convert each part to UTF-8 on its own (or with --encoding, import the parts as "
        "separate files).",
    )


def finish_text(text: str, path: str | Path | None = None) -> str:
    """Normalise line endings and refuse NUL characters and empty files."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    nul = text.find("\x00")
    if nul >= 0:
        raise MpuQualError(
            "file contains a NUL character; it looks like a binary file, not a transcript",
            path=path,
            line=text.count("\n", 0, nul) + 1,
        )
    if not text.strip():
        raise MpuQualError("file is empty", path=path, hint="Check that you chose the right file.")
    return text


def decode_bytes(
    raw: bytes, path: str | Path | None = None, encoding: str | None = None
) -> Decoded:
    """Decode transcript bytes; raises MpuQualError (EncodingUnclear) naming file and line."""
    if len(raw) > MAX_TRANSCRIPT_BYTES:
        raise MpuQualError(
            f"file is larger than {MAX_TRANSCRIPT_BYTES // (1024 * 1024)} MiB", path=path
        )
    found = detect(raw, path, encoding)
    found.text = finish_text(found.text, path)
    return found


def decode_text(
    raw: bytes, path: str | Path | None = None, encoding: str | None = None
) -> tuple[str, str]:
    """Return (text, encoding). Raises MpuQualError naming file and line."""
    found = decode_bytes(raw, path, encoding)
    return found.text, found.encoding


def read_bytes(path: str | Path) -> bytes:
    """Read a file; missing or unreadable files become MpuQualError."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_TRANSCRIPT_BYTES:
            raise MpuQualError(f"file is larger than {MAX_TRANSCRIPT_BYTES >> 20} MiB", path=p)
        return p.read_bytes()
    except FileNotFoundError:
        raise MpuQualError("file not found", path=p) from None
    except IsADirectoryError:
        raise MpuQualError("is a folder, not a file", path=p) from None
    except OSError as exc:
        raise MpuQualError(f"cannot read file: {exc.strerror}", path=p) from None


def read_decoded(path: str | Path, encoding: str | None = None) -> Decoded:
    """Read and decode a text file, keeping how the encoding was found."""
    return decode_bytes(read_bytes(path), Path(path), encoding)


def read_text_file(path: str | Path, encoding: str | None = None) -> tuple[str, str]:
    """Read and decode a text file; missing or unreadable files become MpuQualError."""
    found = read_decoded(path, encoding)
    return found.text, found.encoding
