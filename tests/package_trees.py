"""Module sources parsed once per test session.

The architecture and safety scans (tests/test_architecture.py, test_store_owns_tables.py,
test_where_to_add.py, core/test_core_terminal_output.py, safety/db_io_lint.py,
safety/test_atomic_writes.py, safety/test_how_to_corrupt.py) each walk the tree of every
module of the package; parsing the ~230 modules took one to two seconds each time. The
cache is keyed by the source text, so an edited file is parsed anew; the trees are only read
(a scan may note its own findings on a node, never change the tree).
"""

from __future__ import annotations

import ast
import functools


@functools.cache
def parse(source: str) -> ast.Module:
    """``ast.parse(source)``, once per distinct text."""
    return ast.parse(source)
