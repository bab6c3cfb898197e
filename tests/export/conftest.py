"""Fixtures for exports: the demo project coded by scripts/code_demo.py, with evidence links."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sample_projects import load_code_demo

from mpu_qual.store import Project


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
