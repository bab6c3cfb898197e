"""Code expressions for matrix rows: ``A & B`` (passages coded A and B), ``A & !B`` (A but not
B), ``A | B``, parentheses; ``and``, ``or``, ``not`` also read. A code stands for the passages
coded with it or any of its sub-codes; operators combine those sets of passages (``!B`` is every
coded passage not coded B)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mpu_qual.errors import MpuQualError

_TOKEN = re.compile(r"\s*(?:(\()|(\))|(&&?|\|\|?|!|-(?=\s*[\w(]))|([^\s()&|!]+))")
_WORDS = {"and": "&", "or": "|", "not": "!"}


@dataclass(frozen=True)
class Node:
    op: str  # "code", "&", "|", "!"
    code: str | None = None
    args: tuple[Node, ...] = ()

    def codes(self) -> list[str]:
        """Code ids named in the expression, in order (each once)."""
        if self.op == "code":
            return [self.code or ""]
        out: list[str] = []
        for a in self.args:
            out += [c for c in a.codes() if c not in out]
        return out

    def positive_codes(self) -> list[str]:
        """Codes named outside any NOT: the codings shown behind a row's figure."""
        if self.op == "code":
            return [self.code or ""]
        if self.op == "!":
            return []
        out: list[str] = []
        for a in self.args:
            out += [c for c in a.positive_codes() if c not in out]
        return out

    def evaluate(self, sets: dict[str, set[int]], universe: set[int]) -> set[int]:
        if self.op == "code":
            return sets[self.code or ""]
        if self.op == "!":
            return universe - self.args[0].evaluate(sets, universe)
        parts = [a.evaluate(sets, universe) for a in self.args]
        out = set(parts[0])
        for p in parts[1:]:
            out = out & p if self.op == "&" else out | p
        return out


def is_expression(text: str) -> bool:
    return bool(re.search(r"[()&|!]|\s(and|or|not)\s|^\s*not\s|\s-\w", text, re.IGNORECASE))


def parse(text: str) -> Node:
    """Parse a code expression; errors name the position."""
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            break
        lp, rp, op, word = m.groups()
        at = m.start(m.lastindex or 0)
        if lp:
            tokens.append(("(", lp, at))
        elif rp:
            tokens.append((")", rp, at))
        elif op:
            tokens.append((op[0].replace("-", "!"), op, at))
        elif word.lower() in _WORDS:
            tokens.append((_WORDS[word.lower()], word, at))
        else:
            tokens.append(("code", word, at))
        pos = m.end()
    if not tokens:
        raise MpuQualError("the code expression is empty", field="rows")
    i = 0

    def fail(msg: str) -> MpuQualError:
        where = tokens[i][2] + 1 if i < len(tokens) else len(text) + 1
        return MpuQualError(
            f"{msg} at character {where} of '{text}'",
            field="rows",
            hint="Combine code ids with & (and), | (or), ! (not) and parentheses: A & !B.",
        )

    def peek() -> str | None:
        return tokens[i][0] if i < len(tokens) else None

    def or_() -> Node:
        nonlocal i
        args = [and_()]
        while peek() == "|":
            i += 1
            args.append(and_())
        return args[0] if len(args) == 1 else Node("|", args=tuple(args))

    def and_() -> Node:
        nonlocal i
        args = [not_()]
        while peek() in ("&", "!", "code", "("):
            if peek() == "&":
                i += 1
            elif peek() != "!":
                raise fail("expected &, | or )")
            args.append(not_())
        return args[0] if len(args) == 1 else Node("&", args=tuple(args))

    def not_() -> Node:
        nonlocal i
        if peek() == "!":
            i += 1
            return Node("!", args=(not_(),))
        return atom()

    def atom() -> Node:
        nonlocal i
        kind = peek()
        if kind == "code":
            i += 1
            return Node("code", code=tokens[i - 1][1])
        if kind == "(":
            i += 1
            node = or_()
            if peek() != ")":
                raise fail("missing )")
            i += 1
            return node
        raise fail("expected a code id")

    node = or_()
    if i != len(tokens):
        raise fail("unexpected text")
    return node
