"""Auto-coding a Latin phrase matches whole words; Chinese matches inside words."""

from __future__ import annotations

from mpu_qual.store import Project
from mpu_qual.transcript_files.parsers import parse_txt


def _project_with(tmp_path, text: str) -> Project:
    project = Project.init(tmp_path / "p")
    project.sources.add("t", parse_txt(text))
    return project


def test_latin_phrase_does_not_match_inside_words(tmp_path):
    project = _project_with(tmp_path, "IL1: The supervisor checks it.\nIL2: We need ISO 9001 now.")
    try:
        result = project.codings.autocode("training.qa", phrase="iso", unit="match")
        quotes = [c.quote for c in project.codings.list(code="training.qa")]
        assert result.created == 1
        assert quotes == ["ISO"]
    finally:
        project.close()


def test_chinese_phrase_matches_inside_longer_words(tmp_path):
    project = _project_with(tmp_path, "IL1: 其實請技術員真係好難。\nIL2: 技術好重要。")
    try:
        project.codings.autocode("training.qa", phrase="技術", unit="match")
        assert [c.quote for c in project.codings.list(code="training.qa")] == ["技術", "技術"]
    finally:
        project.close()
