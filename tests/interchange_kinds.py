"""What the server round trips (Label Studio, Argilla) label for each kind of answer: the options and two answers."""

from __future__ import annotations

from typing import Any

KINDS = ["single", "multi", "spans", "pair"]

#: Per kind: two answers a person gives (spans as (start, end, label) in code points; a pair names its winner).
ANSWERS: dict[str, list[Any]] = {
    "single": ["pos", "neg"],
    "multi": [["billing", "urgent"], []],
    "spans": [[(0, 3, "person"), (14, 18, "place")], [(0, 5, "place"), (20, 23, "person")]],
    "pair": ["reply_a", "tie"],
}


def kind_options(kind: str) -> dict[str, Any]:
    """The Labeler's (or Team's) options for ``kind``."""
    if kind == "pair":
        return {"kind": "pair", "prompt": "question", "outputs": ("reply_a", "reply_b")}
    labels = {"single": ["pos", "neg"], "multi": ["billing", "urgent", "other"], "spans": ["person", "place"]}[kind]
    return {"kind": kind, "labels": labels}
