"""Core commands: init, codebook, participants, transcripts, code, autocode, search, undo."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from mpu_qual.cli import main, project_option, report_error
from mpu_qual.codebook import load_codebook
from mpu_qual.errors import MpuQualError
from mpu_qual.evidence.rules import write_default_rules
from mpu_qual.fileio import write_text_atomic
from mpu_qual.safety.notices import remove_handler
from mpu_qual.store import Project
from mpu_qual.store.project import DB_NAME
from mpu_qual.team.coders import check_coder_name
from mpu_qual.transcript_files.timecode import format_clock

console = Console()


def project_dir(ctx: click.Context) -> Path:
    obj = ctx.find_root().obj or {}
    return Path(obj.get("project_dir") or ".")


def _open(folder: Path, *, create: bool = True) -> Project:
    """Project.open, and the default job-ad rules for a project it has just set up."""
    new = not (folder / DB_NAME).exists()
    project = Project.open(folder, create=create)
    if new and not project.readonly:
        write_default_rules(folder)
    return project


def open_project(ctx: click.Context, *, create: bool = True) -> Project:
    """Open the project named by -p (or the current folder) and close it with the command."""
    project = _open(project_dir(ctx), create=create)
    ctx.call_on_close(project.close)
    return project


def open_workbench(
    ctx: click.Context, *, coder: str | None = None, blind: bool | None = None
) -> None:
    """Start the Textual workbench (imported only here, so the CLI stays light)."""
    folder = project_dir(ctx)
    _open(folder).close()  # set up the demo / report errors before the UI starts
    try:
        from mpu_qual.tui.app import run_app
    except ImportError as exc:  # pragma: no cover - only without the TUI installed
        raise MpuQualError(f"the workbench is not available: {exc}") from None
    # The workbench shows library notices itself; printing them to stderr would draw over it.

    printer = getattr(sys.modules.get("mpu_qual.cli.safety"), "print_notice", None)
    if printer is not None:
        remove_handler(printer)
    run_app(folder, coder=coder, blind=blind)


def _parse_pairs(values: tuple[str, ...], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values:
        key, sep, val = v.partition("=")
        if not sep or not key.strip():
            raise MpuQualError(f"{what} must look like key=value, got '{v}'", field=what)
        out[key.strip()] = val.strip()
    return out


def _dump_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


# ----------------------------------------------------------------------------- init / tui
@main.command()
@click.argument("folder", type=click.Path(file_okay=False), default=".")
@click.option("--codebook", type=click.Path(dir_okay=False), help="Codebook YAML to start from.")
@click.option("--no-import", is_flag=True, help="Do not import files already in transcripts/.")
def init(folder: str, codebook: str | None, no_import: bool) -> None:
    """Create a project in FOLDER (codebook.yaml, transcripts/, project.db)."""
    project = Project.init(folder, codebook, import_transcripts=not no_import)
    write_default_rules(folder)
    n = len(project.sources.list())
    project.close()
    click.echo(f"Created project in {folder} ({n} transcripts imported).")
    click.echo(f"Next: mpu-qual -p {folder} transcripts add FILE, then mpu-qual -p {folder}")


@main.command()
@project_option
@click.option("--coder", metavar="NAME", help="Who is coding (default: MPU_QUAL_CODER).")
@click.option(
    "--blind/--no-blind",
    default=None,
    help="Show only this coder's codings, for double coding (default: the project's "
    "setting, 'mpu-qual coders blind').",
)
@click.pass_context
def tui(ctx: click.Context, coder: str | None, blind: bool | None) -> None:
    """Open the coding workbench (same as running mpu-qual with no command)."""
    if coder is not None:
        coder = check_coder_name(coder)
    open_workbench(ctx, coder=coder, blind=blind)


# ----------------------------------------------------------------------------- codebook
@main.group("codebook")
def codebook_group() -> None:
    """Show, check and load the codebook (themes and codes)."""


@codebook_group.command("show")
@project_option
@click.option("--lang", type=click.Choice(["en", "zh", "both"]), default="both", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["tree", "json"]), default="tree")
@click.pass_context
def codebook_show(ctx: click.Context, lang: str, fmt: str) -> None:
    """Print the code tree with the number of codings per code."""
    project = open_project(ctx)
    codes = project.codes.list()
    counts = project.codes.counts()
    if fmt == "json":
        _dump_json([{**c.__dict__, "codings": counts.get(c.id, 0)} for c in codes])
        return
    cb = project.codebook.load()
    root = Tree(f"[bold]{escape(cb.name or 'Codebook')}[/] {escape(cb.name_zh)}")
    nodes: dict[str, Tree] = {}
    for c in codes:
        if lang == "en":
            label = c.label_en
        elif lang == "zh":
            label = c.label_zh
        else:
            label = f"{c.label_en} / {c.label_zh}"
        n = counts.get(c.id, 0)
        text = f"[{c.color or 'white'}]■[/] [bold]{escape(c.id)}[/]  {escape(label)}" + (
            f"  [dim]({n})[/]" if n else ""
        )
        parent = nodes.get(c.parent_id) if c.parent_id else root
        nodes[c.id] = (parent or root).add(text)
    console.print(root)


@codebook_group.command("check")
@click.argument("file", type=click.Path(dir_okay=False), required=False)
@click.pass_context
def codebook_check(ctx: click.Context, file: str | None) -> None:
    """Validate a codebook file without changing anything."""

    path = Path(file) if file else project_dir(ctx) / "codebook.yaml"
    cb = load_codebook(path)
    click.echo(f"{path}: OK ({len(cb.themes())} themes, {len(cb.codes)} codes)")


@codebook_group.command("load")
@project_option
@click.argument("file", type=click.Path(dir_okay=False), required=False)
@click.option(
    "--merge-into",
    "merges",
    multiple=True,
    metavar="OLD=NEW",
    help="Move codings of a removed code OLD to NEW (repeatable).",
)
@click.option("--dry-run", is_flag=True, help="Show what would change, change nothing.")
@click.pass_context
def codebook_load(
    ctx: click.Context, file: str | None, merges: tuple[str, ...], dry_run: bool
) -> None:
    """Load an edited codebook (default: the project's codebook.yaml) into the project."""
    project = open_project(ctx)
    report = project.codebook.sync(
        file, merge_into=_parse_pairs(merges, "--merge-into"), dry_run=dry_run
    )
    prefix = "would be " if dry_run else ""
    if not report.changed:
        click.echo("Codebook unchanged.")
    for label, items in (
        ("added", report.added),
        ("updated", report.updated),
        ("removed", report.removed),
    ):
        if items:
            click.echo(f"{len(items)} codes {prefix}{label}: {', '.join(items)}")
    for old, new in report.renamed:
        click.echo(f"renamed {old} -> {new} (codings kept)")
    for old, new, n in report.merged:
        click.echo(f"merged {old} into {new} ({n} codings moved)")


# ----------------------------------------------------------------------------- participants
@main.group("participants")
def participants_group() -> None:
    """Participants: speaker labels, private names, stakeholder groups, attributes."""


@participants_group.command("list")
@project_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def participants_list(ctx: click.Context, fmt: str) -> None:
    """List participants with their group and attributes."""
    project = open_project(ctx)
    people = project.participants.list()
    if fmt == "json":
        _dump_json([p.__dict__ for p in people])
        return
    groups = {g.id: g for g in project.codebook.load().groups}
    table = Table("Label", "Name", "Group", "Attributes")
    for p in people:
        g = groups.get(p.group_id or "")
        table.add_row(
            escape(p.label),
            escape(p.name or ""),
            escape(f"{g.en} / {g.zh}" if g else (p.group_id or "")),
            escape(", ".join(f"{k}={v}" for k, v in p.attributes.items())),
        )
    console.print(table)


@participants_group.command("set")
@project_option
@click.argument("label")
@click.option("--name", help="Real name (private; exports can pseudonymise it).")
@click.option("--group", help="Stakeholder group id or label (see codebook.yaml).")
@click.option(
    "--attr",
    "attrs",
    multiple=True,
    metavar="KEY=VALUE",
    help="Attribute (repeatable; empty value removes).",
)
@click.option("--rename", "new_label", help="Give the speaker a new label.")
@click.pass_context
def participants_set(
    ctx: click.Context,
    label: str,
    name: str | None,
    group: str | None,
    attrs: tuple[str, ...],
    new_label: str | None,
) -> None:
    """Create or update participant LABEL."""
    project = open_project(ctx)
    p = project.participants.set(
        label, name=name, group=group, attrs=_parse_pairs(attrs, "--attr"), new_label=new_label
    )
    click.echo(f"{p.label}: group={p.group_id or '-'} attributes={p.attributes}")


# ----------------------------------------------------------------------------- transcripts
@main.group("transcripts")
def transcripts_group() -> None:
    """Import, list, show and export transcripts."""


@transcripts_group.command("add")
@project_option
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--name", help="Name for the transcript (one file only).")
@click.pass_context
def transcripts_add(ctx: click.Context, files: tuple[str, ...], name: str | None) -> None:
    """Import transcripts (.txt, .vtt, .srt, .docx). Each file is all or nothing."""
    if name and len(files) > 1:
        raise MpuQualError("--name works with one file at a time")
    project = open_project(ctx)
    failed = 0
    for f in files:
        try:
            src = project.sources.import_file(f, name=name)
        except MpuQualError as exc:
            failed += 1

            report_error(exc)
            continue
        n = len(project.sources.segments(src))
        click.echo(f"Imported {f} as '{src.name}' ({n} segments, {src.length} characters).")
    if failed:
        click.echo(
            f"{failed} of {len(files)} files were not imported; the project is unchanged for them.",
            err=True,
        )
        sys.exit(1)


@transcripts_group.command("list")
@project_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def transcripts_list(ctx: click.Context, fmt: str) -> None:
    """List transcripts with duration, speakers and coded share."""
    project = open_project(ctx)
    rows = project.sources.summaries()
    if fmt == "json":
        _dump_json(rows)
        return
    table = Table("Name", "Duration", "Segments", "Speakers", "Codings", "Coded")
    for r in rows:
        table.add_row(
            escape(r["name"]),
            format_clock(r["duration_ms"]),
            str(r["segments"]),
            str(r["speakers"]),
            str(r["codings"]),
            f"{r['coded_share']:.0%}",
        )
    console.print(table)


@transcripts_group.command("show")
@project_option
@click.argument("name")
@click.option(
    "--offsets", is_flag=True, help="Show each segment's character offsets (for code add)."
)
@click.pass_context
def transcripts_show(ctx: click.Context, name: str, offsets: bool) -> None:
    """Print a transcript turn by turn."""
    project = open_project(ctx)
    src = project.sources.get(name)
    for g in project.sources.segments(src):
        where = f"[dim]{g.start}-{g.end}[/] " if offsets else ""
        console.print(
            f"{where}[cyan]{format_clock(g.start_ms)}[/] [bold]{escape(g.speaker or '?')}[/]: ",
            escape(src.text[g.start : g.end]),  # "[laughs]" is transcript text, not markup
            sep="",
            markup=True,
            highlight=False,
        )


@transcripts_group.command("export")
@project_option
@click.argument("name")
@click.option(
    "--format", "fmt", type=click.Choice(["txt", "vtt", "srt"]), default="txt", show_default=True
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: stdout)."
)
@click.pass_context
def transcripts_export(ctx: click.Context, name: str, fmt: str, output: str | None) -> None:
    """Write a transcript as plain text, WebVTT or SRT."""
    project = open_project(ctx)
    text = project.sources.export(name, fmt)
    if output:
        write_text_atomic(Path(output), text)
        click.echo(f"Wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


@transcripts_group.command("remove")
@project_option
@click.argument("name")
@click.pass_context
def transcripts_remove(ctx: click.Context, name: str) -> None:
    """Remove a transcript and its codings (undo with 'mpu-qual undo')."""
    project = open_project(ctx)
    n = project.sources.remove(name)
    click.echo(f"Removed '{name}' and {n} codings. 'mpu-qual undo' brings them back.")


# ----------------------------------------------------------------------------- codings
@main.group("code")
def code_group() -> None:
    """Add, list and remove codings (a code applied to a span of a transcript)."""


@code_group.command("add")
@project_option
@click.argument("source")
@click.option("--start", type=int, required=True, help="Start offset (characters).")
@click.option("--end", type=int, required=True, help="End offset (exclusive).")
@click.option("--code", "codes", required=True, multiple=True, help="Code id (repeatable).")
@click.option("--memo", help="A memo for the coding.")
@click.pass_context
def code_add(
    ctx: click.Context, source: str, start: int, end: int, codes: tuple[str, ...], memo: str | None
) -> None:
    """Code SOURCE from --start to --end with one or more codes."""
    project = open_project(ctx)
    for c in project.codings.add_many(source, start, end, list(codes), memo=memo):
        click.echo(
            f"Coding {c.id}: {c.code_id} on '{c.quote[:60]}'" + ("..." if len(c.quote) > 60 else "")
        )


def _coding_rows(codings: list) -> list[dict[str, Any]]:
    return [
        {
            "id": c.id,
            "source": c.source_name,
            "code": c.code_id,
            "start": c.start,
            "end": c.end,
            "participant": c.participant_label,
            "group": c.group,
            "time": format_clock(c.start_ms),
            "quote": c.quote,
            "memo": c.memo,
            "coder": c.coder,
            "created_at": c.created_at,
        }
        for c in codings
    ]


@code_group.command("list")
@project_option
@click.option("--code", help="Only this code.")
@click.option("--subcodes", is_flag=True, help="With --code, include its sub-codes.")
@click.option("--participant", help="Only passages by this speaker label.")
@click.option("--group", help="Only passages by this stakeholder group.")
@click.option("--source", help="Only this transcript.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def code_list(
    ctx: click.Context,
    code: str | None,
    subcodes: bool,
    participant: str | None,
    group: str | None,
    source: str | None,
    fmt: str,
) -> None:
    """List codings, optionally filtered."""
    project = open_project(ctx)
    rows = _coding_rows(
        project.codings.list(
            code=code,
            participant=participant,
            source=source,
            group=group,
            include_subcodes=subcodes,
        )
    )
    if fmt == "json":
        _dump_json(rows)
        return
    table = Table("Id", "Code", "Source", "Time", "Speaker", "Quote")
    for r in rows:
        quote = r["quote"].replace("\n", " ")
        table.add_row(
            str(r["id"]),
            escape(r["code"]),
            escape(r["source"]),
            r["time"],
            escape(r["participant"] or ""),
            escape(quote[:80] + ("…" if len(quote) > 80 else "")),
        )
    console.print(table)
    click.echo(f"{len(rows)} codings")


@code_group.command("remove")
@project_option
@click.argument("coding_id", type=int)
@click.pass_context
def code_remove(ctx: click.Context, coding_id: int) -> None:
    """Remove coding CODING_ID (undo with 'mpu-qual undo')."""
    c = open_project(ctx).codings.remove(coding_id)
    click.echo(f"Removed coding {c.id} ({c.code_id}).")


@code_group.command("memo")
@project_option
@click.argument("coding_id", type=int)
@click.argument("text")
@click.pass_context
def code_memo(ctx: click.Context, coding_id: int, text: str) -> None:
    """Set the memo of coding CODING_ID ('' clears it)."""
    c = open_project(ctx).codings.update(coding_id, memo=text)
    click.echo(f"Coding {c.id} memo: {c.memo or '(none)'}")


@main.command()
@project_option
@click.option("--code", required=True, help="Code id to apply.")
@click.option("--phrase", help="Text to find (case-insensitive; Chinese or English).")
@click.option("--regex", help="Regular expression to find (Python syntax, case-insensitive).")
@click.option(
    "--unit",
    type=click.Choice(["segment", "sentence", "match"]),
    default="segment",
    show_default=True,
    help="How much text to code around each hit.",
)
@click.option("--source", "sources", multiple=True, help="Only these transcripts (repeatable).")
@click.option("--dry-run", is_flag=True, help="List what would be coded, change nothing.")
@click.pass_context
def autocode(
    ctx: click.Context,
    code: str,
    phrase: str | None,
    regex: str | None,
    unit: str,
    sources: tuple[str, ...],
    dry_run: bool,
) -> None:
    """Code every passage that matches a phrase or a regex (one undoable action)."""
    project = open_project(ctx)
    result = project.codings.autocode(
        code, phrase=phrase, regex=regex, unit=unit, dry_run=dry_run, sources=list(sources) or None
    )
    if dry_run:
        texts = {s.id: (s.name, s.text) for s in project.sources.list()}
        for sid, s, e in result.spans:
            name, text = texts[sid]
            click.echo(f"{name} {s}-{e}: {text[s:e][:100]!r}")
        click.echo(
            f"{len(result.spans)} passages would be coded ({result.skipped_existing} already are)."
        )
    else:
        click.echo(
            f"Coded {result.created} passages with {code} ({result.skipped_existing} already coded)."
        )


@main.command()
@project_option
@click.argument("query")
@click.option("--source", help="Only this transcript.")
@click.option("--limit", type=click.IntRange(min=1), default=200, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def search(ctx: click.Context, query: str, source: str | None, limit: int, fmt: str) -> None:
    """Full-text search over all transcripts (Chinese and English)."""
    project = open_project(ctx)
    hits = project.search(query, limit=limit, source=source)
    if fmt == "json":
        _dump_json([h.__dict__ for h in hits])
        return
    table = Table("Source", "Time", "Speaker", "Offsets", "Context")
    for h in hits:
        table.add_row(
            escape(h.source_name),
            format_clock(h.start_ms),
            escape(h.speaker or ""),
            f"{h.start}-{h.end}",
            escape(h.snippet),
        )
    console.print(table)
    click.echo(f"{len(hits)} hits")


# ----------------------------------------------------------------------------- history
@main.command()
@project_option
@click.pass_context
def undo(ctx: click.Context) -> None:
    """Undo the last action (also after a restart)."""
    what = open_project(ctx).history.undo()
    click.echo(f"Undone: {what}" if what else "Nothing to undo.")


@main.command()
@project_option
@click.pass_context
def redo(ctx: click.Context) -> None:
    """Redo the last undone action."""
    what = open_project(ctx).history.redo()
    click.echo(f"Redone: {what}" if what else "Nothing to redo.")


@main.command()
@project_option
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.pass_context
def history(ctx: click.Context, limit: int) -> None:
    """List recent actions (newest first)."""
    for a in open_project(ctx).history.recent(limit):
        mark = " (undone)" if a["undone"] else ""
        click.echo(f"{a['id']:>5}  {a['created_at']}  {a['description']}{mark}")
