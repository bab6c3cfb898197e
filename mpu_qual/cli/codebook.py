"""CLI: ``mpu-qual codebook show|check|load``: the codebook file and the project's codes.\n"""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.tree import Tree

from mpu_qual.cli import main, project_option
from mpu_qual.cli.core import dump_json, open_project, parse_pairs, project_dir
from mpu_qual.cli.output import console, echo
from mpu_qual.codebook import load_codebook
from mpu_qual.figures import count


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
        dump_json([{**c.__dict__, "codings": counts.get(c.id, 0)} for c in codes])
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
    echo(f"{path}: OK ({count(len(cb.themes()), 'theme')}, {count(len(cb.codes), 'code')})")


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
        file, merge_into=parse_pairs(merges, "--merge-into"), dry_run=dry_run
    )
    prefix = "would be " if dry_run else ""
    if not report.changed:
        echo("Codebook unchanged.")
    for label, items in (
        ("added", report.added),
        ("updated", report.updated),
        ("removed", report.removed),
    ):
        if items:
            echo(f"{count(len(items), 'code')} {prefix}{label}: {', '.join(items)}")
    for old, new in report.renamed:
        echo(f"renamed {old} -> {new} (codings kept)")
    for old, new, n in report.merged:
        echo(f"merged {old} into {new} ({count(n, 'coding')} moved)")
