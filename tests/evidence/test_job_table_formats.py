"""Every format ``jobs table`` and ``jobs skills`` declare (evidence/render.py) is written to a
real file, the format picked by the file's suffix, and read back (csv, json, the Markdown
table rows); the figures are the generated data set's (tests/evidence/conftest.py), and a
text format printed without ``-o`` is the file's text."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from mpu_qual.evidence.render import SKILL_FORMATS, TABLE_FORMATS
from mpu_qual.file_formats import FileFormat


def _cases(formats) -> list:
    return [pytest.param(f, s, id=f"{f.name}{s}") for f in formats.formats for s in f.suffixes]


def _md_rows(text: str) -> list[list[str]]:
    return [
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith("| ")
    ]


@pytest.mark.parametrize(("fmt", "suffix"), _cases(TABLE_FORMATS))
def test_every_job_table_format_writes_its_file(
    imported, cli, tmp_path: Path, fmt: FileFormat, suffix: str
) -> None:
    out = tmp_path / f"tables{suffix}"
    res = cli("-p", str(imported.folder), "jobs", "table", "-o", str(out))
    assert res.exit_code == 0, res.stderr
    assert f"Wrote {out} ({fmt.name})." in res.stderr and res.stdout == ""
    text = out.read_text(encoding="utf-8")
    if fmt.name == "json":
        assert json.loads(text)["totals"] == {"2023-2024": 4429, "2024-2025": 3862}
    elif fmt.name == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [r["ads"] for r in rows if r["sector"] == "all"] == ["4429", "3862"]
        eng = [r for r in rows if r["sector"] == "工程服務" and r["window"] == "2024-2025"]
        assert (eng[0]["ads"], eng[0]["role_1"]) == ("761", "化學專家／實驗室技術員")
    else:
        assert fmt.name == "md"
        rows = _md_rows(text)
        assert ["2024 - 2025", "3,862", "-12.8%"] in rows
        headings = [line for line in text.splitlines() if line.startswith("## ")]
        for sector in {a.sector for a in imported.dataset.in_scope}:
            assert sum(f". {sector} (" in h for h in headings) == 1  # a table each
        assert headings[-1] == "## 所有行業 (All sectors)"
        assert sum(1 for r in rows if r[0] == "年份 Window") == len(headings)
    printed = cli("-p", str(imported.folder), "jobs", "table", "--format", fmt.name)
    assert printed.stdout.rstrip("\n") == text.rstrip("\n")


@pytest.mark.parametrize(("fmt", "suffix"), _cases(SKILL_FORMATS))
def test_every_skill_table_format_writes_its_file(
    imported, cli, tmp_path: Path, fmt: FileFormat, suffix: str
) -> None:
    out = tmp_path / f"skills{suffix}"
    res = cli("-p", str(imported.folder), "jobs", "skills", "-o", str(out))
    assert res.exit_code == 0, res.stderr
    assert f"({fmt.name})" in res.stderr
    expected = {k: v for k, v in imported.dataset.expected_skills(None, None).items() if v}
    ads = len(imported.dataset.in_scope)
    text = out.read_text(encoding="utf-8")
    if fmt.name == "json":
        data = json.loads(text)
        assert data["ads"] == ads
        assert {t["term"]: t["ads"] for t in data["terms"] if t["ads"]} == expected
    elif fmt.name == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        assert {r["term"]: int(r["ads"]) for r in rows if r["ads"] != "0"} == expected
    else:
        assert text.startswith(f"### Skill terms in all sectors / all windows ({ads:,} ads)")
        rows = _md_rows(text)[1:]
        got = {r[0]: int(r[1].replace(",", "")) for r in rows}
        assert {k: v for k, v in got.items() if v} == expected
    printed = cli("-p", str(imported.folder), "jobs", "skills", "--format", fmt.name)
    assert printed.stdout.rstrip("\n") == text.rstrip("\n")


def test_the_terminal_table_is_not_a_file_format(imported, cli, tmp_path: Path) -> None:
    out = tmp_path / "t.md"
    res = cli("-p", str(imported.folder), "jobs", "table", "--format", "rich", "-o", str(out))
    assert res.exit_code == 1 and not out.exists()
    assert "rich is the terminal's table" in res.stderr and "md, csv or json" in res.stderr
    res = cli("-p", str(imported.folder), "jobs", "skills", "-o", str(tmp_path / "s.xlsx"))
    assert res.exit_code == 1
    assert "cannot tell the format from 's.xlsx'" in res.stderr
    assert ".md, .csv or .json" in res.stderr
