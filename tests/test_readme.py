"""The README's code, as a new user pastes it: each block is one notebook cell."""

from __future__ import annotations

import ast
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_a_widget_a_block_shows_is_on_its_last_line():
    """A notebook shows only a cell's last expression: a widget named on a middle line would never appear."""
    checked = 0
    for block in python_blocks():
        tree = ast.parse(block)
        widgets = {
            target.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute) and node.value.func.attr in ("Labeler", "Dashboard")
            for target in node.targets if isinstance(target, ast.Name)
        }  # fmt: skip
        body = tree.body
        for i, statement in enumerate(body):
            shown = isinstance(statement, ast.Expr) and (
                (isinstance(statement.value, ast.Name) and statement.value.id in widgets)
                or (isinstance(statement.value, ast.Call) and getattr(statement.value.func, "attr", "") == "Dashboard")
            )
            if shown:
                checked += 1
                assert i == len(body) - 1, f"this README block shows a widget on a middle line:\n{block}"
    assert checked >= 3
