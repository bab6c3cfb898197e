"""CLI: ``mpu-qual code add|list|remove|memo``, ``autocode`` and ``search``.\n"""

from __future__ import annotations

from typing import Any

import click
from rich.cells import cell_len
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from mpu_qual.cli import main, project_option
from mpu_qual.cli.core import dump_json, open_project
from mpu_qual.cli.output import Wrapped, console, echo
from mpu_qual.figures import count
from mpu_qual.linebreak import context_window
from mpu_qual.safe_text import terminal_text
from mpu_qual.transcript_files.timecode import format_clock


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
        echo(
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
        dump_json(rows)
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
            Wrapped(safe_line(quote[:80] + ("…" if len(quote) > 80 else ""))),
        )
    console.print(table)
    echo(f"{count(len(rows), 'coding')}")


@code_group.command("remove")
@project_option
@click.argument("coding_id", type=int)
@click.pass_context
def code_remove(ctx: click.Context, coding_id: int) -> None:
    """Remove coding CODING_ID (undo with 'mpu-qual undo')."""
    c = open_project(ctx).codings.remove(coding_id)
    echo(f"Removed coding {c.id} ({c.code_id}).")


@code_group.command("memo")
@project_option
@click.argument("coding_id", type=int)
@click.argument("text")
@click.pass_context
def code_memo(ctx: click.Context, coding_id: int, text: str) -> None:
    """Set the memo of coding CODING_ID ('' clears it)."""
    c = open_project(ctx).codings.update(coding_id, memo=text)
    echo(f"Coding {c.id} memo: {c.memo or '(none)'}")


@main.command()
@project_option
@click.option("--code", required=True, help="Code id to apply.")
@click.option(
    "--phrase",
    help="Text to find (case-insensitive; English whole words; Chinese in either script: "
    "培训 codes 培訓, with the [chinese] extra).",
)
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
            echo(f"{name} {s}-{e}: {text[s:e][:100]!r}")
        echo(
            f"{count(len(result.spans), 'passage')} would be coded ({result.skipped_existing} already are)."
        )
    else:
        echo(
            f"Coded {count(result.created, 'passage')} with {code} ({result.skipped_existing} already coded)."
        )


@main.command()
@project_option
@click.argument("query")
@click.option("--source", help="Only this transcript.")
@click.option("--limit", type=click.IntRange(min=1), default=200, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def search(ctx: click.Context, query: str, source: str | None, limit: int, fmt: str) -> None:
    """Full-text search over all transcripts (Chinese and English, case-insensitive).

    Chinese matches in either script: 培训 finds 培訓 and the reverse, 生產綫 finds 生产线
    and 生產線 (with the [chinese] extra, OpenCC). The stored text is never converted, and
    the offsets shown point at the stored characters. Each hit shows the match with its
    context (JSON: snippet, with snippet_start and snippet_end marking the match in it).
    """
    project = open_project(ctx)
    hits = project.search(query, limit=limit, source=source)
    if fmt == "json":
        dump_json([h.__dict__ for h in hits])
        return
    table = Table("Source", "Time", "Speaker", "Offsets", "Context")
    rows = [
        (
            escape(safe_line(h.source_name)),
            format_clock(h.start_ms),
            escape(safe_line(h.speaker or "")),
            f"{h.start}-{h.end}",
        )
        for h in hits
    ]
    # the context column gets what the other columns leave (3 cells of border and padding
    # per column), and each snippet is cut to it around the match, so the match is seen
    others = [max((cell_len(r[i]) for r in rows), default=0) for i in range(4)]
    others = [
        max(w, cell_len(t))
        for w, t in zip(others, ("Source", "Time", "Speaker", "Offsets"), strict=True)
    ]
    room = max(20, console.width - sum(others) - 16)
    for r, h in zip(rows, hits, strict=True):
        table.add_row(*r, match_text(h.snippet, h.snippet_start, h.snippet_end, room))
    console.print(table)
    echo(count(len(hits), "hit"))


def safe_line(text: str) -> str:
    """One line of stored text for the terminal: line breaks and tabs as spaces, control and
    escape characters shown (``safe_text.terminal_text``, as everywhere), never sent."""
    return terminal_text(text.replace("\n", " ").replace("\t", " "))


def match_text(snippet: str, start: int, end: int, width: int) -> Text:
    """The snippet cut to ``width`` cells around the match, the match highlighted (shown
    bold and reversed on a terminal; plain when the output is a file or a pipe)."""
    window, a, b = context_window(snippet, start, end, width)
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(safe_line(window[:a]))
    text.append(safe_line(window[a:b]), style="bold reverse")
    text.append(safe_line(window[b:]))
    return text
