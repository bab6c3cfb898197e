"""Memos: notes on a transcript, a code or the whole project (``project.memos``)."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from mpu_qual.store.project import Project


class MemoRow(NamedTuple):
    """One memo; ``source_id`` and ``code_id`` both None: a project memo."""

    id: int
    source_id: int | None
    code_id: str | None
    title: str | None
    text: str
    author: str | None
    created_at: str | None


class Memos:
    """``project.memos``."""

    def __init__(self, project: Project) -> None:
        self.project = project

    def list(self) -> list[MemoRow]:
        """Every memo, oldest first."""
        return [
            MemoRow(*r)
            for r in self.project.conn.execute(
                "SELECT id, source_id, code_id, title, text, author, created_at FROM memos "
                "ORDER BY id"
            )
        ]

    def insert(
        self,
        conn: sqlite3.Connection,
        source_id: int | None,
        code_id: str | None,
        title: str | None,
        text: str,
        author: str | None,
        created: str | None = None,
    ) -> None:
        """Add a memo inside the caller's action (created: None means now)."""
        conn.execute(
            "INSERT INTO memos (source_id, code_id, title, text, author, created_at) VALUES "
            "(?, ?, ?, ?, ?, coalesce(?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))",
            [source_id, code_id, title, text, author, created],
        )
