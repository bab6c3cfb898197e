"""Bring REFI-QDA ``<Set>``s (named groups of codes, sources and notes) into a project.

mpu-qual's codebook has no free code groups, so a set lands where its meaning is kept:

- a set named after one of the codebook's audiences (mpu-qual writes "For Government (政府)")
  makes its new member codes address that audience, so an export and import keeps them;
- any other set of codes (ATLAS.ti code groups, MAXQDA and NVivo sets) becomes a project memo
  "Code set: NAME" listing its member codes, with a warning saying so;
- a set of sources (QualCoder's and ATLAS.ti's document groups) is written into each member
  transcript's metadata (``sets``), and listed in that memo when the set also has codes.
Members the file does not define are counted in the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mpu_qual.codebook import Group
from mpu_qual.refi.reader import RSet

MEMO_PREFIX = "Code set: "


@dataclass
class SetPlan:
    addresses: dict[str, str] = field(default_factory=dict)  # code id -> audience id
    memos: list[tuple[str, str]] = field(default_factory=list)  # (title, text)
    source_sets: dict[str, list[str]] = field(default_factory=dict)  # source guid -> names
    lines: list[str] = field(default_factory=list)  # what was done, for the report
    warnings: list[str] = field(default_factory=list)


def _audience_of(name: str, audiences: list[Group]) -> Group | None:
    n = " ".join(name.split()).casefold()
    for a in audiences:
        forms = {a.id, a.en, a.zh, f"For {a.en} ({a.zh})", f"For {a.en}", f"For {a.zh}"}
        if n in {" ".join(f.split()).casefold() for f in forms}:
            return a
    return None


def plan_sets(
    sets: list[RSet],
    mapping: dict[str, str],
    code_labels: dict[str, str],
    audiences: list[Group],
    source_names: dict[str, str],
    file_name: str,
) -> SetPlan:
    """Where each set goes. ``mapping``: file code GUID -> code id; ``code_labels``: code id
    -> label; ``source_names``: file source GUID -> transcript name (sources imported)."""
    plan = SetPlan()
    for s in sets:
        codes = [mapping[g] for g in s.codes if g in mapping]
        sources = [g for g in s.sources if g in source_names]
        unknown = len(s.codes) - len(codes) + len(s.sources) - len(sources)
        tail = (
            f" ({unknown} members the file does not define, or did not import)" if unknown else ""
        )
        audience = _audience_of(s.name, audiences) if codes else None
        for g in sources:
            plan.source_sets.setdefault(g, []).append(s.name)
        if audience is not None:
            for cid in codes:
                plan.addresses.setdefault(cid, audience.id)
            plan.lines.append(
                f"set '{s.name}': its {len(codes)} codes address the audience "
                f"'{audience.en}' ({audience.zh}){tail}"
            )
            continue
        if codes:
            lines = [
                f"A set of codes in {file_name}. mpu-qual's codebook has no code groups, so "
                "the set is kept here.",
            ]
            if s.description:
                lines += ["", s.description]
            lines += ["", "Codes:"] + [f"- {cid}: {code_labels.get(cid, cid)}" for cid in codes]
            if sources:
                lines += ["", "Transcripts:"] + [f"- {source_names[g]}" for g in sources]
            if s.notes:
                lines += ["", f"It also groups {len(s.notes)} notes."]
            plan.memos.append((MEMO_PREFIX + s.name, "\n".join(lines)))
            plan.warnings.append(
                f"set '{s.name}' ({len(codes)} codes): mpu-qual has no code groups; kept as "
                f"the project memo '{MEMO_PREFIX}{s.name}'{tail}"
            )
        elif sources:
            plan.lines.append(
                f"set '{s.name}': recorded in the metadata of its {len(sources)} "
                f"transcripts (sets){tail}"
            )
        else:
            plan.warnings.append(f"set '{s.name}' has no codes or transcripts to keep{tail}")
    return plan
