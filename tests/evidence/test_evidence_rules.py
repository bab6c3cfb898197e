"""Rules: shipped defaults, classification that explains itself, validation with locations."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from mpu_qual.errors import MpuQualError
from mpu_qual.evidence.classify import Classifier
from mpu_qual.evidence.rules import default_rules_path, load_project_rules, load_rules, parse_rules
from mpu_qual.evidence.text import dedup_key, fold

REPORT_ROLES = [
    "技術員",
    "工程師",
    "維修及保養工人",
    "生產操作工",
    "採購員",
    "市務／銷售主任",
    "項目工程師／經理",
    "化學專家／實驗室技術員",
    "技術主任",
    "顧問",
    "研究員",
]


def test_defaults_have_the_reports_windows_sectors_and_roles(rules):
    assert [(w.label, w.start, w.end) for w in rules.windows] == [
        ("2023-2024", dt.date(2023, 12, 1), dt.date(2024, 11, 30)),
        ("2024-2025", dt.date(2024, 12, 1), dt.date(2025, 11, 30)),
    ]
    assert [s.label for s in rules.sectors] == ["製造", "貿易", "工程服務", "製造服務"]
    assert [r.label for r in rules.roles] == REPORT_ROLES
    terms = {t.term for t in rules.terms}
    assert {
        "PLC",
        "ISO 9001",
        "ISO 13485",
        "IATF 16949",
        "SPC",
        "Robotics",
        "Machine learning",
        "Computer vision",
        "Data analytics",
        "Additive manufacturing",
        "Python",
        "CNC",
        "SMT",
    } <= terms


def test_the_project_gets_a_copy_of_the_defaults(project_dir):
    copy = project_dir / "jobrules.yaml"
    assert copy.read_bytes() == default_rules_path().read_bytes()
    assert load_project_rules(project_dir).path == copy


def test_project_without_rules_file_uses_the_defaults(tmp_path):
    assert load_project_rules(tmp_path).path == default_rules_path()


@pytest.mark.parametrize(
    "title, role",
    [
        ("Lab Technician", "化學專家／實驗室技術員"),
        ("實驗室技術員", "化學專家／實驗室技術員"),
        ("Senior Laboratory Technician (Chemistry)", "化學專家／實驗室技術員"),
        ("Technician", "技術員"),
        ("技术员", "技術員"),  # Simplified Chinese
        ("Project Engineer", "項目工程師／經理"),
        ("項目工程師", "項目工程師／經理"),
        ("Engineer", "工程師"),
        ("Technical Sales Executive", "市務／銷售主任"),
        ("Technical Officer", "技術主任"),
        ("Maintenance Technician", "維修及保養工人"),
        ("ＬＡＢ　ＴＥＣＨＮＩＣＩＡＮ", "化學專家／實驗室技術員"),  # full-width letters and space
        ("Lab-Technicians", "化學專家／實驗室技術員"),
        ("Mechanical Engineer", "工程師"),  # 'mechanic' must not match inside 'mechanical'
        ("Research Engineer", "研究員"),
        ("Admin Clerk", "其他"),
    ],
)
def test_role_rules_specific_beats_general(rules, title, role):
    assert Classifier(rules).role_for(title).role == role


def test_classify_explains_which_rule_hit(rules):
    m = Classifier(rules).role_for("  Senior LAB Technician ")
    assert m.rule == 1 and m.pattern == "lab technician" and m.folded == "senior lab technician"
    rule = rules.role_rules[m.rule - 1]
    assert rule.role == m.role and rule.line is not None
    text = default_rules_path().read_text(encoding="utf-8").splitlines()
    assert "role: 化學專家／實驗室技術員" in text[rule.line - 1]
    other = Classifier(rules).role_for("Driver")
    assert other.rule is None and other.pattern is None


@pytest.mark.parametrize(
    "industry, sector, how",
    [
        ("Manufacturing", "製造", "label"),
        ("制造业", "製造", "label"),
        ("Manufacture of electronic components", "製造", "contains"),
        ("Smart Manufacturing Solutions", "製造服務", "contains"),
        ("工業 4.0", "製造服務", "label"),
        ("Import/Export", "貿易", "label"),
        ("測試及認證", "工程服務", "label"),
    ],
)
def test_sector_matching(rules, industry, sector, how):
    m = Classifier(rules).sector_for(industry)
    assert m is not None and (m.sector, m.how) == (sector, how)


@pytest.mark.parametrize("industry", ["Banking", "Securities Trading", "", "餐飲"])
def test_other_industries_are_out_of_scope(rules, industry):
    assert Classifier(rules).sector_for(industry) is None


def test_terms_in_descriptions(rules):
    clf = Classifier(rules)
    d = "Knowledge of ISO-9001 and IATF16949; robot arms; Python.\n熟悉可編程邏輯控制器及機器視覺"
    assert set(clf.terms_in(d)) == {
        "ISO 9001",
        "IATF 16949",
        "Robotics",
        "Python",
        "PLC",
        "Computer vision",
    }
    assert clf.terms_in("maintain the plant; Pythonic") == []  # words, not fragments


def test_window_for(rules):
    assert rules.window_for(dt.date(2024, 11, 30)) == "2023-2024"
    assert rules.window_for(dt.date(2024, 12, 1)) == "2024-2025"
    assert rules.window_for(dt.date(2025, 12, 1)) is None


def test_resolve_accepts_english_and_chinese_names(rules):
    assert rules.resolve("sector", "manufacturing") == "製造"
    assert rules.resolve("role", "市務/銷售主任") == "市務／銷售主任"
    assert rules.resolve("role", "Chemist / laboratory technician") == "化學專家／實驗室技術員"
    with pytest.raises(MpuQualError) as e:
        rules.resolve("window", "2019-2020")
    assert "2023-2024" in e.value.hint


def _edit(path: Path, fn) -> str:
    data = yaml.safe_load(default_rules_path().read_text(encoding="utf-8"))
    fn(data)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return text


def test_explicit_window_list(tmp_path):
    p = tmp_path / "r.yaml"
    _edit(
        p,
        lambda d: d.__setitem__(
            "windows",
            [
                {"label": "FY24", "start": "2024-04-01", "end": "2025-03-31"},
                {"start": dt.date(2023, 4, 1), "end": dt.date(2024, 3, 31)},
            ],
        ),
    )
    r = load_rules(p)
    assert [w.label for w in r.windows] == ["2023-2024", "FY24"]


def _err(tmp_path, text: str) -> MpuQualError:
    p = tmp_path / "jobrules.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(MpuQualError) as e:
        load_rules(p)
    assert e.value.path == str(p)
    return e.value


def test_rule_naming_an_unknown_role_is_reported_with_its_line(tmp_path):
    text = (
        default_rules_path()
        .read_text(encoding="utf-8")
        .replace("    - role: 採購員\n", "    - role: 買手員\n")
    )
    err = _err(tmp_path, text)
    expected_line = next(i for i, ln in enumerate(text.splitlines(), 1) if "role: 買手員" in ln)
    assert err.line == expected_line and err.field == "role"
    assert "買手員" in err.message and "技術員" in err.hint


def test_yaml_syntax_error_has_a_line(tmp_path):
    err = _err(tmp_path, "windows:\n  start_month: 12\n  months: [12\nsectors: []\n")
    assert err.line is not None and "YAML" in err.message


@pytest.mark.parametrize(
    "edit, field",
    [
        (lambda d: d["windows"].__setitem__("start_month", 13), "windows.start_month"),
        (
            lambda d: d.__setitem__(
                "windows",
                [
                    {"start": "2024-01-01", "end": "2024-12-31"},
                    {"start": "2024-06-01", "end": "2025-05-31"},
                ],
            ),
            "windows",
        ),
        (lambda d: d["dedup"].__setitem__("repost_days", -1), "dedup.repost_days"),
        (lambda d: d.__setitem__("extra", 1), "extra"),
        (lambda d: d["roles"]["rules"][0].pop("en") and d["roles"]["rules"][0].pop("zh"), "en"),
        (lambda d: d["sectors"].append(copy.deepcopy(d["sectors"][0])), "label"),
        (lambda d: d["skills"].append({"term": "plc", "en": ["x"]}), "term"),
        (lambda d: d["roles"]["rules"][0].__setitem__("en", "lab technician"), "en"),
    ],
)
def test_invalid_rules_name_the_field(tmp_path, edit, field):
    p = tmp_path / "jobrules.yaml"
    _edit(p, edit)
    with pytest.raises(MpuQualError) as e:
        load_rules(p)
    assert e.value.field == field
    assert e.value.line is not None or field == "extra"


def test_rules_file_not_utf8_or_missing(tmp_path):
    p = tmp_path / "jobrules.yaml"
    p.write_bytes("windows: 技術員".encode("big5"))
    with pytest.raises(MpuQualError, match="not UTF-8"):
        load_rules(p)
    with pytest.raises(MpuQualError, match="not found"):
        load_rules(tmp_path / "nope.yaml")


def test_rules_are_safe_loaded(tmp_path):
    err = _err(tmp_path, "!!python/object/apply:os.system ['echo hi']\n")
    assert "YAML" in err.message


def test_parse_rules_fingerprint_changes_with_text():
    text = default_rules_path().read_text(encoding="utf-8")
    assert parse_rules(text).sha256 != parse_rules(text + "\n# edited\n").sha256


_title = st.text(
    alphabet=st.sampled_from(list("LabTechnicn 實驗室技術員()/,:")), min_size=1, max_size=30
)


@given(_title, st.sampled_from([str.upper, str.lower, str.title]), st.booleans())
def test_dedup_key_ignores_case_width_and_spacing(title, case, widen):
    variant = case(title)
    if widen:
        variant = variant.translate(
            str.maketrans({"(": "（", ")": "）", "/": "／", ",": "，", ":": "："})
        )
    variant = "  " + variant.replace(" ", "   ") + " "
    desc = "Line one.\nLine  two."
    assert fold(variant) == fold(title)
    assert dedup_key(variant, "ACME", desc) == dedup_key(title, "acme", " Line one. Line two. ")


def test_rules_file_with_nested_aliases_is_refused_quickly() -> None:
    """A 'billion laughs' rules file is refused, not expanded (it shares the codebook's loader)."""
    from mpu_qual.errors import MpuQualError
    from mpu_qual.evidence.rules import parse_rules

    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]")
    with pytest.raises(MpuQualError) as err:
        parse_rules("\n".join(lines) + "\n", Path("jobrules.yaml"))
    assert err.value.path == "jobrules.yaml"
    assert err.value.line is not None
