"""Import, code, export, import again: the coded text (text[start:end]) is identical.

Also a couple of end-to-end runs of ``python -m mpu_qual`` in a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from mpu_qual.store import Project

MIXED = [
    "Title: Round trip",
    "Date: 2025-12-08",
    "",
    "[00:00:05] 主持人：歡迎大家，我哋開始。",
    "[00:00:12] IL1: We need R&D <and> QA & QC people.",
    "second line of IL1 with 技術員",
    "[00:00:30] TP1: 人工智能 AI inspection 同 predictive maintenance。",
    "AC1: an untimed turn",
    "",
    "A paragraph with no speaker at all.",
    "[00:01:10] TE1: Apprenticeship 係一個方法！Really.",
]


def write_source(folder: Path, kind: str) -> Path:
    if kind == "docx":
        document = docx.Document()
        for line in MIXED:
            para = document.add_paragraph(line)
            if line.startswith("[00:00:12]"):
                para.add_run().add_break()
                para.add_run("  soft break line  ")
        path = folder / "mixed.docx"
        document.save(str(path))
        return path
    path = folder / "mixed.txt"
    path.write_text("\n".join(MIXED) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("kind", ["txt", "docx"])
@pytest.mark.parametrize("fmt", ["txt", "vtt", "srt"])
def test_round_trip_keeps_coded_text(
    cli, demo_dir: Path, tmp_path: Path, kind: str, fmt: str
) -> None:
    p_ = ("-p", str(demo_dir))
    source = write_source(tmp_path, kind)
    assert cli(*p_, "transcripts", "add", str(source)).exit_code == 0
    with Project.open(demo_dir) as p:
        text = p.sources.get("mixed").text
        spans = [(0, len(text))] + [(g.start, g.end) for g in p.sources.segments("mixed")]
        for needle in ("R&D <and>", "技術員", "人工智能 AI", "untimed", "方法！Really"):
            s = text.index(needle)
            spans.append((s, s + len(needle)))
        for s, e in spans:
            p.codings.add("mixed", s, e, "training")
        p.codings.autocode("manpower.technical", regex=r"AI|QA", unit="match", sources=["mixed"])
        p.codings.autocode("training.core", phrase="line", unit="sentence", sources=["mixed"])
        codings = [(c.start, c.end, c.quote) for c in p.codings.list(source="mixed")]
    assert len(codings) >= len(spans) + 3
    exported = tmp_path / f"exported.{fmt}"
    res = cli(*p_, "transcripts", "export", "mixed", "--format", fmt, "-o", str(exported))
    assert res.exit_code == 0, res.stderr
    res = cli(*p_, "transcripts", "add", str(exported), "--name", "again")
    assert res.exit_code == 0, res.stderr
    with Project.open(demo_dir) as p:
        again = p.sources.get("again")
        assert again.text == text
        for start, end, quote in codings:
            assert again.text[start:end] == quote
            p.codings.add("again", start, end, "training")  # the span is valid in the copy too
        old = [(g.speaker, g.start, g.end) for g in p.sources.segments("mixed")]
        assert [(g.speaker, g.start, g.end) for g in p.sources.segments("again")] == old
        if fmt == "txt":
            assert again.metadata == p.sources.get("mixed").metadata


def test_round_trip_of_the_demo_keeps_timestamps(cli, demo_dir: Path, tmp_path: Path) -> None:
    p_ = ("-p", str(demo_dir))
    for fmt in ("vtt", "srt"):
        out = tmp_path / f"demo.{fmt}"
        cli(*p_, "transcripts", "export", "focus-group-2025-12-08", "--format", fmt, "-o", str(out))
        assert cli(*p_, "transcripts", "add", str(out), "--name", f"demo-{fmt}").exit_code == 0
    with Project.open(demo_dir) as p:
        base = [
            (g.speaker, g.start_ms, g.start, g.end)
            for g in p.sources.segments("focus-group-2025-12-08")
        ]
        for fmt in ("vtt", "srt"):
            assert [
                (g.speaker, g.start_ms, g.start, g.end) for g in p.sources.segments(f"demo-{fmt}")
            ] == base


# ----------------------------------------------------------------------------- subprocess
def run(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MPU_QUAL_HOME": str(home), "MPU_QUAL_CODER": "e2e"}
    return subprocess.run(
        [sys.executable, "-m", "mpu_qual", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_python_dash_m_end_to_end(tmp_path: Path, mpu_home: Path) -> None:
    assert run("--version", cwd=tmp_path, home=mpu_home).stdout.strip() == "mpu-qual, version 0.1.0"
    res = run("init", "proj", cwd=tmp_path, home=mpu_home)
    assert res.returncode == 0, res.stderr
    transcript = tmp_path / "t.txt"
    transcript.write_text(
        "[00:00:01] IL1: 我哋需要更多技術員。\n[00:00:04] TE1: Agreed.\n", encoding="utf-8"
    )
    res = run("transcripts", "add", str(transcript), "-p", "proj", cwd=tmp_path, home=mpu_home)
    assert res.returncode == 0 and "Imported" in res.stdout, res.stderr
    res = run(
        "-p",
        "proj",
        "code",
        "add",
        "t",
        "--start",
        "6",
        "--end",
        "9",
        "--code",
        "manpower.technical",
        cwd=tmp_path,
        home=mpu_home,
    )
    assert res.returncode == 0, res.stderr
    res = run("-p", "proj", "code", "list", "--format", "json", cwd=tmp_path, home=mpu_home)
    rows = json.loads(res.stdout)
    assert [(r["quote"], r["participant"], r["coder"]) for r in rows] == [("技術員", "IL1", "e2e")]
    # errors: one line on stderr with the location, exit status 1, no traceback
    res = run(
        "-p",
        "proj",
        "code",
        "add",
        "t",
        "--start",
        "6",
        "--end",
        "999",
        "--code",
        "manpower.technical",
        cwd=tmp_path,
        home=mpu_home,
    )
    assert res.returncode == 1 and res.stdout == ""
    assert res.stderr.startswith("error: [span]: span 6-999 is outside the transcript 't'")
    assert "Traceback" not in res.stderr
    res = run("transcripts", "list", cwd=tmp_path / "proj", home=mpu_home)  # default -p is "."
    assert res.returncode == 0 and "t" in res.stdout
