"""The keyboard, defined once: which key does what, for each kind of answer.

The widget receives this table in its config and builds its key handler, its button hints, its aria label and
its help line from it; the README's key table is checked against it by a test. Nothing else spells a key.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Letters that are never given to a label, whatever the kind: they act.
ACTION_LETTERS = frozenset("axz")


@dataclass(frozen=True)
class KeyAction:
    """One action the keyboard can take."""

    name: str  # what the widget does ("accept", "undo", ...)
    keys: tuple[str, ...]  # KeyboardEvent.key values; letters in lower case
    button: str | None  # the text of its button, if it has one
    does: str  # what it does, as the README's key table and the widget's help say it


_ACCEPT = KeyAction(
    "accept", ("Enter", "a"), "Accept", "accept the suggestion (not possible for an *invalid* one: label it instead)"
)
_REJECT = KeyAction("reject", ("x",), "Reject", "reject the suggestion")
_SKIP = KeyAction("skip", (" ",), "Skip", "skip (on an item already answered: leave it as it is)")
_UNDO = KeyAction("undo", ("z", "Backspace"), "Undo", "undo")
_BACK = KeyAction("back", ("ArrowLeft",), "Back", "back (a new answer there is a revision that keeps the old one)")
_FORWARD = KeyAction("forward", ("ArrowRight",), "Forward", "forward")
_FIND = KeyAction("find", ("/",), None, "find a label (when there are more labels than keys)")
_RELEASE = KeyAction("release", ("Escape",), None, "hand the keyboard back to Jupyter")

#: Each kind's actions; label keys (1–9, then letters) come from the label set.
KEYMAPS: dict[str, tuple[KeyAction, ...]] = {
    "single": (_ACCEPT, _REJECT, _SKIP, _UNDO, _BACK, _FORWARD, _FIND, _RELEASE),
    "multi": (
        KeyAction("commit", ("Enter",), "Done", "commit the labels toggled on (none toggled: accept the suggestion)"),
        KeyAction("accept", ("a",), "Accept", "accept exactly the suggested labels"),
        KeyAction("none", ("0",), "None of these", "answer *none of these* (an answer, not a skip)"),
        _REJECT, _SKIP, _UNDO, _BACK, _FORWARD, _FIND, _RELEASE,
    ),
    "spans": (
        KeyAction("edit", ("Tab",), "Edit spans", "into the text: select and mark spans from the keyboard (below)"),
        KeyAction("commit", ("Enter",), "Done", "commit the spans shown (the suggestion untouched: accept it)"),
        KeyAction("accept", ("a",), "Accept", "accept exactly the suggested spans"),
        KeyAction("none", ("0",), "No spans", "answer *no spans in this text* (an answer, not a skip)"),
        KeyAction(
            "layer", ("ArrowDown", "ArrowUp"), None,
            "adjudicating: take the next or previous member's spans (shown one layer each; Enter commits them)",
        ),
        _REJECT, _SKIP, _UNDO, _BACK, _FORWARD, _FIND, _RELEASE,
    ),
    "pair": (_ACCEPT, _REJECT, _SKIP, _UNDO, _BACK, _FORWARD, _RELEASE),
}  # fmt: skip

#: Keys inside the text, for kinds with an editing mode (entered with the "edit" action, left with Esc). A key
#: with modifiers is written "Control+Shift+ArrowLeft" (KeyboardEvent.key values joined by "+"; "Control" is the
#: Command key on a Mac). Label keys, inside the text, mark the selection with their label.
EDIT_KEYMAPS: dict[str, tuple[KeyAction, ...]] = {
    "spans": (
        KeyAction("caret", ("ArrowLeft", "ArrowRight"), None, "move the caret by a character"),
        KeyAction("caret-word", ("Control+ArrowLeft", "Control+ArrowRight"), None, "move the caret by a word"),
        KeyAction("caret-end", ("Home", "End"), None, "move the caret to the start or end of the text"),
        KeyAction(
            "extend", ("Shift+ArrowLeft", "Shift+ArrowRight"), None,
            "extend the selection by a character (a span selected: move its end)",
        ),
        KeyAction(
            "extend-word", ("Control+Shift+ArrowLeft", "Control+Shift+ArrowRight"), None,
            "extend the selection by a word (a span selected: move its end)",
        ),
        KeyAction("start", ("[", "]"), None, "move the selected span's start a character left or right"),
        KeyAction(
            "start-word", ("Control+[", "Control+]"), None, "move the selected span's start a word left or right"
        ),
        KeyAction("next-span", ("Tab", "Shift+Tab"), None, "select the next or previous span (suggested ones too)"),
        KeyAction("keep", ("Enter",), None, "a suggested span selected: keep it; nothing selected: commit the item"),
        KeyAction("delete", ("Delete", "Backspace"), None, "delete the selected span (a suggested one: reject it)"),
        KeyAction("undo-edit", ("z",), None, "undo the last change to this item's spans"),
        KeyAction(
            "leave", ("Escape",), None, "leave the text: keys act on items again (Esc again: hand the keyboard back)"
        ),
    ),
}  # fmt: skip

#: Keys that no label may take in any kind (a label key must mean the same in every widget).
RESERVED_KEYS = frozenset(
    key
    for table in (KEYMAPS, EDIT_KEYMAPS)
    for actions in table.values()
    for action in actions
    for key in action.keys
    if "+" not in key or key == "+"
)

#: Keys for labels, in order: digits, then letters no action takes.
LABEL_KEYS = "123456789" + "".join(c for c in "bcdefghijklmnopqrstuvwy" if c not in ACTION_LETTERS | RESERVED_KEYS)


def keymap_json(kind: str, *, editing: bool = False) -> list[dict[str, object]]:
    """The actions of ``kind`` as the widget receives them (``editing``: the keys inside the text)."""
    actions = EDIT_KEYMAPS.get(kind, ()) if editing else KEYMAPS[kind]
    return [{"name": a.name, "keys": list(a.keys), "button": a.button, "does": a.does} for a in actions]


_SHOWN = {
    " ": "Space", "ArrowLeft": "←", "ArrowRight": "→", "ArrowDown": "↓", "ArrowUp": "↑", "Escape": "Esc",
    "Control": "Ctrl",
}  # fmt: skip

#: What a label key does, per kind, as the README's key tables say it (inside the text: ``EDIT_LABEL_ROWS``).
LABEL_ROWS = {
    "single": "label (with a suggestion shown, a different label is a *correction*)",
    "multi": "toggle that label on the item (starting from the suggested set)",
    "spans": "Tab into the text first (below)",
    "pair": "the left output is better, the right one, a tie, both bad (`4`: when asked for)",
}
#: The label keys as the README's table names them, where a kind's labels are a fixed few.
LABEL_KEYS_SHOWN = {"pair": "`1` `2` `3` `4`"}
EDIT_LABEL_ROWS = {"spans": "mark the selection with that label, or relabel the selected span"}


def key_names(keys: tuple[str, ...]) -> str:
    """Keys as a person reads them: ``Enter`` or ``a``, ``←``, ``Ctrl+Shift+→``."""
    return " or ".join(f"`{_key_name(k)}`" for k in keys)


def _key_name(key: str) -> str:
    if "+" not in key or key == "+":
        return _SHOWN.get(key, key)
    return "+".join(_SHOWN.get(part, part) for part in key.split("+"))


def readme_table(kind: str, *, editing: bool = False) -> list[tuple[str, str]]:
    """(keys, what they do) rows of the README's key table for ``kind``, labels first (``editing``: in the text)."""
    label_row = (
        LABEL_KEYS_SHOWN.get(kind, "`1`–`9`, then letters"),
        EDIT_LABEL_ROWS[kind] if editing else LABEL_ROWS[kind],
    )
    actions = EDIT_KEYMAPS[kind] if editing else KEYMAPS[kind]
    return [label_row, *((key_names(a.keys), a.does) for a in actions)]
