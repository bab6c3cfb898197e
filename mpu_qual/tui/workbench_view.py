"""What the workbench shows, read from the project without any Textual: easy to test and time.

Writes never happen here; they go through ``Project`` methods, one per user action. The few
read-only queries the Project API does not offer (recent codes, segment counts) are here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

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

    Read with libyaml's safe loader when available: the validating loader (line numbers for
    error messages) takes a noticeable part of a second, and the project validated this file
    already when it loaded it. Any problem falls back to that loader; a broken file shows
    group ids instead of names rather than stopping the workbench.
    """
    loader = getattr(yaml, "CSafeLoader", None)
    try:
        if loader is None:
            raise ValueError("no libyaml")
        doc = yaml.load(project.codebook_path.read_text(encoding="utf-8"), Loader=loader)
        groups = {
            str(g["id"]): (str(g.get("en") or g["id"]), str(g.get("zh") or g.get("en") or g["id"]))
            for g in doc.get("stakeholder_groups") or []
        }
        return groups, (str(doc.get("name") or ""), str(doc.get("name_zh") or ""))
    except Exception:
        pass
    try:
        cb = project.codebook.load()
    except Exception:
        return {}, ("", "")
    return {g.id: (g.en, g.zh) for g in cb.groups}, (cb.name or "", cb.name_zh or "")


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
    rows = project.conn.execute(
        "SELECT id, idx, speaker, participant_id, start, end, start_ms FROM segments "
        "WHERE source_id = ? ORDER BY idx",
        [source.id],
    ).fetchall()
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
    rows = project.conn.execute(
        "SELECT code_id FROM codings GROUP BY code_id ORDER BY max(id) DESC LIMIT ?", [limit]
    ).fetchall()
    return [r[0] for r in rows]


def source_list(project: Project) -> list[dict[str, Any]]:
    """Names, durations and recordings only: enough to list transcripts before their
    statistics arrive."""
    return [
        {"id": r[0], "name": r[1], "duration_ms": r[2], "recording": r[3]}
        for r in project.conn.execute(
            "SELECT id, name, duration_ms, media_path FROM sources ORDER BY name"
        )
    ]


def segment_counts(project: Project) -> dict[int, int]:
    """Segments per participant id."""
    return dict(
        project.conn.execute(
            "SELECT participant_id, count(*) FROM segments WHERE participant_id IS NOT NULL "
            "GROUP BY participant_id"
        ).fetchall()
    )
