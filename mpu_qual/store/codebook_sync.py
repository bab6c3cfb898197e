"""The project's codebook.yaml and its codes table kept in step.

Loading a codebook file brings the table in line (renames with ``was:`` keep codings); an
edit made in the workbench, or an undo of one, rewrites the file from the table; a rewrite a
crash cut off is finished on the next open.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from mpu_qual.codebook import (
    MAX_CODEBOOK_BYTES,
    Codebook,
    CodeDef,
    dump_codebook,
    load_codebook,
    parse_codebook,
)
from mpu_qual.codebook_roundtrip import same_codes, update_text
from mpu_qual.errors import MpuQualError
from mpu_qual.fileio import read_small_text, write_bytes_atomic, write_text_atomic
from mpu_qual.safety.notices import notify
from mpu_qual.store.connection import BUSY_TIMEOUT_MS
from mpu_qual.store.records import Code, SyncReport

if TYPE_CHECKING:
    from mpu_qual.store.project import Project


_SAVED = b"saved\n"  # a journal: this marker, then codebook.yaml as it was
_MISSING = b"missing\n"  # ... or: there was no codebook.yaml
_SEQ = itertools.count(1)


class CodebookFile:
    """``project.codebook``: codebook.yaml, read when it changes, and the sync with the codes."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._cached: Codebook | None = None
        self._mtime: float | None = None
        self._journal: Path | None = None  # this transaction's saved codebook.yaml

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

    # ------------------------------------------------------------------ journaled writes
    # codebook.yaml changes inside the transaction that changes the codes, while it holds the
    # write lock: first the file as it was is saved to a journal (``.codebook.yaml.*.journal``)
    # then the new file is put in place. The commit deletes the journal; a rollback puts the
    # saved file back. A process killed in between leaves the journal, and the next open
    # (``reconcile_file``) settles it against the database: the file stays when it lists the
    # committed codes, else the saved one comes back (or, failing that, the file is written
    # from the codes). Without a journal nothing is touched: a file that differs from the
    # project then is the user's own edit, not yet loaded.

    def _journal_glob(self) -> list[Path]:
        name = self.project.codebook_path.name
        return sorted(self.project.folder.glob(f".{name}.*.journal"))

    def stage(self, text: str) -> None:
        """Make ``text`` the new codebook.yaml, together with the current transaction."""
        path = self.project.codebook_path
        conn = self.project.conn
        if not conn.in_transaction:
            write_text_atomic(path, text)
            self._cached = None
            return
        if self._journal is None:
            try:
                old = path.read_bytes()
            except FileNotFoundError:
                old = None
            journal = self.project.folder / f".{path.name}.{os.getpid()}-{next(_SEQ)}.journal"
            write_bytes_atomic(journal, _MISSING if old is None else _SAVED + old)
            self._journal = journal
        write_text_atomic(path, text)
        self._cached = None

    def finish(self, committed: bool) -> None:
        """Called by ``Project.transaction`` after its COMMIT or ROLLBACK."""
        journal, self._journal = self._journal, None
        if journal is None:
            return
        self._cached = None
        try:
            if not committed:
                self._put_back(journal)
            journal.unlink(missing_ok=True)
        except (OSError, MpuQualError) as exc:
            # left for the next open to settle; say so rather than fail the user's action
            notify("warning", f"codebook.yaml could not be settled after the last change: {exc}")

    def _put_back(self, journal: Path) -> bool:
        data = journal.read_bytes()
        path = self.project.codebook_path
        if data.startswith(_SAVED):
            old = data[len(_SAVED) :]
            try:
                if path.read_bytes() == old:
                    return False
            except FileNotFoundError:
                pass
            write_bytes_atomic(path, old)
        elif data == _MISSING:
            path.unlink(missing_ok=True)
        else:
            raise MpuQualError("an unreadable codebook journal", path=journal)
        return True

    def _lists_the_codes(self, data: bytes | None) -> bool:
        if data is None:
            return False
        try:
            cb = parse_codebook(data.decode("utf-8"), self.project.codebook_path)
        except (MpuQualError, UnicodeDecodeError):
            return False
        return same_codes(cb.codes, self._codes_as_defs())

    def reconcile_file(self) -> bool:
        """Settle a codebook.yaml change that a killed process left half-done (see ``stage``);
        True when the file was changed. ``Project.open`` calls it; without a journal it does
        nothing, and it says 'interrupted' only when a save was."""
        if self.project.readonly:
            return False
        journals = self._journal_glob()
        if not journals:
            return False
        conn = self.project.conn
        # No transaction of another process is half-way while we hold the write lock. Busy:
        # the process writing it is alive and settles its own journal (or the next open does);
        # an open never waits for a long import to finish just for this.
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return False
        finally:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        try:
            journals = self._journal_glob()
            path = self.project.codebook_path
            try:
                current: bytes | None = path.read_bytes()
            except FileNotFoundError:
                current = None
            changed = ""
            if journals and not self._lists_the_codes(current):
                for j in reversed(journals):
                    data = j.read_bytes()
                    if data.startswith(_SAVED) and self._lists_the_codes(data[len(_SAVED) :]):
                        write_bytes_atomic(path, data[len(_SAVED) :])
                        changed = "put back as it was before a change that was interrupted"
                        break
                else:
                    write_text_atomic(path, self._file_text())  # not journaled: we hold the lock
                    changed = "rewritten from the project's codes (a change to it was interrupted)"
            for j in journals:
                j.unlink(missing_ok=True)
        finally:
            conn.execute("ROLLBACK")
        self._cached = None
        if changed:
            notify("info", f"{self.project.codebook_path}: {changed}.")
        return bool(changed)

    def _codes_as_defs(self) -> list[CodeDef]:
        return [
            CodeDef(
                id=c.id,
                en=c.label_en,
                zh=c.label_zh,
                rule=c.rule or "",
                color=c.color,
                addresses=c.addresses,
                parent=c.parent_id,
                position=c.position,
                depth=c.depth,
            )
            for c in self.project.codes.list()
        ]

    def write_file(self) -> None:
        """Rewrite codebook.yaml from the project's codes: after a TUI edit, a merge or an undo
        of one the YAML file follows the database (restore and doctor --repair use it too).
        Only the entries that changed are edited: comments and layout stay
        (``codebook_roundtrip``). Inside a transaction the change is journaled (``stage``)."""

        text = self._current_text()
        updated = self._file_text(text)
        if updated != text:
            self.stage(updated)
        self._cached = None

    def _current_text(self) -> str | None:
        try:
            return read_small_text(
                self.project.codebook_path, "codebook", max_bytes=MAX_CODEBOOK_BYTES
            )
        except MpuQualError:
            return None

    def _file_text(self, text: str | None = None, codes: list[CodeDef] | None = None) -> str:
        """codebook.yaml's text (``text``, else the file's) edited to list ``codes`` (else the
        project's): in place when it can be, else written afresh with its groups."""
        path = self.project.codebook_path
        if text is None:
            text = self._current_text()
        if codes is None:
            codes = self._codes_as_defs()
        updated = update_text(text, codes) if text is not None else None
        if updated is None:
            try:
                cb = self.load()
            except MpuQualError:
                cb = Codebook()
            updated = dump_codebook(
                Codebook(cb.name, cb.name_zh, cb.groups, cb.audiences, codes, path)
            )
            parse_codebook(updated, path)  # never write something we could not read back
        return updated

    def text_with_codes_added(self, new: list[CodeDef]) -> str:
        """codebook.yaml with ``new`` codes added under their parents (a merge, an import),
        its comments and layout kept; for ``sync`` to load as one action."""
        return self._file_text(codes=[*self.load().codes, *new])

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
            self._sync_codes(
                cb, cb_path, existing, renames, merge_into, counts, report, dry_run=dry_run
            )
        except _DryRun:
            return report
        self._cached = None
        return report

    def _sync_codes(
        self,
        cb: Codebook,
        cb_path: Path,
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
            if cb_path.resolve() != self.project.codebook_path.resolve():
                # the file becomes the project's with this action's commit, not before
                self.stage(cb_path.read_text(encoding="utf-8"))


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
