"""The README's commands work as written, on the demo project that `./dev demo` builds.

Every `mpu-qual ...` command of the README's Workflow and of its command tables is run: optional
parts (`[...]`) are left out, the first of the alternatives (`a|b`, `(x | y)`) is taken, and
only the UPPERCASE placeholders are filled in (FILES below). A command added to the README
without a way to fill its placeholders fails here, and so does one that no longer runs.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from mpu_qual.cli import main
from mpu_qual.store import Project

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
FOCUS = "focus-group-2025-12-08"
RECORDING = "introductions-recording"
# Commands that open the full-screen workbench: the Pilot tests in tests/tui drive it.
WORKBENCH = {"", "tui"}


def load_code_demo():
    spec = importlib.util.spec_from_file_location("code_demo", ROOT / "scripts" / "code_demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["code_demo"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project as `./dev demo` builds it, once for this module."""
    base = tmp_path_factory.mktemp("readme-demo")
    mp = pytest.MonkeyPatch()
    mp.setenv("MPU_QUAL_HOME", str(base / "home"))
    try:
        assert load_code_demo().main(["--project", str(base / "demo"), "--no-summary"]) == 0
    finally:
        mp.undo()
    return base / "demo"


# ----------------------------------------------------------------------------- the README
def cells(line: str) -> list[str]:
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]


def readme_commands() -> list[str]:
    """Every `mpu-qual ...` of the Workflow section and of the first cell of each table row."""
    text = README.read_text(encoding="utf-8")
    workflow = text[text.index("## Workflow") :]
    workflow = workflow[: workflow.index("\n## ", 3)]
    found = re.findall(r"`(mpu-qual(?: [^`]*)?)`", workflow.replace("\\|", "|"))
    for line in text.splitlines():
        if line.startswith("| `mpu-qual"):
            found += re.findall(r"`(mpu-qual(?: [^`]*)?)`", cells(line)[0])
    return list(dict.fromkeys(found))


def as_written(template: str) -> list[str]:
    """The command with optional parts left out and the first of each set of alternatives."""
    s = template
    while True:  # innermost [...] first: `[--audio REC [--force-audio]]`
        t = re.sub(r"\s*\[[^\[\]]*\]", "", s)
        if t == s:
            break
        s = t
    s = re.sub(r"\(([^()|]*?)\s*\|[^()]*\)", r"\1", s)
    words = shlex.split(s)[1:]
    return [w.split("|")[0] if "|" in w and not w.startswith("-") else w for w in words]


def command_path(words: list[str]) -> str:
    group: click.Command = main
    path: list[str] = []
    for w in words:
        if not isinstance(group, click.Group):
            break
        sub = group.get_command(click.Context(group), w)  # the CLI loads its groups lazily
        if sub is None:
            break
        group = sub
        path.append(w)
    return " ".join(path)


PLACEHOLDER = re.compile(r"^[A-Z][A-Z_]*(\.\.\.)?(\.[a-z]+)?$")


# ----------------------------------------------------------------------------- filling in
@dataclass
class Here:
    """A fresh copy of the demo project, and a CLI runner working in it."""

    folder: Path
    tmp: Path
    run: Callable[..., Result]


# For each command: placeholder -> value (a callable gets Here and may prepare something).
def _coding_id(h: Here) -> str:
    with Project.open(h.folder) as p:
        return str(p.codings.list()[0].id)


def _export(h: Here, kind: str) -> str:
    """A file from another project: one interview, coded once."""
    other, out = h.tmp / "other", h.tmp / f"other.{kind}"
    for args in (
        ("init", str(other), "--no-import"),
        ("-p", str(other), "transcripts", "add", _transcript_file(h)),
        (
            "-p",
            str(other),
            "code",
            "add",
            "interview",
            "--start",
            "5",
            "--end",
            "20",
            "--code",
            "challenges.ageing",
        ),
        ("-p", str(other), "export", kind, "-o", str(out)),
    ):
        result = h.run(*args)
        assert result.exit_code == 0, result.output
    return str(out)


def _backup_name(h: Here) -> str:
    assert h.run("backup", "--reason", "readme").exit_code == 0
    return sorted(p.name for p in (h.folder / "backups").iterdir() if "readme" in p.name)[0]


def _clip(h: Here) -> str:
    out = h.tmp / "clip.wav"
    assert h.run("transcripts", "clip", RECORDING, "1-2", "-o", str(out)).exit_code == 0
    return str(out)


def _transcript_file(h: Here) -> str:
    path = h.tmp / "interview.txt"
    path.write_text("[00:00:01] IL1: We need more technicians.\n", encoding="utf-8")
    return str(path)


FILL: dict[str, dict[str, object]] = {
    "init": {"DIR": lambda h: str(h.tmp / "new-project")},
    "participants set": {"LABEL": "IL1"},
    "transcripts add": {"FILE...": _transcript_file},
    "transcripts audio": {"NAME": RECORDING},
    "transcripts show": {"NAME": FOCUS},
    "transcripts export": {"NAME": FOCUS},
    "transcripts remove": {"NAME": FOCUS},
    "transcripts review": {"NAME": RECORDING},
    "transcripts clip": {
        "NAME": RECORDING,
        "SEGMENT...": "1",
        "FILE.wav": lambda h: str(h.tmp / "c.wav"),
    },
    "transcribe": {"AUDIO...": _clip},
    "code add": {"SOURCE": FOCUS, "N": "0", "M": "40", "ID": "challenges.ageing"},
    "code memo": {"ID": _coding_id, "TEXT": "checked with IL1"},
    "code remove": {"ID": _coding_id},
    "autocode": {"ID": "challenges.ageing", "T": "ageing", "TEXT": "ageing"},
    "search": {"QUERY": "infrastructure"},
    "merge": {"OTHER": lambda h: str(h.tmp / "colleague")},
    "jobs import": {"FILE...": "ads.csv", "FILE.csv": "ads.csv"},
    "jobs classify": {"TITLE": "QA Engineer"},
    "jobs search": {"WORDS...": "PLC"},
    "evidence link": {"ID": "manpower.job_market", "ROLE": "技術員"},
    "evidence unlink": {"LINK_ID": "1"},
    "export quotes": {"FILE": lambda h: str(h.tmp / "quotes.csv")},
    "export qdc": {"FILE.qdc": lambda h: str(h.tmp / "out.qdc")},
    "export qdpx": {"FILE.qdpx": lambda h: str(h.tmp / "out.qdpx")},
    "import qdpx": {"FILE.qdpx": lambda h: _export(h, "qdpx")},
    "import qdc": {"FILE.qdc": lambda h: _export(h, "qdc")},
    "restore": {"NAME": _backup_name},
    "purge name": {"LABEL": "IL1"},
    "purge transcript": {"NAME": RECORDING},
    "transcripts diarize": {"NAME": "unlabelled"},
    "transcripts voices": {"NAME": RECORDING},
    "transcripts speakers": {"NAME": RECORDING},
    "framework-summary": {"ROW": "IL1", "THEME": "challenges", "TEXT": "Hiring is slow."},
}
# Before the command: what it needs to find (an undone action to redo, a colleague's copy).
BEFORE: dict[str, Callable[[Here], None]] = {
    "redo": lambda h: None if h.run("undo").exit_code == 0 else pytest.fail("undo failed"),
    "merge": lambda h: _make_colleague(h),
    "transcripts diarize": lambda h: _unlabelled_recording(h),
    "transcripts speakers": lambda h: _four_voices(h),
}


def _ok(h: Here, *args: str) -> str:
    result = h.run(*args)
    assert result.exit_code == 0, f"mpu-qual {' '.join(args)}:\n{result.output}"
    return result.output


def _unlabelled_recording(h: Here) -> None:
    """The demo recording's transcript as a meeting tool exports it: times, no speakers."""
    vtt = _ok(h, "transcripts", "export", RECORDING, "--format", "vtt")
    plain = h.tmp / "unlabelled.vtt"
    plain.write_text(re.sub(r"<v [^>]*>", "", vtt), encoding="utf-8")
    _ok(h, "transcripts", "add", str(plain), "--audio", "demo/recording.ogg")


def _four_voices(h: Here) -> None:
    """The recording's turns as diarization labels them: voices S1-S4, nobody named yet."""
    for label, start, end in (
        ("S1", "0:00", "0:29"),
        ("S2", "0:29", "1:07"),
        ("S3", "1:07", "1:30"),
        ("S4", "1:30", "2:00"),
    ):
        _ok(h, "transcripts", "speakers", RECORDING, "--label", label, "--from", start, "--to", end)


def _make_colleague(h: Here) -> None:
    """A colleague's copy: the demo, with one coding of theirs added."""
    other = h.tmp / "colleague"
    shutil.copytree(h.folder, other, ignore=shutil.ignore_patterns("backups"))
    with Project.open(other) as p:
        src = p.sources.get(FOCUS)
        seg = p.sources.segments(src)[5]
        p.codings.add(src, seg.start, seg.end, "challenges.ageing", coder="colleague-b")


def fill(words: list[str], path: str, h: Here) -> list[str]:
    values = FILL.get(path, {})
    out = []
    for w in words:
        if PLACEHOLDER.match(w):
            if w not in values:
                pytest.fail(f"README: 'mpu-qual {' '.join(words)}': nothing to fill {w} with")
            v = values[w]
            w = v(h) if callable(v) else str(v)
        out.append(w)
    return out


@pytest.fixture
def here(demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Here]:
    folder = tmp_path / "demo"
    shutil.copytree(demo_template, folder)
    home = tmp_path / "home"
    monkeypatch.setenv("MPU_QUAL_HOME", str(home))
    monkeypatch.chdir(folder)  # as written: the project is the current folder
    load_code_demo().write_demo_ads(folder / "ads.csv")
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(
            main,
            list(args),
            input="y\n",
            catch_exceptions=False,
            env={"MPU_QUAL_HOME": str(home), "COLUMNS": "200", "HF_HUB_OFFLINE": "1"},
        )

    yield Here(folder, tmp_path, run)


COMMANDS = [c for c in readme_commands() if command_path(as_written(c)) not in WORKBENCH]
WORKBENCH_COMMANDS = [c for c in readme_commands() if command_path(as_written(c)) in WORKBENCH]


def test_the_workbench_commands_take_the_options_the_readme_names(here: Here) -> None:
    """`mpu-qual` and `mpu-qual tui ...` open the full-screen workbench (the Pilot tests in
    tests/tui drive it); here: the README's options exist."""
    assert "mpu-qual" in WORKBENCH_COMMANDS
    help_text = here.run("tui", "--help").output
    for c in WORKBENCH_COMMANDS:
        for option in re.findall(r"--[a-z-]+", c):
            assert option in help_text, f"README: '{c}': tui has no {option}"


def test_the_readme_lists_the_workflow_and_the_reference() -> None:
    paths = {command_path(as_written(c)) for c in COMMANDS}
    for expected in ("init", "summary", "jobs table", "agreement", "transcripts review", "undo"):
        assert expected in paths
    assert "mpu-qual summary" in COMMANDS  # step 6, without -o
    assert len(COMMANDS) > 50


@pytest.mark.parametrize("template", COMMANDS)
def test_readme_command_runs_as_written(template: str, here: Here) -> None:
    words = as_written(template)
    path = command_path(words)
    if path in WORKBENCH:
        pytest.skip("the full-screen workbench: driven by the Pilot tests in tests/tui")
    if path in BEFORE:
        BEFORE[path](here)
    args = fill(words, path, here)
    result = here.run(*args)
    assert result.exit_code == 0, f"mpu-qual {' '.join(args)}:\n{result.output}"
    assert result.output.strip(), f"mpu-qual {' '.join(args)} printed nothing"


def test_summary_without_o_writes_summary_md(here: Here) -> None:
    result = here.run("summary")
    assert result.exit_code == 0, result.output
    text = (here.folder / "summary.md").read_text(encoding="utf-8")
    assert "summary.md" in result.output
    assert "Infrastructure" in text or "加強基建" in text


def test_the_demo_shows_every_feature(here: Here) -> None:
    """What `./dev demo` opens: a recording, flagged segments, two coders, agreement, job ads."""
    listing = here.run("transcripts", "list", "--format", "json")
    rows = {r["name"]: r for r in json.loads(listing.output)}
    assert rows[RECORDING]["recording"] == "demo/recording.ogg"
    assert rows[FOCUS]["recording"] is None
    table = here.run("transcripts", "list").output
    assert re.search(r"introductions-recording.*\byes\b", table)

    review = here.run("transcripts", "review", RECORDING, "--format", "json")
    flagged = json.loads(review.output)
    assert len(flagged) == 2
    assert {f for item in flagged for f in item["flags"]} >= {"no_speech", "gap_at_end"}

    coders = here.run("coders", "list", "--format", "json")
    by_name = {c["coder"]: c["codings"] for c in json.loads(coders.output)}
    assert set(by_name) == {"demo-researcher", "demo-colleague"}
    assert by_name["demo-researcher"] == 83 and by_name["demo-colleague"] == 21

    agreement = here.run("agreement", "--format", "json")
    assert agreement.exit_code == 0, agreement.output
    figures = json.loads(agreement.output)
    assert figures, "no agreement figures"
    assert "kappa" in agreement.output

    jobs = here.run("jobs", "table", "--format", "json")
    assert jobs.exit_code == 0, jobs.output
    assert "技術員" in jobs.output
    evidence = here.run("evidence", "list", "--format", "json")
    assert len(json.loads(evidence.output)) == 3

    with Project.open(here.folder, readonly=True) as p:
        src = p.sources.get(RECORDING)
        speakers = {s.speaker for s in p.sources.segments(src)}
        assert {"Moderator", "IL1", "TP2", "AC1", "TE1"} <= speakers
        assert (here.folder / src.media_path).stat().st_size < 300_000
