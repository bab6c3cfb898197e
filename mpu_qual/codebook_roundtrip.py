"""Edit codebook.yaml in place: the codes follow the project, the file keeps its comments.

When the project's codes change (a workbench edit, a merge, an undo), codebook.yaml must list
them again. Writing the file afresh would drop what the person wrote in it: the header that
explains the format, a comment above a theme, flow-style groups, quoting. ``update_text``
instead loads the file with ruamel.yaml's round-trip loader (it builds plain mappings and
lists, never objects: as safe as ``yaml.safe_load``), changes only the entries whose code
changed (labels, rule, colour, audience, parent, order; codes added or removed) and writes it
back with the file's own indentation. The result is parsed again with the codebook's own
validator and must describe exactly the codes asked for; when it cannot (a layout the
round-trip cannot keep), ``update_text`` answers None and the caller writes the file afresh.
"""

from __future__ import annotations

import io
from typing import Any

from mpu_qual.codebook import Codebook, CodeDef, parse_codebook
from mpu_qual.errors import MpuQualError

# (mapping, sequence, offset) indentations tried, most common first: the one that writes the
# unchanged file back identically is the file's own.
_INDENTS = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 6, 4), (4, 4, 0), (2, 4, 0))


def _yaml(indent: tuple[int, int, int]) -> Any:
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096  # long lines stay as written (a new long rule stays on one line)
    y.allow_unicode = True
    y.indent(mapping=indent[0], sequence=indent[1], offset=indent[2])
    return y


def _dump(y: Any, data: Any) -> str:
    buf = io.StringIO()
    y.dump(data, buf)
    return buf.getvalue()


def _pick_indent(text: str) -> tuple[Any, Any] | None:
    """(loader-dumper, document) whose dump of the unchanged file is closest to it."""
    best: tuple[int, Any, Any] | None = None
    lines = text.splitlines()
    for indent in _INDENTS:
        y = _yaml(indent)
        data = y.load(text)
        out = _dump(y, data)
        if out == text:
            return y, data
        same = sum(a == b for a, b in zip(out.splitlines(), lines, strict=False))
        if best is None or same > best[0]:
            best = (same, y, data)
    return (best[1], best[2]) if best else None


def _signature(codes: list[CodeDef], colors: dict[str, str | None]) -> list[tuple]:
    return [
        (c.id, c.parent, c.en, c.zh, c.rule or "", colors.get(c.id, c.color), c.addresses)
        for c in codes
    ]


def _siblings(codes: list[CodeDef]) -> dict[str | None, list[str]]:
    out: dict[str | None, list[str]] = {}
    for c in codes:
        out.setdefault(c.parent, []).append(c.id)
    return out


def same_codes(got: list[CodeDef], wanted: list[CodeDef]) -> bool:
    """Does a codebook list the codes wanted, with the same fields, tree and sibling order?
    A wanted colour of None is any colour (the file's inherited one)."""
    free = {c.id for c in wanted if c.color is None}
    inherited = {c.id: c.color for c in got if c.id in free}
    return sorted(_signature(got, {}), key=str) == sorted(
        _signature(wanted, inherited), key=str
    ) and _siblings(got) == _siblings(wanted)


def update_text(text: str, codes: list[CodeDef]) -> str | None:
    """``text`` (a valid codebook.yaml) edited so that its codes are ``codes`` (pre-order,
    parents first, effective colours and audiences); None when that cannot be done in place."""
    try:
        old = parse_codebook(text)
        picked = _pick_indent(text)
    except (MpuQualError, Exception):  # noqa: BLE001 - any failure: write the file afresh
        return None
    if picked is None:
        return None
    y, data = picked
    try:
        out = _edit(y, data, old, codes)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return out


def _edit(y: Any, data: Any, old: Codebook, codes: list[CodeDef]) -> str | None:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if not isinstance(data, dict) or not isinstance(data.get("codes"), list):
        return None
    top = data["codes"]
    entries: dict[str, tuple[Any, Any]] = {}  # id -> (mapping, the list holding it)

    def walk(seq: Any) -> None:
        for item in seq:
            if isinstance(item, dict) and "id" in item:
                entries[str(item["id"]).strip()] = (item, seq)
                if isinstance(item.get("codes"), list):
                    walk(item["codes"])

    walk(top)
    was = {c.id: c for c in old.codes}
    want = {c.id: c for c in codes}

    def kids_of(parent: str | None) -> Any:
        if parent is None:
            return top
        entry = entries[parent][0]
        if not isinstance(entry.get("codes"), list):
            entry["codes"] = CommentedSeq()
        return entry["codes"]

    def set_field(entry: Any, key: str, value: str | None, before: str | None) -> None:
        if (value or None) == (before or None):
            return
        if value:
            entry[key] = value
        elif key in entry:
            del entry[key]

    # moves first (a child of a removed code may move out of it), then removals, then new codes
    for c in codes:
        if c.id in entries and was[c.id].parent != c.parent:
            entry, seq = entries[c.id]
            seq.remove(entry)
            entry.pop("parent", None)
            kids_of(c.parent).append(entry)
            entries[c.id] = (entry, kids_of(c.parent))
    for cid in list(entries):
        if cid not in want:
            entry, seq = entries.pop(cid)
            if entry in seq:
                seq.remove(entry)
    for c in codes:
        if c.id in entries:
            entry = entries[c.id][0]
            before = was[c.id]
            set_field(entry, "en", c.en, before.en)
            set_field(entry, "zh", c.zh, before.zh)
            set_field(entry, "rule", c.rule, before.rule)
            if "color" in entry:
                set_field(entry, "color", c.color, before.color)
            if "addresses" in entry:
                set_field(entry, "addresses", c.addresses, before.addresses)
            continue
        entry = CommentedMap([("id", c.id), ("en", c.en), ("zh", c.zh)])
        if c.rule:
            entry["rule"] = c.rule
        parent = want.get(c.parent) if c.parent else None
        if c.color and (parent is None or parent.color != c.color):
            entry["color"] = c.color
        if c.addresses and (parent is None or parent.addresses != c.addresses):
            entry["addresses"] = c.addresses
        seq = kids_of(c.parent)
        seq.append(entry)
        entries[c.id] = (entry, seq)
    for entry, _seq in entries.values():
        if isinstance(entry.get("codes"), list) and not entry["codes"]:
            del entry["codes"]
    _order(top, entries, codes)
    # colours and audiences inherited differently now: write them out where they differ
    for _ in range(2):
        text = _dump(y, data)
        try:
            got = {c.id: c for c in parse_codebook(text).codes}
        except MpuQualError:
            return None
        if same_codes(list(got.values()), codes):
            return text
        for c in codes:
            g = got.get(c.id)
            if g is None:
                return None
            entry = entries[c.id][0]
            if g.color != c.color and c.color:
                entry["color"] = c.color
            if g.addresses != c.addresses and c.addresses:
                entry["addresses"] = c.addresses
    return None


def _order(top: Any, entries: dict[str, tuple[Any, Any]], codes: list[CodeDef]) -> None:
    """Siblings in the project's order (only lists whose order differs are touched)."""
    rank = {c.id: i for i, c in enumerate(codes)}
    seqs = {id(top): top}
    for _entry, seq in entries.values():
        seqs[id(seq)] = seq
    for seq in seqs.values():
        items = list(seq)
        keyed = [
            (rank.get(str(x["id"]).strip(), -1) if isinstance(x, dict) and "id" in x else -1)
            for x in items
        ]
        ranked = [k for k in keyed if k >= 0]
        if ranked == sorted(ranked):
            continue
        ordered = sorted((k, i) for i, k in enumerate(keyed) if k >= 0)
        slots = [i for i, k in enumerate(keyed) if k >= 0]
        new = list(items)
        for slot, (_k, i) in zip(slots, ordered, strict=True):
            new[slot] = items[i]
        for i, item in enumerate(new):
            seq[i] = item
