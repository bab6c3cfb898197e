"""A job title made of a role's own words lands in that role, in the shipped rules and in the
demo's jobrules.yaml: its Chinese and English labels, and the titles its label names
("Maintenance and repair worker" names a maintenance worker and a repair worker)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mpu_qual.evidence.classify import Classifier
from mpu_qual.evidence.rules import default_rules_path, load_rules

REPO = Path(__file__).resolve().parents[2]

# The titles each label names, as employers post them: a label joining two jobs with "and",
# "/", "及" or "／" names each of them with the shared word ("Project engineer / manager":
# project engineer, project manager).
LABEL_WORDS = {
    "技術員": ["Technician", "技術員"],
    "工程師": ["Engineer", "工程師"],
    "維修及保養工人": ["Maintenance worker", "Repair worker", "維修工人", "保養工人"],
    "生產操作工": ["Production operator", "生產操作工"],
    "採購員": ["Purchaser", "採購員"],
    "市務／銷售主任": ["Marketing executive", "Sales executive", "市務主任", "銷售主任"],
    "項目工程師／經理": ["Project engineer", "Project manager", "項目工程師", "項目經理"],
    "化學專家／實驗室技術員": ["Chemist", "Laboratory technician", "化學專家", "實驗室技術員"],
    "技術主任": ["Technical officer", "技術主任"],
    "顧問": ["Consultant", "顧問"],
    "研究員": ["Researcher", "研究員"],
}


def spellings(title: str) -> set[str]:
    """As typed in ads: any case, plural, with a seniority word or a bracketed note."""
    out = {title, title.upper(), title.lower(), title.title()}
    if re.fullmatch(r"[A-Za-z /]+", title):
        out |= {f"Senior {title}", f"{title}s", f"{title} (Full-time)"}
    else:
        out |= {f"高級{title}", f"{title}（全職）"}
    return out


@pytest.mark.parametrize(
    "rules_file", [default_rules_path(), REPO / "jobrules.yaml"], ids=["shipped", "demo"]
)
def test_every_role_name_and_the_words_of_its_label_classify_to_it(rules_file: Path) -> None:
    rules = load_rules(rules_file)
    classify = Classifier(rules)
    assert sorted(LABEL_WORDS) == sorted(r.label for r in rules.roles)  # every role is here
    wrong = []
    for role in rules.roles:
        for title in [role.label, role.en, *LABEL_WORDS[role.label]]:
            for typed in spellings(title):
                got = classify.role_for(typed).role
                if got != role.label:
                    wrong.append(f"{typed!r} -> {got} (want {role.label})")
    assert wrong == []


def test_a_maintenance_engineer_is_still_an_engineer() -> None:
    """Widening the maintenance rule must not take engineers or managers."""
    classify = Classifier(load_rules())
    assert classify.role_for("Maintenance Engineer").role == "工程師"
    assert classify.role_for("維修工程師").role == "工程師"
    assert classify.role_for("Repair Worker").role == "維修及保養工人"
    assert classify.role_for("General Manager").role == "其他"
