"""`codebook show|check|load`: validation before writing, renames, refusals, merges, undo."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mpu_qual.errors import MpuQualError
from mpu_qual.store import Project

SRC = "focus-group-2025-12-08"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def remove_entry(path: Path, code_id: str) -> None:
    """Delete one code entry (and its nested lines) from codebook YAML text."""
    lines = path.read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if line.strip() == f"- id: {code_id}")
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = start + 1
    while end < len(lines) and (
        not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent
    ):
        end += 1
    path.write_text("\n".join(lines[:start] + lines[end:]), encoding="utf-8")


def code_some(folder: Path, code_id: str, spans: list[tuple[int, int]]) -> list[int]:
    with Project.open(folder) as p:
        return [p.codings.add(SRC, s, e, code_id).id for s, e in spans]


def test_show_tree_and_json(cli, demo_dir: Path) -> None:
    code_some(demo_dir, "factors.ecosystem.finance", [(10, 20), (30, 40)])
    res = cli("-p", str(demo_dir), "codebook", "show", "--lang", "zh")
    assert res.exit_code == 0, res.stderr
    assert "影響先進製造業發展的因素" in res.stdout and "財務資源獲取途徑" in res.stdout
    res = cli("codebook", "show", "-p", str(demo_dir), "--format", "json")
    rows = {r["id"]: r for r in json.loads(res.stdout)}
    assert rows["factors.ecosystem.finance"]["codings"] == 2
    assert rows["factors.ecosystem.finance"]["parent_id"] == "factors.ecosystem"
    assert rows["factors"]["depth"] == 0 and rows["factors.ecosystem.finance"]["depth"] == 2


def test_check_reports_ok_and_errors_with_location(cli, demo_dir: Path, tmp_path: Path) -> None:
    res = cli("-p", str(demo_dir), "codebook", "check")
    assert res.exit_code == 0 and "OK (5 themes" in res.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "version: 1\ncodes:\n  - {id: a, en: A, zh: 甲}\n  - {id: a, en: B, zh: 乙}\n",
        encoding="utf-8",
    )
    res = cli("codebook", "check", str(bad))
    assert res.exit_code == 1
    assert f"error: {bad}:4:5 [id]: duplicate code id 'a'" in res.stderr
    assert "Traceback" not in res.output


def test_invalid_codebook_load_writes_nothing(cli, demo_dir: Path, snapshot) -> None:
    code_some(demo_dir, "factors.ecosystem.finance", [(10, 20)])
    cb = demo_dir / "codebook.yaml"
    cases = {
        "duplicate": ("      - id: factors.talent_gap\n", "      - id: factors.ecosystem\n"),
        "unknown parent": (
            "            zh: 加強基建\n",
            "            zh: 加強基建\n            parent: nope\n",
        ),
        "missing label": ("            zh: 加強基建\n", ""),
        "yaml error": ("        en: Robust ecosystem\n", "        en: [Robust ecosystem\n"),
    }
    original = cb.read_text(encoding="utf-8")
    for what, (old, new) in cases.items():
        cb.write_text(original, encoding="utf-8")
        edit(cb, old, new)
        before = snapshot(demo_dir)
        res = cli("-p", str(demo_dir), "codebook", "load")
        assert res.exit_code == 1, what
        first = res.stderr.splitlines()[0]
        assert re.match(rf"error: {re.escape(str(cb))}:\d+:\d+", first), (what, first)
        assert snapshot(demo_dir) == before, what


def test_edited_labels_update_and_file_is_kept_verbatim(cli, demo_dir: Path) -> None:
    cb = demo_dir / "codebook.yaml"
    edit(cb, "        en: Robust ecosystem\n", "        en: A robust ecosystem\n")
    text = cb.read_bytes()
    res = cli("-p", str(demo_dir), "codebook", "load")
    assert res.exit_code == 0, res.stderr
    assert "1 code updated: factors.ecosystem" in res.stdout
    assert cb.read_bytes() == text  # comments and layout are the user's, not rewritten
    with Project.open(demo_dir) as p:
        assert p.codes.get("factors.ecosystem").label_en == "A robust ecosystem"
    assert cli("-p", str(demo_dir), "codebook", "load").stdout.strip() == "Codebook unchanged."


def test_rename_with_was_keeps_codings(cli, demo_dir: Path) -> None:
    ids = code_some(demo_dir, "factors.ecosystem.finance", [(10, 20), (50, 70)])
    parent_ids = code_some(demo_dir, "factors.ecosystem", [(5, 9)])
    cb = demo_dir / "codebook.yaml"
    edit(
        cb,
        "          - id: factors.ecosystem.finance\n",
        "          - id: factors.ecosystem.funding\n            was: factors.ecosystem.finance\n",
    )
    edit(
        cb,
        "      - id: factors.ecosystem\n",
        "      - id: factors.eco\n        was: factors.ecosystem\n",
    )
    res = cli("-p", str(demo_dir), "codebook", "load")
    assert res.exit_code == 0, res.stderr
    assert "renamed factors.ecosystem.finance -> factors.ecosystem.funding" in res.stdout
    assert "renamed factors.ecosystem -> factors.eco" in res.stdout
    with Project.open(demo_dir) as p:
        assert [p.codings.get(i).code_id for i in ids] == ["factors.ecosystem.funding"] * 2
        assert p.codings.get(parent_ids[0]).code_id == "factors.eco"
        assert p.codes.get("factors.ecosystem.funding").parent_id == "factors.eco"
        assert p.codes.get("factors.ecosystem.infrastructure").parent_id == "factors.eco"
        assert not any(
            c.id in ("factors.ecosystem", "factors.ecosystem.finance") for c in p.codes.list()
        )
        # one undo puts the old ids and the codings back
        assert p.history.undo() == "Load codebook"
        assert [p.codings.get(i).code_id for i in ids] == ["factors.ecosystem.finance"] * 2
        assert p.codes.get("factors.ecosystem.infrastructure").parent_id == "factors.ecosystem"


def test_removing_a_coded_code_is_refused_with_a_count(cli, demo_dir: Path, snapshot) -> None:
    code_some(demo_dir, "factors.ecosystem.standards", [(10, 20), (30, 40), (60, 61)])
    remove_entry(demo_dir / "codebook.yaml", "factors.ecosystem.standards")
    before = snapshot(demo_dir)
    res = cli("-p", str(demo_dir), "codebook", "load")
    assert res.exit_code == 1
    assert "factors.ecosystem.standards (3 codings)" in res.stderr
    assert "--merge-into" in res.stderr
    assert snapshot(demo_dir) == before


def test_removing_an_uncoded_code_works(cli, demo_dir: Path) -> None:
    remove_entry(demo_dir / "codebook.yaml", "factors.ecosystem.standards")
    res = cli("-p", str(demo_dir), "codebook", "load")
    assert res.exit_code == 0, res.stderr
    assert "1 code removed: factors.ecosystem.standards" in res.stdout


def test_merge_into_moves_codings(cli, demo_dir: Path) -> None:
    ids = code_some(demo_dir, "factors.ecosystem.standards", [(10, 20), (30, 40)])
    remove_entry(demo_dir / "codebook.yaml", "factors.ecosystem.standards")
    res = cli(
        "-p",
        str(demo_dir),
        "codebook",
        "load",
        "--merge-into",
        "factors.ecosystem.standards=factors.ecosystem.infrastructure",
    )
    assert res.exit_code == 0, res.stderr
    assert (
        "merged factors.ecosystem.standards into factors.ecosystem.infrastructure (2 codings moved)"
        in res.stdout
    )
    with Project.open(demo_dir) as p:
        assert {p.codings.get(i).code_id for i in ids} == {"factors.ecosystem.infrastructure"}


def test_merge_into_unknown_target_or_bad_syntax(cli, demo_dir: Path, snapshot) -> None:
    code_some(demo_dir, "factors.ecosystem.standards", [(10, 20)])
    remove_entry(demo_dir / "codebook.yaml", "factors.ecosystem.standards")
    before = snapshot(demo_dir)
    res = cli(
        "-p", str(demo_dir), "codebook", "load", "--merge-into", "factors.ecosystem.standards=nope"
    )
    assert res.exit_code == 1 and "'nope' is not in the codebook" in res.stderr
    res = cli("-p", str(demo_dir), "codebook", "load", "--merge-into", "no-equals-sign")
    assert res.exit_code == 1 and "must look like key=value" in res.stderr
    assert snapshot(demo_dir) == before


def test_dry_run_reports_and_changes_nothing(cli, demo_dir: Path, snapshot) -> None:
    code_some(demo_dir, "factors.ecosystem.standards", [(10, 20)])
    cb = demo_dir / "codebook.yaml"
    remove_entry(cb, "factors.ecosystem.standards")
    edit(cb, "        en: Robust ecosystem\n", "        en: Ecosystem\n")
    before = snapshot(demo_dir)
    res = cli(
        "-p",
        str(demo_dir),
        "codebook",
        "load",
        "--dry-run",
        "--merge-into",
        "factors.ecosystem.standards=factors.ecosystem.finance",
    )
    assert res.exit_code == 0, res.output
    assert "would be updated: factors.ecosystem" in res.stdout
    assert (
        "merged factors.ecosystem.standards into factors.ecosystem.finance (1 coding" in res.stdout
    )
    assert snapshot(demo_dir) == before


def test_load_other_file_becomes_the_project_codebook(cli, demo_dir: Path, tmp_path: Path) -> None:
    other = tmp_path / "v2.yaml"
    other.write_text(
        (demo_dir / "codebook.yaml")
        .read_text(encoding="utf-8")
        .replace("        zh: 建立穩健的生態系統\n", "        zh: 穩健的生態系統\n"),
        encoding="utf-8",
    )
    res = cli("-p", str(demo_dir), "codebook", "load", str(other))
    assert res.exit_code == 0, res.stderr
    assert (demo_dir / "codebook.yaml").read_bytes() == other.read_bytes()
    with Project.open(demo_dir) as p:
        assert p.codes.get("factors.ecosystem").label_zh == "穩健的生態系統"


def test_undo_of_codebook_edit_restores_the_yaml_file(cli, demo_dir: Path) -> None:
    cb = demo_dir / "codebook.yaml"
    edit(cb, "            zh: 加強基建\n", "            zh: 基建\n")
    assert cli("-p", str(demo_dir), "codebook", "load").exit_code == 0
    assert "zh: 基建\n" in cb.read_text(encoding="utf-8")
    res = cli("-p", str(demo_dir), "undo")
    assert res.stdout.strip() == "Undone: Load codebook"
    text = cb.read_text(encoding="utf-8")
    assert "加強基建" in text
    with Project.open(demo_dir) as p:
        assert p.codebook.load().get("factors.ecosystem.infrastructure").zh == "加強基建"
        assert p.codes.get("factors.ecosystem.infrastructure").label_zh == "加強基建"
    assert cli("-p", str(demo_dir), "redo").stdout.strip() == "Redone: Load codebook"
    assert "zh: 基建\n" in cb.read_text(encoding="utf-8")


def test_codebook_edit_through_the_api_writes_yaml(demo_project: Project) -> None:
    demo_project.codes.add("factors.ecosystem.land", "Land", "土地", parent_id="factors.ecosystem")
    cb = demo_project.codebook.load()
    assert cb.get("factors.ecosystem.land").zh == "土地"
    assert cb.get("factors.ecosystem.land").parent == "factors.ecosystem"
    demo_project.history.undo()
    assert "factors.ecosystem.land" not in demo_project.codebook.load().ids()


def test_undo_refuses_to_overwrite_a_codebook_with_errors(cli, demo_dir: Path, snapshot) -> None:
    cb = demo_dir / "codebook.yaml"
    edit(cb, "            zh: 加強基建\n", "            zh: 基建\n")
    assert cli("-p", str(demo_dir), "codebook", "load").exit_code == 0
    edit(cb, "        en: Robust ecosystem\n", "        en: [half-edited\n")  # user mid-edit
    before = snapshot(demo_dir)
    res = cli("-p", str(demo_dir), "undo")
    assert res.exit_code == 1 and f"error: {cb}:" in res.stderr
    assert snapshot(demo_dir) == before  # neither the database nor the user's file changed


def test_api_codebook_edit_refused_while_the_file_has_errors(demo_project: Project) -> None:
    cb = demo_project.codebook_path
    cb.write_text(cb.read_text(encoding="utf-8") + "  - {id: broken\n", encoding="utf-8")
    text = cb.read_bytes()
    with pytest.raises(MpuQualError, match="YAML syntax error"):
        demo_project.codes.add("factors.extra", "Extra", "額外")
    assert cb.read_bytes() == text
    assert "factors.extra" not in {c.id for c in demo_project.codes.list()}


def test_merge_into_does_not_duplicate_a_span_coded_with_both_codes(cli, demo_dir: Path) -> None:
    code_some(demo_dir, "factors.ecosystem.standards", [(10, 20), (30, 40)])
    code_some(demo_dir, "factors.ecosystem.infrastructure", [(10, 20)])
    remove_entry(demo_dir / "codebook.yaml", "factors.ecosystem.standards")
    res = cli(
        "-p",
        str(demo_dir),
        "codebook",
        "load",
        "--merge-into",
        "factors.ecosystem.standards=factors.ecosystem.infrastructure",
    )
    assert res.exit_code == 0, res.stderr
    with Project.open(demo_dir) as p:
        spans = [(c.start, c.end) for c in p.codings.list(code="factors.ecosystem.infrastructure")]
    assert spans == [(10, 20), (30, 40)]
