"""Speaker labels: what counts as one, header blocks, and the roles a ``Participants:`` line gives.

A ``Something: text`` line is a speaker turn only when ``Something`` behaves like a speaker
label: it recurs in the file, it is a label researchers use (``MOD``, ``IL1``, ``Speaker 2``,
``主持人``), or the file's layout says so (a Zoom file where most cues start with a name).
Anything else stays text: ``Règle numéro un: ...`` is a subtitle, ``12-May-2023 - 10:04`` a date.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

MAX_LABEL = 40

# DOTALL: a DOCX paragraph or an SRT cue can hold several lines after its speaker label.
SPEAKER_RE = re.compile(r"^(?P<spk>[^:：\[\]<>\n]{1,60}?)\s*[:：]\s*(?P<text>.*)$", re.DOTALL)
HEADER_RE = re.compile(r"^(?P<key>[^\W\d_][\w .'()/&-]{0,30}?)\s*[:：]\s*(?P<value>.*)$")
_TS = r"(?:\d{1,3}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
# Rev / Descript: "Speaker 1 (00:01:02):" with the text after it or on the next lines.
REV_RE = re.compile(
    rf"^(?P<spk>[^:：\[\]<>()\n]{{1,40}}?)\s*\((?P<ts>{_TS})\)\s*[:：]?\s*(?P<text>.*)$", re.DOTALL
)
# Otter.ai and Teams Word exports: "Wong Siu Ming  0:13" alone on a line, the text below it.
OTTER_RE = re.compile(rf"^(?P<spk>\S(?:.{{0,38}}\S)?)(?:\s{{2,}}|\t)(?P<ts>{_TS})\s*$")

MODERATOR_LABELS = {
    "mod",
    "moderator",
    "facilitator",
    "interviewer",
    "host",
    "chair",
    "主持",
    "主持人",
    "訪問員",
    "访问员",
    "訪問者",
    "访谈者",
}
_CODE_LABEL = re.compile(r"^(?:[A-Z]{1,4} ?\d{1,3}|S\d{2}|SPEAKER_\d+)$")  # IL1, TP 2, S01
_NAMED_LABEL = re.compile(
    r"^(?:(?:Speaker|Participant|Respondent|Interviewee|Person) ?\d{1,3}|Unknown Speaker|"
    r"(?:受訪者|受访者|參與者|参与者|發言人|发言人|講者|讲者)\d*)$",
    re.IGNORECASE,
)
HEADER_KEYS = {
    "title",
    "date",
    "time",
    "location",
    "venue",
    "participants",
    "language",
    "languages",
    "duration",
    "project",
    "session",
    "recording",
    "notes",
    "note",
    "source",
    "coder",
    "focus group",
    "interview",
    "transcriber",
    "audio file",
    "標題",
    "日期",
    "時間",
    "地點",
    "參與者",
    "出席者",
    "與會者",
    "标题",
    "时间",
    "地点",
    "参与者",
    "与会者",
}
PARTICIPANT_KEYS = {
    "participants",
    "participant",
    "speakers",
    "attendees",
    "參與者",
    "出席者",
    "與會者",
    "参与者",
    "与会者",
    "發言人",
    "发言人",
}
_ROLE_ITEM = re.compile(
    r"^\s*(?P<label>[^()（）=:：\-–]+?)\s*(?:[(（](?P<a>[^)）]+)[)）]|[=:：\-–]\s*(?P<b>.+))\s*$"
)


def is_label(label: str) -> bool:
    """Could ``label`` name a speaker at all (shape only: length, words, letters)?"""
    label = label.strip()
    if not label or len(label) > MAX_LABEL:
        return False
    core = re.sub(r"\s*[(（][^)）]*[)）]\s*", " ", label).strip()  # "Name (Company)"
    if not core or len(core.split()) > 4:
        return False
    if not any(ch.isalpha() for ch in core):
        return False  # "10:30 we met" or "00:01:23 IL1: hi" is not spoken by "10" or "00"
    return not label.lower().startswith(("http", "www"))


def known_label(label: str) -> bool:
    """Labels researchers and tools use for speakers, accepted even when they occur once."""
    label = label.strip()
    return (
        label.casefold() in MODERATOR_LABELS
        or bool(_CODE_LABEL.match(label))
        or bool(_NAMED_LABEL.match(label))
    )


def name_shaped(label: str) -> bool:
    """A label written like a person's name: every word capitalised (``Yuri Bakulin``,
    ``Dr. Chan``) or in a script without case (``陳大文``), or a known label."""
    core = re.sub(r"\s*[(（][^)）]*[)）]\s*", " ", label).strip()
    if not is_label(label) or not core:
        return False
    if known_label(label):
        return True
    return all(w[0].isalpha() and not w[0].islower() for w in core.split())


def split_label(text: str) -> tuple[str | None, str]:
    """``("IL1", "text")`` for ``IL1: text`` when the prefix can be a label; else ``(None, text)``."""
    m = SPEAKER_RE.match(text)
    if not m:
        return None, text.strip()
    label, rest = m.group("spk").strip(), m.group("text")
    if not is_label(label):
        return None, text.strip()
    if label[-1:].isdigit() and rest[:1].isdigit():
        return None, text.strip()  # a time such as "12-May-2023 - 10:04", not a label
    return label, rest.strip()


def accepted_labels(counts: dict[str, int], *, layout_says_so: bool = False) -> set[str]:
    """The candidate labels that behave like speakers: recurring, known, or the layout's."""
    return {
        label
        for label, n in counts.items()
        if is_label(label) and (layout_says_so or n >= 2 or known_label(label))
    }


def looks_like_speech(value: str) -> bool:
    value = value.strip()
    return len(value) > 60 or value.endswith((".", "?", "!", "。", "？", "！", "…"))


def parse_roles(value: str) -> dict[str, str]:
    """``MOD (moderator), IL1 (industry leader)`` -> ``{"MOD": "moderator", "IL1": ...}``."""
    roles: dict[str, str] = {}
    for item in re.split(r"[,，;；、]", value):
        m = _ROLE_ITEM.match(item)
        if not m:
            continue
        label = m.group("label").strip()
        role = (m.group("a") or m.group("b") or "").strip()
        if label and role and is_label(label):
            roles[label] = role
    return roles


def _norm(text: str) -> str:
    text = text.casefold().replace("_", " ").replace("-", " ")
    return " ".join(w[:-1] if w.endswith("s") and len(w) > 3 else w for w in text.split())


def group_for_role(role: str, groups: Iterable[Any]) -> str | None:
    """The stakeholder group (id) whose id, English or Chinese label the role words name."""
    groups = list(groups)
    wanted = _norm(role)
    if not wanted:
        return None
    for g in groups:
        if wanted in (_norm(g.id), _norm(g.en), _norm(g.zh)):
            return g.id
    for g in groups:  # "senior industry leader", "technology provider (robotics)"
        for name in (_norm(g.en), _norm(g.id)):
            if name and re.search(rf"\b{re.escape(name)}\b", wanted):
                return g.id
        if g.zh and g.zh in role:
            return g.id
    if wanted in MODERATOR_LABELS or role.strip() in MODERATOR_LABELS:
        return moderator_group(groups)
    return None


def moderator_group(groups: Iterable[Any]) -> str | None:
    for g in groups:
        if g.id == "moderator" or _norm(g.en) == "moderator":
            return g.id
    return None


def group_for_label(label: str, groups: Iterable[Any]) -> str | None:
    """The moderator group for the usual moderator labels (MOD, Facilitator, 主持人...)."""
    if label.strip().casefold() in MODERATOR_LABELS:
        return moderator_group(groups)
    return None
