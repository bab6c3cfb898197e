"""Bring a REFI-QDA project or codebook into mpu-qual, as one undoable action.

``import_qdpx(project, file)`` adds to the open project; ``import_qdpx_new(file, folder)``
creates a new project from the file alone. Either way the whole file is read and checked
first, then written in one transaction: on any error nothing is added and codebook.yaml is
restored.

- Codes become codebook entries. An mpu-qual export carries each code's id and Chinese label
  in its description and keeps them; other tools' codes get ids made from their names along
  the tree (``parent.child``, ASCII, so a Chinese-only name gets ``c`` + a short hash), which
  are stable: importing the same file again finds the same codes. Both labels are the code's
  name when no Chinese label is known. A code whose id already exists is reused, not copied.
- Text is kept exactly as in the file (CRLF and all), so positions keep pointing at the same
  characters. Segments are its lines, consecutive lines of one speaker turn joined; speakers
  come from cases whose selections cover a line (mpu-qual's own speaker turns, and the case
  selections other tools write).
- Cases become participants: a "Stakeholder group" (or "group") variable sets the group when
  it names one of the codebook's groups; other variables become attributes.
- Notes become memos: on a coding, its memo; on a code, source or the project, a memo row.
- Audio and video sources bring their transcript; PDF and picture sources are skipped with a
  warning, as are sources whose text lives outside the archive.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

from mpu_qual.codebook import Codebook, load_codebook, save_codebook
from mpu_qual.errors import MpuQualError
from mpu_qual.fileio import write_bytes_atomic, write_text_atomic
from mpu_qual.refi.import_plan import (
    ImportPlan,
    ImportReport,
    group_resolver,
    merged_codebook,
    place_sets,
    plan_codes,
    plan_import,
)
from mpu_qual.refi.reader import (
    RProject,
    read_qdc_book,
    read_qdpx,
)
from mpu_qual.refi.skipped import (
    refuse_if_lost,
)
from mpu_qual.store import Project
from mpu_qual.store.bulk_rows import check_and_index_source, rows_checked_per_source
from mpu_qual.store.project import BUNDLED_CODEBOOK

# ----------------------------------------------------------------------------- codes


# ----------------------------------------------------------------------------- sources


# ----------------------------------------------------------------------------- planning


# ----------------------------------------------------------------------------- applying
def _apply(
    project: Project,
    plan: ImportPlan,
    codebook_file: Path | None,
    file_name: str,
    report: ImportReport,
) -> ImportReport:
    backup = project.codebook_path.read_bytes()
    try:
        with project.action(f"Import {file_name}", kind="import") as conn:
            if codebook_file is not None:
                project.codebook.sync(codebook_file)
            for ps in plan.sources:
                src = project.sources.add(ps.name, ps.parsed, media_path=ps.media_path)
                with rows_checked_per_source(conn):  # checked once per source, not per row
                    project.codings.insert_rows(
                        conn,
                        [
                            (src.id, code, a, b, src.text[a:b], memo, coder, created)
                            for a, b, code, memo, coder, created in sorted(
                                set(ps.codings), key=_coding_key
                            )
                        ],
                    )
                check_and_index_source(conn, src.id, src.text, index_segments=False)
                report.codings += len(set(ps.codings))
                for title, text, author, created in ps.memos:
                    project.memos.insert(conn, src.id, None, title, text, author, created)
                    report.memos += 1
                report.sources.append(ps.name)
            for label, name, group, attrs in plan.participants:
                project.participants.set(label, name=name, group=group, attrs=attrs)
                report.participants += 1
            for code, title, text, author, created in plan.code_memos:
                project.memos.insert(conn, None, code, title, text, author, created)
                report.memos += 1
            for title, text, author, created in plan.project_memos:
                project.memos.insert(conn, None, None, title, text, author, created)
                report.memos += 1
    except sqlite3.DatabaseError as exc:
        _restore(project, backup)
        raise MpuQualError(f"the import was rolled back: {exc}", path=file_name) from None
    except BaseException:
        _restore(project, backup)
        raise
    return report


def _coding_key(row: tuple) -> tuple:
    return tuple("" if v is None else v for v in row)


def _restore(project: Project, backup: bytes) -> None:
    try:
        if project.codebook_path.read_bytes() != backup:
            write_bytes_atomic(project.codebook_path, backup)
    except OSError:
        pass


def _existing_names(project: Project) -> set[str]:
    return project.sources.names()


def import_qdpx(
    project: Project,
    path: str | Path,
    *,
    prefix: str = "",
    partial: bool = False,
    positions: str = "auto",
) -> ImportReport:
    """Add a .qdpx project's codes, sources, codings, cases and notes to ``project``.

    When anything in the file cannot come along (see skipped.py) nothing is written and the
    error lists it, unless ``partial``: then the rest is imported and the report lists it.
    """
    p = Path(path)
    rp = read_qdpx(p)
    cb = project.codebook.load()
    report = ImportReport(p.name, project.folder)
    names = _existing_names(project)
    plan = plan_import(cb, rp, str(p), prefix, names, group_resolver(cb), report, positions)
    refuse_if_lost(report.skipped, str(p), partial=partial)
    if not plan.new_codes:
        return _apply(project, plan, None, p.name, report)
    with tempfile.TemporaryDirectory(prefix="mpu-qual-import-") as tmp:
        cb_file = Path(tmp) / "codebook.yaml"
        # comments and layout of codebook.yaml kept
        write_text_atomic(cb_file, project.codebook.text_with_codes_added(plan.new_codes))
        return _apply(project, plan, cb_file, p.name, report)


def import_qdc(project: Project, path: str | Path) -> ImportReport:
    """Merge a .qdc codebook's codes into the project's codebook (one undoable action);
    its sets become audiences of new codes or memos (sets.py)."""
    p = Path(path)
    rcodes, rsets = read_qdc_book(p)
    cb = project.codebook.load()
    report = ImportReport(p.name, project.folder)
    mapping, new, reused = plan_codes(rcodes, cb, str(p))
    memos: list[tuple[str | None, str, str | None, str | None]] = []
    rp = RProject(name="", origin="", codes=rcodes, sets=rsets)
    new = place_sets(rp, mapping, new, cb, {}, memos, str(p), report)
    report.codes_added, report.codes_reused = [c.id for c in new], reused
    if not new and not memos:
        return report
    backup = project.codebook_path.read_bytes()
    with tempfile.TemporaryDirectory(prefix="mpu-qual-import-") as tmp:
        cb_file = Path(tmp) / "codebook.yaml"
        # comments and layout of codebook.yaml kept
        write_text_atomic(cb_file, project.codebook.text_with_codes_added(new))
        try:
            with project.action(f"Import {p.name}", kind="import") as conn:
                if new:
                    project.codebook.sync(cb_file)
                for title, text, author, created in memos:
                    project.memos.insert(conn, None, None, title, text, author, created)
                    report.memos += 1
        except BaseException:
            _restore(project, backup)
            raise
    return report


def import_qdpx_new(
    path: str | Path,
    folder: str | Path,
    *,
    prefix: str = "",
    partial: bool = False,
    positions: str = "auto",
) -> ImportReport:
    """Create a new project in ``folder`` from a .qdpx (stakeholder groups and audiences come
    from the bundled codebook). On error the folder is left as it was."""
    p, root = Path(path), Path(folder)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise MpuQualError(
            "the folder for the new project is not empty",
            path=root,
            hint="Name a new folder, or import into an open project with -p.",
        )
    rp = read_qdpx(p)
    base = load_codebook(BUNDLED_CODEBOOK)
    empty = Codebook(rp.name or p.stem, rp.name or p.stem, base.groups, base.audiences, [])
    report = ImportReport(p.name, root)
    plan = plan_import(empty, rp, str(p), prefix, set(), group_resolver(empty), report, positions)
    refuse_if_lost(report.skipped, str(p), partial=partial)
    if not plan.new_codes:
        raise MpuQualError(
            "the file has no codes, and a project needs a codebook",
            path=p,
            hint="Create the project with 'mpu-qual init', then import into it.",
        )
    created = not root.exists()
    try:
        with tempfile.TemporaryDirectory(prefix="mpu-qual-import-") as tmp:
            cb_file = Path(tmp) / "codebook.yaml"
            save_codebook(merged_codebook(empty, plan.new_codes), cb_file)
            project = Project.init(root, cb_file, import_transcripts=False)
        try:
            return _apply(project, plan, None, p.name, report)
        finally:
            project.close()
    except BaseException:
        if created:
            shutil.rmtree(root, ignore_errors=True)
        elif root.is_dir():
            for child in root.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink(missing_ok=True)
        raise
