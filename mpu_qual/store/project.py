"""The project: one SQLite file plus its codebook and transcripts folder.

Every public method that writes is one transaction; user actions also go through the undo
journal (``action``). Front ends (CLI, TUI) call only this API.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from mpu_qual.codebook import COLOR_RE, ID_RE, Codebook, CodeDef, load_codebook, save_codebook
from mpu_qual.errors import MpuQualError, NotFound, ProjectNotFound
from mpu_qual.fileio import refuse_database_file, write_bytes_atomic
from mpu_qual.safety.guard import check_on_open
from mpu_qual.safety.notices import notify
from mpu_qual.store import autobackup, journal
from mpu_qual.store.bulk_rows import check_and_index_source, rows_checked_per_source
from mpu_qual.store.connection import connect
from mpu_qual.store.migrations import apply_all
from mpu_qual.store.records import (
    AutocodeResult,
    Code,
    Coding,
    Participant,
    SearchHit,
    Segment,
    Source,
    SyncReport,
)
from mpu_qual.transcript_files.parsed import ParsedSegment, ParsedTranscript
from mpu_qual.transcript_files.parsers import parse_file
from mpu_qual.transcript_files.writers import write

DB_NAME = "project.db"
CODEBOOK_NAME = "codebook.yaml"
TRANSCRIPTS_DIR = "transcripts"
BUNDLED_CODEBOOK = Path(__file__).resolve().parent.parent / "data" / "codebook.yaml"
_SENTENCE_END = re.compile(r"[.!?。！？；;]+[\"'」』)]*\s*|\n")


def default_coder() -> str:
    """Who is coding: MPU_QUAL_CODER, else the login name."""
    env = os.environ.get("MPU_QUAL_CODER")
    if env:
        return env
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "coder"


def _now_sql() -> str:
    return "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Case-insensitive phrase search; Latin words match whole words only.

    "ISO" must not code "supervisor", but 技術 must still match inside 技術員, since
    Chinese has no spaces between words.
    """
    body = re.escape(phrase.strip())
    if re.match(r"[A-Za-z0-9]", phrase.strip()[0]):
        body = r"(?<![A-Za-z0-9])" + body
    if re.match(r"[A-Za-z0-9]", phrase.strip()[-1]):
        body = body + r"(?![A-Za-z0-9])"
    return re.compile(body, re.IGNORECASE)


class Project:
    """An open project. Use ``Project.open`` or ``Project.init``; close it when done."""

    def __init__(self, folder: Path, db: sqlite_utils.Database, *, readonly: bool = False):
        self.folder = folder
        self.db = db
        self.readonly = readonly
        self._codebook: Codebook | None = None
        self._codebook_mtime: float | None = None
        # Automatic backups (store/autobackup.py) before bulk operations (import, auto-code,
        # merge, codebook sync) and, as kind "open", before the first write after opening;
        # switched on by open() and init().
        self.auto_backups = False
        self._first_write = True
        self.transactions = 0  # outermost transactions begun (backups tell them apart)
        self.backed_up_transaction: int | None = None  # whose starting state is saved
        # Why the project was opened read-only (safety checks that failed), for front ends.
        self.open_problems: list[Any] = []

    # ------------------------------------------------------------------ lifecycle
    @property
    def db_path(self) -> Path:
        return self.folder / DB_NAME

    @property
    def codebook_path(self) -> Path:
        return self.folder / CODEBOOK_NAME

    @property
    def transcripts_dir(self) -> Path:
        return self.folder / TRANSCRIPTS_DIR

    @classmethod
    def init(
        cls,
        folder: str | Path,
        codebook: str | Path | None = None,
        *,
        import_transcripts: bool = True,
    ) -> Project:
        """Create a project folder (or set up a folder that has a codebook but no database)."""
        root = Path(folder)
        if (root / DB_NAME).exists():
            raise MpuQualError(
                "a project already exists here", path=root / DB_NAME, hint="Open it instead."
            )
        source_cb = Path(codebook) if codebook else None
        if source_cb is None and not (root / CODEBOOK_NAME).exists():
            source_cb = BUNDLED_CODEBOOK
        cb = load_codebook(source_cb or root / CODEBOOK_NAME)  # validate before writing anything
        del cb
        made = [root, root / TRANSCRIPTS_DIR, root / CODEBOOK_NAME]
        made = [p for p in made if not p.exists()]  # what a failed set-up must take away again
        root.mkdir(parents=True, exist_ok=True)
        (root / TRANSCRIPTS_DIR).mkdir(exist_ok=True)
        if source_cb is not None and source_cb.resolve() != (root / CODEBOOK_NAME).resolve():
            write_bytes_atomic(root / CODEBOOK_NAME, Path(source_cb).read_bytes())
        project = cls(root, connect(root / DB_NAME))
        try:
            apply_all(project.db)
            project.sync_codebook()
            # The first load is the project's starting point, not an action to undo: undoing
            # it would empty the codes table while codebook.yaml still lists them.
            project.conn.execute("DELETE FROM actions")
            if import_transcripts:
                for path in sorted((root / TRANSCRIPTS_DIR).iterdir()):
                    if path.is_file() and path.suffix.lower() in (".txt", ".vtt", ".srt", ".docx"):
                        project.import_transcript(path)
        except BaseException:
            # All or nothing: a bad file in transcripts/ must not leave a half-set-up project
            # that later opens without it.
            project.close()
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(str(root / DB_NAME) + suffix).unlink(missing_ok=True)
            for path in reversed(made):
                if path.is_dir():
                    if not any(path.iterdir()):
                        path.rmdir()
                else:
                    path.unlink(missing_ok=True)
            raise
        project._protect()  # automatic backups from now on
        return project

    @classmethod
    def open(
        cls, folder: str | Path = ".", *, create: bool = True, readonly: bool = False
    ) -> Project:
        """Open the project in ``folder``; a folder with a codebook but no database is set up."""
        root = Path(folder)
        if not root.is_dir():
            raise ProjectNotFound("folder not found", path=root)
        if not (root / DB_NAME).exists():
            if create and (root / CODEBOOK_NAME).exists() and not readonly:
                return cls.init(root)
            raise ProjectNotFound(
                "not an mpu-qual project (no project.db or codebook.yaml here)",
                path=root,
                hint="Run 'mpu-qual init DIR' to create one, or pass -p DIR.",
            )
        db = connect(root / DB_NAME, readonly=readonly)
        problems: list[Any] = []
        if not readonly:
            problems = check_on_open(root, db.conn)  # trust, quick checks, network-folder warning
            if problems:  # damaged: open read-only so that nothing can make it worse
                db.close()
                db = connect(root / DB_NAME, readonly=True)
                readonly = True
        if not readonly:
            try:
                apply_all(db)
            except sqlite3.DatabaseError as exc:
                db.close()
                raise MpuQualError(
                    f"project database cannot be opened: {exc}",
                    path=root / DB_NAME,
                    hint="Run 'mpu-qual doctor' or restore a backup.",
                ) from None
        project = cls(root, db, readonly=readonly)
        project.open_problems = problems
        if not readonly:
            project._protect()
        return project

    def _protect(self) -> None:
        """Automatic backups from now on; finish a codebook.yaml write a crash cut off."""
        self.auto_backups = True
        self.reconcile_codebook_file()

    def close(self) -> None:
        try:
            self.db.close()
        except Exception:
            pass

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ transactions
    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    def check_writable(self) -> None:
        """Raise unless the project can be written (it opens read-only after failed checks)."""
        if self.readonly:
            raise MpuQualError(
                "the project is open read-only",
                path=self.db_path,
                hint="Run 'mpu-qual doctor' to see why, then reopen it.",
            )

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT (rollback on any error). Nested calls join the outer one."""
        self.check_writable()
        conn = self.conn
        if conn.in_transaction:
            yield conn
            return
        if self._first_write:
            self._first_write = False
            self._bulk("open")  # the automatic backup of the project as it was opened
        try:
            conn.execute("BEGIN IMMEDIATE")
            self.transactions += 1
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            raise MpuQualError(
                "the project is busy: another mpu-qual window or command has been writing to it "
                "for more than 10 seconds",
                path=self.db_path,
                hint="Wait for it to finish (or close it), then try again. Nothing was changed.",
            ) from None
        try:
            yield conn
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, UnicodeEncodeError):
                raise MpuQualError(
                    "the text contains a character that cannot be stored (an unpaired "
                    "surrogate, e.g. half of an emoji); nothing was changed",
                    hint="Remove or retype that character.",
                ) from None
            raise
        else:
            try:
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    @contextmanager
    def action(self, description: str, kind: str | None = None) -> Iterator[sqlite3.Connection]:
        """One undoable user action: one transaction, its row changes journaled."""
        if kind == "codebook":
            self.codebook()  # codebook.yaml is rewritten afterwards: it must be valid first
        conn = self.conn
        if conn.in_transaction:
            state = conn.execute("SELECT action_id FROM journal_state WHERE id = 1").fetchone()
            if state and state[0] is not None:
                yield conn  # nested inside another action: becomes part of it
                return
        with self.transaction():
            conn.execute("DELETE FROM actions WHERE undone = 1")  # a new action ends redo
            cur = conn.execute(
                "INSERT INTO actions (description, kind) VALUES (?, ?)", [description, kind]
            )
            action_id = cur.lastrowid
            conn.execute("UPDATE journal_state SET action_id = ? WHERE id = 1", [action_id])
            try:
                yield conn
            finally:
                conn.execute("UPDATE journal_state SET action_id = NULL WHERE id = 1")
            n = conn.execute(
                "SELECT count(*) FROM changes WHERE action_id = ?", [action_id]
            ).fetchone()[0]
            if n == 0:
                conn.execute("DELETE FROM actions WHERE id = ?", [action_id])
        # A load from codebook.yaml leaves the file as the user wrote it (comments, `was:`).
        if kind == "codebook" or (kind != "codebook-sync" and self._touched_codes(action_id)):
            self.write_codebook_file()

    def _touched_codes(self, action_id: int) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM changes WHERE action_id = ? AND tbl = 'codes' LIMIT 1", [action_id]
        ).fetchone()
        return row is not None

    def _step(self, undo: bool) -> str | None:
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT id, description FROM actions WHERE undone = ? ORDER BY id "
                + ("DESC" if undo else "ASC")
                + " LIMIT 1",
                [0 if undo else 1],
            ).fetchone()
            if row is None:
                return None
            if self._touched_codes(row[0]):
                # codebook.yaml is rewritten from the database afterwards; refuse (changing
                # nothing) while it has errors rather than overwrite the user's unfinished edit
                self.codebook()
            journal.replay(conn, row[0], reverse=undo)
            conn.execute("UPDATE actions SET undone = ? WHERE id = ?", [1 if undo else 0, row[0]])
            touched = self._touched_codes(row[0])
        if touched:
            self.write_codebook_file()
        return row[1]

    def undo(self) -> str | None:
        """Undo the last action; returns its description (None if nothing to undo)."""
        return self._step(undo=True)

    def redo(self) -> str | None:
        """Redo the last undone action; returns its description (None if nothing to redo)."""
        return self._step(undo=False)

    def history(self, limit: int = 50) -> list[dict[str, Any]]:
        return [
            dict(zip(("id", "description", "kind", "created_at", "undone"), r, strict=True))
            for r in self.conn.execute(
                "SELECT id, description, kind, created_at, undone FROM actions "
                "ORDER BY id DESC LIMIT ?",
                [limit],
            )
        ]

    def prepare_bulk(self, kind: str) -> None:
        """Run the before-bulk hooks (automatic backup) for work done outside this class,
        such as a job-ad import."""
        self._bulk(kind)

    def _bulk(self, kind: str) -> None:
        autobackup.before_bulk(self, kind)

    # ------------------------------------------------------------------ codebook
    def codebook(self) -> Codebook:
        """The project's codebook file, re-read when it changes on disk."""
        try:
            mtime = self.codebook_path.stat().st_mtime
        except FileNotFoundError:
            raise MpuQualError("codebook.yaml is missing", path=self.codebook_path) from None
        if self._codebook is None or mtime != self._codebook_mtime:
            self._codebook = load_codebook(self.codebook_path)
            self._codebook_mtime = mtime
        return self._codebook

    def reconcile_codebook_file(self) -> bool:
        """Finish a codebook.yaml write that a crash cut off; True when the file was rewritten.

        An action that changes codes commits the database first and rewrites codebook.yaml
        right after. Killed in between, the file is older than the last committed change of
        the codes table, and the next 'codebook load' would undo that change (bring merged
        codes back, drop new ones). A file *newer* than that change is the user's own edit and
        is left alone. ``Project.open`` calls it.
        """
        if self.readonly:
            return False
        row = self.conn.execute(
            "SELECT max(a.created_at) FROM actions a WHERE EXISTS "
            "(SELECT 1 FROM changes c WHERE c.action_id = a.id AND c.tbl = 'codes')"
        ).fetchone()
        if not row or not row[0]:
            return False
        last = datetime.fromisoformat(str(row[0]).replace("Z", "+00:00")).timestamp()
        try:
            mtime = self.codebook_path.stat().st_mtime
        except FileNotFoundError:
            return False  # doctor reports it and --repair writes it
        if mtime >= last:
            return False
        try:
            self.write_codebook_file()
        except MpuQualError as exc:
            notify("warning", f"codebook.yaml is older than the project's codes: {exc}")
            return False
        notify(
            "info",
            f"{self.codebook_path}: rewritten from the project's codes (the last save of it "
            "was interrupted).",
        )
        return True

    def write_codebook_file(self) -> None:
        """Rewrite codebook.yaml from the project's codes: after a TUI edit or an undo of one
        the YAML file follows the database (restore and doctor --repair use it too)."""

        try:
            cb = self.codebook()
        except MpuQualError:
            cb = Codebook()
        old = {c.id: c for c in cb.codes}
        codes = []
        for c in self.codes():
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
        cb = Codebook(cb.name, cb.name_zh, cb.groups, cb.audiences, codes, self.codebook_path)
        save_codebook(cb, self.codebook_path)
        self._codebook = None

    def _code_refs(self) -> list[tuple[str, str]]:
        """Every (table, column) that references codes(id): core and feature tables alike."""
        refs = []
        for (table,) in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall():
            for fk in self.conn.execute(f'PRAGMA foreign_key_list("{table}")').fetchall():
                if fk[2] == "codes" and table != "codes":
                    refs.append((table, fk[3]))
        return refs

    def sync_codebook(
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
        cb_path = Path(path) if path else self.codebook_path
        cb = load_codebook(cb_path)
        _check_storable(cb, cb_path)
        merge_into = dict(merge_into or {})
        new_ids = cb.ids()
        for target in merge_into.values():
            if target not in new_ids:
                raise MpuQualError(
                    f"--merge-into target '{target}' is not in the codebook", path=cb_path
                )
        existing = {c.id: c for c in self.codes()}
        renames = {old: c.id for c in cb.codes for old in c.was if old in existing}
        removed = [cid for cid in existing if cid not in new_ids and cid not in renames]
        report = SyncReport()
        counts = self.code_counts()
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
            self._bulk("codebook-sync")
        try:
            self._sync_codes(cb, existing, renames, merge_into, counts, report, dry_run=dry_run)
        except _DryRun:
            return report
        if cb_path.resolve() != self.codebook_path.resolve():
            # atomic: a crash mid-copy must not leave a truncated codebook.yaml
            write_bytes_atomic(self.codebook_path, cb_path.read_bytes())
        self._codebook = None
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
        with self.action("Load codebook", kind="codebook-sync") as conn:
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
            refs = self._code_refs()
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
                    # as in merge_code: one span coded twice with the same code by the same
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

    def codes(self) -> list[Code]:
        return [
            Code(*r)
            for r in self.conn.execute(
                "SELECT id, parent_id, label_en, label_zh, rule, color, addresses, position, depth "
                "FROM codes ORDER BY position, id"
            )
        ]

    def code(self, code_id: str) -> Code:
        row = self.conn.execute(
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

    def find_codes(self, text: str) -> list[Code]:
        """Codes whose id or English/Chinese label contains ``text`` (case-insensitive)."""
        needle = text.casefold().strip()
        return [
            c
            for c in self.codes()
            if not needle
            or needle in c.id.casefold()
            or needle in c.label_en.casefold()
            or needle in c.label_zh
        ]

    def code_counts(self) -> dict[str, int]:
        return dict(self.conn.execute("SELECT code_id, count(*) FROM codings GROUP BY code_id"))

    def code_path(self, code_id: str) -> list[Code]:
        by_id = {c.id: c for c in self.codes()}
        out: list[Code] = []
        cur: str | None = code_id
        while cur is not None and cur in by_id:
            out.append(by_id[cur])
            cur = by_id[cur].parent_id
        return list(reversed(out))

    def descendant_ids(self, code_id: str) -> list[str]:
        rows = self.conn.execute(
            "WITH RECURSIVE d(id) AS (SELECT ? UNION ALL SELECT c.id FROM codes c "
            "JOIN d ON c.parent_id = d.id) SELECT id FROM d",
            [code_id],
        ).fetchall()
        return [r[0] for r in rows]

    # -------------------------------------------------- codebook edits (TUI)
    def add_code(
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
        if self.conn.execute("SELECT 1 FROM codes WHERE id = ?", [code_id]).fetchone():
            raise MpuQualError(f"code '{code_id}' already exists", field="id")
        parent = self.code(parent_id) if parent_id else None
        with self.action(f"Add code {code_id}", kind="codebook") as conn:
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
        return self.code(code_id)

    def update_code(
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
        code = self.code(code_id)
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
                self.code(str(parent_id))
                if str(parent_id) in self.descendant_ids(code_id):
                    raise MpuQualError("a code cannot move under itself or its own sub-codes")
            fields["parent_id"] = parent_id
        if not fields:
            return code
        with self.action(f"Edit code {code_id}", kind="codebook") as conn:
            sets = ", ".join(f"{k} = ?" for k in fields)
            conn.execute(f"UPDATE codes SET {sets} WHERE id = ?", [*fields.values(), code_id])
            self._renumber(conn)
        return self.code(code_id)

    def merge_code(self, source_id: str, target_id: str) -> int:
        """Move every coding of ``source_id`` to ``target_id`` and delete the source code."""
        if source_id == target_id:
            raise MpuQualError("cannot merge a code into itself")
        self.code(source_id)
        self.code(target_id)
        if target_id in self.descendant_ids(source_id):
            raise MpuQualError("cannot merge a code into one of its own sub-codes")
        self._bulk("merge")
        with self.action(f"Merge {source_id} into {target_id}", kind="codebook") as conn:
            n = conn.execute(
                "SELECT count(*) FROM codings WHERE code_id = ?", [source_id]
            ).fetchone()[0]
            for table, column in self._code_refs():
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

    def delete_code(self, code_id: str) -> None:
        """Delete a code that has no codings and no sub-codes."""
        self.code(code_id)
        if self.conn.execute("SELECT 1 FROM codes WHERE parent_id = ?", [code_id]).fetchone():
            raise MpuQualError(f"code '{code_id}' has sub-codes; move or delete them first")
        n = self.code_counts().get(code_id, 0)
        if n:
            raise MpuQualError(f"code '{code_id}' has {n} codings; merge it into another code")
        with self.action(f"Delete code {code_id}", kind="codebook") as conn:
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

    # ------------------------------------------------------------------ participants
    def participants(self) -> list[Participant]:
        return [
            Participant(r[0], r[1], r[2], r[3], json.loads(r[4]))
            for r in self.conn.execute(
                "SELECT id, label, name, group_id, attributes FROM participants ORDER BY label"
            )
        ]

    def participant(self, label: str) -> Participant:
        r = self.conn.execute(
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
        cb = self.codebook()
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

    def _ensure_participant(self, conn: sqlite3.Connection, label: str) -> int:
        row = conn.execute("SELECT id FROM participants WHERE label = ?", [label]).fetchone()
        if row:
            return row[0]
        group = None
        try:
            groups = self.codebook().groups
        except MpuQualError:
            groups = []
        for g in groups:
            if g.match and re.search(g.match, label):
                group = g.id
                break
        return conn.execute(
            "INSERT INTO participants (label, group_id) VALUES (?, ?)", [label, group]
        ).lastrowid

    def set_participant(
        self,
        label: str,
        *,
        name: str | None = None,
        group: str | None = None,
        attrs: dict[str, str | None] | None = None,
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
                and self.conn.execute(
                    "SELECT 1 FROM participants WHERE label = ?", [new_label]
                ).fetchone()
            ):
                raise MpuQualError(f"a participant '{new_label}' already exists", field="label")
        with self.action(f"Edit participant {label}", kind="participant") as conn:
            pid = self._ensure_participant(conn, label)
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
        return self.participant(new_label or label)

    # ------------------------------------------------------------------ sources
    def import_transcript(self, path: str | Path, name: str | None = None) -> Source:
        """Parse a transcript file and store it (one action). Nothing is written on error."""

        p = Path(path)
        refuse_database_file(p, "transcript")  # before any read: see mpu_qual.fileio
        parsed = parse_file(p)
        digest = hashlib.sha256(p.read_bytes()).hexdigest()
        dup = self.conn.execute("SELECT name FROM sources WHERE sha256 = ?", [digest]).fetchone()
        if dup:
            raise MpuQualError(
                f"this file is already in the project as '{dup[0]}'",
                path=p,
                hint="Remove that transcript first to import it again.",
            )
        return self.add_transcript(name or p.stem, parsed, original_path=str(p), sha256=digest)

    def add_transcript(
        self,
        name: str,
        parsed: ParsedTranscript,
        *,
        original_path: str | None = None,
        sha256: str | None = None,
        media_path: str | None = None,
        duration_ms: int | None = None,
    ) -> Source:
        """Store a parsed transcript: the text exactly as given, one segment per turn."""
        name = name.strip()
        if not name:
            raise MpuQualError("a transcript needs a name", field="name")
        if not parsed.segments:
            raise MpuQualError("the transcript has no segments", path=original_path)
        if self.conn.execute("SELECT 1 FROM sources WHERE name = ?", [name]).fetchone():
            raise MpuQualError(
                f"a transcript named '{name}' already exists",
                path=original_path,
                hint="Pass --name to import it under another name.",
            )
        text = parsed.full_text()
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise MpuQualError(
                "text contains an unpaired surrogate character",
                path=original_path,
                line=text.count("\n", 0, exc.start) + 1,
            ) from None
        if duration_ms is None:
            ends = [s.end_ms for s in parsed.segments if s.end_ms is not None]
            duration_ms = max(ends) if ends else None
        self._bulk("import")
        with self.action(f"Import transcript {name}", kind="import") as conn:
            sid = conn.execute(
                "INSERT INTO sources (name, kind, text, length, format, original_path, sha256, "
                "metadata, media_path, duration_ms) VALUES (?, 'transcript', ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    name,
                    text,
                    len(text),
                    parsed.format,
                    original_path,
                    sha256,
                    json.dumps(parsed.metadata, ensure_ascii=False, default=str),
                    media_path,
                    duration_ms,
                ],
            ).lastrowid
            pids: dict[str, int] = {}
            rows = []
            for idx, (seg, (start, end)) in enumerate(
                zip(parsed.segments, parsed.spans(), strict=True)
            ):
                pid = None
                if seg.speaker:
                    if seg.speaker not in pids:
                        pids[seg.speaker] = self._ensure_participant(conn, seg.speaker)
                    pid = pids[seg.speaker]
                rows.append(
                    (
                        sid,
                        idx,
                        seg.speaker,
                        pid,
                        start,
                        end,
                        seg.start_ms,
                        seg.end_ms,
                        json.dumps(seg.meta, ensure_ascii=False, default=str),
                    )
                )
            with rows_checked_per_source(conn):  # checked and indexed once, not per row
                conn.executemany(
                    "INSERT INTO segments (source_id, idx, speaker, participant_id, start, end, "
                    "start_ms, end_ms, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
            check_and_index_source(conn, sid, text, index_segments=True)
        return self.source(name)

    def source_summaries(self) -> list[dict[str, Any]]:
        """Per transcript: name, segments, speakers, duration, coded share (no text)."""
        rows = self.conn.execute(
            """
            SELECT s.id, s.name, s.length, s.duration_ms, s.format,
                   (SELECT count(*) FROM segments g WHERE g.source_id = s.id),
                   (SELECT count(DISTINCT speaker) FROM segments g WHERE g.source_id = s.id),
                   (SELECT count(*) FROM codings c WHERE c.source_id = s.id)
            FROM sources s ORDER BY s.name
            """
        ).fetchall()
        out = []
        for sid, name, length, dur, fmt, nseg, nspk, ncod in rows:
            out.append(
                {
                    "id": sid,
                    "name": name,
                    "length": length,
                    "duration_ms": dur,
                    "format": fmt,
                    "segments": nseg,
                    "speakers": nspk,
                    "codings": ncod,
                    "coded_share": self._coded_share(sid, length),
                }
            )
        return out

    def _coded_share(self, source_id: int, length: int) -> float:
        """Share of characters covered by at least one coding (overlaps counted once)."""
        if not length:
            return 0.0
        spans = self.conn.execute(
            "SELECT start, end FROM codings WHERE source_id = ? ORDER BY start", [source_id]
        ).fetchall()
        covered = 0
        cur_s = cur_e = -1
        for s, e in spans:
            if s > cur_e:
                covered += max(0, cur_e - cur_s)
                cur_s, cur_e = s, e
            else:
                cur_e = max(cur_e, e)
        covered += max(0, cur_e - cur_s)
        return covered / length

    def sources(self) -> list[Source]:
        return [
            self._source_row(r)
            for r in self.conn.execute(
                "SELECT id, name, kind, text, length, format, metadata, media_path, duration_ms, "
                "imported_at FROM sources ORDER BY name"
            )
        ]

    @staticmethod
    def _source_row(r: tuple) -> Source:
        return Source(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), r[7], r[8], r[9])

    def source(self, name_or_id: str | int) -> Source:
        if isinstance(name_or_id, int):
            where, arg = "id = ?", name_or_id
        else:
            where, arg = "name = ?", name_or_id
        r = self.conn.execute(
            "SELECT id, name, kind, text, length, format, metadata, media_path, duration_ms, "
            f"imported_at FROM sources WHERE {where}",
            [arg],
        ).fetchone()
        if r is None and isinstance(name_or_id, str) and name_or_id.isdigit():
            return self.source(int(name_or_id))
        if r is None:
            names = ", ".join(s["name"] for s in self.source_summaries()[:10]) or "none yet"
            raise NotFound(
                f"no transcript '{name_or_id}'",
                field="source",
                hint=f"Transcripts in this project: {names}.",
            )
        return self._source_row(r)

    def segments(self, source: str | int | Source) -> list[Segment]:
        sid = source.id if isinstance(source, Source) else self.source(source).id
        return [
            Segment(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], json.loads(r[9]))
            for r in self.conn.execute(
                "SELECT id, source_id, idx, speaker, participant_id, start, end, start_ms, end_ms, "
                "meta FROM segments WHERE source_id = ? ORDER BY idx",
                [sid],
            )
        ]

    def to_parsed(self, source: str | int | Source) -> ParsedTranscript:
        """A stored transcript as a ParsedTranscript (for export)."""
        src = source if isinstance(source, Source) else self.source(source)
        segs = [
            ParsedSegment(
                text=src.text[g.start : g.end],
                speaker=g.speaker,
                start_ms=g.start_ms,
                end_ms=g.end_ms,
                meta=g.meta,
            )
            for g in self.segments(src)
        ]
        return ParsedTranscript(segments=segs, metadata=src.metadata, format=src.format or "txt")

    def export_transcript(self, source: str | int | Source, fmt: str) -> str:

        return write(self.to_parsed(source), fmt)

    def remove_source(self, name: str) -> int:
        """Delete a transcript with its segments and codings (undoable). Returns codings removed."""
        src = self.source(name)
        n = self.conn.execute(
            "SELECT count(*) FROM codings WHERE source_id = ?", [src.id]
        ).fetchone()[0]
        with self.action(f"Remove transcript {src.name}", kind="source") as conn:
            conn.execute("DELETE FROM sources WHERE id = ?", [src.id])
        return n

    def set_segment_speaker(self, segment_ids: Iterable[int], label: str) -> int:
        """Assign speaker ``label`` to segments (one action); creates the participant."""
        ids = list(segment_ids)
        label = label.strip()
        if not label:
            raise MpuQualError("speaker label cannot be empty", field="speaker")
        if not ids:
            return 0
        with self.action(f"Set speaker {label} on {len(ids)} segments", kind="participant") as conn:
            pid = self._ensure_participant(conn, label)
            n = 0
            for chunk in range(0, len(ids), 500):
                part = ids[chunk : chunk + 500]
                n += conn.execute(
                    f"UPDATE segments SET speaker = ?, participant_id = ? "
                    f"WHERE id IN ({','.join('?' * len(part))})",
                    [label, pid, *part],
                ).rowcount
            if n != len(ids):
                raise MpuQualError(f"{len(ids) - n} of the segments do not exist", field="segment")
        return n

    # ------------------------------------------------------------------ codings
    def _check_span(self, src: Source, start: int, end: int) -> None:
        if (
            isinstance(start, bool)
            or isinstance(end, bool)
            or not isinstance(start, int)
            or not isinstance(end, int)
        ):
            raise MpuQualError("start and end must be whole numbers", field="span")
        if not (0 <= start < end <= src.length):
            raise MpuQualError(
                f"span {start}-{end} is outside the transcript '{src.name}' "
                f"(valid: 0 <= start < end <= {src.length})",
                field="span",
            )

    def add_coding(
        self,
        source: str | int | Source,
        start: int,
        end: int,
        code_id: str,
        *,
        memo: str | None = None,
        coder: str | None = None,
    ) -> Coding:
        """Code text[start:end] of a transcript with one code (one undoable action)."""
        return self.add_codings(source, start, end, [code_id], memo=memo, coder=coder)[0]

    def add_codings(
        self,
        source: str | int | Source,
        start: int,
        end: int,
        code_ids: list[str],
        *,
        memo: str | None = None,
        coder: str | None = None,
    ) -> list[Coding]:
        """Apply several codes to one span as a single action."""
        src = source if isinstance(source, Source) else self.source(source)
        self._check_span(src, start, end)
        if not code_ids:
            raise MpuQualError("choose at least one code", field="code")
        for cid in code_ids:
            self.code(cid)
        quote = src.text[start:end]
        label = ", ".join(code_ids)
        ids = []
        with self.action(f"Code {label} in {src.name}", kind="coding") as conn:
            for cid in code_ids:
                ids.append(
                    conn.execute(
                        "INSERT INTO codings (source_id, code_id, start, end, quote, memo, coder) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [src.id, cid, start, end, quote, memo or None, coder or default_coder()],
                    ).lastrowid
                )
        return [self.coding(i) for i in ids]

    def update_coding(
        self,
        coding_id: int,
        *,
        start: int | None = None,
        end: int | None = None,
        memo: str | None = None,
        code_id: str | None = None,
    ) -> Coding:
        """Re-scope a coding, change its code, or set its memo ('' clears it)."""
        c = self.coding(coding_id)
        src = self.source(c.source_id)
        new_start = c.start if start is None else start
        new_end = c.end if end is None else end
        self._check_span(src, new_start, new_end)
        if code_id is not None:
            self.code(code_id)
        with self.action(f"Edit coding {coding_id}", kind="coding") as conn:
            # Re-read inside the transaction: another window may have changed the fields this
            # call leaves alone since the checks above (it would put back their old values).
            c = self.coding(coding_id)
            new_start = c.start if start is None else start
            new_end = c.end if end is None else end
            self._check_span(src, new_start, new_end)
            conn.execute(
                "UPDATE codings SET start = ?, end = ?, quote = ?, memo = ?, code_id = ? WHERE id = ?",
                [
                    new_start,
                    new_end,
                    src.text[new_start:new_end],
                    c.memo if memo is None else (memo or None),
                    code_id or c.code_id,
                    coding_id,
                ],
            )
        return self.coding(coding_id)

    def remove_coding(self, coding_id: int) -> Coding:
        c = self.coding(coding_id)
        with self.action(f"Remove coding {coding_id} ({c.code_id})", kind="coding") as conn:
            conn.execute("DELETE FROM codings WHERE id = ?", [coding_id])
        return c

    _CODING_SQL = """
        SELECT c.id, c.source_id, c.code_id, c.start, c.end, c.quote, c.memo, c.coder,
               c.created_at, s.name, p.label, p.group_id, g.start_ms, g.end_ms
        FROM codings c
        JOIN sources s ON s.id = c.source_id
        LEFT JOIN segments g ON g.id = (
            SELECT id FROM segments x WHERE x.source_id = c.source_id AND x.start <= c.start
            ORDER BY x.start DESC LIMIT 1)
        LEFT JOIN participants p ON p.id = g.participant_id
    """

    def coding(self, coding_id: int) -> Coding:
        r = self.conn.execute(self._CODING_SQL + " WHERE c.id = ?", [coding_id]).fetchone()
        if r is None:
            raise NotFound(
                f"no coding with id {coding_id}",
                field="coding",
                hint="List codings with 'mpu-qual code list'.",
            )
        return Coding(*r)

    def codings(
        self,
        *,
        code: str | None = None,
        participant: str | None = None,
        source: str | int | None = None,
        group: str | None = None,
        include_subcodes: bool = False,
    ) -> list[Coding]:
        """Codings in transcript order, filtered; the participant is whoever speaks at start."""
        where: list[str] = []
        args: list[Any] = []
        if code is not None:
            self.code(code)
            ids = self.descendant_ids(code) if include_subcodes else [code]
            where.append(f"c.code_id IN ({','.join('?' * len(ids))})")
            args += ids
        if participant is not None:
            self.participant(participant)
            where.append("p.label = ?")
            args.append(participant)
        if group is not None:
            where.append("p.group_id = ?")
            args.append(self.resolve_group(group))
        if source is not None:
            where.append("c.source_id = ?")
            args.append(self.source(source).id)
        sql = self._CODING_SQL + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY s.name, c.start, c.end, c.id"
        return [Coding(*r) for r in self.conn.execute(sql, args)]

    def codings_in_range(self, source_id: int, start: int, end: int) -> list[Coding]:
        """Codings overlapping [start, end) of one source (for the transcript view)."""
        sql = (
            self._CODING_SQL
            + " WHERE c.source_id = ? AND c.start < ? AND c.end > ? ORDER BY c.start"
        )
        return [Coding(*r) for r in self.conn.execute(sql, [source_id, end, start])]

    # ------------------------------------------------------------------ auto-code
    def _unit_span(
        self, text: str, seg_start: int, seg_end: int, hit_s: int, hit_e: int, unit: str
    ) -> tuple[int, int]:
        if unit == "match":
            return hit_s, hit_e
        if unit == "segment":
            return seg_start, seg_end
        # sentence: the sentence(s) around the hit, inside the segment
        s = seg_start
        for m in _SENTENCE_END.finditer(text, seg_start, seg_end):
            if m.end() <= hit_s:
                s = m.end()
            else:
                break
        e = seg_end
        for m in _SENTENCE_END.finditer(text, hit_e, seg_end):
            e = m.end()
            break
        while e > s and text[e - 1].isspace():
            e -= 1
        return s, e

    def autocode(
        self,
        code_id: str,
        *,
        phrase: str | None = None,
        regex: str | None = None,
        unit: str = "segment",
        dry_run: bool = False,
        sources: list[str] | None = None,
        memo: str | None = None,
        coder: str | None = None,
    ) -> AutocodeResult:
        """Code every passage matching a phrase (case-insensitive) or a regex, as one action."""
        if (phrase is None) == (regex is None):
            raise MpuQualError("give exactly one of --phrase or --regex")
        if unit not in ("segment", "sentence", "match"):
            raise MpuQualError(f"unknown unit '{unit}'", hint="Use segment, sentence or match.")
        self.code(code_id)
        if phrase is not None:
            if not phrase.strip():
                raise MpuQualError("the phrase is empty", field="phrase")
            pattern = phrase_pattern(phrase)
        else:
            try:
                pattern = re.compile(regex or "", re.IGNORECASE)
            except re.error as exc:
                raise MpuQualError(f"invalid regular expression: {exc}", field="regex") from None
        srcs = [self.source(n) for n in sources] if sources else self.sources()
        spans: list[tuple[int, int, int]] = []
        for src in srcs:
            segs = [(g.start, g.end) for g in self.segments(src)]
            seen: set[tuple[int, int]] = set()
            for seg_s, seg_e in segs:
                for m in pattern.finditer(src.text, seg_s, seg_e):
                    if m.end() == m.start():
                        continue
                    span = self._unit_span(src.text, seg_s, seg_e, m.start(), m.end(), unit)
                    if span[1] > span[0] and span not in seen:
                        seen.add(span)
                        spans.append((src.id, span[0], span[1]))
        coder = coder or default_coder()
        existing = set(
            self.conn.execute(
                "SELECT source_id, start, end FROM codings WHERE code_id = ? AND coder IS ?",
                [code_id, coder],
            ).fetchall()
        )
        new = [s for s in spans if s not in existing]
        if dry_run or not new:
            return AutocodeResult(code_id, spans, 0, len(spans) - len(new), dry_run)
        self._bulk("autocode")
        texts = {s.id: s.text for s in srcs}
        what = phrase if phrase is not None else f"/{regex}/"
        with self.action(
            f"Auto-code {code_id} where '{what}' ({len(new)} passages)", kind="autocode"
        ) as conn:
            # Read again under the write lock: another window may have coded meanwhile.
            existing = set(
                conn.execute(
                    "SELECT source_id, start, end FROM codings WHERE code_id = ? AND coder IS ?",
                    [code_id, coder],
                ).fetchall()
            )
            new = [s for s in new if s not in existing]
            conn.executemany(
                "INSERT INTO codings (source_id, code_id, start, end, quote, memo, coder) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(sid, code_id, s, e, texts[sid][s:e], memo, coder) for sid, s, e in new],
            )
        return AutocodeResult(code_id, spans, len(new), len(spans) - len(new), False)

    # ------------------------------------------------------------------ search
    def search(
        self, query: str, *, limit: int = 200, source: str | int | None = None
    ) -> list[SearchHit]:
        """Find text in every transcript (case-insensitive; Chinese substrings too)."""
        q = query.strip()
        if not q:
            return []
        if "\x00" in q:
            raise MpuQualError("the search text contains a NUL character", field="query")
        try:
            q.encode("utf-8")
        except UnicodeEncodeError:
            raise MpuQualError(
                "the search text contains a character that is not valid text (an unpaired "
                "surrogate)",
                field="query",
            ) from None
        src_filter = self.source(source).id if source is not None else None
        pattern = re.compile(re.escape(q), re.IGNORECASE)
        hits: list[SearchHit] = []
        texts: dict[int, str] = {}

        def collect(rows: Iterable[tuple]) -> bool:
            """Add the matches in each segment; True once ``limit`` hits are found.

            Segment text is sliced from the source text in Python: asking SQLite for
            substr(s.text, ...) per row re-reads the whole transcript for every row.
            """
            for seg_id, sid, name, speaker, gs, ge, start_ms in rows:
                if sid not in texts:
                    texts[sid] = self.conn.execute(
                        "SELECT text FROM sources WHERE id = ?", [sid]
                    ).fetchone()[0]
                seg_text = texts[sid][gs:ge]
                for m in pattern.finditer(seg_text):
                    a, b = max(0, m.start() - 30), min(len(seg_text), m.end() + 30)
                    hits.append(
                        SearchHit(
                            sid,
                            name,
                            seg_id,
                            speaker,
                            gs + m.start(),
                            gs + m.end(),
                            seg_text[a:b].replace("\n", " "),
                            start_ms,
                        )
                    )
                    if len(hits) >= limit:
                        return True
            return False

        cols = "g.id, g.source_id, s.name, g.speaker, g.start, g.end, g.start_ms"
        if len(q) >= 3:
            sql = (
                f"SELECT {cols} FROM segments_fts f JOIN segments g ON g.id = f.rowid "
                "JOIN sources s ON s.id = g.source_id WHERE segments_fts MATCH ?"
            )
            args: list[Any] = ['"' + q.replace('"', '""') + '"']
            if src_filter is not None:
                sql += " AND g.source_id = ?"
                args.append(src_filter)
            collect(self.conn.execute(sql + " ORDER BY s.name, g.start", args))
            return hits
        # One or two characters: the trigram index cannot help. Check each transcript as a
        # whole first (one instr per transcript), then its segments, in name order, and stop
        # at ``limit``: common terms end early, rare ones cost one pass over the text.
        where: list[str] = []
        args = []
        if src_filter is not None:
            where.append("id = ?")
            args.append(src_filter)
        if q.isascii():
            # SQLite's lower() folds ASCII only, which is exact for an ASCII query: rare terms
            # are ruled out inside SQLite without copying every transcript into Python.
            where.append("instr(lower(text), ?) > 0")
            args.append(q.lower())
        sql = "SELECT id FROM sources" + (" WHERE " + " AND ".join(where) if where else "")
        for (sid,) in self.conn.execute(sql + " ORDER BY name", args).fetchall():
            texts[sid] = self.conn.execute(
                "SELECT text FROM sources WHERE id = ?", [sid]
            ).fetchone()[0]
            # Python's case folding, as in collect(): SQLite's lower() folds ASCII only, so
            # a search for 'É' would skip a transcript that has only 'é'.
            found = pattern.search(texts[sid]) is not None
            if found and collect(
                self.conn.execute(
                    f"SELECT {cols} FROM segments g JOIN sources s ON s.id = g.source_id "
                    "WHERE g.source_id = ? ORDER BY g.start",
                    [sid],
                )
            ):
                break
        return hits


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
