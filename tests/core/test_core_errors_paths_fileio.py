"""MpuQualError formatting, user folders (MPU_QUAL_HOME) and atomic private file writes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from mpu_qual import paths
from mpu_qual.errors import MpuQualError, NotFound
from mpu_qual.fileio import write_atomic, write_bytes_atomic, write_text_atomic


def test_error_location_formats() -> None:
    assert str(MpuQualError("bad", path="a.yaml", line=3, column=7)) == "a.yaml:3:7: bad"
    assert str(MpuQualError("bad", path="a.txt", line=3)) == "a.txt:3: bad"
    assert str(MpuQualError("bad", path="a.txt", column=7)) == "a.txt: bad"  # no line, no column
    assert str(MpuQualError("bad", field="code")) == "[code]: bad"
    assert str(MpuQualError("bad", path=Path("x"), line=1, field="id")) == "x:1 [id]: bad"
    assert str(MpuQualError("just a message")) == "just a message"
    err = NotFound("gone", hint="try again")
    assert isinstance(err, MpuQualError) and err.hint == "try again" and err.message == "gone"


def test_user_dir_follows_mpu_qual_home(mpu_home: Path) -> None:
    assert paths.user_dir() == mpu_home
    assert stat.S_IMODE(mpu_home.stat().st_mode) == 0o700
    assert paths.models_dir() == mpu_home / "models" and (mpu_home / "models").is_dir()


def test_user_dir_defaults_to_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MPU_QUAL_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert paths.user_dir() == tmp_path / "xdg" / "mpu-qual"


def test_atomic_write_is_private_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    os.chmod(target, 0o644)
    write_text_atomic(target, "新的內容\n")
    assert target.read_text(encoding="utf-8") == "新的內容\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    write_bytes_atomic(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "keep.txt"
    target.write_text("precious", encoding="utf-8")

    def crash(fh) -> None:
        fh.write(b"half of a new fi")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write_atomic(target, crash)
    assert target.read_text(encoding="utf-8") == "precious"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_write_into_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MpuQualError, match="folder does not exist") as info:
        write_text_atomic(tmp_path / "nope" / "x.txt", "x")
    assert info.value.path == str(tmp_path / "nope")
