"""Every format the analysis registries declare (analysis/formats.py) is written by its
command to a real file that its own library opens again: CSV (csv), JSON (json), XLSX
(openpyxl), HTML (html.parser), DOCX (python-docx), Markdown; figures and labels are
compared with what the library computes. Each suffix is tried, so a suffix mapped to the
wrong writer fails here; text formats print the same text without ``-o``.

The small bilingual project (tests/sample_projects.py) is only read here: one copy serves
the module.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import docx
import openpyxl
import pytest

from mpu_qual.analysis.cooccur import cooccurrence
from mpu_qual.analysis.facts import Facts
from mpu_qual.analysis.formats import COOCCURRENCE_FORMATS, FRAMEWORK_FORMATS, MATRIX_FORMATS
from mpu_qual.analysis.framework import framework_matrix
from mpu_qual.analysis.matrix import code_matrix
from mpu_qual.file_formats import FileFormat
from mpu_qual.store import Project

THEMES = ["Talent · 人才", "Odd text · 特殊文字", "Recommendations · 建議"]


@pytest.fixture(scope="module")
def folder(_small_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("formats") / "small"
    shutil.copytree(_small_template, dest)
    return dest


@pytest.fixture(scope="module")
def expected(folder: Path) -> dict:
    """What the library computes for the commands run below."""
    project = Project.open(folder)
    try:
        facts = Facts.load(project)
        m = code_matrix(facts, facts.select_codes(level=0), "group", "passages")
        co = cooccurrence(facts, None, mode="overlap")
        fw = framework_matrix(project, by="participant")
        return {
            "matrix_rows": [r.id for r in m.rows],
            "matrix_cols": [c.label_en for c in m.cols],
            "matrix_cells": m.cells,
            "cooc_codes": co.codes,
            "cooc_counts": co.counts,
            "cooc_jaccard": co.jaccard,
            "framework_rows": [r.label_en for r in fw.rows],
            "framework_passages": sum(len(c.quotes) for line in fw.cells for c in line),
        }
    finally:
        project.close()


def _cases(formats) -> list:
    return [pytest.param(f, s, id=f"{f.name}{s}") for f in formats.formats for s in f.suffixes]


class _Cells(HTMLParser):
    """The text of each table row's cells (th and td)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._in_cell = False

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("th", "td"):
            self._in_cell = True
            self.rows[-1].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td"):
            self._in_cell = False

    def handle_data(self, data: str) -> None:
        if self._in_cell:
            self.rows[-1][-1] += data


def read_back(path: Path, fmt: FileFormat) -> list[list]:
    """The file's table(s) as rows, read by the format's own library (sheets one after the
    other for XLSX and DOCX, which each start with their header row)."""
    data = path.read_bytes()
    if fmt.name == "csv":
        assert data.startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese right
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    if fmt.name == "json":
        return [[json.loads(data.decode("utf-8"))]]
    if fmt.name == "xlsx":
        wb = openpyxl.load_workbook(path, read_only=True)
        rows = [list(r) for ws in wb.worksheets for r in ws.iter_rows(values_only=True)]
        wb.close()
        return rows
    if fmt.name == "docx":
        doc = docx.Document(str(path))
        return [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
    text = data.decode("utf-8")
    if fmt.name == "html":
        assert text.startswith("<!DOCTYPE html>")
        parser = _Cells()
        parser.feed(text)
        return parser.rows
    assert fmt.name == "md" and text.startswith("# ")
    return [
        [cell.strip() for cell in line.strip("|").split(" | ")]
        for line in text.splitlines()
        if line.startswith("| ")
    ]


@pytest.mark.parametrize(("fmt", "suffix"), _cases(MATRIX_FORMATS))
def test_every_matrix_format_writes_a_file_its_library_reads(
    cli, folder: Path, expected: dict, tmp_path: Path, fmt: FileFormat, suffix: str
) -> None:
    out = tmp_path / f"matrix{suffix}"
    r = cli("-p", str(folder), "matrix", "--rows", "themes", "-o", str(out))
    assert r.exit_code == 0, r.stderr
    assert f"({fmt.name})" in r.stderr
    rows = read_back(out, fmt)
    if fmt.name == "json":
        data = rows[0][0]
        assert data["rows"] == expected["matrix_rows"] == ["talent", "odd", "rec"]
        assert data["cells"] == expected["matrix_cells"]
        assert [c["en"] for c in data["col_labels"]] == expected["matrix_cols"]
        return
    head, body = rows[0], rows[1:]
    if fmt.name == "html":  # a row label, then the cells as shown
        assert [line[0] for line in body] == [t.replace(" · ", " · ") for t in THEMES]
        figures = [[int(v) for v in line[1:]] for line in body]
    else:  # code id, label, Chinese label, then the figures
        assert head[:3] == ["Code id", "Code", "編碼"]
        assert [line[0] for line in body] == expected["matrix_rows"]
        assert body[1][2] == "特殊文字"
        figures = [[int(v) for v in line[3:]] for line in body]
    assert figures == expected["matrix_cells"]
    assert sum(map(sum, figures)) > 0


@pytest.mark.parametrize(("fmt", "suffix"), _cases(COOCCURRENCE_FORMATS))
def test_every_cooccurrence_format_writes_a_file_its_library_reads(
    cli, folder: Path, expected: dict, tmp_path: Path, fmt: FileFormat, suffix: str
) -> None:
    out = tmp_path / f"cooc{suffix}"
    r = cli("-p", str(folder), "cooccurrence", "-o", str(out))
    assert r.exit_code == 0, r.stderr
    rows = read_back(out, fmt)
    codes, counts = expected["cooc_codes"], expected["cooc_counts"]
    assert len(codes) >= 5 and counts[codes.index("talent")][codes.index("talent")] == 4
    if fmt.name == "json":
        data = rows[0][0]
        assert data["codes"] == codes and data["counts"] == counts
        assert len(data["jaccard"]) == len(data["c"]) == len(codes)
        return
    n = len(codes) + 1  # the header, a row per code
    sheets = [rows[k : k + n] for k in range(0, len(rows), n)]
    assert len(sheets) == (3 if fmt.name == "xlsx" else 1)  # counts, jaccard, c
    assert sheets[0][0] == ["Code id", "Code", "編碼", *codes]
    assert [[int(v) for v in line[3:]] for line in sheets[0][1:]] == counts


def test_cooccurrence_csv_is_the_measure_shown_and_xlsx_puts_it_first(
    cli, folder: Path, expected: dict, tmp_path: Path
) -> None:
    out = tmp_path / "jaccard.xlsx"
    r = cli("-p", str(folder), "cooccurrence", "--measure", "jaccard", "-o", str(out))
    assert r.exit_code == 0, r.stderr
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames == ["jaccard", "counts", "c"]
    wb.close()
    printed = cli("-p", str(folder), "cooccurrence", "--measure", "jaccard", "--format", "csv")
    rows = list(csv.reader(io.StringIO(printed.stdout)))
    got = [[float(v) if v else None for v in line[3:]] for line in rows[1:]]
    want = expected["cooc_jaccard"]
    assert got == [[pytest.approx(v) if v is not None else None for v in line] for line in want]
    assert any(0 < v < 1 for line in got for v in line if v is not None)


@pytest.mark.parametrize(("fmt", "suffix"), _cases(FRAMEWORK_FORMATS))
def test_every_framework_format_writes_a_file_its_library_reads(
    cli, folder: Path, expected: dict, tmp_path: Path, fmt: FileFormat, suffix: str
) -> None:
    out = tmp_path / f"framework{suffix}"
    r = cli("-p", str(folder), "framework", "-o", str(out))
    assert r.exit_code == 0, r.stderr
    assert f"({fmt.name})" in r.stderr
    n = expected["framework_passages"]
    assert f"2 rows x 3 themes, {n} passages" in r.stdout
    rows = read_back(out, fmt)
    table = rows[: 1 + len(expected["framework_rows"])]
    assert table[0][-3:] == THEMES
    assert [line[0] for line in table[1:]] == expected["framework_rows"] == ["AC1", "IL1"]
    text = "\n".join(str(c) for line in table for c in line)
    assert "陳大文話: retirements hurt." in text
    assert text.count("“") == n  # each passage once


@pytest.mark.parametrize(
    ("command", "formats"),
    [("matrix", MATRIX_FORMATS), ("cooccurrence", COOCCURRENCE_FORMATS)],
)
def test_text_formats_print_what_the_file_holds_and_binary_ones_ask_for_a_file(
    cli, folder: Path, tmp_path: Path, command: str, formats
) -> None:
    for fmt in formats.formats:
        printed = cli("-p", str(folder), command, "--format", fmt.name)
        if fmt.binary:
            assert printed.exit_code == 1
            assert f"{fmt.label} needs a file" in printed.stderr
            assert f"-o FILE{fmt.suffixes[0]}" in printed.stderr
            continue
        assert printed.exit_code == 0, printed.stderr
        out = tmp_path / f"{command}-named.txt"  # the name wins over the suffix
        written = cli("-p", str(folder), command, "--format", fmt.name, "-o", str(out))
        assert written.exit_code == 0, written.stderr
        assert printed.stdout.rstrip("\n") == out.read_text(encoding="utf-8-sig").rstrip("\n")


def test_a_suffix_no_format_of_the_command_has_is_refused_with_the_choices(
    cli, folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "cooc.html"  # a matrix has a page; co-occurrence does not
    r = cli("-p", str(folder), "cooccurrence", "-o", str(out))
    assert r.exit_code == 1 and not out.exists()
    assert "cannot tell the format from 'cooc.html'" in r.stderr
    assert "csv, json or xlsx" in r.stderr and ".csv, .json or .xlsx" in r.stderr
    r = cli("-p", str(folder), "framework", "-o", str(tmp_path / "fw.csv"))
    assert r.exit_code == 1 and "Pass --format (xlsx, docx or md)" in r.stderr
    r = cli("-p", str(folder), "matrix", "--format", "table", "-o", str(tmp_path / "m.csv"))
    assert r.exit_code == 1 and "table is the terminal's table" in r.stderr
