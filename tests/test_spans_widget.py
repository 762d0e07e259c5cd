"""The spans labeler's widget, without a browser: what its config and items carry for the spans view, and a
decision from the view (code points) reaching the session's check."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import labelwidgets as lw
from labelwidgets.widgets.labeler import PREVIEW_CHARS

LONG = "x " * PREVIEW_CHARS + "Zoe is here"
TEXTS = ["Hi 👩🏽\u200d💻 Ana codes", LONG, "y " * PREVIEW_CHARS + "nobody"]
GUESSES = [[{"text": "Ana", "label": "person"}], [{"text": "Zoe", "label": "person"}], None]


@pytest.fixture
def wired(store_path):
    df = pd.DataFrame({"text": TEXTS, "guess": GUESSES})
    labeler = lw.Labeler(df, text="text", labels=["person", "place"], kind="spans", store=store_path,
                         suggester=lw.FromColumn("guess"), prefetch=4)  # fmt: skip
    widget = labeler.widget
    sent: list[dict[str, Any]] = []
    widget.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]

    def browser(**content: Any) -> None:
        widget._on_message(widget, content, [])

    for row in range(len(TEXTS)):
        labeler.session.prefetcher.wait(row, timeout=5)
    yield df, labeler, widget, sent, browser
    labeler.close()


def test_the_config_carries_the_keys_inside_the_text_and_the_overlap_rule(wired, tmp_path):
    _, _, widget, _, _ = wired
    names = [a["name"] for a in widget.config["edit_keymap"]]
    assert names[:2] == ["caret", "caret-word"] and "leave" in names
    assert widget.config["overlap"] is False
    single = lw.Labeler(pd.DataFrame({"text": ["a"]}), labels=["x", "y"], store=tmp_path / "single.db")
    assert single.widget.config["edit_keymap"] == [] and single.widget.config["overlap"] is False
    overlapping = lw.Labeler(pd.DataFrame({"text": ["a b"]}), labels=["x"], kind=lw.SpanAnswers(overlap=True),
                             store=tmp_path / "overlap.db")  # fmt: skip
    assert overlapping.widget.config["overlap"] is True
    single.close()
    overlapping.close()


def test_a_long_text_comes_whole_when_a_span_lies_past_the_preview(wired):
    _, _, widget, _, _ = wired
    assert widget.item_payload(0)["text"] == TEXTS[0]
    item = widget.item_payload(1)
    assert item["text"] == LONG and item["length"] == len(LONG)
    assert item["suggestion"]["label"] == [[LONG.find("Zoe"), LONG.find("Zoe") + 3, "person"]]
    cut = widget.item_payload(2)  # no span anywhere: the preview, and "Show all"
    assert len(cut["text"]) == PREVIEW_CHARS and cut["length"] == len(TEXTS[2])


def test_spans_from_the_view_in_code_points_are_checked_and_stored(wired):
    df, labeler, _, sent, browser = wired
    ana = TEXTS[0].find("Ana")
    emoji = TEXTS[0].find("👩")
    shown = {"label": [[ana, ana + 3, "person"]], "model": None}
    browser(type="decide", intent="label", label=[[emoji, emoji + 4, "place"], [ana, ana + 3, "person"]], rank=0,
            suggestion_visible=True, shown=shown, client="v", seq=1)  # fmt: skip
    assert [m["ok"] for m in sent if m["type"] == "ack"] == [True]
    assert labeler.decisions.iloc[-1]["action"] == "corrected"
    spans = [(s["start"], s["end"], s["label"], s["text"]) for s in df["label"].iat[0]]
    assert spans == [(emoji, emoji + 4, "place", "👩🏽\u200d💻"), (ana, ana + 3, "person", "Ana")]
    # overlapping spans are refused by Python too: a failed ack saying why, nothing stored
    browser(type="decide", intent="label", label=[[0, 5, "person"], [3, 8, "place"]], rank=2, client="v", seq=2)
    ack = [m for m in sent if m["type"] == "ack"][-1]
    assert ack["ok"] is False and "overlap" in ack["error"]
    assert len(labeler.decisions) == 1
