"""`./dev`: it installs only what is missing (a stand-in .venv records what pip was asked)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _checkout(tmp_path: Path, stamp_lines: list[str]) -> Path:
    """dev and pyproject.toml beside a .venv whose python and mpu-qual only log their calls."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "dev", tmp_path / "dev")
    shutil.copy2(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "project.db").write_bytes(b"")  # the demo is built: dev opens it
    bin_ = tmp_path / ".venv" / "bin"
    bin_.mkdir(parents=True)
    log = tmp_path / "calls.log"
    for name in ("python", "mpu-qual"):
        script = bin_ / name
        script.write_text(f'#!/bin/sh\necho "{name} $*" >> "{log}"\n', encoding="utf-8")
        script.chmod(0o755)
    stamp = tmp_path / ".venv" / ".mpu-qual-installed"
    stamp.write_text("".join(line + "\n" for line in stamp_lines), encoding="utf-8")
    return tmp_path


def _checksum(folder: Path) -> str:
    with (folder / "pyproject.toml").open("rb") as fh:
        return (
            subprocess.run(["cksum"], stdin=fh, capture_output=True, check=True)
            .stdout.decode()
            .strip()
        )


def _demo(folder: Path) -> list[str]:
    res = subprocess.run(
        ["bash", "dev", "demo", "--version"], cwd=folder, capture_output=True, text=True, timeout=60
    )
    assert res.returncode == 0, res.stderr
    return (folder / "calls.log").read_text(encoding="utf-8").splitlines()


def test_demo_after_the_tests_install_installs_nothing(tmp_path: Path) -> None:
    folder = _checkout(tmp_path, [])
    sum_ = _checksum(folder)
    (folder / ".venv" / ".mpu-qual-installed").write_text(
        f"[test,chinese,charts,cluster,diarize] {sum_}\n", encoding="utf-8"
    )
    assert _demo(folder) == ["mpu-qual --version"]


def test_demo_installs_when_pyproject_changed_or_an_extra_is_missing(tmp_path: Path) -> None:
    for n, lines in enumerate(
        (
            ["[test,chinese,charts,cluster,diarize] 1 2"],  # another pyproject.toml
            ["[chinese] {sum}", "[charts,test] 1 2"],  # charts: never with this one
        )
    ):
        folder = _checkout(tmp_path / str(n), [])
        sum_ = _checksum(folder)
        stamp = folder / ".venv" / ".mpu-qual-installed"
        stamp.write_text("".join(x.format(sum=sum_) + "\n" for x in lines), encoding="utf-8")
        calls = _demo(folder)
        assert "python -m pip install -q -e .[chinese,charts]" in calls, calls
        assert calls[-1] == "mpu-qual --version"
        assert stamp.read_text(encoding="utf-8").splitlines()[-1] == f"[chinese,charts] {sum_}"
        assert _demo(folder)[len(calls) :] == ["mpu-qual --version"]  # and not again
