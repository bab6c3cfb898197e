"""Every message that advises 'restore' is given only when the project file really is
damaged (what 'doctor' says too); a healthy project whose command met another command's
change is told to run it again, never to restore (which would throw recent work away)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mpu_qual.maintenance import doctor
from mpu_qual.safety.notices import add_handler, remove_handler
from mpu_qual.store import Project
from mpu_qual.store.codings import Codings
from mpu_qual.store.health import database_error


def damage_an_index(db: Path) -> None:
    """Garbage in the middle of the codings index (this process holds no connection)."""
    conn = sqlite3.connect(db)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'codings_code'").fetchone()
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    with open(db, "r+b") as fh:
        fh.seek((root[0] - 1) * size + 8)
        fh.write(b"\xff" * 64)


def coded(demo_dir: Path) -> None:
    with Project.open(demo_dir) as p:
        src = p.sources.list()[0]
        p.codings.add_many(src, 0, 10, ["factors.ecosystem.finance"], coder="a")


def test_a_healthy_project_is_never_told_to_restore(demo_dir: Path) -> None:
    coded(demo_dir)
    err = database_error(
        sqlite3.IntegrityError("coding span is outside the text"), demo_dir / "project.db"
    )
    assert "restore --latest" not in f"{err} {err.hint}" and "doctor" not in f"{err} {err.hint}"
    assert "another command or window changed the project" in str(err)
    assert err.hint == "Run the command again. No restore is needed."
    assert doctor.diagnose(demo_dir).ok  # what doctor says too


def test_a_damaged_project_is_told_to_run_doctor_and_restore(demo_dir: Path) -> None:
    coded(demo_dir)
    damage_an_index(demo_dir / "project.db")
    assert not doctor.diagnose(demo_dir).ok
    err = database_error(
        sqlite3.DatabaseError("database disk image is malformed"), demo_dir / "project.db"
    )
    assert str(err).startswith(f"{demo_dir / 'project.db'}: the project database is damaged")
    assert "mpu-qual doctor" in err.hint and "mpu-qual restore --latest" in err.hint


def test_code_add_meeting_another_commands_change_says_run_it_again(
    demo_dir: Path, cli, monkeypatch
) -> None:
    """As 'code add' racing 'undo': the span checked against a text that the other command
    changed meanwhile; the trigger refuses the row."""

    def raced(self, src, start, end, codes, **kw):  # noqa: ANN001, ANN003, ANN202
        with self.project.transaction() as conn:
            conn.execute(
                "INSERT INTO codings (source_id, code_id, start, end, quote) "
                "VALUES (?, ?, 0, 99999999, 'x')",
                [getattr(src, "id", 1), codes[0]],
            )

    monkeypatch.setattr(Codings, "add_many", raced)
    res = cli(
        "-p",
        str(demo_dir),
        "code",
        "add",
        "1",
        "--start",
        "0",
        "--end",
        "10",
        "--code",
        "factors.ecosystem.finance",
    )
    assert res.exit_code == 1
    assert "restore --latest" not in res.stderr and "Traceback" not in res.output
    assert "Run the command again" in res.stderr


def test_the_open_notice_of_a_damaged_project_advises_restore(demo_dir: Path) -> None:
    coded(demo_dir)
    damage_an_index(demo_dir / "project.db")
    seen: list[str] = []
    handler = lambda _level, message: seen.append(message)  # noqa: E731
    add_handler(handler)
    try:
        with Project.open(demo_dir) as p:
            assert p.readonly
    finally:
        remove_handler(handler)
    assert any("mpu-qual restore" in m and "failed its safety checks" in m for m in seen)
    report = doctor.diagnose(demo_dir)
    assert any("restore" in (f.hint or "") for f in report.errors)  # checks.integrity's hint


def test_a_file_that_is_not_sqlite_is_told_to_restore(demo_dir: Path, cli) -> None:
    db = demo_dir / "project.db"
    db.write_bytes(b"this is not a database at all" * 200)
    res = cli("-p", str(demo_dir), "code", "list")
    assert res.exit_code == 1
    assert "not a readable SQLite database" in res.stderr and "restore" in res.stderr
    assert not doctor.diagnose(demo_dir).ok


def test_restore_without_a_name_says_which_to_give(demo_dir: Path, cli) -> None:
    res = cli("-p", str(demo_dir), "restore")
    assert res.exit_code == 1
    assert "say which backup to restore" in res.stderr
    assert "mpu-qual restore NAME (or --latest)" in res.stderr


def test_doctor_advises_restore_only_with_a_finding_that_needs_it(demo_dir: Path) -> None:
    """Each doctor hint that names restore comes with an error finding about the file."""
    healthy = doctor.diagnose(demo_dir)
    assert healthy.ok and not any("restore" in (f.hint or "") for f in healthy.findings)
    cb = demo_dir / "codebook.yaml"
    good = cb.read_text(encoding="utf-8")
    cb.write_text(good.replace("codes:\n", "codes: [\n", 1), encoding="utf-8")
    broken = doctor.diagnose(demo_dir)
    [f] = [f for f in broken.errors if f.check == "codebook"]
    assert "codebook.yaml has an error" in f.message and "'mpu-qual restore'" in f.hint
    cb.write_text(good, encoding="utf-8")
    conn = sqlite3.connect(demo_dir / "project.db")
    conn.execute("CREATE VIEW not_ours AS SELECT 1")
    conn.close()
    foreign = doctor.diagnose(demo_dir)
    [f] = [f for f in foreign.errors if f.check == "trust"]
    assert "not_ours" in f.message and "Restore one of your own backups" in f.hint


def test_doctor_on_a_file_that_is_not_sqlite_advises_restore(demo_dir: Path) -> None:
    (demo_dir / "project.db").write_bytes(b"not sqlite" * 1000)
    [f] = [f for f in doctor.diagnose(demo_dir).errors if f.check == "file"]
    assert "not a readable SQLite database" in f.message
    assert f.hint == "Restore a backup with 'mpu-qual restore'."
