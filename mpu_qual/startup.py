"""Start fast: sqlite-utils without numpy and pandas.

``sqlite_utils.db`` imports numpy and pandas, when they are installed, only to map their
number types to SQL column types; numpy is installed here (faster-whisper needs it), and
importing it costs more than the rest of a reading command (``mpu-qual code list``). mpu-qual
never hands numpy or pandas values to sqlite-utils, so while ``sqlite_utils.db`` is being
imported, and only then, those two imports fail as if the packages were absent. The hook
costs nothing until sqlite-utils is imported, and nothing at all when numpy is already loaded
(e.g. by playback in the workbench): then it steps aside.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from importlib.abc import Loader
    from importlib.machinery import ModuleSpec
    from types import ModuleType

TARGET = "sqlite_utils.db"
BLOCKED = ("numpy", "pandas")


# Plain classes, not importlib.abc subclasses: importing importlib.abc costs more than the
# rest of this module (the import system only needs these methods).
class _Loader:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self.inner.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        blocked = [name for name in BLOCKED if name not in sys.modules]
        for name in blocked:
            # None in sys.modules makes "import numpy" raise (documented); typeshed types the
            # values as ModuleType only
            sys.modules[name] = None  # type: ignore[assignment]
        try:
            self.inner.exec_module(module)
        finally:
            for name in blocked:
                if sys.modules.get(name, 0) is None:
                    del sys.modules[name]


class _Finder:
    def find_spec(self, name, path, target=None):  # noqa: ANN001, ANN201 - importlib protocol
        if name != TARGET:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None and spec.loader is not None:
                # _Loader has the Loader protocol's methods without importing importlib.abc
                spec.loader = cast("Loader", _Loader(spec.loader))
                return spec
        return None


def install() -> None:
    """Put the hook in front of the import system (once; harmless when sqlite-utils is in)."""
    if TARGET in sys.modules or any(isinstance(f, _Finder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _Finder())
