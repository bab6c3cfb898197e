"""Hostile .qdpx / .qdc files are refused with a clear error and nothing is written."""

from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path

import pytest

from mpu_qual.errors import MpuQualError
from mpu_qual.refi import safezip
from mpu_qual.refi.import_into_project import import_qdc, import_qdpx, import_qdpx_new
from mpu_qual.store import Project

GOOD_QDE = (
    '<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" name="x">'
    '<CodeBook><Codes><Code guid="11111111-2222-3333-4444-555555555555" name="A" '
    'isCodable="true"/></Codes></CodeBook></Project>'
)
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    '<Project xmlns="urn:QDA-XML:project:1.0" name="&lol3;"/>'
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    '<Project xmlns="urn:QDA-XML:project:1.0" name="&xxe;"/>'
)


def zip_with(
    path: Path, entries: dict[str, bytes], *, compress: bool = True, symlink: str | None = None
) -> Path:
    mode = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", compression=mode) as z:
        for name, data in entries.items():
            z.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, "/etc/passwd")
    return path


def tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from an empty folder, so a file written outside the target would show up."""
    box = tmp_path / "box"
    box.mkdir()
    monkeypatch.chdir(box)
    return box


@pytest.mark.parametrize(
    ("name", "entries", "message"),
    [
        ("laughs", {"project.qde": BILLION_LAUGHS.encode()}, "document type, entity"),
        ("xxe", {"project.qde": EXTERNAL_ENTITY.encode()}, "document type, entity"),
        ("dotdot", {"project.qde": GOOD_QDE.encode(), "../evil.txt": b"x"}, "leaves the archive"),
        (
            "deep",
            {"project.qde": GOOD_QDE.encode(), "sources/../../evil.txt": b"x"},
            "leaves the archive",
        ),
        (
            "absolute",
            {"project.qde": GOOD_QDE.encode(), "/tmp/evil.txt": b"x"},
            "leaves the archive",
        ),
        (
            "bomb",
            {"project.qde": GOOD_QDE.encode(), "sources/big.txt": b"\0" * (20 << 20)},
            "zip bomb",
        ),
        ("noqde", {"sources/a.txt": b"text"}, "no .qde project file"),
        ("badxml", {"project.qde": b"<Project name='x'><Sources>"}, "XML syntax error"),
        ("wrongroot", {"project.qde": b"<CodeBook/>"}, "expected a Project element"),
    ],
)
def test_hostile_archives_are_refused(
    sandbox: Path, tmp_path: Path, name: str, entries: dict[str, bytes], message: str
) -> None:
    archive = zip_with(tmp_path / f"{name}.qdpx", entries)
    before = tree(tmp_path)
    with pytest.raises(MpuQualError, match=message) as err:
        import_qdpx_new(archive, sandbox / "new")
    assert str(archive) in str(err.value)
    assert tree(tmp_path) == before, "something was written"
    assert not (tmp_path / "evil.txt").exists() and not Path("/tmp/evil.txt").exists()


def test_symlinks_and_encrypted_entries_are_refused(sandbox: Path, tmp_path: Path) -> None:
    archive = zip_with(
        tmp_path / "link.qdpx", {"project.qde": GOOD_QDE.encode()}, symlink="sources/link.txt"
    )
    with pytest.raises(MpuQualError, match="symbolic link"):
        import_qdpx_new(archive, sandbox / "new")
    assert not (sandbox / "new").exists()


def test_too_many_entries_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(safezip, "MAX_ENTRIES", 3)
    entries = {f"sources/{i}.txt": b"x" for i in range(4)}
    archive = zip_with(tmp_path / "many.qdpx", entries)
    with pytest.raises(MpuQualError, match="entries"):
        safezip.SafeZip(archive)


def test_an_entry_larger_than_its_header_says_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = b"A" * 5000
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("sources/t.txt", data)
    raw = bytearray(buf.getvalue())
    # Patch the declared uncompressed size (local header and central directory) to 10 bytes.
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        i = raw.index(sig)
        raw[i + off : i + off + 4] = (10).to_bytes(4, "little")
    path = tmp_path / "liar.qdpx"
    path.write_bytes(bytes(raw))
    with safezip.SafeZip(path) as z, pytest.raises(MpuQualError, match="sources/t.txt") as err:
        z.read("sources/t.txt")
    assert "larger than its header" in str(err.value) or "Bad CRC" in str(err.value)


def test_not_a_zip_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "x.qdpx"
    path.write_text("hello", encoding="utf-8")
    with pytest.raises(MpuQualError, match="not a valid .qdpx"):
        import_qdpx_new(path, tmp_path / "new")
    with pytest.raises(MpuQualError, match="file not found"):
        import_qdpx_new(tmp_path / "missing.qdpx", tmp_path / "new")
    assert not (tmp_path / "new").exists()


def test_hostile_qdc_into_an_open_project_changes_nothing(
    small: Project, tmp_path: Path, snapshot
) -> None:
    qdc = tmp_path / "evil.qdc"
    qdc.write_text(BILLION_LAUGHS.replace("Project", "CodeBook"), encoding="utf-8")
    folder = small.folder
    small.close()
    before = snapshot(folder)
    with Project.open(folder) as p:
        with pytest.raises(MpuQualError, match="document type, entity"):
            import_qdc(p, qdc)
        bomb = zip_with(
            tmp_path / "bomb.qdpx",
            {"project.qde": GOOD_QDE.encode(), "sources/b.txt": b"\0" * (20 << 20)},
        )
        with pytest.raises(MpuQualError, match="zip bomb"):
            import_qdpx(p, bomb)
    assert snapshot(folder) == before


def test_new_project_folder_must_be_empty(tmp_path: Path) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "keep.txt").write_text("mine", encoding="utf-8")
    archive = zip_with(tmp_path / "ok.qdpx", {"project.qde": GOOD_QDE.encode()})
    with pytest.raises(MpuQualError, match="not empty"):
        import_qdpx_new(archive, target)
    assert os.listdir(target) == ["keep.txt"]
