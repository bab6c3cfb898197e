"""No command writes a file over the project's own files (issue 19.11).

``export quotes -o codebook.yaml --format csv`` succeeded; the project then could not read
its codebook and ``doctor --repair`` could not fix it. Every command with ``-o`` is tried
against every kind of protected file (by name, through a symbolic link, as a hard link);
the command list is read from the CLI itself, so a new ``-o`` command cannot slip by.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import click
import pytest

from mpu_qual.cli import main
from mpu_qual.errors import MpuQualError
from mpu_qual.export.quotes import export_quotes
from mpu_qual.export.targets import project_file_reason
from mpu_qual.store import Project

REPO_ROOT = Path(__file__).resolve().parents[2]
SRC = "focus-group-2025-12-08"

# each command that writes a file with -o, with the arguments it needs besides -o
WRITERS: dict[str, list[str]] = {
    "export quotes": ["export", "quotes", "--format", "csv"],
    "export qdc": ["export", "qdc"],
    "export qdpx": ["export", "qdpx"],
    "summary": ["summary", "--format", "md"],
    "transcripts export": ["transcripts", "export", SRC],
    "transcripts clip": ["transcripts", "clip", SRC, "1"],
    "jobs table": ["jobs", "table", "--format", "md"],
    "jobs skills": ["jobs", "skills", "--format", "md"],
    "agreement": ["agreement", "--format", "csv"],
    "matrix": ["matrix", "--format", "csv"],
    "cooccurrence": ["cooccurrence", "--format", "csv"],
    "framework": ["framework"],
}
# -o of "backup" copies the database to an external disk; it never overwrites any file
NOT_EXPORTS = {"backup"}


def commands_with_output(group: click.Group, prefix: str = "") -> set[str]:
    found: set[str] = set()
    ctx = click.Context(group)
    for name in group.list_commands(ctx):  # as --help walks them (the main group is lazy)
        cmd = group.get_command(ctx, name)
        assert cmd is not None, name
        full = f"{prefix}{name}"
        if isinstance(cmd, click.Group):
            found |= commands_with_output(cmd, full + " ")
        elif any("--output" in getattr(p, "opts", []) for p in cmd.params):
            found.add(full)
    return found


def test_every_command_that_writes_a_file_is_checked_here() -> None:
    assert commands_with_output(main) == set(WRITERS) | NOT_EXPORTS


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def protected(folder: Path) -> dict[str, Path]:
    backups = sorted((folder / "backups").glob("*.db"))
    transcript = folder / "transcripts" / f"{SRC}.txt"
    return {
        "database": folder / "project.db",
        "wal": folder / "project.db-wal",
        "codebook": folder / "codebook.yaml",
        "job rules": folder / "jobrules.yaml",
        "backup": backups[0],
        "new file in backups": folder / "backups" / "new.csv",
        "transcript": transcript,
        "new file in transcripts": folder / "transcripts" / "new.txt",
    }


@pytest.fixture
def project_folder(cli, demo_dir: Path) -> Path:
    assert cli("-p", str(demo_dir), "backup").exit_code == 0
    if not (demo_dir / "jobrules.yaml").exists():
        shutil.copy(REPO_ROOT / "jobrules.yaml", demo_dir / "jobrules.yaml")
    return demo_dir


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_no_command_writes_over_the_project_files(cli, project_folder: Path, command) -> None:
    folder = project_folder
    for what, target in protected(folder).items():
        before = digest(target) if target.exists() else None
        res = cli("-p", str(folder), *WRITERS[command], "-o", str(target))
        assert res.exit_code == 1, (command, what, res.output)
        assert "never writes over the project's own files" in res.stderr, (command, what)
        assert (digest(target) if target.exists() else None) == before, (command, what)
    # through a symbolic link and as a hard link (another name for the same file)
    link = folder.parent / "innocent.csv"
    link.symlink_to(folder / "codebook.yaml")
    res = cli("-p", str(folder), *WRITERS[command], "-o", str(link))
    assert res.exit_code == 1 and "codebook.yaml" in res.stderr, (command, res.output)
    link.unlink()
    os.link(folder / "codebook.yaml", link)
    res = cli("-p", str(folder), *WRITERS[command], "-o", str(link))
    assert res.exit_code == 1 and "codebook.yaml" in res.stderr, (command, res.output)
    link.unlink()
    with Project.open(folder) as p:
        assert p.codebook.load().codes  # the project still reads its codebook


def test_an_ordinary_file_beside_the_project_is_written(cli, project_folder: Path) -> None:
    out = project_folder / "quotes.csv"
    res = cli("-p", str(project_folder), "export", "quotes", "-o", str(out))
    assert res.exit_code == 0 and out.stat().st_size > 0
    with Project.open(project_folder) as p:
        assert project_file_reason(p, out) is None
        assert project_file_reason(p, project_folder / "sub" / "report.md") is None


def test_the_library_refuses_too(demo_project: Project) -> None:
    with pytest.raises(MpuQualError, match="the project's codebook.yaml"):
        export_quotes(demo_project, demo_project.folder / "codebook.yaml", "csv")


def test_a_transcript_imported_from_elsewhere_and_its_recording_are_protected(
    cli, project_folder: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere" / "interview.txt"
    outside.parent.mkdir()
    outside.write_text("[00:00:01] IL1: We need technicians.\n", encoding="utf-8")
    recording = tmp_path / "elsewhere" / "interview.m4a"
    recording.write_bytes(b"not really audio")
    assert cli("-p", str(project_folder), "transcripts", "add", str(outside)).exit_code == 0
    with Project.open(project_folder) as p:
        p.conn.execute(
            "UPDATE sources SET media_path = ? WHERE name = 'interview'", [str(recording)]
        )
    for target in (outside, recording):
        before = digest(target)
        res = cli(
            "-p", str(project_folder), "export", "quotes", "--format", "csv", "-o", str(target)
        )
        assert res.exit_code == 1 and "a transcript or recording of this project" in res.stderr
        assert digest(target) == before
