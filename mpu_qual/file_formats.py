"""A registry of file formats: each format declared once, every list of formats derived.

A ``Formats`` registry holds one kind of format (quote exports, summaries, job-ad files);
each ``FileFormat`` names itself, its suffixes and the function that writes or reads it. The
CLI's ``--format`` choices and help, suffix detection, error hints and the README's table all
come from the registry, so adding a format is its function plus one ``FileFormat`` line.

The function is named as ``"module:attribute"`` and imported only when a file is written or
read (as ``cli.COMMANDS`` names modules): the CLI can build its choices from a registry
without loading openpyxl, python-docx or the exporters at start-up.
"""

from __future__ import annotations

import importlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mpu_qual.errors import MpuQualError


@dataclass(frozen=True)
class FileFormat:
    """One format: ``name`` (what ``--format`` takes), ``label`` (what people call it),
    ``suffixes`` (the first is the usual one), ``function`` ("module:attribute", loaded on
    use), ``notes`` for the README, and ``binary`` for a format that cannot be printed to
    the terminal (XLSX, DOCX: a command asks for a file instead)."""

    name: str
    label: str
    suffixes: tuple[str, ...]
    function: str
    notes: str = ""
    binary: bool = False

    def load(self) -> Callable[..., Any]:
        """The format's writer or reader, imported now."""
        module, _, attribute = self.function.partition(":")
        found: Callable[..., Any] = getattr(importlib.import_module(module), attribute)
        return found


def either(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" or {items[-1]}"


@dataclass(frozen=True)
class Formats:
    """The formats of one kind (``kind`` names it in messages: "export format")."""

    kind: str
    formats: tuple[FileFormat, ...]

    def __post_init__(self) -> None:
        names = [f.name for f in self.formats]
        suffixes = [s for f in self.formats for s in f.suffixes]
        if len(set(names)) != len(names) or len(set(suffixes)) != len(suffixes):
            raise ValueError(f"{self.kind}: a name or suffix is declared twice")
        if any(not s.startswith(".") or s != s.lower() for s in suffixes):
            raise ValueError(f"{self.kind}: suffixes are lower case and start with a dot")

    @property
    def names(self) -> tuple[str, ...]:
        """The names, in declaration order: the CLI's ``--format`` choices."""
        return tuple(f.name for f in self.formats)

    @property
    def suffixes(self) -> tuple[str, ...]:
        return tuple(s for f in self.formats for s in f.suffixes)

    def names_text(self) -> str:
        """'csv, xlsx, md, docx or html'."""
        return either(list(self.names))

    def labels_text(self) -> str:
        """'CSV, XLSX, Markdown, DOCX, HTML'."""
        return ", ".join(f.label for f in self.formats)

    def suffixes_text(self) -> str:
        """'.csv, .xlsx, .md, .docx or .html': the usual suffix of each format."""
        return either([f.suffixes[0] for f in self.formats])

    def get(self, name: str) -> FileFormat:
        """The format called ``name`` (any case); an MpuQualError naming the choices if none."""
        for f in self.formats:
            if f.name == name.lower():
                return f
        raise MpuQualError(
            f"unknown {self.kind} '{name}'", field="format", hint=f"Use {self.names_text()}."
        )

    def for_suffix(self, path: str | Path) -> FileFormat | None:
        """The format whose suffix ``path`` has, or None."""
        suffix = Path(path).suffix.lower()
        return next((f for f in self.formats if suffix in f.suffixes), None)

    def choose(self, path: str | Path, name: str | None = None) -> FileFormat:
        """The format given by name, else the one ``path``'s suffix names."""
        if name:
            return self.get(name)
        found = self.for_suffix(path)
        if found is None:
            raise MpuQualError(
                f"cannot tell the format from '{Path(path).name}'",
                path=path,
                field="format",
                hint=f"Pass --format ({self.names_text()}) or name the file "
                f"{self.suffixes_text()}.",
            )
        return found

    def text(self, name: str, content: Any) -> str:
        """``content`` in the text format called ``name``, for the terminal: its writer run
        into memory (a BOM dropped). A binary format (XLSX, DOCX) is refused with the file to
        ask for instead."""
        chosen = self.get(name)
        if chosen.binary:
            raise MpuQualError(
                f"{chosen.label} needs a file",
                field="format",
                hint=f"Add -o FILE{chosen.suffixes[0]}.",
            )
        buf = io.BytesIO()
        chosen.load()(content, buf)
        return buf.getvalue().decode("utf-8-sig")

    def readme_table(self, column: str) -> str:
        """The README's table of these formats (a test keeps the README equal to it)."""
        rows = [f"| Format | Files | {column} |", "| --- | --- | --- |"]
        for f in self.formats:
            files = ", ".join(f"`{s}`" for s in f.suffixes)
            about = f"{f.label} ({f.notes})" if f.notes else f.label
            rows.append(f"| {about} | {files} | `{f.name}` |")
        return "\n".join(rows)
