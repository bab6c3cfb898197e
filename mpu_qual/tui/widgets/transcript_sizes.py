"""Sizes of the transcript view's parts, in terminal cells (shared by its drawing and layout)."""

GUTTER = 21  # time and speaker, left of the text
LEFT_PANEL = 32  # #left in app.tcss: only used to guess the width before layout
NARROW = 100  # below this terminal width the left panel hides (WorkbenchScreen breakpoints)
WIDE = 150  # from this terminal width the left panel is wide enough for codes' full names
MAX_LANES = 4  # margin lanes that show which codes cover a line; more share the last
