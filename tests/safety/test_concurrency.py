"""Two programs on one project at once (the TUI and a CLI command, or two TUIs).

Every write is BEGIN IMMEDIATE with a busy timeout, and every read-then-write happens inside
that transaction, so concurrent writers wait for each other instead of failing or
overwriting each other's changes. Only a writer stuck for longer than the timeout produces an
error, and then it is mpu-qual's own message, not "database is locked".
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from safety_helpers import spawn, wait_ready

from mpu_qual.errors import MpuQualError
from mpu_qual.store import Project, connection

SRC = "focus-group-2025-12-08"


def finish(procs: list) -> None:  # noqa: ANN001 - Popen list
    for proc in procs:
        # read() keeps what readline() already buffered (communicate() would lose it)
        out, err = proc.stdout.read(), proc.stderr.read()
        assert proc.wait(timeout=120) == 0, err
        assert "DONE" in out
        assert "locked" not in err and "Traceback" not in err, err


def test_two_processes_adding_codings_lose_nothing(demo_dir: Path) -> None:
    n = 40
    procs = [spawn("codings", str(demo_dir), tag, str(n)) for tag in ("tui", "cli")]
    for proc in procs:
        wait_ready(proc)
    finish(procs)
    with Project.open(demo_dir) as p:
        memos = {c.memo for c in p.codings.list()}
        assert {f"{tag}-{i}" for tag in ("tui", "cli") for i in range(n)} <= memos
        assert len(p.history.recent(500)) >= 2 * n  # every one is its own undoable action


def test_concurrent_edits_of_one_coding_keep_both_changes(demo_dir: Path) -> None:
    """One window edits the memo while another re-scopes the same coding. The undo journal
    records every update's old and new row, so it shows an update that put back the other
    field's older value (read before the transaction began): a lost update."""
    with Project.open(demo_dir) as p:
        cid = p.codings.add(SRC, 10, 30, "factors", memo="start").id
    n = 120
    procs = [
        spawn("memo", str(demo_dir), str(cid), str(n)),
        spawn("span", str(demo_dir), str(cid), str(n)),
    ]
    for proc in procs:
        wait_ready(proc)
    finish(procs)
    with Project.open(demo_dir) as p:
        c = p.codings.get(cid)
        assert c.quote == p.sources.get(SRC).text[c.start : c.end]
        rows = p.conn.execute(
            "SELECT json_extract(old, '$.start'), json_extract(new, '$.start'), "
            "json_extract(old, '$.memo'), json_extract(new, '$.memo') FROM changes "
            "WHERE tbl = 'codings' AND op = 'U' AND json_extract(old, '$.id') = ?",
            [cid],
        ).fetchall()
    # each worker changes one field; an update that changed both put back the other's old value
    assert any(r[0] != r[1] for r in rows) and any(r[2] != r[3] for r in rows)
    lost = [r for r in rows if r[0] != r[1] and r[2] != r[3]]
    assert not lost, f"{len(lost)} update(s) overwrote the other window's edit: {lost[:3]}"
    assert c.memo == f"memo {n - 1}"


def test_concurrent_attribute_edits_of_one_participant_are_all_kept(demo_dir: Path) -> None:
    n = 30
    procs = [spawn("attrs", str(demo_dir), "IL1", tag, str(n)) for tag in ("a", "b")]
    for proc in procs:
        wait_ready(proc)
    finish(procs)
    with Project.open(demo_dir) as p:
        attrs = p.participants.get("IL1").attributes
    assert {f"{t}{i}" for t in ("a", "b") for i in range(n)} <= set(attrs)


def test_an_open_window_sees_and_builds_on_another_programs_writes(demo_dir: Path, cli) -> None:
    """The TUI keeps its project open for hours; CLI commands write in between."""
    tui = Project.open(demo_dir)
    try:
        before = len(tui.codings.list())
        res = cli(
            "-p",
            str(demo_dir),
            "code",
            "add",
            SRC,
            "--start",
            "0",
            "--end",
            "12",
            "--code",
            "factors",
        )
        assert res.exit_code == 0, res.stderr
        assert len(tui.codings.list()) == before + 1  # no stale cache
        tui.codings.add(SRC, 20, 40, "factors")
        res = cli("-p", str(demo_dir), "undo")
        assert res.exit_code == 0 and "Undone: Code factors" in res.stdout
        assert len(tui.codings.list()) == before + 1
        res = cli("-p", str(demo_dir), "code", "list", "--format", "json")
        assert res.exit_code == 0
    finally:
        tui.close()


def test_a_writer_stuck_past_the_timeout_gets_a_clear_message(
    demo_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connection, "BUSY_TIMEOUT_MS", 200)
    blocker = sqlite3.connect(demo_dir / "project.db", isolation_level=None)
    with Project.open(demo_dir) as p:
        blocker.execute("BEGIN IMMEDIATE")  # another program in the middle of a long write
        try:
            with pytest.raises(MpuQualError) as err:
                p.codings.add(SRC, 0, 5, "factors")
            assert "busy" in str(err.value) and "locked" not in str(err.value)
            assert "Nothing was changed" in (err.value.hint or "")
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        c = p.codings.add(SRC, 0, 5, "factors")  # and it works once the other one is done
        assert c.quote == p.sources.get(SRC).text[0:5]


def test_readers_are_not_blocked_by_a_writer(demo_dir: Path) -> None:
    """WAL: the TUI can keep reading while a long import commits in another program."""
    blocker = sqlite3.connect(demo_dir / "project.db", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    blocker.execute("DELETE FROM codings")
    try:
        with Project.open(demo_dir, readonly=True) as p:
            assert p.search("PLC")  # reads the last committed state at once
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


def test_a_cli_writer_that_meets_a_busy_project_waits_then_exits_1_changing_nothing(
    cli, demo_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Project.open(demo_dir) as p:  # it waits: SQLite's busy timeout on every connection
        assert p.conn.execute("PRAGMA busy_timeout").fetchone() == (connection.BUSY_TIMEOUT_MS,)
        before = len(p.codings.list())
    monkeypatch.setattr(connection, "BUSY_TIMEOUT_MS", 200)
    blocker = sqlite3.connect(demo_dir / "project.db", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # a long import in another terminal
    try:
        res = cli(
            "-p",
            str(demo_dir),
            "code",
            "add",
            SRC,
            "--start",
            "0",
            "--end",
            "9",
            "--code",
            "factors",
            "--memo",
            "refused",
        )
        assert res.exit_code == 1
        assert "the project is busy" in res.stderr and "Nothing was changed" in res.stderr
        assert "Traceback" not in res.stderr and "locked" not in res.stderr
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    with Project.open(demo_dir) as p:
        assert len(p.codings.list()) == before and "refused" not in {
            c.memo for c in p.codings.list()
        }


def test_an_action_is_acknowledged_as_committed_even_if_undone_the_next_instant(
    demo_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Found by the torture benchmark (round 115 of 300): 'code add' committed, another
    window's undo took the coding back before the command read it again to print
    "Coding N: ...", and the command failed with "no coding with id N". What is acknowledged
    is now read inside the transaction that commits it."""
    from contextlib import contextmanager

    original = Project.action

    @contextmanager
    def undone_at_once(self, *args, **kwargs):  # noqa: ANN001, ANN202
        with original(self, *args, **kwargs) as conn:
            yield conn
        other = sqlite3.connect(demo_dir / "project.db", isolation_level=None)
        try:  # another window takes it all back right after the commit
            for sql in (
                "DELETE FROM codings WHERE memo = 'race'",
                "UPDATE participants SET attributes = '{}' WHERE label = 'IL1'",
                "DELETE FROM segments WHERE source_id IN (SELECT id FROM sources WHERE name = 'race')",
                "DELETE FROM sources WHERE name = 'race'",
            ):
                other.execute(sql)
        finally:
            other.close()

    transcript = tmp_path / "race.txt"
    transcript.write_text("[00:00:01] IL1: We need PLC technicians.\n", encoding="utf-8")
    with Project.open(demo_dir) as p:
        p.codings.add(SRC, 0, 5, "factors")  # the first write (and its backup) first
        monkeypatch.setattr(Project, "action", undone_at_once)
        c = p.codings.add(SRC, 0, 9, "factors", memo="race")
        assert c.memo == "race" and c.quote == p.sources.get(SRC).text[0:9]
        assert p.participants.set("IL1", attrs={"k": "v"}).attributes == {"k": "v"}
        assert p.sources.import_file(transcript).name == "race"


def test_an_export_reads_one_state_while_another_window_takes_a_transcript_away(
    demo_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Found by the torture benchmark (round 124 of 300): 'export quotes' read the codings,
    another window's undo removed their transcript, and the export failed with "no transcript
    '80'". Exports, summaries and the checks now read inside one read transaction."""
    from mpu_qual.export.quotes import export_quotes

    with Project.open(demo_dir) as p:
        p.codings.add(SRC, 0, 12, "factors", memo="in the export")
        other = sqlite3.connect(demo_dir / "project.db", isolation_level=None)
        real_list = p.codings.list
        removed: list[int] = []

        def list_while_an_undo_runs(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            codings = real_list(*args, **kwargs)
            if not removed:  # the other window commits right after the export read codings
                other.execute("PRAGMA foreign_keys = ON")
                sid = p.conn.execute("SELECT id FROM sources WHERE name = ?", [SRC]).fetchone()[0]
                other.execute("DELETE FROM sources WHERE id = ?", [sid])
                removed.append(sid)
            return codings

        monkeypatch.setattr(p.codings, "list", list_while_an_undo_runs)
        try:
            data = export_quotes(p, tmp_path / "q.csv", "csv")
        finally:
            other.close()
        assert removed and "in the export" in {r.memo for r in data.rows}
        assert p.conn.execute("SELECT count(*) FROM sources WHERE name = ?", [SRC]).fetchone() == (
            0,
        )  # the removal did commit: the export saw the state before it, whole
