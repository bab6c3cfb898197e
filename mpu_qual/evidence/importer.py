"""Import job-ad exports: stream rows, skip bad ones, merge reposts, classify, index.

One transaction per file: a file either imports completely (bad rows skipped and reported)
or, on an error that stops it, leaves nothing behind. A file whose bytes were imported before
(same SHA-256) adds nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mpu_qual.errors import MpuQualError
from mpu_qual.evidence.classify import Classifier
from mpu_qual.evidence.fields import AdRow, RowError, make_row
from mpu_qual.evidence.meta import get_meta, set_meta
from mpu_qual.evidence.readers import open_reader
from mpu_qual.evidence.rules import Rules
from mpu_qual.evidence.text import dedup_key
from mpu_qual.fileio import refuse_database_file
from mpu_qual.safety.access import WriteRefused, write_error
from mpu_qual.store import Project
from mpu_qual.store.connection import inserted_id

MAX_LISTED = 50  # rejected rows kept with their line for the report
PROGRESS_EVERY = 10_000
TERMS_BATCH = 5_000


@dataclass
class Rejection:
    line: int
    reason: str
    field: str | None = None


@dataclass
class FileReport:
    """What happened to one file. ``status``: imported, already imported, or failed."""

    path: str
    format: str = ""
    encoding: str | None = None
    status: str = "imported"
    rows_read: int = 0
    imported: int = 0
    duplicates: int = 0
    out_of_scope: int = 0
    rejected: int = 0
    duplicate_reasons: Counter[str] = field(default_factory=Counter)
    out_of_scope_reasons: Counter[str] = field(default_factory=Counter)
    rejected_reasons: Counter[str] = field(default_factory=Counter)
    rejections: list[Rejection] = field(default_factory=list)
    error: MpuQualError | None = None
    imported_at: str | None = None


@dataclass
class ImportReport:
    files: list[FileReport]
    rules_changed: bool = False

    def total(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)

    @property
    def failed(self) -> list[FileReport]:
        return [f for f in self.files if f.status == "failed"]


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class _Classified:
    sector: str | None
    window: str | None
    role: str
    rule: int | None


def classify_row(clf: Classifier, row: AdRow) -> _Classified:
    sm = clf.sector_for(row.industry)
    rm = clf.role_for(row.title)
    return _Classified(
        sm.sector if sm else None, clf.rules.window_for(row.posted_on), rm.role, rm.rule
    )


class _FileImport:
    """The per-file work, inside its transaction."""

    def __init__(
        self, conn: sqlite3.Connection, clf: Classifier, report: FileReport, file_id: int
    ) -> None:
        self.conn = conn
        self.clf = clf
        self.rules = clf.rules
        self.report = report
        self.file_id = file_id
        self.days = dt.timedelta(days=self.rules.repost_days)
        self.terms: list[tuple[str, int]] = []

    def reject(self, line: int, err: RowError) -> None:
        r = self.report
        r.rejected += 1
        r.rejected_reasons[_reason_kind(err.reason)] += 1
        if len(r.rejections) < MAX_LISTED:
            r.rejections.append(Rejection(line, err.reason, err.field))

    def add(self, row: AdRow) -> None:
        conn = self.conn
        r = self.report
        if row.ad_ref is not None:
            hit = conn.execute(
                "SELECT job_ad_id FROM job_ad_postings WHERE platform = ? AND ad_ref = ?",
                [row.platform, row.ad_ref],
            ).fetchone()
            if hit is not None:
                r.duplicates += 1
                r.duplicate_reasons["same platform and ad id as an imported posting"] += 1
                return
        key = dedup_key(row.title, row.company, row.description)
        day = row.posted_on
        cand = conn.execute(
            "SELECT id, posted_on FROM job_ads WHERE dedup_key = ? AND posted_on BETWEEN ? AND ? "
            "ORDER BY abs(julianday(posted_on) - julianday(?)), id LIMIT 1",
            [key, (day - self.days).isoformat(), (day + self.days).isoformat(), day.isoformat()],
        ).fetchone()
        if cand is not None:
            ad_id, first = cand
            if row.ad_ref is None:
                same = conn.execute(
                    "SELECT 1 FROM job_ad_postings WHERE job_ad_id = ? AND platform = ? "
                    "AND ad_ref IS NULL AND posted_on = ? LIMIT 1",
                    [ad_id, row.platform, day.isoformat()],
                ).fetchone()
                if same is not None:
                    r.duplicates += 1
                    r.duplicate_reasons["same ad, platform and date as an imported posting"] += 1
                    return
            self._posting(ad_id, row)
            if day.isoformat() < first:
                self._make_earliest(ad_id, row)
            r.duplicates += 1
            r.duplicate_reasons[
                f"repost of an ad (same title, company and description within "
                f"{self.rules.repost_days} days)"
            ] += 1
            return
        c = classify_row(self.clf, row)
        cur = conn.execute(
            "INSERT INTO job_ads (dedup_key, platform, ad_ref, posted_on, title, company, "
            "industry, description, sector, window, role, role_rule, file_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                key,
                row.platform,
                row.ad_ref,
                day.isoformat(),
                row.title,
                row.company,
                row.industry,
                row.description,
                c.sector,
                c.window,
                c.role,
                c.rule,
                self.file_id,
            ],
        )
        ad_id = inserted_id(cur)
        self._posting(ad_id, row)
        for t in self.clf.terms_in(row.description):
            self.terms.append((t, ad_id))
        if len(self.terms) >= TERMS_BATCH:
            self.flush()
        if c.sector is None:
            r.out_of_scope += 1
            what = f"'{row.industry}'" if row.industry else "(none given)"
            r.out_of_scope_reasons[f"industry {what} is in no sector"] += 1
        elif c.window is None:
            r.out_of_scope += 1
            r.out_of_scope_reasons["posted outside every survey window"] += 1
        else:
            r.imported += 1

    def flush(self) -> None:
        """Write the skill terms found so far (nothing reads them during the import)."""
        if self.terms:
            self.conn.executemany(
                "INSERT INTO job_ad_terms (term, job_ad_id) VALUES (?, ?)", self.terms
            )
            self.terms.clear()

    def _posting(self, ad_id: int, row: AdRow) -> None:
        self.conn.execute(
            "INSERT INTO job_ad_postings (job_ad_id, platform, ad_ref, posted_on, title, file_id, "
            "line) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                ad_id,
                row.platform,
                row.ad_ref,
                row.posted_on.isoformat(),
                row.title,
                self.file_id,
                row.line,
            ],
        )

    def _make_earliest(self, ad_id: int, row: AdRow) -> None:
        """An earlier posting of a known ad: the ad now shows it, and is classified by it."""
        c = classify_row(self.clf, row)
        self.conn.execute(
            "UPDATE job_ads SET platform = ?, ad_ref = ?, posted_on = ?, title = ?, company = ?, "
            "industry = ?, description = ?, sector = ?, window = ?, role = ?, role_rule = ? "
            "WHERE id = ?",
            [
                row.platform,
                row.ad_ref,
                row.posted_on.isoformat(),
                row.title,
                row.company,
                row.industry,
                row.description,
                c.sector,
                c.window,
                c.role,
                c.rule,
                ad_id,
            ],
        )


def _reason_kind(reason: str) -> str:
    """Group rejection reasons for the summary ('date '1/13/2024' ...' -> the general kind)."""
    if reason.startswith("date '") and "neither" in reason:
        return "date is neither ISO (2024-12-05) nor dd/mm/yyyy"
    if reason.startswith("date '") and "does not exist" in reason:
        return "date does not exist"
    if reason.startswith("row has "):
        return "wrong number of cells"
    if reason.startswith("not valid JSON"):
        return "not valid JSON"
    if reason.startswith("malformed CSV"):
        return "malformed CSV"
    return reason


def index_new_ads(conn: sqlite3.Connection) -> int:
    """Add ads not yet in the full-text index (in bulk: far faster than a trigger per row)."""
    upto = int(get_meta(conn, "fts_upto") or 0)
    top = conn.execute("SELECT coalesce(max(id), 0) FROM job_ads").fetchone()[0]
    if top > upto:
        conn.execute(
            "INSERT INTO job_ads_fts (rowid, title, company, description) "
            "SELECT id, title, company, description FROM job_ads WHERE id > ? ORDER BY id",
            [upto],
        )
        set_meta(conn, "fts_upto", str(top))
    return top - upto


def import_file(
    project: Project,
    path: str | Path,
    rules: Rules,
    *,
    mapping: dict[str, str] | None = None,
    platform: str | None = None,
    encoding: str | None = None,
    classifier: Classifier | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> FileReport:
    """Import one file (see module doc). File-level problems raise MpuQualError."""
    p = Path(path)
    refuse_database_file(p, "job-ad file")
    report = FileReport(path=str(p))
    clf = classifier or Classifier(rules)
    with open_reader(p, mapping or {}, encoding) as reader:
        report.format = reader.format
        report.encoding = reader.encoding
        missing = [f for f in ("title", "date", "industry") if f not in reader.fields]
        if "platform" not in reader.fields and not platform:
            missing.append("platform")
        if missing:
            raise MpuQualError(
                f"no column for {', '.join(missing)}",
                path=p,
                field=missing[0],
                hint=(
                    "Name the columns with --map COLUMN=FIELD"
                    + (" (or give --platform NAME)" if "platform" in missing else "")
                    + f"; columns here: {', '.join(repr(h) for h in reader.headings if h)}."
                ),
            )
        sha = file_sha256(p)
        with project.transaction() as conn:  # not undoable: a bulk import, backed up first
            done = conn.execute(
                "SELECT imported_at FROM import_files WHERE sha256 = ?", [sha]
            ).fetchone()
            if done is not None:
                report.status = "already imported"
                report.imported_at = done[0]
                return report
            file_id = inserted_id(
                conn.execute(
                    "INSERT INTO import_files (sha256, name, path, format, encoding) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [sha, p.name, str(p.resolve()), reader.format, reader.encoding],
                )
            )
            work = _FileImport(conn, clf, report, file_id)
            excel = reader.format == "xlsx"
            for line, values, err in reader:
                report.rows_read += 1
                if err is None:
                    assert values is not None
                    try:
                        work.add(make_row(line, values, platform=platform, excel=excel))
                    except RowError as exc:
                        err = exc
                if err is not None:
                    work.reject(line, err)
                if progress and report.rows_read % PROGRESS_EVERY == 0:
                    progress(p.name, report.rows_read)
            work.flush()
            index_new_ads(conn)
            conn.execute(
                "UPDATE import_files SET rows_read = ?, imported = ?, duplicates = ?, "
                "out_of_scope = ?, rejected = ? WHERE id = ?",
                [
                    report.rows_read,
                    report.imported,
                    report.duplicates,
                    report.out_of_scope,
                    report.rejected,
                    file_id,
                ],
            )
            if get_meta(conn, "rules_sha256") is None:
                set_meta(conn, "rules_sha256", rules.sha256)
                set_meta(conn, "skills_sha256", skills_fingerprint(rules))
    if progress:
        progress(p.name, report.rows_read)
    return report


def skills_fingerprint(rules: Rules) -> str:
    """Identifies the skill terms, so reclassify can skip re-reading descriptions."""
    h = hashlib.sha256()
    for t in rules.terms:
        h.update(repr((t.term, t.en, t.zh)).encode("utf-8"))
    return h.hexdigest()


def import_job_ads(
    project: Project,
    paths: Iterable[str | Path],
    rules: Rules,
    *,
    mapping: dict[str, str] | None = None,
    platform: str | None = None,
    encoding: str | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> ImportReport:
    """Import several files; a file that fails is reported and the others still import.

    The project is backed up first (one automatic backup for the whole import)."""
    clf = Classifier(rules)
    project.check_writable()
    project.prepare_bulk("jobs-import")
    stored = get_meta(project.conn, "rules_sha256")
    has_ads = project.conn.execute("SELECT 1 FROM job_ads LIMIT 1").fetchone() is not None
    out = ImportReport(files=[], rules_changed=bool(has_ads and stored and stored != rules.sha256))
    for path in paths:
        try:
            out.files.append(
                import_file(
                    project,
                    path,
                    rules,
                    mapping=mapping,
                    platform=platform,
                    encoding=encoding,
                    classifier=clf,
                    progress=progress,
                )
            )
        except WriteRefused as exc:  # busy, read-only, disk full: this file rolled back
            err = MpuQualError(
                f"{exc.message}; nothing from this file was imported",
                path=str(path),
                hint=exc.hint,
            )
            out.files.append(FileReport(path=str(path), status="failed", error=err))
        except MpuQualError as exc:
            if exc.path is None:
                exc.path = str(path)
            out.files.append(FileReport(path=str(path), status="failed", error=exc))
        except sqlite3.OperationalError as exc:  # the same, raised outside a transaction
            mapped = write_error(exc, project.db_path)
            err = MpuQualError(
                f"{mapped.message if mapped else f'the project database refused the import: {exc}'}"
                "; nothing from this file was imported",
                path=str(path),
                hint=mapped.hint
                if mapped
                else "Close other programs using the project, check free disk space, retry.",
            )
            out.files.append(FileReport(path=str(path), status="failed", error=err))
    return out
