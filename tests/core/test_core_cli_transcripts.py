"""`transcripts add|list|show|export|remove` with real files; bad files change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest

from mpu_qual.store import Project

ZH = (
    "Title: 第二場\n\n"
    "[00:00:03] 主持人：歡迎大家。\n"
    "[00:00:09] IL3: 我們很難請到技術員。\n"
    "[00:00:20] TE2: Apprenticeship 係一個方法。\n"
)
VTT = (
    "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v IL1>Hello from VTT.\n\n"
    "00:00:04.000 --> 00:00:06.000\n<v TP1>人工智能。\n"
)
SRT = "1\n00:00:01,000 --> 00:00:02,000\nAC1: SRT 第一句\n\n2\n00:00:03,000 --> 00:00:04,000\nTE1: second\n"


def make_docx(path: Path, paragraphs: list[str]) -> Path:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    d = tmp_path / "in"
    d.mkdir()
    out = {
        "utf8": d / "utf8.txt",
        "big5": d / "big5.txt",
        "utf16": d / "utf16.txt",
        "vtt": d / "v.vtt",
        "srt": d / "s.srt",
        "docx": d / "d.docx",
    }
    out["utf8"].write_text(ZH, encoding="utf-8")
    out["big5"].write_bytes(ZH.replace("Title: 第二場", "Title: 第三場").encode("big5"))
    out["utf16"].write_bytes(ZH.replace("第二場", "第四場").encode("utf-16"))
    out["vtt"].write_text(VTT, encoding="utf-8")
    out["srt"].write_text(SRT, encoding="utf-8")
    make_docx(out["docx"], ["Title: Word", "", "[00:00:01] IL2: 醫療器材", "TP2: Robotics and MES"])
    return out


def test_add_every_format_and_list(cli, demo_dir: Path, files: dict[str, Path]) -> None:
    res = cli("-p", str(demo_dir), "transcripts", "add", *map(str, files.values()))
    assert res.exit_code == 0, res.stderr
    assert res.stdout.count("Imported ") == 6
    with Project.open(demo_dir) as p:
        texts = {s.name: s.text for s in p.sources.list()}
        assert (
            texts["utf8"]
            == texts["big5"]
            == texts["utf16"]
            == ("歡迎大家。\n我們很難請到技術員。\nApprenticeship 係一個方法。")
        )
        assert p.sources.get("big5").metadata == {"title": "第三場"}
        assert p.sources.get("utf16").metadata == {"title": "第四場"}
        assert [(g.speaker, g.start_ms) for g in p.sources.segments("d")] == [
            ("IL2", 1000),
            ("TP2", None),
        ]
        assert {s.name: s.format for s in p.sources.list()} == {
            "focus-group-2025-12-08": "txt",
            "utf8": "txt",
            "big5": "txt",
            "utf16": "txt",
            "v": "vtt",
            "s": "srt",
            "d": "docx",
        }
        labels = {x.label for x in p.participants.list()}
        assert {"IL3", "TE2", "主持人"} <= labels
        assert {x.label: x.group_id for x in p.participants.list()}["主持人"] == "moderator"
    res = cli("-p", str(demo_dir), "transcripts", "list", "--format", "json")
    rows = {r["name"]: r for r in json.loads(res.stdout)}
    assert rows["utf8"]["segments"] == 3 and rows["utf8"]["speakers"] == 3
    assert rows["utf8"]["duration_ms"] is None or rows["utf8"]["duration_ms"] >= 9000
    res = cli("-p", str(demo_dir), "transcripts", "list")
    assert res.exit_code == 0 and "utf16" in res.stdout


def test_vtt_and_srt_are_both_imported(cli, demo_dir: Path, tmp_path: Path) -> None:
    vtt = tmp_path / "talk.vtt"
    vtt.write_text(VTT, encoding="utf-8")
    srt = tmp_path / "talk2.srt"
    srt.write_text(SRT, encoding="utf-8")
    assert cli("-p", str(demo_dir), "transcripts", "add", str(vtt), str(srt)).exit_code == 0
    with Project.open(demo_dir) as p:
        assert [(g.speaker, g.start_ms, g.end_ms) for g in p.sources.segments("talk")] == [
            ("IL1", 1000, 3000),
            ("TP1", 4000, 6000),
        ]
        assert p.sources.get("talk").text == "Hello from VTT.\n人工智能。"
        assert p.sources.get("talk2").text == "SRT 第一句\nsecond"
        assert [g.speaker for g in p.sources.segments("talk2")] == ["AC1", "TE1"]


def test_name_option_and_duplicates(cli, demo_dir: Path, files: dict[str, Path], snapshot) -> None:
    res = cli("-p", str(demo_dir), "transcripts", "add", str(files["utf8"]), "--name", "第二場")
    assert res.exit_code == 0 and "as '第二場'" in res.stdout
    before = snapshot(demo_dir)
    res = cli("-p", str(demo_dir), "transcripts", "add", str(files["utf8"]), "--name", "again")
    assert res.exit_code == 1 and "already in the project as '第二場'" in res.stderr
    copy = files["utf8"].with_name("第二場.txt")
    copy.write_text(ZH + "[00:00:30] IL3: 多一句。\n", encoding="utf-8")
    res = cli("-p", str(demo_dir), "transcripts", "add", str(copy))
    assert res.exit_code == 1 and "a transcript named '第二場' already exists" in res.stderr
    res = cli(
        "-p", str(demo_dir), "transcripts", "add", str(copy), str(files["vtt"]), "--name", "x"
    )
    assert res.exit_code == 1 and "one file at a time" in res.stderr
    assert snapshot(demo_dir) == before


BAD = {
    "unknown.pdf": (b"%PDF-1.7 whatever", "unknown transcript format '.pdf'", None),
    "empty.txt": (b"", "file is empty", None),
    "badts.txt": (
        "IL1: 你好\n[00:00:01] IL2: ok\n[00:75:00] IL2: no\n".encode(),
        "malformed timestamp",
        3,
    ),
    "nul.txt": (b"IL1: a\n\x00\x00\x00\x00binary\n", "NUL", 2),
    "cue.vtt": (b"WEBVTT\n\n00:00:01.000 --> soon\nhi\n", "malformed cue timing", 3),
    "cue.srt": (
        b"1\n00:00:01,000 --> 00:00:02,000\nok\n\nnot a number\n",
        "expected a cue number",
        5,
    ),
    "fake.docx": (b"PK but not really a zip", "not a valid DOCX", None),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_files_give_file_and_line_and_change_nothing(
    cli, demo_dir: Path, tmp_path: Path, snapshot, name: str
) -> None:
    content, message, line = BAD[name]
    path = tmp_path / name
    path.write_bytes(content)
    before = snapshot(demo_dir)
    res = cli("-p", str(demo_dir), "transcripts", "add", str(path))
    assert res.exit_code == 1
    first = res.stderr.splitlines()[0]
    prefix = f"error: {path}:{line}:" if line else f"error: {path}:"
    assert first.startswith(prefix), first
    assert message in first
    assert "1 of 1 files were not imported" in res.stderr
    assert "Traceback" not in res.output
    assert snapshot(demo_dir) == before


def test_one_bad_file_does_not_block_the_others(cli, demo_dir: Path, files, tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("[00:00:01] IL1: a\n[00:99] IL1: b\n", encoding="utf-8")
    res = cli("-p", str(demo_dir), "transcripts", "add", str(bad), str(files["srt"]))
    assert res.exit_code == 1
    assert "Imported" in res.stdout and "1 of 2 files were not imported" in res.stderr
    with Project.open(demo_dir) as p:
        assert {s.name for s in p.sources.list()} == {"focus-group-2025-12-08", "s"}


def test_show_prints_turns_with_offsets(cli, demo_dir: Path, files) -> None:
    cli("-p", str(demo_dir), "transcripts", "add", str(files["utf8"]))
    res = cli("-p", str(demo_dir), "transcripts", "show", "utf8", "--offsets")
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert lines[0] == "0-5 00:00:03 主持人: 歡迎大家。"
    assert lines[1] == "6-16 00:00:09 IL3: 我們很難請到技術員。"
    res = cli("-p", str(demo_dir), "transcripts", "show", "nope")
    assert res.exit_code == 1 and "no transcript 'nope'" in res.stderr
    assert "focus-group-2025-12-08" in res.stderr  # the hint lists what exists


@pytest.mark.parametrize("fmt", ["txt", "vtt", "srt"])
def test_export_to_stdout_and_file(cli, demo_dir: Path, tmp_path: Path, fmt: str) -> None:
    res = cli(
        "-p", str(demo_dir), "transcripts", "export", "focus-group-2025-12-08", "--format", fmt
    )
    assert res.exit_code == 0
    out = tmp_path / f"out.{fmt}"
    res2 = cli(
        "-p",
        str(demo_dir),
        "transcripts",
        "export",
        "focus-group-2025-12-08",
        "--format",
        fmt,
        "-o",
        str(out),
    )
    assert res2.exit_code == 0 and f"Wrote {out}" in res2.stderr
    assert out.read_text(encoding="utf-8") == res.stdout
    assert out.stat().st_mode & 0o077 == 0  # confidential: private file
    if fmt == "txt":
        original = (demo_dir / "transcripts" / "focus-group-2025-12-08.txt").read_text("utf-8")
        assert res.stdout == original
    elif fmt == "vtt":
        assert res.stdout.startswith("WEBVTT\n") and "<v IL1>" in res.stdout
    else:
        assert res.stdout.startswith("1\n00:00:05,000 --> 00:00:32,000\nModerator: ")


def test_export_errors(cli, demo_dir: Path, tmp_path: Path) -> None:
    res = cli(
        "-p", str(demo_dir), "transcripts", "export", "focus-group-2025-12-08", "--format", "pdf"
    )
    assert res.exit_code == 2 and "pdf" in res.stderr
    res = cli(
        "-p",
        str(demo_dir),
        "transcripts",
        "export",
        "focus-group-2025-12-08",
        "-o",
        str(tmp_path / "no" / "such" / "dir.txt"),
    )
    assert res.exit_code == 1 and "folder does not exist" in res.stderr


def test_remove_and_undo(cli, demo_dir: Path) -> None:
    with Project.open(demo_dir) as p:
        p.codings.add("focus-group-2025-12-08", 0, 30, "factors")
        before = (
            p.sources.get("focus-group-2025-12-08").text,
            len(p.sources.segments("focus-group-2025-12-08")),
        )
    res = cli("-p", str(demo_dir), "transcripts", "remove", "focus-group-2025-12-08")
    assert res.exit_code == 0 and "and 1 coding" in res.stdout
    with Project.open(demo_dir) as p:
        assert p.sources.list() == [] and p.codings.list() == []
        assert p.search("technician") == []
    assert cli("-p", str(demo_dir), "undo").exit_code == 0
    with Project.open(demo_dir) as p:
        src = p.sources.get("focus-group-2025-12-08")
        assert (src.text, len(p.sources.segments(src))) == before
        assert len(p.codings.list()) == 1
        assert p.search("technician")  # full-text index restored with the segments
    res = cli("-p", str(demo_dir), "transcripts", "remove", "nope")
    assert res.exit_code == 1 and "no transcript 'nope'" in res.stderr
