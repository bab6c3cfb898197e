"""The one database-file replacer (backups, restores of unreadable files, scrubbed backups):
old file or new file after a kill at any instant, never a mixture; nothing left on failure."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from mpu_qual.safety import backup, replace_file
from mpu_qual.safety.replace_file import replace_database_file


def make_db(path: Path, letter: str, rows: int) -> None:
    conn = sqlite3.connect(str(path))
    conn.execute("CREATE TABLE t (v TEXT)")
    conn.executemany("INSERT INTO t VALUES (?)", [(letter * 200,)] * rows)
    conn.commit()
    conn.close()


def content(path: Path) -> tuple[str, set[str], int]:
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        letters = {row[0][0] for row in conn.execute("SELECT v FROM t")}
        count = conn.execute("SELECT count(*) FROM t").fetchone()[0]
    finally:
        conn.close()
    return check, letters, count


def test_the_new_file_replaces_the_old_one_privately_and_the_folder_is_synced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, target = tmp_path / "src.db", tmp_path / "target.db"
    make_db(src, "B", 50)
    make_db(target, "A", 10)
    target.chmod(0o644)
    synced: list[Path] = []
    monkeypatch.setattr(replace_file, "fsync_folder", synced.append)
    replace_database_file(target, lambda new: backup.write_copy(src, new))
    assert content(target) == ("ok", {"B"}, 50)
    assert target.stat().st_mode & 0o777 == 0o600
    assert synced == [tmp_path]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src.db", "target.db"]


def test_a_failed_build_leaves_the_target_untouched_and_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "target.db"
    make_db(target, "A", 10)

    def half_then_fail(new: Path) -> None:
        conn = sqlite3.connect(str(new))
        conn.execute("CREATE TABLE t (v TEXT)")
        conn.commit()
        conn.close()
        raise sqlite3.OperationalError("disk I/O error")

    with pytest.raises(sqlite3.OperationalError):
        replace_database_file(target, half_then_fail)
    assert content(target) == ("ok", {"A"}, 10)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["target.db"]


def test_stale_sidecars_go_only_when_asked(tmp_path: Path) -> None:
    src, target = tmp_path / "src.db", tmp_path / "target.db"
    make_db(src, "B", 5)
    make_db(target, "A", 5)
    wal = Path(str(target) + "-wal")
    wal.write_bytes(b"stale")  # no connection in this process: a planted stale WAL
    replace_database_file(target, lambda new: backup.write_copy(src, new))
    assert wal.exists()
    replace_database_file(target, lambda new: backup.write_copy(src, new), drop_sidecars=True)
    assert not wal.exists()
    assert content(target) == ("ok", {"B"}, 5)


CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from mpu_qual.safety import backup
    from mpu_qual.safety.replace_file import replace_database_file
    folder = Path(sys.argv[1])
    i = 0
    print("READY", flush=True)
    while True:
        src = folder / ("a.db" if i % 2 else "b.db")
        replace_database_file(folder / "target.db", lambda new: backup.write_copy(src, new))
        print("DONE", i, flush=True)
        i += 1
    """
)


def test_a_kill_at_any_instant_leaves_the_old_or_the_new_file(tmp_path: Path) -> None:
    make_db(tmp_path / "a.db", "A", 3000)
    make_db(tmp_path / "b.db", "B", 6000)
    make_db(tmp_path / "target.db", "A", 3000)
    rng = random.Random(18)
    kills_mid_copy = 0
    for _ in range(12):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(tmp_path)], stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None
        assert child.stdout.readline() == "READY\n"
        time.sleep(rng.random() * 0.3)
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=30)
        check, letters, count = content(tmp_path / "target.db")
        assert check == "ok"
        assert (letters, count) in (({"A"}, 3000), ({"B"}, 6000))
        leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(".")]
        kills_mid_copy += bool(leftovers)
        # whatever a kill left behind, doctor's stale-file scan finds it, and it is a temp file
        assert set(backup.stale_temp_files(tmp_path, min_age_s=0)) == set(leftovers)
        for p in leftovers:
            p.unlink()
    assert kills_mid_copy >= 1  # the kills did land inside a replacement
