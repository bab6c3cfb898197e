"""A transcript's recording, attached after the fact.

Transcripts made by ``mpu-qual transcribe`` know their recording. Those imported from a file
(Zoom, Teams, Otter, noScribe, a colleague's VTT) do not, yet correcting them while listening
is most of the work: attaching the recording lets the workbench play it (``p``) and
``transcripts clip`` cut quotes from it. The file is opened first (PyAV), so that a file
that is not audio, or a recording far shorter than the transcript (the wrong meeting), is
refused before anything is stored.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from mpu_qual.errors import MpuQualError
from mpu_qual.fileio import refuse_database_file
from mpu_qual.transcript_files.timecode import format_clock

# A transcript may run a little past the end of its recording (the last cue's end is often
# rounded up, or padded by the meeting tool); more than this and it is probably another file.
SLACK_MS = 5_000


@dataclass(frozen=True)
class Recording:
    """A recording as opened: where it is, what the project stores, what it holds."""

    path: Path  # absolute
    stored: (
        str  # relative to the project folder when inside it (the folder can move), else absolute
    )
    duration_ms: int | None
    codec: str
    rate: int
    channels: int

    def describe(self) -> str:
        length = (
            format_clock(self.duration_ms) if self.duration_ms is not None else "length unknown"
        )
        return (
            f"{length}, {self.codec}, {self.rate} Hz, {'mono' if self.channels == 1 else 'stereo'}"
        )


def open_recording(path: str | Path, project_folder: Path) -> Recording:
    """Open ``path`` as audio (or video with sound) and say what it is; errors name the file."""
    p = Path(path).expanduser()
    refuse_database_file(p, "recording")
    if not p.is_file():
        raise MpuQualError(
            "no recording at this path" if not p.exists() else "this is not a file",
            path=p,
            hint="Give the recording's file (WAV, MP3, M4A, MP4, ...).",
        )
    from mpu_qual.playback.media import MediaReader  # numpy and PyAV: only when attaching

    with MediaReader(p) as reader:
        info = reader.info
    absolute = Path(os.path.abspath(p))
    folder = Path(os.path.abspath(project_folder))
    try:
        stored = absolute.relative_to(folder).as_posix()
    except ValueError:
        stored = str(absolute)
    return Recording(absolute, stored, info.duration_ms, info.codec, info.rate, info.channels)


def check_fits(
    recording: Recording, transcript_end_ms: int | None, name: str, flag: str = "--force"
) -> None:
    """Refuse a recording clearly shorter than the transcript: probably another meeting's."""
    if recording.duration_ms is None or transcript_end_ms is None:
        return
    if transcript_end_ms > recording.duration_ms + SLACK_MS:
        raise MpuQualError(
            f"the recording is {format_clock(recording.duration_ms)} long, but the transcript "
            f"'{name}' runs to {format_clock(transcript_end_ms)}: is it the right recording?",
            path=recording.path,
            hint=f"Nothing was changed. Pass {flag} to attach it all the same.",
        )
