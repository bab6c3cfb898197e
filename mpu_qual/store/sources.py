"""Transcripts (sources) and their segments: import, store exactly as given, read, export."""

from __future__ import annotations

import builtins
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from mpu_qual.errors import MpuQualError, NotFound
from mpu_qual.fileio import refuse_database_file
from mpu_qual.store.bulk_rows import check_and_index_source, rows_checked_per_source
from mpu_qual.store.connection import inserted_id
from mpu_qual.store.recordings import Recording, check_fits, open_recording
from mpu_qual.store.records import Segment, Source
from mpu_qual.store.reimport import MIN_FUZZY_RATIO, ReimportReport, replace_text
from mpu_qual.transcript_files.formats import parse_file, write
from mpu_qual.transcript_files.parsed import ParsedSegment, ParsedTranscript

if TYPE_CHECKING:
    from mpu_qual.store.project import Project

# A segment as the workbench lays it out: (id, idx, speaker, participant id, start, end,
# start_ms); plain tuples, as they come from SQLite, because a transcript has thousands.
LayoutRow = tuple[int, int, str | None, int | None, int, int, int | None]


class SourceHeader(NamedTuple):
    """A transcript without its text: what a list of transcripts shows first."""

    id: int
    name: str
    duration_ms: int | None
    media_path: str | None


class Sources:
    """``project.sources``: the transcripts, in name order."""

    def __init__(self, project: Project) -> None:
        self.project = project

    def import_file(
        self,
        path: str | Path,
        name: str | None = None,
        *,
        encoding: str | None = None,
        speakers: str = "auto",
        audio: str | Path | None = None,
        force_audio: bool = False,
    ) -> Source:
        """Parse a transcript file and store it (one action). Nothing is written on error.

        ``encoding`` overrides detection; ``speakers="none"`` keeps every label in the text;
        ``audio`` is its recording (checked as in ``attach_recording`` before anything is stored).
        """
        p = Path(path)
        refuse_database_file(p, "transcript")  # before any read: see mpu_qual.fileio
        parsed = parse_file(p, encoding=encoding, speakers=speakers)
        recording = None
        if audio is not None:
            recording = open_recording(audio, self.project.folder)
            if not force_audio:
                check_fits(recording, _end_ms(parsed.segments), name or p.stem, "--force-audio")
        digest = hashlib.sha256(p.read_bytes()).hexdigest()
        dup = self.project.conn.execute(
            "SELECT name FROM sources WHERE sha256 = ?", [digest]
        ).fetchone()
        if dup:
            raise MpuQualError(
                f"this file is already in the project as '{dup[0]}'",
                path=p,
                hint="Remove that transcript first to import it again.",
            )
        return self.add(
            name or p.stem,
            parsed,
            original_path=str(p),
            sha256=digest,
            media_path=recording.stored if recording else None,
            duration_ms=recording.duration_ms if recording else None,  # None: from the timings
        )

    def add(
        self,
        name: str,
        parsed: ParsedTranscript,
        *,
        original_path: str | None = None,
        sha256: str | None = None,
        media_path: str | None = None,
        duration_ms: int | None = None,
    ) -> Source:
        """Store a parsed transcript: the text exactly as given, one segment per turn."""
        name = name.strip()
        if not name:
            raise MpuQualError("a transcript needs a name", field="name")
        if not parsed.segments:
            raise MpuQualError("the transcript has no segments", path=original_path)
        if self.project.conn.execute("SELECT 1 FROM sources WHERE name = ?", [name]).fetchone():
            raise MpuQualError(
                f"a transcript named '{name}' already exists",
                path=original_path,
                hint="Pass --name to import it under another name.",
            )
        text = parsed.full_text()
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise MpuQualError(
                "text contains an unpaired surrogate character",
                path=original_path,
                line=text.count("\n", 0, exc.start) + 1,
            ) from None
        if duration_ms is None:
            ends = [s.end_ms for s in parsed.segments if s.end_ms is not None]
            duration_ms = max(ends) if ends else None
        self.project.prepare_bulk("import")
        with self.project.action(f"Import transcript {name}", kind="import") as conn:
            sid = inserted_id(
                conn.execute(
                    "INSERT INTO sources (name, kind, text, length, format, original_path, sha256, "
                    "metadata, media_path, duration_ms) VALUES (?, 'transcript', ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        name,
                        text,
                        len(text),
                        parsed.format,
                        original_path,
                        sha256,
                        json.dumps(parsed.metadata, ensure_ascii=False, default=str),
                        media_path,
                        duration_ms,
                    ],
                )
            )
            pids: dict[str, int] = {}
            rows = []
            for idx, (seg, (start, end)) in enumerate(
                zip(parsed.segments, parsed.spans(), strict=True)
            ):
                pid = None
                # a diarizer's voice ("S1") is no participant until the researcher says who
                if seg.speaker and seg.meta.get("voice") != seg.speaker:
                    if seg.speaker not in pids:
                        role = parsed.roles.get(seg.speaker)
                        pids[seg.speaker] = self.project.participants.ensure(
                            conn, seg.speaker, role
                        )
                    pid = pids[seg.speaker]
                rows.append(
                    (
                        sid,
                        idx,
                        seg.speaker,
                        pid,
                        start,
                        end,
                        seg.start_ms,
                        seg.end_ms,
                        json.dumps(seg.meta, ensure_ascii=False, default=str),
                    )
                )
            with rows_checked_per_source(conn):  # checked and indexed once, not per row
                conn.executemany(
                    "INSERT INTO segments (source_id, idx, speaker, participant_id, start, end, "
                    "start_ms, end_ms, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
            check_and_index_source(conn, sid, text, index_segments=True)
            added = self.get(name)  # as committed, even if another window undoes it next
        return added

    def summaries(self) -> list[dict[str, Any]]:
        """Per transcript: name, segments, speakers, duration, recording (its stored path or
        None), coded share (no text)."""
        rows = self.project.conn.execute(
            """
            SELECT s.id, s.name, s.length, s.duration_ms, s.format, s.media_path,
                   (SELECT count(*) FROM segments g WHERE g.source_id = s.id),
                   (SELECT count(DISTINCT speaker) FROM segments g WHERE g.source_id = s.id),
                   (SELECT count(*) FROM codings c WHERE c.source_id = s.id)
            FROM sources s ORDER BY s.name
            """
        ).fetchall()
        out = []
        for sid, name, length, dur, fmt, media, nseg, nspk, ncod in rows:
            out.append(
                {
                    "id": sid,
                    "name": name,
                    "length": length,
                    "duration_ms": dur,
                    "format": fmt,
                    "recording": media,
                    "segments": nseg,
                    "speakers": nspk,
                    "codings": ncod,
                    "coded_share": self._coded_share(sid, length),
                }
            )
        return out

    def _coded_share(self, source_id: int, length: int) -> float:
        """Share of characters covered by at least one coding (overlaps counted once)."""
        if not length:
            return 0.0
        spans = self.project.conn.execute(
            "SELECT start, end FROM codings WHERE source_id = ? ORDER BY start", [source_id]
        ).fetchall()
        covered = 0
        cur_s = cur_e = -1
        for s, e in spans:
            if s > cur_e:
                covered += max(0, cur_e - cur_s)
                cur_s, cur_e = s, e
            else:
                cur_e = max(cur_e, e)
        covered += max(0, cur_e - cur_s)
        return covered / length

    def segment_count(self) -> int:
        """How many segments all transcripts have together."""
        return int(self.project.conn.execute("SELECT count(*) FROM segments").fetchone()[0])

    def list(self) -> list[Source]:
        """Every transcript, by name (with its text)."""
        return [
            self._source_row(r)
            for r in self.project.conn.execute(
                "SELECT id, name, kind, text, length, format, metadata, media_path, duration_ms, "
                "imported_at FROM sources ORDER BY name"
            )
        ]

    @staticmethod
    def _source_row(r: tuple) -> Source:
        return Source(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), r[7], r[8], r[9])

    def file_paths(self) -> builtins.list[str]:
        """Where each transcript was imported from and its recording (as stored): the files
        an export must never write over."""
        rows = self.project.conn.execute("SELECT original_path, media_path FROM sources").fetchall()
        return [p for row in rows for p in row if p]

    def names(self) -> set[str]:
        """The names of every transcript."""
        return {r[0] for r in self.project.conn.execute("SELECT name FROM sources")}

    def exists(self, name: str) -> bool:
        """Whether a transcript of this exact name is in the project (one indexed lookup)."""
        row = self.project.conn.execute("SELECT 1 FROM sources WHERE name = ?", [name])
        return row.fetchone() is not None

    def headers(self) -> builtins.list[SourceHeader]:
        """Every transcript's id, name, duration and recording, by name; no text, no
        statistics (enough to list transcripts at once)."""
        return [
            SourceHeader(*r)
            for r in self.project.conn.execute(
                "SELECT id, name, duration_ms, media_path FROM sources ORDER BY name"
            )
        ]

    def get(self, name_or_id: str | int) -> Source:
        """One transcript by name or id; NotFound lists the names there are."""
        arg: str | int
        if isinstance(name_or_id, int):
            where, arg = "id = ?", name_or_id
        else:
            where, arg = "name = ?", name_or_id
        r = self.project.conn.execute(
            "SELECT id, name, kind, text, length, format, metadata, media_path, duration_ms, "
            f"imported_at FROM sources WHERE {where}",
            [arg],
        ).fetchone()
        if r is None and isinstance(name_or_id, str) and name_or_id.isdigit():
            return self.get(int(name_or_id))
        if r is None:
            names = ", ".join(s["name"] for s in self.summaries()[:10]) or "none yet"
            raise NotFound(
                f"no transcript '{name_or_id}'",
                field="source",
                hint=f"Transcripts in this project: {names}.",
            )
        return self._source_row(r)

    def segments(self, source: str | int | Source) -> builtins.list[Segment]:
        """The transcript's segments (speaker turns) in order."""
        sid = source.id if isinstance(source, Source) else self.get(source).id
        return [
            Segment(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], json.loads(r[9]))
            for r in self.project.conn.execute(
                "SELECT id, source_id, idx, speaker, participant_id, start, end, start_ms, end_ms, "
                "meta FROM segments WHERE source_id = ? ORDER BY idx",
                [sid],
            )
        ]

    def segment_layout(self, source_id: int) -> builtins.list[LayoutRow]:
        """The transcript's segments as (id, idx, speaker, participant id, start, end,
        start_ms) tuples, in order: one narrow query (no per-row JSON as in ``segments``), so
        that the workbench opens a 5,000-segment transcript well under a second."""
        return self.project.conn.execute(
            "SELECT id, idx, speaker, participant_id, start, end, start_ms FROM segments "
            "WHERE source_id = ? ORDER BY idx",
            [source_id],
        ).fetchall()

    def segment_times(self, source_id: int) -> builtins.list[tuple[int | None, int | None]]:
        """(start_ms, end_ms) of each segment of the transcript, in order."""
        return self.project.conn.execute(
            "SELECT start_ms, end_ms FROM segments WHERE source_id = ? ORDER BY idx", [source_id]
        ).fetchall()

    def segment_start(self, segment_id: int) -> int | None:
        """Where the segment begins in its transcript's text; None: no such segment."""
        row = self.project.conn.execute(
            "SELECT start FROM segments WHERE id = ?", [segment_id]
        ).fetchone()
        return None if row is None else row[0]

    def segment_words(self, segment_id: int) -> tuple[int, str | None, str] | None:
        """(idx, speaker, text) of one segment; None: no such segment."""
        return self.project.conn.execute(
            "SELECT g.idx, g.speaker, substr(s.text, g.start + 1, g.end - g.start) "
            "FROM segments g JOIN sources s ON s.id = g.source_id WHERE g.id = ?",
            [segment_id],
        ).fetchone()

    def to_parsed(self, source: str | int | Source) -> ParsedTranscript:
        """A stored transcript as a ParsedTranscript (for export)."""
        src = source if isinstance(source, Source) else self.get(source)
        segs = [
            ParsedSegment(
                text=src.text[g.start : g.end],
                speaker=g.speaker,
                start_ms=g.start_ms,
                end_ms=g.end_ms,
                meta=g.meta,
            )
            for g in self.segments(src)
        ]
        return ParsedTranscript(segments=segs, metadata=src.metadata, format=src.format or "txt")

    def export(self, source: str | int | Source, fmt: str) -> str:
        """The transcript written in ``fmt`` (txt, vtt, srt, ...)."""
        return write(self.to_parsed(source), fmt)

    def remove(self, name: str) -> int:
        """Delete a transcript with its segments and codings (undoable). Returns codings removed."""
        src = self.get(name)
        n = self.project.conn.execute(
            "SELECT count(*) FROM codings WHERE source_id = ?", [src.id]
        ).fetchone()[0]
        with self.project.action(f"Remove transcript {src.name}", kind="source") as conn:
            conn.execute("DELETE FROM sources WHERE id = ?", [src.id])
        return n

    def attach_recording(
        self, source: str | int | Source, path: str | Path, *, force: bool = False
    ) -> tuple[Source, Recording]:
        """Attach (or replace) a transcript's recording, one undoable action. The file must
        open as audio, and (unless ``force``) be no shorter than the transcript's timings."""
        src = source if isinstance(source, Source) else self.get(source)
        recording = open_recording(path, self.project.folder)
        if not force:
            check_fits(recording, _end_ms(self.segments(src)), src.name)
        with self.project.action(f"Attach recording to {src.name}", kind="source") as conn:
            conn.execute(
                "UPDATE sources SET media_path = ?, duration_ms = coalesce(?, duration_ms) "
                "WHERE id = ?",
                [recording.stored, recording.duration_ms, src.id],
            )
            updated = self.get(src.id)  # read inside the transaction: what was committed
        return updated, recording

    def recording(self, source: str | int | Source) -> tuple[Source, Path]:
        """The transcript and the path of its attached recording, or an error that says
        what is missing (none attached, or the file is gone)."""
        src = source if isinstance(source, Source) else self.get(source)
        if not src.media_path:
            raise MpuQualError(
                f"the transcript '{src.name}' has no recording attached",
                field="source",
                hint=f"Attach it: mpu-qual transcripts audio '{src.name}' RECORDING.m4a",
            )
        path = Path(src.media_path)
        if not path.is_absolute():
            path = self.project.folder / path
        if not path.is_file():
            raise MpuQualError(
                f"the recording of '{src.name}' is not there any more",
                path=path,
                hint="Put the file back at that place, or attach it where it is now: "
                f"mpu-qual transcripts audio '{src.name}' FILE",
            )
        return src, path

    def reimport(
        self, source: str | int, path: str | Path, *, min_ratio: float = MIN_FUZZY_RATIO
    ) -> ReimportReport:
        """Replace a transcript's text with the corrected file at ``path``, keeping its
        codings (moved onto the same words), one undoable action (store/reimport.py)."""
        return replace_text(self.project, source, path, min_ratio=min_ratio)

    def detach_recording(self, source: str | int | Source) -> Source:
        """Forget a transcript's recording (the file is not touched), one undoable action."""
        src = source if isinstance(source, Source) else self.get(source)
        if not src.media_path:
            raise MpuQualError(f"the transcript '{src.name}' has no recording attached")
        with self.project.action(f"Detach recording from {src.name}", kind="source") as conn:
            conn.execute("UPDATE sources SET media_path = NULL WHERE id = ?", [src.id])
            updated = self.get(src.id)
        return updated

    def set_speaker(self, segment_ids: Iterable[int], label: str) -> int:
        """Assign speaker ``label`` to segments (one action); creates the participant."""
        ids = list(segment_ids)
        label = label.strip()
        if not label:
            raise MpuQualError("speaker label cannot be empty", field="speaker")
        if not ids:
            return 0
        with self.project.action(
            f"Set speaker {label} on {len(ids)} segments", kind="participant"
        ) as conn:
            pid = self.project.participants.ensure(conn, label)
            n = 0
            for chunk in range(0, len(ids), 500):
                part = ids[chunk : chunk + 500]
                n += conn.execute(
                    f"UPDATE segments SET speaker = ?, participant_id = ? "
                    f"WHERE id IN ({','.join('?' * len(part))})",
                    [label, pid, *part],
                ).rowcount
            if n != len(ids):
                raise MpuQualError(f"{len(ids) - n} of the segments do not exist", field="segment")
        return n


def _end_ms(segments: Iterable[Any]) -> int | None:
    """Where a transcript's timings end (its last end or start time), or None if untimed."""
    times = [t for g in segments for t in (g.end_ms, g.start_ms) if t is not None]
    return max(times) if times else None
