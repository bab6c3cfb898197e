"""Import hygiene: layers that run one way, no UI in the core, deferred imports explained.

The domain packages must stay usable headless (scripts, the transcriber worker, tests), so
they never import ``textual`` or ``mpu_qual.tui``; only ``mpu_qual/tui`` may. The import-linter
contracts in pyproject.toml put every package in a layer; an import made inside a function
(hidden from a reader of the module's top) must be listed there with its reason.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from package_trees import parse

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "mpu_qual"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
DOMAIN = (
    "store",
    "codebook",
    "transcript_files",
    "speech",
    "evidence",
    "export",
    "refi",
    "team",
    "maintenance",
    "safety",
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
    for node in ast.walk(parse(source)):
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


def test_import_linter_contracts_are_kept() -> None:
    """The import-linter contracts in pyproject.toml hold: the layers run one way, and the
    domain never imports the UI."""
    exe = Path(sys.executable).with_name("lint-imports")
    cmd = [str(exe)] if exe.exists() else [shutil.which("lint-imports") or "lint-imports"]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Layers run one way KEPT" in result.stdout
    assert "Domain modules do not import the UI KEPT" in result.stdout
    assert "0 broken" in result.stdout


def test_every_package_has_a_layer() -> None:
    """A new package or top-level module must be placed in the layers contract."""
    (layers,) = [c for c in PYPROJECT["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
    placed = {name.strip() for layer in layers["layers"] for name in layer.split("|")}
    present = {
        p.stem if p.is_file() else p.name
        for p in PACKAGE.iterdir()
        if (p.is_dir() and (p / "__init__.py").exists())
        or (p.suffix == ".py" and p.stem not in ("__init__", "__main__"))
    }
    assert present - placed == set(), "not in the layers contract: " + ", ".join(present - placed)
    assert placed - present == set(), "layers name missing packages: " + ", ".join(placed - present)


def deferred_imports(source: str, where: str) -> list[tuple[str, str]]:
    """(place, module) of each import made inside a function body."""
    found = []
    for node in ast.walk(parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for sub in ast.walk(node):
                if isinstance(sub, ast.Import):
                    found += [(f"{where}:{sub.lineno}", a.name) for a in sub.names]
                elif isinstance(sub, ast.ImportFrom) and sub.module and not sub.level:
                    found.append((f"{where}:{sub.lineno}", sub.module))
    return found


def _covered(module: str, keys: dict[str, str]) -> str | None:
    """The most specific entry that covers ``module`` (itself or a package above it)."""
    found = [k for k in keys if module == k or module.startswith(k + ".")]
    return max(found, key=len) if found else None


def test_every_deferred_import_is_listed_with_a_reason() -> None:
    """Imports inside functions are the exception: each is listed in pyproject.toml
    ([tool.mpu-qual.deferred-imports]) with why it waits, and the list holds nothing stale."""
    keys: dict[str, str] = PYPROJECT["tool"]["mpu-qual"]["deferred-imports"]
    assert all(reason.strip() for reason in keys.values())
    used: set[str] = set()
    unlisted = []
    for f in sorted(PACKAGE.rglob("*.py")):
        where = str(f.relative_to(ROOT))
        for place, module in deferred_imports(f.read_text(encoding="utf-8"), where):
            key = _covered(module, keys)
            if key is None:
                unlisted.append(f"{place}: {module}")
            else:
                used.add(key)
    assert unlisted == [], "deferred imports without a reason in pyproject.toml:\n" + "\n".join(
        unlisted
    )
    assert set(keys) - used == set(), f"stale deferred-import entries: {sorted(set(keys) - used)}"


def test_the_deferred_import_scanner_sees_function_level_imports() -> None:
    source = "import os\ndef f():\n    import docx\n    from openpyxl import Workbook\n"
    assert [m for _p, m in deferred_imports(source, "x.py")] == ["docx", "openpyxl"]


MAX_MODULE_LINES = 550  # "about 500": small modules with one job each


def test_no_module_is_much_over_500_lines() -> None:
    """Small modules with one job each: split a module that grows past about 500 lines."""
    sizes = {
        str(f.relative_to(ROOT)): len(f.read_text(encoding="utf-8").splitlines())
        for f in sorted(PACKAGE.rglob("*.py"))
    }
    long = {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES}
    assert long == {}, f"modules over {MAX_MODULE_LINES} lines: {long}"
