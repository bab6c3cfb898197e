"""Say what a file handed to ``import qdc`` or ``import qdpx`` really is.

People mix the two up (a project where a codebook is expected, and the reverse), or hand
over a QDA program's own project file. Reading the first bytes is enough to say which, and
to name the command that takes it, instead of reporting an XML syntax error.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from mpu_qual.errors import MpuQualError
from mpu_qual.fileio import refuse_database_file

QDPX = "a REFI-QDA project (.qdpx)"
QDC = "a REFI-QDA codebook (.qdc)"
QDE = "an unpacked REFI-QDA project file (.qde)"
OTHER = "neither a zip archive nor XML"
_HEAD = 4096
_ROOT = re.compile(rb"<\s*(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s/>]")
_NATIVE = {
    ".nvp": "an NVivo project (Windows)",
    ".nvpx": "an NVivo project (Mac)",
    ".atlproj": "an ATLAS.ti project bundle",
    ".atlproj23": "an ATLAS.ti project bundle",
    ".hpr7": "an ATLAS.ti 7 project",
    ".mx24": "a MAXQDA project",
    ".mx22": "a MAXQDA project",
    ".mx20": "a MAXQDA project",
    ".mx18": "a MAXQDA project",
    ".qda": "a QualCoder project folder",
}


def _xml_root(head: bytes) -> str | None:
    """The local name of the first element in an XML document's first bytes."""
    text = head.removeprefix(b"\xef\xbb\xbf")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = head.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            return None
    pos = 0
    while True:
        m = _ROOT.search(text, pos)
        if m is None:
            return None
        before = text[m.start() : m.start() + 2]
        if before in (b"<?", b"<!"):
            pos = m.end()
            continue
        return m.group(1).decode("ascii", "replace")


def what_is(path: str | Path) -> str:
    """QDPX, QDC, QDE, or a short description of what else the file is."""
    p = Path(path)
    refuse_database_file(p, "REFI-QDA file")  # never opened here: it would drop SQLite's locks
    try:
        with p.open("rb") as fh:
            head = fh.read(_HEAD)
    except FileNotFoundError:
        raise MpuQualError("file not found", path=p) from None
    except IsADirectoryError:
        if p.suffix.lower() == ".qda":
            return _NATIVE[".qda"]
        raise MpuQualError("this is a folder, not a file", path=p) from None
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(p) as z:
                names = z.namelist()
        except (zipfile.BadZipFile, OSError):
            return "a damaged zip archive"
        if any("/" not in n and n.lower().endswith(".qde") for n in names):
            return QDPX
        if p.suffix.lower() == ".docx" or "word/document.xml" in names:
            return "a Word document (.docx)"
        return "a zip archive with no .qde project file inside"
    root = _xml_root(head.lstrip())
    if root == "Project":
        return QDE
    if root == "CodeBook":
        return QDC
    if root is not None:
        return f"an XML file whose root element is <{root}>"
    native = _NATIVE.get(p.suffix.lower())
    if native:
        return native
    return OTHER


def _advice(kind: str) -> str:
    if kind in _NATIVE.values():
        return "Export it from that program as REFI-QDA (File > Export > REFI-QDA project)."
    return "Export the project or codebook from the other program as REFI-QDA."


def expect_codebook(path: str | Path) -> None:
    """Refuse, saying what the file is and which command takes it, unless it is a .qdc."""
    kind = what_is(path)
    if kind == QDC:
        return
    if kind == QDPX:
        raise MpuQualError(
            f"this is {QDPX}, not a codebook",
            path=path,
            hint=f"Import the whole project with 'mpu-qual import qdpx {path}'; it brings "
            "its codes into the codebook too.",
        )
    if kind == QDE:
        raise MpuQualError(
            f"this is {QDE}, not a codebook",
            path=path,
            hint="Import the .qdpx archive it came from with 'mpu-qual import qdpx FILE'.",
        )
    raise MpuQualError(
        f"this is {kind}, not a REFI-QDA codebook (.qdc)", path=path, hint=_advice(kind)
    )


def expect_project(path: str | Path) -> None:
    """Refuse, saying what the file is and which command takes it, unless it is a .qdpx."""
    kind = what_is(path)
    if kind == QDPX:
        return
    if kind == QDC:
        raise MpuQualError(
            f"this is {QDC}, not a project",
            path=path,
            hint=f"Merge its codes with 'mpu-qual import qdc {path}'.",
        )
    if kind == QDE:
        raise MpuQualError(
            f"this is {QDE}, not the .qdpx archive",
            path=path,
            hint="Import the .qdpx file it was unpacked from (a zip archive holding "
            "project.qde and sources/).",
        )
    what = (
        f"this is {kind}: not a valid .qdpx (zip) archive" if kind == OTHER else f"this is {kind}"
    )
    raise MpuQualError(f"{what}, not a REFI-QDA project", path=path, hint=_advice(kind))
