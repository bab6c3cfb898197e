"""Matrices and co-occurrence equal a brute-force count from the codings, on generated projects.

Hypothesis builds small real projects (SQLite, transcripts through ``sources.add``, codings
through ``codings.add_many``, participants with groups and attributes); the brute force reads
the codings with ``codings.list()`` and the segments with ``sources.segments()`` and checks
every pair of passages, with the definitions written out again here.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mpu_qual.analysis.cooccur import cooccurrence
from mpu_qual.analysis.expr import parse
from mpu_qual.analysis.facts import NON_PARTICIPANT_GROUPS, Facts, PassageFilter
from mpu_qual.analysis.matrix import code_matrix
from mpu_qual.store import Project
from mpu_qual.transcript_files.parsed import ParsedSegment, ParsedTranscript

CODEBOOK = """\
version: 1
name: Generated
stakeholder_groups:
  - {id: industry_leader, en: Industry leader, zh: 業界領袖, match: '^IL\\d*$'}
  - {id: training_expert, en: Training expert, zh: 培訓專家, match: '^TE\\d*$'}
  - {id: moderator, en: Moderator, zh: 主持人, match: '^Moderator$'}
codes:
  - id: talent
    en: Talent
    zh: 人才
    codes:
      - {id: talent.shortage, en: Shortage, zh: 短缺}
      - {id: talent.ageing, en: Ageing, zh: 老化}
  - id: skills
    en: Skills
    zh: 技能
    codes:
      - {id: skills.plc, en: PLC, zh: 可編程控制器}
  - id: rec
    en: Recommendations
    zh: 建議
"""
CODES = ["talent", "talent.shortage", "talent.ageing", "skills", "skills.plc", "rec"]
SPEAKERS = ["Moderator", "IL1", "IL2", "TE1", None]
WORDS = ["automation", "人才短缺", "PLC", "培訓", "ageing", "老師傅", "we need"]

segment_st = st.tuples(
    st.sampled_from(SPEAKERS), st.lists(st.sampled_from(WORDS), min_size=1, max_size=4)
)
transcript_st = st.lists(segment_st, min_size=1, max_size=6)
coding_st = st.tuples(
    st.integers(0, 2),  # transcript
    st.floats(0, 1),  # start (fraction of the text)
    st.floats(0, 1),  # length (fraction of what is left)
    st.lists(st.sampled_from(CODES), min_size=1, max_size=2, unique=True),
)
project_st = st.tuples(
    st.lists(transcript_st, min_size=1, max_size=3),
    st.lists(coding_st, min_size=0, max_size=14),
    st.lists(st.sampled_from(["製造", "retail", None]), min_size=3, max_size=3),
)


def build(folder: Path, spec) -> Project:
    transcripts, codings, sectors = spec
    folder.mkdir(parents=True)
    (folder / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    p = Project.init(folder, import_transcripts=False)
    sources = []
    for n, segs in enumerate(transcripts):
        parsed = ParsedTranscript(
            segments=[ParsedSegment(text=" ".join(words), speaker=spk) for spk, words in segs],
            metadata={"site": "Kwun Tong" if n % 2 else "沙田"},
        )
        sources.append(p.sources.add(f"fg-{n}", parsed))
    for label, sector in zip(["IL1", "IL2", "TE1"], sectors, strict=True):
        if sector is not None:
            p.participants.set(label, attrs={"sector": sector})
    for t, a, b, codes in codings:
        src = sources[t % len(sources)]
        start = min(int(a * src.length), src.length - 1)
        end = start + 1 + int(b * (src.length - start - 1))
        p.codings.add_many(src, start, end, codes)
    return p


@pytest.fixture(scope="module")
def workdir():
    d = Path(tempfile.mkdtemp(prefix="mpu-analysis-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


class World:
    """The brute force's view: every coding as the store's own codings.list() gives it."""

    def __init__(self, p: Project) -> None:
        self.codes = {c.id: c for c in p.codes.list()}
        self.codings = p.codings.list()
        self.people = {x.label: x for x in p.participants.list()}
        self.segs = {s.id: p.sources.segments(s) for s in p.sources.list()}
        self.source_meta = {s.id: s.metadata for s in p.sources.list()}
        self.source_name = {s.id: s.name for s in p.sources.list()}
        self.by_pid = {x.id: x for x in p.participants.list()}

    def talk(self, dim: str) -> dict[str, int]:
        """Characters spoken per column: every segment's length, by its speaker."""
        out: dict[str, int] = {}
        for sid, segs in self.segs.items():
            for g in segs:
                person = self.by_pid.get(g.participant_id)
                key = {
                    "group": (person.group_id or "") if person else "",
                    "participant": person.label if person else "",
                    "transcript": self.source_name[sid],
                }[dim]
                out[key] = out.get(key, 0) + g.end - g.start
        return out

    def desc(self, code: str) -> set[str]:
        out = {code}
        changed = True
        while changed:
            more = {c.id for c in self.codes.values() if c.parent_id in out} - out
            changed = bool(more)
            out |= more
        return out

    def spans(self, code: str, keep=lambda c: True) -> set[tuple[int, int, int]]:
        d = self.desc(code)
        return {(c.source_id, c.start, c.end) for c in self.codings if c.code_id in d and keep(c)}

    def all_spans(self, keep=lambda c: True) -> set[tuple[int, int, int]]:
        return {(c.source_id, c.start, c.end) for c in self.codings if keep(c)}

    def seg_index(self, sid: int, pos: int) -> int:
        best = -1
        for g in self.segs[sid]:
            if g.start <= pos:
                best = g.idx
        return best

    def meet(self, p, q, mode: str, near: int) -> bool:
        if p[0] != q[0]:
            return False
        if mode == "passage":
            return p == q
        if mode == "overlap":
            return p[1] < q[2] and q[1] < p[2]
        pf, pl = self.seg_index(p[0], p[1]), self.seg_index(p[0], p[2] - 1)
        qf, ql = self.seg_index(q[0], q[1]), self.seg_index(q[0], q[2] - 1)
        return max(pf, qf) - min(pl, ql) <= near

    def column(self, c, dim: str) -> str:
        if dim == "group":
            return c.group or ""
        if dim == "participant":
            return c.participant_label or ""
        if dim == "transcript":
            return c.source_name
        if dim == "attr:sector":
            person = self.people.get(c.participant_label or "")
            return str(person.attributes.get("sector", "")) if person else ""
        return str(self.source_meta[c.source_id].get("site", ""))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=project_st, n=st.integers(0, 10_000))
def test_matrix_and_cooccurrence_equal_brute_force(workdir: Path, spec, n: int) -> None:
    folder = workdir / f"p{n}-{len(list(workdir.iterdir()))}"
    p = build(folder, spec)
    try:
        w = World(p)
        facts = Facts.load(p)
        assert len(facts.passages) == len(w.all_spans())
        # ---- matrix: every dimension, every measure
        rows = [*CODES, "talent & !talent.ageing", "skills | talent.shortage", "!rec"]
        for dim in ("group", "participant", "transcript", "attr:sector", "tattr:site"):
            m = code_matrix(facts, rows, cols=dim)
            keys = [c.key for c in m.cols]
            universe = w.all_spans()
            for r, row in enumerate(rows):
                node = parse(row)
                sets = {cid: w.spans(cid) for cid in node.codes()}
                spans = node.evaluate(sets, universe)  # set algebra on the brute-force sets
                expected: dict[str, set] = {}
                speakers: dict[str, set] = {}
                for c in w.codings:
                    span = (c.source_id, c.start, c.end)
                    if span in spans:
                        col = w.column(c, dim)
                        expected.setdefault(col, set()).add(span)
                        if c.participant_label and (c.group or "") not in NON_PARTICIPANT_GROUPS:
                            speakers.setdefault(col, set()).add(c.participant_label)
                got = {keys[j]: v for j, v in enumerate(m.cells[r]) if v}
                assert got == {k: len(v) for k, v in expected.items() if v}, (dim, row)
                parts = m.with_measure("participants").cells[r]
                assert {keys[j]: v for j, v in enumerate(parts) if v} == {
                    k: len(v) for k, v in speakers.items() if v
                }
                if dim in ("group", "participant", "transcript"):
                    talk = w.talk(dim)
                    share = m.with_measure("share").cells[r]
                    for j, key in enumerate(keys):
                        chars = {
                            (x[0], k) for x in expected.get(key, ()) for k in range(x[1], x[2])
                        }
                        want = len(chars) / talk[key] if talk.get(key) else 0.0
                        assert share[j] == pytest.approx(want), (dim, row, key)
                # the codings behind a cell are codings on the cell's spans
                for j, key in enumerate(keys):
                    ids = m.cell_codings(r, j)
                    assert {
                        (c.source_id, c.start, c.end) for c in w.codings if c.id in ids
                    } == expected.get(key, set())
        # ---- co-occurrence, every mode, with and without a filter
        groups = {"industry_leader", "training_expert"}
        for mode, near in (("passage", 0), ("overlap", 0), ("near", 0), ("near", 2)):
            for where in ([], ["group=industry_leader,training_expert"]):

                def keep(c, where=where, groups=groups) -> bool:
                    return not where or (c.group or "") in groups

                co = cooccurrence(
                    facts, CODES, mode=mode, near=near, where=PassageFilter.parse(where)
                )
                sets = {cid: w.spans(cid, keep) for cid in CODES}
                for (i, a), (j, b) in itertools.product(enumerate(CODES), repeat=2):
                    if i == j:
                        assert co.counts[i][i] == len(sets[a])
                        continue
                    pairs = sum(1 for x in sets[a] for y in sets[b] if w.meet(x, y, mode, near))
                    assert co.counts[i][j] == pairs, (mode, near, a, b)
                    denom = len(sets[a]) + len(sets[b]) - pairs
                    assert co.c[i][j] == (pairs / denom if denom > 0 else None)
                    met = {x for x in sets[a] if any(w.meet(x, y, mode, near) for y in sets[b])}
                    met |= {y for y in sets[b] if any(w.meet(x, y, mode, near) for x in sets[a])}
                    union = sets[a] | sets[b]
                    assert co.jaccard[i][j] == (len(met) / len(union) if union else None)
                    if mode == "passage":
                        inter = sets[a] & sets[b]
                        assert co.jaccard[i][j] == (len(inter) / len(union) if union else None)
                assert co.counts == [list(r) for r in zip(*co.counts, strict=True)]  # symmetric
    finally:
        p.close()
