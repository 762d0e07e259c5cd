"""The leaderboard of span suggesters as its widget receives it: the human answer and every suggester's output in one
shape (spans ``[start, end, label]`` in code points, as `AnswerKind.for_view` sends them), the table's quality
columns as the spans ranking names them, and no relabel by a label key (a label is no list of spans)."""

from __future__ import annotations

import pandas as pd

import labelwidgets as lw
from labelwidgets.comparison.compare import compare
from labelwidgets.comparison.leaderboard import Leaderboard

TEXTS = ["👩🏽\u200d💻 Ana flew to Paris", "Ben met Carl", "nothing"]


def spans(text: str, *marked: tuple[str, str]) -> list[dict[str, object]]:
    return [{"start": text.find(w), "end": text.find(w) + len(w), "label": label} for w, label in marked]


def board() -> Leaderboard:
    df = pd.DataFrame(
        {
            "text": TEXTS,
            "label": [
                spans(TEXTS[0], ("Ana", "person"), ("Paris", "location")),
                spans(TEXTS[1], ("Ben", "person")),
                [],
            ],
            "m1": [[{"text": "Paris", "label": "location"}], [{"text": "carl", "label": "person"}], []],
        }
    )
    return compare(
        df, human="label", text="text", labels=["person", "location"], kind="spans", progress=False,
        suggesters={"m1": lw.FromColumn("m1")},
    )  # fmt: skip


def test_the_human_answer_and_the_suggestions_travel_in_one_shape_in_code_points() -> None:
    item = board().item_payload(0)
    text = TEXTS[0]
    assert item["human"] == [
        [text.find("Ana"), text.find("Ana") + 3, "person"],
        [text.find("Paris"), text.find("Paris") + 5, "location"],
    ]
    assert item["outputs"][0]["label"] == [[text.find("Paris"), text.find("Paris") + 5, "location"]]
    assert text.find("Ana") == 5  # code points: the emoji sequence is 4 of them (7 UTF-16 units)
    second = board().item_payload(1)
    assert second["human"] == [[0, 3, "person"]] and second["outputs"][0]["label"] == [[8, 12, "person"]]
    assert board().item_payload(2)["human"] == [] == board().item_payload(2)["outputs"][0]["label"]


def test_the_widget_names_the_span_metrics_and_takes_no_label_key_relabel() -> None:
    summary = board().widget.summary
    assert [m["name"] for m in summary["metrics"]][:1] == ["strict_f1"]
    assert summary["metrics"][0]["words"] == "strict span F1"
    assert summary["relabel"] is False
    single = compare(
        pd.DataFrame({"text": ["a", "b"], "label": ["x", "y"], "s": ["x", "x"]}),
        labels=["x", "y"], suggesters={"s": lw.FromColumn("s")}, progress=False,
    )  # fmt: skip
    assert single.widget.summary["relabel"] is True
    assert [m["name"] for m in single.widget.summary["metrics"]] == ["kappa", "accuracy", "macro_f1"]
    assert single.item_payload(1)["human"] == "y" and single.item_payload(1)["outputs"][0]["label"] == "x"
