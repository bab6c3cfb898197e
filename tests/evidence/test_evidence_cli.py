"""The jobs commands as a researcher uses them: import, classify, roles, duplicates, reclassify."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

import yaml
from jobads_gen import OTHER_TITLES, XLSX_MAP

from mpu_qual.evidence.rules import default_rules_path


def test_import_cli_reports_rows_and_failures(project_dir, cli, tmp_path):
    p = tmp_path / "ads.csv"
    p.write_text(
        "Platform,Job ID,Posting Date,Job Title,Industry\n"
        "JobsDB,1,05/12/2024,Technician,Manufacturing\n"
        "JobsDB,2,2024-12-40,Technician,Manufacturing\n"
        "JobsDB,3,06/12/2024,Banker,Banking\n",
        encoding="utf-8",
    )
    res = cli("-p", str(project_dir), "jobs", "import", str(p), str(tmp_path / "gone.jsonl"))
    assert res.exit_code == 1
    assert "3 rows read: 1 imported, 0 duplicates, 1 out of scope, 1 rejected" in res.stdout
    assert f"{p}:3 [date]: date '2024-12-40' does not exist" in res.stderr
    assert "gone.jsonl: file not found" in res.stderr
    assert "1 of 2 files failed" in res.stderr
    res = cli("-p", str(project_dir), "jobs", "import", str(p))
    assert res.exit_code == 0 and "already imported" in res.stdout


def test_import_cli_bad_map_is_a_clean_error(project_dir, cli, tmp_path):
    p = tmp_path / "ads.csv"
    p.write_text("a,b\n1,2\n", encoding="utf-8")
    res = cli("-p", str(project_dir), "jobs", "import", str(p), "--map", "a")
    assert res.exit_code == 1 and "--map needs COLUMN=FIELD" in res.stderr
    res = cli("-p", str(project_dir), "jobs", "import", str(p), "--map", "a=title")
    assert res.exit_code == 1 and "no column for date, industry, platform" in res.stderr
    assert "Traceback" not in res.output


def test_classify_explains(project_dir, cli):
    res = cli(
        "-p",
        str(project_dir),
        "jobs",
        "classify",
        "Technical Sales Executive",
        "--industry",
        "Smart Manufacturing Solutions",
        "--date",
        "30/11/2024",
    )
    assert res.exit_code == 0
    out = res.stdout
    assert "-> 市務／銷售主任" in out and "matched pattern 'sales'" in out
    assert "jobrules.yaml, line" in out and "Rules 1-2 were tried first" in out
    assert "-> 製造服務" in out and "contains 'manufacturing solutions'" in out
    assert "window 2023-2024" in out
    res = cli("-p", str(project_dir), "jobs", "classify", "Chief Happiness Officer")
    assert "-> 其他 (Other): no rule matched" in res.stdout
    res = cli("-p", str(project_dir), "jobs", "classify", "x", "--date", "someday")
    assert res.exit_code == 1 and "neither ISO" in res.stderr


def test_roles_unmatched_lists_other_titles_with_counts(imported, cli):
    res = cli("-p", str(imported.folder), "jobs", "roles", "--unmatched", "--format", "json")
    got = {d["title"]: d["ads"] for d in json.loads(res.stdout)}
    expected = Counter(a.title for a in imported.dataset.in_scope if a.role == "其他")
    assert got == dict(expected)
    assert set(got) == set(OTHER_TITLES)
    res = cli("-p", str(imported.folder), "jobs", "roles", "--format", "json")
    roles = {d["role"]: d["ads"] for d in json.loads(res.stdout)}
    assert roles["其他"] == sum(expected.values())
    assert sum(roles.values()) == 4429 + 3862


def test_duplicates_show_explains_the_rule(imported, cli):
    res = cli("-p", str(imported.folder), "jobs", "duplicates", "--show", "--limit", "3")
    assert res.exit_code == 0
    ds = imported.dataset
    assert f"{len(ds.ads) + ds.reposts:,} postings are {len(ds.ads):,} ads" in res.stdout
    assert "ignoring letter case, white space and full-width/half-width punctuation" in res.stdout
    assert res.stdout.count("kept (earliest)") == 3
    assert "within 14 days" in res.stdout


def test_search_cli(imported, cli):
    res = cli("-p", str(imported.folder), "jobs", "search", "機器視覺", "--format", "json")
    data = json.loads(res.stdout)
    expected = sum(1 for a in imported.dataset.in_scope if "機器視覺" in a.description)
    assert data["count"] == expected > 0
    assert all("機器視覺" in h["snippet"] for h in data["hits"])


def test_edit_rules_then_reclassify(imported_copy, imported, cli):
    folder = str(imported_copy)
    rules_path = imported_copy / "jobrules.yaml"
    data = yaml.safe_load(rules_path.read_text(encoding="utf-8"))
    data["sectors"][1]["labels"].append("Banking")  # banks now count as trading
    data["roles"]["rules"].insert(0, {"role": "生產操作工", "en": ["driver"]})
    rules_path.write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    res = cli("-p", folder, "jobs", "table", "--format", "json")
    assert "changed since the ads were classified" in res.stderr
    before = json.loads(res.stdout)
    res = cli("-p", folder, "jobs", "reclassify")
    assert res.exit_code == 0 and "Reclassified 8,791 ads" in res.stdout
    res = cli("-p", folder, "jobs", "table", "--format", "json")
    assert res.stderr == ""
    after = json.loads(res.stdout)
    banks = Counter(
        a.window for a in imported.dataset.ads if a.sector is None and a.industry == "Banking"
    )
    for w in ("2023-2024", "2024-2025"):
        assert after["totals"][w] == before["totals"][w] + banks[w]
        assert after["sectors"]["貿易"][w]["ads"] == before["sectors"]["貿易"][w]["ads"] + banks[w]
    drivers = Counter(
        (a.sector, a.window) for a in imported.dataset.in_scope if a.title == "Driver"
    )
    ops = {
        (s, w): next(
            (t["count"] for t in after["sectors"][s][w]["top"] if t["role"] == "生產操作工"), None
        )
        for s, w in [("製造", "2024-2025"), ("製造服務", "2024-2025")]
    }
    assert ops[("製造", "2024-2025")] == 282 + drivers[("製造", "2024-2025")]
    unmatched = json.loads(
        cli("-p", folder, "jobs", "roles", "--unmatched", "--format", "json").stdout
    )
    assert "Driver" not in {d["title"] for d in unmatched}


def test_xlsx_import_needs_its_map(project_dir, imported, cli):
    xlsx = str(imported.dataset.files["xlsx"])
    res = cli("-p", str(project_dir), "jobs", "import", xlsx)
    assert res.exit_code == 1 and "--map" in res.stderr
    args = [a for m in XLSX_MAP for a in ("--map", m)]
    res = cli("-p", str(project_dir), "jobs", "import", xlsx, *args)
    assert (
        res.exit_code == 0 and f"{imported.dataset.rows_per_file['xlsx']:,} rows read" in res.stdout
    )


def test_empty_project_table_and_rules(project_dir, cli):
    res = cli("-p", str(project_dir), "jobs", "table", "--format", "json")
    data = json.loads(res.stdout)
    assert data["totals"] == {"2023-2024": 0, "2024-2025": 0}
    assert data["change_pct"]["all"] is None
    assert cli("-p", str(project_dir), "jobs", "table").exit_code == 0
    res = cli("-p", str(project_dir), "jobs", "rules")
    assert "(valid)" in res.stdout and "2023-2024 (2023-12-01 to 2024-11-30)" in res.stdout
    res = cli("-p", str(project_dir), "jobs", "rules", "--init")
    assert res.exit_code == 1 and "already exists" in res.stderr
    (project_dir / "jobrules.yaml").unlink()
    res = cli("-p", str(project_dir), "jobs", "rules", "--init")
    assert res.exit_code == 0
    assert (project_dir / "jobrules.yaml").read_bytes() == default_rules_path().read_bytes()


def test_broken_rules_file_is_reported_with_its_line(project_dir, cli):
    p = project_dir / "jobrules.yaml"
    p.write_text(
        p.read_text(encoding="utf-8").replace("repost_days: 14", "repost_days: soon"),
        encoding="utf-8",
    )
    res = cli("-p", str(project_dir), "jobs", "table")
    assert res.exit_code == 1
    assert "jobrules.yaml:" in res.stderr and "repost_days" in res.stderr


def test_csv_output_neutralises_formulas(project_dir, cli, tmp_path):
    p = project_dir / "jobrules.yaml"
    p.write_text(
        p.read_text(encoding="utf-8").replace("  - label: 製造\n", '  - label: =HYPERLINK("x")\n'),
        encoding="utf-8",
    )
    ads = tmp_path / "a.csv"
    ads.write_text(
        "platform,date,title,industry\nJobsDB,2024-12-05,Technician,Manufacturing\n",
        encoding="utf-8",
    )
    assert cli("-p", str(project_dir), "jobs", "import", str(ads)).exit_code == 0
    out = cli("-p", str(project_dir), "jobs", "table", "--format", "csv").stdout
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[1][0] == '\'=HYPERLINK("x")'
    assert not any(cell.startswith(("=", "+", "@")) for r in rows for cell in r)
