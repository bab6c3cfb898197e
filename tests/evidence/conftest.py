"""Fixtures for job-ad evidence tests: empty projects, the generated data set imported once."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from jobads_gen import XLSX_MAP, Dataset, generate

from mpu_qual.evidence.fields import parse_mapping
from mpu_qual.evidence.importer import ImportReport, import_job_ads
from mpu_qual.evidence.rules import Rules, load_rules, write_default_rules
from mpu_qual.store import Project


def _with_home(folder: Path):
    mp = pytest.MonkeyPatch()
    mp.setenv("MPU_QUAL_HOME", str(folder / "home"))
    return mp


@pytest.fixture(scope="session")
def _empty_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("evidence-empty")
    mp = _with_home(base)
    try:
        Project.init(base / "proj", import_transcripts=False).close()
        write_default_rules(base / "proj")  # as 'mpu-qual init' does
    finally:
        mp.undo()
    return base / "proj"


@pytest.fixture
def project_dir(_empty_template: Path, tmp_path: Path) -> Path:
    """A new, closed project (bundled codebook, default jobrules.yaml, no ads)."""
    dest = tmp_path / "proj"
    shutil.copytree(_empty_template, dest)
    return dest


@pytest.fixture
def project(project_dir: Path) -> Iterator[Project]:
    p = Project.open(project_dir)
    yield p
    p.close()


@pytest.fixture(scope="session")
def rules() -> Rules:
    return load_rules()


class Imported:
    """The generated data set and the project it was imported into (read-only)."""

    def __init__(self, dataset: Dataset, folder: Path, reports: list[ImportReport]) -> None:
        self.dataset = dataset
        self.folder = folder
        self.reports = reports


@pytest.fixture(scope="session")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Imported:
    """Generate the data set and import all four files once for the whole session."""
    base = tmp_path_factory.mktemp("evidence-data")
    mp = _with_home(base)
    try:
        ds = generate(base / "exports")
        folder = base / "proj"
        project = Project.init(folder, import_transcripts=False)
        write_default_rules(folder)
        try:
            rules = load_rules(folder / "jobrules.yaml")
            files = ds.files
            first = import_job_ads(project, [files["csv"], files["big5"], files["jsonl"]], rules)
            second = import_job_ads(
                project, [files["xlsx"]], rules, mapping=parse_mapping(XLSX_MAP)
            )
        finally:
            project.close()
    finally:
        mp.undo()
    return Imported(ds, folder, [first, second])


@pytest.fixture
def imported_copy(imported: Imported, tmp_path: Path) -> Path:
    """A private copy of the imported project, for tests that change it."""
    dest = tmp_path / "imported"
    shutil.copytree(imported.folder, dest)
    return dest
