"""The messages between the browser and Python, without a browser: windows, decisions, re-sends, undo."""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
import pytest

import labelwidgets as lw
from labelwidgets.widgets.labeler import WINDOW_AHEAD


@pytest.fixture
def wired(store_path):
    df = pd.DataFrame({"text": [f"t{i}" for i in range(100)], "llm": ["a", "b"] * 50})
    labeler = lw.Labeler(df, labels=["a", "b"], store=store_path, suggester=lw.FromColumn("llm"), prefetch=4)
    widget = labeler.widget
    sent: list[dict[str, Any]] = []
    widget.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]

    def browser(**content: Any) -> None:
        widget._on_message(widget, content, [])

    yield labeler, widget, sent, browser
    labeler.close()


def test_only_a_window_of_items_is_sent(wired):
    labeler, widget, sent, browser = wired
    browser(type="window", rank=0, request=1)
    (reply,) = [m for m in sent if m["type"] == "window"]
    assert reply["upcoming"] == list(range(1, WINDOW_AHEAD + 1))
    assert len(reply["items"]) == WINDOW_AHEAD + 1
    assert all(set(item) >= {"rank", "key", "text", "decision", "suggestion_status"} for item in reply["items"])
    assert "t99" not in str(widget.get_state())  # traits never carry items


def test_a_decision_is_acknowledged_once_even_when_re_sent(wired):
    labeler, widget, sent, browser = wired
    labeler.session.prefetcher.wait(0, timeout=5)
    message = dict(type="decide", intent="label", label="b", rank=0, seconds=1.5, suggestion_visible=True,
                   client="view1", seq=1, note="looks odd")  # fmt: skip
    browser(**message)
    browser(**message)  # the browser re-sends what it did not see acknowledged
    acks = [m for m in sent if m["type"] == "ack"]
    assert [a["ok"] for a in acks] == [True, True] and acks[0]["event"] == acks[1]["event"]
    assert acks[0]["action"] == "corrected"
    assert len(labeler.decisions) == 1
    log = labeler.decisions.iloc[0]
    assert log["note"] == "looks odd" and log["seconds"] == 1.5 and log["suggestion"] == "a"
    assert labeler.position == 0  # the browser says where it went, with the position trait
    widget.position = 1
    assert labeler.position == 1
    assert any(m["type"] == "item" and m["item"]["rank"] == 0 for m in sent)


def test_a_decision_without_the_suggestion_on_screen_is_labeled_not_accepted(wired):
    labeler, widget, sent, browser = wired
    labeler.session.prefetcher.wait(0, timeout=5)
    browser(type="decide", intent="label", label="a", rank=0, suggestion_visible=False, client="v", seq=1)
    row = labeler.decisions.iloc[0]
    assert row["action"] == "labeled" and row["suggestion"] == "a" and not row["suggestion_visible"]


def test_bad_messages_get_a_failed_ack_not_a_dead_comm(wired):
    labeler, widget, sent, browser = wired
    browser(type="decide", intent="label", label="nope", rank=0, client="v", seq=1)
    (ack,) = [m for m in sent if m["type"] == "ack"]
    assert ack["ok"] is False and "'nope' is not one of the labels" in ack["error"]
    browser(type="decide", intent="label", label="a", rank=0, client="v", seq=2)
    assert labeler.stats["decided"] == 1


def test_undo_from_the_browser_moves_every_view(wired):
    labeler, widget, sent, browser = wired
    browser(type="decide", intent="skip", rank=5, client="v", seq=1)
    widget.position = 6
    browser(type="undo", client="v", seq=2)
    assert widget.position == 5 and labeler.stats["decided"] == 0
    browser(type="undo", client="v", seq=3)
    assert any(m.get("message") == "Nothing to undo." for m in sent)


def test_full_text_on_request(wired):
    labeler, widget, sent, browser = wired
    browser(type="text", rank=3)
    assert sent[-1] == {"type": "text", "rank": 3, "text": "t3", "length": 2}


def test_suggestions_stream_to_the_browser(wired):
    labeler, widget, sent, browser = wired
    widget.position = 10  # the view moves on: the next items' suggestions are fetched and streamed to it
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not {10, 11, 12} <= {m["rank"] for m in sent if m["type"] == "suggestion"}:
        time.sleep(0.02)
    arrived = [m for m in sent if m["type"] == "suggestion"]
    assert {m["rank"] for m in arrived} >= {10, 11, 12}
    assert all(m["status"] == "ready" for m in arrived)


def test_decisions_that_arrive_out_of_order_are_applied_in_the_order_they_were_made(wired):
    labeler, widget, sent, browser = wired
    browser(type="decide", intent="label", label="a", rank=0, client="v", seq=1)
    browser(type="decide", intent="label", label="b", rank=2, client="v", seq=3)  # early: held
    assert labeler.stats["decided"] == 1
    browser(type="undo", client="v", seq=4)  # also held: it must undo seq 3, not seq 1
    browser(type="decide", intent="skip", rank=1, client="v", seq=2)  # the gap fills; 2, 3, 4 run in order
    log = labeler.decisions
    assert list(log["key"]) == [0, 1, 2, 2] and list(log["action"])[1::2] == ["skipped", "undo"]
    assert log["undoes"].iloc[3] == log["id"].iloc[2]
    assert [m["seq"] for m in sent if m["type"] == "ack"] == [1, 2, 3, 4]
    browser(type="decide", intent="label", label="a", rank=0, client="v", seq=1)  # a late re-send
    assert len(labeler.decisions) == 4


def test_a_views_own_decision_never_pushes_its_position_back(wired):
    labeler, widget, sent, browser = wired
    browser(type="decide", intent="label", label="a", rank=0, client="v", seq=1)
    widget.position = 1  # the view moved on
    browser(type="decide", intent="label", label="a", rank=1, client="v", seq=2)
    assert widget.position == 1  # not dragged back to where the session cursor was
    labeler.label("b")  # Python's own action does move every view
    assert widget.position == 2
