"""The analysis commands' file formats, each declared once: ``matrix``, ``cooccurrence`` and
``framework``.

Everything that lists these formats reads it here: the commands' ``--format`` choices and
help, the format a file name implies (``-o m.xlsx``), the error hints and the README's
tables (``scripts/readme_formats.py``; ``tests/test_where_to_add.py`` keeps them equal).
A matrix or co-occurrence writer is a function ``(AnalysisTable, binary file) -> None``, a
framework writer ``(Framework, binary file) -> None`` (both in ``render.py``); the command
prints a text format when no ``-o`` is given. Adding a format: its writer and one
``FileFormat`` line below; ``tests/analysis/test_analysis_formats.py`` then writes it
through the CLI and reads it back.
"""

from __future__ import annotations

from mpu_qual.file_formats import FileFormat, Formats

_R = "mpu_qual.analysis.render"
_CSV = FileFormat("csv", "CSV", (".csv",), f"{_R}:write_csv", "the table shown, UTF-8 with a BOM")

MATRIX_FORMATS = Formats(
    "matrix format",
    (
        _CSV,
        FileFormat(
            "json", "JSON", (".json",), f"{_R}:write_json", "every cell with its coding ids"
        ),
        FileFormat("xlsx", "XLSX", (".xlsx",), f"{_R}:write_xlsx", binary=True),
        FileFormat(
            "html", "HTML", (".html", ".htm"), f"{_R}:write_html", "a page, cells shaded by value"
        ),
    ),
)

COOCCURRENCE_FORMATS = Formats(
    "co-occurrence format",
    (
        _CSV,
        FileFormat("json", "JSON", (".json",), f"{_R}:write_json", "all three measures"),
        FileFormat(
            "xlsx", "XLSX", (".xlsx",), f"{_R}:write_xlsx", "a sheet per measure", binary=True
        ),
    ),
)

FRAMEWORK_FORMATS = Formats(
    "framework format",
    (
        FileFormat(
            "xlsx",
            "XLSX",
            (".xlsx",),
            f"{_R}:write_framework_xlsx",
            "a row per participant, and the coding ids",
            binary=True,
        ),
        FileFormat(
            "docx", "DOCX", (".docx",), f"{_R}:write_framework_docx", "Word, landscape", binary=True
        ),
        FileFormat(
            "md", "Markdown", (".md", ".markdown"), f"{_R}:write_framework_markdown", "printed"
        ),
    ),
)
