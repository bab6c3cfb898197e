"""Reading commands start light: no UI, no numpy, no document or speech libraries.

The timing itself is a benchmark (benchmarks/bench_startup.py); these tests only check what a
reading command imports, which does not depend on the machine's load.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("textual", "numpy", "pandas", "openpyxl", "docx", "faster_whisper", "ctranslate2", "av")
PROBE = """
import json, sys
from mpu_qual.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})), file=sys.stderr)
"""


@pytest.mark.parametrize(
    "command", [["code", "list"], ["transcripts", "list"], ["codebook", "show"]]
)
def test_reading_commands_load_no_heavy_package(demo_dir: Path, command: list[str]) -> None:
    res = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=set(HEAVY)), "-p", str(demo_dir), *command],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip(), "the command printed nothing"
    assert json.loads(res.stderr.strip().splitlines()[-1]) == []


def test_sqlite_utils_is_imported_without_numpy_and_numpy_still_works() -> None:
    code = (
        "import sys, mpu_qual, sqlite_utils.db as d\n"
        "assert d.np is None and 'numpy' not in sys.modules\n"
        "import numpy\n"
        "assert numpy.arange(3).sum() == 3\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr


def test_when_numpy_is_already_loaded_the_hook_steps_aside() -> None:
    code = "import numpy, mpu_qual, sqlite_utils.db as d\nassert d.np is numpy\n"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
