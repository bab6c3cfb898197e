"""The project store: one SQLite file per project, with an undo journal.

``Project`` (project.py) is the facade; each concern has a module of its own: ``codes``,
``codebook_sync``, ``participants``, ``sources``, ``codings``, ``search``, ``history``.
"""

from mpu_qual.store.codings import default_coder
from mpu_qual.store.project import Project

__all__ = ["Project", "default_coder"]
