"""Code co-occurrence: which codes are applied together, and how strongly.

Let ``A`` be the passages of code a (with its sub-codes). Two passages p, q *meet* when

- ``passage``: they are the same span;
- ``overlap``: they overlap in one transcript (``p.start < q.end`` and ``q.start < p.end``);
- ``near``: they lie within ``n`` segments of each other in one transcript: the index of the
  segment where the later one starts minus that of the segment where the earlier one ends is
  at most ``n`` (``n = 0``: they share a segment; ``n = 1``: or they are in neighbouring
  segments).

For two codes a != b:

- ``count[a][b]`` = number of pairs (p in A, q in B) that meet (ATLAS.ti counts co-occurring
  quotations the same way); the diagonal ``count[a][a]`` is |A|, the code's passages;
- ``c[a][b]`` = count / (|A| + |B| - count): ATLAS.ti's c-coefficient (0: never together,
  1: always together). With ``overlap`` and ``near`` one long passage can meet several, so c
  can exceed 1 (ATLAS.ti flags this as out of range); None when the denominator is 0 or less;
- ``jaccard[a][b]`` = |passages of A or B that meet a passage of the other code| / |A ∪ B|,
  always between 0 and 1 (with ``passage`` it is |A ∩ B| / |A ∪ B|).

Every pair keeps the passages that meet, so the passages behind a count can be opened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mpu_qual.analysis.facts import Facts, PassageFilter
from mpu_qual.errors import MpuQualError

MODES = ("passage", "overlap", "near")


@dataclass
class Cooccurrence:
    facts: Facts
    codes: list[str]
    mode: str
    near: int
    filter_text: str
    counts: list[list[int]]
    jaccard: list[list[float | None]]
    c: list[list[float | None]]
    met: dict[tuple[int, int], set[int]]  # (i, j) with i < j: passages of either that meet

    def pair_codings(self, i: int, j: int) -> list[int]:
        """Coding ids of codes i and j (with sub-codes) on the passages where they meet."""
        if i == j:
            idx = set(self.facts.by_code.get(self.codes[i], ()))
            wanted = self.facts.descendants(self.codes[i])
        else:
            idx = self.met.get((min(i, j), max(i, j)), set())
            wanted = self.facts.descendants(self.codes[i]) | self.facts.descendants(self.codes[j])
        return sorted(cid for p in idx for cid, code in self.facts.codings[p] if code in wanted)

    def partners(self, code_id: str) -> list[tuple[str, int, float | None]]:
        """Codes that meet ``code_id``, most often first: (code id, count, c)."""
        i = self.codes.index(code_id)
        out = [
            (self.codes[j], self.counts[i][j], self.c[i][j])
            for j in range(len(self.codes))
            if j != i and self.counts[i][j]
        ]
        return sorted(out, key=lambda t: (-t[1], t[0]))


def cooccurrence(
    facts: Facts,
    codes: Sequence[str] | None = None,
    *,
    mode: str = "overlap",
    near: int = 0,
    where: PassageFilter | None = None,
) -> Cooccurrence:
    """Co-occurrence of ``codes`` (default: every code with a passage) among the passages
    ``where`` keeps."""
    if mode not in MODES:
        raise MpuQualError(
            f"unknown co-occurrence mode '{mode}'",
            field="mode",
            hint=f"Use one of: {', '.join(MODES)}.",
        )
    if near < 0:
        raise MpuQualError("--near must be 0 or more segments", field="near")
    code_list = list(codes) if codes is not None else facts.select_codes(used_only=True)
    for cid in code_list:
        facts.code(cid)
    keep = (where or PassageFilter()).keep(facts)
    pos = {cid: k for k, cid in enumerate(code_list)}
    # the selected codes each passage counts for (a code's passages include its sub-codes')
    member: dict[int, list[int]] = {}
    sizes = [0] * len(code_list)
    for cid, k in pos.items():
        for i in facts.by_code.get(cid, ()):
            if keep[i]:
                member.setdefault(i, []).append(k)
                sizes[k] += 1
    n = len(code_list)
    counts = [[0] * n for _ in range(n)]
    met: dict[tuple[int, int], set[int]] = {}

    def add(p: int, q: int) -> None:
        for a in member[p]:
            for b in member[q]:
                if a != b:
                    counts[a][b] += 1
                    if p != q:  # (q in B, p in A) is the same pair seen from b
                        counts[b][a] += 1
                    lo, hi = (a, b) if a < b else (b, a)
                    pair = met.setdefault((lo, hi), set())
                    pair.add(p)
                    pair.add(q)

    for p in member:  # the same passage
        add(p, p)
    same = [row[:] for row in counts]  # |A ∩ B|: passages coded with both
    if mode != "passage":
        by_source: dict[int, list[int]] = {}
        for p in member:
            by_source.setdefault(facts.passages[p].source_id, []).append(p)
        for plist in by_source.values():
            _sweep(facts, plist, mode, near, add)
    for k in range(n):
        counts[k][k] = sizes[k]
    jac: list[list[float | None]] = [[None] * n for _ in range(n)]
    cc: list[list[float | None]] = [[None] * n for _ in range(n)]
    for a in range(n):
        for b in range(n):
            if a == b:
                jac[a][b] = cc[a][b] = 1.0 if sizes[a] else None
                continue
            denom = sizes[a] + sizes[b] - counts[a][b]
            cc[a][b] = counts[a][b] / denom if denom > 0 else None
            union = sizes[a] + sizes[b] - same[a][b]
            joint = len(met.get((min(a, b), max(a, b)), ()))
            jac[a][b] = joint / union if union else None
    return Cooccurrence(
        facts,
        code_list,
        mode,
        near,
        (where or PassageFilter()).describe(),
        counts,
        jac,
        cc,
        met,
    )


def _sweep(facts: Facts, plist: list[int], mode: str, near: int, add) -> None:
    """Call ``add(p, q)`` once for every unordered pair of distinct passages that meet."""
    ps = facts.passages
    if mode == "overlap":
        plist.sort(key=lambda i: (ps[i].start, ps[i].end))
        for x, p in enumerate(plist):
            end = ps[p].end
            for y in range(x + 1, len(plist)):
                q = plist[y]
                if ps[q].start >= end:
                    break
                add(p, q)
        return
    plist.sort(key=lambda i: (ps[i].seg_first, ps[i].seg_last, ps[i].start))
    for x, p in enumerate(plist):
        reach = ps[p].seg_last + near
        for y in range(x + 1, len(plist)):
            q = plist[y]
            if ps[q].seg_first > reach:
                break
            add(p, q)
