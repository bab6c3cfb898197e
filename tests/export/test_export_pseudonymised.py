"""--pseudonymise: no original name in any output format, stored text untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sample_projects import ALL_NAMES, LISTED, NAMES, all_text

from mpu_qual.export.quotes import export_quotes
from mpu_qual.export.summary import build_summary
from mpu_qual.export.summary_render import write_summary
from mpu_qual.pseudonymise import project_pseudonymiser
from mpu_qual.refi.import_into_project import import_qdpx_new
from mpu_qual.refi.qdpx_writer import export_qdpx
from mpu_qual.refi.writer import export_qdc
from mpu_qual.store import Project


@pytest.fixture
def outputs(small: Project, tmp_path: Path) -> list[Path]:
    (small.folder / "pseudonyms.yaml").write_text(yaml.safe_dump(LISTED), encoding="utf-8")
    pseudo = project_pseudonymiser(small)
    out: list[Path] = []
    for fmt in ("csv", "xlsx", "md", "docx", "html"):
        path = tmp_path / f"quotes.{fmt}"
        export_quotes(small, path, pseudo=pseudo)
        out.append(path)
    summary = build_summary(small, pseudo=pseudo)
    for fmt in ("md", "html", "docx"):
        path = tmp_path / f"summary.{fmt}"
        write_summary(summary, path)
        out.append(path)
    export_qdpx(small, tmp_path / "project.qdpx", pseudo)
    export_qdc(small, tmp_path / "codes.qdc", pseudo)
    return [*out, tmp_path / "project.qdpx", tmp_path / "codes.qdc"]


def test_the_names_are_in_the_unpseudonymised_data(small: Project) -> None:
    text = small.sources.get("session-1").text + " ".join(
        c.memo or "" for c in small.codings.list()
    )
    coders = {c.coder for c in small.codings.list()}
    for name in ALL_NAMES:
        assert name in text or name in coders, name  # the test below would prove nothing


def test_no_original_name_in_any_output(outputs: list[Path], small: Project) -> None:
    stored = small.sources.get("session-1").text
    for path in outputs:
        text = all_text(path).casefold()
        for name in ALL_NAMES:
            assert name.casefold() not in text, f"{name!r} found in {path.name}"
    assert small.sources.get("session-1").text == stored  # the transcript itself is unchanged
    assert "Chan Tai Man" in stored


def test_labels_replace_the_names(outputs: list[Path]) -> None:
    csv_text = outputs[0].read_text(encoding="utf-8-sig")
    assert "IL1 here. 我哋請人好難" in csv_text
    assert "AC1話: retirements hurt." in csv_text
    assert "[colleague] from [company] agrees" in all_text(outputs[-2])  # the .qdpx's text
    assert "我同[colleague]講過" in csv_text
    assert "Asked IL1 to say more." in csv_text


def test_the_map_is_never_exported(outputs: list[Path]) -> None:
    for path in outputs:
        text = all_text(path)
        assert "pseudonyms.yaml" not in text
        for label in set(NAMES) | set(LISTED.values()):
            for name in ALL_NAMES:
                assert f"{name}: {label}" not in text and f"{name},{label}" not in text


def test_pseudonymised_qdpx_quotes_match_the_pseudonymised_text(
    small: Project, tmp_path: Path
) -> None:
    pseudo = project_pseudonymiser(small)
    export_qdpx(small, tmp_path / "p.qdpx", pseudo)
    import_qdpx_new(tmp_path / "p.qdpx", tmp_path / "anon")
    with Project.open(tmp_path / "anon") as anon:
        got = sorted(c.quote for c in anon.codings.list())
        assert got == sorted(pseudo.apply(c.quote) for c in small.codings.list())
        assert all(p.name is None for p in anon.participants.list())
