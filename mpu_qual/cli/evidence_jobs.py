"""Job-ad evidence commands: ``mpu-qual jobs ...`` and ``mpu-qual evidence ...``."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections import Counter
from typing import TYPE_CHECKING, Any

import click
from rich.table import Table

from mpu_qual.cli import main, project_option, report_error
from mpu_qual.cli.core import open_project, project_dir, refuse_project_output
from mpu_qual.cli.file_output import format_option, output_option, write_or_print
from mpu_qual.cli.output import console, echo, echo_json, err_console
from mpu_qual.errors import MpuQualError
from mpu_qual.evidence.fields import FIELDS
from mpu_qual.evidence.readers import FORMATS as JOB_AD_FILES
from mpu_qual.evidence.render import SKILL_FORMATS, TABLE_FORMATS
from mpu_qual.evidence.rules import RULES_NAME
from mpu_qual.file_formats import either
from mpu_qual.fileio import refuse_database_file

if TYPE_CHECKING:
    from mpu_qual.evidence.importer import FileReport
    from mpu_qual.evidence.rules import Rules


def rules_option(func):
    return click.option(
        "--rules",
        "rules_file",
        type=click.Path(dir_okay=False),
        default=None,
        help=f"Rules file (default: {RULES_NAME} in the project, else the shipped defaults).",
    )(func)


def rules_from(ctx: click.Context, rules_file: str | None) -> Rules:
    from mpu_qual.evidence.rules import load_rules, project_rules_path

    if rules_file:
        return load_rules(rules_file)
    p = project_rules_path(project_dir(ctx))
    return load_rules(p if p.exists() else None)


def print_out(out: Any) -> None:
    if isinstance(out, str):
        echo(out, nl=not out.endswith("\n"))
    else:
        console.print(out)


def warn_stale(stale: bool) -> None:
    if stale:
        err_console.print(
            f"[yellow]warning:[/] {RULES_NAME} changed since the ads were classified; "
            "run 'mpu-qual jobs reclassify' to apply the new rules."
        )


# ------------------------------------------------------------------------------- jobs
@main.group("jobs")
def jobs_group() -> None:
    """Job-ad desk research: import exports, de-duplicate, classify, tabulate, search."""


def _summary_line(f: FileReport) -> str:
    return (
        f"{f.rows_read:,} rows read: {f.imported:,} imported, {f.duplicates:,} duplicates, "
        f"{f.out_of_scope:,} out of scope, {f.rejected:,} rejected"
    )


def _reasons(title: str, reasons: Counter[str], limit: int = 8) -> None:
    if not reasons:
        return
    echo(f"  {title}:")
    for reason, n in reasons.most_common(limit):
        echo(f"    {n:>7,}  {reason}")
    rest = sum(reasons.values()) - sum(n for _, n in reasons.most_common(limit))
    if rest:
        echo(f"    {rest:>7,}  (other reasons)")


@jobs_group.command(
    "import",
    help=f"Import job ads from {either(list(JOB_AD_FILES.suffixes))} exports (each file all "
    "or nothing).",
)
@project_option
@rules_option
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="COLUMN=FIELD",
    help=f"Read COLUMN as FIELD ({', '.join(FIELDS)}); repeat as needed.",
)
@click.option("--platform", help="Platform name for files without a platform column.")
@click.option("--encoding", help="Text encoding of CSV files (default: detect UTF-8 / Big5).")
@click.pass_context
def jobs_import(
    ctx: click.Context,
    rules_file: str | None,
    files: tuple[str, ...],
    maps: tuple[str, ...],
    platform: str | None,
    encoding: str | None,
) -> None:
    from mpu_qual.evidence.fields import parse_mapping
    from mpu_qual.evidence.importer import import_job_ads

    mapping = parse_mapping(maps)
    rules = rules_from(ctx, rules_file)
    for name in files:  # inputs first: a project database given as input is never read
        refuse_database_file(name, "job-ad file")
    project = open_project(ctx)
    show = sys.stderr.isatty()

    def progress(name: str, n: int) -> None:
        if show:
            err_console.print(f"  {name}: {n:,} rows…", end="\r")

    report = import_job_ads(
        project,
        files,
        rules,
        mapping=mapping,
        platform=platform,
        encoding=encoding,
        progress=progress,
    )
    for f in report.files:
        if f.status == "failed":
            assert f.error is not None
            report_error(f.error)
            echo("  Nothing from this file was imported.", err=True)
            continue
        if f.status == "already imported":
            echo(f"{f.path}: already imported ({f.imported_at}); nothing added.")
            continue
        enc = f", {f.encoding}" if f.format == "csv" else ""
        echo(f"{f.path} ({f.format}{enc}): {_summary_line(f)}")
        _reasons("duplicates", f.duplicate_reasons)
        _reasons("out of scope", f.out_of_scope_reasons)
        _reasons("rejected", f.rejected_reasons)
        for r in f.rejections[:20]:
            where = f"{f.path}:{r.line}" + (f" [{r.field}]" if r.field else "")
            echo(f"    {where}: {r.reason}", err=True)
        if f.rejected > 20:
            echo(f"    … and {f.rejected - 20:,} more rejected rows", err=True)
    done = [f for f in report.files if f.status == "imported"]
    if len(done) > 1:
        echo(
            f"All files: {report.total('rows_read'):,} rows read: "
            f"{report.total('imported'):,} imported, {report.total('duplicates'):,} duplicates, "
            f"{report.total('out_of_scope'):,} out of scope, {report.total('rejected'):,} rejected"
        )
    if any(f.out_of_scope_reasons for f in done):
        echo(
            f"Out-of-scope ads are kept: add their industry to a sector in {RULES_NAME} and run "
            "'mpu-qual jobs reclassify' to count them."
        )
    warn_stale(report.rules_changed)
    if report.failed:
        echo(
            f"{len(report.failed)} of {len(report.files)} files failed; fix them and import again.",
            err=True,
        )
        ctx.exit(1)


@jobs_group.command("table")
@project_option
@rules_option
@format_option(TABLE_FORMATS, "rich")
@output_option(TABLE_FORMATS)
@click.pass_context
def jobs_table(
    ctx: click.Context, rules_file: str | None, fmt: str | None, output: str | None
) -> None:
    """Ads per sector and window with the three main roles (the report's tables)."""
    from mpu_qual.evidence.render import TablesView, to_rich
    from mpu_qual.evidence.tables import compute_tables

    rules = rules_from(ctx, rules_file)
    project = open_project(ctx)
    refuse_project_output(project, output)
    tables = compute_tables(project.db, rules)
    warn_stale(tables.rules_stale)
    if write_or_print(TABLE_FORMATS, fmt, output, TablesView(tables, rules), "rich"):
        return
    console.print(to_rich(tables, rules))
    if tables.out_of_scope:
        parts = ", ".join(f"{n:,} {k}" for k, n in sorted(tables.out_of_scope.items()))
        err_console.print(f"[dim]Not counted (out of scope): {parts}.[/]")


@jobs_group.command("skills")
@project_option
@rules_option
@click.option("--sector", help="Only this sector (Chinese or English label).")
@click.option("--window", help="Only this survey window, e.g. 2024-2025.")
@format_option(SKILL_FORMATS, "rich")
@output_option(SKILL_FORMATS)
@click.pass_context
def jobs_skills(
    ctx: click.Context,
    rules_file: str | None,
    sector: str | None,
    window: str | None,
    fmt: str | None,
    output: str | None,
) -> None:
    """How many ads mention each skill term in their description."""
    from mpu_qual.evidence.render import SkillsView, skills_rich
    from mpu_qual.evidence.tables import rules_stale, skill_counts

    rules = rules_from(ctx, rules_file)
    s = rules.resolve("sector", sector) if sector else None
    w = rules.resolve("window", window) if window else None
    project = open_project(ctx)
    refuse_project_output(project, output)
    warn_stale(rules_stale(project.db, rules))
    total, items = skill_counts(project.db, rules, sector=s, window=w)
    title = "Skill terms in " + " / ".join(x for x in (s or "all sectors", w or "all windows"))
    view = SkillsView(total, items, title)
    if not write_or_print(SKILL_FORMATS, fmt, output, view, "rich"):
        console.print(skills_rich(view))


@jobs_group.command("roles")
@project_option
@rules_option
@click.option("--unmatched", is_flag=True, help="List titles that fell into 'other', with counts.")
@click.option("--sector", help="Only this sector.")
@click.option("--window", help="Only this survey window.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["rich", "json"]), default="rich")
@click.pass_context
def jobs_roles(
    ctx: click.Context,
    rules_file: str | None,
    unmatched: bool,
    sector: str | None,
    window: str | None,
    limit: int,
    fmt: str,
) -> None:
    """Ads per job role; with --unmatched, the titles no rule matched."""
    from mpu_qual.evidence.tables import role_counts, rules_stale, unmatched_titles

    rules = rules_from(ctx, rules_file)
    project = open_project(ctx)
    warn_stale(rules_stale(project.db, rules))
    if unmatched:
        rows = unmatched_titles(project.db, rules, limit=limit)
        if fmt == "json":
            echo_json(json.dumps([{"title": t, "ads": n} for t, n in rows], ensure_ascii=False))
            return
        table = Table(title=f"Titles in '{rules.other.label} {rules.other.en}' (no rule matched)")
        table.add_column("Ads", justify="right")
        table.add_column("Title")
        for t, n in rows:
            table.add_row(f"{n:,}", t)
        console.print(table)
        if rows:
            echo(
                f"Add patterns to roles.rules in {RULES_NAME}, check a title with "
                "'mpu-qual jobs classify TITLE', then run 'mpu-qual jobs reclassify'."
            )
        return
    s = rules.resolve("sector", sector) if sector else None
    w = rules.resolve("window", window) if window else None
    items = role_counts(project.db, rules, sector=s, window=w)
    if fmt == "json":
        data = [{"role": r.role, "en": r.en, "ads": r.count, "share": r.share} for r in items]
        echo_json(json.dumps(data, ensure_ascii=False, indent=2))
        return
    table = Table(title="Ads per role (in scope)")
    for h in ("Role", "English", "Ads", "Share"):
        table.add_column(h, justify="right" if h in ("Ads", "Share") else "left")
    for r in items:
        share = "–" if r.share is None else f"{r.share:.1f}%"
        table.add_row(r.role, r.en, f"{r.count:,}", share)
    console.print(table)


@jobs_group.command("classify")
@rules_option
@project_option
@click.argument("title")
@click.option("--industry", help="Also say which sector this industry label maps to.")
@click.option("--date", "date_text", help="Also say which window this posting date is in.")
@click.pass_context
def jobs_classify(
    ctx: click.Context,
    rules_file: str | None,
    title: str,
    industry: str | None,
    date_text: str | None,
) -> None:
    """Explain which rule decides the role of TITLE (and the sector / window, if given)."""
    from mpu_qual.evidence.classify import Classifier
    from mpu_qual.evidence.fields import RowError, parse_date
    from mpu_qual.evidence.rules import default_rules_path

    rules = rules_from(ctx, rules_file)
    clf = Classifier(rules)
    rm = clf.role_for(title)
    where = rules.path or default_rules_path()
    if rm.rule is None:
        echo(f"'{title}' -> {rm.role} ({rules.other.en}): no rule matched.")
        echo(f"  Folded title: '{rm.folded}'. Add a pattern to roles.rules in {where}.")
    else:
        rule = rules.role_rules[rm.rule - 1]
        line = f", line {rule.line}" if rule.line else ""
        echo(f"'{title}' -> {rm.role} ({rules.role_en(rm.role)})")
        echo(
            f"  rule {rm.rule} of {len(rules.role_rules)} ({where}{line}) matched "
            f"pattern '{rm.pattern}' in '{rm.folded}'."
        )
        earlier = [r.index for r in rules.role_rules[: rm.rule - 1]]
        if earlier:
            echo(f"  Rules 1-{rm.rule - 1} were tried first and did not match.")
    if industry is not None:
        sm = clf.sector_for(industry)
        if sm is None:
            echo(f"Industry '{industry}' -> out of scope: no sector lists it.")
        else:
            how = "is a label of" if sm.how == "label" else f"contains '{sm.pattern}' of"
            echo(
                f"Industry '{industry}' -> {sm.sector} ({rules.sector_en(sm.sector)}): "
                f"it {how} that sector."
            )
    if date_text is not None:
        try:
            day = parse_date(date_text)
        except RowError as exc:
            raise MpuQualError(exc.reason, field="date") from None
        w = rules.window_for(day)
        echo(f"Date {day.isoformat()} -> " + (f"window {w}" if w else "outside every window"))


@jobs_group.command("duplicates")
@project_option
@rules_option
@click.option("--show", is_flag=True, help="List merged ads with every posting.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=20, show_default=True)
@click.pass_context
def jobs_duplicates(ctx: click.Context, rules_file: str | None, show: bool, limit: int) -> None:
    """How reposts were merged, and by which rule."""
    from mpu_qual.evidence.dedup import duplicate_groups, duplicate_summary, rule_text

    rules = rules_from(ctx, rules_file)
    project = open_project(ctx)
    s = duplicate_summary(project.db)
    echo(rule_text(rules))
    echo(
        f"{s.postings:,} postings are {s.ads:,} ads: {s.reposted_ads:,} ads were posted more "
        f"than once ({s.merged:,} postings merged)."
    )
    for combo, n in s.by_platforms[:10]:
        echo(f"  {n:>7,}  {combo}")
    if not show:
        if s.reposted_ads:
            echo("Run with --show to see each merged ad and why.")
        return
    for g in duplicate_groups(project.db, limit=limit):
        first = g.postings[0]
        echo(
            f"\nAd {g.ad_id}: {g.title}"
            + (f" — {g.company}" if g.company else "")
            + f"  [{', '.join(g.platforms)}]"
        )
        echo(f"  key: title '{g.folded_title}', company '{g.folded_company}', description")
        for i, p in enumerate(g.postings):
            days = _days_between(first.posted_on, p.posted_on)
            tag = "kept (earliest)" if i == 0 else f"+{days} days"
            src = f"{p.file}:{p.line}" if p.file else ""
            echo(
                f"  {p.posted_on}  {p.platform:<12} {p.ad_ref or '-':<14} {tag:<16} "
                f"'{p.title}'  {src}"
            )


def _days_between(a: str, b: str) -> int:

    return (dt.date.fromisoformat(b) - dt.date.fromisoformat(a)).days


@jobs_group.command("reclassify")
@project_option
@rules_option
@click.pass_context
def jobs_reclassify(ctx: click.Context, rules_file: str | None) -> None:
    """Apply edited rules to the ads already imported (sector, window, role, skills)."""
    from mpu_qual.evidence.reclassify import reclassify

    rules = rules_from(ctx, rules_file)
    project = open_project(ctx)
    rep = reclassify(project, rules)
    echo(
        f"Reclassified {rep.ads:,} ads: {rep.changed:,} changed "
        f"({rep.sector_changed:,} sector, {rep.window_changed:,} window, "
        f"{rep.role_changed:,} role)" + ("; skill terms recounted." if rep.terms_recounted else ".")
    )


@jobs_group.command("search")
@project_option
@rules_option
@click.argument("words", nargs=-1, required=True)
@click.option("--sector", help="Only this sector.")
@click.option("--window", help="Only this survey window.")
@click.option("--role", help="Only this job role.")
@click.option("--all", "all_ads", is_flag=True, help="Include out-of-scope ads.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["rich", "json"]), default="rich")
@click.pass_context
def jobs_search(
    ctx: click.Context,
    rules_file: str | None,
    words: tuple[str, ...],
    sector: str | None,
    window: str | None,
    role: str | None,
    all_ads: bool,
    limit: int,
    fmt: str,
) -> None:
    """Find ads whose title, company or description contains every word (Chinese or English)."""
    from mpu_qual.evidence.search import search_ads

    rules = rules_from(ctx, rules_file)
    project = open_project(ctx)
    count, hits = search_ads(
        project.db,
        " ".join(words),
        sector=rules.resolve("sector", sector) if sector else None,
        window=rules.resolve("window", window) if window else None,
        role=rules.resolve("role", role) if role else None,
        in_scope=not all_ads,
        limit=limit,
    )
    if fmt == "json":
        echo(
            json.dumps(
                {"count": count, "hits": [h.__dict__ for h in hits]}, ensure_ascii=False, indent=2
            )
        )
        return
    table = Table(
        title=f"{count:,} ads match" + (f" (first {len(hits)})" if count > len(hits) else "")
    )
    for heading in ("Date", "Platform", "Title", "Sector", "Role", "Text"):
        table.add_column(heading)
    for h in hits:
        table.add_row(h.posted_on, h.platform, h.title, h.sector or "-", h.role, h.snippet)
    console.print(table)


@jobs_group.command("rules")
@project_option
@rules_option
@click.option("--init", "init_", is_flag=True, help=f"Write the shipped defaults to {RULES_NAME}.")
@click.pass_context
def jobs_rules(ctx: click.Context, rules_file: str | None, init_: bool) -> None:
    """Check the rules file and summarise it (windows, sectors, roles, skill terms)."""
    from mpu_qual.evidence.rules import project_rules_path, write_default_rules

    target = project_rules_path(project_dir(ctx))
    if init_:
        if target.exists():
            raise MpuQualError(
                "rules file already exists",
                path=target,
                hint="Edit it, or delete it first to start again from the defaults.",
            )
        write_default_rules(target.parent)
        echo(f"Wrote the default rules to {target}.")
        return
    rules = rules_from(ctx, rules_file)
    echo(f"Rules: {rules.path} (valid)")
    if not rules_file and not target.exists():
        echo(f"  (shipped defaults; 'mpu-qual jobs rules --init' copies them to {target})")
    echo("Windows: " + ", ".join(f"{w.label} ({w.start} to {w.end})" for w in rules.windows))
    echo("Sectors: " + ", ".join(f"{s.label} {s.en}" for s in rules.sectors))
    echo(
        f"Roles: {', '.join(r.label for r in rules.roles)} + {rules.other.label} "
        f"({len(rules.role_rules)} ordered rules)"
    )
    echo(f"Skill terms: {len(rules.terms)}; reposts merged within {rules.repost_days} days")


# --------------------------------------------------------------------------- evidence
