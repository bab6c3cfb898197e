"""Where coders differ, and the review decisions that settle each difference.

A disagreement is one unit of one code on which the chosen coders do not all give the same
value: a segment (segment unit) or a run of characters with the same pattern of who coded
them (char unit: consecutive differing characters merged into runs). They are listed worst
code first (lowest alpha), then in transcript order.

A review decision works on whole codings, those of that code by the chosen coders that
overlap the unit, and is one undoable action:

- ``accept`` coder X: the other coders' codings are replaced by copies of X's (X's coding
  becomes everyone's; when X did not code the unit, the others' codings are removed);
- ``both``: every coder gets a copy of each coding the others made that they lack;
- ``neither``: all those codings are removed.

Afterwards the coders agree on that unit, so it leaves the list. Decisions change the
coders' codings toward a consensus: keep the agreement figures from before the review
(``mpu-qual agreement -o before.json``) for the methods section.
"""

from __future__ import annotations

from dataclasses import dataclass

from mpu_qual.errors import MpuQualError
from mpu_qual.store import Project
from mpu_qual.team.reliability import AgreementReport, report_from_scope
from mpu_qual.team.units import Scope, build_scope, segment_values

DECISIONS = ("accept", "both", "neither")


@dataclass
class Disagreement:
    code_id: str
    source_id: int
    source_name: str
    start: int
    end: int
    values: dict[str, int]  # coder -> 1 (coded) or 0
    text: str
    segment: int | None = None  # the segment's number (segment unit)

    @property
    def coded_by(self) -> list[str]:
        return [c for c, v in self.values.items() if v]

    @property
    def not_coded_by(self) -> list[str]:
        return [c for c, v in self.values.items() if not v]

    def as_dict(self) -> dict:
        return {
            "code": self.code_id,
            "source": self.source_name,
            "segment": self.segment,
            "start": self.start,
            "end": self.end,
            "coded_by": self.coded_by,
            "not_coded_by": self.not_coded_by,
            "text": self.text,
        }


def _runs(scope: Scope, code_id: str, src_id: int, length: int) -> list[tuple[int, int, dict]]:
    """Maximal runs of characters with one pattern of coders, where the coders differ."""
    events: list[tuple[int, int, int]] = []
    for k, coder in enumerate(scope.coders):
        for a, b in scope.spans[code_id][coder].get(src_id, []):
            events.append((min(a, length), 1, k))
            events.append((min(b, length), -1, k))
    events.sort()
    m = len(scope.coders)
    state = [0] * m
    out: list[tuple[int, int, dict]] = []
    pos = 0
    i = 0
    while i < len(events):
        at = events[i][0]
        if at > pos:
            on = sum(1 for v in state if v)
            if 0 < on < m:
                pattern = {c: 1 if state[k] else 0 for k, c in enumerate(scope.coders)}
                if out and out[-1][1] == pos and out[-1][2] == pattern:
                    out[-1] = (out[-1][0], at, pattern)
                else:
                    out.append((pos, at, pattern))
            pos = at
        while i < len(events) and events[i][0] == at:
            _at, step, k = events[i]
            state[k] += step
            i += 1
    return out


def disagreements_in(project: Project, scope: Scope, report: AgreementReport) -> list[Disagreement]:
    texts = project.team.source_texts([s.id for s in scope.sources])
    out: list[Disagreement] = []
    for code_id in report.worst_first():
        for src in scope.sources:
            text = texts[src.id]
            if scope.unit == "char":
                for a, b, pattern in _runs(scope, code_id, src.id, src.length):
                    out.append(Disagreement(code_id, src.id, src.name, a, b, pattern, text[a:b]))
                continue
            sets = {
                c: segment_values(src, scope.spans[code_id][c].get(src.id, []))
                for c in scope.coders
            }
            touched = sorted(set().union(*sets.values()))
            for k in touched:
                values = {c: 1 if k in sets[c] else 0 for c in scope.coders}
                if 0 < sum(values.values()) < len(values):
                    a, b = src.segments[k]
                    out.append(
                        Disagreement(
                            code_id, src.id, src.name, a, b, values, text[a:b], src.numbers[k]
                        )
                    )
    return out


def find_disagreements(
    project: Project,
    *,
    coders: list[str] | None = None,
    codes: list[str] | None = None,
    sources: list[str] | None = None,
    unit: str = "segment",
) -> tuple[AgreementReport, list[Disagreement]]:
    """The agreement report and the units where the coders differ, worst codes first."""
    scope = build_scope(project, coders=coders, codes=codes, sources=sources, unit=unit)
    report = report_from_scope(project, scope)
    return report, disagreements_in(project, scope, report)


# ----------------------------------------------------------------------------- decisions
def unit_codings(project: Project, d: Disagreement) -> dict[str, list[tuple]]:
    """Each coder's codings of the code overlapping the unit: (id, start, end, memo)."""
    out: dict[str, list[tuple]] = {c: [] for c in d.values}
    for cid, coder, start, end, memo in project.team.unit_codings(
        d.source_id, d.code_id, d.start, d.end
    ):
        if coder in out:
            out[coder].append((cid, start, end, memo))
    return out


def resolve(project: Project, d: Disagreement, decision: str, coder: str | None = None) -> int:
    """Settle one disagreement (one undoable action); returns the number of codings changed."""
    if decision not in DECISIONS:
        raise MpuQualError(
            f"unknown decision '{decision}'", hint="Use accept (with a coder), both or neither."
        )
    if decision == "accept" and coder not in d.values:
        raise MpuQualError(
            f"'{coder}' is not one of the coders compared here",
            hint=f"Choose one of: {', '.join(d.values)}.",
        )
    where = f"segment {d.segment}" if d.segment else f"{d.start}-{d.end}"
    desc = {
        "accept": f"Review: accept {coder}'s coding of {d.code_id} in {d.source_name} {where}",
        "both": f"Review: keep both codings of {d.code_id} in {d.source_name} {where}",
        "neither": f"Review: remove the codings of {d.code_id} in {d.source_name} {where}",
    }[decision]
    text = project.team.source_text(d.source_id)
    if text is None:
        raise MpuQualError(
            f"the transcript '{d.source_name}' is gone; list the disagreements again"
        )
    changed = 0
    with project.action(desc, kind="review") as conn:
        have = unit_codings(project, d)  # read under the write lock
        deletes: list[int] = []
        copies: list[tuple[str, int, int, str | None]] = []  # (coder, start, end, memo)
        if decision == "neither":
            deletes = [row[0] for rows in have.values() for row in rows]
        elif decision == "accept":
            if coder is None:
                raise MpuQualError(
                    "accept needs a coder", hint="Name the coder whose coding stays."
                )
            keep = have[coder]
            for other, rows in have.items():
                if other == coder:
                    continue
                spans = {(r[1], r[2]) for r in keep}
                deletes += [r[0] for r in rows if (r[1], r[2]) not in spans]
                mine = {(r[1], r[2]) for r in rows}
                copies += [(other, r[1], r[2], r[3]) for r in keep if (r[1], r[2]) not in mine]
        else:  # both
            everything = {(r[1], r[2]): r[3] for rows in have.values() for r in rows}
            for other, rows in have.items():
                mine = {(r[1], r[2]) for r in rows}
                copies += [
                    (other, s, e, memo) for (s, e), memo in everything.items() if (s, e) not in mine
                ]
        project.team.reject_codings(conn, deletes)
        project.team.add_copies(
            conn,
            [(d.source_id, d.code_id, s, e, text[s:e], memo, who) for who, s, e, memo in copies],
        )
        changed = len(deletes) + len(copies)
    return changed
