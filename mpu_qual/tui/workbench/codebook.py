"""The workbench's codebook edits (add, edit, move, merge, delete a code; passages of a code)\nand speaker labels; each one undoable action that codebook.yaml follows.\n"""

from __future__ import annotations

from mpu_qual.figures import count
from mpu_qual.store.records import Coding
from mpu_qual.tui.screens.code_form import CodeFormResult, CodeFormScreen
from mpu_qual.tui.screens.code_picker import CodePickerScreen
from mpu_qual.tui.screens.dialogs import ConfirmScreen, PromptScreen
from mpu_qual.tui.screens.passages import PassagesScreen
from mpu_qual.tui.workbench.state import WorkbenchState


class CodebookActions(WorkbenchState):
    """Mixed into WorkbenchScreen: editing the codebook and speakers from the tree."""

    # ------------------------------------------------------------------ codebook
    def action_show_passages(self) -> None:
        cid = self.codebook_tree.current_code
        if not cid:
            return
        try:
            codings = self.mpu_app.visible_codings(code=cid, include_subcodes=True)
        except Exception as exc:
            self.mpu_app.show_error(exc, "Could not list the passages")
            return
        participants = {p.label: p.group_id for p in self.mpu_app.project.participants.list()}
        title = f"{self.mpu_app.labels.path(cid)}: {count(len(codings), 'coded passage')}"

        def done(c: Coding | None) -> None:
            if c is not None:
                self.set_hit_list([(x.source_id, x.start, x.end) for x in codings], "passage")
                self.jump_to(c)

        self.app.push_screen(
            PassagesScreen(title, codings, self.mpu_app.labels, participants), done
        )

    def _codebook_saved(self, message: str, select: str | None = None) -> None:
        self.refresh_all()
        if select:
            self.codebook_tree.select_code(select)
        self.notify(message + " codebook.yaml is updated.", timeout=3)

    def action_add_code(self, theme: bool) -> None:
        parent = None if theme else self.codebook_tree.current_code
        prefix = f"{parent}." if parent else ""
        where = f"under {self.mpu_app.labels.path(parent)}" if parent else "as a new theme"

        def save(r: CodeFormResult) -> bool:
            done = self.mpu_app.run_write(
                lambda: self.mpu_app.project.codes.add(
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

    def action_edit_code(self) -> None:
        cid = self.codebook_tree.current_code
        if not cid:
            return
        code = self.mpu_app.labels.by_id[cid]

        def save(r: CodeFormResult) -> bool:
            done = self.mpu_app.run_write(
                lambda: self.mpu_app.project.codes.update(
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
            for c in self.mpu_app.labels.codes:
                if c.parent_id in out and c.id not in out:
                    out.add(c.id)
                    changed = True
        return out

    def action_move_code(self) -> None:
        cid = self.codebook_tree.current_code
        if not cid:
            return

        def chosen(ids: list[str] | None) -> None:
            if not ids:
                return
            target = None if ids[0] == CodePickerScreen.ROOT else ids[0]
            done = self.mpu_app.run_write(
                lambda: self.mpu_app.project.codes.update(cid, parent_id=target),
                "Could not move the code",
            )
            if done is not None:
                where = self.mpu_app.labels.code(target) if target else "the top level"
                self._codebook_saved(f"Moved {cid} under {where}.", cid)

        self.app.push_screen(
            CodePickerScreen(
                self.mpu_app.labels,
                title=f"Move {self.mpu_app.labels.code(cid)} under…",
                multi=False,
                exclude=self._subtree(cid),
                allow_root=True,
            ),
            chosen,
        )

    def action_merge_code(self) -> None:
        cid = self.codebook_tree.current_code
        if not cid:
            return
        n = self.mpu_app.project.codes.counts().get(cid, 0)

        def chosen(ids: list[str] | None) -> None:
            if not ids:
                return
            target = ids[0]

            def confirmed(yes: bool | None) -> None:
                if not yes:
                    return
                done = self.mpu_app.run_write(
                    lambda: self.mpu_app.project.codes.merge(cid, target),
                    "Could not merge the codes",
                )
                if done is not None:
                    self._codebook_saved(
                        f"Merged {cid} into {target} ({done} codings moved).", target
                    )

            self.app.push_screen(
                ConfirmScreen(
                    "Merge codes",
                    f"Move all {n} codings of {self.mpu_app.labels.code(cid)} to "
                    f"{self.mpu_app.labels.code(target)} and delete {cid}? (ctrl+z undoes it)",
                ),
                confirmed,
            )

        self.app.push_screen(
            CodePickerScreen(
                self.mpu_app.labels,
                title=f"Merge {self.mpu_app.labels.code(cid)} into…",
                multi=False,
                exclude=self._subtree(cid),
            ),
            chosen,
        )

    def action_delete_code(self) -> None:
        cid = self.codebook_tree.current_code
        if not cid:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:

                def delete() -> bool:
                    self.mpu_app.project.codes.delete(cid)
                    return True

                done = self.mpu_app.run_write(delete, "Could not delete the code")
                if done is not None:
                    self._codebook_saved(f"Deleted {cid}.")

        self.app.push_screen(
            ConfirmScreen("Delete code", f"Delete {self.mpu_app.labels.path(cid)} ({cid})?"),
            confirmed,
        )

    # ------------------------------------------------------------------ participants
    def action_set_speaker(self) -> None:
        ids = self.view.selected_segment_ids()
        if not ids:
            return
        lay = self.view.layout_
        current = lay.segments[lay.segment_at(self.view.cursor)].speaker if lay else ""

        def done(label: str | None) -> None:
            if not label:
                return
            n = self.mpu_app.run_write(
                lambda: self.mpu_app.project.sources.set_speaker(ids, label),
                "Could not set the speaker",
            )
            if n is not None:
                self.refresh_all()
                self.notify(f"{count(n, 'segment')} now spoken by {label.strip()}.", timeout=3)

        self.app.push_screen(
            PromptScreen(
                f"Speaker of {count(len(ids), 'segment')}",
                "Type a speaker label (a new label creates a participant).",
                current,
            ),
            done,
        )
