"""Coding as a team: coders, blind double coding, merging coders' projects, agreement.

- ``agreement``: the statistics (percent, Cohen's kappa, Krippendorff's alpha) from counts;
  pure computation, no project.
- ``units``: the units (segments or characters) and each coder's values, read from a project.
- ``coders``: who coded what, the coder's name, the project's blind-mode setting.
- ``merge``: bring a colleague's project folder or QDPX into this one (one undoable action).
- ``disagreements``: where coders differ, and the review decisions that resolve them.
- ``methods``: the agreement figures as sentences and tables for reports.

Never imports textual (tests/test_architecture.py and import-linter check it).
"""
