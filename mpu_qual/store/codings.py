"""Codings: a span of a transcript (code-point offsets) coded with one code, memo and coder.

Each write is one undoable action; the database's triggers re-check every span and quote.
"""

from __future__ import annotations

import builtins
import getpass
import os
import re
import sqlite3
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from mpu_qual import chinese_scripts
from mpu_qual.errors import MpuQualError, NotFound
from mpu_qual.store.connection import inserted_id
from mpu_qual.store.records import AutocodeResult, Coding, Source

if TYPE_CHECKING:
    from mpu_qual.store.project import Project


def default_coder() -> str:
    """Who is coding: MPU_QUAL_CODER, else the login name."""
    env = os.environ.get("MPU_QUAL_CODER")
    if env:
        return env
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "coder"


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Case-insensitive phrase search; Latin words match whole words only.

    "ISO" must not code "supervisor", but 技術 must still match inside 技術員, since
    Chinese has no spaces between words. Chinese matches in either script (培训 codes 培訓,
    生產綫 codes 生产线; see mpu_qual.chinese_scripts).
    """
    body = chinese_scripts.pattern_source(phrase.strip())
    if re.match(r"[A-Za-z0-9]", phrase.strip()[0]):
        body = r"(?<![A-Za-z0-9])" + body
    if re.match(r"[A-Za-z0-9]", phrase.strip()[-1]):
        body = body + r"(?![A-Za-z0-9])"
    return re.compile(body, re.IGNORECASE)


_SENTENCE_END = re.compile(r"[.!?。！？；;]+[\"'」』)]*\s*|\n")


class Codings:
    """``project.codings``: read, add, re-scope, remove and auto-code codings."""

    def __init__(self, project: Project) -> None:
        self.project = project

    def _check_span(self, src: Source, start: int, end: int) -> None:
        if (
            isinstance(start, bool)
            or isinstance(end, bool)
            or not isinstance(start, int)
            or not isinstance(end, int)
        ):
            raise MpuQualError("start and end must be whole numbers", field="span")
        if not (0 <= start < end <= src.length):
            raise MpuQualError(
                f"span {start}-{end} is outside the transcript '{src.name}' "
                f"(valid: 0 <= start < end <= {src.length})",
                field="span",
            )

    def _current_quote(self, conn: sqlite3.Connection, src: Source, start: int, end: int) -> str:
        """text[start:end] of the transcript as stored now, if the words up to ``end`` are
        still those of ``src`` (the text the span was chosen in); else nothing is coded."""
        row = conn.execute("SELECT text FROM sources WHERE id = ?", [src.id]).fetchone()
        if row is None:
            raise MpuQualError(
                f"the transcript '{src.name}' was removed (by another window or command) "
                "before the passage could be coded; nothing was coded",
                field="source",
            )
        text: str = row[0]
        if text[:end] != src.text[:end]:
            raise MpuQualError(
                f"the transcript '{src.name}' was changed (by another window or command) "
                f"after span {start}-{end} was chosen, so the span may cover other words now; "
                "nothing was coded",
                field="span",
                hint="Look at the transcript again and choose the passage anew.",
            )
        return text[start:end]

    def add(
        self,
        source: str | int | Source,
        start: int,
        end: int,
        code_id: str,
        *,
        memo: str | None = None,
        coder: str | None = None,
    ) -> Coding:
        """Code text[start:end] of a transcript with one code (one undoable action)."""
        return self.add_many(source, start, end, [code_id], memo=memo, coder=coder)[0]

    def add_many(
        self,
        source: str | int | Source,
        start: int,
        end: int,
        code_ids: list[str],
        *,
        memo: str | None = None,
        coder: str | None = None,
    ) -> list[Coding]:
        """Apply several codes to one span as a single action."""
        src = source if isinstance(source, Source) else self.project.sources.get(source)
        self._check_span(src, start, end)
        if not code_ids:
            raise MpuQualError("choose at least one code", field="code")
        for cid in code_ids:
            self.project.codes.get(cid)
        label = ", ".join(code_ids)
        ids = []
        with self.project.action(f"Code {label} in {src.name}", kind="coding") as conn:
            # the span is checked again against the text as it is inside this write
            # transaction: another window or command may have corrected the transcript since
            # ``src`` was read, and the offsets would then point at other words
            quote = self._current_quote(conn, src, start, end)
            for cid in code_ids:
                ids.append(
                    inserted_id(
                        conn.execute(
                            "INSERT INTO codings (source_id, code_id, start, end, quote, memo, coder) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?)",
                            [
                                src.id,
                                cid,
                                start,
                                end,
                                quote,
                                memo or None,
                                coder or default_coder(),
                            ],
                        )
                    )
                )
            # read inside the transaction: what was committed is what we acknowledge, even if
            # another window undoes or removes it the next instant
            added = [self.get(i) for i in ids]
        return added

    def insert_rows(
        self,
        conn: sqlite3.Connection,
        rows: Iterable[tuple[int, str, int, int, str, str | None, str | None, str | None]],
    ) -> None:
        """Insert many codings inside the caller's action (an import, a merge): each row is
        (source id, code, start, end, quote, memo, coder, created_at; None: now)."""
        conn.executemany(
            "INSERT INTO codings (source_id, code_id, start, end, quote, memo, coder, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, "
            "coalesce(?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))",
            rows,
        )

    def update(
        self,
        coding_id: int,
        *,
        start: int | None = None,
        end: int | None = None,
        memo: str | None = None,
        code_id: str | None = None,
    ) -> Coding:
        """Re-scope a coding, change its code, or set its memo ('' clears it)."""
        c = self.get(coding_id)
        src = self.project.sources.get(c.source_id)
        new_start = c.start if start is None else start
        new_end = c.end if end is None else end
        self._check_span(src, new_start, new_end)
        if code_id is not None:
            self.project.codes.get(code_id)
        with self.project.action(f"Edit coding {coding_id}", kind="coding") as conn:
            # Re-read inside the transaction: another window may have changed the fields this
            # call leaves alone since the checks above (it would put back their old values).
            c = self.get(coding_id)
            new_start = c.start if start is None else start
            new_end = c.end if end is None else end
            self._check_span(src, new_start, new_end)
            conn.execute(
                "UPDATE codings SET start = ?, end = ?, quote = ?, memo = ?, code_id = ? WHERE id = ?",
                [
                    new_start,
                    new_end,
                    src.text[new_start:new_end],
                    c.memo if memo is None else (memo or None),
                    code_id or c.code_id,
                    coding_id,
                ],
            )
            updated = self.get(coding_id)  # as committed (see add_many)
        return updated

    def remove(self, coding_id: int) -> Coding:
        """Delete one coding (one undoable action); returns it as it was."""
        c = self.get(coding_id)
        with self.project.action(f"Remove coding {coding_id} ({c.code_id})", kind="coding") as conn:
            conn.execute("DELETE FROM codings WHERE id = ?", [coding_id])
        return c

    _CODING_SQL = """
        SELECT c.id, c.source_id, c.code_id, c.start, c.end, c.quote, c.memo, c.coder,
               c.created_at, s.name, p.label, p.group_id, g.start_ms, g.end_ms
        FROM codings c
        JOIN sources s ON s.id = c.source_id
        LEFT JOIN segments g ON g.id = (
            SELECT id FROM segments x WHERE x.source_id = c.source_id AND x.start <= c.start
            ORDER BY x.start DESC LIMIT 1)
        LEFT JOIN participants p ON p.id = g.participant_id
    """

    def get(self, coding_id: int) -> Coding:
        """One coding by id, with its source, speaker and times filled in."""
        r = self.project.conn.execute(self._CODING_SQL + " WHERE c.id = ?", [coding_id]).fetchone()
        if r is None:
            raise NotFound(
                f"no coding with id {coding_id}",
                field="coding",
                hint="List codings with 'mpu-qual code list'.",
            )
        return Coding(*r)

    def get_many(self, coding_ids: Iterable[int]) -> builtins.list[Coding]:
        """The codings with these ids that exist (in id order; absent ids are left out)."""
        ids = sorted(set(coding_ids))
        found: builtins.list[Coding] = []
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            sql = self._CODING_SQL + f" WHERE c.id IN ({','.join('?' * len(part))}) ORDER BY c.id"
            found += [Coding(*r) for r in self.project.conn.execute(sql, part)]
        return found

    def list(
        self,
        *,
        code: str | None = None,
        participant: str | None = None,
        source: str | int | None = None,
        group: str | None = None,
        include_subcodes: bool = False,
    ) -> list[Coding]:
        """Codings in transcript order, filtered; the participant is whoever speaks at start."""
        where: list[str] = []
        args: list[Any] = []
        if code is not None:
            self.project.codes.get(code)
            ids = self.project.codes.descendant_ids(code) if include_subcodes else [code]
            where.append(f"c.code_id IN ({','.join('?' * len(ids))})")
            args += ids
        if participant is not None:
            self.project.participants.get(participant)
            where.append("p.label = ?")
            args.append(participant)
        if group is not None:
            where.append("p.group_id = ?")
            args.append(self.project.participants.resolve_group(group))
        if source is not None:
            where.append("c.source_id = ?")
            args.append(self.project.sources.get(source).id)
        sql = self._CODING_SQL + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY s.name, c.start, c.end, c.id"
        return [Coding(*r) for r in self.project.conn.execute(sql, args)]

    def in_range(self, source_id: int, start: int, end: int) -> builtins.list[Coding]:
        """Codings overlapping [start, end) of one source (for the transcript view)."""
        sql = (
            self._CODING_SQL
            + " WHERE c.source_id = ? AND c.start < ? AND c.end > ? ORDER BY c.start"
        )
        return [Coding(*r) for r in self.project.conn.execute(sql, [source_id, end, start])]

    # ------------------------------------------------------------------ auto-code
    def _unit_span(
        self, text: str, seg_start: int, seg_end: int, hit_s: int, hit_e: int, unit: str
    ) -> tuple[int, int]:
        if unit == "match":
            return hit_s, hit_e
        if unit == "segment":
            return seg_start, seg_end
        # sentence: the sentence(s) around the hit, inside the segment
        s = seg_start
        for m in _SENTENCE_END.finditer(text, seg_start, seg_end):
            if m.end() <= hit_s:
                s = m.end()
            else:
                break
        e = seg_end
        for m in _SENTENCE_END.finditer(text, hit_e, seg_end):
            e = m.end()
            break
        while e > s and text[e - 1].isspace():
            e -= 1
        return s, e

    def autocode(
        self,
        code_id: str,
        *,
        phrase: str | None = None,
        regex: str | None = None,
        unit: str = "segment",
        dry_run: bool = False,
        sources: builtins.list[str] | None = None,
        memo: str | None = None,
        coder: str | None = None,
    ) -> AutocodeResult:
        """Code every passage matching a phrase (case-insensitive) or a regex, as one action."""
        if (phrase is None) == (regex is None):
            raise MpuQualError("give exactly one of --phrase or --regex")
        if unit not in ("segment", "sentence", "match"):
            raise MpuQualError(f"unknown unit '{unit}'", hint="Use segment, sentence or match.")
        self.project.codes.get(code_id)
        if phrase is not None:
            if not phrase.strip():
                raise MpuQualError("the phrase is empty", field="phrase")
            pattern = phrase_pattern(phrase)
        else:
            try:
                pattern = re.compile(regex or "", re.IGNORECASE)
            except re.error as exc:
                raise MpuQualError(f"invalid regular expression: {exc}", field="regex") from None
        srcs = (
            [self.project.sources.get(n) for n in sources]
            if sources
            else self.project.sources.list()
        )
        spans: list[tuple[int, int, int]] = []
        for src in srcs:
            segs = [(g.start, g.end) for g in self.project.sources.segments(src)]
            seen: set[tuple[int, int]] = set()
            for seg_s, seg_e in segs:
                for m in pattern.finditer(src.text, seg_s, seg_e):
                    if m.end() == m.start():
                        continue
                    span = self._unit_span(src.text, seg_s, seg_e, m.start(), m.end(), unit)
                    if span[1] > span[0] and span not in seen:
                        seen.add(span)
                        spans.append((src.id, span[0], span[1]))
        coder = coder or default_coder()
        existing = set(
            self.project.conn.execute(
                "SELECT source_id, start, end FROM codings WHERE code_id = ? AND coder IS ?",
                [code_id, coder],
            ).fetchall()
        )
        new = [s for s in spans if s not in existing]
        if dry_run or not new:
            return AutocodeResult(code_id, spans, 0, len(spans) - len(new), dry_run)
        self.project.prepare_bulk("autocode")
        texts = {s.id: s.text for s in srcs}
        what = phrase if phrase is not None else f"/{regex}/"
        with self.project.action(
            f"Auto-code {code_id} where '{what}' ({len(new)} passages)", kind="autocode"
        ) as conn:
            # Read again under the write lock: another window may have coded meanwhile.
            existing = set(
                conn.execute(
                    "SELECT source_id, start, end FROM codings WHERE code_id = ? AND coder IS ?",
                    [code_id, coder],
                ).fetchall()
            )
            new = [s for s in new if s not in existing]
            # and the texts the matches were found in must still be the stored ones: a
            # correction made meanwhile would put the codings on other words
            for sid in sorted({sid for sid, _s, _e in new}):
                row = conn.execute("SELECT text FROM sources WHERE id = ?", [sid]).fetchone()
                if row is None or row[0] != texts[sid]:
                    name = next(x.name for x in srcs if x.id == sid)
                    how = "removed" if row is None else "changed"
                    raise MpuQualError(
                        f"the transcript '{name}' was {how} (by another window or command) "
                        "while its matches were being found; nothing was coded",
                        field="source",
                        hint="Run the auto-coding again.",
                    )
            conn.executemany(
                "INSERT INTO codings (source_id, code_id, start, end, quote, memo, coder) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(sid, code_id, s, e, texts[sid][s:e], memo, coder) for sid, s, e in new],
            )
        return AutocodeResult(code_id, spans, len(new), len(spans) - len(new), False)
