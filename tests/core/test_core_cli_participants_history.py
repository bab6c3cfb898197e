"""`participants list|set` and the undo journal (`undo`, `redo`, `history`)."""

from __future__ import annotations

import json
from pathlib import Path

from mpu_qual.store import Project

SRC = "focus-group-2025-12-08"


def as_json(res) -> list[dict]:
    assert res.exit_code == 0, res.stderr
    return json.loads(res.stdout)


def people(cli, folder: Path) -> dict[str, dict]:
    return {
        p["label"]: p
        for p in as_json(cli("-p", str(folder), "participants", "list", "--format", "json"))
    }


# ----------------------------------------------------------------------------- participants
def test_participants_list_and_set(cli, demo_dir: Path) -> None:
    p_ = ("-p", str(demo_dir))
    res = cli(*p_, "participants", "list")
    assert res.exit_code == 0 and "Industry leader / 業界領袖" in res.stdout
    res = cli(
        *p_,
        "participants",
        "set",
        "IL1",
        "--name",
        "陳大文",
        "--group",
        "學術專家",
        "--attr",
        "sector=precision metal",
        "--attr",
        "age_band=50-59",
    )
    assert res.exit_code == 0, res.stderr
    il1 = people(cli, demo_dir)["IL1"]
    assert (il1["name"], il1["group_id"]) == ("陳大文", "academic")
    assert il1["attributes"] == {"sector": "precision metal", "age_band": "50-59"}
    # an empty value removes an attribute; other fields stay
    cli(*p_, "participants", "set", "IL1", "--attr", "age_band=")
    il1 = people(cli, demo_dir)["IL1"]
    assert il1["attributes"] == {"sector": "precision metal"} and il1["name"] == "陳大文"
    # a new label creates a participant, grouped by the codebook's `match` patterns
    cli(*p_, "participants", "set", "TP9")
    assert people(cli, demo_dir)["TP9"]["group_id"] == "technology_provider"


def test_participant_rename_follows_segments_and_codings(cli, demo_dir: Path) -> None:
    with Project.open(demo_dir) as p:
        start = p.sources.get(SRC).text.index("Very serious.")
        p.codings.add(SRC, start, start + 13, "factors.talent_gap")
    res = cli("-p", str(demo_dir), "participants", "set", "IL1", "--rename", "IL1-陳")
    assert res.exit_code == 0, res.stderr
    assert "IL1" not in people(cli, demo_dir)
    with Project.open(demo_dir) as p:
        assert "IL1" not in {g.speaker for g in p.sources.segments(SRC)}
        assert [c.participant_label for c in p.codings.list()] == ["IL1-陳"]
        assert p.codings.list(participant="IL1-陳")
        assert p.history.undo() == "Edit participant IL1"
        assert [c.participant_label for c in p.codings.list()] == ["IL1"]
        assert sum(g.speaker == "IL1" for g in p.sources.segments(SRC)) > 5


def test_participant_errors_change_nothing(cli, demo_dir: Path, snapshot) -> None:
    p_ = ("-p", str(demo_dir))
    before = snapshot(demo_dir)
    cases = [
        (("IL1", "--group", "aliens"), "unknown stakeholder group 'aliens'"),
        (("IL1", "--attr", "no-equals"), "must look like key=value"),
        (("IL1", "--attr", "=value"), "must look like key=value"),
        (("IL1", "--rename", "IL2"), "a participant 'IL2' already exists"),
        (("IL1", "--rename", "  "), "the new label cannot be empty"),
        (("  ",), "a participant needs a label"),
    ]
    for args, message in cases:
        res = cli(*p_, "participants", "set", *args)
        assert res.exit_code == 1, args
        assert message in res.stderr, (args, res.stderr)
    assert snapshot(demo_dir) == before


# ----------------------------------------------------------------------------- undo / redo
def test_undo_redo_history_survive_restarts(cli, demo_dir: Path) -> None:
    p_ = ("-p", str(demo_dir))
    assert (
        cli(*p_, "code", "add", SRC, "--start", "0", "--end", "20", "--code", "factors").exit_code
        == 0
    )
    assert cli(*p_, "participants", "set", "TE1", "--name", "Wong").exit_code == 0
    hist = cli(*p_, "history").stdout.splitlines()
    assert "Edit participant TE1" in hist[0] and "Code factors in " + SRC in hist[1]
    # every CLI call is a fresh process-level open of project.db
    assert cli(*p_, "undo").stdout.strip() == "Undone: Edit participant TE1"
    assert people(cli, demo_dir)["TE1"]["name"] is None
    assert cli(*p_, "undo").stdout.strip() == f"Undone: Code factors in {SRC}"
    assert as_json(cli(*p_, "code", "list", "--format", "json")) == []
    assert "(undone)" in cli(*p_, "history").stdout.splitlines()[0]
    assert cli(*p_, "redo").stdout.strip() == f"Redone: Code factors in {SRC}"
    assert len(as_json(cli(*p_, "code", "list", "--format", "json"))) == 1
    # a new action ends the redo chain
    assert cli(*p_, "participants", "set", "TE1", "--attr", "x=1").exit_code == 0
    assert cli(*p_, "redo").stdout.strip() == "Nothing to redo."
    assert "Edit participant TE1" not in "".join(
        line for line in cli(*p_, "history").stdout.splitlines() if "(undone)" in line
    )


def user_tables(folder: Path) -> dict[str, list[tuple]]:
    with Project.open(folder) as p:
        return {
            t: p.conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
            for t in ("participants", "sources", "segments", "codes", "codings", "memos")
        }


def test_undo_everything_back_to_the_start(cli, demo_dir: Path, snapshot) -> None:
    p_ = ("-p", str(demo_dir))
    start_files = snapshot(demo_dir)[1]
    start = user_tables(demo_dir)
    cli(*p_, "autocode", "--code", "manpower.technical", "--phrase", "PLC")
    cli(*p_, "participants", "set", "IL2", "--rename", "IL2b", "--group", "academic")
    cli(*p_, "code", "add", SRC, "--start", "5", "--end", "25", "--code", "training")
    assert user_tables(demo_dir) != start
    for _ in range(3):
        assert cli(*p_, "undo").exit_code == 0
    assert user_tables(demo_dir) == start
    assert snapshot(demo_dir)[1] == start_files  # files (codebook.yaml) untouched
    # the demo import itself is the oldest action; the codebook load is not undoable
    assert cli(*p_, "undo").stdout.strip() == f"Undone: Import transcript {SRC}"
    assert cli(*p_, "undo").stdout.strip() == "Nothing to undo."
    with Project.open(demo_dir) as p:
        assert p.sources.list() == [] and len(p.codes.list()) > 50


def test_failed_action_is_rolled_back_and_not_journaled(demo_project: Project) -> None:
    n_actions = len(demo_project.history.recent())
    try:
        with demo_project.action("half done") as conn:
            src = demo_project.sources.get(SRC)
            conn.execute(
                "INSERT INTO codings (source_id, code_id, start, end, quote) VALUES (?, ?, ?, ?, ?)",
                [src.id, "factors", 0, 5, src.text[0:5]],
            )
            raise RuntimeError("crash in the middle")
    except RuntimeError:
        pass
    assert demo_project.codings.list() == []
    assert len(demo_project.history.recent()) == n_actions
    state = demo_project.conn.execute("SELECT action_id FROM journal_state").fetchone()[0]
    assert state is None
