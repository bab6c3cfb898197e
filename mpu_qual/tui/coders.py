"""Who is coding in this workbench, and blind mode (each coder sees only their own codings).

The coder's name comes from ``--coder``, else ``MPU_QUAL_CODER``; without either the login
name is used, except in blind mode, where the workbench asks (a shared login would otherwise
mix two people's double coding). Blind mode comes from ``--blind`` or the project setting
(``mpu-qual coders blind on``) and can be switched with B; switching it off shows everyone's
codings, for the review after agreement is measured.
"""

from __future__ import annotations

import os
from typing import TypeVar

from mpu_qual.store import Project, default_coder
from mpu_qual.store.records import Coding
from mpu_qual.team.coders import blind_default, check_coder_name, known_coders

C = TypeVar("C", bound=Coding)


class CoderState:
    def __init__(self, project: Project, coder: str | None = None, blind: bool | None = None):
        given = coder if coder is not None else os.environ.get("MPU_QUAL_CODER")
        self.explicit: str | None = check_coder_name(given) if given else None
        self.blind = blind_default(project) if blind is None else blind
        self.refresh(project)

    def refresh(self, project: Project) -> None:
        """Re-read how many coders the project has (after a merge, undo, ...)."""
        self.several = len(known_coders(project)) >= 2

    @property
    def name(self) -> str:
        """The name new codings get."""
        return self.explicit or default_coder()

    @property
    def needs_name(self) -> bool:
        return self.blind and not self.explicit

    def set_name(self, name: str) -> str:
        self.explicit = check_coder_name(name)
        return self.explicit

    def visible(self, codings: list[C]) -> list[C]:
        """The codings this coder may see: their own in blind mode, else all."""
        if not self.blind:
            return codings
        me = self.name
        return [c for c in codings if c.coder == me]

    def show_coders(self) -> bool:
        """Whether labels say whose coding it is (several coders, not blind)."""
        return self.several and not self.blind

    def code_counts(self, project: Project) -> dict[str, int]:
        """Codings per code, as the codebook panel shows them (one's own in blind mode)."""
        if not self.blind:
            return project.codes.counts()
        return project.codes.coder_counts(self.name)
