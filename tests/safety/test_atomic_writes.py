"""Every file mpu-qual writes goes through one atomic writer (``mpu_qual.fileio``).

A private temp file created with ``O_EXCL | O_NOFOLLOW`` (0600 whatever the umask), written,
fsynced, renamed over the target, and the folder fsynced. Issue #10 found ``jobs table -o``
writing its own ``FILE.tmp`` with the umask's mode, no fsync, and following a symbolic link
planted at ``FILE.tmp`` (overwriting the link's target).
"""

from __future__ import annotations

import ast
import os
import stat
from pathlib import Path

import pytest
from package_trees import parse
from safety_helpers import REPO_ROOT, mode
from torture import generate_jobs_csv

from mpu_qual import fileio

PACKAGE = REPO_ROOT / "mpu_qual"
ALLOWED = {PACKAGE / "fileio.py", PACKAGE / "safety" / "rawfiles.py"}  # the writer; the child
WRITE_MODE = set("wax+")
SAVE_TARGETS = {"fh", "buf"}  # libraries that save to a path save to our handle or a buffer


def _mode_arg(call: ast.Call, pos: int) -> object:
    if len(call.args) > pos and isinstance(call.args[pos], ast.Constant):
        return call.args[pos].value
    for k in call.keywords:
        if k.arg == "mode" and isinstance(k.value, ast.Constant):
            return k.value.value
    return None


def writes_outside_the_writer(source: str, where: str) -> list[str]:
    """Calls that create or change a file's content without ``fileio``."""
    found = []
    for node in ast.walk(parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        base = (
            func.value.id
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
            else ""
        )
        text = ast.unparse(node)
        bad = False
        if name == "open" and base != "os":
            m = _mode_arg(node, 1 if isinstance(func, ast.Name) else 0)
            bad = isinstance(m, str) and bool(set(m) & WRITE_MODE)
        elif name in ("write_text", "write_bytes", "touch"):
            bad = True
        elif base == "os" and name == "open":
            bad = any(flag in text for flag in ("O_WRONLY", "O_RDWR", "O_CREAT", "O_APPEND"))
        elif base == "os" and name == "fdopen":
            m = _mode_arg(node, 1)
            bad = isinstance(m, str) and bool(set(m) & WRITE_MODE)
        elif base == "shutil" and (name.startswith("copy") or name == "move"):
            bad = True
        elif name == "save" or (name == "ZipFile" and set(str(_mode_arg(node, 1))) & WRITE_MODE):
            target = node.args[0] if node.args else None
            bad = not (isinstance(target, ast.Name) and target.id in SAVE_TARGETS)
        if bad:
            found.append(f"{where}:{node.lineno}: {text[:100]}")
    return found


def test_every_file_is_written_through_the_atomic_writer() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path not in ALLOWED:
            found += writes_outside_the_writer(path.read_text(encoding="utf-8"), str(path))
    assert not found, "files written outside mpu_qual.fileio:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "code",
    [
        'def w(path, text):\n    tmp = path.with_name(path.name + ".tmp")\n    tmp.write_text(text)',
        'def w(p):\n    with open(p, "w") as f:\n        f.write("x")',
        "def w(wb, out):\n    wb.save(out)",
        "def w(src, dst):\n    shutil.copyfile(src, dst)",
        "def w(p):\n    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)",
    ],
)
def test_the_scan_finds_a_writer_of_its_own(code: str) -> None:
    assert writes_outside_the_writer(code, "example")


@pytest.fixture
def with_ads(cli, demo_dir: Path) -> Path:
    ads = demo_dir.parent / "ads.csv"
    generate_jobs_csv(ads, 200, seed=3)
    assert cli("-p", str(demo_dir), "jobs", "import", str(ads)).exit_code == 0
    return demo_dir


def test_a_link_planted_at_the_temp_name_is_never_followed(
    cli, with_ads: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = with_ads.parent / "tables.md"
    victim = with_ads.parent / "victim.txt"
    victim.write_text("keep me\n")
    # the name the old writer used, and the names the writer will try first
    os.symlink(victim, with_ads.parent / "tables.md.tmp")
    planted = [out.with_name(f".tables.md.planted{i}.tmp") for i in range(3)]
    for link in planted:
        os.symlink(victim, link)
    names = iter(planted)
    real = fileio._temp_name
    monkeypatch.setattr(fileio, "_temp_name", lambda t: next(names, None) or real(t))
    res = cli("-p", str(with_ads), "jobs", "table", "--format", "md", "-o", str(out))
    assert res.exit_code == 0, res.stderr
    assert victim.read_text() == "keep me\n"
    assert all(p.is_symlink() for p in planted)  # tried, refused (O_EXCL), left alone
    assert "|" in out.read_text(encoding="utf-8") and not out.is_symlink()
    assert mode(out) == 0o600


def test_files_are_private_whatever_the_umask(cli, with_ads: Path) -> None:
    folder = with_ads.parent
    old = os.umask(0)
    try:
        outputs = {
            "jobs table": ("jobs", "table", "--format", "csv", "-o", str(folder / "t.csv")),
            "quotes": ("export", "quotes", "--format", "xlsx", "-o", str(folder / "q.xlsx")),
            "qdpx": ("export", "qdpx", "-o", str(folder / "p.qdpx")),
            "summary": ("summary", "--format", "docx", "-o", str(folder / "s.docx")),
            "transcript": (
                "transcripts",
                "export",
                "focus-group-2025-12-08",
                "--format",
                "vtt",
                "-o",
                str(folder / "t.vtt"),
            ),
        }
        for what, args in outputs.items():
            res = cli("-p", str(with_ads), *args)
            assert res.exit_code == 0, (what, res.stderr)
            assert mode(Path(args[-1])) == 0o600, what
        (with_ads / "jobrules.yaml").unlink(missing_ok=True)
        assert cli("-p", str(with_ads), "jobs", "rules", "--init").exit_code == 0
        assert mode(with_ads / "jobrules.yaml") == 0o600
    finally:
        os.umask(old)


def test_the_rename_is_made_durable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[bool] = []
    real = os.fsync

    def record(fd: int) -> None:
        synced.append(stat.S_ISDIR(os.fstat(fd).st_mode))
        real(fd)

    monkeypatch.setattr(os, "fsync", record)
    fileio.write_text_atomic(tmp_path / "a.txt", "x")
    assert synced == [False, True]  # the file, then the folder after the rename
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]  # no temp file left


def test_nothing_is_ever_written_over_a_database(cli, demo_dir: Path) -> None:
    db = demo_dir / "project.db"
    before = db.stat()
    for args in (
        ("export", "quotes", "--format", "csv", "-o", str(db)),
        ("jobs", "table", "--format", "csv", "-o", str(db)),
    ):
        res = cli("-p", str(demo_dir), *args)
        assert res.exit_code == 1 and "project database file" in res.stderr
    after = db.stat()
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (
        before.st_ino,
        before.st_size,
        before.st_mtime_ns,
    )
