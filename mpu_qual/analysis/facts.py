"""The coding of a project as distinct passages, read once, in one snapshot.

``Facts.load(project)`` reads codes, participants, transcript headers, talk per speaker and
every coding (no quote text); ``Dimension`` says which column (group, participant, transcript,
participant attribute, transcript attribute) a passage falls in; ``PassageFilter`` keeps the
passages whose dimensions take given values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from mpu_qual.errors import MpuQualError
from mpu_qual.store import Project
from mpu_qual.store.analysis_reads import AnalysisReads, SourceHeader, Talk
from mpu_qual.store.records import Code, Participant

# The moderator's words can be coded, but they are not a view a stakeholder holds: the
# "participants" measure leaves them out (the same rule as export/stats.py).
NON_PARTICIPANT_GROUPS = frozenset({"moderator", "facilitator", "interviewer"})
NOT_SET = ""  # the column of passages without a group / attribute value / speaker


class Passage(NamedTuple):
    """A distinct coded span, with whoever speaks where it starts."""

    source_id: int
    start: int
    end: int
    participant_id: int | None
    seg_first: int
    seg_last: int


@dataclass
class Facts:
    codes: list[Code]
    participants: dict[int, Participant]
    sources: dict[int, SourceHeader]
    groups: list[tuple[str, str, str]]  # (id, en, zh) in codebook order
    reads: AnalysisReads
    passages: list[Passage]
    direct: list[list[str]]  # codes applied to each passage (a code twice: two coders)
    codings: list[list[tuple[int, str]]]  # (coding id, code id) per passage
    by_code: dict[str, list[int]] = field(default_factory=dict)  # with sub-codes
    _talk: list[Talk] | None = None

    @property
    def talk_read(self) -> bool:
        """Whether ``talk`` has been read (reading it scans every segment)."""
        return self._talk is not None

    @property
    def talk(self) -> list[Talk]:
        """Characters spoken per transcript and speaker: read when a share is first asked for
        (a scan of every segment, which counts of passages do not need)."""
        if self._talk is None:
            self._talk = self.reads.talk()
        return self._talk

    @classmethod
    def load(cls, project: Project) -> Facts:
        reads = AnalysisReads(project)
        with project.snapshot():
            codes = project.codes.list()
            people = {p.id: p for p in project.participants.list()}
            sources = {s.id: s for s in reads.source_headers()}
            facts = reads.coding_fact_rows()  # CodingFact's fields, as tuples
        groups = [(g.id, g.en, g.zh) for g in project.codebook.load().groups]
        passages: list[Passage] = []
        direct: list[list[str]] = []
        codings: list[list[tuple[int, str]]] = []
        prev = None
        for f in facts:  # ordered by transcript, start, end: one span's codings are adjacent
            key = (f[1], f[3], f[4])
            if key != prev:
                prev = key
                passages.append(Passage(f[1], f[3], f[4], f[5], f[6], f[7]))
                direct.append([f[2]])
                codings.append([(f[0], f[2])])
            else:
                direct[-1].append(f[2])
                codings[-1].append((f[0], f[2]))
        out = cls(codes, people, sources, groups, reads, passages, direct, codings)
        out.by_code = out._index_codes()
        return out

    def _index_codes(self) -> dict[str, list[int]]:
        parent = {c.id: c.parent_id for c in self.codes}
        by_code: dict[str, list[int]] = {c.id: [] for c in self.codes}
        up: dict[str, tuple[str, ...]] = {}  # a code and its ancestors
        for cid in by_code:
            chain: list[str] = []
            cur: str | None = cid
            while cur is not None and cur in by_code and cur not in chain:
                chain.append(cur)
                cur = parent.get(cur)
            up[cid] = tuple(chain)
        for i, codes in enumerate(self.direct):
            if len(codes) == 1:
                for a in up.get(next(iter(codes)), ()):
                    by_code[a].append(i)
            else:
                for a in {a for cid in codes for a in up.get(cid, ())}:
                    by_code[a].append(i)
        return by_code

    # ------------------------------------------------------------------ codes
    def code(self, code_id: str) -> Code:
        for c in self.codes:
            if c.id == code_id:
                return c
        raise MpuQualError(
            f"no code '{code_id}'",
            field="code",
            hint="List the codes with 'mpu-qual codebook show'.",
        )

    def descendants(self, code_id: str) -> set[str]:
        kids: dict[str | None, list[str]] = {}
        for c in self.codes:
            kids.setdefault(c.parent_id, []).append(c.id)
        out, todo = set(), [code_id]
        while todo:
            cur = todo.pop()
            out.add(cur)
            todo += kids.get(cur, [])
        return out

    def select_codes(
        self, *, level: int | None = None, under: str | None = None, used_only: bool = False
    ) -> list[str]:
        """Code ids in codebook order: every code, those at ``level`` (0 = themes), or the
        direct sub-codes of ``under``; ``used_only`` drops codes with no passage."""
        if under is not None:
            self.code(under)
        out = [
            c.id
            for c in self.codes
            if (level is None or c.depth == level) and (under is None or c.parent_id == under)
        ]
        return [c for c in out if self.by_code.get(c)] if used_only else out

    def group_of(self, participant_id: int | None) -> str:
        p = self.participants.get(participant_id) if participant_id is not None else None
        return (p.group_id or NOT_SET) if p else NOT_SET

    def is_stakeholder(self, participant_id: int | None) -> bool:
        return participant_id is not None and self.group_of(participant_id) not in (
            NON_PARTICIPANT_GROUPS
        )


@dataclass(frozen=True)
class Column:
    key: str  # group id, participant label, transcript name or attribute value
    label_en: str
    label_zh: str


DIMENSIONS = ("group", "participant", "transcript", "attr:NAME", "tattr:NAME")


class Dimension:
    """What a column means: ``group``, ``participant``, ``transcript``, ``attr:NAME`` (a
    participant attribute) or ``tattr:NAME`` (a transcript attribute)."""

    def __init__(self, spec: str, facts: Facts) -> None:
        self.spec = spec.strip()
        kind, _, name = self.spec.partition(":")
        kind = kind.strip().lower()
        if kind in ("groups", "group"):
            kind = "group"
        elif kind in ("participants", "participant"):
            kind = "participant"
        elif kind in ("transcripts", "transcript", "source", "sources"):
            kind = "transcript"
        elif kind not in ("attr", "tattr") or not name.strip():
            raise MpuQualError(
                f"unknown column kind '{spec}'",
                field="cols",
                hint=f"Use one of: {', '.join(DIMENSIONS)}.",
            )
        self.kind, self.name, self.facts = kind, name.strip(), facts

    def of_participant(self, pid: int | None) -> str:
        p = self.facts.participants.get(pid) if pid is not None else None
        if self.kind == "group":
            return self.facts.group_of(pid)
        if self.kind == "participant":
            return p.label if p else NOT_SET
        value = p.attributes.get(self.name) if p else None
        return NOT_SET if value is None else str(value)

    def of_source(self, sid: int) -> str:
        src = self.facts.sources[sid]
        if self.kind == "transcript":
            return src.name
        value = src.metadata.get(self.name)
        return NOT_SET if value is None else str(value)

    def value(self, p: Passage) -> str:
        if self.kind in ("transcript", "tattr"):
            return self.of_source(p.source_id)
        return self.of_participant(p.participant_id)

    def columns(self, present: Iterable[str]) -> list[Column]:
        """The columns for the values ``present``, in a reader's order."""
        present = set(present)
        out: list[Column] = []
        if self.kind == "group":
            for gid, en, zh in self.facts.groups:
                if gid in present:
                    out.append(Column(gid, en, zh))
            known = {c.key for c in out}
            out += [Column(g, g, g) for g in sorted(present - known - {NOT_SET})]
            if NOT_SET in present:
                out.append(Column(NOT_SET, "No group", "未分組"))
            return out
        out = [Column(v, v, v) for v in sorted(present - {NOT_SET})]
        if NOT_SET in present:
            en, zh = {
                "participant": ("No speaker", "無發言者"),
                "transcript": ("No transcript", "無逐字稿"),
            }.get(self.kind, ("Not set", "未設定"))
            out.append(Column(NOT_SET, en, zh))
        return out

    def talk(self) -> dict[str, int]:
        """Characters spoken per column value (the denominator of the share of talk)."""
        out: dict[str, int] = {}
        for t in self.facts.talk:
            if self.kind in ("transcript", "tattr"):
                key = self.of_source(t.source_id)
            else:
                key = self.of_participant(t.participant_id)
            out[key] = out.get(key, 0) + (t.chars or 0)
        return out


@dataclass
class PassageFilter:
    """Keep passages whose dimensions take one of the given values (all conditions hold)."""

    conditions: list[tuple[str, frozenset[str]]] = field(default_factory=list)

    @classmethod
    def parse(cls, items: Sequence[str]) -> PassageFilter:
        """``group=training_expert``, ``attr:sector=制造,零售``, ``transcript=fg-01``."""
        conds = []
        for item in items:
            dim, sep, values = item.partition("=")
            if not sep or not dim.strip() or not values.strip():
                raise MpuQualError(
                    f"cannot read the filter '{item}'",
                    field="where",
                    hint="Write DIMENSION=VALUE[,VALUE...], e.g. group=training_expert.",
                )
            conds.append((dim.strip(), frozenset(v.strip() for v in values.split(","))))
        return cls(conds)

    def describe(self) -> str:
        return "; ".join(f"{d}={','.join(sorted(v))}" for d, v in self.conditions)

    def keep(self, facts: Facts) -> list[bool]:
        """One flag per passage of ``facts``."""
        flags = [True] * len(facts.passages)
        for dim_spec, values in self.conditions:
            dim = Dimension(dim_spec, facts)
            if dim.kind == "group":
                values = frozenset(_group_ids(facts, values))
            for i, p in enumerate(facts.passages):
                if flags[i] and dim.value(p) not in values:
                    flags[i] = False
        return flags


def _group_ids(facts: Facts, values: Iterable[str]) -> list[str]:
    out = []
    for v in values:
        w = v.casefold()
        hit = [g[0] for g in facts.groups if w in (g[0].casefold(), g[1].casefold(), g[2])]
        out.append(hit[0] if hit else v)
    return out
