"""Screens of the workbench: one module per screen; ``catalog`` lists those it can open."""
