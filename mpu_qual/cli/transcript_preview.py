"""``transcripts add --preview``: print how files would be read; open no project, write nothing."""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape
from rich.table import Table
from rich.text import Text

from mpu_qual.cli import report_error
from mpu_qual.cli.output import Wrapped, console, echo
from mpu_qual.codebook import load_codebook
from mpu_qual.errors import MpuQualError
from mpu_qual.transcript_files.preview import preview_file
from mpu_qual.transcript_files.timecode import format_clock


def _groups(folder: Path) -> list:
    """The codebook's stakeholder groups, read from the file (the project is not opened)."""
    try:
        return list(load_codebook(folder / "codebook.yaml").groups)
    except (MpuQualError, OSError):
        return []


def preview_files(
    folder: Path, files: tuple[str, ...], *, encoding: str | None, speakers: str
) -> int:
    """Print a preview of each file; the exit status is 1 when any file cannot be read."""
    groups = _groups(folder)
    failed = 0
    for f in files:
        try:
            p = preview_file(f, encoding=encoding, speakers=speakers, groups=groups)
        except MpuQualError as exc:
            failed += 1
            report_error(exc)
            continue
        console.print(f"[bold]{escape(f)}[/bold]")
        console.print(f"  Format:   {escape(p.format)}, layout: {escape(p.layout)}")
        conf = f", confidence {p.encoding_confidence:.0%}" if p.encoding_confidence else ""
        how = f" ({p.encoding_how}{conf})" if p.encoding_how else ""
        console.print(f"  Encoding: {escape(str(p.encoding))}{escape(how)}")
        console.print(f"  Turns:    {p.turns}; speakers: {len(p.speakers)}")
        if p.speakers:
            table = Table("Speaker", "Turns", "Role (header)", "Group", box=None, padding=(0, 2))
            for s in p.speakers:
                table.add_row(
                    escape(s["label"]), str(s["turns"]), escape(s["role"] or ""), s["group"] or ""
                )
            console.print(table)
        console.print("  First turns:")
        for t in p.first_turns:
            when = f"[{format_clock(t['start_ms'])}] " if t["start_ms"] is not None else ""
            who = f"{t['speaker']}: " if t["speaker"] else ""
            text = t["text"].replace("\n", " ")
            text = text if len(text) <= 100 else text[:99] + "…"
            # wrapped by the Chinese line-breaking rules, lined up under the turn's text
            console.print(Wrapped(text, prefix=Text("    " + when + who)), highlight=False)
    echo("Preview only: nothing was imported.", err=True)
    return 1 if failed else 0
