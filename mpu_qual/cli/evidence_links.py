"""CLI: ``mpu-qual evidence link|list|refresh|unlink``: job-ad figures attached to codes and codings.\n"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click
from rich.table import Table

from mpu_qual.cli import main, project_option
from mpu_qual.cli.core import open_project
from mpu_qual.cli.evidence_jobs import rules_from, rules_option
from mpu_qual.cli.output import console, echo, echo_json

if TYPE_CHECKING:
    from mpu_qual.evidence.links import EvidenceLink


@main.group("evidence")
def evidence_group() -> None:
    """Link job-ad figures to codes and codings, list and refresh them."""


def _link_row(link: EvidenceLink) -> dict[str, Any]:
    return {
        "id": link.id,
        "code": link.code_id,
        "coding": link.coding_id,
        "query": {k: v for k, v in link.query.__dict__.items() if v},
        "count": link.figure.count,
        "total": link.figure.total,
        "share": link.figure.share,
        "computed_at": link.figure.computed_at,
        "note": link.note,
    }


def _links_table(links: list[EvidenceLink], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for h in ("Id", "On", "Query", "Figure", "Computed", "Note"):  # EvidenceLink.COLUMNS
        table.add_column(h)
    for x in links:
        table.add_row(*x.cells())
    return table


@evidence_group.command("link")
@project_option
@rules_option
@click.option("--code", "code_id", help="Link to this code id.")
@click.option("--coding", "coding_id", type=int, help="Link to this one coding (its id).")
@click.option("--sector", help="Count ads of this sector.")
@click.option("--window", help="Count ads of this survey window.")
@click.option("--role", help="Count ads of this job role.")
@click.option("--term", help="Count ads mentioning this skill term.")
@click.option("--text", help="Count ads containing these words.")
@click.option("--note", help="Why this evidence matters.")
@click.pass_context
def evidence_link(
    ctx: click.Context,
    rules_file: str | None,
    code_id: str | None,
    coding_id: int | None,
    sector: str | None,
    window: str | None,
    role: str | None,
    term: str | None,
    text: str | None,
    note: str | None,
) -> None:
    """Save a job-ad query with the figure it gives now, linked to a code or a coding."""
    from mpu_qual.evidence.links import EvidenceQuery, link_evidence

    rules = rules_from(ctx, rules_file)
    project = open_project(ctx)
    q = EvidenceQuery(sector=sector, window=window, role=role, term=term, text=text)
    link = link_evidence(project, q, code_id=code_id, coding_id=coding_id, note=note, rules=rules)
    on = f"code {link.code_id}" if link.code_id else f"coding {link.coding_id}"
    echo(f"Linked evidence {link.id} to {on}: {link.query.describe()} -> {link.figure.describe()}")


@evidence_group.command("list")
@project_option
@click.option("--code", "code_id", help="Only links of this code.")
@click.option("--coding", "coding_id", type=int, help="Only links of this coding.")
@click.option("--format", "fmt", type=click.Choice(["rich", "json"]), default="rich")
@click.pass_context
def evidence_list(ctx: click.Context, code_id: str | None, coding_id: int | None, fmt: str) -> None:
    """List evidence links with their saved figures."""
    from mpu_qual.evidence.links import list_evidence

    project = open_project(ctx)
    links = list_evidence(project.db, code_id=code_id, coding_id=coding_id)
    if fmt == "json":
        echo_json(json.dumps([_link_row(x) for x in links], ensure_ascii=False, indent=2))
        return
    if not links:
        echo("No evidence links yet. Add one with 'mpu-qual evidence link --code ID ...'.")
        return
    console.print(_links_table(links, f"{len(links)} evidence links"))


@evidence_group.command("refresh")
@project_option
@click.argument("link_ids", nargs=-1, type=int)
@click.pass_context
def evidence_refresh(ctx: click.Context, link_ids: tuple[int, ...]) -> None:
    """Recompute the figures of all links (or those given) after imports or rule changes."""
    from mpu_qual.evidence.links import refresh_evidence

    project = open_project(ctx)
    pairs = refresh_evidence(project, list(link_ids) or None)
    changed = 0
    for before, after in pairs:
        same = (before.figure.count, before.figure.total) == (
            after.figure.count,
            after.figure.total,
        )
        changed += not same
        mark = "unchanged" if same else f"was {before.figure.describe()}"
        echo(f"{after.id}: {after.query.describe()} -> {after.figure.describe()} ({mark})")
    echo(f"Refreshed {len(pairs)} links; {changed} figures changed.")


@evidence_group.command("unlink")
@project_option
@click.argument("link_id", type=int)
@click.pass_context
def evidence_unlink(ctx: click.Context, link_id: int) -> None:
    """Remove one evidence link."""
    from mpu_qual.evidence.links import unlink_evidence

    project = open_project(ctx)
    link = unlink_evidence(project, link_id)
    echo(f"Removed evidence link {link.id} ({link.query.describe()}).")
