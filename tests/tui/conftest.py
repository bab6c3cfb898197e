"""Fixtures for the workbench tests: the demo project as an app, a second connection.

The root conftest defines a ``snapshot`` fixture (a database dump) whose name hides syrupy's;
snapshot tests here need syrupy's, so it is re-exported for this folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from syrupy import snapshot  # noqa: F401  (syrupy's fixture, used by snap_compare)

from mpu_qual.store import Project
from mpu_qual.tui.app import MpuQualApp, create_app


@pytest.fixture
def app(demo_dir: Path) -> MpuQualApp:
    """The workbench on a fresh copy of the demo project (not yet running)."""
    return create_app(demo_dir)


@pytest.fixture
def opened(demo_dir: Path) -> Iterator[Project]:
    """A second connection on the demo copy, for set-up before the app starts."""
    project = Project.open(demo_dir)
    yield project
    project.close()
