"""``mpu-qual doctor``, the read-only open of a damaged project, and the repair path.

Each test damages a real project file the way a bug, another tool or a disk could, then
checks that opening it goes read-only with a message, that doctor names the problem, and
that ``doctor --repair`` (or ``restore``) makes it healthy without losing codings.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from safety_helpers import mode, raw, without_triggers

from mpu_qual.errors import MpuQualError
from mpu_qual.maintenance import doctor
from mpu_qual.maintenance.repair import repair
from mpu_qual.safety import backup
from mpu_qual.store import Project

SRC = "focus-group-2025-12-08"


def coded(folder: Path) -> list[int]:
    with Project.open(folder) as p:
        p.codings.add(SRC, 100, 140, "factors")
        p.codings.autocode("manpower.technical", phrase="PLC")
        return [c.id for c in p.codings.list()]


def checks(report: doctor.DoctorReport) -> set[str]:
    return {f.check for f in report.errors}


def test_a_healthy_project_passes(cli, demo_dir: Path) -> None:
    coded(demo_dir)
    report = doctor.diagnose(demo_dir)
    assert report.ok, [f.message for f in report.findings]
    res = cli("-p", str(demo_dir), "doctor")
    assert res.exit_code == 0 and "The project is healthy" in res.stdout
    data = json.loads(cli("-p", str(demo_dir), "doctor", "--format", "json").stdout)
    assert data["ok"] is True and isinstance(data["findings"], list)


def test_a_coding_off_its_text_opens_read_only_and_repair_moves_it_back(
    cli, demo_dir: Path, notices
) -> None:
    ids = coded(demo_dir)
    without_triggers(
        demo_dir / "project.db",
        f"UPDATE codings SET start = start + 3, end = end + 3 WHERE id = {ids[0]}",
    )
    with Project.open(demo_dir) as p:
        assert p.readonly and p.open_problems
        assert len(p.codings.list()) == len(ids)  # reading still works
        with pytest.raises(MpuQualError, match="read-only") as err:
            p.codings.add(SRC, 0, 5, "factors")
        assert "doctor" in (err.value.hint or "")
    assert any(level == "error" and "read-only" in m and "doctor" in m for level, m in notices)
    res = cli("-p", str(demo_dir), "code", "list")
    assert res.exit_code == 0 and "failed its safety checks" in res.stderr
    res = cli("-p", str(demo_dir), "doctor")
    assert res.exit_code == 1 and "[offsets]" in res.stdout and "--repair will" in res.stdout
    res = cli("-p", str(demo_dir), "doctor", "--repair")
    assert res.exit_code == 0, res.stdout + res.stderr
    assert "moved 1 coding(s)" in res.stdout and "before-repair" in res.stdout
    with Project.open(demo_dir) as p:
        assert not p.readonly
        c = p.codings.get(ids[0])
        assert (c.start, c.end) == (100, 140) and c.quote == p.sources.get(SRC).text[100:140]


def test_codings_of_a_deleted_code_survive_as_a_placeholder_code(demo_dir: Path) -> None:
    coded(demo_dir)
    without_triggers(demo_dir / "project.db", "DELETE FROM codes WHERE id = 'manpower.technical'")
    report = doctor.diagnose(demo_dir)
    assert "foreign-keys" in checks(report)
    with Project.open(demo_dir) as p:
        assert p.readonly
    after = repair(demo_dir)
    assert after.ok, [f.message for f in after.errors]
    assert after.safety_copy is not None and after.safety_copy.exists()
    with Project.open(demo_dir) as p:
        assert not p.readonly
        assert p.codes.get("manpower.technical").label_en == "Recovered code manpower.technical"
        assert len(p.codings.list(code="manpower.technical")) == 3


def test_search_index_and_journal_problems_are_found_and_fixed(demo_dir: Path) -> None:
    coded(demo_dir)
    with Project.open(demo_dir) as p:
        hits = len(p.search("PLC", limit=1000))
    assert hits >= 2
    without_triggers(
        demo_dir / "project.db",
        "DELETE FROM segments_fts WHERE rowid IN "
        "(SELECT rowid FROM segments_fts WHERE text LIKE '%PLC%' LIMIT 1)",
        "UPDATE journal_state SET action_id = 1",
    )
    report = doctor.diagnose(demo_dir)
    assert {f.check for f in report.warnings} >= {"fts", "journal"} and report.ok
    with Project.open(demo_dir) as p:
        assert not p.readonly  # warnings do not block work
        assert len(p.search("PLC", limit=1000)) < hits
    after = repair(demo_dir)
    assert not {f.check for f in after.warnings} & {"fts", "journal"}
    with Project.open(demo_dir) as p:
        assert len(p.search("PLC", limit=1000)) == hits
        assert p.conn.execute("SELECT action_id FROM journal_state").fetchone() == (None,)


def test_index_damage_is_found_by_doctor_and_rebuilt(demo_dir: Path) -> None:
    coded(demo_dir)
    db = demo_dir / "project.db"
    # put an index out of step with its table: an entry keyed by the wrong column
    conn = raw(db)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute(
        "UPDATE sqlite_master SET sql = 'CREATE INDEX codings_code ON codings(memo)' "
        "WHERE name = 'codings_code'"
    )
    conn.close()
    conn = raw(db)
    conn.execute(
        "INSERT INTO codings (source_id, code_id, start, end, quote) "
        "SELECT id, 'factors', 0, 4, substr(text, 1, 4) FROM sources LIMIT 1"
    )
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute(
        "UPDATE sqlite_master SET sql = 'CREATE INDEX codings_code ON codings(code_id)' "
        "WHERE name = 'codings_code'"
    )
    conn.close()
    report = doctor.diagnose(demo_dir)
    assert "integrity" in checks(report)
    after = repair(demo_dir)
    assert after.ok and any("REINDEX" in line for line in after.repaired)


def test_a_damaged_page_points_to_the_newest_good_backup(cli, demo_dir: Path) -> None:
    coded(demo_dir)
    good = backup.make_backup(demo_dir, "good")
    db = demo_dir / "project.db"
    conn = raw(db)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'codings_code'").fetchone()
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(db, "r+b") as fh:
        fh.seek((root[0] - 1) * size)
        fh.write(b"\xff" * size)
    with Project.open(demo_dir) as p:
        assert p.readonly and "damaged" in p.open_problems[0].message
    res = cli("-p", str(demo_dir), "doctor", "--repair")
    assert res.exit_code == 1
    assert f"mpu-qual restore {good.name}" in res.stderr
    res = cli("-p", str(demo_dir), "restore", "--latest", "--yes")
    assert res.exit_code == 0, res.stderr
    assert doctor.diagnose(demo_dir).ok
    with Project.open(demo_dir) as p:
        assert not p.readonly and len(p.codings.list()) == 4


def test_files_permissions_and_missing_codebook_are_repaired(demo_dir: Path) -> None:
    coded(demo_dir)
    info = backup.make_backup(demo_dir)
    stale = demo_dir / ".project.db.1234.tmp"
    stale.write_bytes(b"half a backup")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    fresh = demo_dir / "backups" / ".x.db.99.tmp"  # a backup being written right now
    fresh.write_bytes(b"in progress")
    orphan = demo_dir / "backups" / "20200101T000000_000000Z-auto-open.json"
    orphan.write_text("{}")
    os.chmod(info.path, 0o644)
    cb_text = (demo_dir / "codebook.yaml").read_text(encoding="utf-8")
    (demo_dir / "codebook.yaml").unlink()
    report = doctor.diagnose(demo_dir)
    found = {f.check for f in report.findings}
    assert {"files", "permissions", "codebook"} <= found
    after = repair(demo_dir)
    assert after.ok, [f.message for f in after.errors]
    assert not stale.exists() and fresh.exists() and not orphan.exists()
    assert mode(info.path) == 0o600
    restored = (demo_dir / "codebook.yaml").read_text(encoding="utf-8")
    assert "industry_leader" in restored  # groups came back from the backup's copy
    with Project.open(demo_dir) as p:
        assert {c.id for c in p.codes.list()} >= {"factors", "manpower.technical"}
    assert "Advanced Manufacturing" in cb_text


def test_an_unreadable_file_is_reported_not_crashed_on(cli, demo_dir: Path) -> None:
    good = backup.make_backup(demo_dir)
    (demo_dir / "project.db").write_bytes(os.urandom(8192))
    report = doctor.diagnose(demo_dir)
    assert "file" in checks(report) and report.good_backup is not None
    assert report.good_backup.name == good.name
    res = cli("-p", str(demo_dir), "doctor")
    assert res.exit_code == 1 and "Traceback" not in res.stderr
    assert f"mpu-qual restore {good.name}" in res.stderr
    res = cli("-p", str(demo_dir), "code", "list")
    assert res.exit_code == 1 and "doctor" in res.stderr


def test_a_codebook_that_disagrees_with_the_project_is_reported(demo_dir: Path) -> None:
    path = demo_dir / "codebook.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("en: Infrastructure", "en: Infra"),
        encoding="utf-8",
    )
    report = doctor.diagnose(demo_dir)
    warn = [f for f in report.warnings if f.check == "codebook"]
    assert warn and "factors.ecosystem.infrastructure" in warn[0].items
    assert "codebook load" in (warn[0].hint or "")


def test_not_a_project_folder(tmp_path: Path) -> None:
    report = doctor.diagnose(tmp_path)
    assert not report.ok and "not an mpu-qual project" in report.errors[0].message


def test_an_interrupted_codebook_write_is_finished_on_open(demo_dir: Path, notices) -> None:
    """A journal left by a killed save (see CodebookFile.stage), and neither the file nor the
    saved copy lists the committed codes: the next open rewrites the file from the codes, so
    a later 'codebook load' cannot undo them."""
    before = (demo_dir / "codebook.yaml").read_bytes()
    with Project.open(demo_dir) as p:
        p.codes.add("factors.new_one", "New one", "新一", parent_id="factors")
    (demo_dir / "codebook.yaml").write_bytes(before)  # as if the rewrite never happened
    (demo_dir / ".codebook.yaml.1-1.journal").write_bytes(b"saved\n" + before)
    with Project.open(demo_dir) as p:
        assert "factors.new_one" in (demo_dir / "codebook.yaml").read_text(encoding="utf-8")
        assert p.codebook.sync().added == []  # loading the file changes nothing now
    assert any("rewritten" in m for _, m in notices)
