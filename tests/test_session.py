"""The labeling session through the Python API: decisions, write-back, undo, navigation, restore."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import labelwidgets as lw
from labelwidgets.session.results import RESULT_FIELDS


def texts(n: int) -> pd.DataFrame:
    return pd.DataFrame({"text": [f"message {i}" for i in range(n)], "source": ["a", "b"] * (n // 2) + ["a"] * (n % 2)})


def test_decisions_land_in_the_same_dataframe_with_all_result_columns(store_path):
    df = texts(5)
    labeler = lw.Labeler(df, labels=["ham", "spam"], store=store_path, annotator="ana")
    assert labeler.df is df
    assert all(df[c].isna().all() for c in RESULT_FIELDS)
    event = labeler.label("spam")
    assert event.action == "labeled" and event.label == "spam" and event.id == 1
    labeler.skip()
    row0, row1 = df.iloc[0], df.iloc[1]
    assert row0["label"] == "spam" and row0["decision"] == "labeled" and row0["annotator"] == "ana"
    assert isinstance(row0["decided_at"], pd.Timestamp) and row0["decided_at"].tz == dt.timezone.utc
    assert row0["seconds"] >= 0
    assert pd.isna(row1["label"]) and row1["decision"] == "skipped"
    assert df.iloc[2:][list(RESULT_FIELDS)].isna().all().all()
    assert labeler.position == 2


def test_python_actions_follow_suggestions_from_a_column(store_path):
    df = texts(6)
    df["guess"] = ["spam", "ham", "spam", "ham", "nonsense", None]
    df["guess_p"] = [0.9, 0.6, 0.8, 0.7, 0.5, np.nan]
    labeler = lw.Labeler(
        df, labels=["ham", "spam"], store=store_path, suggester=lw.FromColumn("guess", confidence="guess_p")
    )
    assert labeler.accept().action == "accepted"
    assert labeler.correct("spam").action == "corrected"
    assert labeler.reject().action == "rejected"
    assert labeler.label("ham").action == "accepted"  # the same label as the suggestion is an accept
    with pytest.raises(lw.InputError, match=r"invalid \(the suggester said 'nonsense'\).*label\('...'\)"):
        labeler.accept()  # "nonsense" is outside the label set: an invalid suggestion, nothing to accept
    assert labeler.label("spam").action == "labeled"
    assert labeler.suggestion is None or not labeler.suggestion.valid
    assert list(df["decision"][:5]) == ["accepted", "corrected", "rejected", "accepted", "labeled"]
    assert list(df["suggestion"][:4]) == ["spam", "ham", "spam", "ham"]
    assert df["confidence"].iloc[0] == pytest.approx(0.9)
    assert pd.isna(df["label"].iloc[2])  # a rejection gives no label
    assert any("nonsense" in e for e in labeler.errors)
    labeler.close()


def test_undo_is_an_event_and_restores_the_previous_state(store_path):
    df = texts(4)
    labeler = lw.Labeler(df, labels=["ham", "spam"], store=store_path)
    labeler.label("ham")
    labeler.goto(0)
    labeler.label("spam")  # going back and choosing another label: a revision of item 0
    assert df["label"].iloc[0] == "spam" and df["decision"].iloc[0] == "revised"
    undo = labeler.undo()
    assert undo is not None and undo.action == "undo" and undo.undoes == 2
    assert df["label"].iloc[0] == "ham"  # back to the first decision, not to nothing
    assert labeler.position == 0
    labeler.undo()
    assert pd.isna(df["label"].iloc[0]) and labeler.stats["decided"] == 0
    assert labeler.undo() is None
    log = labeler.decisions
    assert list(log["action"]) == ["labeled", "revised", "undo", "undo"]
    assert log["previous_label"].iloc[1] == "ham"
    assert list(log["undoes"].iloc[2:]) == [2, 1]


def test_counts_follow_the_effective_decision_of_each_item(store_path):
    labeler = lw.Labeler(texts(3), labels=["a", "b"], store=store_path)
    labeler.label("a")
    labeler.goto(0)
    labeler.label("b")  # a revision replaces the item's decision in the counts, never adds one
    assert labeler.stats["decided"] == 1 and labeler.stats["revised"] == 1 and labeler.stats["labeled"] == 0
    labeler.goto(0)
    labeler.skip()  # skipping an answered item in review leaves it as it is
    assert labeler.stats["decided"] == 1 and labeler.stats["skipped"] == 0 and labeler.stats["revised"] == 1
    labeler.goto(1)
    labeler.skip()
    assert labeler.stats["decided"] == 2 and labeler.stats["skipped"] == 1


def test_navigation_and_the_next_undecided_item(store_path):
    labeler = lw.Labeler(texts(6), labels=["a", "b"], store=store_path)
    labeler.goto(3)
    labeler.label("a")
    assert labeler.position == 4
    labeler.label("b")
    labeler.label("b")
    assert labeler.position == 0  # wraps to the first undecided item
    assert labeler.current["text"] == "message 0"
    labeler.goto(-1)
    assert labeler.position == 5
    with pytest.raises(lw.InputError, match="out of range"):
        labeler.goto(6)


def test_restart_restores_every_label_and_resumes(store_path):
    df = texts(10)
    first = lw.Labeler(df, labels=["ham", "spam"], store=store_path, annotator="ana")
    for label in ["ham", "spam", "ham"]:
        first.label(label)
    first.undo()
    first.label("spam")
    first.close()

    fresh = texts(10)
    second = lw.Labeler(fresh, labels=["ham", "spam"], store=store_path, annotator="ana")
    assert list(fresh["label"][:3]) == ["ham", "spam", "spam"]
    assert second.position == 3
    assert second.stats["decided"] == 3
    assert fresh["decided_at"].iloc[0] == df["decided_at"].iloc[0]
    second.undo()  # undo reaches back across the restart
    assert pd.isna(fresh["label"].iloc[2])


def test_each_annotator_resumes_their_own_work(store_path):
    lw.Labeler(texts(4), labels=["a", "b"], store=store_path, annotator="ana").label("a")
    df = texts(4)
    bob = lw.Labeler(df, labels=["a", "b"], store=store_path, annotator="bob")
    assert df["label"].isna().all() and bob.position == 0
    bob.label("b")
    assert set(bob.decisions["annotator"]) == {"ana", "bob"}


def test_changed_text_flags_the_old_decision_instead_of_trusting_it(store_path):
    lw.Labeler(texts(3), labels=["a", "b"], store=store_path).label("a")
    df = texts(3)
    df.loc[0, "text"] = "an edited message"
    with pytest.warns(UserWarning, match="changed text"):
        labeler = lw.Labeler(df, labels=["a", "b"], store=store_path)
    assert pd.isna(df["label"].iloc[0])
    assert labeler.position == 0
    assert list(labeler.stale["label"]) == ["a"]


def test_rows_removed_from_the_dataframe_are_reported_not_lost(store_path):
    labeler = lw.Labeler(texts(3), labels=["a", "b"], store=store_path)
    labeler.label("a")
    with pytest.warns(UserWarning, match="not in this DataFrame"):
        again = lw.Labeler(texts(3).drop(index=0), labels=["a", "b"], store=store_path)
    assert again.stats["orphans"] == 1


def test_a_key_column_identifies_items_across_reordering(store_path):
    df = pd.DataFrame({"id": ["x", "y", "z"], "text": ["one", "two", "three"]})
    lw.Labeler(df, labels=["a", "b"], key="id", store=store_path).label("b")
    shuffled = df[["id", "text"]].iloc[[2, 0, 1]].reset_index(drop=True)
    lw.Labeler(shuffled, labels=["a", "b"], key="id", store=store_path)
    assert shuffled.set_index("id").loc["x", "label"] == "b"


def test_memory_only_store_is_said_plainly():
    labeler = lw.Labeler(texts(2), labels=["a", "b"], store=None)
    labeler.label("a")
    assert labeler.stats["durable"] is False
    assert "memory only" in repr(labeler)
    assert labeler.widget.status["durable"] is False


def test_random_order_is_seeded_and_covers_every_item(store_path):
    labeler = lw.Labeler(texts(20), labels=["a", "b"], store=store_path, order="random", seed=7)
    seen = []
    for _ in range(20):
        seen.append(labeler.current["text"])
        labeler.label("a")
    assert sorted(seen) == sorted(f"message {i}" for i in range(20)) and seen != sorted(seen)


def test_on_decision_callbacks_see_decisions_and_undos_and_cannot_break_labeling(store_path):
    labeler = lw.Labeler(texts(3), labels=["a", "b"], store=store_path)
    seen = []
    labeler.on_decision(lambda d: seen.append(d.action))

    @labeler.on_decision
    def broken(_):
        raise RuntimeError("boom")

    labeler.label("a")
    labeler.undo()
    assert seen == ["labeled", "undo"]
    assert any("boom" in e for e in labeler.errors)


def test_rerunning_the_cell_on_the_same_dataframe_reuses_its_own_columns(store_path):
    df = texts(3)
    first = lw.Labeler(df, labels=["a", "b"], store=store_path)
    first.label("a")
    with pytest.warns(UserWarning, match="has been closed"):
        again = lw.Labeler(df, labels=["a", "b"], store=store_path)  # no clash error with our own columns
    assert df["label"].iloc[0] == "a" and again.position == 1


def test_stable_repr_for_saved_notebooks(store_path):
    labeler = lw.Labeler(texts(3), labels=["a", "b"], store=store_path, annotator="ana")
    bundle = labeler._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert data["text/plain"] == repr(labeler)
    assert "0x" not in repr(labeler) and "0x" not in repr(labeler.widget)
    assert "application/vnd.jupyter.widget-view+json" in data


class SlowSuggester:
    """A suggester that takes a while, as a remote model does."""

    name = "slow"

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.calls = 0

    def suggest(self, items, labels):
        import time

        self.calls += len(items)
        time.sleep(self.seconds)
        return [lw.Suggestion(label=labels.names[len(item.text) % 2], confidence=0.7) for item in items]


def test_python_accept_waits_for_a_slow_suggestion_without_deadlock(store_path):
    labeler = lw.Labeler(texts(4), labels=["a", "b"], store=store_path, suggester=SlowSuggester(0.3), prefetch=0)
    event = labeler.accept()  # nothing prefetched: must wait for this item's suggestion, then accept it
    assert event.action == "accepted" and event.label in ("a", "b") and event.confidence == 0.7
    assert labeler.stats["suggestion_waits"] == 1
    labeler.close()


def test_suggestions_are_fetched_ahead_so_a_slower_annotator_never_waits(store_path):
    import time

    suggester = SlowSuggester(0.05)
    labeler = lw.Labeler(texts(12), labels=["a", "b"], store=store_path, suggester=suggester, prefetch=4)
    for _ in range(10):
        time.sleep(0.15)  # reading time, longer than the model takes
        labeler.accept()
    assert labeler.stats["suggestion_waits"] == 0
    assert labeler.stats["accepted"] == 10
    labeler.close()


def test_a_suggester_that_raises_is_contained(store_path):
    class Broken:
        name = "broken"

        def suggest(self, items, labels):
            raise ConnectionError("model server is down")

    labeler = lw.Labeler(texts(3), labels=["a", "b"], store=store_path, suggester=Broken())
    event = labeler.label("a")  # labeling goes on without a suggestion
    assert event.action == "labeled" and event.suggestion is None
    assert labeler.errors == ["ConnectionError: model server is down"]  # reported once, not per item
    labeler.close()


def test_columns_from_lw_suggest_are_shown_when_named_with_from_column(store_path):
    df = texts(4)
    df["suggestion"] = ["a", "b", "a", None]
    df["confidence"] = [0.9, 0.4, 0.7, np.nan]
    suggester = lw.FromColumn("suggestion", confidence="confidence")
    labeler = lw.Labeler(df, labels=["a", "b"], store=store_path, order="uncertain", suggester=suggester)
    assert labeler.current["text"] == "message 3"  # no confidence: the most uncertain first
    labeler.label("b")
    assert labeler.current["text"] == "message 1"  # then 0.4
    assert labeler.accept().action == "accepted"
    labeler.undo()
    assert list(df["suggestion"].iloc[:3]) == ["a", "b", "a"] and pd.isna(
        df["suggestion"].iloc[3]
    )  # never reset or cleared: they belong to lw.suggest
    assert df["confidence"].iloc[1] == 0.4
    labeler.close()


def test_df_attrs_no_longer_pick_suggestions_silently(store_path):
    """The old channel: lw.suggest left a note in df.attrs and the Labeler quietly used those columns."""
    df = texts(3)
    df["suggestion"] = ["a", "b", "a"]
    df["confidence"] = [0.9, 0.4, 0.7]
    df.attrs["labelwidgets_suggested"] = {"suggestion": "suggestion", "confidence": "confidence", "suggester": "gpt"}
    with pytest.raises(lw.InputError, match=r"FromColumn\('suggestion', confidence='confidence'\)"):
        lw.Labeler(df, labels=["a", "b"], store=store_path)
    assert list(df.columns) == ["text", "source", "suggestion", "confidence"]


def test_a_from_column_reading_a_result_column_is_refused(store_path):
    df = texts(3)
    df["label"] = ["a", "b", "a"]
    with pytest.raises(lw.InputError, match=r"reads its suggestion from the column 'label'.*columns=\{'label'"):
        lw.Labeler(df, labels=["a", "b"], store=store_path, suggester=lw.FromColumn("label"))
    with pytest.raises(lw.InputError, match=r"FromColumn\('nope'.*does not have"):
        lw.Labeler(df, labels=["a", "b"], store=store_path, suggester=lw.FromColumn("nope"))


class Rules:
    """A rules suggester that answers whatever it is told to, in or out of the label set."""

    name = "rules"

    def __init__(self, answers):
        self.answers = answers

    def suggest(self, items, labels):
        return [lw.Suggestion(label=self.answers[int(item.key)], confidence=0.5) for item in items]


def test_every_suggestion_is_checked_against_the_label_set(store_path):
    answers = ["Spam", " HAM ", "maybe", "eggs", "", None, 3]
    df = texts(len(answers))
    labeler = lw.Labeler(df, labels=["ham", "spam"], store=store_path, suggester=Rules(answers), prefetch=0)
    prefetcher = labeler.session.prefetcher
    got = [prefetcher.wait(row, timeout=30) for row in range(len(answers))]
    assert [s.label for s in got] == ["spam", "ham", None, None, None, None, None]  # near misses map to the label
    assert [s.raw for s in got[:5]] == ["Spam", " HAM ", "maybe", "eggs", ""]  # what was said is kept
    assert got[6].raw == "3" and not any(s.valid for s in got[2:])
    assert labeler.accept().label == "spam"
    assert labeler.correct("spam").action == "corrected"  # suggested "ham"
    for position in range(2, len(answers)):
        labeler.goto(position)
        for action in (labeler.accept, labeler.reject, lambda: labeler.correct("ham")):
            with pytest.raises(lw.InputError, match=r"suggestion is invalid.*label\('...'\)"):
                action()
        event = labeler.label("ham")
        assert event.action == "labeled" and event.suggestion is None
    assert set(df["label"]) == {"ham", "spam"} and set(df["suggestion"].dropna()) == {"ham", "spam"}
    log = labeler.decisions
    assert set(log["label"]) <= {"ham", "spam"} and set(log["suggestion"].dropna()) <= {"ham", "spam"}
    assert any("'maybe' is not one of the labels" in e for e in labeler.errors)
    labeler.close()


class Peeker:
    """A suggester that tries to copy the answer from the row's other columns."""

    name = "peeker"

    def __init__(self):
        self.seen: list[set[str]] = []

    def suggest(self, items, labels):
        out = []
        for item in items:
            self.seen.append(set(item.fields))
            copied = next((item.fields[c] for c in ("label", "my_label") if c in item.fields), None)
            out.append(lw.Suggestion(label=copied if isinstance(copied, str) else "a"))
        return out


@pytest.mark.parametrize("columns", [None, {"label": "my_label", "decision": "my_decision"}])
def test_suggesters_see_only_the_inputs_never_the_labelers_results(store_path, columns):
    df = texts(4)
    first = lw.Labeler(df, labels=["a", "b"], store=store_path, columns=columns)
    for label in ["b", "b", "b", "b"]:
        first.label(label)
    peeker = Peeker()
    with pytest.warns(UserWarning, match="another Labeler was live on this DataFrame"):
        again = lw.Labeler(df, labels=["a", "b"], store=store_path, columns=columns, suggester=peeker, prefetch=0)
    again.goto(0)
    suggestion = again.session.prefetcher.wait(0, timeout=30)
    assert suggestion.label == "a"  # it could not copy "b"
    results = set(again.session._results.names.values())
    assert peeker.seen and all(not (seen & results) for seen in peeker.seen)
    assert all({"text", "source"} <= seen for seen in peeker.seen)  # the inputs are all there
    again.close()


class Gated:
    """A suggester whose answers wait until the test opens the gate; counts its calls."""

    name = "gated"

    def __init__(self):
        import threading

        self.gate = threading.Event()
        self.calls = 0
        self._lock = threading.Lock()

    def suggest(self, items, labels):
        with self._lock:
            self.calls += len(items)
        self.gate.wait(30)
        return [lw.Suggestion(label="a", confidence=0.9) for _ in items]


def test_prefetch_follows_the_cursor_instead_of_queueing_every_item_passed(store_path):
    suggester = Gated()
    labeler = lw.Labeler(texts(2000), labels=["a", "b"], store=None, suggester=suggester, prefetch=8,
                         max_concurrency=4)  # fmt: skip
    prefetcher = labeler.session.prefetcher
    for position in range(1991):  # paging through while every request is held: the worst case for a queue
        labeler.goto(position)
        assert prefetcher.in_flight <= 9 + 4  # the window (the item and 8 ahead) plus the ones already running
    suggester.gate.set()
    window = [1990 + i for i in range(9)]
    assert all(prefetcher.wait(row, timeout=30) is not None for row in window)
    prefetcher.close(wait=True)
    # Started before the gate opened: at most one per worker; after: only the window where the person is.
    # (The old prefetcher queued all 2,000 and made every one of those calls.)
    assert suggester.calls <= 4 + len(window)
    assert labeler.suggestion is not None and labeler.suggestion.label == "a"
    labeler.close()


def test_blind_items_never_wait_for_a_suggestion(store_path):
    suggester = Gated()
    df = texts(40)
    labeler = lw.Labeler(df, labels=["a", "b"], store=store_path, suggester=suggester, blind=0.5,
                         suggestion_timeout=30)  # fmt: skip
    blind = next(r for r in range(40) if labeler.session.is_blind(r))
    labeler.goto(blind)
    event = labeler.label("b")  # the gate is shut: waiting for the suggestion would hang for 30 s
    assert event.suggestion is None and labeler.stats["suggestion_waits"] == 0  # not arrived, not waited for
    suggester.gate.set()
    labeler.close()


def test_suggestion_timeout_is_how_long_label_waits(store_path):
    suggester = Gated()
    labeler = lw.Labeler(texts(3), labels=["a", "b"], store=store_path, suggester=suggester, suggestion_timeout=0.05)
    event = labeler.label("b")  # no suggestion within the time-out: labeled without one
    assert event.action == "labeled" and event.suggestion is None
    assert labeler.stats["suggestion_waits"] == 1
    suggester.gate.set()
    labeler.close()
    with pytest.raises(lw.InputError, match="suggestion_timeout"):
        lw.Labeler(texts(3), labels=["a", "b"], store=None, suggestion_timeout=-1)
