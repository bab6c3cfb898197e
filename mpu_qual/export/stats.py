"""Counts behind every table and chart: coded passages per code and stakeholder group.

Definitions (the same in the quote matrix, the summary and the charts):

- a *passage* is a distinct span (transcript, start, end); one span coded with two codes of
  a theme counts once for the theme;
- a code's count includes its sub-codes (a theme's count is everything coded under it);
- a passage belongs to the stakeholder group of whoever speaks where it starts;
- *participants* and *groups raised by* leave out the moderator (groups listed in
  ``NON_PARTICIPANT_GROUPS``): the moderator's words can be coded but they are not a view
  held by a stakeholder.

Every count keeps the coding ids it was made from, so a figure can be traced back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from mpu_qual.store import Project
from mpu_qual.store.records import Code, Coding

NON_PARTICIPANT_GROUPS = frozenset({"moderator", "facilitator", "interviewer"})
NO_GROUP = ""

Passage = tuple[int, int, int]  # (source_id, start, end)


@dataclass
class CodeTally:
    """What was coded with one code (and its sub-codes)."""

    code_id: str
    coding_ids: list[int] = field(default_factory=list)
    passages: set[Passage] = field(default_factory=set)
    participants: set[str] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)
    by_group: dict[str, set[Passage]] = field(default_factory=dict)

    @property
    def n_passages(self) -> int:
        return len(self.passages)


def tally(
    codes: Sequence[Code], codings: Iterable[Coding], *, rollup: bool = True
) -> dict[str, CodeTally]:
    """Tally codings per code; with ``rollup`` each coding also counts for its ancestors."""
    parent = {c.id: c.parent_id for c in codes}
    out = {c.id: CodeTally(c.id) for c in codes}
    for cd in codings:
        passage = (cd.source_id, cd.start, cd.end)
        group = cd.group or NO_GROUP
        cur: str | None = cd.code_id
        while cur is not None and cur in out:
            t = out[cur]
            t.coding_ids.append(cd.id)
            t.passages.add(passage)
            t.by_group.setdefault(group, set()).add(passage)
            if cd.participant_label and group not in NON_PARTICIPANT_GROUPS:
                t.participants.add(cd.participant_label)
                if group != NO_GROUP:
                    t.groups.add(group)
            cur = parent.get(cur) if rollup else None
    for t in out.values():
        t.coding_ids.sort()
    return out


@dataclass
class GroupInfo:
    id: str
    en: str
    zh: str


@dataclass
class FrequencyRow:
    code_id: str
    label_en: str
    label_zh: str
    color: str | None
    depth: int
    counts: dict[str, int]
    total: int
    coding_ids: list[int]


@dataclass
class Frequencies:
    """Coded passages per code (rows) and stakeholder group (columns)."""

    groups: list[GroupInfo]
    rows: list[FrequencyRow]

    def as_matrix(self) -> list[list[int]]:
        return [[r.counts.get(g.id, 0) for g in self.groups] for r in self.rows]


def frequencies(
    project: Project,
    codings: Sequence[Coding],
    *,
    code_ids: Sequence[str] | None = None,
) -> Frequencies:
    """Passages per code and group for ``code_ids`` (default: every code), codebook order."""
    codes = project.codes.list()
    tallies = tally(codes, codings)
    by_id = {c.id: c for c in codes}
    wanted = list(code_ids) if code_ids is not None else [c.id for c in codes]
    present = {g for cid in wanted for g, ps in tallies[cid].by_group.items() if ps}
    groups = [
        GroupInfo(g.id, g.en, g.zh) for g in project.codebook.load().groups if g.id in present
    ]
    known = {g.id for g in groups}
    for g in sorted(present - known - {NO_GROUP}):
        groups.append(GroupInfo(g, g, g))  # a group id no longer in the codebook
    if NO_GROUP in present:
        groups.append(GroupInfo(NO_GROUP, "No group", "未分組"))
    rows = []
    for cid in wanted:
        t, c = tallies[cid], by_id[cid]
        counts = {g.id: len(t.by_group.get(g.id, ())) for g in groups}
        rows.append(
            FrequencyRow(
                cid, c.label_en, c.label_zh, c.color, c.depth, counts, t.n_passages, t.coding_ids
            )
        )
    return Frequencies(groups, rows)


def code_frequencies_by_group(
    project: Project, *, parent: str | None = None, coder: str | None = None
) -> Frequencies:
    """Bar-chart data for the TUI and the summaries.

    Rows are the themes (``parent=None``) or the direct sub-codes of ``parent``; each counts
    the passages coded with it or any of its sub-codes, split by the speaker's group.
    ``coder`` counts one coder's codings only (the workbench's blind mode).
    """
    if parent is not None:
        project.codes.get(parent)
    ids = [c.id for c in project.codes.list() if c.parent_id == parent]
    codings = project.codings.list()
    if coder is not None:
        codings = [c for c in codings if c.coder == coder]
    return frequencies(project, codings, code_ids=ids)
