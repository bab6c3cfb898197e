"""Who coded what: coders and their counts, the coder's name, the blind-mode setting.

Every coding carries a ``coder`` (``MPU_QUAL_CODER``, the workbench's ``--coder``, or the
login name). Codings made by tools that record no user have none; they are listed as
``(unknown)`` and take part in no agreement figure.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from mpu_qual.errors import MpuQualError
from mpu_qual.store import Project

UNKNOWN = "(unknown)"
MAX_NAME = 80
BLIND_KEY = "blind"


@dataclass
class CoderCount:
    """One coder: codings, distinct codes, transcripts, and codings per transcript."""

    coder: str | None
    codings: int
    codes: int
    sources: int
    first: str | None
    last: str | None
    per_source: dict[str, int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.coder if self.coder is not None else UNKNOWN


def coder_counts(project: Project, *, source: str | None = None) -> list[CoderCount]:
    """Every coder with codings (in one transcript with ``source``), most codings first."""
    sid = project.sources.get(source).id if source is not None else None
    out = {
        r[0]: CoderCount(r[0], r[1], r[2], r[3], r[4], r[5]) for r in project.team.coder_totals(sid)
    }
    per = project.team.coder_per_source(sid)
    for coder, name, n in per:
        out[coder].per_source[name] = n
    return sorted(out.values(), key=lambda c: (-c.codings, c.name.casefold()))


def known_coders(project: Project) -> list[str]:
    """Names of the coders who have codings, in name order."""
    return sorted(project.team.coders(), key=str.casefold)


def check_coder_name(name: str | None, *, what: str = "coder") -> str:
    """A coder's name as stored: trimmed, not empty, printable, at most 80 characters."""
    value = (name or "").strip()
    if not value:
        raise MpuQualError(
            f"the {what}'s name is empty",
            field=what,
            hint="Set MPU_QUAL_CODER=yourname or pass --coder NAME.",
        )
    if len(value) > MAX_NAME:
        raise MpuQualError(f"the {what}'s name is longer than {MAX_NAME} characters", field=what)
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise MpuQualError(f"the {what}'s name contains a control character", field=what)
    if value == UNKNOWN:
        raise MpuQualError(f"'{UNKNOWN}' is reserved; choose another name", field=what)
    return value


def resolve_coders(project: Project, names: list[str] | None) -> list[str]:
    """The coders an agreement is about: the names given (each must have codings), else
    every coder with codings. Errors name the coders that exist."""
    known = known_coders(project)
    listed = ", ".join(known) if known else "none yet"
    if not names:
        chosen = known
    else:
        chosen = []
        for raw in names:
            name = raw.strip()
            if not name:
                continue
            if name not in known:
                raise MpuQualError(
                    f"no codings by a coder named '{name}'",
                    field="coders",
                    hint=f"Coders in this project: {listed}.",
                )
            if name not in chosen:
                chosen.append(name)
    if len(chosen) < 2:
        who = f"only {chosen[0]}" if chosen else "nobody"
        raise MpuQualError(
            f"agreement needs at least two coders; {who} "
            + ("was chosen" if names else "has codings in this project"),
            field="coders",
            hint=f"Coders in this project: {listed}. "
            + (
                "Choose two or more of them with --coders A,B."
                if names
                else "Bring a colleague's work in with 'mpu-qual merge FOLDER' (or a .qdpx file)."
            ),
        )
    return chosen


# ----------------------------------------------------------------------------- settings
def get_setting(project: Project, key: str) -> str | None:
    return project.team.setting(key)


def set_setting(project: Project, key: str, value: str | None) -> None:
    """Set (or, with None, remove) a team setting in one transaction."""
    project.team.set_setting(key, value)


def blind_default(project: Project) -> bool:
    """Whether the workbench opens in blind mode (``mpu-qual coders blind on``)."""
    return get_setting(project, BLIND_KEY) == "on"


def set_blind_default(project: Project, on: bool) -> None:
    set_setting(project, BLIND_KEY, "on" if on else None)
