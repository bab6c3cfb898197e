"""Where an export may write: never over the project's own files (issue 19).

``export quotes -o codebook.yaml --format csv`` used to succeed; the project then could not
read its codebook. Refused: the database and its side files, ``codebook.yaml``,
``jobrules.yaml``, ``pseudonyms.yaml``, anything in ``backups/`` and ``transcripts/``, and the
files the transcripts were imported from and their recordings. A path is compared by where
it really leads (symbolic links, ``..``) and, when it exists, by inode (hard links).
"""

from __future__ import annotations

import os
from pathlib import Path

from mpu_qual.errors import MpuQualError
from mpu_qual.evidence.rules import RULES_NAME
from mpu_qual.fileio import is_database_file
from mpu_qual.pseudonymise import PSEUDONYMS_FILE
from mpu_qual.safety.backup import BACKUP_DIR
from mpu_qual.store import Project
from mpu_qual.store.project import CODEBOOK_NAME, TRANSCRIPTS_DIR

PROTECTED_FILES = (CODEBOOK_NAME, RULES_NAME, PSEUDONYMS_FILE)
PROTECTED_FOLDERS = (BACKUP_DIR, TRANSCRIPTS_DIR)


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _same_file(a: Path, b: Path) -> bool:
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def project_file_reason(project: Project, path: str | Path) -> str | None:
    """What of the project's own ``path`` is (e.g. "the project's codebook"), or None."""
    target = Path(path)
    real = _real(target)
    folder = _real(project.folder)
    if is_database_file(target) or is_database_file(real) or real.name.startswith("project.db"):
        if real.parent == folder or is_database_file(target) or is_database_file(real):
            return "the project database file"
    for name in PROTECTED_FILES:
        own = folder / name
        if real == own or _same_file(target, own):
            return f"the project's {name}"
    for name in PROTECTED_FOLDERS:
        if _within(real, folder / name):
            return f"in the project's {name}/ folder"
    for stored in project.sources.file_paths():
        own = Path(stored) if Path(stored).is_absolute() else project.folder / stored
        if real == _real(own) or _same_file(target, own):
            return "a transcript or recording of this project"
    return None


def refuse_project_file(project: Project, path: str | Path) -> None:
    """Raise before anything is written when ``path`` is one of the project's own files."""
    reason = project_file_reason(project, path)
    if reason is not None:
        raise MpuQualError(
            f"this is {reason}; an export never writes over the project's own files",
            path=path,
            hint="Choose another file name (outside backups/ and transcripts/).",
        )
