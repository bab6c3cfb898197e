"""The workbench's components stand alone (issue 18): each takes its inputs through its own
methods and tells the screen what happened with its own messages; none imports a screen or the
app, reads ``self.screen``, queries a sibling or binds a key to a screen's action.

The first tests read the source (every module of ``tui/components/`` and of ``tui/widgets/``,
where the transcript view's files live); the last ones mount each component in a bare app, with
no workbench screen around it, press its keys and read the messages it posts.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.message import Message
from tui_helpers import SIZE, db_codings, settle

from mpu_qual.store import Project
from mpu_qual.transcript_files.parsed import ParsedSegment, ParsedTranscript
from mpu_qual.tui import components, workbench_view
from mpu_qual.tui.app import create_app
from mpu_qual.tui.components import CodebookTree, SourceList, StatusBar, TranscriptView
from mpu_qual.tui.screens.workbench import WorkbenchScreen

TUI = Path(components.__file__).resolve().parent.parent
COMPONENT_FILES = sorted((TUI / "components").glob("*.py")) + sorted((TUI / "widgets").glob("*.py"))
# what a component may use of the app: Textual's own public services, nothing of MpuQualApp
APP_SERVICES = {"notify", "copy_to_clipboard", "size"}
FORBIDDEN_IMPORTS = ("mpu_qual.tui.screens", "mpu_qual.tui.app", "mpu_qual.tui.workbench.")


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _name(path: Path) -> str:
    return str(path.relative_to(TUI.parent.parent))


def test_the_component_files_are_found() -> None:
    names = {p.name for p in COMPONENT_FILES}
    assert {"source_list.py", "codebook_tree.py", "status_bar.py", "transcript_view.py"} <= names


def test_components_import_no_screen_and_not_the_app() -> None:
    found = []
    for path in COMPONENT_FILES:
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            else:
                continue
            for module in modules:
                if module.startswith(FORBIDDEN_IMPORTS) or module == "mpu_qual.tui.workbench":
                    found.append(f"{_name(path)}:{node.lineno} imports {module}")
    assert found == []


def _chain(node: ast.expr) -> list[str]:
    """``self.app.size`` -> ["self", "app", "size"] (empty when it is not a plain chain)."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id, *reversed(parts)]
    return []


def test_components_do_not_reach_into_the_screen_the_app_or_siblings() -> None:
    found = []
    for path in COMPONENT_FILES:
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Attribute):
                chain = _chain(node)
                if chain[:2] == ["self", "screen"] or chain[:2] == ["self", "parent"]:
                    found.append(f"{_name(path)}:{node.lineno} uses {'.'.join(chain[:3])}")
                if chain[:2] == ["self", "app"] and len(chain) > 2:
                    if chain[2] not in APP_SERVICES:
                        found.append(f"{_name(path)}:{node.lineno} uses {'.'.join(chain[:3])}")
                if node.attr in {"project", "workbench", "mpu_app"}:
                    found.append(f"{_name(path)}:{node.lineno} uses .{node.attr}")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id == "cast":
                    found.append(f"{_name(path)}:{node.lineno} casts (the app's type?)")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                chain = _chain(node.func)
                if node.func.attr in {"query", "query_one", "query_exactly_one"} and chain[:1] != [
                    "self"
                ]:
                    found.append(f"{_name(path)}:{node.lineno} queries {'.'.join(chain)}")
    assert found == []


@pytest.mark.parametrize("component", [SourceList, CodebookTree, TranscriptView, StatusBar])
def test_components_bind_keys_to_their_own_actions(component: type) -> None:
    """A key bound to ``screen.x`` or ``app.x`` would make the component depend on the
    screen's actions; each key runs the component's own action (which may post a message)."""
    for binding in component.BINDINGS:
        action = binding.action.split("(")[0]
        assert "." not in action, (component.__name__, binding.key, binding.action)
        assert hasattr(component, f"action_{action}"), (component.__name__, binding.action)


@pytest.mark.parametrize(
    "component, messages",
    [
        (SourceList, {"SourceChosen", "Left"}),
        (
            CodebookTree,
            {
                "PassagesWanted",
                "ApplyWanted",
                "AddWanted",
                "EditWanted",
                "MoveWanted",
                "MergeWanted",
                "DeleteWanted",
                "Left",
            },
        ),
        (TranscriptView, {"CursorMoved", "Confirmed", "Cancelled"}),
    ],
)
def test_components_declare_their_messages(component: type, messages: set[str]) -> None:
    declared = {
        name
        for name, value in vars(component).items()
        if isinstance(value, type) and issubclass(value, Message)
    }
    assert declared >= messages
    # what they post is theirs: every post_message in the module builds one of its own
    source = Path(__import__(component.__module__, fromlist=["_"]).__file__ or "")
    for node in ast.walk(_tree(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "post_message"
        ):
            arg = node.args[0]
            target = arg.func if isinstance(arg, ast.Call) else arg
            chain = _chain(target) if isinstance(target, ast.Attribute | ast.Name) else []
            assert chain and (chain[0] == "self" or chain[-1] in declared | {"message"}), (
                source.name,
                node.lineno,
            )


# ---------------------------------------------------------------------------------- alone
class Harness(App[None]):
    """A bare app with one component and no workbench: it records the messages."""

    def __init__(self, widget: object) -> None:
        super().__init__()
        self.widget = widget
        self.received: list[Message] = []

    def compose(self) -> ComposeResult:
        yield self.widget  # type: ignore[misc]

    def on_source_list_source_chosen(self, m: SourceList.SourceChosen) -> None:
        self.received.append(m)

    def on_source_list_left(self, m: SourceList.Left) -> None:
        self.received.append(m)

    def on_codebook_tree_passages_wanted(self, m: CodebookTree.PassagesWanted) -> None:
        self.received.append(m)

    def on_codebook_tree_apply_wanted(self, m: CodebookTree.ApplyWanted) -> None:
        self.received.append(m)

    def on_codebook_tree_add_wanted(self, m: CodebookTree.AddWanted) -> None:
        self.received.append(m)

    def on_codebook_tree_edit_wanted(self, m: CodebookTree.EditWanted) -> None:
        self.received.append(m)

    def on_codebook_tree_delete_wanted(self, m: CodebookTree.DeleteWanted) -> None:
        self.received.append(m)

    def on_transcript_view_confirmed(self, m: TranscriptView.Confirmed) -> None:
        self.received.append(m)

    def on_transcript_view_cancelled(self, m: TranscriptView.Cancelled) -> None:
        self.received.append(m)


async def test_source_list_alone_says_which_transcript_was_chosen() -> None:
    sources = SourceList()
    app = Harness(sources)
    async with app.run_test(size=(60, 20)) as pilot:
        sources.set_sources(
            [{"id": 7, "name": "focus-group-a"}, {"id": 9, "name": "focus-group-b"}]
        )
        sources.focus()
        await pilot.press("down", "down", "enter")  # the first down highlights the first
        await pilot.pause()
        chosen = [m for m in app.received if isinstance(m, SourceList.SourceChosen)]
        assert [m.source_id for m in chosen] == [9]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.received[-1], SourceList.Left)


async def test_codebook_tree_alone_names_the_code_of_each_request(demo_project: Project) -> None:
    labels = workbench_view.Labels(demo_project, "en")
    first = labels.codes[0]
    tree = CodebookTree()
    app = Harness(tree)
    async with app.run_test(size=(60, 30)) as pilot:
        tree.populate(labels, demo_project.codes.counts())
        tree.focus()
        await pilot.pause()
        tree.select_code(first.id)
        await pilot.pause()
        await pilot.press("enter", "c", "e", "delete", "a", "A")
        await pilot.pause()
        got = [
            (type(m).__name__, getattr(m, "code_id", getattr(m, "parent_id", None)))
            for m in app.received
        ]
        assert got == [
            ("PassagesWanted", first.id),
            ("ApplyWanted", first.id),
            ("EditWanted", first.id),
            ("DeleteWanted", first.id),
            ("AddWanted", first.id),  # a: a sub-code under the code at the cursor
            ("AddWanted", None),  # A: a theme
        ]


async def test_transcript_view_alone_posts_enter_and_escape(demo_project: Project) -> None:
    labels = workbench_view.Labels(demo_project, "en")
    source = demo_project.sources.list()[0]
    view = TranscriptView()
    app = Harness(view)
    async with app.run_test(size=(100, 30)) as pilot:
        view.load(workbench_view.load_doc(demo_project, source, labels), [])
        view.focus()
        await pilot.press("t", "enter", "escape")
        await pilot.pause()
        assert [type(m).__name__ for m in app.received] == ["Confirmed", "Cancelled"]
        assert view.selection is not None  # the screen decides what Escape clears


# ---------------------------------------------------------------------------------- wired
async def test_the_workbench_answers_the_panels_messages(demo_dir: Path) -> None:
    """In the real workbench: c in the codebook panel codes the transcript's selection with the
    panel's code (ApplyWanted), Escape goes back to the transcript (Left), Enter in the
    transcript list opens the transcript chosen (SourceChosen)."""
    with Project.open(demo_dir) as p:  # a second transcript, listed after the demo's
        second = p.sources.add(
            "zz-second",
            ParsedTranscript(
                segments=[ParsedSegment(text="A second focus group.", speaker="IL1")],
                metadata={},
                format="txt",
            ),
        )
    app = create_app(demo_dir)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, WorkbenchScreen)
        await pilot.press("t")  # the first segment, selected in the transcript
        span = screen.view.selection
        assert span is not None
        await pilot.press("ctrl+b")
        screen.codebook_tree.select_code("factors.ecosystem.finance")
        await pilot.pause()
        await pilot.press("c")
        await settle(pilot)
        coded = [(c.code_id, c.start, c.end) for c in db_codings(demo_dir)]
        assert coded == [("factors.ecosystem.finance", span[0], span[1])]
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is screen.view
        first = screen.source
        assert first is not None
        await pilot.press("ctrl+t")
        assert screen.source_order() == [first.id, second.id]
        assert app.focused is screen.sources_list
        await pilot.press("down", "enter")
        await settle(pilot)
        assert screen.source is not None and screen.source.id == second.id
        assert app.focused is screen.view


def test_status_fit_cuts_a_line_as_rich_truncate_does() -> None:
    """``fit`` (issue 21 item 8: a status draw no longer splits a whole long line of Chinese
    into graphemes) gives the very line ``Text.truncate`` gives, wide characters included."""
    from rich.text import Text

    from mpu_qual.tui.components.status_bar import fit

    pieces = ["Recent codes ", "香港人工智能研發院及沙嶺數據園區", "e\u0301", " 1 ", "…", "ab"]
    for n in range(1, 12):
        line = Text(no_wrap=True, overflow="ellipsis")
        for k in range(n):
            line.append(pieces[(k * 7 + n) % len(pieces)], style=("red", "bold", "")[k % 3])
        for width in (1, 2, 5, 9, 10, 11, 30, 60, 200):
            want = line.copy()
            want.truncate(width, overflow="ellipsis")
            assert fit(line.copy(), width) == want, (line.plain, width)


async def test_status_bar_alone_keeps_its_second_line_across_moves() -> None:
    """The second line (message, recent codes) is drawn again only when one of them changes;
    each move of the caret still shows on the first line, and a new message at once."""
    from mpu_qual.tui.components.status_bar import Caret, message_line

    status = StatusBar()
    app = Harness(status)
    recent = [("1", "Infrastructure 加強基建", "green")]
    async with app.run_test(size=(160, 20)):
        status.show(Caret("fg", 1, 90, "00:00:05", "IL1"), recent)
        status.set_message(message_line("", "Coded as Infrastructure 加強基建", "information"))
        second = status._keys
        status.show(Caret("fg", 2, 90, "00:00:32", "IL2"), list(recent))
        assert status._keys is second  # not drawn again
        lines = str(status.render()).splitlines()
        assert "segment 2/90" in lines[0] and "IL2" in lines[0]
        assert lines[1].startswith("✓ Coded as Infrastructure") and "Recent codes" in lines[1]
        status.set_message(message_line("", "Undone: coding 'Infrastructure'", "information"))
        assert str(status.render()).splitlines()[1].startswith("✓ Undone: coding")
        status.show(Caret("fg", 2, 90, "00:00:32", "IL2"), [*recent, ("2", "Finance", "red")])
        assert "Finance" in str(status.render()).splitlines()[1]
        status.set_message(None)
        assert str(status.render()).splitlines()[1].startswith("Recent codes")
