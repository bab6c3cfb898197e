"""Decode transcript bytes the way Hong Kong files come: UTF-8 (with or without BOM),
UTF-16 and Big5 (HKSCS). Line endings become ``\\n`` here, before anything is coded."""

from __future__ import annotations

import codecs
from pathlib import Path

from mpu_qual.errors import MpuQualError

MAX_TRANSCRIPT_BYTES = 256 * 1024 * 1024


def _line_of(raw: bytes, offset: int) -> int:
    return raw[:offset].count(b"\n") + 1


def _looks_like_utf16(raw: bytes) -> str | None:
    """UTF-16 without a BOM: lots of NUL bytes on one side of each pair."""
    sample = raw[:4096]
    if len(sample) < 4:
        return None
    even_nul = sample[0::2].count(0)
    odd_nul = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nul > half * 0.3 and even_nul < half * 0.05:
        return "utf-16-le"
    if even_nul > half * 0.3 and odd_nul < half * 0.05:
        return "utf-16-be"
    return None


def _plausible_big5(raw: bytes) -> bool:
    """False for Latin-1 / Windows-1252 text that happens to decode as Big5.

    An accented letter followed by an ASCII letter ("très") is a valid Big5 pair, so such
    files would import as nonsense Chinese. In real Chinese text about 60% of characters have
    a second byte of 0xA1 or more; in that mojibake almost none do.
    """
    pairs = low = 0
    i = 0
    while i < len(raw) - 1:
        if raw[i] >= 0x81:
            pairs += 1
            low += raw[i + 1] < 0x80
            i += 2
        else:
            i += 1
    if pairs >= 3 and low == pairs:
        return False
    return pairs < 5 or low < 0.9 * pairs


def decode_text(raw: bytes, path: str | Path | None = None) -> tuple[str, str]:
    """Return (text, encoding). Raises MpuQualError naming file and line."""
    if len(raw) > MAX_TRANSCRIPT_BYTES:
        raise MpuQualError(
            f"file is larger than {MAX_TRANSCRIPT_BYTES // (1024 * 1024)} MiB", path=path
        )
    encoding: str
    if raw.startswith(codecs.BOM_UTF8):
        encoding, body = "utf-8-sig", raw
    elif raw.startswith(codecs.BOM_UTF16_LE) or raw.startswith(codecs.BOM_UTF16_BE):
        encoding, body = "utf-16", raw
    else:
        guess = _looks_like_utf16(raw)
        encoding, body = (guess, raw) if guess else ("utf-8", raw)
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding != "utf-8":
            raise MpuQualError(
                f"file looks like {encoding.upper()} but has invalid bytes",
                path=path,
                line=_line_of(raw, exc.start),
            ) from None
        first_bad = exc.start
        try:
            text = raw.decode("big5hkscs")
            encoding = "big5hkscs"
            if not _plausible_big5(raw):
                raise UnicodeDecodeError("big5hkscs", raw, first_bad, first_bad + 1, "not Big5")
        except UnicodeDecodeError:
            raise MpuQualError(
                f"file is not text in UTF-8, UTF-16 or Big5 (invalid byte 0x{raw[first_bad]:02x})",
                path=path,
                line=_line_of(raw, first_bad),
                hint="Save the file as UTF-8 and import it again.",
            ) from None
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
    return text, encoding


def read_text_file(path: str | Path) -> tuple[str, str]:
    """Read and decode a text file; missing or unreadable files become MpuQualError."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_TRANSCRIPT_BYTES:
            raise MpuQualError(f"file is larger than {MAX_TRANSCRIPT_BYTES >> 20} MiB", path=p)
        raw = p.read_bytes()
    except FileNotFoundError:
        raise MpuQualError("file not found", path=p) from None
    except IsADirectoryError:
        raise MpuQualError("is a folder, not a file", path=p) from None
    except OSError as exc:
        raise MpuQualError(f"cannot read file: {exc.strerror}", path=p) from None
    return decode_text(raw, p)
