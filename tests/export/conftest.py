"""Fixtures for exports: the small project, the coded demo and the REFI-QDA reference files
(``tests/data/refi``)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from export_helpers import REFI_DIR, build_small_project, load_code_demo

from mpu_qual.store import Project


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


@pytest.fixture(scope="session")
def _coded_demo_template(_demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project coded by scripts/code_demo.py, with its evidence links, once."""
    folder = tmp_path_factory.mktemp("coded-demo") / "demo"
    shutil.copytree(_demo_template, folder)
    mp = pytest.MonkeyPatch()
    mp.setenv("MPU_QUAL_HOME", str(folder.parent / "home"))
    try:
        demo = load_code_demo()
        with Project.open(folder) as project:
            demo.apply_codings(project)
            demo.link_demo_evidence(project, folder.parent)
    finally:
        mp.undo()
    return folder


@pytest.fixture
def coded_demo(_coded_demo_template: Path, tmp_path: Path) -> Iterator[Project]:
    dest = tmp_path / "coded-demo"
    shutil.copytree(_coded_demo_template, dest)
    project = Project.open(dest)
    yield project
    project.close()


@pytest.fixture(scope="session")
def refi_dir() -> Path:
    path = REFI_DIR.resolve()
    assert (path / "Project.xsd").is_file(), (
        f"REFI-QDA reference files not found at {path}: they are part of the repository "
        "(tests/data/refi); is the checkout complete?"
    )
    return path
