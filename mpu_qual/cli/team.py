"""Team commands: coders, merge, agreement (and its disagreements)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from mpu_qual.cli import main, project_option
from mpu_qual.cli.core import dump_json, open_project, refuse_project_output
from mpu_qual.cli.output import SafeConsole, console, echo
from mpu_qual.errors import MpuQualError
from mpu_qual.figures import count
from mpu_qual.fileio import write_bytes_atomic


@main.group("coders")
def coders_group() -> None:
    """Coders: who coded what, and the blind-mode setting for double coding."""


@coders_group.command("list")
@project_option
@click.option("--source", metavar="NAME", help="Only codings in this transcript.")
@click.option(
    "--per-transcript", is_flag=True, help="Also count each coder's codings per transcript."
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def coders_list(ctx: click.Context, source: str | None, per_transcript: bool, fmt: str) -> None:
    """List coders with their numbers of codings, codes and transcripts."""
    from mpu_qual.team.coders import blind_default, coder_counts

    project = open_project(ctx)
    rows = coder_counts(project, source=source)
    if fmt == "json":
        dump_json(
            [
                {
                    "coder": r.coder,
                    "codings": r.codings,
                    "codes": r.codes,
                    "transcripts": r.sources,
                    "first": r.first,
                    "last": r.last,
                    **({"per_transcript": r.per_source} if per_transcript else {}),
                }
                for r in rows
            ]
        )
        return
    table = Table("Coder", "Codings", "Codes", "Transcripts", "First", "Last")
    for r in rows:
        table.add_row(
            escape(r.name),
            str(r.codings),
            str(r.codes),
            str(r.sources),
            (r.first or "")[:10],
            (r.last or "")[:10],
        )
    console.print(table)
    if per_transcript:
        for r in rows:
            for name, n in r.per_source.items():
                echo(f"{r.name}\t{name}\t{n}")
    if not rows:
        echo("No codings yet.")
    if blind_default(project):
        echo(
            "Blind mode is on for this project: the workbench shows each coder only "
            "their own codings."
        )


@coders_group.command("blind")
@project_option
@click.argument("state", type=click.Choice(["on", "off", "status"]), default="status")
@click.pass_context
def coders_blind(ctx: click.Context, state: str) -> None:
    """Open the workbench in blind mode by default (on), or not (off), for double coding."""
    from mpu_qual.team.coders import blind_default, set_blind_default

    project = open_project(ctx)
    if state != "status":
        set_blind_default(project, state == "on")
    on = blind_default(project)
    echo(
        "Blind mode is on: the workbench asks for the coder's name (or takes "
        "MPU_QUAL_CODER) and shows only that coder's codings."
        if on
        else "Blind mode is off: the workbench shows everyone's codings."
    )


@main.command("merge")
@project_option
@click.argument("other", type=click.Path())
@click.option("--dry-run", is_flag=True, help="List what would come in; change nothing.")
@click.option(
    "--skip-new-codes",
    is_flag=True,
    help="Leave out codings of codes that are not in this codebook (default: add those codes).",
)
@click.pass_context
def merge_cmd(ctx: click.Context, other: str, dry_run: bool, skip_new_codes: bool) -> None:
    """Merge a colleague's coding from their project FOLDER or a .qdpx file (one undoable
    action): transcripts matched by text, codes by id, each coding with its coder."""
    from mpu_qual.team.merge import merge

    project = open_project(ctx)
    r = merge(project, other, dry_run=dry_run, skip_new_codes=skip_new_codes)
    would = "would be " if dry_run else ""
    for theirs, ours in r.matched:
        same = "" if theirs == ours else f" (here: '{ours}', the same text)"
        echo(
            f"transcript '{theirs}'{same}: {sum(r.per_source.get(ours, {}).values())} "
            f"codings {would}added"
        )
    for name, n in r.differing:
        echo(
            f"warning: transcript '{name}' has different text here; {count(n, 'coding')} left out "
            "(positions into another text cannot be trusted)",
            err=True,
        )
    for name, n in r.missing:
        echo(
            f"warning: transcript '{name}' is not in this project; {count(n, 'coding')} left out. "
            "Import the same file here, then merge again.",
            err=True,
        )
    if r.new_codes:
        echo(
            f"{len(r.new_codes)} new codes {would}added to the codebook: " + ", ".join(r.new_codes)
        )
    if r.malformed:
        shown = "".join(f"\n  - {why}" for why in r.malformed[:20])
        more = f"\n  ... and {len(r.malformed) - 20} more" if len(r.malformed) > 20 else ""
        echo(
            f"warning: {count(len(r.malformed), 'row')} in the colleague's project cannot be "
            f"right and {'were' if len(r.malformed) != 1 else 'was'} left out (a problem of "
            f"their copy; this project is fine):{shown}{more}\n"
            "  Ask them to run 'mpu-qual doctor' on their project and send a fresh copy.",
            err=True,
        )
    for code, n in r.skipped_codes:
        echo(
            f"warning: code '{code}' is not in this codebook; {count(n, 'coding')} left out",
            err=True,
        )
    for code in r.label_conflicts:
        echo(f"note: code '{code}' has other labels there; the labels here are kept", err=True)
    if dry_run:
        for source, c in r.preview[:200]:
            echo(f"  {source} {c.start}-{c.end} {c.code_id} by {c.coder or '(unknown)'}")
        if len(r.preview) > 200:
            echo(f"  ... and {len(r.preview) - 200} more")
    by = ", ".join(f"{n} by {who}" for who, n in sorted(r.added.items()))
    echo(
        f"{count(r.total_added, 'coding')} {would}added"
        + (f" ({by})" if by else "")
        + f"; {r.already} already here"
        + (
            f"; {count(r.rejected, 'coding')} removed by a disagreement review here, left out."
            if r.rejected
            else "."
        )
    )
    sp = r.summaries
    if sp.total or sp.already:
        echo(
            f"{count(sp.total, 'framework summary', 'framework summaries')} {would}added"
            f"; {sp.already} already here."
        )
    if sp.both_kept:
        echo(
            f"note: {count(len(sp.both_kept), 'cell')} had a different summary here; both "
            f"are kept, each with its author ({', '.join(sp.both_kept)}). Edit each to one "
            "text with 'mpu-qual framework-summary'.",
            err=True,
        )
    for why in sp.left_out:
        echo(f"warning: framework summary {why}; left out", err=True)
    if not dry_run and (r.total_added or r.new_codes or sp.total):
        echo("Undo it with 'mpu-qual undo'. Next: mpu-qual agreement")


def _split_coders(value: str | None) -> list[str] | None:
    if value is None:
        return None
    names = [n.strip() for n in value.split(",") if n.strip()]
    if not names:
        raise MpuQualError("--coders is empty", field="coders", hint="Use --coders alice,bob.")
    return names


@main.command("agreement")
@project_option
@click.option(
    "--coders", metavar="A,B,...", help="Coders to compare (default: everyone with codings)."
)
@click.option("--code", "codes", multiple=True, metavar="ID", help="Only this code (repeatable).")
@click.option(
    "--source", "sources", multiple=True, metavar="NAME", help="Only this transcript (repeatable)."
)
@click.option(
    "--unit",
    type=click.Choice(["segment", "char"]),
    default="segment",
    show_default=True,
    help="Unit of analysis: transcript segments, or characters (as NVivo).",
)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file.")
@click.option("--disagreements", is_flag=True, help="List the units where the coders differ.")
@click.pass_context
def agreement_cmd(
    ctx: click.Context,
    coders: str | None,
    codes: tuple[str, ...],
    sources: tuple[str, ...],
    unit: str,
    fmt: str,
    output: str | None,
    disagreements: bool,
) -> None:
    """Intercoder agreement per code and overall: percent, Cohen's kappa (two coders),
    Krippendorff's alpha (nominal)."""
    from mpu_qual.team import methods
    from mpu_qual.team.disagreements import find_disagreements
    from mpu_qual.team.reliability import measure_agreement

    project = open_project(ctx)
    refuse_project_output(project, output)
    args: dict[str, Any] = dict(
        coders=_split_coders(coders),
        codes=list(codes) or None,
        sources=list(sources) or None,
        unit=unit,
    )
    if disagreements:
        report, items = find_disagreements(project, **args)
        if fmt == "json":
            text = (
                json.dumps(
                    {**report.to_json(), "disagreements": [d.as_dict() for d in items]},
                    ensure_ascii=False,
                    indent=2,
                )
                + "\n"
            )
        elif fmt == "csv":
            text = methods.disagreements_csv(items)
        else:
            if output is None:
                _print_disagreements(report, items)
                return
            text = _disagreements_text(report, items)
    else:
        report = measure_agreement(project, **args)
        if fmt == "json":
            text = json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n"
        elif fmt == "csv":
            text = methods.agreement_csv(report)
        else:
            if output is None:
                _print_table(report)
                return
            text = _table_text(report)
    if output:
        data = text.encode("utf-8")
        if fmt == "csv":
            data = b"\xef\xbb\xbf" + data  # Excel reads the file as UTF-8
        write_bytes_atomic(Path(output), data)
        echo(f"Wrote {output}.", err=True)
    else:
        echo(text, nl=False)


def _table(report) -> Table:

    from mpu_qual.team.methods import table_rows

    unit = "segments" if report.unit == "segment" else "characters"
    table = Table(
        "Code",
        "編碼",
        "Units",
        "Agreement",
        "Kappa",
        "Alpha",
        title=f"Agreement of {', '.join(report.coders)} over {report.units_per_code:,} {unit} "
        f"of {count(len(report.sources), 'transcript')}",
    )
    for row in table_rows(report):
        cid, en, zh, *figures = row
        table.add_row(escape(cid if cid != "overall" else "overall (pooled)"), escape(zh), *figures)
    return table


def _print_table(report) -> None:
    console.print(_table(report))
    if report.overall.kappa is None and len(report.coders) != 2:
        echo("Cohen's kappa is for exactly two coders; alpha covers any number.")


def _table_text(report) -> str:

    buf = SafeConsole(record=True, width=120, file=io.StringIO())
    buf.print(_table(report))
    return buf.export_text()


def _print_disagreements(report, items) -> None:
    echo(_disagreements_text(report, items), nl=False)


def _disagreements_text(report, items) -> str:

    from mpu_qual.team.methods import fmt_coef, fmt_percent

    lines = []
    current = None
    for d in items:
        if d.code_id != current:
            current = d.code_id
            s = report.codes[d.code_id]
            en, zh = report.labels.get(d.code_id, (d.code_id, ""))
            n = sum(1 for x in items if x.code_id == d.code_id)
            lines.append(
                f"\n{d.code_id} ({en} / {zh}): {count(n, 'disagreement')}; agreement "
                f"{fmt_percent(s.percent)}, kappa {fmt_coef(s.kappa)}, alpha {fmt_coef(s.alpha)}"
            )
        where = f"segment {d.segment}" if d.segment is not None else f"{d.start}-{d.end}"
        quote = " ".join(d.text.split())
        if len(quote) > 160:
            quote = quote[:159] + "…"
        lines.append(
            f"  {d.source_name} {where}: coded by {', '.join(d.coded_by)}; not by "
            f"{', '.join(d.not_coded_by)}\n    “{quote}”"
        )
    lines.append(f"\n{count(len(items), 'disagreement')} over {count(len(report.codes), 'code')}.")
    return "\n".join(lines).lstrip("\n") + "\n"
