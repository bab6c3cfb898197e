"""The framework matrix: participants (or stakeholder groups) by themes.

Each cell holds what the row's speakers said under the theme (its coded passages, with the
coding ids) and the researcher's short summary of it, kept in the project
(``FrameworkSummaries``: each edit one undoable action). Moderators are left out unless asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from mpu_qual.analysis.facts import NOT_SET, Facts, PassageFilter
from mpu_qual.errors import MpuQualError
from mpu_qual.store import Project
from mpu_qual.store.analysis_reads import AnalysisReads, FrameworkSummaries
from mpu_qual.store.records import Code

BY = ("participant", "group")


@dataclass(frozen=True)
class Quote:
    """One coded passage in a cell: its text, where it is, and the codings on it."""

    text: str
    source: str
    start: int
    start_ms: int | None
    coding_ids: tuple[int, ...]
    code_ids: tuple[str, ...]


@dataclass
class FrameworkCell:
    quotes: list[Quote] = field(default_factory=list)
    summary: str = ""

    @property
    def coding_ids(self) -> list[int]:
        return sorted(i for q in self.quotes for i in q.coding_ids)


@dataclass(frozen=True)
class FrameworkRow:
    key: str  # participant label or group id
    label_en: str
    label_zh: str
    group: str  # the participant's group id (the group itself for a group row)


@dataclass
class Framework:
    by: str
    rows: list[FrameworkRow]
    themes: list[Code]
    cells: list[list[FrameworkCell]]
    filter_text: str

    def cell(self, row_key: str, theme_id: str) -> FrameworkCell:
        r = [x.key for x in self.rows].index(row_key)
        t = [x.id for x in self.themes].index(theme_id)
        return self.cells[r][t]


def framework_matrix(
    project: Project,
    *,
    by: str = "participant",
    themes: Sequence[str] | None = None,
    where: PassageFilter | None = None,
    moderators: bool = False,
    facts: Facts | None = None,
) -> Framework:
    """Rows: participants (by label) or groups (codebook order); columns: ``themes`` (default
    the codebook's themes); cells: the coded passages and the summary kept for the cell."""
    if by not in BY:
        raise MpuQualError(
            f"unknown framework rows '{by}'", field="by", hint="Use participant or group."
        )
    facts = facts or Facts.load(project)
    theme_list = (
        [facts.code(t) for t in themes] if themes else [c for c in facts.codes if c.depth == 0]
    )
    keep = (where or PassageFilter()).keep(facts)
    people = facts.participants

    def row_key(pid: int | None) -> str | None:
        if pid is None or (not moderators and not facts.is_stakeholder(pid)):
            return None
        return people[pid].label if by == "participant" else facts.group_of(pid)

    # rows: every participant / group that speaks (so an empty cell shows who said nothing)
    if by == "participant":
        rows = [
            FrameworkRow(p.label, p.label, p.label, p.group_id or NOT_SET)
            for p in sorted(people.values(), key=lambda p: p.label)
            if moderators or facts.is_stakeholder(p.id)
        ]
    else:
        used = {facts.group_of(p.id) for p in people.values() if row_key(p.id) is not None}
        rows = [FrameworkRow(g, en, zh, g) for g, en, zh in facts.groups if g in used]
        rows += [FrameworkRow(g, g, g, g) for g in sorted(used - {r.key for r in rows})]
    pos = {r.key: i for i, r in enumerate(rows)}
    wanted = [facts.descendants(t.id) for t in theme_list]
    picked: list[list[list[int]]] = [[[] for _ in theme_list] for _ in rows]
    for t, theme in enumerate(theme_list):
        for i in facts.by_code.get(theme.id, ()):
            key = row_key(facts.passages[i].participant_id)
            if keep[i] and key is not None and key in pos:
                picked[pos[key]][t].append(i)
    ids = {cid for line in picked for cell in line for i in cell for cid, _ in facts.codings[i]}
    full = {c.id: c for c in AnalysisReads(project).codings(ids)}
    summaries = cell_summaries(project, facts, by)
    cells: list[list[FrameworkCell]] = []
    for r, line in enumerate(picked):
        out_line = []
        for t, idx in enumerate(line):
            quotes = []
            for i in sorted(
                idx,
                key=lambda i: (
                    facts.sources[facts.passages[i].source_id].name,
                    facts.passages[i].start,
                ),
            ):
                mine = [(cid, code) for cid, code in facts.codings[i] if code in wanted[t]]
                first = full[mine[0][0]]
                quotes.append(
                    Quote(
                        first.quote,
                        first.source_name,
                        first.start,
                        first.start_ms,
                        tuple(cid for cid, _ in mine),
                        tuple(dict.fromkeys(code for _, code in mine)),
                    )
                )
            text = summaries.get((rows[r].key, theme_list[t].id), "")
            out_line.append(FrameworkCell(quotes, text))
        cells.append(out_line)
    return Framework(by, rows, theme_list, cells, (where or PassageFilter()).describe())


def cell_summaries(project: Project, facts: Facts, by: str) -> dict[tuple[str, str], str]:
    """Each cell's summary text by (participant label or group id, code id); a cell with summaries by more than one author (a merged
    colleague's beside ours) says who wrote each."""
    out: dict[tuple[str, str], list[tuple[str | None, str]]] = {}
    for s in FrameworkSummaries(project).list():
        if by == "participant" and s.participant_id is not None:
            p = facts.participants.get(s.participant_id)
            key = p.label if p else None
        elif by == "group" and s.group_id is not None:
            key = s.group_id
        else:
            key = None
        if key is not None:
            out.setdefault((key, s.code_id), []).append((s.author, s.summary))
    return {k: _joined(v) for k, v in out.items()}


def _joined(texts: list[tuple[str | None, str]]) -> str:
    if len({author for author, _ in texts}) < 2:
        return "\n\n".join(text for _, text in texts)
    return "\n\n".join(f"{author or '(unknown)'}: {text}" for author, text in texts)


def set_summary(project: Project, by: str, row_key: str, theme_id: str, text: str) -> str:
    """Write one cell's summary (empty text clears it); one undoable action."""
    store = FrameworkSummaries(project)
    if by == "participant":
        return store.set(theme_id, text, participant=row_key)
    if by == "group":
        return store.set(theme_id, text, group=row_key)
    raise MpuQualError(
        f"unknown framework rows '{by}'", field="by", hint="Use participant or group."
    )
