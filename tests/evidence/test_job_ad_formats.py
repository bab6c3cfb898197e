"""The job-ad file types are declared once (evidence/readers.py FORMATS): every suffix there
is read by its reader, and the help and error hints list exactly those suffixes (the README's
table: tests/test_where_to_add.py)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest

from mpu_qual.errors import MpuQualError
from mpu_qual.evidence.readers import FORMATS, detect_format, open_reader

HEAD = ["platform", "ad_id", "date", "title", "company", "industry", "description"]
ADS = [
    ["JobsDB", "J1", "2024-12-05", "實驗室技術員", "ABC Ltd", "製造業", "熟悉機器視覺"],
    ["CTgoodjobs", "C7", "2025-01-10", "PLC Engineer", "XYZ Ltd", "Electronics", "Needs PLC."],
]


def write_ads(path: Path, fmt: str) -> Path:
    """Two ads in format ``fmt`` (a name in FORMATS), written by each format's own library."""
    if fmt == "csv":
        delimiter = "\t" if path.suffix == ".tsv" else ","
        with path.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f, delimiter=delimiter).writerows([HEAD, *ADS])
    elif fmt == "xlsx":
        wb = openpyxl.Workbook()
        for r in [HEAD, *ADS]:
            wb.active.append(r)
        wb.save(path)
    elif fmt == "jsonl":
        lines = [json.dumps(dict(zip(HEAD, ad, strict=True)), ensure_ascii=False) for ad in ADS]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:  # a format added to FORMATS needs a sample here
        raise AssertionError(f"no sample for job-ad format {fmt}")
    return path


@pytest.mark.parametrize("suffix", FORMATS.suffixes)
def test_every_suffix_is_read_by_its_formats_reader(tmp_path: Path, suffix: str) -> None:
    fmt = FORMATS.for_suffix(Path(f"x{suffix}"))
    assert fmt is not None
    path = write_ads(tmp_path / f"ads{suffix}", fmt.name)
    assert detect_format(path) == fmt.name
    with open_reader(path, {}) as reader:
        assert type(reader) is fmt.load() and reader.format == fmt.name
        rows = list(reader)
    first = 1 if fmt.name == "jsonl" else 2  # JSON Lines have no heading row
    assert [(line, values["title"]) for line, values, _err in rows if values] == [
        (first, "實驗室技術員"),
        (first + 1, "PLC Engineer"),
    ]


def test_a_spreadsheet_with_another_suffix_is_read_and_old_xls_is_refused(tmp_path: Path) -> None:
    path = write_ads(tmp_path / "ads.xlsx", "xlsx").rename(tmp_path / "ads.export")
    assert detect_format(path) == "xlsx"
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(MpuQualError, match="old Excel .xls files cannot be read"):
        detect_format(tmp_path / "old.xls")


def test_an_unknown_file_names_every_suffix_we_read(tmp_path: Path) -> None:
    (tmp_path / "ads.odt").write_text("x", encoding="utf-8")
    with pytest.raises(MpuQualError) as err:
        detect_format(tmp_path / "ads.odt")
    assert "unknown file type '.odt'" in str(err.value)
    assert err.value.hint == (
        "Job ads are read from .csv, .tsv, .txt, .xlsx, .xlsm, .jsonl or .ndjson files."
    )


def test_jobs_import_help_lists_the_registry(cli) -> None:
    res = cli("jobs", "import", "--help")
    assert res.exit_code == 0
    assert all(s in res.stdout for s in FORMATS.suffixes)
