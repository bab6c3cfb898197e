"""``mpu-qual merge`` under concurrency and crashes, and with a colleague's broken copy.

Two merges at once add each coding once (the plan is made under the write lock); a merge
killed half-way leaves codebook.yaml and the project agreeing; the colleague's folder is read
without leaving a file in it; their impossible rows are named as theirs; a QDPX transcript
whose text is missing is refused with its codings counted.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
import zipfile
from pathlib import Path

from mpu_qual.codebook import load_codebook
from mpu_qual.refi.qdpx_writer import export_qdpx
from mpu_qual.store import Project
from mpu_qual.team import merge as merge_mod
from mpu_qual.team.merge import merge


def coding_rows(folder: Path) -> list[tuple]:
    with Project.open(folder) as p:
        return sorted((c.code_id, c.coder, c.start, c.end) for c in p.codings.list())


def test_two_merges_at_once_add_each_coding_once(team, monkeypatch) -> None:
    """Both merges plan while the other has not written yet (a barrier holds each after its
    first plan); the plan that counts is made again under the write lock."""
    copy = team["alice"].parent / "alice-copy"
    shutil.copytree(team["alice"], copy)
    expected = coding_rows(team["alice"])
    barrier = threading.Barrier(2, timeout=20)
    first = threading.local()
    real = merge_mod.plan_merge

    def plan_then_wait(*args, **kwargs):
        out = real(*args, **kwargs)
        if not getattr(first, "done", False):
            first.done = True
            barrier.wait()
        return out

    monkeypatch.setattr(merge_mod, "plan_merge", plan_then_wait)
    reports: list = []
    errors: list = []

    def run(other: Path) -> None:
        try:
            with Project.open(team["lead"]) as p:
                reports.append(merge(p, other))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(f,)) for f in (team["alice"], copy)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert coding_rows(team["lead"]) == expected  # each coding once, not twice
    assert sorted(r.total_added for r in reports) == [0, len(expected)]


def _killed_mid_merge(lead: Path, other: Path) -> None:
    """Run a merge in a child process that dies just before the commit (after codebook.yaml
    was written), as a SIGKILL would leave it."""
    pid = os.fork()
    if pid == 0:
        try:
            from mpu_qual.store.codebook_sync import CodebookFile

            real_sync = CodebookFile.sync

            def sync_then_die(self, *a, **kw):
                real_sync(self, *a, **kw)
                os._exit(9)  # no commit, no clean-up: the process is simply gone

            CodebookFile.sync = sync_then_die
            with Project.open(lead) as p:
                merge(p, other)
        finally:
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 9


def test_a_merge_killed_half_way_leaves_codebook_and_project_agreeing(team, notices) -> None:
    with Project.open(team["bob"]) as p:
        p.codes.add("factors.bobs_code", "Bob's code", "鮑勃", parent_id="factors")
        src = p.sources.list()[0]
        p.codings.add_many(src, 0, 5, ["factors.bobs_code"], coder="bob")
    before = (team["lead"] / "codebook.yaml").read_bytes()
    _killed_mid_merge(team["lead"], team["bob"])
    with Project.open(team["lead"]) as p:
        ids = {c.id for c in p.codes.list()}
        assert "factors.bobs_code" not in ids and coding_rows(team["lead"]) == []
        assert {c.id for c in load_codebook(p.codebook_path).codes} == ids
    assert (team["lead"] / "codebook.yaml").read_bytes() == before  # put back, byte for byte
    assert not list(team["lead"].glob(".codebook.yaml.*.journal"))
    assert any("interrupted" in m for _, m in notices)
    # and the merge, run again, brings the code with its codings
    with Project.open(team["lead"]) as p:
        r = merge(p, team["bob"])
        assert "factors.bobs_code" in r.new_codes
    assert "factors.bobs_code" in (team["lead"] / "codebook.yaml").read_text(encoding="utf-8")


def test_merge_leaves_no_file_in_the_colleagues_folder(team, cli) -> None:
    before = sorted(p.name for p in team["carol"].iterdir())
    res = cli("-p", str(team["lead"]), "merge", str(team["carol"]))
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in team["carol"].iterdir()) == before  # no -wal, no -shm


def test_a_copy_with_changes_still_in_its_wal_is_refused(team, cli) -> None:
    holder = sqlite3.connect(team["carol"] / "project.db", isolation_level=None)
    try:
        holder.execute("PRAGMA wal_autocheckpoint = 0")
        holder.execute("UPDATE codings SET memo = 'late' WHERE id = (SELECT min(id) FROM codings)")
        res = cli("-p", str(team["lead"]), "merge", str(team["carol"]))
    finally:
        holder.close()
    assert res.exit_code == 1
    assert "project.db-wal" in res.stderr and "Nothing was changed" in res.stderr
    assert coding_rows(team["lead"]) == []


def _lose_constraints(folder: Path, bad_rows: list[tuple]) -> None:
    """The colleague's codings table without its checks (as an old or hand-edited copy)."""
    conn = sqlite3.connect(folder / "project.db", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = OFF")
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'codings'"
    ).fetchall():
        conn.execute(f'DROP TRIGGER "{name}"')
    conn.executescript(
        """
        ALTER TABLE codings RENAME TO codings_old;
        CREATE TABLE codings (id INTEGER PRIMARY KEY, source_id, code_id, start, end, quote,
                              memo, coder, created_at);
        INSERT INTO codings SELECT id, source_id, code_id, start, end, quote, memo, coder,
                                   created_at FROM codings_old;
        DROP TABLE codings_old;
        """
    )
    conn.executemany(
        "INSERT INTO codings (id, source_id, code_id, start, end, quote, coder) "
        "VALUES (?, 1, ?, ?, ?, '', 'dan')",
        bad_rows,
    )
    conn.close()


def test_impossible_rows_of_a_colleague_are_named_as_theirs(team, cli) -> None:
    good = coding_rows(team["alice"])
    _lose_constraints(
        team["alice"],
        [
            (9001, None, 0, 5),  # no code
            (9002, "factors.ecosystem.finance", 1.5, 9),  # not a whole number
            (9003, "factors.ecosystem.finance", 10, 10_000_000),  # past the text
            (9004, "factors.ecosystem.finance", 8, 3),  # backwards
        ],
    )
    dry = cli("-p", str(team["lead"]), "merge", str(team["alice"]), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert f"{len(good)} codings would be added" in dry.stdout
    assert "dan" not in dry.stdout  # impossible codings are not "would be added"
    res = cli("-p", str(team["lead"]), "merge", str(team["alice"]))
    assert res.exit_code == 0, res.output
    assert "4 rows in the colleague's project cannot be right" in res.stderr
    for row, why in [
        (9001, "code is None"),
        (9002, "start 1.5 is not a whole number"),
        (9003, "span 10-10000000 ends after the transcript's"),
        (9004, "span 8-3 is empty or negative"),
    ]:
        assert f"codings row {row} " in res.stderr and why in res.stderr
    assert "restore" not in res.stderr and "Traceback" not in res.output
    assert coding_rows(team["lead"]) == good


def _qdpx_without_text(project: Path, out: Path) -> str:
    full = out.with_name("full.qdpx")
    with Project.open(project) as p:
        export_qdpx(p, full)
        name = p.sources.list()[0].name
    with zipfile.ZipFile(full) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            if not info.filename.startswith("sources/"):
                zout.writestr(info, zin.read(info))
    return name


def test_a_qdpx_transcript_without_its_text_is_refused_and_listed(team, cli, tmp_path) -> None:
    qdpx = tmp_path / "carol.qdpx"
    name = _qdpx_without_text(team["carol"], qdpx)
    n = len(coding_rows(team["carol"]))
    res = cli("-p", str(team["lead"]), "merge", str(qdpx))
    assert res.exit_code == 1
    assert "nothing was merged" in res.stderr and name in res.stderr
    assert f"({n} codings)" in res.stderr
    assert coding_rows(team["lead"]) == []


def test_merge_then_undo_keeps_the_shipped_header(team, cli) -> None:
    cb = team["lead"] / "codebook.yaml"
    before = cb.read_text(encoding="utf-8")
    with Project.open(team["alice"]) as p:
        p.codes.add("factors.alices_code", "Alice's code", "愛麗絲", parent_id="factors")
        src = p.sources.list()[0]
        p.codings.add_many(src, 0, 5, ["factors.alices_code"], coder="alice")
    res = cli("-p", str(team["lead"]), "merge", str(team["alice"]))
    assert res.exit_code == 0, res.output
    merged = cb.read_text(encoding="utf-8")
    assert "factors.alices_code" in merged
    assert merged.splitlines()[:16] == before.splitlines()[:16]  # the shipped header
    assert cli("-p", str(team["lead"]), "undo").exit_code == 0
    assert cb.read_text(encoding="utf-8") == before


def test_a_qdpx_selection_off_its_text_is_named_not_merged(team, cli, tmp_path) -> None:
    import re

    full = tmp_path / "carol.qdpx"
    with Project.open(team["carol"]) as p:
        export_qdpx(p, full)
    bad = tmp_path / "bad.qdpx"
    with zipfile.ZipFile(full) as zin, zipfile.ZipFile(bad, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith(".qde"):
                text = data.decode("utf-8")
                m = re.search(  # a selection that carries a coding
                    r'<PlainTextSelection guid="([^"]+)"[^>]*(?<!/)>'
                    r"(?:(?!</?PlainTextSelection).)*?<Coding ",
                    text,
                    re.DOTALL,
                )
                guid = m.group(1)
                text = (
                    text[: m.start()]
                    + re.sub(r'endPosition="\d+"', 'endPosition="99999999"', m.group(0))
                    + text[m.end() :]
                )
                data = text.encode("utf-8")
            zout.writestr(info, data)
    res = cli("-p", str(team["lead"]), "merge", str(bad))
    assert res.exit_code == 0, res.output
    assert f"selection {guid} " in res.stderr and "is not a span of the text" in res.stderr
    assert "a problem of their copy" in res.stderr
    assert len(coding_rows(team["lead"])) == len(coding_rows(team["carol"])) - 1
