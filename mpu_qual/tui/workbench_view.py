"""What the workbench shows, read from the project without any Textual: easy to test and time.

Writes never happen here; they go through ``Project`` methods, one per user action. Reads go
through the store's read methods too (``project.sources.segment_layout``,
``project.codes.recently_used`` ...): this module shapes what they return for the view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mpu_qual.store import Project
from mpu_qual.store.records import Code, Coding, Source
from mpu_qual.tui.layout import SegmentInfo

SPEAKER_PALETTE = (
    "#e6a23c",
    "#67c23a",
    "#409eff",
    "#f56c6c",
    "#b37feb",
    "#36cfc9",
    "#ff85c0",
    "#ffd666",
    "#95de64",
    "#69c0ff",
)
DEFAULT_CODE_COLOR = "#8c8c8c"


@dataclass
class ViewCoding:
    """A coding as the transcript view draws it."""

    id: int
    code_id: str
    start: int
    end: int
    color: str
    label: str
    memo: str | None = None
    lane: int = 0
    coder: str | None = None


@dataclass
class ViewDoc:
    """Everything the transcript view needs about one transcript."""

    source_id: int
    name: str
    text: str
    segments: list[SegmentInfo]
    segment_ids: list[int] = field(default_factory=list)
    speaker_colors: dict[str, str] = field(default_factory=dict)


def fmt_ms(ms: int | None, *, short: bool = False) -> str:
    """``1:02:03`` style time of a millisecond offset; ``--:--`` when unknown."""
    if ms is None:
        return "--:--"
    s = max(0, ms) // 1000
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    if short and not h:
        return f"{m:d}:{sec:02d}"
    return f"{h:02d}:{m:02d}:{sec:02d}"


class Labels:
    """Code and group labels in the chosen language (English or Chinese)."""

    def __init__(self, project: Project, lang: str = "en") -> None:
        self.lang = lang
        self.codes: list[Code] = []
        self.by_id: dict[str, Code] = {}
        self.groups: dict[str, tuple[str, str]] = {}
        self.title: tuple[str, str] = ("", "")
        self.reload(project)

    def reload(self, project: Project) -> None:
        self.codes = project.codes.list()
        self.by_id = {c.id: c for c in self.codes}
        self.groups, self.title = read_groups(project)

    def code(self, code_id: str) -> str:
        c = self.by_id.get(code_id)
        return c.label(self.lang) if c else code_id

    def color(self, code_id: str) -> str:
        c = self.by_id.get(code_id)
        return (c.color if c and c.color else None) or DEFAULT_CODE_COLOR

    def group(self, group_id: str | None) -> str:
        if not group_id:
            return ""
        en_zh = self.groups.get(group_id)
        if en_zh is None:
            return group_id
        return en_zh[1] if self.lang == "zh" else en_zh[0]

    def path(self, code_id: str) -> str:
        """``Theme › Code › Sub-code`` in the current language."""
        parts = []
        cur: str | None = code_id
        while cur is not None and cur in self.by_id:
            parts.append(self.code(cur))
            cur = self.by_id[cur].parent_id
        return " › ".join(reversed(parts)) or code_id


def read_groups(project: Project) -> tuple[dict[str, tuple[str, str]], tuple[str, str]]:
    """Stakeholder groups {id: (en, zh)} and the codebook's (name, name_zh), for display.

    From the store's codebook (``project.codebook``, which keeps the parsed file until it
    changes). A broken file shows group ids instead of names rather than stopping the
    workbench; the codebook panel and ``mpu-qual doctor`` name the problem.
    """
    try:
        cb = project.codebook.load()
    except Exception:
        return {}, ("", "")
    groups = {g.id: (g.en or g.id, g.zh or g.en or g.id) for g in cb.groups}
    return groups, (cb.name or "", cb.name_zh or "")


def speaker_colors(project: Project) -> dict[str, str]:
    """A stable colour per participant label (by sorted label)."""
    return {
        p.label: SPEAKER_PALETTE[i % len(SPEAKER_PALETTE)]
        for i, p in enumerate(project.participants.list())
    }


def load_doc(project: Project, source: Source, labels: Labels) -> ViewDoc:
    """The transcript with one SegmentInfo (time, speaker, group) per segment.

    Reads segments with one narrow query (no per-row JSON of ``Project.segments``): opening a
    5,000-segment transcript must stay well under a second.
    """
    groups = {p.id: p.group_id for p in project.participants.list()}
    rows = project.sources.segment_layout(source.id)
    group_label = {pid: labels.group(gid) for pid, gid in groups.items()}
    infos = [
        SegmentInfo(
            start, end, start_ms, idx, speaker or "", group_label.get(pid, "") if pid else ""
        )
        for _id, idx, speaker, pid, start, end, start_ms in rows
    ]
    return ViewDoc(
        source.id, source.name, source.text, infos, [r[0] for r in rows], speaker_colors(project)
    )


def to_view(codings: list[Coding], labels: Labels, *, coders: bool = False) -> list[ViewCoding]:
    """View codings; with ``coders`` each label says whose coding it is ("Finance ·alice")."""
    return [
        ViewCoding(
            c.id,
            c.code_id,
            c.start,
            c.end,
            labels.color(c.code_id),
            labels.code(c.code_id) + (f" ·{c.coder or '?'}" if coders else ""),
            c.memo,
            coder=c.coder,
        )
        for c in codings
    ]


def coded_share(codings: list[ViewCoding], length: int) -> float:
    """Share of characters covered by at least one coding."""
    if not length:
        return 0.0
    covered = 0
    cur_s = cur_e = -1
    for c in sorted(codings, key=lambda c: c.start):
        if c.start > cur_e:
            covered += max(0, cur_e - cur_s)
            cur_s, cur_e = c.start, c.end
        else:
            cur_e = max(cur_e, c.end)
    covered += max(0, cur_e - cur_s)
    return covered / length


def recent_code_ids(project: Project, limit: int = 9) -> list[str]:
    """Codes used most recently (newest first), so number keys survive a restart."""
    return project.codes.recently_used(limit)


def source_list(project: Project) -> list[dict[str, Any]]:
    """Names, durations and recordings only: enough to list transcripts before their
    statistics arrive."""
    return [
        {"id": h.id, "name": h.name, "duration_ms": h.duration_ms, "recording": h.media_path}
        for h in project.sources.headers()
    ]


def segment_counts(project: Project) -> dict[int, int]:
    """Segments per participant id."""
    return project.participants.segment_counts()


def after_step(
    shown: list[ViewCoding],
    counts: dict[str, int],
    before: list[Coding],
    after: list[Coding],
    *,
    source_id: int,
    labels: Labels,
    visible: Callable[[list[Coding]], list[Coding]],
    coders: bool,
) -> tuple[list[ViewCoding], dict[str, int]]:
    """The view's codings and the codebook's counts after an undo or redo that changed
    only these codings (``before`` and ``after``: those rows as they were and are, read by
    id): only what changed is read again and relabelled, not a transcript's every coding.
    ``visible`` filters as the codebook panel counts (a blind coder's own)."""
    touched = {c.id for c in before} | {c.id for c in after}
    kept = [c for c in shown if c.id not in touched]
    mine = to_view([c for c in visible(after) if c.source_id == source_id], labels, coders=coders)
    new_counts = dict(counts)
    for rows, step in ((visible(before), -1), (visible(after), 1)):
        for c in rows:
            n = new_counts.get(c.code_id, 0) + step
            if n > 0:
                new_counts[c.code_id] = n
            else:
                new_counts.pop(c.code_id, None)
    return kept + mine, new_counts
