"""The workbench's codebook flows (add, edit, move, merge, delete a code; passages of a code)
and speaker labels; each ends in one undoable action that codebook.yaml follows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mpu_qual.figures import count
from mpu_qual.store.records import Coding
from mpu_qual.tui.screens.code_form import CodeFormResult, CodeFormScreen
from mpu_qual.tui.screens.code_picker import CodePickerScreen
from mpu_qual.tui.screens.dialogs import ConfirmScreen, PromptScreen
from mpu_qual.tui.screens.passages import PassagesScreen
from mpu_qual.tui.workbench.navigation import NavigationFlow
from mpu_qual.tui.workbench.state import WorkbenchHost

if TYPE_CHECKING:  # an import only (tui.app imports the workbench screen, which imports this)
    from mpu_qual.tui.app import MpuQualApp


class CodebookFlow:
    """Editing the codebook (the code comes from the codebook panel) and the speakers."""

    def __init__(self, host: WorkbenchHost, navigation: NavigationFlow) -> None:
        self.host = host
        self.navigation = navigation  # a code's passages become what n / N step through

    @property
    def app(self) -> MpuQualApp:
        return self.host.mpu_app

    # ------------------------------------------------------------------ codebook
    def show_passages(self, cid: str | None) -> None:
        """The passages coded with ``cid`` (and its sub-codes); choosing one jumps to it."""
        if not cid:
            return
        try:
            codings = self.app.visible_codings(code=cid, include_subcodes=True)
        except Exception as exc:
            self.app.show_error(exc, "Could not list the passages")
            return
        participants = {p.label: p.group_id for p in self.app.project.participants.list()}
        title = f"{self.app.labels.path(cid)}: {count(len(codings), 'coded passage')}"

        def done(c: Coding | None) -> None:
            if c is not None:
                hits = [(x.source_id, x.start, x.end) for x in codings]
                self.navigation.set_hit_list(hits, "passage")
                self.navigation.jump_to(c)

        self.app.push_screen(PassagesScreen(title, codings, self.app.labels, participants), done)

    def _codebook_saved(self, message: str, select: str | None = None) -> None:
        self.host.refresh_all()
        if select:
            self.host.select_code(select)
        self.app.notify(message + " codebook.yaml is updated.", timeout=3)

    def add(self, parent: str | None) -> None:
        """Add a code under ``parent`` (None: a new theme)."""
        prefix = f"{parent}." if parent else ""
        where = f"under {self.app.labels.path(parent)}" if parent else "as a new theme"

        def save(r: CodeFormResult) -> bool:
            done = self.app.run_write(
                lambda: self.app.project.codes.add(
                    r.code_id, r.label_en, r.label_zh, parent, rule=r.rule, color=r.color
                ),
                "Could not add the code",
            )
            if done is not None:
                self._codebook_saved(f"Added {r.code_id}.", r.code_id)
            return done is not None

        self.app.push_screen(
            CodeFormScreen("Add a code", code_id=prefix, context=f"New code {where}.", on_save=save)
        )

    def edit(self, cid: str | None) -> None:
        """Rename or edit a code: labels, rule, colour."""
        if not cid:
            return
        code = self.app.labels.by_id[cid]

        def save(r: CodeFormResult) -> bool:
            done = self.app.run_write(
                lambda: self.app.project.codes.update(
                    cid,
                    label_en=r.label_en,
                    label_zh=r.label_zh,
                    rule=r.rule,
                    color=r.color if r.color != code.color else None,
                ),
                "Could not change the code",
            )
            if done is not None:
                self._codebook_saved(f"Saved {cid}.", cid)
            return done is not None

        self.app.push_screen(
            CodeFormScreen(
                f"Edit {cid}",
                code_id=cid,
                label_en=code.label_en,
                label_zh=code.label_zh,
                rule=code.rule or "",
                color=code.color,
                id_editable=False,
                on_save=save,
            )
        )

    def _subtree(self, cid: str) -> set[str]:
        out = {cid}
        changed = True
        while changed:
            changed = False
            for c in self.app.labels.codes:
                if c.parent_id in out and c.id not in out:
                    out.add(c.id)
                    changed = True
        return out

    def move(self, cid: str | None) -> None:
        """Move a code under another one (or to the top)."""
        if not cid:
            return

        def chosen(ids: list[str] | None) -> None:
            if not ids:
                return
            target = None if ids[0] == CodePickerScreen.ROOT else ids[0]
            done = self.app.run_write(
                lambda: self.app.project.codes.update(cid, parent_id=target),
                "Could not move the code",
            )
            if done is not None:
                where = self.app.labels.code(target) if target else "the top level"
                self._codebook_saved(f"Moved {cid} under {where}.", cid)

        self.app.push_screen(
            CodePickerScreen(
                self.app.labels,
                title=f"Move {self.app.labels.code(cid)} under…",
                multi=False,
                exclude=self._subtree(cid),
                allow_root=True,
            ),
            chosen,
        )

    def merge(self, cid: str | None) -> None:
        """Merge a code into another one (its codings move)."""
        if not cid:
            return
        n = self.app.project.codes.counts().get(cid, 0)

        def chosen(ids: list[str] | None) -> None:
            if not ids:
                return
            target = ids[0]

            def confirmed(yes: bool | None) -> None:
                if not yes:
                    return
                done = self.app.run_write(
                    lambda: self.app.project.codes.merge(cid, target),
                    "Could not merge the codes",
                )
                if done is not None:
                    self._codebook_saved(
                        f"Merged {cid} into {target} ({done} codings moved).", target
                    )

            self.app.push_screen(
                ConfirmScreen(
                    "Merge codes",
                    f"Move all {n} codings of {self.app.labels.code(cid)} to "
                    f"{self.app.labels.code(target)} and delete {cid}? (ctrl+z undoes it)",
                ),
                confirmed,
            )

        self.app.push_screen(
            CodePickerScreen(
                self.app.labels,
                title=f"Merge {self.app.labels.code(cid)} into…",
                multi=False,
                exclude=self._subtree(cid),
            ),
            chosen,
        )

    def delete(self, cid: str | None) -> None:
        """Delete a code that has no codings."""
        if not cid:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:

                def drop() -> bool:
                    self.app.project.codes.delete(cid)
                    return True

                done = self.app.run_write(drop, "Could not delete the code")
                if done is not None:
                    self._codebook_saved(f"Deleted {cid}.")

        self.app.push_screen(
            ConfirmScreen("Delete code", f"Delete {self.app.labels.path(cid)} ({cid})?"),
            confirmed,
        )

    # ------------------------------------------------------------------ participants
    def set_speaker(self) -> None:
        ids = self.host.view.selected_segment_ids()
        if not ids:
            return
        lay = self.host.view.layout_
        current = lay.segments[lay.segment_at(self.host.view.cursor)].speaker if lay else ""

        def done(label: str | None) -> None:
            if not label:
                return
            n = self.app.run_write(
                lambda: self.app.project.sources.set_speaker(ids, label),
                "Could not set the speaker",
            )
            if n is not None:
                self.host.refresh_all()
                self.app.notify(f"{count(n, 'segment')} now spoken by {label.strip()}.", timeout=3)

        self.app.push_screen(
            PromptScreen(
                f"Speaker of {count(len(ids), 'segment')}",
                "Type a speaker label (a new label creates a participant).",
                current,
            ),
            done,
        )
