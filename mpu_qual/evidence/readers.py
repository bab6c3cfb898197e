"""Stream job-ad rows out of CSV, XLSX and JSON Lines files, one row at a time.

Never loads a whole file: a million-row export must import in bounded memory. Each reader
yields ``(line, values, error)``: the 1-based line (CSV record start, spreadsheet row, JSONL
line), the row's fields by name, or the reason the row cannot be read.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from mpu_qual.errors import MpuQualError
from mpu_qual.evidence.fields import RowError, resolve_columns
from mpu_qual.file_formats import FileFormat, Formats, either

# The job-ad files we read, each declared once: ``jobs import``'s help, detect_format, its
# hint and the README's table (kept equal by tests/test_where_to_add.py) come from here.
# Adding one: a reader class, ``(path, mapping)`` with ``_Reader``'s interface, and one line
# (tests/evidence/test_job_ad_formats.py then wants a sample of it).
FORMATS = Formats(
    "job-ad file type",
    (
        FileFormat(
            "csv",
            "CSV",
            (".csv", ".tsv", ".txt"),
            f"{__name__}:CsvReader",
            "or TSV; UTF-8, UTF-8 with BOM or Big5",
        ),
        FileFormat(
            "xlsx",
            "XLSX",
            (".xlsx", ".xlsm"),
            f"{__name__}:XlsxReader",
            "the first sheet",
            binary=True,
        ),
        FileFormat(
            "jsonl", "JSON Lines", (".jsonl", ".ndjson"), f"{__name__}:JsonlReader", "an ad a line"
        ),
    ),
)
_ENCODING_ALIASES = {"big5": "big5hkscs", "big-5": "big5hkscs", "utf8": "utf-8"}
_SNIFF_BYTES = 1 << 16
_MAX_FIELD = 1 << 20

Row = tuple[int, dict[str, Any] | None, RowError | None]


def detect_format(path: Path) -> str:
    """csv, xlsx or jsonl, from the file name (and the zip signature for spreadsheets)."""
    found = FORMATS.for_suffix(path)
    if path.suffix.lower() == ".xls":
        raise MpuQualError(
            "old Excel .xls files cannot be read", path=path, hint="Save it as .xlsx or CSV first."
        )
    if found is None:
        try:
            with path.open("rb") as f:
                magic = f.read(4)
        except OSError as exc:
            raise MpuQualError(f"cannot read file: {exc.strerror}", path=path) from None
        if magic == b"PK\x03\x04":
            return "xlsx"
        raise MpuQualError(
            f"unknown file type '{path.suffix or '(none)'}'",
            path=path,
            hint=f"Job ads are read from {either(list(FORMATS.suffixes))} files.",
        )
    return found.name


def normalise_encoding(name: str) -> str:
    """Check a user-given encoding; 'big5' reads as Big5-HKSCS (its Hong Kong superset)."""
    enc = _ENCODING_ALIASES.get(name.strip().casefold(), name.strip())
    try:
        codecs.lookup(enc)
    except LookupError:
        raise MpuQualError(
            f"unknown encoding '{name}'", field="encoding", hint="Try utf-8, utf-8-sig or big5."
        ) from None
    return enc


def sniff_encoding(head: bytes) -> str | None:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Big5-HKSCS; None when neither fits."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for enc in ("utf-8", "big5hkscs"):
        try:
            codecs.getincrementaldecoder(enc)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return enc
    return None


class _Reader:
    """Common shape: open, headings/fields known, iterate rows, close."""

    format = ""
    encoding: str | None = None

    def __init__(self, path: Path, mapping: dict[str, str]) -> None:
        self.path = path
        self.mapping = mapping
        self.headings: list[str] = []
        self.columns: dict[str, int] = {}

    @property
    def fields(self) -> set[str]:
        return set(self.columns)

    def _set_headings(self, headings: list[str], line: int) -> None:
        self.headings = headings
        self.columns, problems = resolve_columns(headings, self.mapping)
        if problems:
            raise MpuQualError(
                "; ".join(problems),
                path=self.path,
                line=line,
                field="map",
                hint=f"Columns in this file: {', '.join(repr(h) for h in headings if h)}.",
            )

    def __enter__(self) -> _Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:  # pragma: no cover - overridden
        pass

    def __iter__(self) -> Iterator[Row]:  # pragma: no cover - overridden
        return iter(())


# Encodings whose bytes never contain b"\n" inside a character: split lines on bytes, decode
# each line ourselves, and so know exactly which line is broken.
_LINE_SAFE = {"utf-8", "utf-8-sig", "big5hkscs", "big5", "cp950", "ascii", "latin-1", "cp1252"}


class CsvReader(_Reader):
    format = "csv"

    def __init__(self, path: Path, mapping: dict[str, str], encoding: str | None = None) -> None:
        super().__init__(path, mapping)
        self._raw = path.open("rb")
        self._bad_lines: list[int] = []
        try:
            head = self._raw.read(_SNIFF_BYTES)
            self._raw.seek(0)
            enc = normalise_encoding(encoding) if encoding else sniff_encoding(head)
            if enc is None:
                raise MpuQualError(
                    "cannot tell the text encoding (not UTF-8 or Big5)",
                    path=path,
                    hint="Pass --encoding NAME, or save the file as UTF-8 CSV.",
                )
            if enc == "utf-8" and head.startswith(codecs.BOM_UTF8):
                enc = "utf-8-sig"
            self.encoding = enc
            lines: Iterator[str]
            if codecs.lookup(enc).name in {codecs.lookup(e).name for e in _LINE_SAFE}:
                lines = self._decoded_lines(enc)
            else:
                lines = io.TextIOWrapper(self._raw, encoding=enc, errors="strict", newline="")
            first = head.split(b"\n", 1)[0].decode(enc if enc != "utf-16" else "utf-16", "replace")
            delimiter = max(("\t", ",", ";", "|"), key=first.count)
            if not first.count(delimiter):
                delimiter = ","
            csv.field_size_limit(_MAX_FIELD)
            self._csv = csv.reader(lines, delimiter=delimiter)
            self._last_line = 0
            self._read_headings()
        except BaseException:
            self._raw.close()
            raise

    def _decoded_lines(self, enc: str) -> Iterator[str]:
        """Lines decoded one by one; an undecodable line is noted and read with U+FFFD."""
        codec = "utf-8" if enc == "utf-8-sig" else enc
        for n, raw in enumerate(self._raw, start=1):
            if n == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            try:
                yield raw.decode(codec)
            except UnicodeDecodeError:
                self._bad_lines.append(n)
                yield raw.decode(codec, "replace")

    def _next(self) -> tuple[int, int, list[str]] | None:
        """The next record with the lines it spans; None at the end."""
        start = self._last_line + 1
        try:
            cells = next(self._csv)
        except StopIteration:
            return None
        except UnicodeDecodeError:
            raise MpuQualError(
                f"text is not valid {self.encoding}",
                path=self.path,
                line=self._csv.line_num + 1,
                hint="Pass --encoding big5 (or utf-8) to say how the file was saved.",
            ) from None
        finally:
            self._last_line = self._csv.line_num
        return start, self._last_line, cells

    def _broken(self, start: int, end: int) -> bool:
        while self._bad_lines and self._bad_lines[0] < start:
            self._bad_lines.pop(0)
        return bool(self._bad_lines) and self._bad_lines[0] <= end

    def _read_headings(self) -> None:
        while True:
            try:
                rec = self._next()
            except csv.Error as exc:
                raise MpuQualError(f"cannot read the heading row: {exc}", path=self.path) from None
            if rec is None:
                raise MpuQualError("file is empty (no heading row)", path=self.path)
            line, end, cells = rec
            if self._broken(line, end):
                raise MpuQualError(
                    f"heading row is not valid {self.encoding}",
                    path=self.path,
                    line=line,
                    hint="Pass --encoding big5 (or utf-8) to say how the file was saved.",
                )
            if any(c.strip() for c in cells):
                self._set_headings([c.strip().lstrip("\ufeff") for c in cells], line)
                return

    def __iter__(self) -> Iterator[Row]:
        n = len(self.headings)
        cols = list(self.columns.items())
        while True:
            try:
                rec = self._next()
            except csv.Error as exc:
                yield self._last_line, None, RowError(f"malformed CSV: {exc}")
                continue
            if rec is None:
                return
            line, end, cells = rec
            if self._bad_lines and self._broken(line, end):
                yield (
                    line,
                    None,
                    RowError(
                        f"not valid {self.encoding} text; pass --encoding if the file was saved "
                        "in another encoding"
                    ),
                )
                continue
            if len(cells) != n:
                if not any(c.strip() for c in cells):
                    continue  # blank line
                yield line, None, RowError(f"row has {len(cells)} cells, the heading row has {n}")
                continue
            yield line, {f: cells[i] for f, i in cols}, None

    def close(self) -> None:
        self._raw.close()


class XlsxReader(_Reader):
    format = "xlsx"

    def __init__(self, path: Path, mapping: dict[str, str]) -> None:
        super().__init__(path, mapping)
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            self._wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
            raise MpuQualError(
                f"not a readable .xlsx workbook ({exc.__class__.__name__})",
                path=path,
                hint="Open it in a spreadsheet program and save it again as .xlsx.",
            ) from None
        try:
            ws = self._wb.worksheets[0]
            ws.reset_dimensions()  # platform exports often carry wrong dimensions
            self._rows = enumerate(ws.iter_rows(values_only=True), start=1)
            for line, cells in self._rows:
                if any(_blankless(c) for c in cells):
                    self._set_headings(["" if c is None else str(c).strip() for c in cells], line)
                    break
            else:
                raise MpuQualError("first sheet is empty (no heading row)", path=path)
        except BaseException:
            self._wb.close()
            raise

    def __iter__(self) -> Iterator[Row]:
        n = len(self.headings)
        cols = list(self.columns.items())
        for line, cells in self._rows:
            if not any(_blankless(c) for c in cells):
                continue
            if len(cells) > n and any(_blankless(c) for c in cells[n:]):
                yield line, None, RowError("row has values to the right of the last heading")
                continue
            yield line, {f: (cells[i] if i < len(cells) else None) for f, i in cols}, None

    def close(self) -> None:
        self._wb.close()


def _blankless(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


class JsonlReader(_Reader):
    format = "jsonl"
    encoding = "utf-8"

    def __init__(self, path: Path, mapping: dict[str, str]) -> None:
        super().__init__(path, mapping)
        self._f: IO[bytes] = path.open("rb")
        self._cache: dict[tuple[str, ...], dict[str, int]] = {}
        try:
            # Fields come from the first object; later lines may use more or fewer keys.
            for line, raw in enumerate(self._f, start=1):
                obj = self._parse(line, raw)
                if isinstance(obj, dict):
                    keys = [str(k) for k in obj]
                    self._set_headings(keys, line)
                    break
            else:
                raise MpuQualError("file holds no JSON objects", path=path)
            self._f.seek(0)
        except BaseException:
            self._f.close()
            raise

    @staticmethod
    def _parse(line: int, raw: bytes) -> object:
        if line == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        if not raw.strip():
            return None
        try:
            return json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            return RowError("line is not UTF-8 text")
        except json.JSONDecodeError as exc:
            return RowError(f"not valid JSON ({exc.msg}, column {exc.colno})")

    def __iter__(self) -> Iterator[Row]:
        for line, raw in enumerate(self._f, start=1):
            obj = self._parse(line, raw)
            if obj is None:
                continue
            if isinstance(obj, RowError):
                yield line, None, obj
                continue
            if not isinstance(obj, dict):
                yield line, None, RowError("line is not a JSON object")
                continue
            keys = tuple(str(k) for k in obj)
            cols = self._cache.get(keys)
            if cols is None:
                cols, _problems = resolve_columns(list(keys), self.mapping)
                if len(self._cache) < 1000:
                    self._cache[keys] = cols
            values = list(obj.values())
            yield line, {f: values[i] for f, i in cols.items()}, None

    def close(self) -> None:
        self._f.close()


def open_reader(path: Path, mapping: dict[str, str], encoding: str | None = None) -> _Reader:
    """A streaming reader for ``path``; raises MpuQualError for a file that cannot be read."""
    if not path.exists():
        raise MpuQualError("file not found", path=path)
    if not path.is_file():
        raise MpuQualError("not a file", path=path)
    reader = FORMATS.get(detect_format(path)).load()
    try:
        if reader is CsvReader:  # the one reader of encoded text: it takes --encoding
            return CsvReader(path, mapping, encoding)
        found: _Reader = reader(path, mapping)
        return found
    except OSError as exc:
        raise MpuQualError(f"cannot read file: {exc.strerror}", path=path) from None
