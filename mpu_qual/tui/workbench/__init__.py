"""The workbench's flows: what happens between a key and the library call it leads to.

Each flow is a plain object built with the screen as a ``WorkbenchHost`` (state.py declares
what a flow may use): navigation.py (go to, search, next hit), coding.py (code, memo, remove,
re-scope, details), codebook.py (add, edit, move, merge, delete a code; speakers); follow_up.py
holds the work that follows a key's frame (the side panels after a coding).
``tui/screens/workbench.py`` builds them and routes its keys and the components' messages to them.
"""
