"""The codes of a project: read them, and the codebook edits the workbench makes (add, rename,
recolour, move, merge, delete), each one undoable action that codebook.yaml follows.
"""

from __future__ import annotations

import builtins
import sqlite3
from typing import TYPE_CHECKING, Any

from mpu_qual.codebook import COLOR_RE, ID_RE
from mpu_qual.errors import MpuQualError, NotFound
from mpu_qual.store.records import Code

if TYPE_CHECKING:
    from mpu_qual.store.project import Project


class Codes:
    """``project.codes``: the codes table, in codebook order."""

    def __init__(self, project: Project) -> None:
        self.project = project

    def list(self) -> list[Code]:
        """Every code, in codebook order (themes before their sub-codes)."""
        return [
            Code(*r)
            for r in self.project.conn.execute(
                "SELECT id, parent_id, label_en, label_zh, rule, color, addresses, position, depth "
                "FROM codes ORDER BY position, id"
            )
        ]

    def get(self, code_id: str) -> Code:
        """One code by id; NotFound names the command that lists them."""
        row = self.project.conn.execute(
            "SELECT id, parent_id, label_en, label_zh, rule, color, addresses, position, depth "
            "FROM codes WHERE id = ?",
            [code_id],
        ).fetchone()
        if row is None:
            raise NotFound(
                f"no code '{code_id}' in the codebook",
                field="code",
                hint="List codes with 'mpu-qual codebook show'.",
            )
        return Code(*row)

    def find(self, text: str) -> builtins.list[Code]:
        """Codes whose id or English/Chinese label contains ``text`` (case-insensitive)."""
        needle = text.casefold().strip()
        return [
            c
            for c in self.list()
            if not needle
            or needle in c.id.casefold()
            or needle in c.label_en.casefold()
            or needle in c.label_zh
        ]

    def counts(self) -> dict[str, int]:
        """Codings per code id (codes without codings are absent)."""
        return dict(
            self.project.conn.execute("SELECT code_id, count(*) FROM codings GROUP BY code_id")
        )

    def coder_counts(self, coder: str | None) -> dict[str, int]:
        """Codings per code id by one coder (None: codings with no coder); a blind coder's
        codebook panel shows these."""
        return dict(
            self.project.conn.execute(
                "SELECT code_id, count(*) FROM codings WHERE coder IS ? GROUP BY code_id", [coder]
            )
        )

    def recently_used(self, limit: int = 9) -> builtins.list[str]:
        """Ids of the codes coded most recently (newest coding first), at most ``limit``."""
        rows = self.project.conn.execute(
            "SELECT code_id FROM codings GROUP BY code_id ORDER BY max(id) DESC LIMIT ?", [limit]
        )
        return [r[0] for r in rows]

    def path(self, code_id: str) -> builtins.list[Code]:
        """The code and its ancestors, theme first."""
        by_id = {c.id: c for c in self.list()}
        out: list[Code] = []
        cur: str | None = code_id
        while cur is not None and cur in by_id:
            out.append(by_id[cur])
            cur = by_id[cur].parent_id
        return list(reversed(out))

    def descendant_ids(self, code_id: str) -> builtins.list[str]:
        """The code's id and the ids of all its sub-codes."""
        rows = self.project.conn.execute(
            "WITH RECURSIVE d(id) AS (SELECT ? UNION ALL SELECT c.id FROM codes c "
            "JOIN d ON c.parent_id = d.id) SELECT id FROM d",
            [code_id],
        ).fetchall()
        return [r[0] for r in rows]

    def add(
        self,
        code_id: str,
        label_en: str,
        label_zh: str,
        parent_id: str | None = None,
        rule: str = "",
        color: str | None = None,
    ) -> Code:
        """Add a code to the project and codebook.yaml in one step."""

        if not ID_RE.match(code_id):
            raise MpuQualError(
                f"code id '{code_id}' must use lowercase letters, digits, '_' and '.'", field="id"
            )
        if not label_en.strip() or not label_zh.strip():
            raise MpuQualError("a code needs an English and a Chinese label", field="label")
        if color is not None and not COLOR_RE.match(color):
            raise MpuQualError("colour must look like #1f77b4", field="color")
        if self.project.conn.execute("SELECT 1 FROM codes WHERE id = ?", [code_id]).fetchone():
            raise MpuQualError(f"code '{code_id}' already exists", field="id")
        parent = self.get(parent_id) if parent_id else None
        with self.project.action(f"Add code {code_id}", kind="codebook") as conn:
            siblings_end = conn.execute("SELECT coalesce(max(position), -1) FROM codes").fetchone()[
                0
            ]
            conn.execute(
                "INSERT INTO codes (id, parent_id, label_en, label_zh, rule, color, addresses, "
                "position, depth) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    code_id,
                    parent_id,
                    label_en.strip(),
                    label_zh.strip(),
                    rule,
                    color or (parent.color if parent else None),
                    parent.addresses if parent else None,
                    siblings_end + 1,
                    (parent.depth + 1) if parent else 0,
                ],
            )
            self._renumber(conn)
        return self.get(code_id)

    def update(
        self,
        code_id: str,
        *,
        label_en: str | None = None,
        label_zh: str | None = None,
        rule: str | None = None,
        color: str | None = None,
        parent_id: str | None | object = ...,
    ) -> Code:
        """Rename (labels), recolour or move a code; the id and its codings stay."""
        code = self.get(code_id)
        fields: dict[str, Any] = {}
        if label_en is not None:
            if not label_en.strip():
                raise MpuQualError("the English label cannot be empty", field="label_en")
            fields["label_en"] = label_en.strip()
        if label_zh is not None:
            if not label_zh.strip():
                raise MpuQualError("the Chinese label cannot be empty", field="label_zh")
            fields["label_zh"] = label_zh.strip()
        if rule is not None:
            fields["rule"] = rule
        if color is not None:
            fields["color"] = color
        if parent_id is not ...:
            if parent_id is not None:
                self.get(str(parent_id))
                if str(parent_id) in self.descendant_ids(code_id):
                    raise MpuQualError("a code cannot move under itself or its own sub-codes")
            fields["parent_id"] = parent_id
        if not fields:
            return code
        with self.project.action(f"Edit code {code_id}", kind="codebook") as conn:
            sets = ", ".join(f"{k} = ?" for k in fields)
            conn.execute(f"UPDATE codes SET {sets} WHERE id = ?", [*fields.values(), code_id])
            self._renumber(conn)
        return self.get(code_id)

    def merge(self, source_id: str, target_id: str) -> int:
        """Move every coding of ``source_id`` to ``target_id`` and delete the source code."""
        if source_id == target_id:
            raise MpuQualError("cannot merge a code into itself")
        self.get(source_id)
        self.get(target_id)
        if target_id in self.descendant_ids(source_id):
            raise MpuQualError("cannot merge a code into one of its own sub-codes")
        self.project.prepare_bulk("merge")
        with self.project.action(f"Merge {source_id} into {target_id}", kind="codebook") as conn:
            n = conn.execute(
                "SELECT count(*) FROM codings WHERE code_id = ?", [source_id]
            ).fetchone()[0]
            for table, column in self.referencing_columns():
                conn.execute(
                    f'UPDATE "{table}" SET "{column}" = ? WHERE "{column}" = ?',
                    [target_id, source_id],
                )
            conn.execute(
                "UPDATE codes SET parent_id = ? WHERE parent_id = ?", [target_id, source_id]
            )
            conn.execute("DELETE FROM codes WHERE id = ?", [source_id])
            # Identical spans with the same code after the merge are one coding, per coder
            # (two coders' codings of one span stay two: intercoder agreement needs both).
            conn.execute(
                "DELETE FROM codings WHERE code_id = ? AND id NOT IN (SELECT min(id) FROM codings "
                "WHERE code_id = ? GROUP BY source_id, start, end, coder)",
                [target_id, target_id],
            )
            self._renumber(conn)
        return n

    def delete(self, code_id: str) -> None:
        """Delete a code that has no codings and no sub-codes."""
        self.get(code_id)
        if self.project.conn.execute(
            "SELECT 1 FROM codes WHERE parent_id = ?", [code_id]
        ).fetchone():
            raise MpuQualError(f"code '{code_id}' has sub-codes; move or delete them first")
        n = self.counts().get(code_id, 0)
        if n:
            raise MpuQualError(f"code '{code_id}' has {n} codings; merge it into another code")
        with self.project.action(f"Delete code {code_id}", kind="codebook") as conn:
            conn.execute("DELETE FROM codes WHERE id = ?", [code_id])
            self._renumber(conn)

    def _renumber(self, conn: sqlite3.Connection) -> None:
        """Positions and depths in pre-order after a structural edit."""
        rows = conn.execute(
            "SELECT id, parent_id, position, depth FROM codes ORDER BY position, id"
        ).fetchall()
        kids: dict[str | None, list[str]] = {}
        for cid, parent, _pos, _depth in rows:
            kids.setdefault(parent, []).append(cid)
        current = {cid: (pos, depth) for cid, _p, pos, depth in rows}
        order: list[tuple[str, int]] = []

        def visit(parent: str | None, depth: int) -> None:
            for cid in kids.get(parent, []):
                order.append((cid, depth))
                visit(cid, depth + 1)

        visit(None, 0)
        for pos, (cid, depth) in enumerate(order):
            if current[cid] != (pos, depth):
                conn.execute(
                    "UPDATE codes SET position = ?, depth = ? WHERE id = ?", [pos, depth, cid]
                )

    def referencing_columns(self) -> builtins.list[tuple[str, str]]:
        """Every (table, column) that references codes(id): core and feature tables alike."""
        refs = []
        for (table,) in self.project.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall():
            for fk in self.project.conn.execute(f'PRAGMA foreign_key_list("{table}")').fetchall():
                if fk[2] == "codes" and table != "codes":
                    refs.append((table, fk[3]))
        return refs
