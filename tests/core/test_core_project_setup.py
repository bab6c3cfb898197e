"""`init`, the repository root as demo project, and the data-safety settings of project.db."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from mpu_qual.codebook import load_codebook
from mpu_qual.errors import MpuQualError, ProjectNotFound
from mpu_qual.store import Project

REPO_ROOT = Path(__file__).resolve().parents[2]
SRC = "focus-group-2025-12-08"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ----------------------------------------------------------------------------- init
def test_init_creates_a_project_with_the_bundled_codebook(cli, tmp_path: Path) -> None:
    folder = tmp_path / "new project"
    res = cli("init", str(folder))
    assert res.exit_code == 0, res.stderr
    assert "0 transcripts imported" in res.stdout
    assert (folder / "transcripts").is_dir()
    assert (folder / "codebook.yaml").read_bytes() == (
        REPO_ROOT / "mpu_qual" / "data" / "codebook.yaml"
    ).read_bytes()
    assert mode(folder / "project.db") == 0o600
    with Project.open(folder, create=False) as p:
        assert len(p.codes.list()) == len(load_codebook(folder / "codebook.yaml").codes) > 50
        assert p.history.recent() == []  # the starting codebook is not an action to undo


def test_init_with_codebook_option_and_existing_transcripts(cli, tmp_path: Path) -> None:
    cb = tmp_path / "mine.yaml"
    cb.write_text(
        "version: 1\ncodes:\n  - {id: a, en: Alpha, zh: 甲}\n  - {id: b, en: Beta, zh: 乙}\n",
        encoding="utf-8",
    )
    folder = tmp_path / "p"
    (folder / "transcripts").mkdir(parents=True)
    (folder / "transcripts" / "one.txt").write_text("[00:00:01] IL1: 你好\n", encoding="utf-8")
    (folder / "transcripts" / "notes.md").write_text("# not a transcript\n", encoding="utf-8")
    res = cli("init", str(folder), "--codebook", str(cb))
    assert res.exit_code == 0, res.stderr
    assert "1 transcript imported" in res.stdout
    assert (folder / "codebook.yaml").read_bytes() == cb.read_bytes()
    with Project.open(folder) as p:
        assert [c.id for c in p.codes.list()] == ["a", "b"]
        assert [s.name for s in p.sources.list()] == ["one"]


def test_init_refuses_bad_codebook_and_existing_project(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\ncodes:\n  - {id: a, en: Alpha}\n", encoding="utf-8")
    folder = tmp_path / "p"
    res = cli("init", str(folder), "--codebook", str(bad))
    assert res.exit_code == 1
    assert f"error: {bad}:3:5 [zh]: code 'a' has no 'zh'" in res.stderr
    assert not folder.exists()  # validated before anything was written
    assert cli("init", str(folder)).exit_code == 0
    res = cli("init", str(folder))
    assert res.exit_code == 1 and "a project already exists here" in res.stderr
    res = cli("init", str(tmp_path / "q"), "--codebook", str(tmp_path / "missing.yaml"))
    assert res.exit_code == 1 and "codebook file not found" in res.stderr


def test_init_is_all_or_nothing_when_a_transcript_is_bad(cli, tmp_path: Path) -> None:
    folder = tmp_path / "p"
    (folder / "transcripts").mkdir(parents=True)
    (folder / "transcripts" / "a-good.txt").write_text("IL1: fine\n", encoding="utf-8")
    bad = folder / "transcripts" / "b-bad.txt"
    bad.write_text("IL1: fine\n[00:61:00] IL2: broken\n", encoding="utf-8")
    (folder / "transcripts" / "c-good.txt").write_text("IL2: also fine\n", encoding="utf-8")
    res = cli("init", str(folder))
    assert res.exit_code == 1
    assert f"error: {bad}:2: malformed timestamp" in res.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["transcripts"]
    bad.write_text("IL1: fixed\n", encoding="utf-8")
    assert cli("init", str(folder)).exit_code == 0
    with Project.open(folder) as p:
        assert [s.name for s in p.sources.list()] == ["a-good", "b-bad", "c-good"]


def test_a_project_made_through_the_library_has_the_job_ad_rules_to_edit(tmp_path: Path) -> None:
    """Project set-up lives in one place: whichever front end creates a project (CLI init,
    a QDPX import into a new folder, a script), it gets the shipped jobrules.yaml."""
    from mpu_qual.evidence.rules import default_rules_path, load_project_rules

    with Project.init(tmp_path / "lib") as p:
        rules_file = p.folder / "jobrules.yaml"
        assert rules_file.read_bytes() == default_rules_path().read_bytes()
        assert load_project_rules(p.folder).sectors  # and it loads as the project's rules
    own = tmp_path / "own"
    own.mkdir()
    (own / "jobrules.yaml").write_text("# mine\n", encoding="utf-8")
    Project.init(own).close()
    assert (own / "jobrules.yaml").read_text(encoding="utf-8") == "# mine\n"  # never replaced


def test_a_failed_set_up_takes_the_rules_file_away_again(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    (folder / "transcripts").mkdir(parents=True)
    (folder / "transcripts" / "bad.txt").write_text("[00:61:00] IL2: broken\n", encoding="utf-8")
    with pytest.raises(MpuQualError):
        Project.init(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["transcripts"]


# ----------------------------------------------------------------------------- demo folder
def test_demo_folder_first_use(cli, tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    demo.mkdir()
    (demo / "codebook.yaml").write_bytes((REPO_ROOT / "codebook.yaml").read_bytes())
    (demo / "transcripts").mkdir()
    original = (REPO_ROOT / "transcripts" / f"{SRC}.txt").read_bytes()
    (demo / "transcripts" / f"{SRC}.txt").write_bytes(original)
    (demo / "transcripts" / "README.md").write_text("about the demo", encoding="utf-8")
    res = cli("-p", str(demo), "transcripts", "list", "--format", "json")
    assert res.exit_code == 0, res.stderr
    rows = json.loads(res.stdout)
    assert [(r["name"], r["speakers"], r["codings"]) for r in rows] == [(SRC, 7, 0)]
    assert rows[0]["segments"] == sum(
        1 for line in original.decode("utf-8").splitlines() if line.startswith("[")
    )
    # the user's codebook (comments and all) is not rewritten by the set-up
    assert (demo / "codebook.yaml").read_bytes() == (REPO_ROOT / "codebook.yaml").read_bytes()
    assert mode(demo / "project.db") == 0o600
    # second use opens the same project: no second import
    res = cli("-p", str(demo), "transcripts", "list", "--format", "json")
    assert len(json.loads(res.stdout)) == 1


def test_participants_of_the_demo_get_groups_from_the_codebook(demo_project: Project) -> None:
    groups = {p.label: p.group_id for p in demo_project.participants.list()}
    assert groups == {
        "AC1": "academic",
        "IL1": "industry_leader",
        "IL2": "industry_leader",
        "Moderator": "moderator",
        "TE1": "training_expert",
        "TP1": "technology_provider",
        "TP2": "technology_provider",
    }


def test_not_a_project(cli, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    res = cli("-p", str(empty), "transcripts", "list")
    assert res.exit_code == 1
    assert "not an mpu-qual project" in res.stderr and "mpu-qual init" in res.stderr
    assert list(empty.iterdir()) == []
    with pytest.raises(ProjectNotFound):
        Project.open(tmp_path / "missing")


# ----------------------------------------------------------------------------- safety
def test_connection_pragmas_and_file_modes(demo_project: Project) -> None:
    conn = demo_project.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 10000
    demo_project.codings.add(SRC, 0, 5, "factors")  # a write creates the WAL side files
    folder = demo_project.folder
    assert mode(folder / "project.db") == 0o600
    for side in ("project.db-wal", "project.db-shm"):
        if (folder / side).exists():
            assert mode(folder / side) == 0o600, side


def test_project_db_is_private_even_with_a_loose_umask(tmp_path: Path) -> None:
    old = os.umask(0o000)
    try:
        Project.init(tmp_path / "p").close()
    finally:
        os.umask(old)
    assert mode(tmp_path / "p" / "project.db") == 0o600


def test_sql_constraints_refuse_bad_codings_and_segments(demo_project: Project) -> None:
    conn = demo_project.conn
    src = demo_project.sources.get(SRC)
    good = src.text[10:20]
    cases = [
        (
            "INSERT INTO codings (source_id, code_id, start, end, quote) VALUES (?, ?, ?, ?, ?)",
            [src.id, "factors", 10, 20, good + "x"],
            "quote does not match",
        ),
        (
            "INSERT INTO codings (source_id, code_id, start, end, quote) VALUES (?, ?, ?, ?, ?)",
            [src.id, "factors", src.length - 1, src.length + 1, src.text[-1:]],
            "outside the text",
        ),
        (
            "INSERT INTO codings (source_id, code_id, start, end, quote) VALUES (?, ?, ?, ?, ?)",
            [src.id, "factors", 20, 20, ""],
            "CHECK constraint",
        ),
        (
            "INSERT INTO codings (source_id, code_id, start, end, quote) VALUES (?, ?, ?, ?, ?)",
            [src.id, "no.such.code", 10, 20, good],
            "FOREIGN KEY",
        ),
        (
            "INSERT INTO segments (source_id, idx, start, end) VALUES (?, ?, ?, ?)",
            [src.id, 9999, 0, src.length + 5],
            "outside the text",
        ),
        ("INSERT INTO sources (name, text, length) VALUES (?, ?, ?)", ["x", "abc", 4], "CHECK"),
    ]
    before = conn.execute("SELECT count(*) FROM codings").fetchone()[0]
    for sql, args, message in cases:
        with pytest.raises(sqlite3.IntegrityError, match=message):
            conn.execute(sql, args)
    coding = demo_project.codings.add(SRC, 10, 20, "factors")
    with pytest.raises(sqlite3.IntegrityError, match="quote does not match"):
        conn.execute("UPDATE codings SET end = 21 WHERE id = ?", [coding.id])
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        conn.execute("DELETE FROM codes WHERE id = 'factors'")
    assert conn.execute("SELECT count(*) FROM codings").fetchone()[0] == before + 1


def test_foreign_triggers_in_a_project_file_are_refused(demo_dir: Path) -> None:
    conn = sqlite3.connect(demo_dir / "project.db")
    conn.execute("PRAGMA trusted_schema = ON")
    conn.execute("CREATE TRIGGER evil AFTER INSERT ON codings BEGIN DELETE FROM sources; END")
    conn.commit()
    conn.close()
    with pytest.raises(MpuQualError, match="trigger 'evil'"):
        Project.open(demo_dir)


def test_garbage_project_file_gives_a_clean_error(cli, tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "project.db").write_bytes(b"this is not sqlite" * 100)
    res = cli("-p", str(folder), "transcripts", "list")
    assert res.exit_code == 1
    assert "not a readable SQLite database" in res.stderr and "Traceback" not in res.output


def test_reopens_when_a_table_checks_json(demo_dir: Path) -> None:
    # SQLite < 3.45 rejects json_valid() in a CHECK while trusted_schema is OFF; feature tables
    # (transcription checkpoints) use it, and a project must still open and write afterwards.
    conn = sqlite3.connect(demo_dir / "project.db")
    conn.execute("CREATE TABLE extra_settings (v TEXT CHECK (json_valid(v)))")
    conn.commit()
    conn.close()
    with Project.open(demo_dir) as p:
        p.conn.execute("INSERT INTO extra_settings VALUES ('{}')")
        with pytest.raises(sqlite3.IntegrityError):
            p.conn.execute("INSERT INTO extra_settings VALUES ('not json')")
        assert p.codings.add(SRC, 0, 3, "factors").quote == p.sources.get(SRC).text[:3]
