"""The export formats, each declared once: coded quotes (``export quotes``) and theme
summaries (``summary``).

Everything that lists these formats reads it here: the CLI's ``--format`` choices and help,
the workbench's export form and palette titles, the format a file name implies, the error
hints and the README's tables (``scripts/readme_formats.py``; ``tests/test_where_to_add.py``
keeps them equal). Adding a format: its writer, a function ``(data, binary file) -> None``
(in ``quotes.py`` or ``summary_render.py``, or a module of its own), and one ``FileFormat``
line below; ``tests/export/test_export_format_registry.py`` then exports it through the CLI.
"""

from __future__ import annotations

from mpu_qual.file_formats import FileFormat, Formats

_Q = "mpu_qual.export.quotes"
QUOTE_FORMATS = Formats(
    "export format",
    (
        FileFormat(
            "csv", "CSV", (".csv",), f"{_Q}:write_csv", "UTF-8 with a BOM, a row per coding"
        ),
        FileFormat(
            "xlsx",
            "XLSX",
            (".xlsx",),
            f"{_Q}:write_xlsx",
            "a sheet per theme, and the matrix",
            binary=True,
        ),
        FileFormat("md", "Markdown", (".md", ".markdown"), f"{_Q}:write_markdown"),
        FileFormat("docx", "DOCX", (".docx",), f"{_Q}:write_docx", "Word", binary=True),
        FileFormat("html", "HTML", (".html", ".htm"), f"{_Q}:write_html"),
    ),
)

_S = "mpu_qual.export.summary_render"
SUMMARY_FORMATS = Formats(
    "summary format",
    (
        FileFormat("md", "Markdown", (".md", ".markdown"), f"{_S}:write_markdown", "tables"),
        FileFormat("html", "HTML", (".html", ".htm"), f"{_S}:write_html", "SVG charts"),
        FileFormat("docx", "DOCX", (".docx",), f"{_S}:write_docx", "Word, PNG charts", binary=True),
    ),
)
