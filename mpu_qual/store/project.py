"""The project: one SQLite file plus its codebook and transcripts folder.

``Project`` is a small facade: it opens and sets up the folder and owns the write API (every
write is one ``transaction``; user actions also go through the undo journal with ``action``).
Each concern has an object of its own, as sqlite-utils gives a table its own object:
``project.codes``, ``.codebook``, ``.participants``, ``.sources``, ``.segment_edits``,
``.speakers``, ``.voices``, ``.codings``, ``.memos``, ``.history``, ``.team``,
``.transcription_runs``, ``.job_ads``, ``.evidence_links`` and
``project.search(...)``. Front ends (CLI, TUI) call only this API.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

from mpu_qual.codebook import load_codebook
from mpu_qual.errors import MpuQualError, ProjectNotFound
from mpu_qual.fileio import write_bytes_atomic
from mpu_qual.safety.access import write_error
from mpu_qual.safety.checks import read_snapshot
from mpu_qual.safety.notices import notify
from mpu_qual.store import autobackup
from mpu_qual.store.codebook_sync import CodebookFile
from mpu_qual.store.codes import Codes
from mpu_qual.store.codings import Codings
from mpu_qual.store.connection import ProjectReadOnly, connect, inserted_id
from mpu_qual.store.evidence_links import EvidenceLinks
from mpu_qual.store.health import check_on_open, database_error
from mpu_qual.store.history import History, touched_codes
from mpu_qual.store.job_ads import JobAds
from mpu_qual.store.memos import Memos
from mpu_qual.store.migrations import apply_all
from mpu_qual.store.participants import Participants
from mpu_qual.store.records import SearchHit
from mpu_qual.store.search import search_text
from mpu_qual.store.segment_edits import SegmentEditor
from mpu_qual.store.sources import Sources
from mpu_qual.store.speaker_assignment import Speakers
from mpu_qual.store.team_reads import TeamReads
from mpu_qual.store.transcription_runs import TranscriptionRuns
from mpu_qual.store.voices import Voices
from mpu_qual.transcript_files.formats import is_transcript_file

DB_NAME = "project.db"
CODEBOOK_NAME = "codebook.yaml"
RULES_NAME = "jobrules.yaml"  # the job-ad rules (evidence/rules.py reads them)
TRANSCRIPTS_DIR = "transcripts"
BUNDLED_CODEBOOK = Path(__file__).resolve().parent.parent / "data" / "codebook.yaml"
BUNDLED_RULES = Path(__file__).resolve().parent.parent / "data" / "jobrules.yaml"


class Project:
    """An open project. Use ``Project.open`` or ``Project.init``; close it when done."""

    def __init__(self, folder: Path, db: sqlite_utils.Database, *, readonly: bool = False):
        self.folder = folder
        self.db = db
        self.readonly = readonly
        # One object per concern, as sqlite-utils gives each table its own (store/<name>.py).
        self.codebook = CodebookFile(self)
        self.codes = Codes(self)
        self.participants = Participants(self)
        self.sources = Sources(self)
        self.segment_edits = SegmentEditor(self)  # correct segments in place (segment_edits.py)
        self.speakers = Speakers(self)  # label many segments at once (speaker_assignment.py)
        self.voices = Voices(self)  # diarized voices to participants (voices.py)
        self.codings = Codings(self)
        self.history = History(self)
        self.memos = Memos(self)
        self.team = TeamReads(self)  # coders, agreement units, review, merge (team_reads.py)
        self.transcription_runs = TranscriptionRuns(self)  # checkpoints (transcription_runs.py)
        self.job_ads = JobAds(self)  # import, reclassify, report tables, search (job_ads.py)
        self.evidence_links = EvidenceLinks(self)  # links and saved queries (evidence_links.py)
        # Automatic backups (store/autobackup.py) before bulk operations (import, auto-code,
        # merge, codebook sync) and, as kind "open", before the first write after opening;
        # switched on by open() and init().
        self.auto_backups = False
        self._first_write = True
        self.open_backup: autobackup.OpenBackup | None = None  # autobackup.start_open
        self.transactions = 0  # outermost transactions begun (backups tell them apart)
        self.backed_up_transaction: int | None = None  # whose starting state is saved
        # Why the project was opened read-only (safety checks that failed), for front ends.
        self.open_problems: list[Any] = []
        # ... or because it cannot be written (safety.access.ReadOnly: file, folder, disk).
        self.read_only_reason: Any = None
        self._data_version: int | None = None  # see changed_elsewhere

    def changed_elsewhere(self) -> bool:
        """Whether another connection (another window, the CLI) committed a change since the
        last call (the first call: True). A screen that keeps what it read may then patch it
        with its own changes; after another's, it reads everything again."""
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        changed = version != self._data_version
        self._data_version = version
        return changed

    @property
    def db_path(self) -> Path:
        """The project's SQLite file, ``project.db``."""
        return self.folder / DB_NAME

    @property
    def codebook_path(self) -> Path:
        """The project's ``codebook.yaml``."""
        return self.folder / CODEBOOK_NAME

    @property
    def transcripts_dir(self) -> Path:
        """The ``transcripts/`` folder read when a project is set up."""
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
        made = [root, root / TRANSCRIPTS_DIR, root / CODEBOOK_NAME, root / RULES_NAME]
        made = [p for p in made if not p.exists()]  # what a failed set-up must take away again
        # confidential recordings and transcripts: private folders whatever the umask
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        (root / TRANSCRIPTS_DIR).mkdir(mode=0o700, exist_ok=True)
        if source_cb is not None and source_cb.resolve() != (root / CODEBOOK_NAME).resolve():
            write_bytes_atomic(root / CODEBOOK_NAME, Path(source_cb).read_bytes())
        if not (root / RULES_NAME).exists():  # a job-ad rules file to edit, as shipped
            write_bytes_atomic(root / RULES_NAME, BUNDLED_RULES.read_bytes())
        project = cls(root, connect(root / DB_NAME))
        try:
            apply_all(project.db)
            project.codebook.sync()
            # The first load is the project's starting point, not an action to undo: undoing
            # it would empty the codes table while codebook.yaml still lists them.
            project.conn.execute("DELETE FROM actions")
            if import_transcripts:
                for path in sorted((root / TRANSCRIPTS_DIR).iterdir()):
                    if is_transcript_file(path):
                        project.sources.import_file(path)
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
        db_path = root / DB_NAME
        why = None
        try:
            db = connect(db_path, readonly=readonly)
        except ProjectReadOnly as exc:  # read-only file, folder or disk, or a full disk
            why, readonly = exc.why, True
            db = connect(db_path, readonly=True, why=why)
            notify("warning", f"{db_path}: {why.notice}.")
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
                raise database_error(exc, root / DB_NAME) from None
        project = cls(root, db, readonly=readonly)
        project.open_problems = problems
        project.read_only_reason = why
        if not readonly:
            project._protect()
        return project

    @property
    def first_write_pending(self) -> bool:
        """Whether this session has not written yet (its first write is backed up first)."""
        return self._first_write

    def back_up_in_background(self) -> None:
        """Start the automatic backup of the project as opened now, in a thread, so that the
        first write does not wait for it (see store/autobackup.py)."""
        autobackup.start_open(self)

    def _protect(self) -> None:
        """Automatic backups from now on; finish a codebook.yaml write a crash cut off."""
        self.auto_backups = True
        self.codebook.reconcile_file()

    def close(self) -> None:
        """Close the database connection (errors ignored: nothing is pending)."""
        if self.open_backup is not None:  # let a backup under way finish (its own file)
            try:
                self.open_backup.wait()
            except MpuQualError:
                pass
            self.open_backup = None
        try:
            self.db.close()
        except Exception:
            pass

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def conn(self) -> sqlite3.Connection:
        """The raw ``sqlite3`` connection (autocommit: writes go through ``transaction``)."""
        return self.db.conn

    def snapshot(self) -> AbstractContextManager[sqlite3.Connection]:
        """Reads that see one committed state, for work made of several queries (an export,
        a summary): a window that commits meanwhile is never half-seen. No writes inside."""
        return read_snapshot(self.conn)

    def check_writable(self) -> None:
        """Raise unless the project can be written (it opens read-only after failed checks,
        and when its file, folder or disk is read-only or the disk is full)."""
        if self.read_only_reason is not None:
            raise self.read_only_reason.error(self.db_path)
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
            self.prepare_bulk("open")  # the automatic backup of the project as it was opened
        try:
            conn.execute("BEGIN IMMEDIATE")
            self.transactions += 1
        except sqlite3.OperationalError as exc:  # busy, read-only, disk full: in plain words
            mapped = write_error(exc, self.db_path)
            if mapped is None:
                raise
            raise mapped from None
        try:
            yield conn
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            self.codebook.finish(committed=False)  # codebook.yaml as it was, too
            if isinstance(exc, UnicodeEncodeError):
                raise MpuQualError(
                    "the text contains a character that cannot be stored (an unpaired "
                    "surrogate, e.g. half of an emoji); nothing was changed",
                    hint="Remove or retype that character.",
                ) from None
            mapped = write_error(exc, self.db_path)  # disk full, read-only: rolled back
            if mapped is not None:
                raise mapped from None
            raise
        else:
            try:
                conn.execute("COMMIT")
            except BaseException as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                self.codebook.finish(committed=False)
                mapped = write_error(exc, self.db_path)
                if mapped is not None:
                    raise mapped from None
                raise
            self.codebook.finish(committed=True)

    @contextmanager
    def action(self, description: str, kind: str | None = None) -> Iterator[sqlite3.Connection]:
        """One undoable user action: one transaction, its row changes journaled."""
        if kind == "codebook":
            self.codebook.load()  # codebook.yaml is rewritten afterwards: it must be valid first
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
            action_id = inserted_id(cur)
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
            # codebook.yaml follows the codes with this commit (journaled: all or nothing). A
            # load from codebook.yaml leaves the file as the user wrote it (comments, `was:`).
            if kind == "codebook" or (kind != "codebook-sync" and touched_codes(conn, action_id)):
                self.codebook.write_file()

    def prepare_bulk(self, kind: str) -> None:
        """The automatic backup before a bulk operation of ``kind`` (import, autocode, merge,
        codebook sync, a job-ad import); see store/autobackup.py."""
        self.check_writable()
        autobackup.before_bulk(self, kind)

    def search(
        self, query: str, *, limit: int = 200, source: str | int | None = None
    ) -> list[SearchHit]:
        """Find text in every transcript (case-insensitive; Chinese substrings too)."""
        return search_text(self, query, limit=limit, source=source)
