"""The quote and summary formats are each declared once (export/formats.py); the CLI's
choices and help, the workbench's export form, suffix detection and the writers all come
from there (the README's tables: tests/test_where_to_add.py)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from mpu_qual.errors import MpuQualError
from mpu_qual.export.formats import QUOTE_FORMATS, SUMMARY_FORMATS
from mpu_qual.export.quotes import format_for
from mpu_qual.export.summary_render import summary_format
from mpu_qual.store import Project


def _read_back(path: Path) -> str:
    """The file's text as its own library reads it (so a writer picked for the wrong format
    fails here): CSV rows, XLSX cells, DOCX paragraphs, Markdown or HTML as text."""
    data = path.read_bytes()
    name = QUOTE_FORMATS.for_suffix(path) or SUMMARY_FORMATS.for_suffix(path)
    assert name is not None
    if name.name == "csv":
        assert data.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
        return "\n".join(" ".join(r) for r in rows)
    if name.name == "xlsx":
        wb = load_workbook(path, read_only=True)
        text = [
            str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row
        ]
        wb.close()
        return "\n".join(text)
    if name.name == "docx":
        return "\n".join(p.text for p in Document(str(path)).paragraphs)
    text = data.decode("utf-8")
    if name.name == "html":
        assert text.startswith("<!DOCTYPE html>")
    else:
        assert text.startswith("# ")
    return text


@pytest.mark.parametrize("suffix", QUOTE_FORMATS.suffixes)
def test_every_quote_suffix_writes_its_format(small: Project, cli, tmp_path: Path, suffix: str):
    out = tmp_path / f"quotes{suffix}"
    res = cli("-p", str(small.folder), "export", "quotes", "-o", str(out))
    assert res.exit_code == 0, res.stderr
    fmt = QUOTE_FORMATS.for_suffix(out)
    assert fmt is not None and f"({fmt.name})" in res.stdout
    text = _read_back(out)
    assert "Asked Chan Tai Man to say more." in text  # a memo of the small project


@pytest.mark.parametrize("suffix", SUMMARY_FORMATS.suffixes)
def test_every_summary_suffix_writes_its_format(small: Project, cli, tmp_path: Path, suffix: str):
    out = tmp_path / f"summary{suffix}"
    res = cli("-p", str(small.folder), "summary", "-o", str(out))
    assert res.exit_code == 0, res.stderr
    fmt = SUMMARY_FORMATS.for_suffix(out)
    assert fmt is not None and f"({fmt.name})" in res.stdout
    assert "Talent" in _read_back(out)  # the small project's theme


def test_format_names_win_over_the_suffix_and_unknown_ones_name_every_choice() -> None:
    for f in QUOTE_FORMATS.formats:
        assert format_for("quotes.txt", f.name.upper()) == f.name
    for f in SUMMARY_FORMATS.formats:
        assert summary_format("summary.txt", f.name) == f.name
    with pytest.raises(MpuQualError) as err:
        format_for("quotes.csv", "pdf")
    assert "unknown export format 'pdf'" in str(err.value)
    assert err.value.hint == "Use csv, xlsx, md, docx or html."
    with pytest.raises(MpuQualError) as err:
        summary_format("summary.pdf")
    assert "cannot tell the format from 'summary.pdf'" in str(err.value)
    assert (
        err.value.hint == "Pass --format (md, html or docx) or name the file .md, .html or .docx."
    )


def test_the_cli_and_the_workbench_form_offer_exactly_the_registry(cli) -> None:
    from mpu_qual.tui.screens.export import QUOTE_FIELDS, SUMMARY_FIELDS

    for command, registry, fields in (
        (("export", "quotes"), QUOTE_FORMATS, QUOTE_FIELDS),
        (("summary",), SUMMARY_FORMATS, SUMMARY_FIELDS),
    ):
        res = cli(*command, "--help")
        assert res.exit_code == 0
        assert f"[{'|'.join(registry.names)}]" in " ".join(res.stdout.split())
        assert all(s in res.stdout for s in registry.suffixes)
        hints = {f.name: f.hint for f in fields}
        assert hints["format"].startswith(registry.names_text())
        assert all(f.suffixes[0] in hints["output"] for f in registry.formats)


def test_every_writer_is_a_function_of_the_data_and_a_binary_file() -> None:
    import inspect

    for f in QUOTE_FORMATS.formats + SUMMARY_FORMATS.formats:
        writer = f.load()
        assert list(inspect.signature(writer).parameters)[1:] == ["fh"], f.function
