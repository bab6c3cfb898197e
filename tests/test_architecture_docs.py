"""docs/ARCHITECTURE.md cannot drift from the code.

Its API reference is generated (scripts/api_reference.py) and must be current; every module,
folder and ``p.<concern>.<method>`` it names must exist (the "old" column of the rename
tables excepted: those names are gone on purpose); its package map lists every package.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

from mpu_qual.store import Project

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "ARCHITECTURE.md"
PACKAGE = ROOT / "mpu_qual"
CONCERNS = ("codebook", "codes", "participants", "sources", "codings", "history")


def script(name: str) -> ModuleType:
    """One of the scripts that generate parts of docs/ARCHITECTURE.md, loaded as a module."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def api_reference() -> ModuleType:
    return script("api_reference")


def current_text() -> str:
    """The document without the "old" cells of the rename tables (they name what is gone)."""
    out = []
    in_rename = False
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            in_rename = "Renamed" in line
        if line.startswith("### ") and "old -> new" in line:
            in_rename = True
        if in_rename and line.startswith("|"):
            cells = line.split("|")
            line = "|".join(cells[:1] + cells[2:])  # drop the first (old) column
        out.append(line)
    return "\n".join(out)


def test_the_api_reference_is_generated_from_the_code_and_current() -> None:
    ref = api_reference()
    block = ref.current_doc_block(DOC.read_text(encoding="utf-8"))
    assert block is not None, "docs/ARCHITECTURE.md lost its api:start / api:end markers"
    assert block == ref.reference(), (
        "the API reference in docs/ARCHITECTURE.md is out of date: "
        "run python scripts/api_reference.py --write"
    )


# what a project folder holds (docs describe it; the repository has no such folder)
PROJECT_FOLDER = {"backups/"}


def _exists(name: str) -> bool:
    if name in PROJECT_FOLDER:
        return True
    name = name.rstrip("/")
    if (ROOT / name).exists() or (PACKAGE / name).exists():
        return True
    base = Path(name).name
    return any(True for _ in PACKAGE.rglob(base)) or any(True for _ in ROOT.glob(f"*/{base}"))


def test_every_module_and_folder_it_names_exists() -> None:
    text = current_text()
    names = set(re.findall(r"`([\w./-]*\w\.py|[\w./-]*\w/)`", text))
    names |= set(re.findall(r"(?<![\w/`])([a-z_]+(?:/[a-z_]+)*\.py)\b", text))
    missing = sorted(n for n in names if not _exists(n))
    assert missing == [], f"docs/ARCHITECTURE.md names files that do not exist: {missing}"


def test_every_project_method_it_names_exists() -> None:
    text = current_text()
    missing = []
    for concern, method in re.findall(r"\bp\.(\w+)\.(\w+)\(", text):
        if concern in CONCERNS:
            owner = type(getattr(_probe(), concern))
            if not hasattr(owner, method):
                missing.append(f"p.{concern}.{method}")
    for method in re.findall(r"\b(?:p|Project)\.(\w+)\(", text):
        if not hasattr(Project, method):
            missing.append(f"p.{method}")
    assert missing == [], f"docs/ARCHITECTURE.md names methods that do not exist: {missing}"


def _probe() -> Project:
    """A Project object without a database, only to look at its concern objects' types."""
    return Project(ROOT, db=None, readonly=True)  # type: ignore[arg-type]


def test_the_package_map_lists_every_package() -> None:
    text = DOC.read_text(encoding="utf-8")
    block = text[text.index("```\nmpu_qual/") : text.index("```", text.index("```\nmpu_qual/") + 3)]
    listed = set(re.findall(r"^  ([\w]+)(?:/|\.py)", block, flags=re.M))
    present = {
        p.stem if p.is_file() else p.name
        for p in PACKAGE.iterdir()
        if (p.is_dir() and (p / "__init__.py").exists())
        or (p.suffix == ".py" and p.stem not in ("__init__", "__main__"))
    }
    assert present - listed == set(), f"not in the package map: {sorted(present - listed)}"
    assert listed - present == set(), f"in the package map but gone: {sorted(listed - present)}"


def test_the_checks_see_a_stale_name() -> None:
    assert not _exists("mpu_qual/transcribe/models.py")
    assert _exists("store/codings.py") and _exists("schema_trust.py")
    assert not hasattr(type(_probe().codes), "tree")


def architecture_map() -> ModuleType:
    return script("architecture_map")


def test_the_package_map_and_schema_are_generated_from_the_code_and_current() -> None:
    """A new package, module or table changes the document, or this test fails."""
    gen = architecture_map()
    text = DOC.read_text(encoding="utf-8")
    for key, body in gen.blocks().items():
        assert gen.current_doc_block(text, key) == body, (
            f"the {key} section of docs/ARCHITECTURE.md is out of date: "
            "run python scripts/architecture_map.py --write"
        )


def test_the_package_map_lists_every_package_and_the_schema_every_table(tmp_path: Path) -> None:
    text = DOC.read_text(encoding="utf-8")
    packages = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file())
    assert [p for p in packages if f"  {p}/ " not in text] == []
    with Project.init(tmp_path / "p", import_transcripts=False) as p:
        tables = [
            name
            for (name,) in p.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%fts_%' "
                "AND name NOT LIKE 'sqlite_%'"
            )
        ]
    assert [t for t in tables if f"\n{t}(" not in text and f"\n{t} " not in text] == []
