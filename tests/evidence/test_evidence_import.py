"""Import: formats, encodings, column mapping, bad rows, atomic files, de-duplication."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from mpu_qual.errors import MpuQualError
from mpu_qual.evidence.dedup import duplicate_groups
from mpu_qual.evidence.fields import parse_mapping
from mpu_qual.evidence.importer import import_file, import_job_ads
from mpu_qual.safety.backup import list_backups
from mpu_qual.store import Project

HEAD = ["platform", "ad_id", "date", "title", "company", "industry", "description"]


def row(
    ad_id="J1",
    date="2024-12-05",
    title="Lab Technician",
    company="ABC Ltd",
    industry="Manufacturing",
    description="Needs PLC.",
    platform="JobsDB",
):
    return [platform, ad_id, date, title, company, industry, description]


def write_csv(path: Path, rows, head=HEAD, encoding="utf-8", delimiter=",") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f, delimiter=delimiter)
        w.writerow(head)
        w.writerows(rows)
    return path


def counts(project) -> tuple[int, int, int]:
    c = project.db.conn
    return tuple(
        c.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("job_ads", "job_ad_postings", "import_files")
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "big5"])
def test_csv_encodings(project, rules, tmp_path, encoding):
    p = write_csv(
        tmp_path / "a.csv",
        [row(title="實驗室技術員", industry="製造業", description="熟悉機器視覺")],
        encoding=encoding,
    )
    rep = import_file(project, p, rules)
    assert (rep.imported, rep.rejected) == (1, 0)
    title, sector, role = project.db.conn.execute(
        "SELECT title, sector, role FROM job_ads"
    ).fetchone()
    assert (title, sector, role) == ("實驗室技術員", "製造", "化學專家／實驗室技術員")
    assert project.db.conn.execute("SELECT term FROM job_ad_terms").fetchall() == [
        ("Computer vision",)
    ]


def test_tab_separated_and_dd_mm_yyyy(project, rules, tmp_path):
    p = write_csv(
        tmp_path / "a.tsv",
        [row(date="05/12/2024"), row(ad_id="J2", date="1/2/2025")],
        delimiter="\t",
    )
    rep = import_file(project, p, rules)
    assert rep.imported == 2
    assert [r[0] for r in project.db.conn.execute("SELECT posted_on FROM job_ads ORDER BY id")] == [
        "2024-12-05",
        "2025-02-01",
    ]


def test_bad_rows_are_reported_with_line_and_skipped(project, rules, tmp_path):
    p = tmp_path / "a.csv"
    with p.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEAD)
        w.writerow(row(ad_id="1", description="first line\nsecond line"))  # lines 2-3
        w.writerow(row(ad_id="2", date="31/02/2025"))  # line 4
        w.writerow(row(ad_id="3", title="  "))  # line 5
        w.writerow(row(ad_id="4", date="Dec 5 2024"))  # line 6
        w.writerow([*row(ad_id="5"), "extra"])  # line 7
        w.writerow(row(ad_id="6", platform=""))  # line 8
        w.writerow(row(ad_id="7"))  # line 9
    rep = import_file(project, p, rules)
    assert (rep.rows_read, rep.imported, rep.rejected) == (7, 2, 5)
    assert [(r.line, r.field) for r in rep.rejections] == [
        (4, "date"),
        (5, "title"),
        (6, "date"),
        (7, None),
        (8, "platform"),
    ]
    assert "31/02/2025" in rep.rejections[0].reason
    assert rep.rejected_reasons["wrong number of cells"] == 1
    lines = [r[0] for r in project.db.conn.execute("SELECT line FROM job_ad_postings ORDER BY id")]
    assert lines == [2, 9]


def test_missing_columns_stop_the_file_and_list_the_columns(project, rules, tmp_path):
    p = write_csv(
        tmp_path / "a.csv", [["JobsDB", "x", "2024-12-05"]], head=["Site", "Headline", "When"]
    )
    with pytest.raises(MpuQualError) as e:
        import_file(project, p, rules)
    assert e.value.path == str(p)
    assert "title" in e.value.message and "date" in e.value.message
    assert "--map" in e.value.hint and "'Headline'" in e.value.hint
    assert counts(project) == (0, 0, 0)


def test_map_names_columns(project, rules, tmp_path):
    p = write_csv(
        tmp_path / "a.csv",
        [["x1", "05/12/2024", "Chemist", "Engineering", "..."]],
        head=["Ref", "When", "Headline", "Business Type", "Text"],
    )
    mapping = parse_mapping(
        ["Ref=ad_id", "when=date", "Headline=title", "Business Type=sector", "Text=description"]
    )
    rep = import_file(project, p, rules, mapping=mapping, platform="CPJobs")
    assert rep.imported == 1
    assert project.db.conn.execute("SELECT platform, ad_ref, role FROM job_ads").fetchone() == (
        "CPJobs",
        "x1",
        "化學專家／實驗室技術員",
    )


@pytest.mark.parametrize(
    "pairs, message",
    [
        (["Nope=title"], "not in the file"),
        (["title"], "COLUMN=FIELD"),
        (["title=salary"], "unknown field"),
    ],
)
def test_bad_map(project, rules, tmp_path, pairs, message):
    p = write_csv(tmp_path / "a.csv", [row()])
    with pytest.raises(MpuQualError, match=message):
        import_file(project, p, rules, mapping=parse_mapping(pairs))


def test_no_platform_column_needs_platform_option(project, rules, tmp_path):
    p = write_csv(tmp_path / "a.csv", [row()[1:]], head=HEAD[1:])
    with pytest.raises(MpuQualError, match="platform") as e:
        import_file(project, p, rules)
    assert "--platform" in e.value.hint
    assert import_file(project, p, rules, platform="JobsDB").imported == 1


def test_undecodable_lines_are_rejected_with_their_line(project, rules, tmp_path):
    p = tmp_path / "a.csv"
    good = [row(ad_id=str(i), description="x" * 200) for i in range(400)]  # > 64 KiB of ASCII
    write_csv(p, good)
    with p.open("ab") as f:
        f.write(",".join(row(ad_id="big5", title="技術員")).encode("big5") + b"\r\n")
        f.write(",".join(row(ad_id="last")).encode("ascii") + b"\r\n")
    rep = import_file(project, p, rules)
    assert rep.rejected == 1 and rep.rejections[0].line == 402
    assert "--encoding" in rep.rejections[0].reason
    assert rep.rows_read == 402
    assert import_file(project, p, rules).status == "already imported"


def test_a_file_that_fails_midway_leaves_nothing(project, rules, tmp_path):
    p = tmp_path / "a.csv"
    text = "\n".join([",".join(HEAD)] + [",".join(row(ad_id=str(i))) for i in range(50)]) + "\n"
    p.write_bytes(text.encode("utf-16") + b"\x00")  # odd trailing byte: cannot decode
    with pytest.raises(MpuQualError) as e:
        import_file(project, p, rules, encoding="utf-16")
    assert e.value.path == str(p)
    assert counts(project) == (0, 0, 0)
    assert project.db.conn.execute("SELECT count(*) FROM job_ads_fts").fetchone()[0] == 0


def test_other_files_import_when_one_fails(project, rules, tmp_path):
    good = write_csv(tmp_path / "good.csv", [row()])
    bad = tmp_path / "bad.xls"
    bad.write_bytes(b"\xd0\xcf\x11\xe0")
    rep = import_job_ads(project, [bad, tmp_path / "missing.csv", tmp_path, good], rules)
    assert [f.status for f in rep.files] == ["failed", "failed", "failed", "imported"]
    assert ".xlsx" in rep.files[0].error.hint
    assert "not found" in rep.files[1].error.message
    assert counts(project) == (1, 1, 1)


def test_unknown_extension(project, rules, tmp_path):
    p = tmp_path / "ads.pdf"
    p.write_bytes(b"%PDF-1.4")
    with pytest.raises(MpuQualError, match="unknown file type"):
        import_file(project, p, rules)


def test_xlsx_dates_serials_numbers_and_blank_rows(project, rules, tmp_path):
    p = tmp_path / "a.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([])
    ws.append(["Platform", "Job ID", "Posting Date", "Job Title", "Company", "Industry"])
    ws.append(["Recruit", 1001, dt.datetime(2024, 12, 5), "Buyer", "X", "Trading"])
    ws.append([])
    ws.append(["Recruit", 1002.0, 45703, "Technician", "Y", "貿易"])  # Excel serial 2025-02-15
    ws.append(["Recruit", 1003, "soon", "Technician", "Z", "貿易"])
    ws.append(["Recruit", 1004, "2025-01-02", "Technician", "W", "貿易", None, "stray"])
    wb.save(p)
    rep = import_file(project, p, rules)
    assert (rep.rows_read, rep.imported, rep.rejected) == (4, 2, 2)
    assert [(r.line, r.field) for r in rep.rejections] == [(6, "date"), (7, None)]
    assert project.db.conn.execute(
        "SELECT ad_ref, posted_on, role FROM job_ads ORDER BY id"
    ).fetchall() == [("1001", "2024-12-05", "採購員"), ("1002", "2025-02-15", "技術員")]


def test_broken_xlsx(project, rules, tmp_path):
    p = tmp_path / "a.xlsx"
    p.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(MpuQualError, match="xlsx"):
        import_file(project, p, rules)


def test_jsonl_bad_lines(project, rules, tmp_path):
    p = tmp_path / "a.jsonl"
    good = dict(zip(HEAD, row(), strict=True))
    lines = [
        json.dumps(good),
        "",
        "{not json",
        json.dumps([1, 2]),
        json.dumps({**good, "ad_id": "J2", "title": {"en": "x"}}),
        json.dumps({**good, "ad_id": 3, "date": "2025-01-02T09:00:00+08:00"}),
    ]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rep = import_file(project, p, rules)
    assert (rep.rows_read, rep.imported, rep.rejected) == (5, 2, 3)
    assert [r.line for r in rep.rejections] == [3, 4, 5]
    assert project.db.conn.execute(
        "SELECT ad_ref, posted_on FROM job_ads ORDER BY id"
    ).fetchall() == [("J1", "2024-12-05"), ("3", "2025-01-02")]


def test_summary_counts_out_of_scope_with_reasons(project, rules, tmp_path):
    p = write_csv(
        tmp_path / "a.csv",
        [
            row(ad_id="1"),
            row(ad_id="2", title="Banker", industry="Banking"),
            row(ad_id="3", title="Other", industry=""),
            row(ad_id="4", title="Old", date="2022-01-05"),
        ],
    )
    rep = import_file(project, p, rules)
    assert (rep.imported, rep.out_of_scope) == (1, 3)
    assert rep.out_of_scope_reasons == {
        "industry 'Banking' is in no sector": 1,
        "industry (none given) is in no sector": 1,
        "posted outside every survey window": 1,
    }


# ------------------------------------------------------------------------- de-duplication
def test_repost_on_another_platform_is_one_ad_and_the_earliest_is_kept(project, rules, tmp_path):
    later = write_csv(
        tmp_path / "later.csv",
        [
            row(
                platform="CTgoodjobs",
                ad_id="C1",
                date="2024-12-09",
                title=" LAB TECHNICIAN（QC） ",
                description="Needs  PLC.\n",
            ),
        ],
    )
    first = write_csv(
        tmp_path / "first.csv",
        [
            row(
                platform="JobsDB",
                ad_id="J1",
                date="2024-11-28",
                title="Lab Technician (QC)",
                description="Needs PLC.",
            ),
            row(
                platform="Recruit",
                ad_id="R1",
                date="2024-12-01",
                title="lab technician(qc)",
                description=" Needs PLC. ",
            ),
        ],
    )
    a = import_file(project, later, rules)
    b = import_file(project, first, rules)
    assert (a.imported, b.imported, b.duplicates) == (1, 0, 2)
    ads = project.db.conn.execute(
        "SELECT platform, ad_ref, posted_on, title, window FROM job_ads"
    ).fetchall()
    assert ads == [("JobsDB", "J1", "2024-11-28", "Lab Technician (QC)", "2023-2024")]
    (group,) = duplicate_groups(project.db)
    assert group.platforms == ["CTgoodjobs", "JobsDB", "Recruit"]
    assert [p.posted_on for p in group.postings] == ["2024-11-28", "2024-12-01", "2024-12-09"]
    assert group.postings[0].file == "first.csv" and group.postings[0].line == 2
    from mpu_qual.evidence.search import search_ads

    assert search_ads(project.db, "technician")[0] == 1  # the index follows the kept text


def test_not_duplicates(project, rules, tmp_path):
    p = write_csv(
        tmp_path / "a.csv",
        [
            row(ad_id="1", date="2024-12-01"),
            row(ad_id="2", date="2024-12-20"),  # 19 days later: re-advertised, a new ad
            row(ad_id="3", date="2024-12-02", company="Other Co"),  # another company
            row(ad_id="4", date="2024-12-02", description="Needs PLC and SPC."),  # other text
            row(ad_id="5", date="2024-12-03", description="needs plc."),  # case differs in text
        ],
    )
    rep = import_file(project, p, rules)
    assert (rep.imported, rep.duplicates) == (5, 0)


def test_same_platform_and_id_twice_is_one_posting(project, rules, tmp_path):
    a = write_csv(tmp_path / "a.csv", [row(ad_id="J1")])
    b = write_csv(tmp_path / "b.csv", [row(ad_id="J1", title="Changed title"), row(ad_id="J2")])
    import_file(project, a, rules)
    rep = import_file(project, b, rules)
    assert (rep.duplicates, rep.imported) == (2, 0)
    assert rep.duplicate_reasons == {
        "same platform and ad id as an imported posting": 1,
        "repost of an ad (same title, company and description within 14 days)": 1,
    }
    assert counts(project)[:2] == (1, 2)  # J2 is a same-day repost on the same platform


def test_repost_window_follows_rules(project, rules, tmp_path):
    p = write_csv(
        tmp_path / "a.csv", [row(ad_id="1", date="2024-12-01"), row(ad_id="2", date="2024-12-20")]
    )
    assert import_file(project, p, replace(rules, repost_days=30)).duplicates == 1


def test_locked_database_fails_the_file_cleanly(project, rules, tmp_path):
    p = write_csv(tmp_path / "a.csv", [row()])
    other = sqlite3.connect(project.db_path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        project.db.conn.execute("PRAGMA busy_timeout = 50")
        rep = import_job_ads(project, [p], rules)
    finally:
        other.execute("ROLLBACK")
        other.close()
    (f,) = rep.files
    assert f.status == "failed" and "the project is busy" in f.error.message  # the store says so
    assert "nothing from this file was imported" in f.error.message
    assert counts(project) == (0, 0, 0)
    assert import_job_ads(project, [p], rules).files[0].imported == 1


def test_import_writes_through_the_store_backed_up_first_and_not_journaled(
    project, rules, tmp_path
):
    """One way to write: a job-ad import is a bulk transaction of the store (an automatic
    backup of the state before it; no undo journal for thousands of ads)."""
    p = write_csv(tmp_path / "a.csv", [row(ad_id="1"), row(ad_id="2", title="PLC Engineer")])
    before = {b.name for b in list_backups(project.folder)}
    actions = project.conn.execute("SELECT count(*) FROM actions").fetchone()[0]
    assert import_job_ads(project, [p], rules).files[0].imported == 2
    made = [b for b in list_backups(project.folder) if b.name not in before]
    assert [b.reason for b in made] == ["jobs-import"]
    assert project.conn.execute("SELECT count(*) FROM actions").fetchone()[0] == actions
    assert project.conn.execute("SELECT count(*) FROM changes").fetchone()[0] == 0


def test_import_into_a_read_only_project_is_refused_before_reading(project, rules, tmp_path):
    p = write_csv(tmp_path / "a.csv", [row()])
    with Project.open(project.folder, readonly=True) as ro:
        with pytest.raises(MpuQualError, match="read-only"):
            import_job_ads(ro, [p], rules)
    assert counts(project) == (0, 0, 0)
