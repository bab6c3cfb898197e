"""Child processes for the crash-kill and concurrency tests (run as a script, not imported).

``python workers.py crash FOLDER SEED``: an endless loop of real writer actions through the
Project API (coding, auto-code, transcript import, code merge, codebook sync). Before an
action that writes many rows it prints ``BEGIN kind token expected``; after any action
returns it prints ``ACK kind token ...``. The parent kills it at a random moment and checks
that every ACK is in the file and every BEGIN is there completely or not at all.

``python workers.py codings FOLDER TAG N``: N single codings as fast as possible.
``python workers.py memo FOLDER CODING N`` / ``span FOLDER CODING N``: the two halves of the
lost-update race on one coding. ``attrs FOLDER LABEL TAG N``: participant attributes.
``hold FOLDER``: keep the project open (another window) until killed.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

from mpu_qual.codebook import CodeDef, load_codebook, save_codebook
from mpu_qual.store import Project

WORDS = ("PLC", "technician", "training", "standards", "AI", "finance", "robot", "data")


def _print(line: str) -> None:
    print(line, flush=True)


# Where ACK lines go: stdout for a script child, a pipe for a forked one (see test_crash_kill).
emit: Callable[[str], None] = _print


def say(*parts: object) -> None:
    emit(" ".join(str(p) for p in parts))


def leaf_codes(p: Project) -> list[str]:
    codes = p.codes.list()
    parents = {c.parent_id for c in codes}
    return sorted(c.id for c in codes if c.id not in parents and not c.id.startswith("crash"))


def op_coding(p: Project, rng: random.Random, token: str) -> None:
    src = rng.choice(p.sources.list())
    start = rng.randrange(0, src.length - 1)
    end = min(src.length, start + rng.randint(1, 80))
    code = rng.choice(leaf_codes(p))
    c = p.codings.add(src, start, end, code, memo=token)
    say("ACK coding", token, c.id)


def op_autocode(p: Project, rng: random.Random, token: str) -> None:
    code = rng.choice(leaf_codes(p))
    word = rng.choice(WORDS)
    unit = rng.choice(["segment", "sentence", "match"])
    dry = p.codings.autocode(code, phrase=word, unit=unit, dry_run=True)
    expected = len(dry.spans) - dry.skipped_existing
    if expected == 0:
        return
    say("BEGIN autocode", token, expected)
    res = p.codings.autocode(code, phrase=word, unit=unit, memo=token)
    say("ACK autocode", token, res.created)


def op_import(p: Project, rng: random.Random, token: str, scratch: Path) -> None:
    n = rng.randint(5, 60)
    lines = [
        f"[00:{i // 60:02d}:{i % 60:02d}] {'IL1' if i % 2 else 'TP2'}: {token} 第{i}句 "
        + " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 30)))
        for i in range(n)
    ]
    path = scratch / f"{token}.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    say("BEGIN import", token, n)
    p.sources.import_file(path, name=token)
    say("ACK import", token, n)


def op_merge(p: Project, rng: random.Random, token: str) -> None:
    parent = rng.choice([c for c in p.codes.list() if c.depth == 0]).id
    cid = f"crash.{token}"
    p.codes.add(cid, f"Crash {token}", f"測試 {token}", parent_id=parent)
    say("ACK addcode", token, cid)
    spans = []
    for i in range(rng.randint(1, 3)):
        src = rng.choice(p.sources.list())
        start = rng.randrange(0, src.length - 1)
        end = min(src.length, start + rng.randint(1, 40))
        c = p.codings.add(src, start, end, cid, memo=f"{token}m{i}")
        spans.append(f"{c.source_id}:{start}:{end}")
        say("ACK mcoding", f"{token}m{i}", c.id)
    target = rng.choice(leaf_codes(p))
    say("BEGIN merge", token, cid, target, ",".join(spans))
    p.codes.merge(cid, target)
    say("ACK merge", token, cid, target)


def op_sync(p: Project, rng: random.Random, token: str, scratch: Path) -> None:
    cb = load_codebook(p.codebook_path)
    theme = rng.choice(cb.themes())
    cid = f"crashsync.{token}"
    cb.codes.append(CodeDef(id=cid, en=f"Synced {token}", zh=f"同步 {token}", parent=theme.id))
    path = scratch / f"{token}.yaml"
    save_codebook(cb, path)
    say("BEGIN sync", token, cid)
    p.codebook.sync(path)
    say("ACK sync", token, cid)


def crash_loop(folder: Path, seed: int) -> None:
    rng = random.Random(seed)
    scratch = folder.parent / f"scratch-{seed}"
    scratch.mkdir(exist_ok=True)
    p = Project.open(folder)
    if p.readonly:
        say("READONLY", p.open_problems)
        return
    say("READY")
    n = 0
    while True:
        token = f"s{seed}n{n}"
        n += 1
        kind = rng.choices(
            ["coding", "autocode", "import", "merge", "sync"], weights=[5, 3, 2, 2, 1]
        )[0]
        if kind == "coding":
            op_coding(p, rng, token)
        elif kind == "autocode":
            op_autocode(p, rng, token)
        elif kind == "import":
            op_import(p, rng, token, scratch)
        elif kind == "merge":
            op_merge(p, rng, token)
        else:
            op_sync(p, rng, token, scratch)


def codings_loop(folder: Path, tag: str, n: int) -> None:
    with Project.open(folder) as p:
        src = p.sources.list()[0]
        say("READY")
        for i in range(n):
            start = (i * 7) % (src.length - 10)
            p.codings.add(src, start, start + 5, "factors", memo=f"{tag}-{i}")
        say("DONE", tag)


def memo_loop(folder: Path, coding_id: int, n: int) -> None:
    with Project.open(folder) as p:
        say("READY")
        for i in range(n):
            p.codings.update(coding_id, memo=f"memo {i}")
        say("DONE memo")


def span_loop(folder: Path, coding_id: int, n: int) -> None:
    with Project.open(folder) as p:
        say("READY")
        for i in range(n):
            p.codings.update(coding_id, start=10 + i % 2, end=30)
        say("DONE span")


def attrs_loop(folder: Path, label: str, tag: str, n: int) -> None:
    with Project.open(folder) as p:
        say("READY")
        for i in range(n):
            p.participants.set(label, attrs={f"{tag}{i}": str(i)})
        say("DONE", tag)


def hold(folder: Path) -> None:
    """Another window: the project open (a read first, so SQLite holds its locks) until killed."""
    p = Project.open(folder)
    p.codings.list()
    say("READY")
    while True:
        time.sleep(60)


if __name__ == "__main__":
    mode, folder_arg, *rest = sys.argv[1:]
    folder_path = Path(folder_arg)
    if mode == "crash":
        crash_loop(folder_path, int(rest[0]))
    elif mode == "codings":
        codings_loop(folder_path, rest[0], int(rest[1]))
    elif mode == "memo":
        memo_loop(folder_path, int(rest[0]), int(rest[1]))
    elif mode == "span":
        span_loop(folder_path, int(rest[0]), int(rest[1]))
    elif mode == "hold":
        hold(folder_path)
    elif mode == "attrs":
        attrs_loop(folder_path, rest[0], rest[1], int(rest[2]))
    else:
        raise SystemExit(f"unknown mode {mode}")
