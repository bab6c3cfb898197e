"""One error type for everything a user can get wrong.

The CLI prints it as ``file:line:column: message`` plus a hint, never a traceback.
"""

from __future__ import annotations

from pathlib import Path


class MpuQualError(Exception):
    """An error caused by user input or project state, with its location."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.column = column
        self.field = field
        self.hint = hint

    @property
    def location(self) -> str:
        """``file:line:column`` (the parts that are known), or an empty string."""
        parts: list[str] = []
        if self.path:
            parts.append(self.path)
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        loc = ":".join(parts)
        if self.field:
            loc = f"{loc} [{self.field}]" if loc else f"[{self.field}]"
        return loc

    def __str__(self) -> str:
        loc = self.location
        return f"{loc}: {self.message}" if loc else self.message


class ProjectNotFound(MpuQualError):
    """The folder is not an mpu-qual project."""


class NotFound(MpuQualError):
    """A named thing (source, code, participant, coding) does not exist."""


class EncodingUnclear(MpuQualError):
    """A file's bytes read as text in more than one way (or none): the user must say which.

    ``candidates`` holds (encoding, label, line number, sample line) for each reading.
    """

    def __init__(self, message: str, candidates: list[tuple[str, str, int, str]], **kw) -> None:
        super().__init__(message, **kw)
        self.candidates = candidates
