"""Shared fixtures: a private user dir, the demo project in tmp_path, a CLI runner.

Area-specific fixtures belong in tests/<area>/conftest.py.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sample_projects import build_small_project

from mpu_qual.safety.notices import shown_by
from mpu_qual.store import Project

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def mpu_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own user folder, so nothing touches the real home."""
    home = tmp_path / "mpu-home"
    monkeypatch.setenv("MPU_QUAL_HOME", str(home))
    return home


def copy_demo_files(dest: Path) -> Path:
    """The repository's codebook.yaml and transcripts/ (no project.db) copied to ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO_ROOT / "codebook.yaml", dest / "codebook.yaml")
    shutil.copytree(REPO_ROOT / "transcripts", dest / "transcripts")
    return dest


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo set up once per session (first-open import); tests get copies of it."""
    folder = copy_demo_files(tmp_path_factory.mktemp("demo-template") / "demo")
    mp = pytest.MonkeyPatch()
    mp.setenv("MPU_QUAL_HOME", str(folder.parent / "home"))
    try:
        Project.open(folder).close()
    finally:
        mp.undo()
    return folder


@pytest.fixture
def demo_dir(_demo_template: Path, tmp_path: Path) -> Path:
    """A folder holding a set-up copy of the demo project (closed)."""
    dest = tmp_path / "demo"
    shutil.copytree(_demo_template, dest)
    return dest


@pytest.fixture
def demo_project(demo_dir: Path) -> Iterator[Project]:
    """The demo project (repo codebook.yaml + transcripts/) in tmp_path, opened."""
    project = Project.open(demo_dir)
    yield project
    project.close()


@pytest.fixture
def cli(tmp_path: Path) -> Callable[..., Result]:
    """Run ``mpu-qual ARGS`` in-process; stdout and stderr are kept apart."""
    from mpu_qual.cli import main

    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(
            main,
            list(args),
            input=input,
            catch_exceptions=False,
            env={
                "MPU_QUAL_HOME": str(tmp_path / "mpu-home"),
                "MPU_QUAL_CODER": "tester",
                "COLUMNS": "200",
            },
        )

    return invoke


def _dump_db(path: Path) -> list[str]:
    """Every table and row of a project file, as SQL text, for before/after comparisons."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA trusted_schema = ON")
        return list(conn.iterdump())
    finally:
        conn.close()


def _snapshot(folder: Path) -> tuple[list[str], dict[str, bytes]]:
    files = {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
        and not p.name.startswith("project.db")
        and p.relative_to(folder).parts[0] != "backups"  # safety copies, not project state
    }
    return _dump_db(folder / "project.db"), files


@pytest.fixture
def snapshot() -> Callable[[Path], tuple[list[str], dict[str, bytes]]]:
    """``snapshot(folder)``: a dump of all tables plus every file's bytes (except backups/),
    to prove that a refused command left the project unchanged (compare before and after).

    The name hides syrupy's ``snapshot`` fixture; tests/tui/conftest.py re-exports syrupy's."""
    return _snapshot


@pytest.fixture(scope="session")
def _small_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("small") / "small"
    mp = pytest.MonkeyPatch()
    mp.setenv("MPU_QUAL_HOME", str(folder.parent / "home"))
    try:
        build_small_project(folder).close()
    finally:
        mp.undo()
    return folder


@pytest.fixture
def small(_small_template: Path, tmp_path: Path) -> Iterator[Project]:
    """A small bilingual project (names, CRLF, emoji, formula-like text), opened."""
    dest = tmp_path / "small"
    shutil.copytree(_small_template, dest)
    project = Project.open(dest)
    yield project
    project.close()


@pytest.fixture
def notices() -> Iterator[list[tuple[str, str]]]:
    """The library's notices (level, message) raised during the test, in order."""
    seen: list[tuple[str, str]] = []
    with shown_by(lambda level, message: seen.append((level, message))):
        yield seen
