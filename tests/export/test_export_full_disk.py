"""A full disk during an XLSX or DOCX export: one plain message, no ZipFile traceback
(issue 19.12: "the disk is full; nothing was changed", then "Exception ignored in
ZipFile.__del__" with a traceback, printed when the half-written zip was collected)."""

from __future__ import annotations

import errno
import gc
import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mpu_qual import fileio
from mpu_qual.errors import MpuQualError
from mpu_qual.export.quotes import export_quotes
from mpu_qual.export.summary import build_summary
from mpu_qual.export.summary_render import write_summary
from mpu_qual.store import Project


class FullDisk(io.FileIO):
    """A real file whose disk fills up after ``room`` bytes."""

    room = 3000

    def write(self, data) -> int:  # type: ignore[override]
        if self.tell() + len(data) > self.room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return super().write(data)


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Every atomic write sees a disk that fills up; yields what reached sys.unraisablehook."""
    monkeypatch.setattr(fileio.os, "fdopen", lambda fd, mode="rb": FullDisk(fd, "wb"))
    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    yield unraisable
    gc.collect()  # nothing half-written may outlive the test


@pytest.mark.parametrize("suffix", ["xlsx", "docx"])
def test_a_full_disk_stops_a_quote_export_with_one_message(
    small: Project, tmp_path: Path, full_disk: list[object], suffix: str
) -> None:
    out = tmp_path / f"q.{suffix}"
    with pytest.raises(MpuQualError, match="the disk is full; nothing was changed"):
        export_quotes(small, out)
    gc.collect()
    assert full_disk == []  # nothing left for ZipFile.__del__ to fail on
    assert not out.exists() and list(tmp_path.glob("*.tmp*")) == []


def test_a_full_disk_stops_a_docx_summary_with_one_message(
    small: Project, tmp_path: Path, full_disk: list[object]
) -> None:
    out = tmp_path / "s.docx"
    with pytest.raises(MpuQualError, match="the disk is full; nothing was changed"):
        write_summary(build_summary(small), out, "docx")
    gc.collect()
    assert full_disk == []
    assert not out.exists()


def test_the_cli_prints_no_traceback_when_the_disk_fills(
    cli, small: Project, full_disk: list[object]
) -> None:
    folder = Path(small.folder)
    res = cli("-p", str(folder), "export", "quotes", "-o", str(folder / "q.xlsx"))
    gc.collect()
    assert res.exit_code == 1 and "the disk is full; nothing was changed" in res.stderr
    assert "Traceback" not in res.stderr and full_disk == []
