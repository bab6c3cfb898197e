"""CLI: ``mpu-qual transcripts diarize|voices`` and the voice options of ``transcripts speakers``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from mpu_qual.cli import project_option
from mpu_qual.cli.core import open_project
from mpu_qual.cli.output import echo
from mpu_qual.cli.transcripts import transcripts_group
from mpu_qual.errors import MpuQualError
from mpu_qual.figures import count
from mpu_qual.transcript_files.timecode import format_clock

if TYPE_CHECKING:
    from mpu_qual.store import Project


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values:
        old, sep, new = v.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise MpuQualError(
                f"--{option} '{v}' is not OLD=NEW", field=option, hint="For example S1=IL1."
            )
        out[old.strip()] = new.strip()
    return out


def relabel_voices(
    project: Project,
    name: str,
    assign: tuple[str, ...],
    merge: tuple[str, ...],
    move: tuple[str, ...],
    split: tuple[int, ...] = (),
) -> None:
    moves: dict[int, str] = {}
    for turn, new in _pairs(move, "move").items():
        if not turn.isdigit():
            raise MpuQualError(f"--move '{turn}={new}': the turn must be a number", field="move")
        moves[int(turn)] = new
    res = project.voices.relabel(
        name,
        assign=_pairs(assign, "assign"),
        merge=_pairs(merge, "merge"),
        move=moves,
        split=list(split),
    )
    echo(
        f"'{res.source}': {'; '.join(s for s in res.steps)} "
        f"({count(res.changed, 'segment')} changed). 'mpu-qual undo' reverts."
    )


def echo_voices(project: Project, name: str) -> None:
    """The speakers of a transcript with talk time and confidence, and what to do next."""
    voices = project.voices.summaries(name)
    if not voices:
        echo(f"'{name}' has no speakers.", err=True)
        return
    for v in voices:
        who = f" = {v.participant}" if v.participant else ""
        conf = f", confidence {v.confidence:.2f}" if v.confidence is not None else ""
        overlap = f", {format_clock(v.overlap_ms)} possibly overlapped" if v.overlap_ms else ""
        echo(
            f"  {v.speaker}{who}: {format_clock(v.talk_ms)} in "
            f"{count(len(v.segments), 'turn')}{conf}{overlap}",
            err=True,
        )
    _echo_suggestions(project, name)
    if any(v.participant is None for v in voices):
        first = next(v.speaker for v in voices if v.participant is None)
        echo(
            f"Say who they are: mpu-qual transcripts speakers '{name}' "
            f"--assign {first}=P1 (or press V in the workbench).",
            err=True,
        )


def _echo_suggestions(project: Project, name: str) -> None:
    from mpu_qual.speech.known_voices import suggest

    for s in suggest(project, name):
        echo(
            f"  {s.voice} sounds like {s.participant} (similarity "
            f"{s.similarity:.2f}, from {', '.join(n for n in s.sources)}): confirm with "
            f"--assign {s.voice}={s.participant}",
            err=True,
        )


@transcripts_group.command("diarize")
@project_option
@click.argument("name")
@click.option(
    "--speakers",
    default="auto",
    show_default=True,
    help="How many voices: auto (the transcript's Participants header if it has one), a "
    "number (6) or a range (5-8).",
)
@click.option("--replace", is_flag=True, help="Label again a transcript that has speakers.")
@click.option("--threads", type=int, default=0, help="CPU threads (0 = PyTorch default).")
@click.pass_context
def transcripts_diarize(
    ctx: click.Context, name: str, speakers: str, replace: bool, threads: int
) -> None:
    """Find who speaks when in a transcript's attached recording and label its turns.

    Turns are split where the voice changes; the voices are S1, S2, ... until you say who
    they are (transcripts speakers NAME --assign S1=P1). One undoable action.
    """
    from mpu_qual.speech.relabel import check_diarizable, diarize_transcript
    from mpu_qual.speech.voices import parse_speakers

    wanted = parse_speakers(speakers)
    project = open_project(ctx)
    check_diarizable(project, name, replace=replace)  # refused before the model loads
    from mpu_qual.speech.voices import SenkoDiarizer  # PyTorch: seconds to load

    echo("finding speakers (loading the voice model) ...", err=True)
    rep = diarize_transcript(project, name, SenkoDiarizer(wanted, threads=threads), replace=replace)
    if rep.speakers_from_header:
        echo(
            f"clustered into the {count(rep.speakers_from_header, 'participant')} the "
            "transcript's Participants header lists (--speakers overrides it)",
            err=True,
        )
    secs = f" in {rep.seconds:.0f} s" if rep.seconds is not None else ""
    echo(
        f"'{rep.source}': {count(rep.voices, 'voice')} found{secs}; "
        f"{count(rep.segments_before, 'turn')} became {rep.segments_after}. "
        "'mpu-qual undo' reverts.",
        err=True,
    )
    echo_voices(project, rep.source)


@transcripts_group.command("voices")
@project_option
@click.argument("name")
@click.pass_context
def transcripts_voices(ctx: click.Context, name: str) -> None:
    """List a transcript's speakers: talk time, turns, confidence, possible overlap."""
    project = open_project(ctx)
    voices = project.voices.summaries(name)
    if not voices:
        echo(f"'{name}' has no speakers.")
        return
    for v in voices:
        who = v.participant if v.participant else "-"
        conf = f"{v.confidence:.2f}" if v.confidence is not None else "-"
        echo(
            f"{v.speaker}\t{who}\t{format_clock(v.talk_ms)}\t"
            f"{len(v.segments)}\t{conf}\t{format_clock(v.overlap_ms)}"
        )
    _echo_suggestions(project, name)
