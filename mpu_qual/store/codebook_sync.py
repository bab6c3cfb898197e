"""The project's codebook.yaml and its codes table kept in step.

Loading a codebook file brings the table in line (renames with ``was:`` keep codings); an
edit made in the workbench, or an undo of one, rewrites the file from the table; a rewrite a
crash cut off is finished on the next open.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from mpu_qual.codebook import Codebook, CodeDef, load_codebook, save_codebook
from mpu_qual.errors import MpuQualError
from mpu_qual.fileio import write_bytes_atomic
from mpu_qual.safety.notices import notify
from mpu_qual.store.records import Code, SyncReport

if TYPE_CHECKING:
    from mpu_qual.store.project import Project


class CodebookFile:
    """``project.codebook``: codebook.yaml, read when it changes, and the sync with the codes."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._cached: Codebook | None = None
        self._mtime: float | None = None

    def load(self) -> Codebook:
        """The project's codebook file, re-read when it changes on disk."""
        try:
            mtime = self.project.codebook_path.stat().st_mtime
        except FileNotFoundError:
            raise MpuQualError(
                "codebook.yaml is missing", path=self.project.codebook_path
            ) from None
        if self._cached is None or mtime != self._mtime:
            self._cached = load_codebook(self.project.codebook_path)
            self._mtime = mtime
        return self._cached

    def reconcile_file(self) -> bool:
        """Finish a codebook.yaml write that a crash cut off; True when the file was rewritten.

        An action that changes codes commits the database first and rewrites codebook.yaml
        right after. Killed in between, the file is older than the last committed change of
        the codes table, and the next 'codebook load' would undo that change (bring merged
        codes back, drop new ones). A file *newer* than that change is the user's own edit and
        is left alone. ``Project.open`` calls it.
        """
        if self.project.readonly:
            return False
        row = self.project.conn.execute(
            "SELECT max(a.created_at) FROM actions a WHERE EXISTS "
            "(SELECT 1 FROM changes c WHERE c.action_id = a.id AND c.tbl = 'codes')"
        ).fetchone()
        if not row or not row[0]:
            return False
        last = datetime.fromisoformat(str(row[0]).replace("Z", "+00:00")).timestamp()
        try:
            mtime = self.project.codebook_path.stat().st_mtime
        except FileNotFoundError:
            return False  # doctor reports it and --repair writes it
        if mtime >= last:
            return False
        try:
            self.write_file()
        except MpuQualError as exc:
            notify("warning", f"codebook.yaml is older than the project's codes: {exc}")
            return False
        notify(
            "info",
            f"{self.project.codebook_path}: rewritten from the project's codes (the last save of it "
            "was interrupted).",
        )
        return True

    def write_file(self) -> None:
        """Rewrite codebook.yaml from the project's codes: after a TUI edit or an undo of one
        the YAML file follows the database (restore and doctor --repair use it too)."""

        try:
            cb = self.load()
        except MpuQualError:
            cb = Codebook()
        old = {c.id: c for c in cb.codes}
        codes = []
        for c in self.project.codes.list():
            prev = old.get(c.id)
            codes.append(
                CodeDef(
                    id=c.id,
                    en=c.label_en,
                    zh=c.label_zh,
                    rule=c.rule or "",
                    color=c.color,
                    addresses=c.addresses,
                    parent=c.parent_id,
                    line=prev.line if prev else None,
                    position=c.position,
                    depth=c.depth,
                )
            )
        cb = Codebook(
            cb.name, cb.name_zh, cb.groups, cb.audiences, codes, self.project.codebook_path
        )
        save_codebook(cb, self.project.codebook_path)
        self._cached = None

    def sync(
        self,
        path: str | Path | None = None,
        *,
        merge_into: dict[str, str] | None = None,
        dry_run: bool = False,
    ) -> SyncReport:
        """Bring the codes table in line with a codebook file, as one undoable action.

        Renames (``was:``) keep codings; removing a code with codings needs ``merge_into``.
        With ``path``, that file becomes the project's codebook.yaml once the sync succeeds.
        """
        cb_path = Path(path) if path else self.project.codebook_path
        cb = load_codebook(cb_path)
        _check_storable(cb, cb_path)
        merge_into = dict(merge_into or {})
        new_ids = cb.ids()
        for target in merge_into.values():
            if target not in new_ids:
                raise MpuQualError(
                    f"--merge-into target '{target}' is not in the codebook", path=cb_path
                )
        existing = {c.id: c for c in self.project.codes.list()}
        renames = {old: c.id for c in cb.codes for old in c.was if old in existing}
        removed = [cid for cid in existing if cid not in new_ids and cid not in renames]
        report = SyncReport()
        counts = self.project.codes.counts()
        blocked = [
            (cid, counts.get(cid, 0))
            for cid in removed
            if counts.get(cid, 0) and cid not in merge_into
        ]
        if blocked:
            detail = ", ".join(f"{cid} ({n} codings)" for cid, n in blocked)
            raise MpuQualError(
                f"the codebook removes codes that have codings: {detail}",
                path=cb_path,
                hint="Keep them, rename with 'was:', or pass --merge-into OLD=NEW.",
            )
        if not dry_run and existing:
            self.project.prepare_bulk("codebook-sync")
        try:
            self._sync_codes(cb, existing, renames, merge_into, counts, report, dry_run=dry_run)
        except _DryRun:
            return report
        if cb_path.resolve() != self.project.codebook_path.resolve():
            # atomic: a crash mid-copy must not leave a truncated codebook.yaml
            write_bytes_atomic(self.project.codebook_path, cb_path.read_bytes())
        self._cached = None
        return report

    def _sync_codes(
        self,
        cb: Codebook,
        existing: dict[str, Code],
        renames: dict[str, str],
        merge_into: dict[str, str],
        counts: dict[str, int],
        report: SyncReport,
        *,
        dry_run: bool,
    ) -> None:
        new_ids = cb.ids()
        with self.project.action("Load codebook", kind="codebook-sync") as conn:
            for c in cb.codes:
                row = {
                    "id": c.id,
                    "parent_id": c.parent,
                    "label_en": c.en,
                    "label_zh": c.zh,
                    "rule": c.rule,
                    "color": c.color,
                    "addresses": c.addresses,
                    "position": c.position,
                    "depth": c.depth,
                }
                if c.id in existing:
                    e = existing[c.id]
                    if (
                        e.parent_id,
                        e.label_en,
                        e.label_zh,
                        e.rule or "",
                        e.color,
                        e.addresses,
                        e.position,
                        e.depth,
                    ) != (c.parent, c.en, c.zh, c.rule, c.color, c.addresses, c.position, c.depth):
                        conn.execute(
                            "UPDATE codes SET parent_id = :parent_id, label_en = :label_en, "
                            "label_zh = :label_zh, rule = :rule, color = :color, "
                            "addresses = :addresses, position = :position, depth = :depth "
                            "WHERE id = :id",
                            row,
                        )
                        report.updated.append(c.id)
                else:
                    conn.execute(
                        "INSERT INTO codes (id, parent_id, label_en, label_zh, rule, color, "
                        "addresses, position, depth) VALUES (:id, :parent_id, :label_en, "
                        ":label_zh, :rule, :color, :addresses, :position, :depth)",
                        row,
                    )
                    if c.id not in renames.values():
                        report.added.append(c.id)
            moves = dict(renames)
            moves.update({old: new for old, new in merge_into.items() if old in existing})
            refs = self.project.codes.referencing_columns()
            for old, new in moves.items():
                n = counts.get(old, 0)
                for table, column in refs:
                    conn.execute(
                        f'UPDATE "{table}" SET "{column}" = ? WHERE "{column}" = ?', [new, old]
                    )
                conn.execute("UPDATE codes SET parent_id = ? WHERE parent_id = ?", [new, old])
                if old in renames:
                    report.renamed.append((old, new))
                else:
                    report.merged.append((old, new, n))
                    # as in codes.merge: one span coded twice with the same code by the same
                    # coder is one coding (each coder keeps their own)
                    conn.execute(
                        "DELETE FROM codings WHERE code_id = ? AND id NOT IN (SELECT min(id) "
                        "FROM codings WHERE code_id = ? GROUP BY source_id, start, end, coder)",
                        [new, new],
                    )
            gone = sorted(
                (cid for cid in existing if cid not in new_ids),
                key=lambda cid: -existing[cid].depth,
            )
            for cid in gone:
                conn.execute("DELETE FROM codes WHERE id = ?", [cid])
                if cid not in renames and cid not in merge_into:
                    report.removed.append(cid)
            if dry_run:
                raise _DryRun()


def _check_storable(cb: Codebook, path: Path) -> None:
    """YAML escapes such as "\\ud800" decode to text SQLite cannot store: say where it is
    before anything is written (it would otherwise fail mid-transaction, without a line)."""

    def check(value: object, line: int | None, column: int | None, field: str) -> None:
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise MpuQualError(
                    f"'{field}' contains an unpaired surrogate (half of a character, e.g. a "
                    "\\ud800 escape)",
                    path=path,
                    line=line,
                    column=column,
                    field=field,
                    hint="Write the character itself, or remove the escape.",
                ) from None

    check(cb.name, None, None, "name")
    check(cb.name_zh, None, None, "name_zh")
    for g in [*cb.groups, *cb.audiences]:
        for field in ("id", "en", "zh", "match"):
            check(getattr(g, field), None, None, field)
    for c in cb.codes:
        for field in ("id", "en", "zh", "rule", "color", "addresses", "parent"):
            check(getattr(c, field), c.line, c.column, field)


class _DryRun(Exception):
    """Raised inside an action to roll it back after computing a report."""
