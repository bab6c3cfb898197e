"""Full-text search over ads, and evidence links between codes/codings and job-ad queries."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pytest

from mpu_qual.errors import MpuQualError, NotFound
from mpu_qual.evidence.importer import import_file
from mpu_qual.evidence.links import (
    EvidenceQuery,
    evidence_for_code,
    evidence_for_coding,
    link_evidence,
    list_evidence,
    refresh_evidence,
    run_query,
    unlink_evidence,
)
from mpu_qual.evidence.search import search_ads
from mpu_qual.store import Project

HEAD = ["platform", "ad_id", "date", "title", "company", "industry", "description"]
ADS = [
    [
        "JobsDB",
        "1",
        "2024-12-05",
        "Lab Technician",
        "Apex",
        "Testing & Certification",
        "Operate HPLC; ISO 17025 lab. Python scripting.",
    ],
    [
        "JobsDB",
        "2",
        "2024-12-06",
        "工程師",
        "華南電子",
        "製造業",
        "負責自動化生產線及機器視覺系統維修",
    ],
    [
        "JobsDB",
        "3",
        "2024-12-07",
        "Technician",
        "Precision",
        "Manufacturing",
        "PLC programming and robot maintenance",
    ],
    [
        "JobsDB",
        "4",
        "2024-01-07",
        "Technician",
        "Precision",
        "Manufacturing",
        "PLC programming, machine learning",
    ],
    ["JobsDB", "5", "2024-12-08", "Banker", "Bank", "Banking", "PLC of the bank"],
]


def write(path: Path, rows) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEAD)
        w.writerows(rows)
    return path


@pytest.fixture
def ads_project(project, rules, tmp_path) -> Project:
    import_file(project, write(tmp_path / "ads.csv", ADS), rules)
    return project


def test_search_english_chinese_and_short_words(ads_project):
    db = ads_project.db
    # Substrings, newest first: "plc" is also found inside "HPLC".
    assert [h.title for h in search_ads(db, "plc")[1]] == [
        "Technician",
        "Lab Technician",
        "Technician",
    ]
    assert search_ads(db, "PLC programming")[0] == 2
    assert search_ads(db, "PLC", in_scope=False)[0] == 4  # the bank is out of scope
    assert [h.title for h in search_ads(db, "機器視覺")[1]] == ["工程師"]
    assert search_ads(db, "維修")[0] == 1  # two characters: too short for the trigram index
    assert search_ads(db, "plc 維修")[0] == 0
    assert search_ads(db, "programming robot")[0] == 1
    assert search_ads(db, "technician", window="2023-2024")[0] == 1
    assert search_ads(db, "technician", role="化學專家／實驗室技術員")[0] == 1
    hit = search_ads(db, "hplc")[1][0]
    assert "HPLC" in hit.snippet and hit.sector == "工程服務"


@pytest.mark.parametrize("query", ['"plc', "plc OR robot", "NEAR(plc", "plc*", "a:b", "%", "_"])
def test_search_text_is_never_fts_syntax(ads_project, query):
    count, hits = search_ads(ads_project.db, query)
    assert count == len(hits)


def test_empty_search_is_an_error(ads_project):
    with pytest.raises(MpuQualError, match="empty"):
        search_ads(ads_project.db, "   ")


def test_run_query_counts_and_shares(ads_project, rules):
    db = ads_project.db
    fig = run_query(db, EvidenceQuery(sector="製造", window="2024-2025", term="PLC"))
    assert (fig.count, fig.total, fig.share) == (1, 2, 50.0)
    fig = run_query(db, EvidenceQuery(role="工程師"))
    assert (fig.count, fig.total) == (1, 4)
    fig = run_query(db, EvidenceQuery(text="machine learning"))
    assert (fig.count, fig.total) == (1, 4)
    q = EvidenceQuery(sector="Manufacturing", role="Engineer").resolved(rules)
    assert (q.sector, q.role) == ("製造", "工程師")
    with pytest.raises(MpuQualError, match="unknown term"):
        EvidenceQuery(term="COBOL").resolved(rules)


def _coded(project: Project, tmp_path: Path) -> tuple[str, int, int]:
    t = tmp_path / "fg.txt"
    t.write_text(
        "IL1: 我哋好缺技術員，尤其識 PLC 嘅。\nTE1: Training must cover machine vision.\n",
        encoding="utf-8",
    )
    src = project.sources.import_file(t)
    codes = project.codes.list()
    parents = {c.parent_id for c in codes}
    leaves = [c for c in codes if c.id not in parents]
    code = leaves[0].id
    other = next(c.id for c in leaves if c.parent_id != leaves[0].parent_id)
    text = src.text
    start = text.index("技術員")
    c1 = project.codings.add(src.name, start, start + 3, code)
    start = text.index("machine vision")
    c2 = project.codings.add(src.name, start, start + 14, other)
    return code, c1.id, c2.id


def test_links_on_codes_and_codings(ads_project, rules, tmp_path):
    db = ads_project.db
    code, c1, _ = _coded(ads_project, tmp_path)
    a = link_evidence(
        ads_project,
        EvidenceQuery(sector="製造", role="Technician"),
        code_id=code,
        note="technician demand",
        rules=rules,
    )
    b = link_evidence(ads_project, EvidenceQuery(term="PLC"), coding_id=c1, rules=rules)
    assert (a.figure.count, a.figure.total, a.figure.share) == (2, 3, 66.7)
    assert (b.figure.count, b.figure.total) == (2, 4)
    assert a.figure.computed_at.endswith("Z")
    assert [x.id for x in evidence_for_code(db, code)] == [a.id]
    beside = evidence_for_coding(db, c1)
    assert [(x.id, x.via_code) for x in beside] == [(b.id, False), (a.id, True)]
    assert [x.id for x in evidence_for_coding(db, c1, include_code=False)] == [b.id]
    # the same query is saved once
    c = link_evidence(ads_project, EvidenceQuery(term="PLC"), code_id=code, rules=rules)
    assert c.query_id == b.query_id


def test_link_needs_exactly_one_existing_target(ads_project, rules, tmp_path):
    db = ads_project.db
    code, c1, _ = _coded(ads_project, tmp_path)
    q = EvidenceQuery(term="PLC")
    with pytest.raises(MpuQualError, match="one code or one coding"):
        link_evidence(ads_project, q, code_id=code, coding_id=c1)
    with pytest.raises(MpuQualError, match="one code or one coding"):
        link_evidence(ads_project, q)
    with pytest.raises(NotFound):
        link_evidence(ads_project, q, code_id="no.such.code")
    with pytest.raises(NotFound):
        link_evidence(ads_project, q, coding_id=99999)
    with pytest.raises(sqlite3.IntegrityError):
        db.conn.execute("INSERT INTO evidence_queries (term) VALUES ('x')")
        db.conn.execute(
            "INSERT INTO evidence_links (query_id, code_id, coding_id, count, total, computed_at) "
            "VALUES (last_insert_rowid(), ?, ?, 0, 0, 'now')",
            [code, c1],
        )
    assert list_evidence(db) == []


def test_deleting_a_coding_deletes_its_links(ads_project, rules, tmp_path):
    db = ads_project.db
    code, c1, c2 = _coded(ads_project, tmp_path)
    link_evidence(ads_project, EvidenceQuery(term="PLC"), coding_id=c1)
    keep = link_evidence(ads_project, EvidenceQuery(term="Python"), coding_id=c2)
    ads_project.codings.remove(c1)
    assert [x.id for x in list_evidence(db)] == [keep.id]


def test_refresh_after_new_ads(ads_project, rules, tmp_path):
    db = ads_project.db
    code, c1, _ = _coded(ads_project, tmp_path)
    link = link_evidence(ads_project, EvidenceQuery(sector="製造", term="PLC"), code_id=code)
    assert (link.figure.count, link.figure.total) == (2, 3)
    more = write(
        tmp_path / "more.csv",
        [["CPJobs", "9", "2025-03-01", "PLC Engineer", "New Co", "Manufacturing", "PLC, SCADA"]],
    )
    import_file(ads_project, more, rules)
    assert list_evidence(db)[0].figure.count == 2  # stored figure until refreshed
    ((before, after),) = refresh_evidence(ads_project)
    assert (before.figure.count, after.figure.count, after.figure.total) == (2, 3, 4)
    assert after.figure.computed_at >= before.figure.computed_at
    assert list_evidence(db)[0].figure == after.figure
    with pytest.raises(NotFound):
        refresh_evidence(ads_project, [12345])
    unlink_evidence(ads_project, link.id)
    assert list_evidence(db) == []


def test_evidence_cli(ads_project, cli, tmp_path):
    code, c1, _ = _coded(ads_project, tmp_path)
    folder = str(ads_project.folder)
    ads_project.close()
    res = cli(
        "-p",
        folder,
        "evidence",
        "link",
        "--code",
        code,
        "--sector",
        "manufacturing",
        "--term",
        "plc",
        "--note",
        "PLC skills in demand",
    )
    assert res.exit_code == 0, res.output
    assert "2 of 3 ads (66.7%)" in res.stdout
    res = cli("-p", folder, "evidence", "link", "--coding", str(c1), "--text", "機器視覺")
    assert res.exit_code == 0 and "1 of 4 ads" in res.stdout
    data = json.loads(cli("-p", folder, "evidence", "list", "--format", "json").stdout)
    assert [(d["code"], d["coding"], d["count"]) for d in data] == [(code, None, 2), (None, c1, 1)]
    assert data[0]["query"] == {"sector": "製造", "term": "PLC"}
    res = cli("-p", folder, "evidence", "refresh")
    assert res.exit_code == 0 and "Refreshed 2 links; 0 figures changed." in res.stdout
    res = cli("-p", folder, "evidence", "link", "--code", code, "--role", "Astronaut")
    assert res.exit_code == 1 and "unknown role 'Astronaut'" in res.stderr
    res = cli("-p", folder, "evidence", "unlink", "1")
    assert res.exit_code == 0
    res = cli("-p", folder, "evidence", "unlink", "1")
    assert res.exit_code == 1 and "no evidence link 1" in res.stderr


def test_links_follow_a_code_merge(ads_project, rules, tmp_path):
    db = ads_project.db
    code, c1, c2 = _coded(ads_project, tmp_path)
    other = ads_project.codings.get(c2).code_id
    link = link_evidence(ads_project, EvidenceQuery(term="PLC"), code_id=code)
    ads_project.codes.merge(code, other)
    assert [x.id for x in evidence_for_code(db, other)] == [link.id]
    assert evidence_for_code(db, code) == []


def test_undoing_a_coding_removal_brings_its_links_back(ads_project, rules, tmp_path):
    db = ads_project.db
    _code, c1, _c2 = _coded(ads_project, tmp_path)
    link = link_evidence(ads_project, EvidenceQuery(term="PLC"), coding_id=c1)
    ads_project.codings.remove(c1)
    assert list_evidence(db, coding_id=c1) == []
    ads_project.history.undo()
    restored = list_evidence(db, coding_id=c1)
    assert [(x.id, x.figure.count) for x in restored] == [(link.id, link.figure.count)]
    ads_project.history.redo()
    assert list_evidence(db, coding_id=c1) == []


def test_linking_evidence_is_one_undoable_action(ads_project, rules, tmp_path):
    """One way to write: a link is a user action of the store, so undo and redo know it."""
    code, c1, _ = _coded(ads_project, tmp_path)
    link = link_evidence(ads_project, EvidenceQuery(term="PLC"), code_id=code, rules=rules)
    assert ads_project.history.recent(1)[0]["description"] == f"Link evidence to code {code}"
    assert ads_project.history.undo() == f"Link evidence to code {code}"
    assert list_evidence(ads_project.db) == []
    assert ads_project.history.redo() == f"Link evidence to code {code}"
    assert [x.id for x in list_evidence(ads_project.db)] == [link.id]
    unlink_evidence(ads_project, link.id)
    assert list_evidence(ads_project.db) == []
    assert ads_project.history.undo() == f"Remove evidence link {link.id}"
    assert [(x.id, x.figure.count) for x in list_evidence(ads_project.db)] == [
        (link.id, link.figure.count)
    ]
