"""A small taint checker: Python file I/O on the project database's files.

SQLite's locks are POSIX locks: closing any descriptor of ``project.db`` (or its -wal,
-shm, -journal) in a process drops every lock that process holds on it, and the next
writer in another window corrupts the file. So no code in ``mpu_qual/`` may open, read,
write, copy, hash or mmap those files itself. This module finds such calls by following,
inside each module, the values that derive from the database's paths:

sources   the names ``DB_NAME`` / ``db_path`` (also as attributes), string constants that
          name ``project.db`` or end in -wal/-shm/-journal, whatever is passed to
          ``sqlite3.connect``/``connect``/``open_readonly`` (it *is* a database path), and
          directory listings (``iterdir``, ``glob``, ``rglob``, ``os.listdir``, ``os.scandir``,
          ``os.walk``), which may yield ``project.db``;
flow      assignments, ``for`` targets, ``with ... as``, comprehensions, walrus, and
          arguments passed to functions of the same module (one parameter per argument);
cleaning  a name checked with ``is_database_file(name)`` or ``refuse_database_file(name)``
          in the same function;
sinks     ``open``/``io.open``/``os.open``/``codecs.open``, ``shutil.copy*``/``move``,
          ``mmap.mmap``, ``hashlib.file_digest``, ``zipfile.ZipFile``, ``tarfile.open``, and the
          methods ``open``, ``read_bytes``, ``read_text``, ``write_bytes``, ``write_text`` on a
          tainted value.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from package_trees import parse

SOURCE_NAMES = {"DB_NAME", "db_path"}
SIDE_SUFFIXES = ("-wal", "-shm", "-journal")
LISTING_METHODS = {"iterdir", "glob", "rglob"}
LISTING_FUNCS = {
    ("os", "listdir"),
    ("os", "scandir"),
    ("os", "walk"),
    ("glob", "glob"),
    ("glob", "iglob"),
}
CONNECT_FUNCS = {"connect", "open_readonly"}
SANITIZERS = {"is_database_file", "refuse_database_file"}
SINK_FUNCS = {
    ("", "open"),
    ("io", "open"),
    ("os", "open"),
    ("codecs", "open"),
    ("shutil", "copy"),
    ("shutil", "copy2"),
    ("shutil", "copyfile"),
    ("shutil", "move"),
    ("mmap", "mmap"),
    ("hashlib", "file_digest"),
    ("zipfile", "ZipFile"),
    ("tarfile", "open"),
}
SINK_METHODS = {"open", "read_bytes", "read_text", "write_bytes", "write_text"}
# Deleting or renaming a database file (or its journal) that another program may have open:
# SQLite's "How To Corrupt" 1.3 (deleting a hot journal) and 2.5 (unlink or rename in use).
UNLINK_FUNCS = {
    ("os", "remove"),
    ("os", "unlink"),
    ("os", "replace"),
    ("os", "rename"),
    ("shutil", "move"),
}
UNLINK_METHODS = {"unlink", "rename", "replace"}


@dataclass(frozen=True)
class Finding:
    where: str
    line: int
    call: str
    function: str = ""

    def __str__(self) -> str:
        return f"{self.where}:{self.line}: {self.call}"


def _dotted(func: ast.expr) -> tuple[str, str]:
    if isinstance(func, ast.Name):
        return "", func.id
    if isinstance(func, ast.Attribute):
        base = func.value
        return (base.id if isinstance(base, ast.Name) else "?"), func.attr
    return "?", ""


def _is_source(node: ast.AST, strict: bool = False) -> bool:
    """``strict``: only what names the project's database (no listings)."""
    if isinstance(node, ast.Name) and node.id in SOURCE_NAMES:
        return True
    if isinstance(node, ast.Attribute) and node.attr in SOURCE_NAMES:
        return True
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        v = node.value
        return "project.db" in v or v.endswith(SIDE_SUFFIXES)
    if isinstance(node, ast.Call) and not strict:
        mod, name = _dotted(node.func)
        if isinstance(node.func, ast.Attribute) and name in LISTING_METHODS:
            return True
        if (mod, name) in LISTING_FUNCS:
            return True
    return False


def _walk_local(root: ast.AST) -> list[ast.AST]:
    """``ast.walk`` that stays in one scope: nested functions are scopes of their own.

    The analysis walks each scope many times (until its names stop growing, once per pass
    over the module's calls); the tree never changes, so the walk is kept on the node."""
    cached = getattr(root, "_local_nodes", None)
    if cached is not None:
        return cached
    found = []
    todo = list(ast.iter_child_nodes(root))
    while todo:
        node = todo.pop()
        found.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            todo.extend(ast.iter_child_nodes(node))
        elif isinstance(node, ast.ClassDef):
            todo.extend(
                n for n in node.body if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
            )
    root._local_nodes = found  # type: ignore[attr-defined]
    return found


def _targets(node: ast.AST) -> list[str]:
    return [n.id for n in ast.walk(node) if isinstance(n, ast.Name)]


class _Scope:
    def __init__(self, fn: ast.AST, seeds: set[str], strict: bool = False):
        self.fn = fn
        self.strict = strict
        self.name = getattr(fn, "name", "<module>")
        self.tainted = set(seeds)
        self.clean: set[str] = set()
        for node in _walk_local(fn):
            if isinstance(node, ast.Call) and _dotted(node.func)[1] in SANITIZERS and node.args:
                self.clean.update(_targets(node.args[0]))

    def expr_tainted(self, expr: ast.AST | None) -> bool:
        if expr is None:
            return False
        if _is_source(expr, self.strict):
            return True
        if isinstance(expr, ast.Name):
            return expr.id in self.tainted and expr.id not in self.clean
        if (
            isinstance(expr, ast.BinOp)
            and isinstance(expr.op, ast.Div)
            and isinstance(expr.right, ast.Constant)
        ):
            # folder / "vocabulary.txt": the name is that constant, whatever the folder
            return _is_source(expr.right, self.strict)
        return any(self.expr_tainted(child) for child in ast.iter_child_nodes(expr))

    def propagate(self) -> None:
        changed = True
        while changed:
            before = len(self.tainted)
            for node in _walk_local(self.fn):
                pairs: list[tuple[ast.AST, ast.AST | None]] = []
                if isinstance(node, ast.Assign):
                    pairs = [(t, node.value) for t in node.targets]
                elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
                    pairs = [(node.target, node.value)]
                elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                    pairs = [(node.target, node.iter)]
                elif isinstance(node, (ast.With, ast.AsyncWith)):
                    pairs = [
                        (i.optional_vars, i.context_expr) for i in node.items if i.optional_vars
                    ]
                elif (
                    isinstance(node, ast.Call)
                    and not self.strict
                    and _dotted(node.func)[1] in CONNECT_FUNCS
                ):
                    # whatever is opened with SQLite is a database path
                    for arg in node.args[:1]:
                        self.tainted.update(n.id for n in ast.walk(arg) if isinstance(n, ast.Name))
                for target, value in pairs:
                    if self.expr_tainted(value):
                        self.tainted.update(_targets(target))
            changed = len(self.tainted) != before

    def sinks(self, where: str, funcs=SINK_FUNCS, methods=SINK_METHODS) -> list[Finding]:  # noqa: ANN001
        out = []
        for node in _walk_local(self.fn):
            if not isinstance(node, ast.Call):
                continue
            mod, name = _dotted(node.func)
            args = list(node.args) + [k.value for k in node.keywords]
            if (mod, name) in funcs or (funcs is SINK_FUNCS and mod == "" and name == "open"):
                if any(self.expr_tainted(a) for a in args[:2]):
                    out.append(Finding(where, node.lineno, ast.unparse(node)[:120], self.name))
            elif isinstance(node.func, ast.Attribute) and name in methods:
                if name in ("replace", "rename") and len(node.args) != 1:
                    continue  # str.replace(old, new), not Path.replace(target)
                if self.expr_tainted(node.func.value):
                    out.append(Finding(where, node.lineno, ast.unparse(node)[:120], self.name))
        return out


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    return {
        n.name: n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
    }


def _params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    a = fn.args
    return [p.arg for p in a.posonlyargs + a.args + a.kwonlyargs]


def _nested(funcs: dict[str, ast.AST]) -> dict[str, list[str]]:
    """function name -> names of the functions defined directly inside it."""
    out: dict[str, list[str]] = {name: [] for name in funcs}
    for name, fn in funcs.items():
        for node in _walk_local(fn):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in funcs:
                out[name].append(node.name)
    return out


def check_source(source: str, where: str, *, deletions: bool = False) -> list[Finding]:
    """Every file I/O call on a database path in one module's source (with ``deletions``:
    every unlink, rename or replace of one instead)."""
    sink_funcs, sink_methods = (
        (UNLINK_FUNCS, UNLINK_METHODS) if deletions else (SINK_FUNCS, SINK_METHODS)
    )
    tree = parse(source)  # one tree per module for the session (both scans read it)
    funcs = _functions(tree)
    inner = _nested(funcs)
    seeds: dict[str, set[str]] = {name: set() for name in funcs}
    module_scope = _Scope(tree, set(), deletions)
    module_scope.propagate()

    def add(callee: str, names: set[str]) -> bool:
        new = names - seeds[callee]
        seeds[callee] |= new
        return bool(new)

    while True:
        grew = False
        for name, fn in funcs.items():
            scope = _Scope(fn, seeds[name] | module_scope.tainted, deletions)
            scope.propagate()
            for child in inner[name]:  # closures see the enclosing function's names
                grew |= add(child, scope.tainted - scope.clean)
            for node in _walk_local(fn):
                if not isinstance(node, ast.Call):
                    continue
                callee = _dotted(node.func)[1]
                if callee not in funcs or callee == name:
                    continue
                params = _params(funcs[callee])
                if params and params[0] in ("self", "cls"):
                    params = params[1:]
                hit = {
                    params[i]
                    for i, a in enumerate(node.args[: len(params)])
                    if scope.expr_tainted(a)
                }
                hit |= {
                    k.arg for k in node.keywords if k.arg in params and scope.expr_tainted(k.value)
                }
                grew |= add(callee, hit)
        if not grew:
            break
    found: set[Finding] = set(module_scope.sinks(where, sink_funcs, sink_methods))
    for name, fn in funcs.items():
        scope = _Scope(fn, seeds[name] | module_scope.tainted, deletions)
        scope.propagate()
        found.update(scope.sinks(where, sink_funcs, sink_methods))
    return sorted(found, key=lambda f: (f.where, f.line))
