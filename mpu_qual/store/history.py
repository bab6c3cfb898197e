"""Undo and redo across restarts, by replaying the journal of row changes (``journal.py``)."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from mpu_qual.store import journal
from mpu_qual.store.history_words import describe_action

if TYPE_CHECKING:
    from mpu_qual.store.project import Project


def touched_codes(conn: sqlite3.Connection, action_id: int) -> bool:
    row = conn.execute(
        "SELECT 1 FROM changes WHERE action_id = ? AND tbl = 'codes' LIMIT 1", [action_id]
    ).fetchone()
    return row is not None


class History:
    """``project.history``: the actions, newest first; undo and redo."""

    def __init__(self, project: Project) -> None:
        self.project = project

    def _step(self, undo: bool) -> str | None:
        with self.project.transaction() as conn:
            row = conn.execute(
                "SELECT id, description FROM actions WHERE undone = ? ORDER BY id "
                + ("DESC" if undo else "ASC")
                + " LIMIT 1",
                [0 if undo else 1],
            ).fetchone()
            if row is None:
                return None
            if touched_codes(self.project.conn, row[0]):
                # codebook.yaml is rewritten from the database afterwards; refuse (changing
                # nothing) while it has errors rather than overwrite the user's unfinished edit
                self.project.codebook.load()
            journal.replay(conn, row[0], reverse=undo)
            conn.execute("UPDATE actions SET undone = ? WHERE id = ?", [1 if undo else 0, row[0]])
            if touched_codes(self.project.conn, row[0]):
                self.project.codebook.write_file()  # with this commit (journaled)
        return row[1]

    def rename_current(self, description: str) -> None:
        """Set the description of the action under way (known only once it has run)."""
        self.project.conn.execute(
            "UPDATE actions SET description = ? "
            "WHERE id = (SELECT action_id FROM journal_state WHERE id = 1)",
            [description],
        )

    def undo(self) -> str | None:
        """Undo the last action; returns its description (None if nothing to undo)."""
        return self._step(undo=True)

    def redo(self) -> str | None:
        """Redo the last undone action; returns its description (None if nothing to redo)."""
        return self._step(undo=False)

    def next_action(self, undo: bool) -> int | None:
        """The id of the action an undo (or redo) would replay now, if any."""
        row = self.project.conn.execute(
            "SELECT id FROM actions WHERE undone = ? ORDER BY id "
            + ("DESC" if undo else "ASC")
            + " LIMIT 1",
            [0 if undo else 1],
        ).fetchone()
        return row[0] if row else None

    def tables(self, action_id: int) -> set[str]:
        """The tables an action changed (what a screen must read again after its undo)."""
        return {
            r[0]
            for r in self.project.conn.execute(
                "SELECT DISTINCT tbl FROM changes WHERE action_id = ?", [action_id]
            )
        }

    def coding_ids(self, action_id: int) -> set[int]:
        """The codings an action added, changed or removed (ids): after its undo or redo,
        a screen re-reads these (``codings.get_many``), not every coding of a transcript."""
        return {
            r[0]
            for r in self.project.conn.execute(
                "SELECT DISTINCT json_extract(coalesce(new, old), '$.id') FROM changes "
                "WHERE action_id = ? AND tbl = 'codings'",
                [action_id],
            )
        }

    def describe(self, action_id: int) -> str:
        """The action in people's words ("coding 'Infrastructure 加強基建' on IL1's turn at
        00:03:12"); actions other than codings keep their stored description."""
        row = self.project.conn.execute(
            "SELECT description FROM actions WHERE id = ?", [action_id]
        ).fetchone()
        if row is None:
            return ""
        return describe_action(self.project.conn, action_id, row[0])

    def recent(self, limit: int = 50) -> list[dict[str, Any]]:
        """The latest ``limit`` actions, newest first (id, description, kind, created_at, undone)."""
        return [
            dict(zip(("id", "description", "kind", "created_at", "undone"), r, strict=True))
            for r in self.project.conn.execute(
                "SELECT id, description, kind, created_at, undone FROM actions "
                "ORDER BY id DESC LIMIT ?",
                [limit],
            )
        ]
