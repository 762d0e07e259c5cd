"""Lifecycle: close() releases everything, one live Labeler per DataFrame and per store, results never clobbered."""

from __future__ import annotations

import logging
import sys
import threading
import traceback

import pandas as pd
import pytest

import labelwidgets as lw
from labelwidgets.errors import ClosedError
from labelwidgets.suggesters.prefetch import THREAD_PREFIX


def texts(n: int) -> pd.DataFrame:
    return pd.DataFrame({"text": [f"message {i}" for i in range(n)]})


class Quick:
    name = "quick"

    def suggest(self, items, labels):
        return [lw.Suggestion(label="a", confidence=0.8) for _ in items]


def suggest_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(THREAD_PREFIX)]


def test_close_releases_everything_and_twice_is_fine(store_path):
    df = texts(5)
    labeler = lw.Labeler(df, labels=["a", "b"], store=store_path, suggester=Quick())
    labeler.label("b")
    widget = labeler.widget
    store = labeler.session.store
    closed_stores: list[int] = []
    real_close = store.close
    store.close = lambda: (closed_stores.append(1), real_close())  # type: ignore[method-assign]
    labeler.close()
    labeler.close()
    assert labeler.closed and closed_stores == [1]  # the store once, however often close() is called
    assert widget.comm is None  # the widget is closed
    assert labeler.session.prefetcher.closed and labeler.session._listeners == []
    for action in (lambda: labeler.label("a"), labeler.undo, lambda: labeler.relabel(0, "a"), labeler.skip):
        with pytest.raises(ClosedError, match=r"this labeler is closed \(closed with close\(\)\)"):
            action()
    assert isinstance(ClosedError("x"), lw.LabelwidgetsError)
    assert df["label"].iloc[0] == "b"  # the DataFrame keeps what was written
    resumed = lw.Labeler(texts(5), labels=["a", "b"], store=store_path)
    assert resumed.stats["decided"] == 1


def test_rerunning_a_cell_twenty_times_leaves_one_thread_pool(store_path):
    shown = []  # IPython's Out[] history keeps every displayed labeler alive, as this list does
    # Other tests in this worker may leave pools of labelers they still hold: count only threads started here.
    before = set(suggest_threads())
    for _ in range(20):
        labeler = lw.Labeler(texts(50), labels=["a", "b"], store=store_path, suggester=Quick(), prefetch=8)
        shown.append(labeler)
    pool = labeler.session.prefetcher._pool

    def closed_pools_threads() -> list[threading.Thread]:
        # Read the live pool's threads again each time: it may start a worker after any snapshot of them.
        return [t for t in suggest_threads() if t not in set(pool._threads) and t not in before]

    for _ in range(60):  # a closed pool's threads end once their last request returns
        left = closed_pools_threads()
        if not left:
            break
        left[0].join(timeout=1)
    stacks = {t.name: "".join(traceback.format_stack(sys._current_frames()[t.ident])) for t in closed_pools_threads()
              if t.ident in sys._current_frames()}  # fmt: skip
    assert closed_pools_threads() == [], stacks
    assert len(pool._threads) <= 4
    assert [x.closed for x in shown] == [True] * 19 + [False]
    labeler.close()


def test_a_new_labeler_on_the_same_dataframe_closes_the_old_one(tmp_path):
    df = texts(5)
    old = lw.Labeler(df, labels=["a", "b"], store=tmp_path / "one.db", annotator="ana")
    widget = old.widget
    sent: list[dict] = []
    widget.send = lambda message, buffers=None: sent.append(message)  # type: ignore[method-assign]
    with pytest.warns(UserWarning, match="another Labeler was live on this DataFrame; it has been closed"):
        new = lw.Labeler(df, labels=["a", "b"], store=tmp_path / "two.db", annotator="ana")
    # The old widget is still on screen: what it sends now is refused, with the reason.
    widget._on_message(widget, {"type": "decide", "intent": "label", "label": "a", "rank": 0, "client": "v",
                                "seq": 1}, None)  # fmt: skip
    assert sent[-1]["ok"] is False and "closed" in sent[-1]["error"] and "same DataFrame" in sent[-1]["error"]
    with pytest.raises(ClosedError, match="same DataFrame"):
        old.label("a")
    new.label("b")
    assert df["label"].iloc[0] == "b" and len(old.decisions) == 0


def test_one_live_labeler_per_store_and_annotator(store_path):
    ana = lw.Labeler(texts(3), labels=["a", "b"], store=store_path, annotator="ana")
    bob = lw.Labeler(texts(3), labels=["a", "b"], store=store_path, annotator="bob")
    assert not ana.closed and not bob.closed  # two people, one file: both go on
    again = lw.Labeler(
        texts(3), labels=["a", "b"], store=str(store_path), annotator="ana"
    )  # same file, other DataFrame
    assert ana.closed and not again.closed and not bob.closed


def test_results_written_by_another_annotator_are_kept_and_said(store_path):
    df = texts(6)
    ana = lw.Labeler(df, labels=["a", "b"], store=store_path, annotator="ana")
    ana.label("a")
    ana.label("a")
    with pytest.warns(UserWarning) as caught:
        bob = lw.Labeler(df, labels=["a", "b"], store=store_path, annotator="bob")
    messages = [str(w.message) for w in caught]
    assert any("2 decision(s) written by annotator 'ana'; they are kept" in m and "replace_results=True" in m
               for m in messages), messages  # fmt: skip
    assert list(df["label"].iloc[:2]) == ["a", "a"] and list(df["annotator"].iloc[:2]) == ["ana", "ana"]
    assert bob.position == 0 and bob.stats["decided"] == 0  # bob's own work starts empty
    bob.label("b")
    assert df["label"].iloc[0] == "b" and df["annotator"].iloc[0] == "bob" and df["label"].iloc[1] == "a"
    with pytest.warns(UserWarning, match="has been closed"):
        carl = lw.Labeler(df, labels=["a", "b"], store=store_path, annotator="carl", replace_results=True)
    assert df["label"].isna().all() and carl.stats["decided"] == 0


def test_results_from_another_store_are_kept_and_said(tmp_path):
    df = texts(4)
    first = lw.Labeler(df, labels=["a", "b"], store=tmp_path / "one.db", annotator="ana")
    first.label("a")
    first.close()
    with pytest.warns(UserWarning, match=r"hold 1 decision\(s\) written by another store; they are kept"):
        lw.Labeler(df, labels=["a", "b"], store=tmp_path / "two.db", annotator="ana")
    assert df["label"].iloc[0] == "a"


def test_rerunning_a_memory_only_cell_says_the_labels_are_replaced():
    df = texts(3)
    first = lw.Labeler(df, labels=["a", "b"], store=None)
    first.label("a")
    with pytest.warns(UserWarning) as caught:
        lw.Labeler(df, labels=["a", "b"], store=None)
    messages = " ".join(str(w.message) for w in caught)
    assert "1 decision(s)" in messages and "memory only" in messages and "replaces them" in messages
    assert df["label"].isna().all()


def test_what_happens_is_logged(store_path, caplog):
    class Broken:
        name = "broken"

        def suggest(self, items, labels):
            raise ConnectionError("model server is down")

    caplog.set_level(logging.DEBUG, logger="labelwidgets")
    first = lw.Labeler(texts(5), labels=["a", "b"], store=store_path, suggester=Broken(), prefetch=4)
    first.label("a")
    first.label("b")
    first.session.prefetcher.close(wait=True)
    first.close()
    lw.Labeler(texts(5), labels=["a", "b"], store=store_path).close()
    records = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "labelwidgets"]
    failures = [m for level, m in records if level == logging.WARNING and "model server is down" in m]
    assert failures == ["ConnectionError: model server is down"]  # once, not per item
    assert any(level == logging.INFO and m.startswith("restored 2 decisions (2 events)") and " s" in m
               for level, m in records)  # fmt: skip
    assert any(level == logging.INFO and m.startswith("closed the labeling session") for level, m in records)


def test_a_failing_store_is_logged_and_raised(store_path, caplog):
    labeler = lw.Labeler(texts(3), labels=["a", "b"], store=store_path)

    def broken(event):
        raise lw.StoreError("disk full")

    labeler.session.store.append = broken  # type: ignore[method-assign]
    with pytest.raises(lw.StoreError, match="disk full"):
        labeler.label("a")
    assert labeler.stats["decided"] == 0 and pd.isna(labeler.df["label"].iloc[0])
    assert any(r.levelno == logging.ERROR and "could not save" in r.getMessage() for r in caplog.records)
