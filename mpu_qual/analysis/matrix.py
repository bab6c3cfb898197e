"""Code matrices: rows are codes (or code expressions), columns a dimension of the passages.

``code_matrix(facts, rows, cols, measure)`` is the one query the CLI, the workbench and the
exports use. A cell holds the passages of its row that fall in its column; the measure says
what is counted:

- ``passages``: distinct coded passages;
- ``participants``: distinct speakers of those passages (moderators left out);
- ``share``: the characters of those passages (overlaps counted once) divided by the
  characters the column's speakers say in all (a fraction, 0 to 1).

Every cell keeps its passages: ``Matrix.cell_codings(r, c)`` gives the coding ids behind it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from mpu_qual.analysis import expr
from mpu_qual.analysis.facts import Column, Dimension, Facts, PassageFilter
from mpu_qual.errors import MpuQualError

MEASURES = ("passages", "participants", "share")


@dataclass(frozen=True)
class Row:
    id: str  # code id, or the expression as written
    label_en: str
    label_zh: str
    depth: int
    expression: expr.Node

    @property
    def is_code(self) -> bool:
        return self.expression.op == "code"


@dataclass
class Matrix:
    facts: Facts
    rows: list[Row]
    cols: list[Column]
    dimension: str
    measure: str
    filter_text: str
    passages: list[list[list[int]]]  # passage indexes per cell
    dim: Dimension  # what the columns are; its talk() is read when a share is first asked for
    job_figures: dict[str, list[str]] = field(default_factory=dict)  # per row id
    _talk: dict[str, int] | None = None

    @property
    def talk(self) -> dict[str, int]:
        """Characters spoken per column key (read on first use: a scan of every segment)."""
        if self._talk is None:
            self._talk = self.dim.talk()
        return self._talk

    @property
    def cells(self) -> list[list[float | int]]:
        return [
            [self.value(r, c, self.measure) for c in range(len(self.cols))]
            for r in range(len(self.rows))
        ]

    def value(self, r: int, c: int, measure: str | None = None) -> float | int:
        measure = measure or self.measure
        idx = self.passages[r][c]
        if measure == "passages":
            return len(idx)
        if measure == "participants":
            ps = {self.facts.passages[i].participant_id for i in idx}
            return sum(1 for p in ps if self.facts.is_stakeholder(p))
        talk = self.talk.get(self.cols[c].key, 0)  # every segment is read once, when needed
        return covered_chars(self.facts, idx) / talk if talk else 0.0

    def row_total(self, r: int) -> int:
        """Distinct passages of the row over all columns."""
        return sum(len(cell) for cell in self.passages[r])

    def cell_codings(self, r: int, c: int) -> list[int]:
        """Coding ids behind a cell: codings of the row's codes (with sub-codes) on the
        cell's passages (for an expression, of the codes it names outside a NOT)."""
        wanted: set[str] = set()
        for cid in self.rows[r].expression.positive_codes():
            wanted |= self.facts.descendants(cid)
        out = [
            cid
            for i in self.passages[r][c]
            for cid, code in self.facts.codings[i]
            if not wanted or code in wanted
        ]
        return sorted(out)

    def with_measure(self, measure: str) -> Matrix:
        check_measure(measure)
        return Matrix(
            self.facts,
            self.rows,
            self.cols,
            self.dimension,
            measure,
            self.filter_text,
            self.passages,
            self.dim,
            self.job_figures,
            self._talk,
        )

    def keep_rows(self, nonzero: Sequence[str] = (), zero: Sequence[str] = ()) -> Matrix:
        """Only the rows with a figure in every ``nonzero`` column and none in ``zero``
        ("raised by training experts, not by industry leaders")."""
        pos = {c.key: i for i, c in enumerate(self.cols)}
        for name in (*nonzero, *zero):
            if name not in pos and name not in _col_aliases(self):
                raise MpuQualError(
                    f"no column '{name}' in this matrix",
                    field="cols",
                    hint="Columns: " + ", ".join(c.key or c.label_en for c in self.cols) + ".",
                )
        alias = _col_aliases(self)

        def n(r: int, name: str) -> int:
            c = pos.get(name, alias.get(name))
            return 0 if c is None else len(self.passages[r][c])

        keep = [
            r
            for r in range(len(self.rows))
            if all(n(r, x) > 0 for x in nonzero) and all(n(r, x) == 0 for x in zero)
        ]
        out = self.with_measure(self.measure)
        out.rows = [self.rows[r] for r in keep]
        out.passages = [self.passages[r] for r in keep]
        return out


def _col_aliases(m: Matrix) -> dict[str, int]:
    out: dict[str, int] = {}
    for i, c in enumerate(m.cols):
        out[c.label_en] = i
        out[c.label_zh] = i
        out[c.label_en.casefold()] = i
    return out


def check_measure(measure: str) -> None:
    if measure not in MEASURES:
        raise MpuQualError(
            f"unknown measure '{measure}'",
            field="measure",
            hint=f"Use one of: {', '.join(MEASURES)}.",
        )


def covered_chars(facts: Facts, idx: Sequence[int]) -> int:
    """Characters covered by the passages ``idx`` (overlapping spans counted once)."""
    spans = sorted(
        (facts.passages[i].source_id, facts.passages[i].start, facts.passages[i].end) for i in idx
    )
    total, cur_src, cur_s, cur_e = 0, None, 0, 0
    for sid, s, e in spans:
        if sid != cur_src or s > cur_e:
            total += cur_e - cur_s
            cur_src, cur_s, cur_e = sid, s, e
        else:
            cur_e = max(cur_e, e)
    return total + cur_e - cur_s


def parse_rows(facts: Facts, specs: Sequence[str]) -> list[Row]:
    """Rows from code ids and code expressions (``A & !B``); unknown codes are refused."""
    by_id = {c.id: c for c in facts.codes}
    rows = []
    for spec in specs:
        node = expr.parse(spec)
        for cid in node.codes():
            if cid not in by_id:
                raise MpuQualError(
                    f"no code '{cid}' (in the rows '{spec}')",
                    field="rows",
                    hint="List the codes with 'mpu-qual codebook show'.",
                )
        if node.op == "code":
            c = by_id[node.code or ""]
            rows.append(Row(c.id, c.label_en, c.label_zh, c.depth, node))
        else:
            rows.append(
                Row(spec.strip(), _label(node, by_id, "en"), _label(node, by_id, "zh"), 0, node)
            )
    return rows


def _label(node: expr.Node, by_id: dict, lang: str) -> str:
    if node.op == "code":
        return by_id[node.code].label(lang)
    if node.op == "!":
        return ("not " if lang == "en" else "非") + _label(node.args[0], by_id, lang)
    joint = {"&": (" and ", "及"), "|": (" or ", "或")}[node.op][0 if lang == "en" else 1]
    return "(" + joint.join(_label(a, by_id, lang) for a in node.args) + ")"


def code_matrix(
    facts: Facts,
    rows: Sequence[str] | None = None,
    cols: str = "group",
    measure: str = "passages",
    *,
    where: PassageFilter | None = None,
) -> Matrix:
    """The matrix of ``rows`` (code ids or expressions; default every code) by ``cols``."""
    check_measure(measure)
    dim = Dimension(cols, facts)
    row_list = parse_rows(facts, rows if rows is not None else [c.id for c in facts.codes])
    keep = (where or PassageFilter()).keep(facts)
    universe = {i for i, k in enumerate(keep) if k}
    sets: dict[str, set[int]] = {}
    for r in row_list:
        for cid in r.expression.codes():
            if cid not in sets:
                sets[cid] = {i for i in facts.by_code.get(cid, ()) if keep[i]}
    values = [dim.value(p) for p in facts.passages]
    row_sets = [sorted(r.expression.evaluate(sets, universe)) for r in row_list]
    present = {values[i] for s in row_sets for i in s}
    col_list = dim.columns(present)
    pos = {c.key: j for j, c in enumerate(col_list)}
    cells: list[list[list[int]]] = []
    for s in row_sets:
        line: list[list[int]] = [[] for _ in col_list]
        for i in s:
            line[pos[values[i]]].append(i)
        cells.append(line)
    return Matrix(
        facts,
        row_list,
        col_list,
        dim.spec,
        measure,
        (where or PassageFilter()).describe(),
        cells,
        dim,
    )
