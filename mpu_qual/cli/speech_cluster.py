"""CLI: ``mpu-qual transcribe --cluster ADDRESS``: the same command, on Dask workers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from mpu_qual.cli.output import echo, err_console, secho
from mpu_qual.cli.speech import echo_result, exit_for
from mpu_qual.figures import count
from mpu_qual.speech.cluster import ClusterTranscriber, transcribe_on_cluster
from mpu_qual.speech.cluster_plan import parse_address
from mpu_qual.speech.cluster_report import WorkerStats
from mpu_qual.speech.options import TranscribeOptions
from mpu_qual.speech.progress import RichProgress
from mpu_qual.speech.results import TranscriptionResult
from mpu_qual.transcript_files.timecode import format_clock

if TYPE_CHECKING:
    from mpu_qual.store import Project


def transcribe_on_cluster_cmd(
    project: Project,
    audio: list[Path],
    options: TranscribeOptions,
    cluster: str,
    *,
    name: str | None,
    restart: bool,
    diarizer: Any,
    transport: str,
    chunk_minutes: float,
) -> None:
    """Run the batch on the cluster, report each file, each failure and each worker."""
    address = parse_address(cluster)
    echo(f"connecting to {address.describe()} ...", err=True)

    def ready(ct: ClusterTranscriber) -> None:
        workers = ct.client.scheduler_info().get("workers", {})
        echo(
            f"model on the workers: {ct.model.describe()}; {count(len(workers), 'worker')}",
            err=True,
        )
        for warning in ct.warnings:
            secho(f"warning: {warning}", fg="yellow", err=True)

    def done(res: TranscriptionResult) -> None:
        echo_result(res)
        if getattr(diarizer, "last", None) is not None:  # voices found (on this machine)
            from mpu_qual.cli.voices import echo_voices

            echo_voices(project, res.name)

    with RichProgress(err_console) as progress:
        rows: dict[str, Any] = {}

        def workers(busy: dict[str, list[str]], stats: dict[str, WorkerStats]) -> None:
            """One progress row per worker: what it runs now, the audio it has done."""
            for worker in sorted(set(busy) | set(rows)):
                st = stats.get(worker, WorkerStats())
                doing = ", ".join(busy.get(worker, [])) or (
                    "idle" if worker in busy else "left the cluster"
                )
                fields: dict[str, Any] = {
                    "status": doing,
                    "segments": st.segments,
                    "completed": st.audio_ms,
                }
                if worker not in rows:
                    rows[worker] = progress.progress.add_task(
                        "", total=None, name=f"worker {worker.split('://')[-1]}", **fields
                    )
                else:
                    progress.progress.update(rows[worker], **fields)

        report = transcribe_on_cluster(
            project,
            audio,
            options,
            address,
            name=name,
            restart=restart,
            chunk_s=chunk_minutes * 60,
            transport=transport,
            diarizer=diarizer,
            on_progress=progress,
            on_result=done,
            on_ready=ready,
            on_workers=workers,
        )
    for worker, st in sorted(report.workers.items()):
        echo(
            f"worker {worker}: {count(st.tasks, 'part')}, {format_clock(st.audio_ms)} of audio "
            f"in {st.busy_s:.0f} s" + (f", {st.failed} failed" if st.failed else ""),
            err=True,
        )
    for worker in report.lost_workers:
        secho(
            f"warning: worker {worker} left the cluster during the run (lost or stopped); Dask "
            "ran its work on the others, and nothing was stored twice",
            fg="yellow",
            err=True,
        )
    exit_for(
        report,
        len(audio),
        "The other files are done; run the same command again to retry the failed ones "
        "(saved parts are kept).",
    )
