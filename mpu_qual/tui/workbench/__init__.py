"""The workbench screen's parts that are not screens: its shared state and its action mixins.

``tui/screens/workbench.py`` composes them into ``WorkbenchScreen``.
"""
