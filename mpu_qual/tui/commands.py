"""Command palette (Ctrl+P): one entry for every workbench action, searchable by name."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class WorkbenchCommands(Provider):
    """Lists ``WorkbenchScreen.palette_commands()`` for the screen the palette was opened on."""

    def _commands(self) -> list[tuple[str, str, str]]:
        screen = self.screen
        getter = getattr(screen, "palette_commands", None)
        if getter is None:
            # opened over a dialog: offer the workbench's actions underneath it
            for s in reversed(self.app.screen_stack):
                getter = getattr(s, "palette_commands", None)
                if getter is not None:
                    screen = s
                    break
        if getter is None:
            return []
        self._target = screen
        return getter()

    async def discover(self) -> Hits:
        for title, help_text, action in self._commands():
            yield DiscoveryHit(
                title, partial(self.app.run_action, action, self._target), help=help_text
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, action in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(title),
                    partial(self.app.run_action, action, self._target),
                    help=help_text,
                )
