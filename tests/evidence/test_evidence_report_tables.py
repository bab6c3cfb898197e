"""The generated data set reproduces the report's eight sector-window tables, through the CLI."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from fractions import Fraction

import pytest
from jobads_gen import REPORT, parse_report

from mpu_qual.evidence.rules import load_rules
from mpu_qual.evidence.tables import skill_counts
from mpu_qual.store import Project

# Two shares the report prints do not follow from its own counts (34 of 145 is 23.45%, 25 of
# 126 is 19.84%); every other share does. We print what the counts give.
REPORT_MISPRINTS = {
    ("製造服務", "2023-2024", "顧問"): 23.5,
    ("製造服務", "2024-2025", "研究員"): 19.0,
}


def half_up(fr: Fraction) -> float:
    """One decimal, half away from zero, computed exactly (independent of the code tested)."""
    tenths = abs(fr) * 10
    q, r = divmod(tenths.numerator, tenths.denominator)
    if 2 * r >= tenths.denominator:
        q += 1
    return (q if fr >= 0 else -q) / 10


def table_json(cli, folder) -> dict:
    res = cli("-p", str(folder), "jobs", "table", "--format", "json")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_report_parsed_has_eight_tables():
    cells = parse_report()
    assert len(cells) == 8
    assert {(c.sector, c.window) for c in cells} == {
        (s, w) for s in ("製造", "貿易", "工程服務", "製造服務") for w in ("2023-2024", "2024-2025")
    }
    assert all(len(c.top) == 3 for c in cells)


def test_json_reproduces_every_count_of_the_report(imported, cli):
    data = table_json(cli, imported.folder)
    cells = parse_report()
    assert data["windows"] == {
        "2023-2024": ["2023-12-01", "2024-11-30"],
        "2024-2025": ["2024-12-01", "2025-11-30"],
    }
    assert list(data["sectors"]) == ["製造", "貿易", "工程服務", "製造服務"]
    for cell in cells:
        got = data["sectors"][cell.sector][cell.window]
        assert got["ads"] == cell.ads, (cell.sector, cell.window)
        assert [(t["role"], t["count"]) for t in got["top"]] == [(r, n) for r, n, _ in cell.top]


def test_json_shares_are_the_counts_rounded_and_match_the_printed_ones(imported, cli):
    data = table_json(cli, imported.folder)
    for cell in parse_report():
        got = data["sectors"][cell.sector][cell.window]
        for t, (role, count, printed) in zip(got["top"], cell.top, strict=True):
            assert t["share"] == half_up(Fraction(count * 100, cell.ads))
            key = (cell.sector, cell.window, role)
            if key in REPORT_MISPRINTS:
                assert printed == REPORT_MISPRINTS[key] != t["share"]
            else:
                assert t["share"] == printed, key


def test_report_misprints_are_inconsistent_with_its_own_counts():
    by_key = {(c.sector, c.window, r): (n, c.ads, s) for c in parse_report() for r, n, s in c.top}
    for key, printed in REPORT_MISPRINTS.items():
        count, ads, share = by_key[key]
        assert share == printed
        assert abs(Fraction(count * 100, ads) - Fraction(str(printed))) > Fraction(1, 20)


def test_json_totals_and_changes_match_the_report(imported, cli):
    data = table_json(cli, imported.folder)
    text = REPORT.read_text(encoding="utf-8")
    # "共 3,862 則招聘廣告 ... 總量下降 12.8%" and "招聘廣告按年激增+115%"
    m = re.search(r"共 ([\d,]+) 則招聘廣告.*?下降 ([\d.]+)%", text)
    assert m is not None
    assert data["totals"]["2024-2025"] == int(m[1].replace(",", ""))
    assert data["change_pct"]["all"] == -float(m[2])
    assert data["change_pct"]["工程服務"] == float(re.search(r"激增\+(\d+)%", text)[1])
    cells = {(c.sector, c.window): c.ads for c in parse_report()}
    for w in ("2023-2024", "2024-2025"):
        assert data["totals"][w] == sum(n for (s, ww), n in cells.items() if ww == w)
    assert data["totals"] == {"2023-2024": 4429, "2024-2025": 3862}
    for s in data["sectors"]:
        before, after = cells[(s, "2023-2024")], cells[(s, "2024-2025")]
        assert data["change_pct"][s] == half_up(Fraction((after - before) * 100, before))
    assert set(data["change_pct"]) == {"all", "製造", "貿易", "工程服務", "製造服務"}


def test_other_bucket_is_never_ranked_even_when_largest(imported):
    project = Project.open(imported.folder)
    try:
        rows = project.db.conn.execute(
            "SELECT sector, window, count(*) FROM job_ads WHERE role = '其他' "
            "AND sector IS NOT NULL AND window IS NOT NULL GROUP BY sector, window"
        ).fetchall()
    finally:
        project.close()
    top1 = {(c.sector, c.window): c.top[0][1] for c in parse_report()}
    assert any(n > top1[(s, w)] for s, w, n in rows)  # the data set makes 'other' the biggest


def test_import_summary_counts(imported):
    ds = imported.dataset
    files = [f for r in imported.reports for f in r.files]
    assert [f.status for f in files] == ["imported"] * 4
    kinds = ["csv", "big5", "jsonl", "xlsx"]
    for kind, f in zip(kinds, files, strict=True):
        assert f.rows_read == ds.rows_per_file[kind]
        assert f.rejected == ds.bad_per_file[kind]
        assert f.rows_read == f.imported + f.duplicates + f.out_of_scope + f.rejected
    assert sum(f.duplicates for f in files) == ds.reposts
    assert sum(f.imported + f.out_of_scope for f in files) == len(ds.ads)
    assert files[1].encoding == "big5hkscs" and files[0].encoding == "utf-8-sig"


def test_stored_ads_match_the_data_set(imported):
    ds = imported.dataset
    project = Project.open(imported.folder)
    try:
        conn = project.db.conn
        assert conn.execute("SELECT count(*) FROM job_ads").fetchone()[0] == len(ds.ads)
        assert conn.execute("SELECT count(*) FROM job_ad_postings").fetchone()[0] == (
            len(ds.ads) + ds.reposts
        )
        off = conn.execute("SELECT count(*) FROM job_ads WHERE sector IS NULL").fetchone()[0]
        outside = conn.execute(
            "SELECT count(*) FROM job_ads WHERE sector IS NOT NULL AND window IS NULL"
        ).fetchone()[0]
        assert (off, outside) == (ds.off_sector, ds.out_of_window)
        stored = Counter(
            conn.execute(
                "SELECT description, posted_on, platform, window, sector, role FROM job_ads "
                "WHERE sector IS NOT NULL AND window IS NOT NULL"
            ).fetchall()
        )
    finally:
        project.close()
    # Every ad is kept as its earliest posting, even when a repost was imported first or was
    # posted in the next window (boundary reposts), and re-advertised ads stay separate.
    assert ds.boundary_reposts > 0 and ds.readvertised > 0
    assert stored == Counter(
        (a.description, a.posted_on.isoformat(), a.platform, a.window, a.sector, a.role)
        for a in ds.in_scope
    )


def test_reimport_adds_nothing(imported_copy, imported, cli):
    files = imported.dataset.files
    res = cli("-p", str(imported_copy), "jobs", "import", str(files["csv"]), str(files["jsonl"]))
    assert res.exit_code == 0, res.output
    assert res.stdout.count("already imported") == 2
    assert "nothing added" in res.stdout
    assert table_json(cli, imported_copy) == table_json(cli, imported.folder)


@pytest.mark.parametrize(
    "scope", [(None, None), ("工程服務", None), ("製造", "2024-2025"), (None, "2023-2024")]
)
def test_skill_counts_match_generated_descriptions(imported, cli, scope):
    sector, window = scope
    args = ["-p", str(imported.folder), "jobs", "skills", "--format", "json"]
    if sector:
        args += ["--sector", sector]
    if window:
        args += ["--window", window]
    res = cli(*args)
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    expected = imported.dataset.expected_skills(sector, window)
    got = {t["term"]: t["ads"] for t in data["terms"]}
    rules = load_rules()
    assert set(got) == {t.term for t in rules.terms}
    assert {k: v for k, v in got.items() if v} == {k: v for k, v in expected.items() if v}
    assert data["ads"] == sum(
        1
        for a in imported.dataset.in_scope
        if (sector is None or a.sector == sector) and (window is None or a.window == window)
    )


def test_skill_counts_accept_english_sector_names(imported):
    rules = load_rules()
    project = Project.open(imported.folder)
    try:
        a = skill_counts(project.db, rules, sector=rules.resolve("sector", "Engineering services"))
        b = skill_counts(project.db, rules, sector="工程服務")
    finally:
        project.close()
    assert a == b and a[0] > 0


def test_markdown_csv_and_rich_show_the_same_figures(imported, cli):
    folder = str(imported.folder)
    md = cli("-p", folder, "jobs", "table", "--format", "md").stdout
    assert (
        "| 2024 - 2025 | 1,043 | 技術員 (321, 30.8%) | 生產操作工 (282, 27.0%) | 工程師 (208, 19.9%)"
        in md
    )
    assert "| 2024 - 2025 | 3,862 | -12.8% |" in md
    rows = list(
        csv.DictReader(io.StringIO(cli("-p", folder, "jobs", "table", "--format", "csv").stdout))
    )
    eng = [r for r in rows if r["sector"] == "工程服務" and r["window"] == "2024-2025"][0]
    assert (eng["ads"], eng["change_pct"], eng["role_1"], eng["count_1"], eng["share_1"]) == (
        "761",
        "115.0",
        "化學專家／實驗室技術員",
        "282",
        "37.1",
    )
    assert [r["ads"] for r in rows if r["sector"] == "all"] == ["4429", "3862"]
    rich = cli("-p", folder, "jobs", "table").stdout
    assert "化學專家／實驗室技術員 (282, 37.1%)" in rich and "4,429" in rich


def test_table_written_to_file(imported, cli, tmp_path):
    out = tmp_path / "tables.json"
    res = cli("-p", str(imported.folder), "jobs", "table", "--format", "json", "-o", str(out))
    assert res.exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["totals"]["2023-2024"] == 4429
