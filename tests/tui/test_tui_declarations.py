"""The TUI declares what it uses (issue 18): no writes to Textual's private attributes, no
``TYPE_CHECKING`` blocks that stand in for real attributes or methods, and a workbench made of
components and flows, not of mixins that use what they never declare.

mypy over the whole package (tests/test_type_check.py) checks the declarations themselves; these
tests check what a type checker lets through.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from functools import cache
from pathlib import Path

import textual

import mpu_qual
from mpu_qual.tui.screens.workbench import WorkbenchScreen
from mpu_qual.tui.widgets.transcript_caret import CaretModel
from mpu_qual.tui.widgets.transcript_codings import CodingIndex
from mpu_qual.tui.widgets.transcript_drawing import TranscriptPainter
from mpu_qual.tui.widgets.transcript_view import TranscriptView

PACKAGE = Path(mpu_qual.__file__).resolve().parent
TUI_FILES = sorted((PACKAGE / "tui").rglob("*.py"))


def _module(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _targets(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        return list(node.targets)
    if isinstance(node, ast.AugAssign | ast.AnnAssign):
        return [node.target]
    return []


def _private_writes(tree: ast.AST) -> list[tuple[int, str, str]]:
    """(line, object, attribute) of every ``obj._name = ...`` (and setattr(obj, "_name"))."""
    found = []
    for node in ast.walk(tree):
        for target in _targets(node):
            for t in ast.walk(target):
                if (
                    isinstance(t, ast.Attribute)
                    and t.attr.startswith("_")
                    and not (t.attr.startswith("__"))
                ):
                    found.append((t.lineno, ast.unparse(t.value), t.attr))
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "setattr"
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and str(node.args[1].value).startswith("_")
        ):
            found.append((node.lineno, ast.unparse(node.args[0]), str(node.args[1].value)))
    return found


@cache
def _textual_private_names(cls: type) -> frozenset[str]:
    """The private names a Textual class defines: class attributes and ``self._x`` it sets."""
    names = {n for n in vars(cls) if n.startswith("_") and not n.startswith("__")}
    try:
        source = inspect.getsource(cls)
    except (OSError, TypeError):
        return frozenset(names)
    tree = ast.parse(inspect.cleandoc("\n" + source) if source[:1].isspace() else source)
    for _line, obj, attr in _private_writes(tree):
        if obj == "self":
            names.add(attr)
    return frozenset(names)


def _textual_bases(cls: type) -> list[type]:
    return [k for k in cls.__mro__ if k.__module__.split(".")[0] == "textual"]


def test_no_private_attribute_of_another_object_is_written() -> None:
    """``screen._bindings = ...``, ``app._x = ...``: only an object's own code sets its
    private attributes (and never Textual's, whatever the object)."""
    found = [
        f"{_module(path)}:{line} sets {obj}.{attr}"
        for path in TUI_FILES
        for line, obj, attr in _private_writes(_tree(path))
        if obj not in {"self", "cls"}
    ]
    assert found == []


def test_no_tui_class_overwrites_a_private_attribute_of_textual() -> None:
    """A subclass of a Textual class that sets ``self._x`` where Textual has its own ``_x``
    would change Textual's state behind its back (and break with its next release)."""
    checked = 0
    found = []
    for path in TUI_FILES:
        module = importlib.import_module(_module(path))
        for node in ast.walk(_tree(path)):
            if not isinstance(node, ast.ClassDef):
                continue
            cls = getattr(module, node.name, None)
            if not isinstance(cls, type) or not _textual_bases(cls):
                continue
            checked += 1
            textual_names: set[str] = set()
            for base in _textual_bases(cls):
                textual_names |= _textual_private_names(base)
            for line, obj, attr in _private_writes(node):
                if obj == "self" and attr in textual_names:
                    found.append(f"{_module(path)}:{line} {node.name} sets Textual's self.{attr}")
            for stmt in node.body:  # class-level names too (DEFAULT_CSS etc. are public)
                for target in _targets(stmt):
                    if isinstance(target, ast.Name) and target.id in textual_names:
                        found.append(f"{_module(path)}:{stmt.lineno} {node.name}.{target.id}")
    assert found == []
    assert checked >= 30, checked  # the screens, the components, the app: not an empty scan
    assert textual.__name__ == "textual"


def test_type_checking_blocks_hold_imports_only() -> None:
    """``if TYPE_CHECKING:`` may import names for annotations; it may not declare attributes
    or methods that exist only for the checker (the workbench's mixins did)."""
    found = []
    checked = 0
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(_tree(path)):
            if not isinstance(node, ast.If):
                continue
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", "")
            if name != "TYPE_CHECKING":
                continue
            checked += 1
            for stmt in node.body + node.orelse:
                if isinstance(stmt, ast.Import | ast.ImportFrom):
                    continue
                name = getattr(stmt, "name", "")
                found.append(f"{_module(path)}:{stmt.lineno} {type(stmt).__name__} {name}")
    assert found == []
    assert checked > 0  # the package has such blocks: the scan saw them


def test_the_transcript_view_is_one_widget_made_of_plain_parts() -> None:
    """TranscriptView is a ScrollView, not mixins sharing attributes: its caret, coding index
    and painter are plain objects that own their state."""
    ours = [k for k in TranscriptView.__mro__ if k.__module__.startswith("mpu_qual")]
    assert ours == [TranscriptView]
    for part in (CaretModel, CodingIndex, TranscriptPainter):
        assert not _textual_bases(part), part


def test_the_workbench_screen_is_made_of_no_mixins() -> None:
    """WorkbenchScreen is a Screen, not a stack of mixins: its own classes are itself only;
    the flows in tui/workbench/ are plain objects it builds."""
    ours = [k for k in WorkbenchScreen.__mro__ if k.__module__.startswith("mpu_qual")]
    assert ours == [WorkbenchScreen]
    for path in sorted((PACKAGE / "tui" / "workbench").glob("*.py")):
        module = importlib.import_module(_module(path))
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ClassDef):
                cls = getattr(module, node.name)
                assert not _textual_bases(cls), f"{_module(path)}.{node.name} is a Textual class"
