"""Read a ``.qdpx`` archive without trusting it.

Nothing is extracted to disk: entries are read into memory with hard caps on their number,
their sizes (as declared and as actually decompressed) and their compression ratio, and an
archive whose paths would leave it (absolute paths, ``..``, drive letters, symlinks) is
refused as a whole. A file name is matched case-insensitively because tools disagree about
``sources/`` and ``Sources/``.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

from mpu_qual.errors import MpuQualError
from mpu_qual.fileio import refuse_database_file

MAX_ENTRIES = 10_000
MAX_ENTRY_BYTES = 256 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 100  # uncompressed / compressed, for entries above RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
_CHUNK = 1024 * 1024


class SafeZip:
    """An archive checked on open; ``read`` returns an entry's bytes within the caps."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        refuse_database_file(self.path, "REFI-QDA file")
        try:
            self._zip = zipfile.ZipFile(self.path)
        except FileNotFoundError:
            raise MpuQualError("file not found", path=self.path) from None
        except (zipfile.BadZipFile, OSError) as exc:
            raise MpuQualError(
                f"not a valid .qdpx (zip) archive: {exc}",
                path=self.path,
                hint="Export the project again from the other program.",
            ) from None
        try:
            self._index = self._check()
        except BaseException:
            self._zip.close()
            raise

    def _fail(self, message: str, name: str | None = None) -> MpuQualError:
        where = f"{self.path}::{name}" if name else self.path
        return MpuQualError(
            message,
            path=where,
            hint="The archive looks damaged or malicious; nothing was imported.",
        )

    def _check(self) -> dict[str, zipfile.ZipInfo]:
        infos = self._zip.infolist()
        if len(infos) > MAX_ENTRIES:
            raise self._fail(f"the archive has {len(infos)} entries (limit {MAX_ENTRIES})")
        index: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for info in infos:
            name = info.filename
            if "\x00" in name or "\\" in name:
                raise self._fail("an entry name contains a backslash or NUL", name)
            p = PurePosixPath(name)
            if p.is_absolute() or ".." in p.parts or (p.parts and ":" in p.parts[0]):
                raise self._fail("an entry's path leaves the archive", name)
            mode = info.external_attr >> 16
            if mode and stat.S_ISLNK(mode):
                raise self._fail("the archive contains a symbolic link", name)
            if info.flag_bits & 0x1:
                raise self._fail("the archive contains an encrypted entry", name)
            if info.file_size > MAX_ENTRY_BYTES:
                raise self._fail(f"an entry is larger than {MAX_ENTRY_BYTES >> 20} MiB", name)
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(
                info.compress_size, 1
            ):
                raise self._fail("an entry is compressed more than 100:1 (a zip bomb?)", name)
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                raise self._fail(f"the archive unpacks to more than {MAX_TOTAL_BYTES >> 20} MiB")
            if info.is_dir():
                continue
            key = name.casefold()
            if key in index:
                raise self._fail("two entries have the same name", name)
            index[key] = info
        return index

    def names(self) -> list[str]:
        return [i.filename for i in self._index.values()]

    def find(self, name: str) -> str | None:
        """The archive's own spelling of ``name`` (case-insensitive), or None."""
        info = self._index.get(name.casefold())
        return info.filename if info else None

    def read(self, name: str) -> bytes:
        """An entry's bytes; decompression stops at the cap whatever the header claims."""
        info = self._index.get(name.casefold())
        if info is None:
            raise self._fail("the archive has no such entry", name)
        limit = min(info.file_size, MAX_ENTRY_BYTES)
        out = bytearray()
        try:
            with self._zip.open(info) as fh:
                while True:
                    chunk = fh.read(_CHUNK)
                    if not chunk:
                        break
                    out += chunk
                    if len(out) > limit:
                        raise self._fail("an entry is larger than its header says", name)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise self._fail(f"cannot read the entry: {exc}", name) from None
        except NotImplementedError as exc:  # unsupported compression method
            raise self._fail(f"cannot read the entry: {exc}", name) from None
        return bytes(out)

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
