"""codebook.yaml keeps the person's comments and layout when the project rewrites it, and
'interrupted' is said only when a save was interrupted (a journal left by a killed process)."""

from __future__ import annotations

import os
from pathlib import Path

from mpu_qual.codebook import load_codebook
from mpu_qual.store import Project


def comments(path: Path) -> list[str]:
    return [ln for ln in path.read_text(encoding="utf-8").splitlines() if "#" in ln.split(":")[0]]


def test_codebook_load_keeps_comments_and_says_nothing_false(demo_dir, cli, notices) -> None:
    cb = demo_dir / "codebook.yaml"
    text = cb.read_text(encoding="utf-8")
    edited = text.replace("en: Robust ecosystem", "en: A robust ecosystem  # my note")
    cb.write_text(edited, encoding="utf-8")
    res = cli("-p", str(demo_dir), "codebook", "load")
    assert res.exit_code == 0, res.output
    again = cli("-p", str(demo_dir), "code", "list")
    assert again.exit_code == 0, again.output
    assert "interrupted" not in again.output + again.stderr
    assert not any("interrupted" in m for _, m in notices)
    assert cb.read_text(encoding="utf-8") == edited  # every comment, every line, as written


def test_edits_rewrite_only_what_changed(demo_dir, notices) -> None:
    cb = demo_dir / "codebook.yaml"
    before = cb.read_text(encoding="utf-8")
    header = comments(cb)
    assert len(header) > 10
    with Project.open(demo_dir) as p:
        p.codes.add("factors.new_one", "New one", "新一", parent_id="factors")
    after = cb.read_text(encoding="utf-8")
    assert comments(cb) == header
    assert "factors.new_one" in after
    assert len(after.splitlines()) - len(before.splitlines()) in (3, 4)  # id, en, zh (+color)
    with Project.open(demo_dir) as p:
        p.history.undo()
    assert cb.read_text(encoding="utf-8") == before
    assert not any("interrupted" in m for _, m in notices)


def _die_mid_action(folder: Path) -> None:
    """A child adds a code and dies before the commit, after codebook.yaml was written."""
    pid = os.fork()
    if pid == 0:
        try:
            with Project.open(folder) as p, p.action("Add", kind="codebook"):
                p.conn.execute(
                    "INSERT INTO codes (id, parent_id, label_en, label_zh) "
                    "VALUES ('factors.ghost', 'factors', 'Ghost', '鬼')"
                )
                p.codebook.write_file()
                os._exit(9)
        finally:
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 9


def test_a_save_killed_before_its_commit_is_rolled_back_on_open(demo_dir, notices) -> None:
    cb = demo_dir / "codebook.yaml"
    before = cb.read_bytes()
    _die_mid_action(demo_dir)
    assert b"factors.ghost" in cb.read_bytes()  # the file was ahead of the database
    with Project.open(demo_dir) as p:
        assert "factors.ghost" not in {c.id for c in p.codes.list()}
    assert cb.read_bytes() == before
    assert [m for _, m in notices if "interrupted" in m]


def test_a_save_killed_after_its_commit_is_kept_quietly(demo_dir, notices) -> None:
    """The journal outlived a committed change: the file already lists the codes."""
    with Project.open(demo_dir) as p:
        p.codes.add("factors.kept", "Kept", "保留", parent_id="factors")
    stale = demo_dir / ".codebook.yaml.1-1.journal"
    stale.write_bytes(b"saved\n" + b"version: 1\n")
    with Project.open(demo_dir) as p:
        assert "factors.kept" in {c.id for c in load_codebook(p.codebook_path).codes}
    assert not stale.exists()
    assert not any("interrupted" in m for _, m in notices)


def test_a_hand_edit_not_yet_loaded_is_left_alone(demo_dir, notices) -> None:
    cb = demo_dir / "codebook.yaml"
    with Project.open(demo_dir) as p:
        p.codes.add("factors.kept", "Kept", "保留", parent_id="factors")
    edited = cb.read_text(encoding="utf-8").replace("en: Kept", "en: Kept by hand")
    cb.write_text(edited, encoding="utf-8")
    os.utime(cb, (0, 0))  # even when its time says it is old
    with Project.open(demo_dir):
        pass
    assert cb.read_text(encoding="utf-8") == edited
    assert notices == [] or not any("codebook" in m for _, m in notices)


def test_an_import_with_new_codes_keeps_comments(demo_dir, tmp_path, cli) -> None:
    import shutil

    from mpu_qual.refi.qdpx_writer import export_qdpx

    other = tmp_path / "other"
    shutil.copytree(demo_dir, other)
    with Project.open(other) as p:
        p.codes.add("factors.imported_one", "Imported", "匯入", parent_id="factors")
        p.codings.add_many(p.sources.list()[0], 0, 5, ["factors.imported_one"], coder="o")
        export_qdpx(p, tmp_path / "other.qdpx")
    header = comments(demo_dir / "codebook.yaml")
    res = cli("-p", str(demo_dir), "import", "qdpx", str(tmp_path / "other.qdpx"), "--prefix", "o-")
    assert res.exit_code == 0, res.output
    assert comments(demo_dir / "codebook.yaml") == header
    assert "factors.imported_one" in (demo_dir / "codebook.yaml").read_text(encoding="utf-8")


def test_opening_never_waits_for_a_long_writer_to_settle_a_journal(demo_dir) -> None:
    import sqlite3
    import time

    journal = demo_dir / ".codebook.yaml.1-1.journal"
    journal.write_bytes(b"saved\n" + (demo_dir / "codebook.yaml").read_bytes())
    holder = sqlite3.connect(demo_dir / "project.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a long import holds the write lock
    try:
        t = time.monotonic()
        with Project.open(demo_dir) as p:
            assert not p.readonly
        assert time.monotonic() - t < 5  # not the 10 s busy timeout
        assert journal.exists()  # left for its writer, or the next open
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with Project.open(demo_dir):
        pass
    assert not journal.exists()


def agrees(p: Project) -> bool:
    from mpu_qual.codebook_roundtrip import same_codes

    return same_codes(load_codebook(p.codebook_path).codes, p.codebook._codes_as_defs())


def test_moves_recolours_deletes_and_merges_keep_comments(demo_dir, notices) -> None:
    cb = demo_dir / "codebook.yaml"
    header = comments(cb)
    with Project.open(demo_dir) as p:
        p.codes.update("factors.ecosystem.finance", parent_id="factors.talent_gap")
        assert agrees(p)
        p.codes.update("factors", color="#123456", label_en="Factors (renamed)")
        assert agrees(p)
        p.codes.add("factors.spare", "Spare", "備用", parent_id="factors")
        p.codes.merge("factors.spare", "factors.ecosystem")
        assert agrees(p)
        p.codes.delete("training.core.technical")
        assert agrees(p)
        for _ in range(4):
            p.history.undo()
            assert agrees(p)
    assert comments(cb) == header


def test_another_layout_is_kept_too(demo_dir, cli) -> None:
    """Two-space lists without indentation, flow-style codes and an explicit parent."""
    cb = demo_dir / "codebook.yaml"
    text = (
        "# my own codebook\n"
        "version: 1\n"
        "name: Mine\n"
        "codes:\n"
        "- id: alpha   # the first theme\n"
        "  en: Alpha\n"
        "  zh: 甲\n"
        "  codes:\n"
        "  - {id: alpha.one, en: One, zh: 一}\n"
        "  - {id: alpha.two, en: Two, zh: 二}\n"
        "- id: beta\n"
        "  en: Beta\n"
        "  zh: 乙\n"
        "- id: beta.one\n"
        "  parent: beta\n"
        "  en: Beta one\n"
        "  zh: 乙一\n"
    )
    cb.write_text(text, encoding="utf-8")
    res = cli("-p", str(demo_dir), "codebook", "load", "--merge-into", "factors=alpha")
    assert res.exit_code == 0, res.output
    with Project.open(demo_dir) as p:
        p.codes.update("alpha.two", label_en="Two (edited)")
        assert agrees(p)
    after = cb.read_text(encoding="utf-8")
    assert after == text.replace("en: Two,", "en: Two (edited),")
