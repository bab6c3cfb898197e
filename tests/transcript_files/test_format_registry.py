"""Each transcript format is declared once (transcript_files/formats.py); every list of formats
(import, init, doctor, the CLI's choices and help, the README) is derived from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mpu_qual.store import Project
from mpu_qual.transcript_files import formats
from mpu_qual.transcript_files.formats import FORMATS, READ_SUFFIXES, WRITE_NAMES

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = {  # a tiny file of each format, two speakers
    "txt": "IL1: 我哋需要更多技術員。\nTP1: Training takes two years.\n",
    "vtt": "WEBVTT\n\n00:00.000 --> 00:02.000\n<v IL1>我哋需要更多技術員。\n\n"
    "00:02.000 --> 00:04.000\n<v TP1>Training takes two years.\n",
    "srt": "1\n00:00:00,000 --> 00:00:02,000\nIL1: 我哋需要更多技術員。\n\n"
    "2\n00:00:02,000 --> 00:00:04,000\nTP1: Training takes two years.\n",
    "sbv": "0:00:00.000,0:00:02.000\n>> IL1: 我哋需要更多技術員。\n\n"
    "0:00:02.000,0:00:04.000\n>> TP1: Training takes two years.\n",
    "html": "<html><body><p>IL1: 我哋需要更多技術員。</p><p>TP1: Training takes two years.</p>"
    "</body></html>",
}


def test_the_readme_table_is_the_registry() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(
        r"<!-- transcript-formats:start -->\n(.*?)\n<!-- transcript-formats:end -->", text, re.S
    )
    assert block, "README.md lost its transcript-formats markers"
    assert block.group(1) == formats.readme_table()


def test_every_suffix_belongs_to_one_format_and_names_are_unique() -> None:
    assert len(READ_SUFFIXES) == len(set(READ_SUFFIXES))
    assert len({f.name for f in FORMATS}) == len(FORMATS)
    assert all(s.startswith(".") and s == s.lower() for s in READ_SUFFIXES)
    assert all((f.read_text is None) != (f.read_file is None) for f in FORMATS)


FOLDER_SUFFIXES = [s for f in FORMATS for s in f.suffixes if s not in f.named_only]


@pytest.mark.parametrize("suffix", [s for s in FOLDER_SUFFIXES if s != ".docx"])
def test_init_and_doctor_see_every_format_the_importer_reads(tmp_path: Path, suffix: str) -> None:
    """init imports, and doctor lists as not yet imported, exactly the suffixes parse_file
    reads (they once had lists of their own, and .html imported but was ignored by both)."""
    from mpu_qual.maintenance.doctor import diagnose

    fmt = formats.detect_format(Path(f"x{suffix}"))
    folder = tmp_path / "p"
    (folder / "transcripts").mkdir(parents=True)
    (folder / "transcripts" / f"session{suffix}").write_text(SAMPLES[fmt], encoding="utf-8")
    with Project.init(folder) as p:
        [src] = p.sources.list()
        assert src.name == "session"
        assert [g.speaker for g in p.sources.segments(src)] == ["IL1", "TP1"]
    (folder / "transcripts" / f"later{suffix}").write_text(
        SAMPLES[fmt].replace("IL1", "IL2"), encoding="utf-8"
    )
    report = diagnose(folder)
    assert any(f"later{suffix}" in item for f in report.findings for item in f.items), [
        f.message for f in report.findings
    ]


def test_the_cli_offers_exactly_the_formats_we_write_and_names_those_we_read(cli) -> None:
    res = cli("transcripts", "export", "--help")
    assert res.exit_code == 0
    assert f"[{'|'.join(WRITE_NAMES)}]" in res.stdout
    res = cli("transcripts", "add", "--help")
    assert all(s in res.stdout for s in READ_SUFFIXES)


def test_an_unknown_suffix_names_every_format_we_read(tmp_path: Path) -> None:
    path = tmp_path / "notes.odt"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(Exception) as err:
        formats.parse_file(path)
    assert "unknown transcript format '.odt'" in str(err.value)
    assert all(f.suffixes[0] in (err.value.hint or "") for f in FORMATS)
