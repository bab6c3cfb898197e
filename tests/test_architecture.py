"""Import hygiene: the library core and the CLI load no UI code.

The domain packages must stay usable headless (scripts, the transcriber worker, tests), so
they never import ``textual`` or ``mpu_qual.tui``; only ``mpu_qual/tui`` may.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mpu_qual"
DOMAIN = (
    "store",
    "codebook",
    "transcript_files",
    "speech",
    "evidence",
    "export",
    "refi",
    "team",
)
FORBIDDEN = ("textual", "mpu_qual.tui")


def test_importing_the_core_and_cli_loads_no_textual() -> None:
    code = (
        "import json, sys\n"
        "import mpu_qual, mpu_qual.store, mpu_qual.codebook, mpu_qual.transcript_files, mpu_qual.cli\n"
        "print(json.dumps(sorted(m for m in sys.modules\n"
        "      if m == 'textual' or m.startswith(('textual.', 'mpu_qual.tui')))))\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=PACKAGE.parent, timeout=60
    )
    assert res.returncode == 0, res.stderr
    loaded = json.loads(res.stdout)
    assert loaded == [], f"importing the core loaded UI modules: {loaded}"


def domain_files() -> list[Path]:
    files: list[Path] = []
    for name in DOMAIN:
        if (PACKAGE / f"{name}.py").is_file():
            files.append(PACKAGE / f"{name}.py")
        if (PACKAGE / name).is_dir():
            files.extend(sorted((PACKAGE / name).rglob("*.py")))
    return files


def _forbidden(name: str) -> bool:
    return any(name == f or name.startswith(f + ".") for f in FORBIDDEN)


def ui_imports(source: str, where: str) -> list[str]:
    """Every import of textual or mpu_qual.tui in ``source``, at any depth (inside functions
    too), including ``from ..tui import x`` and ``importlib.import_module("textual")``."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source, filename=where)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # relative: resolve against the package root well enough
                names = ["mpu_qual." + module] if module else []
                names += [
                    "mpu_qual." + (module + "." if module else "") + a.name for a in node.names
                ]
            else:
                names = [module] + [f"{module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Call):
            func = node.func
            fname = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if (
                fname in ("import_module", "__import__")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                names = [node.args[0].value]
        hits = [n for n in names if _forbidden(n)]
        if hits:
            found.append(f"{where}:{node.lineno}: {hits[0]}")
    return found


def test_domain_packages_never_import_the_ui() -> None:
    files = domain_files()
    assert len(files) >= 10, "domain packages not found"
    offenders = [
        hit
        for f in files
        for hit in ui_imports(f.read_text(encoding="utf-8"), str(f.relative_to(PACKAGE.parent)))
    ]
    assert offenders == [], "domain code imports the UI:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    "source",
    [
        "import textual",
        "from textual.app import App",
        "def f():\n    import textual.widgets as w",
        "from mpu_qual.tui import app",
        "from mpu_qual import tui",
        "from ..tui.app import run_app",
        "import importlib\nimportlib.import_module('textual')",
    ],
)
def test_the_scanner_sees_ui_imports(source: str) -> None:
    assert ui_imports(source, "probe.py")


@pytest.mark.parametrize(
    "source",
    [
        "import textwrap",
        "from mpu_qual.store import Project",
        "from .model import ParsedSegment",
        "from mpu_qual.transcript_files import textual_notes",
    ],
)
def test_the_scanner_allows_other_imports(source: str) -> None:
    assert ui_imports(source, "probe.py") == []


def test_import_linter_contract_is_kept() -> None:
    """The import-linter contract in pyproject.toml (domain never imports the UI) holds."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).with_name("lint-imports")
    cmd = [str(exe)] if exe.exists() else [shutil.which("lint-imports") or "lint-imports"]
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout
