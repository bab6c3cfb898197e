"""CLI: ``mpu-qual participants list|set``: speaker labels, names, groups, attributes.\n"""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from mpu_qual.cli import main, project_option
from mpu_qual.cli.core import dump_json, open_project, parse_pairs
from mpu_qual.cli.output import console, echo


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
        dump_json([p.__dict__ for p in people])
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
        label, name=name, group=group, attrs=parse_pairs(attrs, "--attr"), new_label=new_label
    )
    echo(f"{p.label}: group={p.group_id or '-'} attributes={p.attributes}")
