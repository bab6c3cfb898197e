"""Cell neutralising and pseudonymisation, at the level of single strings."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mpu_qual.errors import MpuQualError
from mpu_qual.pseudonymise import (
    Pseudonymiser,
    load_pseudonym_list,
    project_pseudonymiser,
    split_names,
)
from mpu_qual.safe_text import md_inline, neutralise, xml_safe


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_triggers_get_an_apostrophe(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["plain", " =not first", "中文=1", "", 42, 3.5, None])
def test_other_values_pass_unchanged(value: object) -> None:
    assert neutralise(value) == value


def test_xml_safe_drops_only_forbidden_control_characters() -> None:
    assert xml_safe("a\x00b\x07c\td\ne\rf\ufffe") == "abc\td\ne\rf"


def test_markdown_escaping_blocks_links_and_html() -> None:
    out = md_inline("[x](javascript:alert(1)) <script> `code`")
    assert "<script>" not in out and "](" not in out.replace("\\](", "")
    assert "`" not in out.replace("\\`", "")


NAMES = {"Chan Tai Man": "IL1", "陳大文": "AC1", "Peter": "[colleague]"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("chan tai man said so", "IL1 said so"),
        ("CHAN  TAI\nMAN said so", "IL1 said so"),
        ("陳大文話佢好忙", "AC1話佢好忙"),
        ("我同Peter講過", "我同[colleague]講過"),
        ("Peter's view; peter.", "[colleague]'s view; [colleague]."),
        ("Peterson and Peters stay", "Peterson and Peters stay"),
        ("xChan Tai Man", "xChan Tai Man"),
    ],
)
def test_names_are_replaced_by_whole_word_case_insensitively(text: str, expected: str) -> None:
    assert Pseudonymiser(NAMES).apply(text) == expected


def test_longest_name_wins() -> None:
    p = Pseudonymiser({"Chan": "[surname]", "Chan Tai Man": "IL1"})
    assert p.apply("Chan Tai Man and Mr Chan") == "IL1 and Mr [surname]"


def test_repr_never_shows_names() -> None:
    assert "Chan" not in repr(Pseudonymiser(NAMES))


def test_split_names_accepts_several_forms() -> None:
    assert split_names("Chan Tai Man; 陳大文 / CTM") == ["Chan Tai Man", "陳大文", "CTM"]
    assert split_names(None) == []


def test_offsets_follow_the_replacements() -> None:
    p = Pseudonymiser(NAMES)
    text = "Ask Chan Tai Man, then 陳大文 and Peter."
    new, omap = p.apply_with_offsets(text)
    assert new == p.apply(text) == "Ask IL1, then AC1 and [colleague]."
    s = text.index("then")
    e = text.index(" and")
    assert new[omap.map(s) : omap.map(e, side="end")] == "then AC1"
    inside = text.index("Tai")  # inside a name: snaps to the label's edges
    assert omap.map(inside) == new.index("IL1")
    assert omap.map(inside, side="end") == new.index("IL1") + 3


@settings(max_examples=60, deadline=None)
@given(
    parts=st.lists(
        st.one_of(
            st.sampled_from(["Peter", "陳大文", "chan tai man", " ", "，", ".", "x"]),
            st.text(alphabet="abc 中文\n😀", max_size=5),
        ),
        max_size=12,
    )
)
def test_offset_map_is_monotonic_and_consistent(parts: list[str]) -> None:
    p = Pseudonymiser(NAMES)
    text = "".join(parts)
    new, omap = p.apply_with_offsets(text)
    assert new == p.apply(text)
    mapped = [omap.map(i) for i in range(len(text) + 1)]
    assert mapped == sorted(mapped)
    assert omap.map(len(text), side="end") == len(new)
    assert omap.map(0) == 0


def test_pseudonym_list_yaml_and_csv(tmp_path: Path) -> None:
    y = tmp_path / "p.yaml"
    y.write_text("Peter: '[colleague]'\nAcme Ltd: '[company]'\n", encoding="utf-8")
    assert load_pseudonym_list(y) == {"Peter": "[colleague]", "Acme Ltd": "[company]"}
    lst = tmp_path / "l.yaml"
    lst.write_text("- Peter\n- {name: 陳大文, label: AC1}\n", encoding="utf-8")
    assert load_pseudonym_list(lst) == {"Peter": "[name]", "陳大文": "AC1"}
    c = tmp_path / "p.csv"
    c.write_text("name,label\nPeter,[colleague]\n# a comment\nAcme,\n", encoding="utf-8")
    assert load_pseudonym_list(c) == {"Peter": "[colleague]", "Acme": "[name]"}


@pytest.mark.parametrize(
    ("name", "content", "line"),
    [
        ("bad.yaml", "Peter: x\n- y\n", 2),
        ("bad.csv", "name,label\nPeter,a,b\n", 2),
        ("nul.csv", "name,label\n,x\n", 2),
    ],
)
def test_bad_pseudonym_lists_name_the_line(
    tmp_path: Path, name: str, content: str, line: int
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(MpuQualError) as err:
        load_pseudonym_list(path)
    assert err.value.path == str(path)
    assert err.value.line == line


def test_pseudonym_list_must_map_names(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("just a string\n", encoding="utf-8")
    with pytest.raises(MpuQualError, match="maps names to labels"):
        load_pseudonym_list(path)
    with pytest.raises(MpuQualError, match="not found"):
        load_pseudonym_list(tmp_path / "missing.yaml")


def test_project_pseudonymiser_uses_participants_and_project_list(small) -> None:
    (small.folder / "pseudonyms.yaml").write_text("Acme: '[company]'\n", encoding="utf-8")
    p = project_pseudonymiser(small)
    assert p.apply("Chan Tai Man of Acme met 陳大文") == "IL1 of [company] met AC1"


def test_simplified_spelling_of_a_chinese_name_is_replaced_too() -> None:
    pytest.importorskip("opencc", reason="Traditional/Simplified variants need the 'chinese' extra")
    assert Pseudonymiser({"陳大文": "AC1"}).apply("陈大文话") == "AC1话"
