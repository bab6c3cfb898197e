"""Participants: the people behind speaker labels, their stakeholder group and attributes."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mpu_qual.errors import MpuQualError, NotFound
from mpu_qual.store.connection import inserted_id
from mpu_qual.store.records import Participant
from mpu_qual.transcript_files.labels import group_for_label, group_for_role

if TYPE_CHECKING:
    from mpu_qual.store.project import Project


class Participants:
    """``project.participants``: one row per speaker label."""

    def __init__(self, project: Project) -> None:
        self.project = project

    def list(self) -> list[Participant]:
        """Every participant, by label."""
        return [
            Participant(r[0], r[1], r[2], r[3], json.loads(r[4]))
            for r in self.project.conn.execute(
                "SELECT id, label, name, group_id, attributes FROM participants ORDER BY label"
            )
        ]

    def segment_counts(self) -> dict[int, int]:
        """Segments per participant id (participants without segments are absent)."""
        return dict(
            self.project.conn.execute(
                "SELECT participant_id, count(*) FROM segments WHERE participant_id IS NOT NULL "
                "GROUP BY participant_id"
            )
        )

    def get(self, label: str) -> Participant:
        """One participant by label; NotFound names the command that lists them."""
        r = self.project.conn.execute(
            "SELECT id, label, name, group_id, attributes FROM participants WHERE label = ?",
            [label],
        ).fetchone()
        if r is None:
            raise NotFound(
                f"no participant '{label}'",
                field="participant",
                hint="List them with 'mpu-qual participants list'.",
            )
        return Participant(r[0], r[1], r[2], r[3], json.loads(r[4]))

    def resolve_group(self, group: str) -> str:
        """A stakeholder group id from an id or an English/Chinese label."""
        cb = self.project.codebook.load()
        wanted = group.strip().casefold()
        for g in cb.groups:
            if wanted in (g.id.casefold(), g.en.casefold(), g.zh.casefold()):
                return g.id
        options = ", ".join(g.id for g in cb.groups)
        raise MpuQualError(
            f"unknown stakeholder group '{group}'",
            field="group",
            hint=f"Use one of: {options} (edit the list in codebook.yaml).",
        )

    def ensure(self, conn: sqlite3.Connection, label: str, role: str | None = None) -> int:
        """The id of the participant with ``label``, created inside the caller's transaction
        when there is none; its group from the codebook's ``match``, the ``role`` a transcript
        header gives it, or the usual moderator labels (a role also fills a missing group)."""
        row = conn.execute(
            "SELECT id, group_id FROM participants WHERE label = ?", [label]
        ).fetchone()
        if row and not (role and row[1] is None):
            return row[0]
        try:
            groups = self.project.codebook.load().groups
        except MpuQualError:
            groups = []
        if row:
            if found := group_for_role(role or "", groups):
                conn.execute("UPDATE participants SET group_id = ? WHERE id = ?", [found, row[0]])
            return row[0]
        group = None
        for g in groups:
            if g.match and re.search(g.match, label):
                group = g.id
                break
        if role:
            group = group_for_role(role, groups) or group
        group = group or group_for_label(label, groups)
        return inserted_id(
            conn.execute("INSERT INTO participants (label, group_id) VALUES (?, ?)", [label, group])
        )

    def set(
        self,
        label: str,
        *,
        name: str | None = None,
        group: str | None = None,
        attrs: Mapping[str, str | None] | None = None,
        new_label: str | None = None,
    ) -> Participant:
        """Create or update a participant. An attribute set to None or '' is removed."""
        label = label.strip()
        if not label:
            raise MpuQualError("a participant needs a label", field="label")
        group_id = self.resolve_group(group) if group else None
        if new_label is not None:
            new_label = new_label.strip()
            if not new_label:
                raise MpuQualError("the new label cannot be empty", field="label")
            if (
                new_label != label
                and self.project.conn.execute(
                    "SELECT 1 FROM participants WHERE label = ?", [new_label]
                ).fetchone()
            ):
                raise MpuQualError(f"a participant '{new_label}' already exists", field="label")
        with self.project.action(f"Edit participant {label}", kind="participant") as conn:
            pid = self.ensure(conn, label)
            row = conn.execute("SELECT attributes FROM participants WHERE id = ?", [pid]).fetchone()
            current = json.loads(row[0])
            for key, value in (attrs or {}).items():
                if not key.strip():
                    raise MpuQualError("attribute names cannot be empty", field="attr")
                if value is None or value == "":
                    current.pop(key, None)
                else:
                    current[key] = value
            updates: dict[str, Any] = {"attributes": json.dumps(current, ensure_ascii=False)}
            if name is not None:
                updates["name"] = name or None
            if group_id is not None:
                updates["group_id"] = group_id
            if new_label is not None and new_label != label:
                updates["label"] = new_label
                conn.execute(
                    "UPDATE segments SET speaker = ? WHERE participant_id = ? AND speaker = ?",
                    [new_label, pid, label],
                )
            sets = ", ".join(f"{k} = ?" for k in updates)
            conn.execute(f"UPDATE participants SET {sets} WHERE id = ?", [*updates.values(), pid])
            saved = self.get(new_label or label)  # as committed, whatever comes next
        return saved
