"""Write the README's format tables from the format registries, so they cannot drift.

``python scripts/readme_formats.py`` prints them; ``--write`` puts each between its markers
(``<!-- KEY:start -->`` ... ``<!-- KEY:end -->``) in README.md. tests/test_where_to_add.py
fails when README.md is not current. A new kind of format registry adds one line to TABLES.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mpu_qual.analysis import formats as analysis_formats  # noqa: E402
from mpu_qual.evidence import readers  # noqa: E402
from mpu_qual.evidence import render as job_tables  # noqa: E402
from mpu_qual.export import formats as export_formats  # noqa: E402
from mpu_qual.transcript_files import formats as transcript_formats  # noqa: E402

README = ROOT / "README.md"

# marker key -> the table; each looks its registry up when called, so it shows what the
# registry holds now
TABLES: dict[str, Callable[[], str]] = {
    "transcript-formats": lambda: transcript_formats.readme_table(),
    "job-ad-formats": lambda: readers.FORMATS.readme_table("Read as"),
    "quote-formats": lambda: export_formats.QUOTE_FORMATS.readme_table("`export quotes --format`"),
    "summary-formats": lambda: export_formats.SUMMARY_FORMATS.readme_table("`summary --format`"),
    "matrix-formats": lambda: analysis_formats.MATRIX_FORMATS.readme_table("`matrix --format`"),
    "cooccurrence-formats": lambda: analysis_formats.COOCCURRENCE_FORMATS.readme_table(
        "`cooccurrence --format`"
    ),
    "framework-formats": lambda: analysis_formats.FRAMEWORK_FORMATS.readme_table(
        "`framework --format`"
    ),
    "job-table-formats": lambda: job_tables.TABLE_FORMATS.readme_table("`jobs table --format`"),
    "skill-table-formats": lambda: job_tables.SKILL_FORMATS.readme_table("`jobs skills --format`"),
}


def block(text: str, key: str) -> str | None:
    """What README ``text`` holds between ``key``'s markers (None: no markers)."""
    found = re.search(rf"<!-- {key}:start -->\n(.*?)\n?<!-- {key}:end -->", text, re.S)
    return found.group(1) if found else None


def current(text: str) -> str:
    """``text`` with every table regenerated."""
    for key, table in TABLES.items():
        start, end = f"<!-- {key}:start -->\n", f"<!-- {key}:end -->"
        head, found, rest = text.partition(start)
        if found:
            text = head + start + table() + "\n" + end + rest.partition(end)[2]
    return text


def main() -> None:
    if "--write" in sys.argv[1:]:
        README.write_text(current(README.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        for key, table in TABLES.items():
            print(f"{key}:\n{table()}\n")


if __name__ == "__main__":
    main()
