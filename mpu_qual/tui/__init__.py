"""The Textual coding workbench (the only package that imports textual).

``mpu_qual.tui.app.create_app(folder)`` builds the app for the CLI and for tests;
``run_app(folder)`` runs it. This file imports nothing, so that importing a TUI helper module
(``workbench_view``, ``layout``, ``textnav``) does not load Textual's app machinery.
"""
