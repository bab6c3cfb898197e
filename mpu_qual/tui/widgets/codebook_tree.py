"""The codebook panel: themes and codes as a tree, with colour swatches and coding counts."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from mpu_qual.store.records import Code
from mpu_qual.tui.workbench_view import Labels


class CodebookTree(Tree[str]):
    """Node data is the code id. Codebook edits are screen actions bound here."""

    BINDINGS = [
        Binding("enter", "screen.show_passages", "Coded passages of this code", show=False),
        Binding("c", "screen.code_with_tree_code", "Apply this code to the selection", show=False),
        Binding("a", "screen.add_code(False)", "Add a sub-code here", show=False),
        Binding("A", "screen.add_code(True)", "Add a theme", show=False),
        Binding("e", "screen.edit_code", "Rename / edit this code", show=False),
        Binding("f2", "screen.edit_code", "Rename / edit this code", show=False),
        Binding("m", "screen.move_code", "Move under another code", show=False),
        Binding("M", "screen.merge_code", "Merge into another code", show=False),
        Binding("delete", "screen.delete_code", "Delete this code (no codings)", show=False),
        Binding("escape", "screen.focus_panel('view')", "Back to the transcript", show=False),
    ]

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
                self._relabel(node, self.node_label(code, labels, *key))
                shown[code.id] = key

    def _relabel(self, node: TreeNode[str], label: Text) -> None:
        """``node.set_label`` that repaints the node's own row only. Textual's repaints the
        rows of all its descendants too (their guides follow the cursor's path, not the
        labels): a coding changes a code's count and its parents' totals, and the tree drew
        almost every visible row again, 8-12 ms a coding on two loaded cores."""
        if not hasattr(node, "_updates") or not hasattr(node, "_label"):  # another Textual
            node.set_label(label)
            return
        node._label = self.process_label(label)
        node._updates += 1  # the row's cached drawing is keyed by it
        line = node.line
        if line >= 0:
            self.refresh(Region(0, line - self.scroll_offset.y, self.size.width, 1))

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
