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
}  # fmt: skip

#: Keys that no label may take in any kind (a label key must mean the same in every widget).
RESERVED_KEYS = frozenset(key for actions in KEYMAPS.values() for action in actions for key in action.keys)

#: Keys for labels, in order: digits, then letters no action takes.
LABEL_KEYS = "123456789" + "".join(c for c in "bcdefghijklmnopqrstuvwy" if c not in ACTION_LETTERS | RESERVED_KEYS)


def keymap_json(kind: str) -> list[dict[str, object]]:
    """The actions of ``kind`` as the widget receives them."""
    return [{"name": a.name, "keys": list(a.keys), "button": a.button, "does": a.does} for a in KEYMAPS[kind]]


def key_names(keys: tuple[str, ...]) -> str:
    """Keys as a person reads them: ``Enter`` or ``a``, ``←``."""
    shown = {" ": "Space", "ArrowLeft": "←", "ArrowRight": "→", "Escape": "Esc"}
    return " or ".join(f"`{shown.get(k, k)}`" for k in keys)


def readme_table(kind: str) -> list[tuple[str, str]]:
    """(keys, what they do) rows of the README's key table for ``kind``, labels first."""
    label_row = ("`1`–`9`, then letters", "label (with a suggestion shown, a different label is a *correction*)")
    if kind == "multi":
        label_row = ("`1`–`9`, then letters", "toggle that label on the item (starting from the suggested set)")
    return [label_row, *((key_names(a.keys), a.does) for a in KEYMAPS[kind])]
