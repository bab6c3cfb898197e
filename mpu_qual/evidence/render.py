"""The job-ad tables as text: rich (terminal), Markdown (reports), CSV (spreadsheets), JSON.

The file formats of ``jobs table`` and ``jobs skills`` are declared once, below
(``TABLE_FORMATS``, ``SKILL_FORMATS``): the commands' ``--format`` choices and help, the
format an ``-o`` file's suffix implies and the README's table come from there. A writer is
``(content, binary file) -> None``; ``rich`` is the terminal's own and not a file format.
CSV cells that a spreadsheet would run as formulas are neutralised.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import IO, Any

from rich.console import Group
from rich.table import Table

from mpu_qual.evidence.rules import Rules
from mpu_qual.evidence.tables import JobTables, RoleCount, SkillCount, change_pct
from mpu_qual.evidence.text import safe_cell
from mpu_qual.file_formats import FileFormat, Formats

TABLE_FORMATS = Formats(
    "job table format",
    (
        FileFormat(
            "md", "Markdown", (".md", ".markdown"), f"{__name__}:tables_md", "as the report"
        ),
        FileFormat(
            "csv", "CSV", (".csv",), f"{__name__}:tables_csv", "a row per sector and window"
        ),
        FileFormat("json", "JSON", (".json",), f"{__name__}:tables_json"),
    ),
)
SKILL_FORMATS = Formats(
    "skill table format",
    (
        FileFormat("md", "Markdown", (".md", ".markdown"), f"{__name__}:skills_md"),
        FileFormat("csv", "CSV", (".csv",), f"{__name__}:skills_csv", "a row per term"),
        FileFormat("json", "JSON", (".json",), f"{__name__}:skills_json"),
    ),
)


@dataclass(frozen=True)
class TablesView:
    """What a ``TABLE_FORMATS`` writer gets."""

    tables: JobTables
    rules: Rules


@dataclass(frozen=True)
class SkillsView:
    """What a ``SKILL_FORMATS`` writer gets: the ads counted and each term's count."""

    total: int
    items: list[SkillCount]
    title: str


def _fmt_share(v: float | None) -> str:
    return "–" if v is None else f"{v:.1f}%"


def _fmt_change(v: float | None) -> str:
    return "" if v is None else f"{v:+.1f}%"


def _role_cell(r: RoleCount) -> str:
    return f"{r.role} ({r.count:,}, {_fmt_share(r.share)})"


def _changes(t: JobTables, counts: list[int]) -> list[float | None]:
    return [None] + [change_pct(a, b) for a, b in zip(counts, counts[1:], strict=False)]


def _sector_rows(t: JobTables, sector: str) -> list[list[str]]:
    labels = [w[0] for w in t.windows]
    counts = [t.cells[sector][w].ads for w in labels]
    rows = []
    for w, ch in zip(labels, _changes(t, counts), strict=True):
        cell = t.cells[sector][w]
        tops = [_role_cell(r) for r in cell.top] + [""] * (3 - len(cell.top))
        rows.append([w.replace("-", " - "), f"{cell.ads:,}", *tops, _fmt_change(ch)])
    return rows


def _total_rows(t: JobTables) -> list[list[str]]:
    labels = [w[0] for w in t.windows]
    counts = [t.totals[w] for w in labels]
    return [
        [w.replace("-", " - "), f"{n:,}", _fmt_change(ch)]
        for w, n, ch in zip(labels, counts, _changes(t, counts), strict=True)
    ]


_HEAD = ["年份 Window", "招聘廣告 Ads", "1", "2", "3", "變化 Change"]


def to_markdown(t: JobTables, rules: Rules) -> str:
    """Tables laid out as the report prints them, one per sector, then all sectors."""
    out: list[str] = []
    for i, s in enumerate(t.sectors, start=1):
        out.append(f"## {i}. {s} ({rules.sector_en(s)})\n")
        out.append("| " + " | ".join(_HEAD) + " |")
        out.append("|---|---:|---|---|---|---:|")
        for row in _sector_rows(t, s):
            out.append("| " + " | ".join(row) + " |")
        out.append("")
    out.append("## 所有行業 (All sectors)\n")
    out.append("| 年份 Window | 招聘廣告 Ads | 變化 Change |")
    out.append("|---|---:|---:|")
    for row in _total_rows(t):
        out.append("| " + " | ".join(row) + " |")
    out.append("")
    return "\n".join(out)


def to_rich(t: JobTables, rules: Rules) -> Group:
    """One rich table per sector plus the totals, for the terminal."""
    parts: list[Any] = []
    for i, s in enumerate(t.sectors, start=1):
        table = Table(title=f"{i}. {s} {rules.sector_en(s)}", title_justify="left")
        for j, h in enumerate(_HEAD):
            table.add_column(h, justify="right" if j in (1, 5) else "left")
        for row in _sector_rows(t, s):
            table.add_row(*row)
        parts.append(table)
    total = Table(title="所有行業 All sectors", title_justify="left")
    for j, h in enumerate(["年份 Window", "招聘廣告 Ads", "變化 Change"]):
        total.add_column(h, justify="left" if j == 0 else "right")
    for row in _total_rows(t):
        total.add_row(*row)
    parts.append(total)
    return Group(*parts)


def to_csv(t: JobTables, rules: Rules) -> str:
    """One row per sector and window (then one per window for all sectors)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    head = ["sector", "sector_en", "window", "start", "end", "ads", "change_pct"]
    for k in (1, 2, 3):
        head += [f"role_{k}", f"role_{k}_en", f"count_{k}", f"share_{k}"]
    w.writerow(head)
    labels = [x[0] for x in t.windows]
    span = {x[0]: (x[1], x[2]) for x in t.windows}
    for s in [*t.sectors, None]:
        counts = [t.totals[x] if s is None else t.cells[s][x].ads for x in labels]
        for x, n, ch in zip(labels, counts, _changes(t, counts), strict=True):
            row: list[Any] = [
                s or "all",
                rules.sector_en(s) if s else "All sectors",
                x,
                *span[x],
                n,
                ch,
            ]
            tops = t.cells[s][x].top if s else []
            for k in range(3):
                if k < len(tops):
                    r = tops[k]
                    row += [r.role, rules.role_en(r.role), r.count, r.share]
                else:
                    row += ["", "", "", ""]
            w.writerow([safe_cell(c) for c in row])
    return buf.getvalue()


def to_json(t: JobTables) -> str:
    return json.dumps(t.to_json(), ensure_ascii=False, indent=2)


def tables_md(view: TablesView, fh: IO[bytes]) -> None:
    fh.write(to_markdown(view.tables, view.rules).encode("utf-8"))


def tables_csv(view: TablesView, fh: IO[bytes]) -> None:
    fh.write(to_csv(view.tables, view.rules).encode("utf-8"))


def tables_json(view: TablesView, fh: IO[bytes]) -> None:
    fh.write(to_json(view.tables).encode("utf-8"))


def skills_json(view: SkillsView, fh: IO[bytes]) -> None:
    data = {
        "ads": view.total,
        "terms": [{"term": s.term, "ads": s.ads, "share": s.share} for s in view.items],
    }
    fh.write(json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"))


def skills_csv(view: SkillsView, fh: IO[bytes]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["term", "ads", "share"])
    for s in view.items:
        w.writerow([safe_cell(s.term), s.ads, s.share])
    fh.write(buf.getvalue().encode("utf-8"))


def skills_md(view: SkillsView, fh: IO[bytes]) -> None:
    lines = [
        f"### {view.title} ({view.total:,} ads)\n",
        "| Term | Ads | Share |",
        "|---|---:|---:|",
    ]
    lines += [f"| {s.term} | {s.ads:,} | {_fmt_share(s.share)} |" for s in view.items]
    fh.write(("\n".join(lines) + "\n").encode("utf-8"))


def skills_rich(view: SkillsView) -> Table:
    """The skill counts for the terminal."""
    table = Table(title=f"{view.title} ({view.total:,} ads)", title_justify="left")
    table.add_column("Term")
    table.add_column("Ads", justify="right")
    table.add_column("Share", justify="right")
    for s in view.items:
        table.add_row(s.term, f"{s.ads:,}", _fmt_share(s.share))
    return table
