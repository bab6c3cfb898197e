"""The keys of the transcript view: caret movement, selection, copying, confirming and the
jumps by segment, speaker and uncoded segment (the actions are TranscriptView's).
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

TRANSCRIPT_BINDINGS: list[BindingType] = [
    Binding("left", "move('char', -1)", "Caret left", show=False),
    Binding("right", "move('char', 1)", "Caret right", show=False),
    Binding("up", "move('line', -1)", "Line up", show=False),
    Binding("down", "move('line', 1)", "Line down", show=False),
    Binding("ctrl+left", "move('word', -1)", "Word left", show=False),
    Binding("ctrl+right", "move('word', 1)", "Word right", show=False),
    Binding("home", "move('home', 0)", "Start of line", show=False),
    Binding("end", "move('end', 0)", "End of line", show=False),
    Binding("pageup", "move('page', -1)", "Page up", show=False),
    Binding("pagedown", "move('page', 1)", "Page down", show=False),
    Binding("ctrl+home", "move('top', 0)", "Start of transcript", show=False),
    Binding("ctrl+end", "move('bottom', 0)", "End of transcript", show=False),
    Binding("shift+left", "extend('char', -1)", "Select: character left", show=False),
    Binding("shift+right", "extend('char', 1)", "Select: character right", show=False),
    Binding("shift+up", "extend('line', -1)", "Select: line up", show=False),
    Binding("shift+down", "extend('line', 1)", "Select: line down", show=False),
    Binding("ctrl+shift+left", "extend('word', -1)", "Select: word left", show=False),
    Binding("ctrl+shift+right", "extend('word', 1)", "Select: word right", show=False),
    Binding("shift+home", "extend('home', 0)", "Select: to start of line", show=False),
    Binding("shift+end", "extend('end', 0)", "Select: to end of line", show=False),
    Binding("s", "select_sentence", "Select sentence (again: extend)", show=False),
    Binding("t", "select_segment", "Select segment (again: extend)", show=False),
    Binding("o", "swap_ends", "Move caret to other end of selection", show=False),
    Binding("ctrl+c", "copy", "Copy the selected text", show=False),
    Binding("escape", "cancel", "Clear selection / cancel re-scope", show=False),
    Binding("enter", "confirm", "Code the selection (or apply re-scope)", show=False),
    Binding("right_square_bracket", "jump_segment(1)", "Next segment", show=False),
    Binding("left_square_bracket", "jump_segment(-1)", "Previous segment", show=False),
    Binding("right_curly_bracket", "jump_speaker(1)", "Next turn of this speaker", show=False),
    Binding("left_curly_bracket", "jump_speaker(-1)", "Previous turn of this speaker", show=False),
    Binding("u", "jump_uncoded(1)", "Next uncoded segment", show=False),
    Binding("U", "jump_uncoded(-1)", "Previous uncoded segment", show=False),
]
