"""Theme summaries: per theme, the numbers, the most representative quotes and the evidence.

For each theme in codebook order the summary gives a table of its codes (coded passages,
participants, stakeholder groups that raised it), the N most representative quotes, a chart
of passages by stakeholder group and the job-ad figures linked to its codes. Codes that say
whom they address (``addresses:`` in the codebook, e.g. the recommendations) are grouped by
that audience, as the report groups its recommendations by stakeholder.

Every figure and quote carries the coding ids it comes from (``[#12]``).

Representative quotes, the rule (deterministic; ``REPRESENTATIVE_RULE`` is printed in the
summary): candidates are the distinct coded passages of the theme (or audience); passages
spoken by participants come before the moderator's. A *branch* is a code directly under the
theme (or audience) with its sub-codes. Quotes are picked one at a time, each time taking the
passage that adds the most, compared in this order: (1) a branch not yet quoted, the branch
with more coded passages first (so the first quotes show what was raised most); (2) codes not
yet quoted; (3) a participant not yet quoted; (4) a stakeholder group not yet quoted. Ties go
to the passage coded with more codes of the section, then to the length closest to 200
characters, then to transcript order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from mpu_qual.analysis.facts import Facts
from mpu_qual.analysis.framework import Framework
from mpu_qual.codebook import Group
from mpu_qual.errors import MpuQualError
from mpu_qual.export.agreement_render import agreement_for
from mpu_qual.export.quote_rows import QuoteRow, coding_rows
from mpu_qual.export.stats import (
    NON_PARTICIPANT_GROUPS,
    Frequencies,
    frequencies,
    tally,
)
from mpu_qual.export.summary_analysis import Cooccurring, summary_framework, theme_cooccurrence
from mpu_qual.export.summary_evidence import EvidenceItem, evidence_for
from mpu_qual.pseudonymise import Pseudonymiser
from mpu_qual.store import Project
from mpu_qual.store.records import Code, Coding
from mpu_qual.team.reliability import AgreementReport

MAX_QUOTES = 50
IDEAL_QUOTE_CHARS = 200
REPRESENTATIVE_RULE = (
    "Quotes are chosen one at a time from the theme's distinct coded passages (participants "
    "before the moderator), each time taking the passage that adds the most: first a branch "
    "(a code directly under the theme or audience, with its sub-codes) not yet quoted, the "
    "branch with more coded passages first; then codes not yet quoted; then a participant not "
    "yet quoted; then a stakeholder group not yet quoted. Ties go to passages coded with more "
    f"of the section's codes, then to a length closer to {IDEAL_QUOTE_CHARS} characters, then "
    "to transcript order."
)


@dataclass
class CodeLine:
    """One row of a theme's table; counts include sub-codes."""

    code_id: str
    label_en: str
    label_zh: str
    depth: int
    passages: int
    participants: int
    groups: list[tuple[str, str]]  # (en, zh) in codebook order
    coding_ids: list[int]


@dataclass
class Quote:
    coding_ids: list[int]
    code_ids: list[str]
    text: str
    participant: str
    group_en: str
    group_zh: str
    source: str
    time_range: str


@dataclass
class Section:
    """A theme, or one audience of a theme whose codes address audiences."""

    audience_id: str | None
    heading_en: str
    heading_zh: str
    lines: list[CodeLine]
    not_raised: list[tuple[str, str, str]]  # (code id, en, zh) of codes with no passages
    quotes: list[Quote]
    evidence: list[EvidenceItem]


@dataclass
class ThemeSummary:
    theme_id: str
    label_en: str
    label_zh: str
    total: CodeLine
    sections: list[Section]
    chart: Frequencies
    by_audience: bool
    prose: str | None = None
    prose_by: str | None = None
    cooccurring: list[Cooccurring] = field(default_factory=list)  # codes of other themes


@dataclass
class Summary:
    title: str
    title_zh: str
    overview: list[str]
    themes: list[ThemeSummary]
    quotes_per_section: int
    pseudonymised: bool
    rule: str = REPRESENTATIVE_RULE
    notes: list[str] = field(default_factory=list)
    agreement: AgreementReport | None = None  # with two or more coders: the methods section
    framework: Framework | None = None  # participants x themes, when asked


ProseWriter = Callable[[ThemeSummary], str]
"""An optional writer of a prose paragraph per theme (e.g. a language model the user set up).

It receives only the already pseudonymised summary of one theme and returns Markdown-free
text; the summary prints it as a draft to be checked against the quotes. Nothing calls one
unless the user passes it (``--prose-writer module:function``).
"""


def build_summary(
    project: Project,
    *,
    theme: str | None = None,
    quotes: int = 3,
    pseudo: Pseudonymiser | None = None,
    prose: ProseWriter | None = None,
    agreement_unit: str = "segment",
    framework: bool = False,
) -> Summary:
    """Collect everything the summary prints; renderers only format it. Read from one
    committed state, while other windows may be writing. ``framework`` adds the framework
    matrix (participants x themes)."""
    with project.snapshot():
        s = _build_summary(
            project,
            theme=theme,
            quotes=quotes,
            pseudo=pseudo,
            prose=prose,
            agreement_unit=agreement_unit,
        )
        facts = Facts.load(project)
        for ts in s.themes:
            ts.cooccurring = theme_cooccurrence(facts, ts.theme_id, pseudo)
        if framework:
            s.framework = summary_framework(project, pseudo)
        return s


def _build_summary(
    project: Project,
    *,
    theme: str | None,
    quotes: int,
    pseudo: Pseudonymiser | None,
    prose: ProseWriter | None,
    agreement_unit: str,
) -> Summary:
    if not 0 <= quotes <= MAX_QUOTES:
        raise MpuQualError(f"--quotes must be between 0 and {MAX_QUOTES}", field="quotes")
    codes = project.codes.list()
    if theme is not None:
        code = project.codes.get(theme)
        if code.parent_id is not None:
            raise MpuQualError(
                f"'{theme}' is a code, not a theme",
                field="theme",
                hint=f"Use its theme: --theme {project.codes.path(theme)[0].id}.",
            )
    themes = [c for c in codes if c.parent_id is None and (theme is None or c.id == theme)]
    codings = project.codings.list()
    rows = {r.coding_id: r for r in coding_rows(project, codings, pseudo)}
    cb = project.codebook.load()
    group_order = {g.id: i for i, g in enumerate(cb.groups)}
    group_names = {g.id: (g.en, g.zh) for g in cb.groups}
    audiences = cb.audiences
    tallies = tally(codes, codings)
    p = pseudo.apply if pseudo else (lambda s: s)

    def line(code: Code) -> CodeLine:
        t = tallies[code.id]
        groups = sorted(t.groups, key=lambda g: (group_order.get(g, 999), g))
        return CodeLine(
            code.id,
            p(code.label_en),
            p(code.label_zh),
            code.depth,
            t.n_passages,
            len(t.participants),
            [group_names.get(g, (g, g)) for g in groups],
            t.coding_ids,
        )

    out_themes = []
    for th in themes:
        desc_ids = project.codes.descendant_ids(th.id)
        members = [c for c in codes if c.id in set(desc_ids) and c.id != th.id]
        th_codings = [c for c in codings if c.code_id in set(desc_ids)]
        by_audience = any(c.addresses for c in members)
        groups_of_sections: list[tuple[str | None, str, str, list[Code]]] = []
        if by_audience:
            for aud in audiences:
                mine = [c for c in members if c.addresses == aud.id]
                if mine:
                    groups_of_sections.append((aud.id, f"For {aud.en}", f"致{aud.zh}", mine))
            rest = [c for c in members if not c.addresses]
            own = [th] if any(c.code_id == th.id for c in th_codings) else []
            if rest or own:
                groups_of_sections.append(
                    (None, "Not addressed to one stakeholder", "其他", own + rest)
                )
        else:
            groups_of_sections.append((None, p(th.label_en), p(th.label_zh), [th, *members]))
        sections = []
        for aud_id, head_en, head_zh, sec_codes in groups_of_sections:
            sec_ids = {c.id for c in sec_codes}
            sec_codings = [c for c in th_codings if c.code_id in sec_ids]
            lines = [line(c) for c in sec_codes if tallies[c.id].n_passages and c.id != th.id]
            if not lines and th in sec_codes and tallies[th.id].n_passages:
                lines = [line(th)]  # a theme without sub-codes, coded directly
            # Only the top-most silent codes: a silent parent stands for its sub-codes.
            not_raised = [
                (c.id, p(c.label_en), p(c.label_zh))
                for c in sec_codes
                if not tallies[c.id].n_passages
                and c.id != th.id
                and (c.parent_id not in sec_ids or tallies[c.parent_id].n_passages)
            ]
            picked = pick_representative(
                sec_codings, rows, quotes, branches(sec_codes, {c.id: c for c in codes})
            )
            evidence = evidence_for(project, [c.id for c in sec_codes], [c.id for c in sec_codings])
            if pseudo:
                evidence = [_pseudo_evidence(e, pseudo) for e in evidence]
            sections.append(Section(aud_id, head_en, head_zh, lines, not_raised, picked, evidence))
        chart = frequencies(
            project, codings, code_ids=[c.id for c in codes if c.parent_id == th.id]
        )
        for r in chart.rows:
            r.label_en, r.label_zh = p(r.label_en), p(r.label_zh)
        ts = ThemeSummary(
            th.id, p(th.label_en), p(th.label_zh), line(th), sections, chart, by_audience
        )
        if prose is not None:
            ts.prose = prose(ts)
            ts.prose_by = getattr(prose, "__qualname__", type(prose).__name__)
        out_themes.append(ts)
    return Summary(
        title=p(cb.name or "Theme summary"),
        title_zh=p(cb.name_zh or ""),
        overview=[p(x) for x in _overview(project, codings, cb.groups)],
        themes=out_themes,
        quotes_per_section=quotes,
        pseudonymised=pseudo is not None,
        agreement=agreement_for(project, agreement_unit, pseudo),
    )


def _pseudo_evidence(e: EvidenceItem, pseudo: Pseudonymiser) -> EvidenceItem:

    return replace(e, query=pseudo.apply(e.query), note=pseudo.apply(e.note) if e.note else e.note)


def _overview(project: Project, codings: Sequence[Coding], groups: list[Group]) -> list[str]:
    sources = project.sources.list()
    people = [p for p in project.participants.list() if p.group_id not in NON_PARTICIPANT_GROUPS]
    by_group = []
    for g in groups:
        n = sum(1 for p in people if p.group_id == g.id)
        if n:
            by_group.append(f"{g.en} {g.zh} {n}")
    unknown = sum(1 for p in people if p.group_id is None)
    if unknown:
        by_group.append(f"without a group {unknown}")
    names = "; ".join(
        s.name + (f", {s.metadata['date']}" if s.metadata.get("date") else "") for s in sources
    )
    passages = {(c.source_id, c.start, c.end) for c in codings}
    return [
        f"Transcripts: {len(sources)} ({names})" if sources else "Transcripts: none",
        f"Participants: {len(people)}" + (f" ({', '.join(by_group)})" if by_group else ""),
        f"Coded passages: {len(passages)} ({len(codings)} codings)",
    ]


def branches(section_codes: Sequence[Code], by_id: dict[str, Code]) -> dict[str, str]:
    """Each code's branch: its ancestor just below the section's root (a root is its own)."""
    ids = {c.id for c in section_codes}
    out: dict[str, str] = {}
    for c in section_codes:
        cur = c
        while cur.parent_id in ids and by_id[cur.parent_id].parent_id in ids:
            cur = by_id[cur.parent_id]
        out[c.id] = cur.id
    return out


# (passage key, its codings, the first coding's row, speaker group, spoken by a participant)
_Candidate = tuple[tuple[int, int, int], list[Coding], QuoteRow, str, bool]


def pick_representative(
    codings: Sequence[Coding],
    rows: dict[int, QuoteRow],
    n: int,
    branch_of: dict[str, str] | None = None,
) -> list[Quote]:
    """The ``n`` most representative passages by the rule in the module docstring."""
    branch_of = branch_of or {}
    passages: dict[tuple[int, int, int], list[Coding]] = {}
    size: dict[str, set[tuple[int, int, int]]] = {}
    for c in codings:
        key = (c.source_id, c.start, c.end)
        passages.setdefault(key, []).append(c)
        size.setdefault(branch_of.get(c.code_id, c.code_id), set()).add(key)
    cands = []
    for key, cs in passages.items():
        first = rows[cs[0].id]
        group = cs[0].group or ""
        speaker_ok = bool(cs[0].participant_label) and group not in NON_PARTICIPANT_GROUPS
        cands.append((key, cs, first, group, speaker_ok))
    pool = [c for c in cands if c[4]] or cands
    # Moderator passages only when participants' passages run out.
    rest = [c for c in cands if not c[4]] if pool is not cands else []
    picked: list[Quote] = []
    covered: set[str] = set()
    quoted_branches: set[str] = set()
    speakers: set[str] = set()
    groups: set[str] = set()
    for bucket in (pool, rest):
        bucket = sorted(bucket, key=lambda c: (c[2].source, c[0][1], c[0][2]))
        while bucket and len(picked) < n:

            def score(c: _Candidate) -> tuple[int, ...]:
                key, cs, row, group, _ok = c
                codes = {x.code_id for x in cs}
                fresh = {branch_of.get(x, x) for x in codes} - quoted_branches
                return (
                    max((len(size[b]) for b in fresh), default=0),
                    len(codes - covered),
                    int(bool(row.participant) and row.participant not in speakers),
                    int(bool(group) and group not in groups),
                    len(codes),
                    -abs(len(row.quote) - IDEAL_QUOTE_CHARS),
                )

            best = max(bucket, key=score)  # max keeps the first of equals: transcript order
            bucket.remove(best)
            key, cs, row, group, _ok = best
            covered.update(x.code_id for x in cs)
            quoted_branches.update(branch_of.get(x.code_id, x.code_id) for x in cs)
            if row.participant:
                speakers.add(row.participant)
            if group:
                groups.add(group)
            picked.append(
                Quote(
                    coding_ids=sorted(x.id for x in cs),
                    code_ids=sorted({x.code_id for x in cs}),
                    text=row.quote,
                    participant=row.participant,
                    group_en=row.group_en,
                    group_zh=row.group_zh,
                    source=row.source,
                    time_range=row.time_range,
                )
            )
    return picked
