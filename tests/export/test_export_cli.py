"""The export / import / summary commands, end to end through click."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl

from mpu_qual.figures import count
from mpu_qual.store import Project


def test_export_quotes_with_filters(cli, small: Project, tmp_path: Path) -> None:
    folder = str(small.folder)
    out = tmp_path / "q.csv"
    r = cli(
        "-p", folder, "export", "quotes", "-o", str(out), "--theme", "talent", "--group", "academic"
    )
    assert r.exit_code == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows and {row["Participant 參與者"] for row in rows} == {"AC1"}
    assert all(row["Theme id"] == "talent" for row in rows)
    assert f"Wrote {count(len(rows), 'coded quote')} from 1 theme to {out} (csv)." in r.stdout


def test_export_quotes_xlsx_pseudonymised(cli, small: Project, tmp_path: Path) -> None:
    out = tmp_path / "q.xlsx"
    r = cli("-p", str(small.folder), "export", "quotes", "-o", str(out), "--pseudonymise")
    assert r.exit_code == 0, r.stderr
    assert "pseudonymised" in r.stdout
    wb = openpyxl.load_workbook(out)
    cells = " ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row)
    assert "Chan Tai Man" not in cells and "陳大文" not in cells and "IL1 here." in cells


def test_export_errors_go_to_stderr(cli, small: Project, tmp_path: Path) -> None:
    r = cli("-p", str(small.folder), "export", "quotes", "-o", str(tmp_path / "q.txt"))
    assert r.exit_code == 1 and "cannot tell the format" in r.stderr and not r.stdout
    r = cli(
        "-p", str(small.folder), "export", "quotes", "-o", str(tmp_path / "q.csv"), "--code", "nope"
    )
    assert r.exit_code == 1 and "no code 'nope'" in r.stderr
    r = cli(
        "-p",
        str(small.folder),
        "export",
        "quotes",
        "-o",
        str(tmp_path / "q.csv"),
        "--pseudonyms",
        "x.yaml",
    )
    assert r.exit_code == 1 and "--pseudonyms needs --pseudonymise" in r.stderr
    assert not (tmp_path / "q.csv").exists()


def test_summary_command(cli, small: Project, tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    r = cli("-p", str(small.folder), "summary", "-o", str(out), "--quotes", "1", "--theme", "rec")
    assert r.exit_code == 0, r.stderr
    text = out.read_text(encoding="utf-8")
    assert "## 1. Recommendations · 建議" in text and "### For Government · 致政府" in text
    r = cli("-p", str(small.folder), "summary", "-o", str(out), "--prose-writer", "nocolon")
    assert r.exit_code == 1 and "module:function" in r.stderr
    r = cli("-p", str(small.folder), "summary", "-o", str(tmp_path / "r.pdf"))
    assert r.exit_code == 1 and ".md, .html or .docx" in r.stderr


def test_summary_with_a_prose_writer(
    cli,
    small: Project,
    tmp_path: Path,
    monkeypatch,
) -> None:
    (tmp_path / "my_writer.py").write_text(
        "def draft(theme):\n    return f'{theme.total.passages} passages on {theme.label_en}.'\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    out = tmp_path / "report.md"
    r = cli("-p", str(small.folder), "summary", "-o", str(out), "--prose-writer", "my_writer:draft")
    assert r.exit_code == 0, r.stderr
    assert "Draft paragraph by draft; check it against the quotes:** 4 passages on Talent." in (
        out.read_text(encoding="utf-8")
    )


def test_qdpx_and_qdc_round_trip_through_the_cli(cli, small: Project, tmp_path: Path) -> None:
    qdpx, qdc = tmp_path / "p.qdpx", tmp_path / "c.qdc"
    assert cli("-p", str(small.folder), "export", "qdpx", "-o", str(qdpx)).exit_code == 0
    assert cli("-p", str(small.folder), "export", "qdc", "-o", str(qdc)).exit_code == 0
    r = cli("import", "qdpx", str(qdpx), "--new", str(tmp_path / "copy"))
    assert r.exit_code == 0, r.stderr
    assert f"{len(small.codings.list())} codings" in r.stdout
    with Project.open(tmp_path / "copy") as copy:
        assert sorted(c.quote for c in copy.codings.list()) == sorted(
            c.quote for c in small.codings.list()
        )
    r = cli("-p", str(tmp_path / "copy"), "import", "qdc", str(qdc))
    assert (
        r.exit_code == 0
        and f"0 codes added to codebook.yaml, {len(small.codes.list())} already" in (r.stdout)
    )
    r = cli("-p", str(tmp_path / "copy"), "import", "qdpx", str(qdpx))
    assert r.exit_code == 1 and "--prefix" in r.stderr
    r = cli("-p", str(tmp_path / "copy"), "import", "qdpx", str(qdpx), "--prefix", "b-")
    assert r.exit_code == 0 and "mpu-qual undo" in r.stdout
