"""A colleague's framework-cell summaries in a merge (``team/merge.py`` drives it).

A summary belongs to a cell: a participant (matched by label, as their transcripts are by
text) or a stakeholder group (by id), by a code (by id, as codings are). What a research team
expects when both wrote about the same cell is that neither text is lost: a summary of theirs
whose text is already in the cell here adds nothing; one that differs is added beside ours,
with its author, so the cell shows both (who wrote what) until someone edits the cell to one
text ('mpu-qual framework-summary'). A cell that cannot be placed here (their participant or
group is not in this project, or the code's codings stay out) is reported, never guessed.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from mpu_qual.store import Project
from mpu_qual.store.analysis_reads import FrameworkSummaries, SummaryRow
from mpu_qual.store.team_reads import their_summaries


@dataclass(frozen=True)
class InSummary:
    """One summary of theirs: the cell by participant label or group id, and a code."""

    participant: str | None
    group: str | None
    code_id: str
    text: str
    author: str | None
    updated_at: str | None

    @property
    def cell(self) -> str:
        who = self.participant if self.participant is not None else f"group {self.group}"
        return f"{who} x {self.code_id}"


@dataclass
class SummaryPlan:
    """What a merge does with their summaries (the rows go in with the merge's action)."""

    rows: list[SummaryRow] = field(default_factory=list)
    added: list[str] = field(default_factory=list)  # cells with no summary here
    both_kept: list[str] = field(default_factory=list)  # cells where ours and theirs differ
    already: int = 0  # the same text is in the cell here
    left_out: list[str] = field(default_factory=list)  # "cell: why"

    @property
    def total(self) -> int:
        return len(self.rows)


def read_summaries(
    conn: sqlite3.Connection, code_ids: set[str], malformed: list[str]
) -> list[InSummary]:
    """Their summaries; a row that cannot be right is named in ``malformed`` and left out."""
    out = []
    for sid, label, group, code, text, author, updated in their_summaries(conn):
        where = f"framework_summaries row {sid!r}"
        if not isinstance(code, str) or code not in code_ids:
            malformed.append(f"{where}: code {code!r} is not in their codes table")
        elif not isinstance(text, str) or not text.strip():
            malformed.append(f"{where}: the summary is empty or not text")
        elif (label is None) == (group is None) or not all(
            v is None or isinstance(v, str) for v in (label, group, author, updated)
        ):
            malformed.append(f"{where}: it names neither one participant nor one group")
        else:
            out.append(InSummary(label, group, code, text.strip(), author, updated))
    return out


def plan_summaries(project: Project, theirs: list[InSummary], usable: set[str]) -> SummaryPlan:
    """Which of ``theirs`` come in (``usable``: the code ids whose codings may come in)."""
    plan = SummaryPlan()
    labels = {p.label: p.id for p in project.participants.list()}
    groups = {g.id for g in project.codebook.load().groups}
    here: dict[tuple[int | None, str | None, str], list[str]] = {}
    for ours in FrameworkSummaries(project).list():
        key = (ours.participant_id, ours.group_id, ours.code_id)
        here.setdefault(key, []).append(ours.summary.strip())
    for s in theirs:
        if s.code_id not in usable:
            plan.left_out.append(f"{s.cell}: code '{s.code_id}' is not in this codebook")
            continue
        if s.participant is not None and s.participant not in labels:
            plan.left_out.append(f"{s.cell}: no participant {s.participant} in this project")
            continue
        if s.group is not None and s.group not in groups:
            plan.left_out.append(f"{s.cell}: no stakeholder group '{s.group}' in codebook.yaml")
            continue
        key = (labels[s.participant] if s.participant is not None else None, s.group, s.code_id)
        texts = here.setdefault(key, [])
        if s.text in texts:
            plan.already += 1
            continue
        (plan.both_kept if texts else plan.added).append(s.cell)
        texts.append(s.text)  # their copy may hold the same text twice: it comes in once
        plan.rows.append((*key[:2], s.code_id, s.text, s.author, s.updated_at))
    return plan
