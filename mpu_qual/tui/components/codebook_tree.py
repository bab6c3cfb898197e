"""The codebook panel: themes and codes as a tree, with colour swatches and coding counts.

A component: its inputs are the codebook and the counts (``populate``, ``update_counts``,
``select_code``); each key on a code posts a message that names the code (``PassagesWanted``,
``ApplyWanted``, ``AddWanted``, ``EditWanted``, ``MoveWanted``, ``MergeWanted``,
``DeleteWanted``, ``Left``). The screen answers them (dialogs, then the library); the tree
never edits the codebook itself.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from mpu_qual.store.records import Code
from mpu_qual.tui.workbench_view import Labels


class CodebookTree(Tree[str]):
    """Node data is the code id. Each key posts one of the messages below."""

    BINDINGS = [
        Binding("enter", "passages", "Coded passages of this code", show=False),
        Binding("c", "apply", "Apply this code to the selection", show=False),
        Binding("a", "add(False)", "Add a sub-code here", show=False),
        Binding("A", "add(True)", "Add a theme", show=False),
        Binding("e", "edit", "Rename / edit this code", show=False),
        Binding("f2", "edit", "Rename / edit this code", show=False),
        Binding("m", "move", "Move under another code", show=False),
        Binding("M", "merge", "Merge into another code", show=False),
        Binding("delete", "delete", "Delete this code (no codings)", show=False),
        Binding("escape", "leave", "Back to the transcript", show=False),
    ]

    class CodeMessage(Message):
        """A request about one code of the tree (the one under the cursor)."""

        def __init__(self, code_id: str) -> None:
            super().__init__()
            self.code_id = code_id

    class PassagesWanted(CodeMessage):
        """Enter: list the passages coded with this code (and its sub-codes)."""

    class ApplyWanted(CodeMessage):
        """c: code the transcript's selection with this code."""

    class EditWanted(CodeMessage):
        """e / F2: rename or edit this code."""

    class MoveWanted(CodeMessage):
        """m: move this code under another one."""

    class MergeWanted(CodeMessage):
        """M: merge this code into another one."""

    class DeleteWanted(CodeMessage):
        """Delete: delete this code."""

    class AddWanted(Message):
        """a / A: add a code under ``parent_id`` (None: a new theme)."""

        def __init__(self, parent_id: str | None) -> None:
            super().__init__()
            self.parent_id = parent_id

    class Left(Message):
        """Escape: back to the transcript."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Codebook", id=id)
        self.show_root = False
        self.guide_depth = 2
        self.border_title = "Codebook"
        self._code_nodes: dict[str, TreeNode[str]] = {}
        self._shown: dict[str, tuple[int, int]] = {}  # (own, total) each label shows
        self._codes: dict[str, Code] = {}

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[str]) -> None:
        """The highlighted code's full name, both languages and id, as the panel's tooltip
        (the panel cuts long names at its width)."""
        code = self._codes.get(event.node.data or "")
        if code is not None:
            self.tooltip = f"{code.label_en}\n{code.label_zh}\n{code.id}"

    # ------------------------------------------------------------------ keys
    def _post_for_code(self, message: type[CodeMessage]) -> None:
        """Post ``message`` for the code under the cursor (nothing on an empty tree)."""
        code_id = self.current_code
        if code_id:
            self.post_message(message(code_id))

    def action_passages(self) -> None:
        self._post_for_code(self.PassagesWanted)

    def action_apply(self) -> None:
        self._post_for_code(self.ApplyWanted)

    def action_edit(self) -> None:
        self._post_for_code(self.EditWanted)

    def action_move(self) -> None:
        self._post_for_code(self.MoveWanted)

    def action_merge(self) -> None:
        self._post_for_code(self.MergeWanted)

    def action_delete(self) -> None:
        self._post_for_code(self.DeleteWanted)

    def action_add(self, theme: bool) -> None:
        self.post_message(self.AddWanted(None if theme else self.current_code))

    def action_leave(self) -> None:
        self.post_message(self.Left())

    # ------------------------------------------------------------------ inputs
    @staticmethod
    def node_label(code: Code, labels: Labels, count: int, total: int) -> Text:
        """Swatch, count (own / with sub-codes) before the label so it is never cut off."""
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("■ ", style=labels.color(code.id))
        if total:
            n = str(count) if count == total else (f"{count}/{total}" if count else str(total))
            text.append(n + " ", style="bold" if count else "dim")
        text.append(code.label(labels.lang), style="bold" if code.depth == 0 else "")
        return text

    def populate(self, labels: Labels, counts: dict[str, int]) -> None:
        """Rebuild the tree (keeps the cursor on the same code and expanded state)."""
        current = self.cursor_node.data if self.cursor_node is not None else None
        collapsed = {
            cid for cid, n in self._code_nodes.items() if n.allow_expand and not n.is_expanded
        }
        self.clear()
        self._code_nodes = {}
        self._shown = {}
        totals = self._totals(labels.codes, counts)
        self._codes = {c.id: c for c in labels.codes}
        for code in labels.codes:
            parent = self._code_nodes.get(code.parent_id) if code.parent_id else self.root
            if parent is None:
                parent = self.root
            key = (counts.get(code.id, 0), totals.get(code.id, 0))
            node = parent.add(
                self.node_label(code, labels, *key), data=code.id, expand=code.id not in collapsed
            )
            self._code_nodes[code.id] = node
            self._shown[code.id] = key
        for node in self._code_nodes.values():
            if not node.children:
                node.allow_expand = False
        self.root.expand()
        if current in self._code_nodes:
            self.call_after_refresh(self.select_code, current)

    @staticmethod
    def _totals(codes: list[Code], counts: dict[str, int]) -> dict[str, int]:
        """Codings of each code plus those of all its sub-codes."""
        totals = {c.id: counts.get(c.id, 0) for c in codes}
        by_id = {c.id: c for c in codes}
        for c in codes:
            n = counts.get(c.id, 0)
            parent = c.parent_id
            while parent is not None and parent in by_id:
                totals[parent] += n
                parent = by_id[parent].parent_id
        return totals

    def update_counts(self, labels: Labels, counts: dict[str, int]) -> None:
        """Refresh the labels whose numbers changed (the fast path after a coding)."""
        totals = self._totals(labels.codes, counts)
        self._codes = {c.id: c for c in labels.codes}
        shown = self._shown
        for code in labels.codes:
            node = self._code_nodes.get(code.id)
            key = (counts.get(code.id, 0), totals.get(code.id, 0))
            if node is not None and shown.get(code.id) != key:
                node.set_label(self.node_label(code, labels, *key))
                shown[code.id] = key

    def select_code(self, code_id: str) -> None:
        node = self._code_nodes.get(code_id)
        if node is None:
            return
        parent = node.parent
        while parent is not None:
            parent.expand()
            parent = parent.parent
        self.move_cursor(node)

    @property
    def current_code(self) -> str | None:
        node = self.cursor_node
        return node.data if node is not None and node.data else None
