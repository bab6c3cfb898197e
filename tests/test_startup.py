"""Reading commands start light: no UI, no numpy, no document or speech libraries.

The timing itself is a benchmark (benchmarks/bench_startup.py); these tests only check what a
reading command imports, which does not depend on the machine's load.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("textual", "numpy", "pandas", "openpyxl", "docx", "faster_whisper", "ctranslate2", "av")
PROBE = """
import json, sys
from mpu_qual.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})
commands = sorted(m for m in sys.modules if m.startswith("mpu_qual.cli."))
print(json.dumps([loaded, commands]), file=sys.stderr)
"""


@pytest.mark.parametrize(
    ("command", "modules"),
    [
        (["code", "list"], ["mpu_qual.cli.coding", "mpu_qual.cli.core", "mpu_qual.cli.output"]),
        (
            ["transcripts", "list"],
            [
                "mpu_qual.cli.core",
                "mpu_qual.cli.output",
                "mpu_qual.cli.speech",
                "mpu_qual.cli.transcript_preview",
                "mpu_qual.cli.transcripts",
                "mpu_qual.cli.voices",  # transcripts diarize / voices (no heavy package)
            ],
        ),
        (
            ["codebook", "show"],
            ["mpu_qual.cli.codebook", "mpu_qual.cli.core", "mpu_qual.cli.output"],
        ),
    ],
)
def test_reading_commands_load_no_heavy_package(
    demo_dir: Path, command: list[str], modules: list[str]
) -> None:
    """...and only their own command modules (the CLI's registry loads them lazily)."""
    res = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=set(HEAVY)), "-p", str(demo_dir), *command],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip(), "the command printed nothing"
    loaded, commands = json.loads(res.stderr.strip().splitlines()[-1])
    assert loaded == []
    assert commands == modules


def test_the_command_registry_names_every_command_and_its_module() -> None:
    """Every command a module under cli/ defines is in COMMANDS, under the modules that
    define it and its subcommands; nothing in COMMANDS is missing from the code."""
    code = (
        "import importlib, json, pkgutil, mpu_qual.cli as c\n"
        "for m in pkgutil.iter_modules(c.__path__):\n"
        "    importlib.import_module('mpu_qual.cli.' + m.name)\n"
        "def mods(cmd):\n"
        "    out = {cmd.callback.__module__} if cmd.callback else set()\n"
        "    for sub in getattr(cmd, 'commands', {}).values():\n"
        "        out |= mods(sub)\n"
        "    return out\n"
        "found = {n: sorted(mods(cmd)) for n, cmd in c.main.commands.items()}\n"
        "print(json.dumps([found, {n: list(v) for n, v in c.COMMANDS.items()}]))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    found, registry = json.loads(res.stdout)
    assert sorted(found) == sorted(registry)
    for name, defined_in in found.items():
        assert {m.removeprefix("mpu_qual.cli.") for m in defined_in} <= set(registry[name]), name


def test_sqlite_utils_is_imported_without_numpy_and_numpy_still_works() -> None:
    code = (
        "import sys, mpu_qual, sqlite_utils.db as d\n"
        "assert d.np is None and 'numpy' not in sys.modules\n"
        "import numpy\n"
        "assert numpy.arange(3).sum() == 3\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr


def test_when_numpy_is_already_loaded_the_hook_steps_aside() -> None:
    code = "import numpy, mpu_qual, sqlite_utils.db as d\nassert d.np is numpy\n"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr


def test_a_group_gets_every_module_of_its_registry_entry_whatever_was_imported_first() -> None:
    """cli/speech.py imports cli/transcripts.py: the transcripts group then exists before
    its registry entry is loaded, and must still get the subcommands of cli/voices.py."""
    code = (
        "import click, mpu_qual.cli.transcripts\n"
        "from mpu_qual.cli import main\n"
        "ctx = click.Context(main)\n"
        "print(sorted(main.get_command(ctx, 'transcripts').list_commands(ctx)))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "'diarize'" in res.stdout and "'clip'" in res.stdout
