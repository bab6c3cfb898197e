"""Codebook parsing and validation: every mistake is reported with file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from mpu_qual.codebook import dump_codebook, load_codebook, parse_codebook, save_codebook
from mpu_qual.errors import MpuQualError

REPO_ROOT = Path(__file__).resolve().parents[2]

HEAD = """version: 1
name: Test
audiences:
  - {id: government, en: Government, zh: 政府}
codes:
"""


def write(tmp_path: Path, body: str, name: str = "codebook.yaml") -> Path:
    path = tmp_path / name
    path.write_text(HEAD + body, encoding="utf-8")
    return path


def error_of(path: Path) -> MpuQualError:
    with pytest.raises(MpuQualError) as info:
        load_codebook(path)
    return info.value


def test_bundled_codebook_is_identical_to_the_repository_root_one() -> None:
    bundled = REPO_ROOT / "mpu_qual" / "data" / "codebook.yaml"
    assert bundled.read_bytes() == (REPO_ROOT / "codebook.yaml").read_bytes()


def test_demo_job_rules_are_the_shipped_defaults() -> None:
    """The demo project's jobrules.yaml is what `init` copies for a new project."""
    shipped = REPO_ROOT / "mpu_qual" / "data" / "jobrules.yaml"
    assert shipped.read_bytes() == (REPO_ROOT / "jobrules.yaml").read_bytes()


def test_repository_codebook_loads_with_themes_and_bilingual_labels() -> None:
    cb = load_codebook(REPO_ROOT / "codebook.yaml")
    # the report's five finding sections, in its order
    assert [t.zh for t in cb.themes()] == [
        "影響先進製造業發展的因素",
        "人力需求",
        "培訓需求",
        "招聘上的挑戰",
        "建議",
    ]
    assert all(c.en and c.zh for c in cb.codes)
    # pre-order: every parent comes before its children, positions follow that order
    seen: set[str] = set()
    for i, c in enumerate(cb.codes):
        assert c.position == i
        assert c.parent is None or c.parent in seen
        seen.add(c.id)
    assert {g.id for g in cb.groups} >= {"industry_leader", "technology_provider", "academic"}


def test_duplicate_code_id_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "  - id: a\n    en: A\n    zh: 甲\n    codes:\n      - id: a\n        en: B\n        zh: 乙\n",
    )
    err = error_of(path)
    assert "duplicate code id 'a'" in err.message
    assert "line 6" in err.message  # where the first one is defined
    assert err.path == str(path)
    assert (err.line, err.column) == (10, 9)
    assert str(err).startswith(f"{path}:10:9")


def test_unknown_parent_is_reported_at_the_parent_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "  - id: a\n    en: A\n    zh: 甲\n  - id: b\n    en: B\n    zh: 乙\n    parent: nowhere\n",
    )
    err = error_of(path)
    assert "unknown parent 'nowhere'" in err.message
    assert (err.line, err.column, err.field) == (12, 13, "parent")


@pytest.mark.parametrize("missing", ["en", "zh", "id"])
def test_missing_label_or_id_is_reported_with_location(tmp_path: Path, missing: str) -> None:
    fields = {"id": "a", "en": "A", "zh": "甲"}
    del fields[missing]
    body = "  - " + "\n    ".join(f"{k}: {v}" for k, v in fields.items()) + "\n"
    err = error_of(write(tmp_path, body))
    assert f"has no '{missing}'" in err.message
    assert err.line == 6 and err.column == 5 and err.field == missing


def test_blank_label_counts_as_missing(tmp_path: Path) -> None:
    err = error_of(write(tmp_path, "  - {id: a, en: '  ', zh: 甲}\n"))
    assert "has no 'en'" in err.message and err.line == 6


def test_yaml_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "  - id: a\n    en: [unclosed\n    zh: 甲\n")
    err = error_of(path)
    assert err.message.startswith("YAML syntax error")
    assert err.line is not None and err.line >= 7 and err.column is not None
    assert err.hint


def test_duplicate_yaml_key_is_refused(tmp_path: Path) -> None:
    err = error_of(write(tmp_path, "  - id: a\n    en: A\n    en: B\n    zh: 甲\n"))
    assert "key 'en' appears twice" in err.message
    assert (err.line, err.column) == (8, 5)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("  - {id: Bad-Id, en: A, zh: 甲}\n", "ids use lowercase"),
        ("  - {id: a, en: A, zh: 甲, color: red}\n", "color must look like"),
        ("  - {id: a, en: A, zh: 甲, addresses: nobody}\n", "not one of the audiences"),
        ("  - {id: a, en: A, zh: 甲}\n  - {id: b, en: B, zh: 乙, was: a}\n", "still exists"),
        ("  - just a string\n", "must be a mapping"),
    ],
)
def test_other_invalid_entries(tmp_path: Path, body: str, expected: str) -> None:
    err = error_of(write(tmp_path, body))
    assert expected in err.message
    assert err.line is not None and err.path == str(tmp_path / "codebook.yaml")


def test_empty_and_non_mapping_and_missing_codes(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    assert "empty" in error_of(empty).message
    lst = tmp_path / "list.yaml"
    lst.write_text("- a\n- b\n", encoding="utf-8")
    assert "must be a mapping" in error_of(lst).message
    nocodes = tmp_path / "nocodes.yaml"
    nocodes.write_text("version: 1\nname: x\n", encoding="utf-8")
    assert "non-empty list 'codes'" in error_of(nocodes).message


def test_missing_file_and_non_utf8_file(tmp_path: Path) -> None:
    err = error_of(tmp_path / "nope.yaml")
    assert "not found" in err.message and err.path == str(tmp_path / "nope.yaml")
    bad = tmp_path / "big5.yaml"
    bad.write_bytes(b"version: 1\ncodes:\n  - {id: a, en: A, zh: " + "甲".encode("big5") + b"}\n")
    err = error_of(bad)
    assert "not UTF-8" in err.message and err.line == 3


def test_yaml_tags_that_run_code_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.yaml"
    path.write_text("!!python/object/apply:os.system ['echo hi']\n", encoding="utf-8")
    err = error_of(path)
    assert "YAML" in err.message


def test_children_inherit_theme_colour_and_audience(tmp_path: Path) -> None:
    cb = load_codebook(
        write(
            tmp_path,
            "  - id: rec\n    en: Rec\n    zh: 建議\n    color: '#123456'\n    addresses: government\n"
            "    codes:\n      - {id: rec.a, en: A, zh: 甲}\n",
        )
    )
    child = cb.get("rec.a")
    assert (child.color, child.addresses, child.depth, child.parent) == (
        "#123456",
        "government",
        1,
        "rec",
    )


def test_dump_and_save_round_trip(tmp_path: Path) -> None:
    cb = load_codebook(REPO_ROOT / "codebook.yaml")
    again = parse_codebook(dump_codebook(cb))
    assert [(c.id, c.parent, c.en, c.zh, c.rule, c.color, c.addresses) for c in again.codes] == [
        (c.id, c.parent, c.en, c.zh, c.rule, c.color, c.addresses) for c in cb.codes
    ]
    target = tmp_path / "saved.yaml"
    save_codebook(cb, target)
    assert [c.id for c in load_codebook(target).codes] == [c.id for c in cb.codes]
    assert list(tmp_path.iterdir()) == [target]  # no temp file left behind


def test_alias_bombs_are_refused_quickly(tmp_path: Path) -> None:
    lines = ['l0: &l0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)]
    path = tmp_path / "bomb.yaml"
    path.write_text(
        "\n".join(lines) + "\nname: *l9\ncodes: [{id: a, en: A, zh: 甲}]\n", encoding="utf-8"
    )
    err = error_of(path)  # 9**10 items if expanded: this would never return
    assert "aliases" in err.message and err.line == 1


def test_scalar_aliases_are_fine(tmp_path: Path) -> None:
    cb = load_codebook(
        write(
            tmp_path, "  - {id: a, en: &same Same rule, zh: 甲}\n  - {id: b, en: *same, zh: 乙}\n"
        )
    )
    assert cb.get("b").en == "Same rule"
