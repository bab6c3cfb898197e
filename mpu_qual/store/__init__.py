"""The project store: one SQLite file per project, with an undo journal."""

from mpu_qual.store.project import Project, default_coder

__all__ = ["Project", "default_coder"]
