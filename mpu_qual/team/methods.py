"""Agreement figures in words and tables: the methods paragraph, CSV and table rows.

Used by ``mpu-qual agreement``, the theme summary (``mpu-qual summary``) and the XLSX
quote export, so every place states the same figures the same way.
"""

from __future__ import annotations

import csv
import io

from mpu_qual.safe_text import neutralise
from mpu_qual.team.agreement import Stats
from mpu_qual.team.disagreements import Disagreement
from mpu_qual.team.reliability import AgreementReport

UNDEFINED = "n/a"
TABLE_HEAD = (
    "Code id",
    "Code",
    "編碼",
    "Units",
    "Agreement",
    "Cohen's kappa",
    "Krippendorff's alpha",
)


def fmt_percent(value: float | None) -> str:
    return UNDEFINED if value is None else f"{value * 100:.1f}%"


def fmt_coef(value: float | None) -> str:
    return UNDEFINED if value is None else f"{value:.3f}"


def stats_cells(s: Stats) -> list[str]:
    return [str(s.units), fmt_percent(s.percent), fmt_coef(s.kappa), fmt_coef(s.alpha)]


def table_rows(report: AgreementReport) -> list[list[str]]:
    """One row per code in codebook order, then the pooled row ('overall')."""
    rows = []
    for cid, s in report.codes.items():
        en, zh = report.labels.get(cid, (cid, cid))
        rows.append([cid, en, zh, *stats_cells(s)])
    rows.append(["overall", "All codes pooled", "全部編碼合計", *stats_cells(report.overall)])
    return rows


def unit_words(report: AgreementReport) -> tuple[str, str]:
    """('segment', 'overlapping the segment') or the character-level wording."""
    if report.unit == "char":
        return "character", "covering the character"
    return "segment", "overlapping the segment"


def methods_paragraph(report: AgreementReport) -> str:
    """A paragraph for a report's methods section, with the figures."""
    unit, how = unit_words(report)
    k = len(report.coders)
    n_src = len(report.sources)
    n_codes = len(report.codes)
    o = report.overall
    kappa = f", Cohen's kappa {fmt_coef(o.kappa)}" if k == 2 else ""  # kappa is for two coders
    return (
        f"Intercoder agreement was assessed for {k} coders ({', '.join(report.coders)}) who "
        f"coded {n_src} transcript{'s' if n_src != 1 else ''} independently. Each "
        f"{unit} was a unit ({report.units_per_code:,} {unit}s), and a coder's value for a code "
        f"was 1 when they applied exactly that code (sub-codes not counted) to text {how}, "
        f"else 0. Over all {o.units:,} ({unit}, code) pairs of the {n_codes} codes used, "
        f"percent agreement was {fmt_percent(o.percent)}{kappa} and Krippendorff's alpha "
        f"(nominal) {fmt_coef(o.alpha)}. Per-code figures follow; '{UNDEFINED}' marks a "
        "statistic that is undefined because the coders' values did not vary. Computed with "
        "mpu-qual (mpu-qual agreement)."
    )


def agreement_csv(report: AgreementReport) -> str:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["code", "label_en", "label_zh", "units", "percent", "kappa", "alpha"])

    def num(v: float | None) -> str:
        return "" if v is None else repr(v)

    for cid, s in [*report.codes.items(), ("overall", report.overall)]:
        en, zh = report.labels.get(cid, ("", "")) if cid != "overall" else ("", "")
        w.writerow(
            [neutralise(x) for x in (cid, en, zh)]
            + [s.units, num(s.percent), num(s.kappa), num(s.alpha)]
        )
    return buf.getvalue()


def disagreements_csv(items: list[Disagreement]) -> str:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["code", "source", "segment", "start", "end", "coded_by", "not_coded_by", "text"])
    for d in items:
        w.writerow(
            [
                neutralise(d.code_id),
                neutralise(d.source_name),
                d.segment if d.segment is not None else "",
                d.start,
                d.end,
                neutralise(";".join(d.coded_by)),
                neutralise(";".join(d.not_coded_by)),
                neutralise(d.text),
            ]
        )
    return buf.getvalue()
