"""What an import could not bring in, and why: counted, named and never silent.

An import either brings in everything a file holds or refuses, naming what would be left
behind (sources of kinds mpu-qual cannot hold, text files missing from the archive, codings
of picture areas or media time ranges, notes whose text cannot be read). ``--partial``
imports the rest, and the report still lists every item left out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from mpu_qual.errors import MpuQualError

SOURCE = "source"
CODINGS = "codings"
NOTE = "note"
EMPTY = "empty coding"  # a zero-length selection: no text to code, counted and reported


@dataclass(frozen=True)
class Skipped:
    """One thing left out: a source (with the codings it carried), some codings, a note, or
    the codings of an empty selection (no text to code: reported, never blocking)."""

    kind: str
    why: str
    codings: int = 0  # codings lost with it (a source), or the number of codings (CODINGS)

    @property
    def loses_content(self) -> bool:
        return self.kind in (SOURCE, CODINGS, NOTE)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def counts(skipped: list[Skipped]) -> str:
    """'2 sources (with 14 codings), 3 other codings, 1 note' and so on."""
    kinds = Counter(s.kind for s in skipped)
    parts = []
    if kinds[SOURCE]:
        lost = sum(s.codings for s in skipped if s.kind == SOURCE)
        parts.append(
            _plural(kinds[SOURCE], "source")
            + (f" (with {_plural(lost, 'coding')})" if lost else "")
        )
    other = sum(s.codings for s in skipped if s.kind == CODINGS)
    if other:
        parts.append(_plural(other, "other coding"))
    if kinds[NOTE]:
        parts.append(_plural(kinds[NOTE], "note"))
    empty = sum(s.codings for s in skipped if s.kind == EMPTY)
    if empty:
        parts.append(_plural(empty, "coding") + " of empty selections")
    return ", ".join(parts)


def refuse_if_lost(skipped: list[Skipped], where: str, *, partial: bool) -> None:
    """Raise (nothing written yet) when content would be left behind, unless ``partial``."""
    lost = [s for s in skipped if s.loses_content]
    if not lost or partial:
        return
    shown = "\n".join(f"  - {s.why}" for s in lost[:20])
    more = f"\n  ... and {len(lost) - 20} more" if len(lost) > 20 else ""
    raise MpuQualError(
        f"nothing was imported: {counts(lost)} in the file cannot be brought in:\n{shown}{more}",
        path=where,
        hint="Import everything else with --partial (the skipped items are listed again), "
        "or export the project again from the other program with text sources.",
    )
