"""Stored text never reaches the terminal raw (issue 19.7).

A transcript line holding ``ESC ]0;TITLE BEL`` retitled the terminal and ``ESC [2J`` cleared
it through ``transcripts show``, ``code list``, ``search``, the ``code add`` acknowledgement,
``participants list``, ``jobs search`` and ``jobs roles --unmatched``. Now every CLI output
goes through ``mpu_qual/cli/output.py`` (``safe_text.terminal_text``: ESC shown as ␛, BEL as
␇). Two checks: no module in ``mpu_qual/cli`` prints any other way (so a new command cannot
slip by), and each command that shows stored text is run on a project full of escape codes
with click's ANSI stripping off (as in a real terminal), its output searched for them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from package_trees import parse

from mpu_qual.cli import main
from mpu_qual.safe_text import json_terminal_safe, terminal_text
from mpu_qual.store import Project

CLI_DIR = Path(__file__).resolve().parents[2] / "mpu_qual" / "cli"
TITLE = "\x1b]0;PWNED\x07"  # OSC: set the window title
CLEAR = "\x1b[2J"  # CSI: clear the screen (click strips CSI when not a terminal; OSC it keeps)
C1 = "\x9b31m"  # an 8-bit CSI some terminals obey
EVIL = f"{TITLE}{CLEAR}{C1}"
RAW = ("\x1b]", "\x1b[2J", "\x07", "\x9b", "\u202e")


# ----------------------------------------------------------------------------- the sanitiser
def test_terminal_text_shows_every_control_character() -> None:
    assert terminal_text(EVIL) == "␛]0;PWNED␇␛[2J<U+009B>31m"
    assert terminal_text("a\tb\nc\r\nd\re\x7f\u202eevil") == "a\tb\nc\nd␍e␡<U+202E>evil"
    assert terminal_text("陳大文 said “hello” 👋") == "陳大文 said “hello” 👋"
    for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]:
        if chr(c) not in "\t\n":
            assert chr(c) not in terminal_text(f"x{chr(c)}y")


def test_json_keeps_the_data_and_sends_nothing_raw() -> None:
    import json

    text = json_terminal_safe(json.dumps({"t": EVIL + "\u202e"}, ensure_ascii=False))
    assert not any(r in text for r in RAW)
    assert json.loads(text) == {"t": EVIL + "\u202e"}


# ----------------------------------------------------------------------------- one path
FORBIDDEN = {
    ("click", "echo"),
    ("click", "secho"),
    ("click", "get_text_stream"),
    ("sys", "stdout"),
    ("sys", "stderr"),
}


def test_no_cli_module_prints_except_through_the_output_module() -> None:
    offences: list[str] = []
    for path in sorted(CLI_DIR.glob("*.py")):
        if path.name == "output.py":
            continue
        tree = parse(path.read_text(encoding="utf-8"))
        # asking whether a stream is a terminal is not printing
        allowed = {
            id(n.value)
            for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and n.attr == "isatty"
        }
        for node in ast.walk(tree):
            if id(node) in allowed:
                continue
            where = f"{path.name}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                if (node.value.id, node.attr) in FORBIDDEN:
                    offences.append(f"{where} {node.value.id}.{node.attr}")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id in {"print", "Console"}:
                    offences.append(f"{where} {node.func.id}(...)")
            if isinstance(node, ast.ImportFrom) and node.module in {"rich.console", "sys"}:
                offences.append(f"{where} from {node.module} import ...")
    assert offences == [], "print through mpu_qual.cli.output (echo, secho, console)"


# ----------------------------------------------------------------------------- every command
SRC = "evil"


@pytest.fixture
def evil_project(tmp_path: Path) -> Path:
    folder = tmp_path / "p"
    Project.init(folder).close()
    transcript = tmp_path / f"{SRC}.txt"
    transcript.write_text(
        f"[00:00:01] IL1: We need technicians {EVIL} now.\n"
        f"[00:00:05] TP2: Training {EVIL} matters.\n",
        encoding="utf-8",
    )
    ads = tmp_path / "ads.csv"
    ads.write_text(
        "Platform,Job ID,Posting Date,Job Title,Industry\n"
        f"JobsDB,1,05/12/2024,Technician {EVIL},Manufacturing\n"
        f"JobsDB,2,06/12/2024,Zookeeper {EVIL},Manufacturing\n",
        encoding="utf-8",
    )
    run = runner_for(folder)
    for args in (
        ["transcripts", "add", str(transcript)],
        ["participants", "set", "IL1", "--name", f"Chan {EVIL}"],
        ["jobs", "import", str(ads)],
    ):
        res = run(*args)
        assert res.exit_code == 0, res.output
    return folder


def runner_for(folder: Path):
    runner = CliRunner()

    def run(*args: str):
        # color=True: click keeps what it would send to a real terminal (it strips CSI
        # sequences only when the output is not one)
        return runner.invoke(main, ["-p", str(folder), *args], color=True)

    return run


# command -> arguments; each shows stored text (a quote, a name, a label, a job-ad title)
SHOWS_STORED_TEXT: dict[str, list[str]] = {
    "transcripts show": ["transcripts", "show", SRC],
    "transcripts list": ["transcripts", "list"],
    "transcripts voices": ["transcripts", "voices", SRC],
    "transcripts speakers": ["transcripts", "speakers", SRC],
    "transcripts review": ["transcripts", "review", SRC],
    "transcripts export": ["transcripts", "export", SRC],
    "code add": ["code", "add", SRC, "--start", "0", "--end", "40", "--code", "factors"],
    "code memo": ["code", "memo", "1", f"memo {EVIL}"],
    "code list": ["code", "list"],
    "matrix": ["matrix", "--cols", "participant"],
    "cooccurrence": ["cooccurrence"],
    "framework": ["framework"],
    "search": ["search", "technicians"],
    "participants list": ["participants", "list"],
    "participants set": ["participants", "set", "TP2", "--name", f"Wong {EVIL}"],
    "jobs search": ["jobs", "search", "technician"],
    "jobs roles": ["jobs", "roles", "--unmatched"],
    "jobs classify": ["jobs", "classify", f"Technician {EVIL}"],
    "jobs duplicates": ["jobs", "duplicates"],
    "history": ["history"],
    "undo": ["undo"],
    "redo": ["redo"],
    "codebook show": ["codebook", "show"],
    "doctor": ["doctor"],
    "transcripts remove": ["transcripts", "remove", SRC],
}
# Commands not run here, and why: they print only counts, paths and our own words, or need
# what a unit test cannot give (a Whisper model, a terminal UI). They print through
# mpu_qual.cli.output all the same (test_no_cli_module_prints_except_through_the_output_module).
NOT_RUN = {
    "transcripts diarize": "needs the voice model; prints counts, then the voices listing "
    "(transcripts voices, run here)",
    "framework-summary": "our own words (the summary is stored; framework shows it)",
    "tui": "opens the workbench (Textual draws stored text itself)",
    "transcribe": "needs a Whisper model; prints progress and counts",
    "init": "counts and paths",
    "backup": "paths and sizes",
    "restore": "backup names (made by mpu-qual)",
    "purge finish": "counts",
    "purge name": "counts",
    "purge transcript": "counts",
    "merge": "counts",
    "import qdc": "counts and warnings",
    "import qdpx": "counts and warnings",
    "export qdc": "counts and paths",
    "export qdpx": "counts and paths",
    "export quotes": "counts and paths",
    "summary": "counts and paths",
    "autocode": "counts",
    "code remove": "counts",
    "codebook check": "counts and file errors",
    "codebook load": "counts",
    "coders blind": "a setting",
    "coders list": "coder names (checked printable when set)",
    "agreement": "figures per code",
    "evidence link": "figures",
    "evidence list": "figures",
    "evidence refresh": "figures",
    "evidence unlink": "figures",
    "jobs import": "counts and file errors",
    "jobs reclassify": "counts",
    "jobs rules": "the rules file",
    "jobs skills": "counts per skill",
    "jobs table": "counts per sector",
    "transcripts add": "counts",
    "transcripts audio": "the recording's format",
    "transcripts clip": "a path and a duration",
    "transcripts reimport": "counts",
}


def leaf_commands(group: click.Group, prefix: str = "") -> set[str]:
    """Every command, walked the way --help does (the main group loads its modules lazily)."""
    out: set[str] = set()
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None, name
        if isinstance(cmd, click.Group):
            out |= leaf_commands(cmd, f"{prefix}{name} ")
        else:
            out.add(f"{prefix}{name}")
    return out


def test_every_command_is_either_run_here_or_says_why_not() -> None:
    assert set(SHOWS_STORED_TEXT) | set(NOT_RUN) == leaf_commands(main)
    assert not set(SHOWS_STORED_TEXT) & set(NOT_RUN)


def test_no_command_sends_stored_escape_codes_to_the_terminal(evil_project: Path) -> None:
    run = runner_for(evil_project)
    shown: list[str] = []
    for name, args in SHOWS_STORED_TEXT.items():
        res = run(*args)
        out = res.stdout + res.stderr
        assert res.exception is None or isinstance(res.exception, SystemExit), (name, out)
        assert not [r for r in RAW if r in out], (name, out)
        if "␛]0;PWNED␇" in out:
            shown.append(name)
    # the commands of the issue showed the hostile text (made visible), not nothing
    for name in (
        "transcripts show",
        "code add",
        "code list",
        "search",
        "participants list",
        "jobs search",
        "jobs roles",
    ):
        assert name in shown, name
