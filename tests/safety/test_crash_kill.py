"""Crash safety, tested the way SQLite tests itself: kill a writer at random moments, then look.

A child process runs real writer actions (coding, auto-code, import, code merge, codebook
sync) through the Project API in an endless loop and prints ACK after each one returns. The
parent SIGKILLs it after a random (seeded) delay, then checks the files with plain sqlite3:
integrity_check is ok, foreign_key_check is empty, the undo journal is closed, every coding
quotes its text, every acknowledged action is there, and the action that was cut off is
there completely or not at all. Then the project must open writable again, and the next
child continues on the same files. ``pytest tests/safety --crash-kills 500`` for a long run.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import workers
from safety_helpers import raw

from mpu_qual.codebook import load_codebook
from mpu_qual.safety.backup import NAME_RE, list_backups
from mpu_qual.store import Project


@dataclass
class Ledger:
    """Everything the children acknowledged, accumulated over all kills."""

    codings: set[str] = field(default_factory=set)  # memo tokens of single codings
    autocodes: dict[str, int] = field(default_factory=dict)  # token -> codings created
    imports: dict[str, int] = field(default_factory=dict)  # source name -> segments
    codes_added: set[str] = field(default_factory=set)
    merges: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # code -> target
    merge_spans: dict[str, list[str]] = field(default_factory=dict)
    mcodings: set[str] = field(default_factory=set)
    syncs: set[str] = field(default_factory=set)
    cut: list[tuple[str, ...]] = field(default_factory=list)  # BEGIN lines without ACK
    acks: int = 0


def read_log(out: str, ledger: Ledger) -> tuple[str, ...] | None:
    """Record complete ACK lines; return the BEGIN that was cut off by the kill, if any."""
    pending: tuple[str, ...] | None = None
    for line in out.splitlines(keepends=True):
        if not line.endswith("\n"):
            break  # the kill landed in the middle of printing
        parts = tuple(line.split())
        if not parts:
            continue
        if parts[0] == "BEGIN":
            pending = parts[1:]
            if parts[1] == "merge":
                ledger.merge_spans[parts[3]] = parts[5].split(",")
            continue
        if parts[0] != "ACK":
            continue
        ledger.acks += 1
        kind, token = parts[1], parts[2]
        if kind == "coding":
            ledger.codings.add(token)
        elif kind == "autocode":
            ledger.autocodes[token] = int(parts[3])
        elif kind == "import":
            ledger.imports[token] = int(parts[3])
        elif kind == "addcode":
            ledger.codes_added.add(parts[3])
        elif kind == "mcoding":
            ledger.mcodings.add(token)
        elif kind == "merge":
            ledger.merges[parts[3]] = (parts[4], ledger.merge_spans.get(parts[3], []))
        elif kind == "sync":
            ledger.syncs.add(parts[3])
        pending = None
    return pending


def check_files(folder: Path, ledger: Ledger, cut: tuple[str, ...] | None) -> None:
    db_path = folder / "project.db"
    conn = raw(db_path)  # the first connection after a kill replays (or drops) the WAL
    try:
        assert [r[0] for r in conn.execute("PRAGMA integrity_check")] == ["ok"]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("SELECT action_id FROM journal_state").fetchone() == (None,)
        assert (
            conn.execute(
                "SELECT count(*) FROM actions a WHERE NOT EXISTS "
                "(SELECT 1 FROM changes c WHERE c.action_id = a.id)"
            ).fetchone()[0]
            == 0
        ), "an action without changes: half of an action was committed"
        texts = dict(conn.execute("SELECT id, text FROM sources"))
        for cid, sid, start, end, quote in conn.execute(
            "SELECT id, source_id, start, end, quote FROM codings"
        ):
            assert texts[sid][start:end] == quote, f"coding {cid} does not quote its text"

        def memo_count(memo: str) -> int:
            return conn.execute("SELECT count(*) FROM codings WHERE memo = ?", [memo]).fetchone()[0]

        def segments_of(name: str) -> int | None:
            row = conn.execute("SELECT id FROM sources WHERE name = ?", [name]).fetchone()
            if row is None:
                return None
            n = conn.execute("SELECT count(*) FROM segments WHERE source_id = ?", row).fetchone()
            fts = conn.execute(
                "SELECT count(*) FROM segments_fts WHERE rowid IN "
                "(SELECT id FROM segments WHERE source_id = ?)",
                row,
            ).fetchone()
            assert n == fts, f"search index incomplete for {name}"
            return n[0]

        codes = {r[0] for r in conn.execute("SELECT id FROM codes")}
        if cut is not None:  # all or nothing; once committed, it must stay
            kind, token = cut[0], cut[1]
            if kind == "autocode":
                n = memo_count(token)
                assert n in (0, int(cut[2])), f"half an auto-code {token}"
                if n:
                    ledger.autocodes[token] = n
            elif kind == "import":
                n = segments_of(token)
                assert n in (None, int(cut[2])), f"half an import {token}"
                if n is not None:
                    ledger.imports[token] = n
            elif kind == "merge":
                cid, target = cut[2], cut[3]
                left = conn.execute(
                    "SELECT count(*) FROM codings WHERE code_id = ?", [cid]
                ).fetchone()[0]
                if cid in codes:
                    assert left == len(cut[4].split(",")), f"half a merge of {cid}"
                else:
                    assert left == 0
                    ledger.merges[cid] = (target, cut[4].split(","))
        for token in ledger.codings:
            assert memo_count(token) == 1, f"acknowledged coding {token} is missing"
        for token, created in ledger.autocodes.items():
            assert memo_count(token) == created, f"acknowledged auto-code {token} incomplete"
        for name, n in ledger.imports.items():
            assert segments_of(name) == n, f"acknowledged import {name} incomplete"
        for cid in ledger.codes_added - set(ledger.merges):
            assert cid in codes, f"acknowledged new code {cid} is missing"
        for memo in ledger.mcodings:
            cid = "crash." + memo.rsplit("m", 1)[0]
            if cid not in ledger.merges and memo_count(memo) != 1:
                raise AssertionError(f"acknowledged coding {memo} is missing")
        for cid, (target, spans) in ledger.merges.items():
            assert cid not in codes, f"acknowledged merge of {cid} not applied"
            for span in spans:
                sid, s, e = map(int, span.split(":"))
                hit = conn.execute(
                    "SELECT count(*) FROM codings WHERE source_id = ? AND start = ? AND end = ? "
                    "AND code_id = ?",
                    [sid, s, e, target],
                ).fetchone()[0]
                assert hit >= 1, f"merged coding {span} of {cid} lost"
        for cid in ledger.syncs:
            assert cid in codes, f"acknowledged codebook sync of {cid} is missing"

    finally:
        conn.close()
    # Files next to the database: the codebook is never half-written, backups are whole.
    load_codebook(folder / "codebook.yaml")
    for info in list_backups(folder):
        b = sqlite3.connect(f"{info.path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            assert b.execute("PRAGMA quick_check").fetchone() == ("ok",), info.name
        finally:
            b.close()
        assert info.sidecar.exists(), f"backup {info.name} has no note"
    for path in (folder / "backups").glob("*.db") if (folder / "backups").is_dir() else []:
        assert NAME_RE.match(path.name), f"unexpected file {path.name}"
    with Project.open(folder) as p:
        assert not p.readonly, p.open_problems
        # an interrupted codebook.yaml write is finished on open: file and table agree
        assert {c.id for c in load_codebook(p.codebook_path).codes} == {
            c.id for c in p.codes.list()
        }


def start_writer(folder: Path, seed: int) -> tuple[int, int]:
    """Fork a writer child (mpu_qual is already imported, so a kill loop costs milliseconds,
    not a Python start-up each time); returns (pid, read end of its ACK pipe)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: write until killed, never return into pytest
        os.close(r)
        try:
            workers.emit = lambda line: os.write(w, (line + "\n").encode())
            workers.crash_loop(folder, seed)
            os.write(w, b"ERROR the writer loop ended\n")
        except BaseException:
            os.write(w, ("ERROR " + traceback.format_exc().replace("\n", " | ") + "\n").encode())
        finally:
            os._exit(1)
    os.close(w)
    return pid, r


def read_line(fd: int) -> str:
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = os.read(fd, 1)
        if not chunk:
            break
        buf += chunk
    return buf.decode()


def kill_writer(pid: int, fd: int) -> str:
    """SIGKILL (no cleanup, no rollback, like a power cut for the process); the rest of its log."""
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks).decode()


def test_writers_survive_sigkill_at_random_moments(
    demo_dir: Path, crash_kills: int, summary: list[str]
) -> None:
    rng = random.Random(20251208)
    ledger = Ledger()
    mid_action = 0
    started = time.monotonic()
    for kill_no in range(crash_kills):
        pid, fd = start_writer(demo_dir, kill_no)
        first = read_line(fd)
        assert first.startswith("READY"), first
        time.sleep(rng.uniform(0.0, 0.35))
        out = kill_writer(pid, fd)
        assert "ERROR" not in out, out
        cut = read_log(out, ledger)
        if cut is not None:
            mid_action += 1
        check_files(demo_dir, ledger, cut)
    elapsed = time.monotonic() - started
    summary.append(
        f"crash-kill harness: survived {crash_kills}/{crash_kills} SIGKILLs "
        f"({mid_action} during a multi-row action, {ledger.acks} acknowledged actions "
        f"verified, {elapsed:.1f} s)"
    )
    assert ledger.acks > crash_kills  # the children really wrote between the kills
