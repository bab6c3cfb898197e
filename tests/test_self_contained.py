"""The repository stands alone: nothing that runs from it reads outside it.

A clone with nothing beside it must pass its own tests, so tests, scripts, benchmarks, ``dev`` and
CI may refer only to paths inside the checkout (fake paths used as *data*, such as the cloud-folder
names the storage checks classify, are fine: they are never opened). The scanner below flags the
ways a path escapes: the team's reference folder (``../shared``), absolute paths into this
workplace (``/work/...``), a ``".."`` joined onto a path in Python (hostile archive member names
such as ``"../evil.txt"`` are data, not paths we open), and ``Path(__file__)`` ancestors
(``parents[N]``, ``.parent.parent``) or ``$(dirname "$0")/..`` that climb above the repository
root. Every file under ``tests/data/`` must have its origin and licence in ``SOURCES.md``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
THIS = Path(__file__).resolve()

SHARED = re.compile(r"""(?:\.\./|/|["'])shared(?:["'/\\]|$)""", re.MULTILINE)
WORKPLACE = re.compile(r"""(?<![\w.])/work(?:/|\b)""")
DOTDOT_PY = re.compile(r"""(?:/\s*|Path\(\s*|join\([^)]*,\s*)["']\.\.(?:["'/\\])""")
PARENTS_N = re.compile(r"""__file__\)(?:\.resolve\(\))?(?:\.absolute\(\))?\.parents\[(\d+)\]""")
PARENT_CHAIN = re.compile(
    r"""__file__\)(?:\.resolve\(\))?(?:\.absolute\(\))?((?:\.parent(?!s))+)"""
)
SHELL_UP = re.compile(r"""dirname\s+"?\$(?:0|\{BASH_SOURCE\[0\]\}|BASH_SOURCE)"?\)"?((?:/\.\.)+)""")


def outside_references(text: str, rel: str) -> list[str]:
    """Each place in ``text`` (the file at ``rel`` inside the repository) that points outside it."""
    depth = len(Path(rel).parent.parts)  # folders between the repository root and the file
    is_python = rel.endswith(".py")
    found: list[str] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        where = f"{rel}:{lineno}"
        if SHARED.search(line):
            found.append(f"{where}: the shared reference folder ({line.strip()})")
        if WORKPLACE.search(line):
            found.append(f"{where}: an absolute path into /work ({line.strip()})")
        if is_python and DOTDOT_PY.search(line):
            found.append(f"{where}: a '..' path component ({line.strip()})")
        for m in PARENTS_N.finditer(line):
            if int(m.group(1)) > depth:
                found.append(f"{where}: parents[{m.group(1)}] is above the repository root")
        for m in PARENT_CHAIN.finditer(line):
            if m.group(1).count(".parent") - 1 > depth:
                found.append(f"{where}: .parent chain climbs above the repository root")
        for m in SHELL_UP.finditer(line):
            if m.group(1).count("..") > depth:
                found.append(f"{where}: dirname/.. climbs above the repository root")
    return found


def checked_files() -> list[Path]:
    """Everything that runs from the repository: tests, scripts, benchmarks, dev, CI, config."""
    files = [ROOT / "dev", ROOT / "pyproject.toml"]
    files += sorted(p for p in (ROOT / ".ci").rglob("*") if p.is_file())
    for folder in ("tests", "scripts", "benchmarks"):
        for p in sorted((ROOT / folder).rglob("*")):
            if not p.is_file() or p == THIS or "__pycache__" in p.parts:
                continue
            if p.suffix in (".py", ".sh", ".toml", ".cfg", ".ini", ".yaml", ".yml") or (
                not p.suffix and p.parent.name in ("scripts", ".ci")
            ):
                files.append(p)
    return [p for p in files if p.is_file()]


def test_nothing_refers_outside_the_repository() -> None:
    files = checked_files()
    assert len(files) > 50, "test files not found"
    offenders = [
        hit
        for f in files
        for hit in outside_references(
            f.read_text(encoding="utf-8", errors="replace"), f.relative_to(ROOT).as_posix()
        )
    ]
    assert offenders == [], "paths outside the repository:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    ("text", "rel"),
    [
        ('REFI_DIR = REPO_ROOT / ".." / "shared" / "refi"', "tests/export/helpers.py"),
        ("data = Path('../shared/refi/Project.xsd')", "tests/export/test_x.py"),
        ('root = Path(__file__).resolve().parents[2] / "shared"', "tests/x/test_y.py"),
        ("schema = '/work/shared/refi/Project.xsd'", "benchmarks/bench_x.py"),
        ("cp /work/main/codebook.yaml .", "dev"),
        ("ls ../shared/seed", ".ci/run"),
        ("here = Path(__file__).resolve().parents[3]", "tests/export/test_x.py"),
        ("here = Path(__file__).parent.parent.parent.parent", "tests/export/test_x.py"),
        ('cd "$(dirname "$0")/../.."', ".ci/run"),
        ('sample = ROOT / "../elsewhere/file.txt"', "scripts/x.py"),
    ],
)
def test_the_scanner_sees_paths_outside(text: str, rel: str) -> None:
    assert outside_references(text, rel)


@pytest.mark.parametrize(
    ("text", "rel"),
    [
        ('REFI_DIR = REPO_ROOT / "tests" / "data" / "refi"', "tests/export/helpers.py"),
        ("REPO_ROOT = Path(__file__).resolve().parents[2]", "tests/export/helpers.py"),
        ("REPO_ROOT = Path(__file__).resolve().parent.parent", "tests/conftest.py"),
        ('cd "$(dirname "$0")/.."', ".ci/run"),
        ("from docx.shared import Pt", "benchmarks/bench_export.py"),
        ('folder = "/home/wong/Dropbox/research/fg"', "tests/safety/test_storage.py"),
        ("shared_ownership = 1  # a shared fixture", "tests/x/test_y.py"),
    ],
)
def test_the_scanner_allows_paths_inside(text: str, rel: str) -> None:
    assert outside_references(text, rel) == []


def test_every_test_data_file_has_its_origin_in_sources() -> None:
    data = ROOT / "tests" / "data"
    sources = (data / "SOURCES.md").read_text(encoding="utf-8")
    missing = [
        p.relative_to(ROOT).as_posix()
        for p in sorted(data.rglob("*"))
        if p.is_file()
        and p.name not in ("SOURCES.md", "README.md")
        and f"`{p.relative_to(ROOT).as_posix()}`" not in sources
    ]
    assert missing == [], "tests/data files without a row in tests/data/SOURCES.md: " + ", ".join(
        missing
    )
