"""Every command of the CLI is documented in README.md (walked from the click ``main`` group)."""

from __future__ import annotations

import re
from pathlib import Path

import click

from mpu_qual.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"


def command_paths(group: click.Group, prefix: str = "") -> list[str]:
    """``codebook show``, ``search``, ... for every visible command and subcommand."""
    ctx = click.Context(group)
    paths: list[str] = []
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        if cmd is None or cmd.hidden:
            continue
        path = f"{prefix}{name}"
        paths.append(path)
        if isinstance(cmd, click.Group):
            paths.extend(command_paths(cmd, path + " "))
    return paths


def test_the_walk_finds_the_core_commands() -> None:
    paths = command_paths(main)
    for expected in (
        "init",
        "codebook load",
        "transcripts export",
        "code memo",
        "autocode",
        "search",
        "undo",
        "history",
    ):
        assert expected in paths


def test_every_command_is_in_the_readme() -> None:
    assert README.is_file(), "README.md is missing: it must document every command"
    text = README.read_text(encoding="utf-8")
    missing = [
        path
        for path in command_paths(main)
        if not re.search(
            r"mpu-qual\s+" + r"\s+".join(map(re.escape, path.split())) + r"(?![\w-])", text
        )
    ]
    assert not missing, "README.md does not mention: " + ", ".join(
        f"'mpu-qual {m}'" for m in missing
    )
