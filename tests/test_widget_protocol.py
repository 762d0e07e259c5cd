"""The messages between the browser and Python, without a browser: windows, decisions, re-sends, undo."""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
import pytest

import labelwidgets as lw
from labelwidgets.widgets.labeler import FIRST_WINDOW_AHEAD, WINDOW_AHEAD


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


def test_undo_from_the_browser_says_which_item_it_reverted(wired):
    labeler, widget, sent, browser = wired
    browser(type="decide", intent="skip", rank=5, client="v", seq=1)
    widget.position = 6
    browser(type="undo", client="v", seq=2)
    ack = [m for m in sent if m["type"] == "ack"][-1]
    assert ack["client"] == "v" and ack["seq"] == 2 and ack["undone"] == 5 and ack["undo_target"] is None
    assert labeler.position == 5 and labeler.stats["decided"] == 0
    # The view that undid moves itself (it may have moved on already): the kernel does not push it back.
    assert widget.position == 6
    browser(type="undo", client="v", seq=3)
    assert sent[-1] == {"type": "notice", "client": "v", "message": "Nothing to undo."}
    assert [m for m in sent if m["type"] == "ack"][-1]["undone"] is None


def test_undo_means_the_sessions_latest_decision_from_python_or_any_view(wired):
    labeler, widget, sent, browser = wired
    browser(type="decide", intent="label", label="a", rank=0, client="view1", seq=1)
    widget.position = 1
    labeler.label("b")  # Python decides rank 1: it is now what undo reverts, for every view
    assert widget.status["undo_target"] == 1 == labeler.session.undo_target()
    item = [m for m in sent if m["type"] == "item"][-1]
    assert item["item"]["rank"] == 1 and item["client"] is None and item["undo_target"] == 1
    browser(type="undo", client="view2", seq=1)  # another view of the same widget undoes
    ack = [m for m in sent if m["type"] == "ack"][-1]
    assert ack["client"] == "view2" and ack["undone"] == 1 and ack["undo_target"] == 0
    assert labeler.df["label"].iloc[:2].tolist()[0] == "a" and labeler.df["label"].isna().iloc[1]
    item = [m for m in sent if m["type"] == "item"][-1]
    assert (item["item"]["rank"], item["client"], item["seq"], item["undo_target"]) == (1, "view2", 1, 0)
    assert item["action"] == "undo" and item["event"] == ack["event"]  # views follow the stack of decisions
    assert widget.status["undo_target"] == 0
    labeler.undo()  # and Python's undo reverts what the views would: view1's decision
    assert widget.status["undo_target"] is None and labeler.stats["decided"] == 0


def test_the_first_window_travels_with_the_initial_state(wired):
    labeler, widget, sent, browser = wired
    state = widget.get_state()
    first = state["window"]  # small: it is made in the cell that shows the widget, before the first paint
    assert first["anchor"] == 0 and first["upcoming"] == list(range(1, FIRST_WINDOW_AHEAD + 1))
    assert first["through"] == FIRST_WINDOW_AHEAD and first["first_undecided"] == 0
    assert [item["rank"] for item in first["items"]] == list(range(0, FIRST_WINDOW_AHEAD + 1))
    assert first["version"] == state["status"]["version"] == 0
    browser(type="decide", intent="skip", rank=0, client="v", seq=1)
    assert widget.status["version"] == 1  # a view opened from now on must not trust the first window


def test_a_window_says_which_items_after_it_are_decided(wired):
    labeler, widget, sent, browser = wired
    for seq, rank in enumerate([3, 4, 5, 9], start=1):
        browser(type="decide", intent="skip", rank=rank, client="v", seq=seq)
    browser(type="window", rank=2, request=7, client="v")
    reply = sent[-1]
    assert reply["type"] == "window" and reply["client"] == "v" and reply["request"] == 7
    assert reply["upcoming"][:4] == [6, 7, 8, 10]
    assert reply["through"] == reply["upcoming"][-1] == 2 + WINDOW_AHEAD + 4
    assert reply["first_undecided"] == 0
    browser(type="window", rank=90, request=8, client="v")
    assert sent[-1]["upcoming"] == list(range(91, 100)) and sent[-1]["through"] == 99  # to the end


def test_full_text_on_request(wired):
    labeler, widget, sent, browser = wired
    browser(type="text", rank=3, client="v")
    assert sent[-1] == {"type": "text", "client": "v", "rank": 3, "text": "t3", "length": 2}


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


def test_a_closed_session_tells_its_views_and_refuses_their_decisions(wired):
    labeler, widget, sent, browser = wired
    assert widget.status["closed"] is None
    labeler.close()
    assert widget.status["closed"]  # the view says why it stopped
    browser(type="decide", intent="label", label="a", rank=0, client="v", seq=1)
    ack = [m for m in sent if m["type"] == "ack"][-1]
    assert ack["ok"] is False and "closed" in ack["error"]


def test_the_cursor_moves_with_the_decision_and_a_re_send_does_not_move_it_back(wired):
    labeler, widget, sent, browser = wired
    browser(type="decide", intent="label", label="a", rank=0, then=1, client="v", seq=1)
    assert labeler.position == 1  # before any `position` message: Python's next action starts where the view is
    browser(type="decide", intent="skip", rank=1, then=2, client="v", seq=2)
    widget.position = 7  # the view jumped ahead
    browser(type="decide", intent="label", label="a", rank=0, then=1, client="v", seq=1)  # a late re-send
    assert labeler.position == 7 and len(labeler.decisions) == 2


def test_a_store_that_cannot_be_reached_keeps_the_decision_in_the_view_until_it_is_stored(tmp_path):
    """An unreachable store (a database server restarting): the view is told to keep the decision and send it
    again; once the store is back, the re-sent decision is stored exactly once."""
    from labelwidgets.errors import StoreUnreachable
    from labelwidgets.store import open_store

    store = open_store(tmp_path / "labels.db")
    real_append = store.append
    down = {"now": True}

    def append(event):
        if down["now"]:
            raise StoreUnreachable("cannot reach the store 'postgresql://ana:***@db/labels' to save a decision")
        return real_append(event)

    store.append = append  # type: ignore[method-assign]
    labeler = lw.Labeler(pd.DataFrame({"text": ["a", "b", "c"]}), labels=["x", "y"], store=store, annotator="ana")
    widget = labeler.widget
    sent: list[dict[str, Any]] = []
    widget.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]
    message = dict(type="decide", intent="label", label="y", rank=0, seconds=1.0, client="view1", seq=1, then=1)
    try:
        widget._on_message(widget, message, [])
        (ack,) = [m for m in sent if m["type"] == "ack"]
        assert ack["ok"] is False and ack["retry"] is True and "***" in ack["error"]
        assert labeler.decisions.empty and pd.isna(labeler.df["label"].iat[0])
        down["now"] = False
        widget._on_message(widget, message, [])  # the view's resend timer
        widget._on_message(widget, message, [])  # and once more, as if the first answer was lost
        acks = [m for m in sent if m["type"] == "ack"]
        assert [a["ok"] for a in acks] == [False, True, True] and acks[1]["event"] == acks[2]["event"]
        assert len(labeler.decisions) == 1 and labeler.df["label"].iat[0] == "y"
    finally:
        labeler.close()
