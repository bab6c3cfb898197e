"""An action of the undo journal in people's words, for undo, redo and the history screen.

"coding 'Infrastructure 加強基建' on IL1's turn at 00:03:12" instead of the stored
"Code factors.ecosystem.infrastructure in focus-group-2025-12-08": read from the rows the
action changed (the journal keeps them, also after an undo), the codebook's names and the
turn the coding starts in. Actions other than codings keep their stored description.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from mpu_qual.transcript_files.timecode import format_clock

MAX_NAMED = 3  # more codes than this in one action are counted, not named


def _code_name(conn: sqlite3.Connection, code_id: str) -> str:
    row = conn.execute("SELECT label_en, label_zh FROM codes WHERE id = ?", [code_id]).fetchone()
    if row is None:
        return f"'{code_id}'"
    names = [n for n in row if n]
    return "'" + " ".join(dict.fromkeys(names)) + "'" if names else f"'{code_id}'"


def _turn(conn: sqlite3.Connection, source_id: Any, start: Any) -> str:
    """``IL1's turn at 00:03:12`` for the segment an offset falls in."""
    row = conn.execute(
        "SELECT g.idx, g.start_ms, coalesce(p.label, g.speaker) FROM segments g "
        "LEFT JOIN participants p ON p.id = g.participant_id "
        "WHERE g.source_id = ? AND g.start <= ? ORDER BY g.start DESC LIMIT 1",
        [source_id, start],
    ).fetchone()
    src = conn.execute("SELECT name FROM sources WHERE id = ?", [source_id]).fetchone()
    where = f" in {src[0]}" if src else ""
    if row is None:
        return f"a passage{where}"
    idx, start_ms, speaker = row
    whose = f"{speaker}'s turn" if speaker else f"segment {idx + 1}"
    when = f" at {format_clock(start_ms)}" if start_ms is not None else ""
    return f"{whose}{when}{where}"


def _changed(old: dict, new: dict) -> set[str]:
    return {k for k in new if old.get(k) != new.get(k)}


def describe_action(conn: sqlite3.Connection, action_id: int, stored: str) -> str:
    """The action in words when it changed codings only; else ``stored``."""
    rows = conn.execute(
        "SELECT tbl, op, old, new FROM changes WHERE action_id = ? ORDER BY id", [action_id]
    ).fetchall()
    if not rows or any(tbl != "codings" for tbl, *_ in rows):
        return stored
    ops = {op for _tbl, op, _old, _new in rows}
    if len(ops) != 1:
        return stored
    op = ops.pop()
    olds = [json.loads(o) if o else {} for _t, _op, o, _n in rows]
    news = [json.loads(n) if n else {} for _t, _op, _o, n in rows]
    first = news[0] if op == "I" else olds[0]
    if "code_id" not in first or "source_id" not in first:
        return stored
    codes = list(dict.fromkeys(r.get("code_id") for r in (olds if op == "D" else news)))
    spans = {(r.get("source_id"), r.get("start")) for r in (news if op == "I" else olds)}
    if len(codes) > MAX_NAMED or len(spans) > 1:
        kind = {"I": "coding", "D": "removing", "U": "editing"}[op]
        names = ", ".join(_code_name(conn, c) for c in codes[:MAX_NAMED])
        more = f" and {len(codes) - MAX_NAMED} more codes" if len(codes) > MAX_NAMED else ""
        return f"{kind} {len(rows)} passages as {names}{more}"
    names = ", ".join(_code_name(conn, c) for c in codes)
    noun = "coding" if len(codes) == 1 else "codings"
    turn = _turn(conn, first["source_id"], first.get("start"))
    if op == "I":
        return f"{noun} {names} on {turn}"
    if op == "D":
        return f"removing {noun} {names} from {turn}"
    changed = _changed(olds[0], news[0])
    if changed <= {"memo", "updated_at"}:
        return f"memo on {noun} {names} ({turn})"
    if "code_id" in changed:
        return f"recoding {_code_name(conn, olds[0]['code_id'])} as {names} on {turn}"
    if changed & {"start", "end"}:
        return f"re-scoping {noun} {names} on {turn}"
    return f"editing {noun} {names} on {turn}"
