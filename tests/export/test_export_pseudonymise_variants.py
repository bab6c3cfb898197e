"""Pseudonymisation catches the ways a name is really written, and transcript names too.

Issue #10: a transcript named after a participant ("interview-chan-tai-man") showed in the
quote attribution, the summary and the QDPX ``TextSource`` name, and "Chan-Tai-Man" inside a
quote was kept: name parts were only matched with spaces between them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sample_projects import all_text

from mpu_qual.export.quotes import export_quotes
from mpu_qual.export.summary import build_summary
from mpu_qual.export.summary_render import write_summary
from mpu_qual.pseudonymise import Pseudonymiser, project_pseudonymiser
from mpu_qual.refi.guids import guid
from mpu_qual.refi.qdpx_writer import export_qdpx
from mpu_qual.store import Project
from mpu_qual.transcript_files.parsed import ParsedSegment, ParsedTranscript

# any spelling of the name: parts in any case, joined by nothing, spaces or punctuation
LEAK = re.compile(r"chan[\W_]{0,3}tai[\W_]{0,3}man", re.IGNORECASE)
SOURCE = "interview-chan-tai-man"
VARIANTS = ["Chan-Tai-Man", "Chan, Tai Man", "CHAN Tai-man", "chan_tai_man", "Chan  Tai\u00a0Man"]


@pytest.mark.parametrize("written", VARIANTS)
def test_every_way_of_writing_a_listed_name_is_replaced(written: str) -> None:
    p = Pseudonymiser({"Chan Tai Man": "IL1"})
    assert p.apply(f"I asked {written} about it.") == "I asked IL1 about it."


@pytest.mark.parametrize(
    ("listed", "text"),
    [
        ("Chan-Tai-Man", "chan tai man said"),  # listed with hyphens, written with spaces
        ("Chan, Tai Man", "Chan Tai-man said"),
        ("Wong Siu Ming", "wong-siu-ming said"),
    ],
)
def test_the_list_may_use_any_separator_too(listed: str, text: str) -> None:
    assert Pseudonymiser({listed: "X1"}).apply(text) == "X1 said"


def test_other_words_are_left_alone() -> None:
    p = Pseudonymiser({"Chan Tai Man": "IL1", "Peter": "[colleague]"})
    for text in ("Chantaiman", "Chan Tai Manufacturing", "xChan Tai Man", "Peterson", "Chan Tai"):
        assert p.apply(text) == text
    assert p.apply("interview-chan-tai-man.txt") == "interview-IL1.txt"
    assert p.apply("fg_Peter_2024") == "fg_[colleague]_2024"


@pytest.fixture
def named_after(small: Project) -> Project:
    """A transcript named after participant IL1 (Chan Tai Man), saying the name in variants,
    with audio whose file name has the name too."""
    turns = [("IL1", f"This is {v} speaking about PLC training.") for v in VARIANTS]
    parsed = ParsedTranscript(
        segments=[
            ParsedSegment(text=t, speaker=s, start_ms=i * 5000, end_ms=i * 5000 + 4000)
            for i, (s, t) in enumerate(turns)
        ],
        metadata={"title": "Interview with Chan Tai Man"},
    )
    src = small.sources.add(SOURCE, parsed, media_path="/recordings/interview-chan-tai-man.m4a")
    for seg in small.sources.segments(src):
        small.codings.add(src, seg.start, seg.end, "talent.shortage")
    return small


def test_no_spelling_of_the_name_in_any_pseudonymised_output(
    named_after: Project, tmp_path: Path
) -> None:
    p = named_after
    assert LEAK.search(p.sources.get(SOURCE).text)  # the stored text has them (positive control)
    pseudo = project_pseudonymiser(p)
    outputs = []
    for fmt in ("csv", "md", "xlsx", "docx"):
        export_quotes(p, tmp_path / f"quotes.{fmt}", pseudo=pseudo)
        outputs.append(tmp_path / f"quotes.{fmt}")
    for fmt in ("md", "html"):
        write_summary(build_summary(p, pseudo=pseudo, quotes=10), tmp_path / f"summary.{fmt}")
        outputs.append(tmp_path / f"summary.{fmt}")
    export_qdpx(p, tmp_path / "project.qdpx", pseudo)
    outputs.append(tmp_path / "project.qdpx")
    for path in outputs:
        text = all_text(Path(path))
        found = LEAK.search(text)
        assert found is None, f"{found.group(0)!r} in {Path(path).name}"
    qdpx = all_text(tmp_path / "project.qdpx")
    assert 'name="interview-IL1"' in qdpx  # the source keeps a readable, neutral name
    assert guid("source", SOURCE) not in qdpx  # nor can its GUID confirm a guessed name
    assert "interview-IL1" in all_text(tmp_path / "quotes.csv")  # the attribution
    assert "interview-IL1" in all_text(tmp_path / "summary.md")
