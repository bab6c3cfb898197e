"""``mpu-qual matrix``, ``cooccurrence``, ``framework`` and ``framework-summary`` on the small
bilingual project (tests/sample_projects.py), whose codings are known turn by turn:

turn 0 Moderator: talent; turn 1 IL1: talent.shortage; turn 2 AC1: talent.ageing +
talent.shortage, and its second line talent.ageing again; turns 3 (IL1), 4 (AC1), 7 (IL1):
odd.formula; turn 5 IL1 (part): rec.gov; turn 6 AC1: rec.emp.
"""

from __future__ import annotations

import json
from pathlib import Path

import docx
import openpyxl
import pytest

from mpu_qual.analysis.facts import Facts
from mpu_qual.analysis.jobfigures import job_figures
from mpu_qual.analysis.matrix import code_matrix
from mpu_qual.evidence.importer import import_job_ads
from mpu_qual.evidence.links import EvidenceQuery, link_evidence
from mpu_qual.evidence.rules import load_rules, write_default_rules
from mpu_qual.store import Project


def _json(result) -> dict:
    assert result.exit_code == 0, result.output + result.stderr
    return json.loads(result.stdout)


def test_matrix_json_by_group_counts_passages(cli, small: Project) -> None:
    folder = str(small.db_path.parent)
    data = _json(cli("-p", folder, "matrix", "--rows", "themes", "--format", "json"))
    assert data["rows"] == ["talent", "odd", "rec"]
    assert data["cols"] == ["industry_leader", "academic", "moderator"]
    assert data["measure"] == "passages"
    assert data["cells"] == [[1, 2, 1], [2, 1, 0], [1, 1, 0]]
    assert data["row_labels"][0] == {"en": "Talent", "zh": "人才", "depth": 0}
    assert data["col_labels"][1] == {"en": "Academic", "zh": "學術專家"}
    # participants leave out the moderator
    data = _json(
        cli(
            "-p",
            folder,
            "matrix",
            "--rows",
            "themes",
            "--measure",
            "participants",
            "--format",
            "json",
        )
    )
    assert data["cells"] == [[1, 1, 0], [1, 1, 0], [1, 1, 0]]


def test_matrix_by_participant_attribute_and_expression(cli, small: Project) -> None:
    folder = str(small.db_path.parent)
    data = _json(
        cli(
            "-p",
            folder,
            "matrix",
            "--rows",
            "talent & !talent.ageing",
            "--rows",
            "talent.shortage & talent.ageing",
            "--cols",
            "participant",
            "--format",
            "json",
        )
    )
    assert data["cols"] == ["AC1", "IL1", "Moderator"]
    # talent but not ageing: IL1's turn 1 and the moderator's turn 0; shortage and ageing
    # on one span: AC1's turn 2
    assert data["cells"] == [[0, 1, 1], [1, 0, 0]]
    assert data["row_labels"][0]["en"] == "(Talent and not Ageing)"
    assert data["row_labels"][0]["zh"] == "(人才及非老化)"
    data = _json(
        cli(
            "-p", folder, "matrix", "--under", "talent", "--cols", "attr:sector", "--format", "json"
        )
    )
    assert data["cols"] == ["Testing"]  # both speakers have sector=Testing
    assert data["cells"] == [[2], [2]]
    data = _json(
        cli("-p", folder, "matrix", "--rows", "talent", "--cols", "tattr:date", "--format", "json")
    )
    assert data["cols"] == ["2025-12-08"] and data["cells"] == [[4]]


def test_raised_by_one_group_not_the_other_and_the_passages_behind(cli, small: Project) -> None:
    folder = str(small.db_path.parent)
    r = cli(
        "-p",
        folder,
        "matrix",
        "--under",
        "talent",
        "--nonzero",
        "academic",
        "--zero",
        "industry_leader",
        "--format",
        "json",
    )
    data = _json(r)
    assert data["rows"] == ["talent.ageing"]  # academics raise ageing, industry leaders do not
    ageing = [c.id for c in small.codings.list(code="talent.ageing")]
    assert data["coding_ids"][0][data["cols"].index("academic")] == sorted(ageing)
    r = cli("-p", folder, "matrix", "--under", "talent", "--cell", "talent.ageing", "Academic")
    assert r.exit_code == 0, r.stderr
    assert "talent.ageing x Academic: 2 codings." in r.stdout
    assert "陳大文話: retirements hurt." in r.stdout
    assert "Second line after a CRLF" in r.stdout
    assert "\r" not in r.stdout


def test_matrix_files_and_share(cli, small: Project, tmp_path: Path) -> None:
    folder = str(small.db_path.parent)
    out = tmp_path / "m.xlsx"
    r = cli("-p", folder, "matrix", "--rows", "themes", "--measure", "share", "-o", str(out))
    assert r.exit_code == 0, r.stderr
    ws = openpyxl.load_workbook(out)["Matrix"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("Code id", "Code", "編碼", "Industry leader · 業界領袖")
    facts = Facts.load(small)
    m = code_matrix(facts, ["talent", "odd", "rec"], "group", "share")
    assert [list(x[3:]) for x in rows[1:]] == [pytest.approx(line) for line in m.cells]
    assert rows[1][5] == 1.0  # the moderator's only turn is coded with talent
    csv_out = cli("-p", folder, "matrix", "--rows", "odd", "--format", "csv")
    assert csv_out.stdout.splitlines()[1].startswith("odd,Odd text,特殊文字,2,1")
    table = cli("-p", folder, "matrix", "--rows", "themes", "--measure", "share")
    assert "100%" in table.stdout and "Talent · 人才" in table.stdout


def test_matrix_errors_name_what_is_wrong(cli, small: Project) -> None:
    folder = str(small.db_path.parent)
    r = cli("-p", folder, "matrix", "--rows", "talent & nosuch")
    assert r.exit_code == 1
    assert "no code 'nosuch' (in the rows 'talent & nosuch')" in r.stderr
    r = cli("-p", folder, "matrix", "--rows", "talent &")
    assert r.exit_code == 1 and "expected a code id at character 9" in r.stderr
    r = cli("-p", folder, "matrix", "--cols", "sector")
    assert r.exit_code == 1 and "attr:NAME" in r.stderr
    r = cli("-p", folder, "matrix", "--where", "group")
    assert r.exit_code == 1 and "DIMENSION=VALUE" in r.stderr
    r = cli("-p", folder, "matrix", "--format", "xlsx")
    assert r.exit_code == 1 and "-o FILE.xlsx" in r.stderr


def test_cooccurrence_json_with_and_pair(cli, small: Project) -> None:
    folder = str(small.db_path.parent)
    data = _json(
        cli(
            "-p",
            folder,
            "cooccurrence",
            "--codes",
            "talent.shortage,talent.ageing,odd.formula",
            "--format",
            "json",
        )
    )
    assert data["codes"] == ["talent.shortage", "talent.ageing", "odd.formula"]
    # shortage {t1, t2}; ageing {t2, t2-line2}; t2 overlaps t2 (same span) and t2-line2
    assert data["counts"] == [[2, 2, 0], [2, 2, 0], [0, 0, 3]]
    assert data["c"][0][1] == 2 / (2 + 2 - 2)
    assert data["jaccard"][0][1] == pytest.approx(2 / 3)  # t2, t2-line2 of {t1, t2, t2-line2}
    data = _json(
        cli(
            "-p",
            folder,
            "cooccurrence",
            "--codes",
            "talent.shortage,talent.ageing",
            "--mode",
            "passage",
            "--format",
            "json",
        )
    )
    assert data["counts"][0][1] == 1 and data["jaccard"][0][1] == pytest.approx(1 / 3)
    data = _json(
        cli(
            "-p",
            folder,
            "cooccurrence",
            "--codes",
            "talent.shortage,odd.formula",
            "--mode",
            "near",
            "--near",
            "1",
            "--format",
            "json",
        )
    )
    # shortage {t1, t2}, formula {t3, t4, t7}: only t2-t3 are within one segment
    assert data["counts"][0][1] == 1
    r = cli("-p", folder, "cooccurrence", "--with", "talent.shortage")
    assert r.exit_code == 0, r.stderr
    assert "Ageing · 老化" in r.stdout and "talent.shortage has 2 passages" in r.stdout
    r = cli("-p", folder, "cooccurrence", "--pair", "talent.shortage", "talent.ageing")
    assert "talent.shortage with talent.ageing (overlap): 3 codings." in r.stdout
    r = cli("-p", folder, "cooccurrence", "--where", "group=academic", "--format", "json")
    data = _json(r)
    assert "talent" in data["codes"] and data["filter"] == "group=academic"
    assert data["counts"][data["codes"].index("talent")][data["codes"].index("talent")] == 2


def test_framework_xlsx_docx_summary_and_undo(cli, small: Project, tmp_path: Path) -> None:
    folder = str(small.db_path.parent)
    r = cli("-p", folder, "framework-summary", "AC1", "talent", "Retirements worry 陳大文's team.")
    assert r.exit_code == 0, r.stderr
    assert "Summarise AC1 x talent." in r.stdout
    out = tmp_path / "fw.xlsx"
    r = cli("-p", folder, "framework", "-o", str(out))
    assert r.exit_code == 0, r.stderr
    assert "2 rows x 3 themes" in r.stdout and "1 summary" in r.stdout
    wb = openpyxl.load_workbook(out)
    rows = list(wb["Framework"].iter_rows(values_only=True))
    assert rows[0][2:] == ("Talent · 人才", "Odd text · 特殊文字", "Recommendations · 建議")
    assert [r[0] for r in rows[1:]] == ["AC1", "IL1"]  # the moderator is left out
    ac1_talent = rows[1][2]
    assert ac1_talent.startswith("Summary 摘要: Retirements worry 陳大文's team.")
    ids = sorted(
        c.id for c in small.codings.list(participant="AC1") if c.code_id.startswith("talent")
    )
    for i in ids:
        assert f"#{i}" in ac1_talent
    assert "“陳大文話: retirements hurt." in ac1_talent
    # a formula-like quote stays text
    assert rows[2][3].startswith("“=HYPERLINK") or "=HYPERLINK" in rows[2][3]
    id_rows = list(wb["Coding ids"].iter_rows(values_only=True))
    assert id_rows[1][1] == ", ".join(map(str, ids))
    dout = tmp_path / "fw.docx"
    assert cli("-p", folder, "framework", "--by", "group", "-o", str(dout)).exit_code == 0
    table = docx.Document(str(dout)).tables[0]
    assert [c.text for c in table.rows[0].cells][:2] == ["Group 組別", "Talent · 人才"]
    assert table.rows[1].cells[0].text == "Industry leader · 業界領袖"
    assert "Chan Tai Man here." in table.rows[1].cells[1].text
    # the summary is one undoable action
    assert cli("-p", folder, "undo").exit_code == 0
    md = cli("-p", folder, "framework").stdout
    assert "Retirements worry" not in md and "| AC1 |" in md
    r = cli("-p", folder, "framework-summary", "NOBODY", "talent", "x")
    assert r.exit_code == 1 and "no participant 'NOBODY'" in r.stderr


def test_job_ad_figures_beside_codes(cli, small: Project, tmp_path: Path) -> None:
    folder = small.db_path.parent
    write_default_rules(folder)
    rules = load_rules(folder / "jobrules.yaml")
    ads = tmp_path / "ads.csv"
    lines = ["Platform,Job ID,Posting Date,Job Title,Company,Industry,Job Description"]
    for n in range(5):
        lines.append(f"JobsDB,a{n},15/03/2024,PLC technician {n},Acme {n},Manufacturing,PLC work")
    for n in range(7):
        lines.append(f"JobsDB,b{n},15/03/2025,PLC engineer {n},Beta {n},Manufacturing,PLC design")
    ads.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_job_ads(small, [ads], rules)
    old = link_evidence(small, EvidenceQuery(window="2023-2024"), code_id="talent", rules=rules)
    new = link_evidence(small, EvidenceQuery(window="2024-2025"), code_id="talent", rules=rules)
    figures = job_figures(small, ["talent", "odd"])
    assert list(figures) == ["talent"]
    change = (new.figure.count - old.figure.count) / old.figure.count * 100
    assert new.figure.count == 7 and old.figure.count == 5
    assert figures["talent"][1] == (
        f"window=2024-2025: {new.figure.describe()}, {change:+.0f}% since 2023-2024"
    )
    assert figures["talent"][0] == f"window=2023-2024: {old.figure.describe()}"
    # beside the matrix row, in JSON and in the table
    data = _json(cli("-p", str(folder), "matrix", "--rows", "themes", "--jobs", "--format", "json"))
    assert data["job_ads"] == {"talent": figures["talent"]}
    table = cli("-p", str(folder), "matrix", "--rows", "talent", "--jobs").stdout
    assert "Job ads" in table and "since 2023-2024" in table.replace("\n", "")


def test_framework_summaries_follow_a_code_merge_and_its_undo(small: Project) -> None:
    from mpu_qual.analysis.framework import framework_matrix, set_summary

    set_summary(small, "participant", "IL1", "rec.gov", "Fund retraining.")
    set_summary(small, "participant", "IL1", "rec.emp", "Mentors.")
    set_summary(small, "group", "academic", "talent", "Ageing staff. 老化。")
    small.codes.merge("rec.gov", "rec.emp")
    fw = framework_matrix(small, themes=["rec.emp"])
    assert fw.cell("IL1", "rec.emp").summary == "Fund retraining.\n\nMentors."  # oldest first
    assert framework_matrix(small, by="group").cell("academic", "talent").summary == (
        "Ageing staff. 老化。"
    )
    small.history.undo()
    fw = framework_matrix(small, themes=["rec.gov", "rec.emp"])
    assert fw.cell("IL1", "rec.gov").summary == "Fund retraining."
    assert fw.cell("IL1", "rec.emp").summary == "Mentors."
    small.history.undo()  # the group's summary
    assert framework_matrix(small, by="group").cell("academic", "talent").summary == ""
