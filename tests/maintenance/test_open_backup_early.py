"""The backup of the project as opened, started in a thread when the workbench opens
(``Project.back_up_in_background``): the first write no longer makes it, yet the backups
are the same as when the first write made it (the state as opened; again if another window
wrote meanwhile; none for a read-only project)."""

from __future__ import annotations

from pathlib import Path

from safety_helpers import codings_in

from mpu_qual.safety import backup
from mpu_qual.store import Project
from mpu_qual.tui.app import create_app

SRC = "focus-group-2025-12-08"


def test_the_early_backup_holds_the_state_as_opened_and_the_first_write_adds_none(
    demo_dir: Path, monkeypatch
) -> None:
    with Project.open(demo_dir) as p:
        p.back_up_in_background()
        assert p.open_backup is not None
        assert p.open_backup.wait()  # made one (the user reads the first screen meanwhile)
        calls: list[str] = []
        real = backup.make_backup
        monkeypatch.setattr(
            backup, "make_backup", lambda *a, **k: calls.append(a[1]) or real(*a, **k)
        )
        p.codings.add(SRC, 0, 10, "factors")
        p.codings.add(SRC, 10, 20, "factors")
        assert p.open_backup is None  # the first write waited for it
    [made] = backup.list_backups(demo_dir)
    assert made.reason == "open"
    assert codings_in(made.path) == 0  # as opened
    assert calls == []  # made by the thread, not by the first write


def test_another_windows_change_before_the_first_write_is_backed_up_again(
    demo_dir: Path,
) -> None:
    with Project.open(demo_dir) as p:
        p.back_up_in_background()
        assert p.open_backup is not None
        p.open_backup.wait()
        with Project.open(demo_dir) as other:  # another window writes first
            other.codings.add(SRC, 30, 40, "factors")
        p.codings.add(SRC, 0, 10, "factors")
    backups = backup.list_backups(demo_dir)
    assert [b.reason for b in backups] == ["open", "open"]
    # newest first: the state just before this session's first write, then as opened
    assert [codings_in(b.path) for b in backups] == [1, 0]


def test_nothing_for_a_read_only_project_and_close_waits(demo_dir: Path) -> None:
    with Project.open(demo_dir) as p:
        p.back_up_in_background()
        thread = p.open_backup
    assert thread is not None and p.open_backup is None  # close() waited for it
    with Project.open(demo_dir, readonly=True) as r:
        r.back_up_in_background()
        assert r.open_backup is None


async def test_the_workbench_starts_it_only_in_a_real_session(demo_dir: Path) -> None:
    app = create_app(demo_dir)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.project.open_backup is None  # tests and embedders: at the first write
    app = create_app(demo_dir)
    app.early_backup = True  # as run_app sets it
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.pause()
        assert app.project.open_backup is not None
        app.project.open_backup.wait()
    assert [b.reason for b in backup.list_backups(demo_dir)] == ["open"]
