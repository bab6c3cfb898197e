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
from mpu_qual.evidence.readers import open_reader
from mpu_qual.evidence.rules import Rules
from mpu_qual.evidence.text import dedup_key
from mpu_qual.fileio import refuse_database_file
from mpu_qual.safety.access import WriteRefused, write_error
from mpu_qual.store import Project
from mpu_qual.store.job_ads import AdWriter, JobAds

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

    def __init__(self, ads: AdWriter, clf: Classifier, report: FileReport) -> None:
        self.ads = ads
        self.clf = clf
        self.rules = clf.rules
        self.report = report
        self.days = dt.timedelta(days=self.rules.repost_days)
        self.terms: list[tuple[str, int]] = []

    def reject(self, line: int, err: RowError) -> None:
        r = self.report
        r.rejected += 1
        r.rejected_reasons[_reason_kind(err.reason)] += 1
        if len(r.rejections) < MAX_LISTED:
            r.rejections.append(Rejection(line, err.reason, err.field))

    def add(self, row: AdRow) -> None:
        ads = self.ads
        r = self.report
        if row.ad_ref is not None:
            if ads.ad_with_posting(row.platform, row.ad_ref) is not None:
                r.duplicates += 1
                r.duplicate_reasons["same platform and ad id as an imported posting"] += 1
                return
        key = dedup_key(row.title, row.company, row.description)
        day = row.posted_on
        iso = day.isoformat()  # once: it goes into several statements
        cand = ads.repost_candidate(
            key, (day - self.days).isoformat(), (day + self.days).isoformat(), iso
        )
        if cand is not None:
            ad_id, first = cand
            if row.ad_ref is None:
                if ads.has_unreferenced_posting(ad_id, row.platform, iso):
                    r.duplicates += 1
                    r.duplicate_reasons["same ad, platform and date as an imported posting"] += 1
                    return
            ads.add_posting(ad_id, row.platform, row.ad_ref, iso, row.title, row.line)
            if iso < first:
                self._make_earliest(ad_id, row, iso)
            r.duplicates += 1
            r.duplicate_reasons[
                f"repost of an ad (same title, company and description within "
                f"{self.rules.repost_days} days)"
            ] += 1
            return
        c = classify_row(self.clf, row)
        ad_id = ads.insert_ad(key, _shown(row, iso, c))
        ads.add_posting(ad_id, row.platform, row.ad_ref, iso, row.title, row.line)
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
            self.ads.add_terms(self.terms)
            self.terms.clear()

    def _make_earliest(self, ad_id: int, row: AdRow, iso: str) -> None:
        """An earlier posting of a known ad: the ad now shows it, and is classified by it."""
        self.ads.replace_ad(ad_id, _shown(row, iso, classify_row(self.clf, row)))


def _shown(row: AdRow, posted_on: str, c: _Classified) -> tuple[object, ...]:
    """What an ad shows, in the store's order (``AdWriter.insert_ad``)."""
    return (
        row.platform,
        row.ad_ref,
        posted_on,
        row.title,
        row.company,
        row.industry,
        row.description,
        c.sector,
        c.window,
        c.role,
        c.rule,
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
        ads: JobAds = project.job_ads
        with project.transaction() as conn:  # not undoable: a bulk import, backed up first
            done = ads.imported_at(conn, sha)
            if done is not None:
                report.status = "already imported"
                report.imported_at = done
                return report
            file_id = ads.add_import_file(
                conn, sha, p.name, str(p.resolve()), reader.format, reader.encoding
            )
            work = _FileImport(ads.writer(conn, file_id), clf, report)
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
            ads.index_new_ads(conn)
            ads.finish_import_file(
                conn,
                file_id,
                rows_read=report.rows_read,
                imported=report.imported,
                duplicates=report.duplicates,
                out_of_scope=report.out_of_scope,
                rejected=report.rejected,
            )
            if ads.meta("rules_sha256", conn) is None:
                ads.set_meta(conn, "rules_sha256", rules.sha256)
                ads.set_meta(conn, "skills_sha256", skills_fingerprint(rules))
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
    stored = project.job_ads.meta("rules_sha256")
    has_ads = project.job_ads.has_ads()
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
