"""The keyboard is defined once (labelwidgets/keymap.py): the README and the front end follow it."""

from __future__ import annotations

import re
from pathlib import Path

from labelwidgets.keymap import EDIT_KEYMAPS, KEYMAPS, LABEL_KEYS, RESERVED_KEYS, readme_table
from labelwidgets.labels import LabelSet

ROOT = Path(__file__).resolve().parent.parent


def readme_rows(kind: str) -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(rf"<!-- keys: {kind} -->\n(.*?)<!-- /keys -->", text, re.S)
    assert block, f"README.md has no key table for kind {kind!r} between <!-- keys: {kind} --> markers"
    rows = [line for line in block.group(1).splitlines() if line.startswith("| ") and "---" not in line]
    parsed = [tuple(cell.strip() for cell in row.strip("|").split(" | ")) for row in rows[1:]]  # after the header
    return [(a, b) for a, b in parsed]


def test_the_readme_key_tables_are_the_keymap():
    for kind in KEYMAPS:
        assert readme_rows(kind) == readme_table(kind)
    for kind in EDIT_KEYMAPS:
        assert readme_rows(f"{kind} editing") == readme_table(kind, editing=True)


def test_inside_the_text_no_key_means_two_things():
    for kind, actions in EDIT_KEYMAPS.items():
        keys = [key for action in actions for key in action.keys]
        assert len(keys) == len(set(keys)), kind
        assert not set(keys) & set(LABEL_KEYS), kind  # a label key marks a span there, and nothing else


def test_no_label_takes_a_key_an_action_uses_in_any_kind():
    names = [f"label {i}" for i in range(40)]
    for kind in KEYMAPS:
        keys = [label.key for label in LabelSet.parse(names, kind)]
        given = [k for k in keys if k is not None]
        assert not set(given) & RESERVED_KEYS
        assert given == list(LABEL_KEYS) and len(set(given)) == len(given)
        assert keys[len(LABEL_KEYS) :] == [None] * (40 - len(LABEL_KEYS))  # the rest: through the picker


def test_the_front_end_spells_no_action_key_of_its_own():
    js = ROOT / "js"
    sources = {p.relative_to(js).as_posix(): p.read_text(encoding="utf-8") for p in js.rglob("*.js")}
    # the labeler's modules (the leaderboard's row keys are its own, not the labeler's keymap)
    sources = {n: s for n, s in sources.items() if not n.startswith("tests/") and n != "leaderboard.js"}
    for name, source in sources.items():
        for literal in ('key === "x"', 'key === "z"', 'key === "a"', 'key === " "', 'key === "Backspace"'):
            assert literal not in source, f"js/{name} decides an action by {literal}: take it from the keymap"
    # the keymap Python sends is read in one place, which every other module asks
    assert [name for name, source in sources.items() if "config.keymap" in source] == ["keymap.js"]
