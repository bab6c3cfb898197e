"""The type checker passes on the whole package (issue 18): mypy, configured in pyproject.toml
([tool.mypy]: check_untyped_defs, warn_unused_ignores; third-party packages without types are
listed by name). Its cache lives under the system temp folder, so a second run in the same
machine takes a few seconds instead of ~25 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_passes_on_the_whole_package() -> None:
    cache = Path(tempfile.gettempdir()) / "mpu-qual-mypy-cache"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(cache), "--no-color-output"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = proc.stdout + proc.stderr
    # mypy checks the packages named in [tool.mypy] (mpu_qual, every module of it).
    assert "Success: no issues found" in report, report
    assert proc.returncode == 0, report
    checked = int(report.split("in ", 1)[1].split()[0])
    assert checked > 200, report  # the whole package, not an empty selection
