"""Job-ad rules (``jobrules.yaml``): survey windows, sectors, job roles and skill terms.

Researchers edit these rules by hand, so every problem is reported with file, line and field,
and a file is accepted only when all of it is valid.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mpu_qual.codebook import parse_yaml_text
from mpu_qual.errors import MpuQualError
from mpu_qual.fileio import read_small_text, write_bytes_atomic
from mpu_qual.store.project import BUNDLED_RULES, RULES_NAME

MAX_RULES_BYTES = 1024 * 1024


def default_rules_path() -> Path:
    """The rules shipped with mpu-qual (``Project.init`` copies them beside codebook.yaml)."""
    return BUNDLED_RULES


def project_rules_path(folder: str | Path) -> Path:
    """Where a project keeps its rules."""
    return Path(folder) / RULES_NAME


def write_default_rules(folder: str | Path) -> bool:
    """Copy the shipped rules beside the codebook unless the project has its own; True when
    written (``jobs rules --init`` after the user deleted theirs; ``Project.init`` writes
    them for a new project, whichever front end creates it)."""
    target = project_rules_path(folder)
    if target.exists():
        return False
    write_bytes_atomic(target, default_rules_path().read_bytes())
    return True


@dataclass(frozen=True)
class Window:
    """A survey window: ads posted from ``start`` to ``end`` (both included)."""

    label: str
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class Sector:
    label: str
    en: str
    labels: tuple[str, ...]
    contains: tuple[str, ...]


@dataclass(frozen=True)
class Role:
    label: str
    en: str


@dataclass(frozen=True)
class RoleRule:
    """One ordered rule: ``index`` is 1-based, as ``jobs classify`` shows it."""

    index: int
    role: str
    en: tuple[str, ...]
    zh: tuple[str, ...]
    line: int | None = None


@dataclass(frozen=True)
class Term:
    term: str
    en: tuple[str, ...]
    zh: tuple[str, ...]


@dataclass
class Rules:
    """Validated rules; ``sha256`` identifies the text they were read from."""

    windows: list[Window]
    sectors: list[Sector]
    roles: list[Role]
    other: Role
    role_rules: list[RoleRule]
    terms: list[Term]
    repost_days: int = 14
    path: Path | None = None
    sha256: str = ""
    _lookup: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    # -- names as users type them (Chinese label or English label, any case) -------------
    def _index(self, kind: str) -> dict[str, str]:
        if kind not in self._lookup:
            items: list[tuple[str, str]]
            if kind == "sector":
                items = [(s.label, s.en) for s in self.sectors]
            elif kind == "role":
                items = [(r.label, r.en) for r in self.roles] + [(self.other.label, self.other.en)]
            elif kind == "window":
                items = [(w.label, w.label) for w in self.windows]
            else:
                items = [(t.term, t.term) for t in self.terms]
            idx: dict[str, str] = {}
            for label, en in items:
                for name in (label, en, label.replace("／", "/")):
                    idx.setdefault(name.casefold().strip(), label)
            self._lookup[kind] = idx
        return self._lookup[kind]

    def resolve(self, kind: str, name: str) -> str:
        """The canonical label for a sector, role, window or term a user typed."""
        found = self._index(kind).get(name.casefold().strip())
        if found is None:
            choices = {
                "sector": [s.label for s in self.sectors],
                "role": [r.label for r in self.roles] + [self.other.label],
                "window": [w.label for w in self.windows],
                "term": [t.term for t in self.terms],
            }[kind]
            raise MpuQualError(
                f"unknown {kind} '{name}'",
                path=self.path,
                field=kind,
                hint=f"Choose one of: {', '.join(choices)} (or edit {RULES_NAME}).",
            )
        return found

    def window_for(self, day: dt.date) -> str | None:
        """The label of the window ``day`` falls in, or None when outside every window."""
        for w in self.windows:
            if w.start <= day <= w.end:
                return w.label
        return None

    def role_en(self, label: str) -> str:
        for r in self.roles:
            if r.label == label:
                return r.en
        return self.other.en if label == self.other.label else label

    def sector_en(self, label: str) -> str:
        for s in self.sectors:
            if s.label == label:
                return s.en
        return label


# ---------------------------------------------------------------------------- loading
def _line(node: yaml.Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


def _get(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v
    return None


def _item(node: yaml.Node | None, i: int) -> yaml.Node | None:
    if isinstance(node, yaml.SequenceNode) and i < len(node.value):
        return node.value[i]
    return None


class _Ctx:
    """Where we are in the file, for error messages."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def err(
        self, msg: str, node: yaml.Node | None, fld: str, hint: str | None = None
    ) -> MpuQualError:
        col = node.start_mark.column + 1 if node is not None else None
        return MpuQualError(msg, path=self.path, line=_line(node), column=col, field=fld, hint=hint)


def _text(value: Any, node: yaml.Node | None, fld: str, ctx: _Ctx, *, required: bool = True) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ctx.err(f"'{fld}' is missing or empty", node, fld)
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ctx.err(f"'{fld}' must be text", node, fld)
    return str(value).strip()


def _text_list(value: Any, node: yaml.Node | None, fld: str, ctx: _Ctx) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ctx.err(f"'{fld}' must be a list of texts", node, fld, hint="Write [a, b, c].")
    out: list[str] = []
    for i, v in enumerate(value):
        out.append(_text(v, _item(node, i) or node, fld, ctx))
    return tuple(out)


def _as_date(value: Any, node: yaml.Node | None, fld: str, ctx: _Ctx) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ctx.err(f"'{fld}' must be a date like 2024-12-01", node, fld)


def _add_months(day: dt.date, months: int) -> dt.date:
    m = day.month - 1 + months
    y = day.year + m // 12
    m = m % 12 + 1
    return dt.date(y, m, min(day.day, calendar.monthrange(y, m)[1]))


def _window_label(start: dt.date, end: dt.date) -> str:
    return str(start.year) if start.year == end.year else f"{start.year}-{end.year}"


def _parse_windows(value: Any, node: yaml.Node | None, ctx: _Ctx) -> list[Window]:
    windows: list[Window] = []
    if isinstance(value, dict):
        for key in value:
            if key not in ("start_month", "months", "first", "last"):
                raise ctx.err(
                    f"unknown key '{key}' in windows", _get(node, str(key)) or node, "windows"
                )
        nums: dict[str, int] = {}
        for key, lo, hi in (
            ("start_month", 1, 12),
            ("months", 1, 120),
            ("first", 1900, 2999),
            ("last", 1900, 2999),
        ):
            v = value.get(key)
            if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
                raise ctx.err(
                    f"windows: '{key}' must be a whole number from {lo} to {hi}",
                    _get(node, key) or node,
                    f"windows.{key}",
                )
            nums[key] = v
        if nums["last"] < nums["first"] or nums["last"] - nums["first"] > 200:
            raise ctx.err(
                "windows: 'last' must be a year from 'first' on", _get(node, "last"), "windows.last"
            )
        for year in range(nums["first"], nums["last"] + 1):
            start = dt.date(year, nums["start_month"], 1)
            end = _add_months(start, nums["months"]) - dt.timedelta(days=1)
            windows.append(Window(_window_label(start, end), start, end))
    elif isinstance(value, list) and value:
        for i, entry in enumerate(value):
            enode = _item(node, i)
            if not isinstance(entry, dict):
                raise ctx.err("each window needs label, start and end", enode, "windows")
            start = _as_date(entry.get("start"), _get(enode, "start") or enode, "start", ctx)
            end = _as_date(entry.get("end"), _get(enode, "end") or enode, "end", ctx)
            if end < start:
                raise ctx.err("window ends before it starts", enode, "end")
            label = _text(
                entry.get("label"), _get(enode, "label") or enode, "label", ctx, required=False
            ) or _window_label(start, end)
            windows.append(Window(label, start, end))
    else:
        raise ctx.err(
            "'windows' must list windows or give start_month, months, first and last",
            node,
            "windows",
        )
    seen: set[str] = set()
    ordered = sorted(windows, key=lambda w: w.start)
    for i, w in enumerate(ordered):
        if w.label in seen:
            raise ctx.err(f"two windows are labelled '{w.label}'", node, "windows")
        seen.add(w.label)
        if i and w.start <= ordered[i - 1].end:
            raise ctx.err(
                f"windows '{ordered[i - 1].label}' and '{w.label}' overlap",
                node,
                "windows",
                hint="An ad must fall in one window at most.",
            )
    return ordered


def _entries(
    value: Any, node: yaml.Node | None, fld: str, ctx: _Ctx
) -> list[tuple[dict, yaml.Node | None]]:
    if not isinstance(value, list) or not value:
        raise ctx.err(f"'{fld}' must be a non-empty list", node, fld)
    out = []
    for i, entry in enumerate(value):
        enode = _item(node, i)
        if not isinstance(entry, dict):
            raise ctx.err(f"each entry of '{fld}' must be a mapping", enode, fld)
        out.append((entry, enode))
    return out


def parse_rules(text: str, path: Path | None = None) -> Rules:
    """Validate rules text; raises MpuQualError naming the line and field at fault."""
    ctx = _Ctx(path)
    data, root = parse_yaml_text(text, path, max_bytes=MAX_RULES_BYTES, what="job-ad rules")
    if not isinstance(data, dict):
        raise MpuQualError(
            "rules file must be a mapping (windows, sectors, roles, skills)", path=path
        )
    for key in data:
        if key not in ("version", "windows", "dedup", "sectors", "roles", "skills"):
            raise ctx.err(
                f"unknown key '{key}'",
                _get(root, str(key)) or root,
                str(key),
                hint="Keys are: version, windows, dedup, sectors, roles, skills.",
            )

    windows = _parse_windows(data.get("windows"), _get(root, "windows") or root, ctx)

    repost_days = 14
    dedup = data.get("dedup")
    if dedup is not None:
        dnode = _get(root, "dedup")
        if not isinstance(dedup, dict):
            raise ctx.err("'dedup' must be a mapping", dnode, "dedup")
        v = dedup.get("repost_days", repost_days)
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 366:
            raise ctx.err(
                "'repost_days' must be a whole number from 0 to 366",
                _get(dnode, "repost_days") or dnode,
                "dedup.repost_days",
            )
        repost_days = v

    sectors: list[Sector] = []
    snode = _get(root, "sectors") or root
    for entry, enode in _entries(data.get("sectors"), snode, "sectors", ctx):
        label = _text(entry.get("label"), _get(enode, "label") or enode, "label", ctx)
        if any(s.label == label for s in sectors):
            raise ctx.err(f"sector '{label}' is defined twice", enode, "label")
        sectors.append(
            Sector(
                label=label,
                en=_text(entry.get("en"), _get(enode, "en") or enode, "en", ctx, required=False)
                or label,
                labels=_text_list(
                    entry.get("labels"), _get(enode, "labels") or enode, "labels", ctx
                ),
                contains=_text_list(
                    entry.get("contains"), _get(enode, "contains") or enode, "contains", ctx
                ),
            )
        )

    rnode = _get(root, "roles")
    rdata = data.get("roles")
    if not isinstance(rdata, dict):
        raise ctx.err(
            "'roles' must be a mapping with labels, rules and other", rnode or root, "roles"
        )
    roles: list[Role] = []
    for entry, enode in _entries(
        rdata.get("labels"), _get(rnode, "labels") or rnode, "roles.labels", ctx
    ):
        label = _text(entry.get("label"), _get(enode, "label") or enode, "label", ctx)
        if any(r.label == label for r in roles):
            raise ctx.err(f"role '{label}' is listed twice", enode, "label")
        roles.append(
            Role(
                label,
                _text(entry.get("en"), _get(enode, "en") or enode, "en", ctx, required=False)
                or label,
            )
        )
    onode = _get(rnode, "other")
    odata = rdata.get("other") or {}
    if not isinstance(odata, dict):
        raise ctx.err("'other' must be a mapping with label and en", onode, "roles.other")
    other = Role(
        _text(
            odata.get("label"), _get(onode, "label") or onode or rnode, "label", ctx, required=False
        )
        or "其他",
        _text(odata.get("en"), _get(onode, "en") or onode or rnode, "en", ctx, required=False)
        or "Other",
    )
    if any(r.label == other.label for r in roles):
        raise ctx.err(f"'{other.label}' is both a role and the other bucket", onode, "roles.other")
    known = {r.label for r in roles}
    rules: list[RoleRule] = []
    for i, (entry, enode) in enumerate(
        _entries(rdata.get("rules"), _get(rnode, "rules") or rnode, "roles.rules", ctx), start=1
    ):
        role = _text(entry.get("role"), _get(enode, "role") or enode, "role", ctx)
        if role not in known:
            raise ctx.err(
                f"rule {i}: role '{role}' is not in roles.labels",
                _get(enode, "role") or enode,
                "role",
                hint=f"Roles are: {', '.join(r.label for r in roles)}.",
            )
        for key in entry:
            if key not in ("role", "en", "zh"):
                raise ctx.err(
                    f"rule {i}: unknown key '{key}'",
                    _get(enode, str(key)),
                    str(key),
                    hint="A rule has role, en and zh.",
                )
        en = _text_list(entry.get("en"), _get(enode, "en") or enode, "en", ctx)
        zh = _text_list(entry.get("zh"), _get(enode, "zh") or enode, "zh", ctx)
        if not en and not zh:
            raise ctx.err(f"rule {i} has no patterns", enode, "en")
        rules.append(RoleRule(i, role, en, zh, _line(enode)))

    terms: list[Term] = []
    if data.get("skills") is not None:
        knode = _get(root, "skills")
        for entry, enode in _entries(data.get("skills"), knode, "skills", ctx):
            term = _text(entry.get("term"), _get(enode, "term") or enode, "term", ctx)
            if any(t.term.casefold() == term.casefold() for t in terms):
                raise ctx.err(f"skill term '{term}' is listed twice", enode, "term")
            en = _text_list(entry.get("en"), _get(enode, "en") or enode, "en", ctx)
            zh = _text_list(entry.get("zh"), _get(enode, "zh") or enode, "zh", ctx)
            if not en and not zh:
                raise ctx.err(f"skill term '{term}' has no patterns", enode, "en")
            terms.append(Term(term, en, zh))

    rules_obj = Rules(
        windows=windows,
        sectors=sectors,
        roles=roles,
        other=other,
        role_rules=rules,
        terms=terms,
        repost_days=repost_days,
        path=path,
        sha256=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
    )
    # Compile now so a pattern that cannot be matched is reported at load time.
    from mpu_qual.evidence.classify import Classifier

    Classifier(rules_obj)
    return rules_obj


def load_rules(path: str | Path | None = None) -> Rules:
    """Read and validate a rules file (the shipped defaults when ``path`` is None)."""
    p = Path(path) if path is not None else default_rules_path()
    text = read_small_text(
        p,
        "job-ad rules",
        max_bytes=MAX_RULES_BYTES,
        missing_hint="Copy the defaults with 'mpu-qual jobs rules --init' or pass --rules FILE.",
    )
    return parse_rules(text, p)


def load_project_rules(folder: str | Path) -> Rules:
    """The project's ``jobrules.yaml``, or the shipped defaults when it has none."""
    p = project_rules_path(folder)
    return load_rules(p if p.exists() else None)
