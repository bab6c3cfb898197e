"""Data-safety commands: backup, restore, doctor, purge.

They work on the project files directly (not through ``Project.open``) where they must also
work on a project that fails to open. Notices from the library (read-only open, network
folder) are printed to stderr from here for every command.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from mpu_qual.cli import main, project_option
from mpu_qual.cli.core import project_dir
from mpu_qual.cli.output import echo, secho
from mpu_qual.errors import MpuQualError
from mpu_qual.figures import count
from mpu_qual.safety import backup as backups
from mpu_qual.safety.access import why_read_only
from mpu_qual.safety.checks import ERROR, INFO, WARNING, Finding
from mpu_qual.store import Project

_COLORS = {ERROR: "red", WARNING: "yellow", INFO: "cyan"}


def _age(created: datetime) -> str:
    secs = max(0, int((datetime.now(UTC) - created).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if secs >= size:
            return f"{secs // size} {unit} ago"
    return f"{secs} s ago"


def _size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(n)


def _list_backups(folder: Path) -> None:
    items = backups.list_backups(folder)
    if not items:
        echo("No backups yet. Make one with 'mpu-qual backup'.")
        return
    for b in items:
        echo(f"{b.name}  {b.kind:<6} {b.reason:<16} {_size(b.size):>10}  {_age(b.created)}")
    echo(f"{len(items)} backups in {backups.backups_dir(folder)}")


# ----------------------------------------------------------------------------- backup
@main.command("backup")
@project_option
@click.option("--reason", default="manual", show_default=True, help="Word(s) put in the file name.")
@click.option("--list", "list_only", is_flag=True, help="List the backups instead of making one.")
@click.option(
    "-o",
    "--output",
    type=click.Path(),
    help="Also write a copy to this file or folder (e.g. an external disk).",
)
@click.pass_context
def backup_cmd(ctx: click.Context, reason: str, list_only: bool, output: str | None) -> None:
    """Back up project.db now into backups/ (manual backups are never rotated away)."""
    folder = project_dir(ctx)
    if list_only:
        _list_backups(folder)
        return
    why = why_read_only(Path(folder) / backups.DB_NAME)
    if output and why is not None and why.reason in ("folder", "disk"):
        echo(f"note: {why.notice.split(':')[0]}: no backup in backups/.", err=True)
    else:
        info = backups.make_backup(folder, reason, kind="manual")
        echo(f"Backed up to {info.path} ({_size(info.size)}).")
    if output:
        target = backups.export_backup(folder, output)
        echo(f"Copied to {target}.")


# ----------------------------------------------------------------------------- restore
@main.command("restore")
@project_option
@click.argument("name", required=False)
@click.option("--latest", is_flag=True, help="Restore the newest backup that passes the checks.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def restore_cmd(ctx: click.Context, name: str | None, latest: bool, yes: bool) -> None:
    """Make backup NAME the project again (the current state is backed up first)."""
    from mpu_qual.maintenance.doctor import verify_database
    from mpu_qual.maintenance.restore import restore_backup

    folder = project_dir(ctx)
    why = why_read_only(Path(folder) / backups.DB_NAME)
    if why is not None:  # say so before asking anything
        raise why.error(Path(folder) / backups.DB_NAME)
    if latest:
        good = next(
            (b for b in backups.list_backups(folder) if not verify_database(b.path, quick=True)),
            None,
        )
        if good is None:
            raise MpuQualError("there is no backup that passes the checks", path=folder)
        name = good.name
    if not name:
        _list_backups(folder)
        raise MpuQualError(
            "say which backup to restore", hint="mpu-qual restore NAME (or --latest)."
        )
    info = backups.find_backup(folder, name)
    if not yes:
        click.confirm(
            f"Replace the project with {info.name} ({_age(info.created)})? The current state "
            "is kept as a 'before-restore' backup",
            abort=True,
            err=True,
        )
    report = restore_backup(folder, name)
    echo(f"Restored {report.restored.name}.")
    if report.safety_copy:
        echo(f"The project as it was is in {report.safety_copy}.")
    if report.codebook_rewritten:
        echo("codebook.yaml was rewritten to match the restored codes.")
    elif report.codebook_restored:
        echo("codebook.yaml was restored from the backup.")


# ----------------------------------------------------------------------------- doctor
def _print_finding(f: Finding) -> None:
    secho(f"{f.level.upper():<8}", fg=_COLORS.get(f.level), nl=False)
    echo(f"[{f.check}] {f.message}")
    for item in f.items[:10]:
        echo(f"         - {item}")
    if len(f.items) > 10:
        echo(f"         - ... {len(f.items) - 10} more")
    if f.hint:
        echo(f"         {f.hint}")
    if f.repair:
        echo(f"         --repair will: {f.repair}")


@main.command("doctor")
@project_option
@click.option(
    "--repair", is_flag=True, help="Fix what can be fixed safely (a backup is made first)."
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_context
def doctor_cmd(ctx: click.Context, repair: bool, fmt: str) -> None:
    """Check integrity, foreign keys, offsets, search index, codebook, files and backups.

    Exit code 0 when the project is healthy (warnings allowed), 1 when errors remain.
    """
    from mpu_qual.maintenance import doctor
    from mpu_qual.maintenance.repair import repair as repair_project

    folder = project_dir(ctx)
    report = repair_project(folder) if repair else doctor.diagnose(folder)
    if fmt == "json":
        echo(
            json.dumps(
                {
                    "folder": str(report.folder),
                    "ok": report.ok,
                    "findings": [f.as_dict() for f in report.findings],
                    "repaired": report.repaired,
                    "safety_copy": str(report.safety_copy) if report.safety_copy else None,
                    "good_backup": report.good_backup.name if report.good_backup else None,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        if repair:
            if report.safety_copy:
                echo(f"Saved the project as it was to {report.safety_copy}.")
            for line in report.repaired:
                echo(f"repaired: {line}")
            if not report.repaired:
                echo("Nothing to repair automatically.")
        for f in report.findings:
            _print_finding(f)
        if report.ok:
            n = len(report.warnings)
            secho(
                "The project is healthy" + (f" ({count(n, 'warning')})." if n else "."), fg="green"
            )
        else:
            secho(f"{count(len(report.errors), 'problem')} need attention.", fg="red", err=True)
            if report.only_access:
                echo(
                    "These are about the folder or the disk, not about the project file: "
                    "do what the hint says; no restore is needed.",
                    err=True,
                )
            elif report.good_backup is not None:
                echo(
                    f"Newest backup that passes the checks: {report.good_backup.name} "
                    f"({_age(report.good_backup.created)}). "
                    f"Restore it with: mpu-qual restore {report.good_backup.name}",
                    err=True,
                )
            elif not repair:
                echo("Try 'mpu-qual doctor --repair' first.", err=True)
    if not report.ok:
        sys.exit(1)


# ----------------------------------------------------------------------------- purge
@main.group("purge")
def purge_group() -> None:
    """Delete personal data for good: from the file, the undo history and (optionally) backups."""


def _open_for_purge(ctx: click.Context):  # noqa: ANN202 - Project

    project = Project.open(project_dir(ctx), create=False)
    ctx.call_on_close(project.close)
    return project


def _print_purge(report, purge_backups: bool) -> None:  # noqa: ANN001 - PurgeReport
    echo(
        f"Purged the {report.what}: {count(report.rows, 'row')}, {count(report.journal_rows, 'undo record')}"
        + (f", {count(report.actions_dropped, 'undo step')}" if report.actions_dropped else "")
        + "."
    )
    done = [f"{report.summaries_removed} deleted (they summarised only this transcript)"] * (
        report.summaries_removed > 0
    ) + [f"{report.summaries_scrubbed} with words cut out ([purged])"] * (
        report.summaries_scrubbed > 0
    )
    if done:
        echo(f"Framework summaries: {', '.join(done)}.")
    if report.summaries_to_check:
        echo(
            "These cells' summaries also drew on the purged transcript and were kept; read "
            "them again ('mpu-qual framework'): " + ", ".join(report.summaries_to_check),
            err=True,
        )
    for path in report.files_removed:
        echo(f"Deleted {path}")
    for path in report.files_left:
        echo(f"Not deleted (outside the project folder): {path}", err=True)
    if report.backups_scrubbed or report.backups_deleted:
        echo(
            f"Backups: {len(report.backups_scrubbed)} cleaned, "
            f"{len(report.backups_deleted)} deleted (could not be cleaned)."
        )
    if report.backups_untouched and not purge_backups:
        echo(
            f"{count(report.backups_untouched, 'backup')} may still contain it: run again with "
            "--purge-backups to clean them too.",
            err=True,
        )
    if not report.checkpoint_complete:
        echo(
            "Another program has the project open, so old pages may remain in project.db-wal: "
            "close every mpu-qual window, then run 'mpu-qual purge finish'.",
            err=True,
        )
    for line in report.still_mentioned:
        echo(f"Note: {line} (content is not changed by a purge).", err=True)
    for path in report.files_with_traces:
        echo(f"Still found in {path}", err=True)


_purge_backups_opt = click.option(
    "--purge-backups",
    is_flag=True,
    help="Also clean every backup (ones that cannot be cleaned are deleted).",
)
_yes_opt = click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")


@purge_group.command("name")
@project_option
@click.argument("label")
@_purge_backups_opt
@_yes_opt
@click.pass_context
def purge_name(ctx: click.Context, label: str, purge_backups: bool, yes: bool) -> None:
    """Remove the real name of participant LABEL (the label and the coding stay)."""
    from mpu_qual.maintenance.purge import purge_participant_name

    project = _open_for_purge(ctx)
    if not yes:
        click.confirm(
            f"Remove the name of {label} for good? This cannot be undone", abort=True, err=True
        )
    _print_purge(purge_participant_name(project, label, purge_backups=purge_backups), purge_backups)


@purge_group.command("transcript")
@project_option
@click.argument("name")
@_purge_backups_opt
@click.option("--keep-files", is_flag=True, help="Keep the original file and audio on disk.")
@_yes_opt
@click.pass_context
def purge_transcript_cmd(
    ctx: click.Context, name: str, purge_backups: bool, keep_files: bool, yes: bool
) -> None:
    """Delete transcript NAME with its codings, undo history and files (not undoable)."""
    from mpu_qual.maintenance.purge import purge_transcript

    project = _open_for_purge(ctx)
    if not yes:
        click.confirm(
            f"Delete transcript '{name}' and all its codings for good? This cannot be undone",
            abort=True,
            err=True,
        )
    report = purge_transcript(
        project, name, purge_backups=purge_backups, remove_files=not keep_files
    )
    _print_purge(report, purge_backups)


@purge_group.command("finish")
@project_option
@click.pass_context
def purge_finish(ctx: click.Context) -> None:
    """Compact project.db and empty its WAL (after a purge while other windows were open)."""
    from mpu_qual.maintenance.purge import finish

    project = _open_for_purge(ctx)
    if project.readonly:
        raise MpuQualError(
            "the project is open read-only",
            path=project.db_path,
            hint="Run 'mpu-qual doctor' first.",
        )
    if finish(project.conn):
        echo("Done: deleted data no longer remains in project.db or its WAL.")
    else:
        raise MpuQualError(
            "another program still has the project open",
            path=project.db_path,
            hint="Close every mpu-qual window and try again.",
        )
