"""The codebook: themes and codes from ``codebook.yaml``, validated with locations.

A codebook is edited by hand, so every problem is reported with file, line and column
and nothing is written until the whole file is valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mpu_qual.errors import MpuQualError
from mpu_qual.fileio import read_small_text, write_text_atomic

MAX_CODEBOOK_BYTES = 2 * 1024 * 1024
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_]*(\.[a-z0-9_]+)*$")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2"]


@dataclass
class Group:
    """A stakeholder group (who said it) or an audience (who a recommendation is for)."""

    id: str
    en: str
    zh: str
    match: str | None = None  # regex: speaker labels that belong to this group (e.g. ^IL\d+$)


@dataclass
class CodeDef:
    """One theme or code as written in the codebook file."""

    id: str
    en: str
    zh: str
    rule: str = ""
    color: str | None = None
    addresses: str | None = None
    parent: str | None = None
    was: list[str] = field(default_factory=list)
    line: int | None = None
    column: int | None = None
    position: int = 0
    depth: int = 0

    def label(self, lang: str = "en") -> str:
        return self.zh if lang == "zh" else self.en


@dataclass
class Codebook:
    """A validated codebook; ``codes`` are in file (pre-)order, parents before children."""

    name: str = ""
    name_zh: str = ""
    groups: list[Group] = field(default_factory=list)
    audiences: list[Group] = field(default_factory=list)
    codes: list[CodeDef] = field(default_factory=list)
    path: Path | None = None

    def get(self, code_id: str) -> CodeDef:
        for c in self.codes:
            if c.id == code_id:
                return c
        raise KeyError(code_id)

    def ids(self) -> set[str]:
        return {c.id for c in self.codes}

    def children(self, code_id: str | None) -> list[CodeDef]:
        return [c for c in self.codes if c.parent == code_id]

    def themes(self) -> list[CodeDef]:
        return self.children(None)

    def ancestors(self, code_id: str) -> list[CodeDef]:
        """The path from the theme down to the code itself."""
        by_id = {c.id: c for c in self.codes}
        out: list[CodeDef] = []
        cur: str | None = code_id
        while cur is not None:
            c = by_id[cur]
            out.append(c)
            cur = c.parent
        return list(reversed(out))

    def descendants(self, code_id: str) -> list[CodeDef]:
        out: list[CodeDef] = []
        stack = [code_id]
        while stack:
            cid = stack.pop()
            kids = self.children(cid)
            out.extend(kids)
            stack.extend(k.id for k in kids)
        return out

    def group_ids(self) -> list[str]:
        return [g.id for g in self.groups]


def _err(
    msg: str, path: Path | str | None, node: yaml.Node | None = None, **kw: Any
) -> MpuQualError:
    line = node.start_mark.line + 1 if node is not None else None
    col = node.start_mark.column + 1 if node is not None else None
    return MpuQualError(msg, path=path, line=line, column=col, **kw)


def _map_get(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return v
    return None


def _check_duplicate_keys(node: yaml.Node, path: Path | str | None) -> None:
    """YAML silently keeps the last of two equal keys; a codebook must not."""
    stack = [node]
    seen_nodes: set[int] = set()
    while stack:
        n = stack.pop()
        if isinstance(n, (yaml.MappingNode, yaml.SequenceNode)):
            if id(n) in seen_nodes:  # an alias (*name) of a list or mapping
                raise _err(
                    "YAML aliases of lists or entries (*name) are not allowed in this file",
                    path,
                    n,
                    hint="Write each entry out in full.",
                )  # nested aliases can expand a tiny file into billions of items
            seen_nodes.add(id(n))
        if isinstance(n, yaml.MappingNode):
            seen: set[str] = set()
            for k, v in n.value:
                if isinstance(k, yaml.ScalarNode):
                    if k.value in seen:
                        raise _err(f"key '{k.value}' appears twice in one entry", path, k)
                    seen.add(k.value)
                stack.append(v)
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)


# libyaml's safe loader when present (about 10x faster), else the pure-Python one.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml_text(
    text: str,
    path: Path | str | None,
    *,
    max_bytes: int = MAX_CODEBOOK_BYTES,
    what: str = "codebook",
) -> tuple[Any, yaml.Node | None]:
    """``yaml.safe_load`` plus the node tree (for line numbers); errors carry a location."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MpuQualError(
            f"the {what} contains an unpaired surrogate character (not valid Unicode text)",
            path=path,
            line=text.count("\n", 0, exc.start) + 1,
            column=exc.start - (text.rfind("\n", 0, exc.start) + 1) + 1,
        ) from None
    if len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise MpuQualError(
            f"file is larger than {max_bytes // 1024} KiB; is it really a {what} file?",
            path=path,
        )
    try:
        node = yaml.compose(text, Loader=_SAFE_LOADER)
        data = yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise MpuQualError(
            f"YAML syntax error: {exc.problem or exc.context}",
            path=path,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
            hint="Check indentation and quoting around this line.",
        ) from None
    except yaml.YAMLError as exc:
        raise MpuQualError(f"YAML error: {exc}", path=path) from None
    if node is not None:
        _check_duplicate_keys(node, path)
    return data, node


def _str_field(
    entry: dict,
    node: yaml.Node | None,
    key: str,
    path: Path | str | None,
    *,
    required: bool,
    what: str,
) -> str:
    value = entry.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _err(f"{what} has no '{key}'", path, node, field=key)
        return ""
    if not isinstance(value, (str, int, float)):
        raise _err(f"{what}: '{key}' must be text", path, _map_get(node, key) or node, field=key)
    return str(value).strip()


def _parse_groups(
    data: dict, node: yaml.Node | None, key: str, path: Path | str | None
) -> list[Group]:
    raw = data.get(key) or []
    gnode = _map_get(node, key) if node is not None else None
    if not isinstance(raw, list):
        raise _err(f"'{key}' must be a list", path, gnode, field=key)
    out: list[Group] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        inode = gnode.value[i] if isinstance(gnode, yaml.SequenceNode) else None
        if not isinstance(item, dict):
            raise _err(f"each entry of '{key}' must be a mapping with id, en, zh", path, inode)
        what = f"{key} entry {i + 1}"
        gid = _str_field(item, inode, "id", path, required=True, what=what)
        if not ID_RE.match(gid):
            raise _err(f"{what}: id '{gid}' must be lowercase letters, digits, _", path, inode)
        if gid in seen:
            raise _err(f"duplicate id '{gid}' in '{key}'", path, inode, field="id")
        seen.add(gid)
        en = _str_field(item, inode, "en", path, required=True, what=f"{key} '{gid}'")
        zh = _str_field(item, inode, "zh", path, required=False, what=f"{key} '{gid}'") or en
        match = item.get("match")
        if match is not None:
            try:
                re.compile(str(match))
            except re.error as exc:
                raise _err(
                    f"{key} '{gid}': invalid 'match' pattern: {exc}",
                    path,
                    _map_get(inode, "match"),
                    field="match",
                ) from None
        out.append(Group(gid, en, zh, str(match) if match is not None else None))
    return out


def parse_codebook(text: str, path: Path | str | None = None) -> Codebook:
    """Parse and validate codebook YAML text. Raises MpuQualError with a location."""
    data, node = parse_yaml_text(text, path)
    if data is None:
        raise MpuQualError("the codebook file is empty", path=path)
    if not isinstance(data, dict):
        raise _err("the codebook must be a mapping with 'codes'", path, node)
    version = data.get("version", 1)
    if version != 1:
        raise _err(
            f"unsupported codebook version {version!r} (expected 1)",
            path,
            _map_get(node, "version"),
        )
    cb = Codebook(
        name=str(data.get("name") or ""),
        name_zh=str(data.get("name_zh") or ""),
        path=Path(path) if path else None,
    )
    cb.groups = _parse_groups(data, node, "stakeholder_groups", path)
    cb.audiences = _parse_groups(data, node, "audiences", path)
    audience_ids = {a.id for a in cb.audiences}
    codes_raw = data.get("codes")
    codes_node = _map_get(node, "codes")
    if not isinstance(codes_raw, list) or not codes_raw:
        raise _err(
            "the codebook needs a non-empty list 'codes'", path, codes_node or node, field="codes"
        )

    seen: dict[str, CodeDef] = {}
    pending_parents: list[tuple[CodeDef, yaml.Node | None]] = []

    def walk(items: list, items_node: yaml.Node | None, parent: CodeDef | None) -> None:
        for i, item in enumerate(items):
            inode = items_node.value[i] if isinstance(items_node, yaml.SequenceNode) else None
            if not isinstance(item, dict):
                raise _err("each code must be a mapping with id, en, zh, rule", path, inode)
            what = "code"
            cid = _str_field(item, inode, "id", path, required=True, what=what)
            what = f"code '{cid}'"
            if not ID_RE.match(cid):
                raise _err(
                    f"{what}: ids use lowercase letters, digits, '_' and '.' (e.g. training.ai)",
                    path,
                    _map_get(inode, "id") or inode,
                    field="id",
                )
            if cid in seen:
                first = seen[cid]
                raise _err(
                    f"duplicate code id '{cid}' (first defined on line {first.line})",
                    path,
                    inode,
                    field="id",
                )
            color = item.get("color")
            if color is not None and (not isinstance(color, str) or not COLOR_RE.match(color)):
                raise _err(
                    f"{what}: color must look like #1f77b4",
                    path,
                    _map_get(inode, "color"),
                    field="color",
                )
            addresses = item.get("addresses")
            if addresses is not None and str(addresses) not in audience_ids:
                raise _err(
                    f"{what}: addresses '{addresses}' is not one of the audiences "
                    f"({', '.join(sorted(audience_ids)) or 'none defined'})",
                    path,
                    _map_get(inode, "addresses"),
                    field="addresses",
                )
            was = item.get("was") or []
            if isinstance(was, str):
                was = [was]
            if not isinstance(was, list) or not all(isinstance(w, str) for w in was):
                raise _err(
                    f"{what}: 'was' must be an id or a list of ids",
                    path,
                    _map_get(inode, "was"),
                    field="was",
                )
            explicit_parent = item.get("parent")
            code = CodeDef(
                id=cid,
                en=_str_field(item, inode, "en", path, required=True, what=what),
                zh=_str_field(item, inode, "zh", path, required=True, what=what),
                rule=_str_field(item, inode, "rule", path, required=False, what=what),
                color=color,
                addresses=str(addresses) if addresses is not None else None,
                parent=parent.id if parent else None,
                was=list(was),
                line=inode.start_mark.line + 1 if inode is not None else None,
                column=inode.start_mark.column + 1 if inode is not None else None,
            )
            if explicit_parent is not None:
                if parent is not None and str(explicit_parent) != parent.id:
                    raise _err(
                        f"{what}: 'parent' contradicts where it is nested",
                        path,
                        inode,
                        field="parent",
                    )
                code.parent = str(explicit_parent)
                pending_parents.append((code, _map_get(inode, "parent")))
            seen[cid] = code
            cb.codes.append(code)
            kids = item.get("codes")
            if kids is not None:
                if not isinstance(kids, list):
                    raise _err(
                        f"{what}: 'codes' must be a list",
                        path,
                        _map_get(inode, "codes"),
                        field="codes",
                    )
                walk(kids, _map_get(inode, "codes"), code)

    walk(codes_raw, codes_node, None)

    for code, pnode in pending_parents:
        if code.parent not in seen:
            raise _err(
                f"code '{code.id}': unknown parent '{code.parent}'", path, pnode, field="parent"
            )
    _check_cycles_and_order(cb, path)
    _check_renames(cb, path)
    return cb


def _check_cycles_and_order(cb: Codebook, path: Path | str | None) -> None:
    by_id = {c.id: c for c in cb.codes}
    for c in cb.codes:
        seen = {c.id}
        cur = c.parent
        depth = 0
        while cur is not None:
            if cur in seen:
                raise MpuQualError(
                    f"code '{c.id}': its parents form a loop", path=path, line=c.line
                )
            seen.add(cur)
            cur = by_id[cur].parent
            depth += 1
        c.depth = depth
    # Reorder to pre-order (parents before children) keeping file order among siblings.
    ordered: list[CodeDef] = []

    def visit(pid: str | None) -> None:
        for c in cb.codes:
            if c.parent == pid:
                ordered.append(c)
                visit(c.id)

    visit(None)
    for i, c in enumerate(ordered):
        c.position = i
    # Themes inherit a default colour; codes inherit their theme's.
    theme_i = 0
    for c in ordered:
        if c.color is None:
            if c.parent is None:
                c.color = DEFAULT_COLORS[theme_i % len(DEFAULT_COLORS)]
            else:
                c.color = by_id[c.parent].color
        if c.parent is None:
            theme_i += 1
        if c.addresses is None and c.parent is not None:
            c.addresses = by_id[c.parent].addresses
    cb.codes = ordered


def _check_renames(cb: Codebook, path: Path | str | None) -> None:
    ids = cb.ids()
    claimed: dict[str, str] = {}
    for c in cb.codes:
        for old in c.was:
            if old in ids:
                raise MpuQualError(
                    f"code '{c.id}': 'was: {old}' names a code that still exists",
                    path=path,
                    line=c.line,
                    field="was",
                )
            if old in claimed:
                raise MpuQualError(
                    f"codes '{claimed[old]}' and '{c.id}' both say 'was: {old}'",
                    path=path,
                    line=c.line,
                )
            claimed[old] = c.id


def load_codebook(path: str | Path) -> Codebook:
    """Read and validate a codebook file."""

    p = Path(path)
    text = read_small_text(
        p, "codebook", max_bytes=MAX_CODEBOOK_BYTES, missing_hint="Pass --codebook FILE."
    )
    return parse_codebook(text, p)


def dump_codebook(cb: Codebook) -> str:
    """Codebook back to YAML (nested), used when the TUI edits codes."""

    def entry(c: CodeDef) -> dict[str, Any]:
        d: dict[str, Any] = {"id": c.id, "en": c.en, "zh": c.zh}
        if c.rule:
            d["rule"] = c.rule
        parent_color = cb.get(c.parent).color if c.parent else None
        if c.color and c.color != parent_color:
            d["color"] = c.color
        parent_addr = cb.get(c.parent).addresses if c.parent else None
        if c.addresses and c.addresses != parent_addr:
            d["addresses"] = c.addresses
        kids = cb.children(c.id)
        if kids:
            d["codes"] = [entry(k) for k in kids]
        return d

    data: dict[str, Any] = {"version": 1}
    if cb.name:
        data["name"] = cb.name
    if cb.name_zh:
        data["name_zh"] = cb.name_zh
    data["stakeholder_groups"] = [
        {"id": g.id, "en": g.en, "zh": g.zh, **({"match": g.match} if g.match else {})}
        for g in cb.groups
    ]
    data["audiences"] = [{"id": g.id, "en": g.en, "zh": g.zh} for g in cb.audiences]
    data["codes"] = [entry(t) for t in cb.themes()]
    header = (
        "# mpu-qual codebook. Ids are stable: codings follow the id, so edit labels freely.\n"
        "# To change an id, write the old one under `was:`. Written by mpu-qual.\n"
    )
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def save_codebook(cb: Codebook, path: str | Path) -> None:
    """Write the codebook atomically (temp file + rename): never a half-written file."""
    p = Path(path)
    text = dump_codebook(cb)
    parse_codebook(text, p)  # never write something we could not read back
    write_text_atomic(p, text)
