"""The agreement figures in the theme summary (methods paragraph) and in the XLSX export."""

from __future__ import annotations

from pathlib import Path

import docx
import openpyxl
import pytest

from mpu_qual.store import Project
from mpu_qual.team.merge import merge
from mpu_qual.team.methods import fmt_coef, fmt_percent
from mpu_qual.team.reliability import measure_agreement


@pytest.fixture
def two_coders(team: dict[str, Path]) -> Path:
    with Project.open(team["lead"]) as p:
        merge(p, team["alice"])
        merge(p, team["bob"])
    return team["lead"]


def test_summary_has_the_methods_paragraph_with_the_figures(two_coders: Path, cli) -> None:
    with Project.open(two_coders) as p:
        report = measure_agreement(p)
    out = two_coders / "summary.md"
    res = cli("-p", str(two_coders), "summary", "-o", str(out))
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    section = text[text.index("## Methods: intercoder agreement") :]
    assert "2 coders (alice, bob)" in section
    assert "Each segment was a unit (90 segments)" in section
    o = report.overall
    assert f"percent agreement was {fmt_percent(o.percent)}" in section
    assert f"Cohen's kappa {fmt_coef(o.kappa)}" in section
    assert f"Krippendorff's alpha (nominal) {fmt_coef(o.alpha)}" in section
    for cid, s in report.codes.items():
        en, _zh = report.labels[cid]
        assert f"| {en} |" in section and fmt_percent(s.percent) in section
    docx_out = two_coders / "summary.docx"
    cli("-p", str(two_coders), "summary", "-o", str(docx_out), "--agreement-unit", "char")
    paras = [p.text for p in docx.Document(str(docx_out)).paragraphs]
    assert any("Each character was a unit" in t for t in paras)


def test_no_methods_section_with_one_coder(team: dict[str, Path], cli) -> None:
    out = team["alice"] / "summary.md"
    cli("-p", str(team["alice"]), "summary", "-o", str(out))
    assert "intercoder agreement" not in out.read_text(encoding="utf-8")


def test_xlsx_agreement_sheet(two_coders: Path, cli) -> None:
    with Project.open(two_coders) as p:
        report = measure_agreement(p)
    out = two_coders / "quotes.xlsx"
    res = cli("-p", str(two_coders), "export", "quotes", "-o", str(out))
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(out)
    ws = wb["Agreement"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("Code id", "Code", "編碼", "Units")
    body = {r[0]: r for r in rows[1:] if r[0] and r[3] is not None}
    assert set(body) == {*report.codes, "overall"}
    for cid, s in report.codes.items():
        assert body[cid][3] == s.units
        for got, want in zip(body[cid][4:7], (s.percent, s.kappa, s.alpha), strict=True):
            assert got == (None if want is None else pytest.approx(want, abs=1e-12))
    assert body["overall"][6] == pytest.approx(report.overall.alpha)
    assert any(r[0] and str(r[0]).startswith("Intercoder agreement was assessed") for r in rows)
