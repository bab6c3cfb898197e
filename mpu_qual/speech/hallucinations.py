"""Whisper's known hallucinations: a phrase list shipped as data, extendable by users.

The shipped list (``hallucinations.txt`` beside this module) holds subtitle credits and
end-of-video phrases in English and Chinese. Users add their own with a file of the same
format in the project folder or the user folder; every file is read the same way, and a bad
file is an error that names it and its line.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from mpu_qual.errors import MpuQualError
from mpu_qual.fileio import read_small_text

FILE_NAME = "hallucinations.txt"
MAX_BYTES = 512 * 1024
# Phrases shorter than this (after normalising) would match inside ordinary words.
MIN_PHRASE_CHARS = 2

_DROP = re.compile(r"[\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    """Lower case, full-width folded, without punctuation or spaces: the matching form."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _DROP.sub("", folded)


@dataclass(frozen=True)
class Phrase:
    text: str  # as written in the file
    key: str  # normalised
    whole: bool  # only a segment that is exactly this phrase
    origin: str  # file name and line, for the reason shown to people


@dataclass
class HallucinationList:
    """Phrases to look for; ``match`` returns the first one a segment contains."""

    phrases: list[Phrase] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def match(self, text: str) -> Phrase | None:
        key = normalise(text)
        if not key:
            return None
        for p in self.phrases:
            if (p.whole and key == p.key) or (not p.whole and p.key in key):
                return p
        return None

    def __len__(self) -> int:
        return len(self.phrases)


def parse_phrases(text: str, origin: str) -> list[Phrase]:
    """Phrases of one file; a line that normalises to (almost) nothing is an error."""
    out: list[Phrase] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        whole = line.startswith("=")
        phrase = line[1:].strip() if whole else line
        key = normalise(phrase)
        if len(key) < (1 if whole else MIN_PHRASE_CHARS):
            raise MpuQualError(
                f"phrase {phrase!r} is too short to look for (letters or characters needed)",
                path=origin,
                line=n,
                hint='Write a longer phrase, or "= word" to match only a whole segment.',
            )
        out.append(Phrase(phrase, key, whole, f"{Path(origin).name}:{n}"))
    return out


def shipped_text() -> str:
    return resources.files("mpu_qual.speech").joinpath(FILE_NAME).read_text("utf-8")


def load_hallucinations(*folders: Path | None) -> HallucinationList:
    """The shipped list plus ``hallucinations.txt`` from each folder given that has one."""
    result = HallucinationList(parse_phrases(shipped_text(), FILE_NAME))
    for folder in folders:
        if folder is None:
            continue
        path = Path(folder) / FILE_NAME
        if not path.is_file():
            continue
        text = read_small_text(path, "hallucination list", max_bytes=MAX_BYTES)
        result.phrases.extend(parse_phrases(text, str(path)))
        result.files.append(path)
    return result
