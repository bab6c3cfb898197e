"""The workbench's command palette: (title, help, action) for every action it offers."""

from __future__ import annotations

from mpu_qual.tui.screens.catalog import SCREENS


def palette_commands(
    recent: list[tuple[str, str]],
    correction: list[tuple[str, str, str]],
    sources: list[tuple[int, str]],
) -> list[tuple[str, str, str]]:
    """(title, help, action) for every action the workbench offers: ``recent`` holds the
    recent codes (id, label), ``correction`` the listening and correcting commands,
    ``sources`` the transcripts (id, name) in the list's order."""
    cmds = [
        (
            "Code the selection…",
            "Open the code picker for the selected passage",
            "code_selection",
        ),
        ("Add or edit a memo", "Memo on the coding at the caret", "memo"),
        ("Remove coding", "Remove the coding at the caret (undoable)", "remove_coding"),
        ("Re-scope coding", "Change the extent of the coding at the caret", "rescope"),
        ("Coding details", "Codes, memo, coder and evidence at the caret", "details"),
        (
            "Select sentence",
            "Select the sentence at the caret (again: extend)",
            "view_action('select_sentence')",
        ),
        (
            "Select segment",
            "Select the whole segment (again: extend)",
            "view_action('select_segment')",
        ),
        ("Copy the selected text", "To the clipboard", "view_action('copy')"),
        ("Next segment", "Move to the next segment", "view_action('jump_segment(1)')"),
        ("Previous segment", "Move to the previous segment", "view_action('jump_segment(-1)')"),
        (
            "Next turn of this speaker",
            "Jump to the same speaker's next turn",
            "view_action('jump_speaker(1)')",
        ),
        (
            "Next uncoded segment",
            "Jump to the next segment without codes",
            "view_action('jump_uncoded(1)')",
        ),
        ("Go to segment, time or speaker…", "Jump by number, hh:mm:ss or label", "goto"),
        ("Search all transcripts…", "Full-text search (English and 中文)", "search"),
        ("Next search hit / passage", "Step to the next hit", "next_hit(1)"),
        ("Previous search hit / passage", "Step to the previous hit", "next_hit(-1)"),
        (
            "Set speaker of selected segments…",
            "Reassign segments to a speaker label",
            "set_speaker",
        ),
        (
            "Show coded passages of the selected code",
            "From the codebook panel",
            "show_passages",
        ),
        ("Add a sub-code…", "Under the code selected in the codebook", "add_code(False)"),
        ("Add a theme…", "A new top-level code", "add_code(True)"),
        ("Rename / edit the selected code…", "Labels, rule, colour", "edit_code"),
        ("Move the selected code…", "Under another code or to the top", "move_code"),
        ("Merge the selected code into…", "Move its codings, delete it", "merge_code"),
        ("Delete the selected code", "Only codes without codings", "delete_code"),
        ("Toggle English / 中文 labels", "Codes and groups", "toggle_lang"),
        (
            "Blind mode: show only my codings (on / off)",
            "For double coding: each coder sees only their own codings",
            "toggle_blind",
        ),
        ("Undo", "Undo the last action (also after a restart)", "undo"),
        ("Redo", "Redo the last undone action", "redo"),
        ("Go to the transcript list", "Open another transcript", "focus_panel('sources')"),
        ("Go to the codebook", "Browse and edit codes", "focus_panel('codebook')"),
        ("Go to the transcript", "Back to reading and coding", "focus_panel('view')"),
    ]
    for n, (cid, label) in enumerate(recent[:9], start=1):
        cmds.append(
            (
                f"Apply recent code {n}: {label}",
                f"Code the selection as {cid}",
                f"apply_recent({n})",
            )
        )
    if not recent:
        cmds.append(
            (
                "Apply a recent code (keys 1-9)",
                "Codes you use appear on the number keys",
                "apply_recent(1)",
            )
        )
    cmds.extend(correction)
    for entry in SCREENS.values():
        cmds.append((f"Open: {entry.title}", entry.description, f"open_screen('{entry.name}')"))
    for source_id, name in sources:
        cmds.append(
            (
                f"Open transcript: {name}",
                "Show it in the transcript view",
                f"open_source_action({source_id})",
            )
        )
    return cmds
