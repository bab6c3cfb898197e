"""Paths in QDA-XML: where a source's text sits, and how media files are named.

The standard names files with URL-like schemes: ``internal://NAME`` for a file in the
archive's ``sources/`` folder, ``relative://PATH`` for one relative to the project's
``basePath``, ``absolute://PATH`` for one anywhere else. Tools differ in practice:

- qc (qualitative-coding) 1.3 writes ``plainTextPath="admin-1.txt"`` with no scheme at all
  (its corpus path, sub-folders included) and puts the file in ``sources/``;
- some tools spell the folder ``Sources/``; names are matched without regard to case;
- QualCoder reads media ``path``s only with a scheme (``absolute://`` or ``relative://``);
  a bare path leaves it without the file.
"""

from __future__ import annotations

from pathlib import PurePosixPath, PureWindowsPath

from mpu_qual.errors import MpuQualError

INTERNAL = "internal://"
RELATIVE = "relative://"
ABSOLUTE = "absolute://"
_SCHEMES = (INTERNAL, RELATIVE, ABSOLUTE)


def has_scheme(path: str) -> bool:
    return "://" in path


def archive_candidates(path: str, label: str, where: str) -> list[str] | None:
    """Names inside the archive where a text path may point (``sources/`` first), or None
    when the path points outside the archive.

    Raises when the path would leave the archive (``..``, an absolute name).
    """
    p = path.strip()
    if p.lower().startswith(INTERNAL):
        name = p[len(INTERNAL) :]
        if "/" in name.strip("/") or "\\" in name or name in ("", ".", ".."):
            raise MpuQualError(f"{label}: text path '{path}' is not a file name", path=where)
        return [f"sources/{name}"]
    if has_scheme(p):
        return None  # relative://, absolute://, file:// ...: a file outside the archive
    rel = PurePosixPath(p.replace("\\", "/"))
    if not p or rel.is_absolute() or ".." in rel.parts or PureWindowsPath(p).drive:
        raise MpuQualError(
            f"{label}: text path '{path}' leaves the archive",
            path=where,
            hint="The archive looks damaged or malicious; nothing was imported.",
        )
    name = rel.as_posix()
    if name.lower().startswith("sources/"):
        return [name]
    return [f"sources/{name}", name]  # qc: the corpus path, kept under sources/


def media_path_from_xml(path: str | None, base_path: str | None) -> str | None:
    """A media file's path as mpu-qual stores it, from a source's ``path`` attribute.

    Media inside the archive (``internal://``) is not copied out: None.
    """
    if not path or not path.strip():
        return None
    p = path.strip()
    low = p.lower()
    if low.startswith(INTERNAL):
        return None
    if low.startswith(ABSOLUTE):
        rest = p[len(ABSOLUTE) :]
        return rest if rest.startswith("/") or PureWindowsPath(rest).drive else "/" + rest
    if low.startswith(RELATIVE):
        rest = p[len(RELATIVE) :].lstrip("/")
        if base_path and base_path.strip():
            base = base_path.strip().rstrip("/\\")
            return f"{base}/{rest}"
        return rest
    return p


def media_path_to_xml(media_path: str) -> tuple[str, bool]:
    """(``path`` attribute, is relative) for a stored media path: ``absolute://`` for an
    absolute path, ``relative://`` (against the project's ``basePath``) otherwise."""
    if media_path.lower().startswith(_SCHEMES):
        return media_path, media_path.lower().startswith(RELATIVE)
    win = PureWindowsPath(media_path)
    if win.drive and win.is_absolute():
        return ABSOLUTE + win.as_posix(), False
    posix = PurePosixPath(media_path.replace("\\", "/") if win.drive else media_path)
    if posix.is_absolute():
        return ABSOLUTE + posix.as_posix(), False
    return RELATIVE + "/" + posix.as_posix(), True
