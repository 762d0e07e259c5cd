"""A suggester that learns from the person, as the session sees it: what it is taught, when, and what it never sees.

The suggester here is a transparent stand-in that records every `learn` call, so each test states exactly what
the session must have told it; `test_learner.py` tests `lw.Learner` itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

import pandas as pd
import pytest

import labelwidgets as lw
from labelwidgets.suggesters.base import Example, LearnsFromLabels, Updates


class Recording:
    """Learns by remembering; suggests the label it was told most often, and says which version it is."""

    name = "recording"

    def __init__(self, label_column: str | None = None):
        self.label_column = label_column
        self.calls: list[list[Example]] = []
        self.known: dict[str, str] = {}
        self.version = 0
        self.asked: list[str] = []
        self.seen_fields: list[set[str]] = []
        self._callbacks: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def learn(self, examples: Sequence[Example]) -> None:
        with self._lock:
            self.calls.append(list(examples))
            for example in examples:
                if example.label is None:
                    self.known.pop(example.key, None)
                else:
                    self.known[example.key] = example.label

    @property
    def status(self) -> str:
        return f"learned from {len(self.known)} labels"

    def on_update(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    def retrain(self) -> None:
        """What a learner's training thread does when a new model is ready."""
        self.version += 1
        for callback in self._callbacks:
            callback()

    def suggest(self, items, labels):
        with self._lock:
            self.asked.extend(item.key for item in items)
            self.seen_fields.extend(set(item.fields) for item in items)
            counts = pd.Series(list(self.known.values()), dtype=object).value_counts()
            label = str(counts.index[0]) if len(counts) else labels.names[0]
        return [lw.Suggestion(label=label, confidence=0.6, model=f"recording v{self.version}") for _ in items]


def frame(n: int = 8) -> pd.DataFrame:
    return pd.DataFrame({"text": [f"message {i}" for i in range(n)]})


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.01)


def test_the_protocols_are_recognised():
    assert isinstance(Recording(), LearnsFromLabels) and isinstance(Recording(), Updates)
    assert not isinstance(lw.FromColumn("x"), LearnsFromLabels)


def test_it_is_taught_each_decision_as_it_happens_and_undo_withdraws_it(store_path):
    learner = Recording()
    labeler = lw.Labeler(frame(), labels=["ham", "spam"], store=store_path, annotator="ana", suggester=learner)
    try:
        assert learner.calls == [[]]  # started from nothing
        labeler.label("spam")
        labeler.label("ham")
        labeler.skip()
        assert learner.calls[1] == [Example(key=labeler.session.key_at(0), text="message 0", label="spam")]
        assert [c[0].label for c in learner.calls[1:]] == ["spam", "ham", None]
        labeler.undo()  # the skip
        labeler.undo()  # "ham" on item 1: withdrawn
        assert learner.calls[-1] == [Example(key=labeler.session.key_at(1), text="message 1", label=None)]
        assert learner.known == {labeler.session.key_at(0): "spam"}
        labeler.relabel(0, "ham")
        assert learner.known == {labeler.session.key_at(0): "ham"}
    finally:
        labeler.close()


def test_a_reopened_session_teaches_what_the_store_holds(store_path):
    df = frame()
    first = lw.Labeler(df, labels=["ham", "spam"], store=store_path, annotator="ana")
    first.label("spam")
    first.label("ham")
    first.skip()
    first.close()
    learner = Recording()
    again = lw.Labeler(frame(), labels=["ham", "spam"], store=store_path, annotator="ana", suggester=learner)
    try:
        taught = {e.text: e.label for e in learner.calls[0]}
        assert taught == {"message 0": "spam", "message 1": "ham"}  # the skipped item teaches nothing
    finally:
        again.close()


def test_known_labels_are_taught_first_and_never_shown_to_the_suggester_as_a_field(store_path):
    df = frame(6)
    df["expert"] = ["spam", None, "ham", None, None, None]
    learner = Recording(label_column="expert")
    labeler = lw.Labeler(df, labels=["ham", "spam"], store=store_path, annotator="ana", suggester=learner)
    try:
        assert {e.text: e.label for e in learner.calls[0]} == {"message 0": "spam", "message 2": "ham"}
        labeler.session.prefetcher.wait(labeler.session.row_at(0), timeout=10)
        assert learner.seen_fields and all("expert" not in fields for fields in learner.seen_fields)
        labeler.label("ham")  # the person disagrees with the known label: theirs is taught
        assert learner.known[labeler.session.key_at(0)] == "ham"
        labeler.undo()  # taken back: what was known before counts again
        assert learner.known[labeler.session.key_at(0)] == "spam"
    finally:
        labeler.close()


def test_a_known_label_column_is_checked_before_anything_is_written(store_path):
    df = frame(4)
    with pytest.raises(lw.InputError, match="does not have"):
        lw.Labeler(df, labels=["ham", "spam"], store=store_path, suggester=Recording(label_column="expert"))
    df["expert"] = ["spam", "eggs", None, "Ham"]
    with pytest.raises(lw.InputError, match=r"not labels: \['Ham', 'eggs'\]"):
        lw.Labeler(df, labels=["ham", "spam"], store=store_path, suggester=Recording(label_column="expert"))
    assert list(df.columns) == ["text", "expert"]  # nothing written


def test_after_it_learns_the_items_ahead_are_asked_again_and_the_old_answer_serves_meanwhile(store_path):
    learner = Recording()
    labeler = lw.Labeler(
        frame(12), labels=["ham", "spam"], store=store_path, annotator="ana", suggester=learner, prefetch=3
    )
    session = labeler.session
    try:
        wait_for(lambda: all(session.suggestion_at(session.row_at(r)) for r in range(4)))
        labeler.label("spam")  # item 0 decided; the cursor is at 1
        before = session.suggestion_at(session.row_at(1))
        assert before is not None and before.model == "recording v0"
        asked = len(learner.asked)
        learner.retrain()
        wait_for(lambda: session.suggestion_at(session.row_at(1)).model == "recording v1")
        wait_for(lambda: all(session.suggestion_at(session.row_at(r)).model == "recording v1" for r in (1, 2, 3, 4)))
        again = learner.asked[asked:]
        assert sorted(again) == sorted(session.key_at(session.row_at(r)) for r in (1, 2, 3, 4))
        assert session.suggestion_at(session.row_at(0)).model == "recording v0"  # decided: left as it was
        assert labeler.widget.status["suggester_status"] == "learned from 1 labels"
    finally:
        labeler.close()


def test_accepting_what_the_view_showed_records_that_suggestion_not_a_newer_one(store_path):
    learner = Recording()
    learner.learn([Example(key="warm", text="", label="spam")])
    labeler = lw.Labeler(frame(), labels=["ham", "spam"], store=store_path, annotator="ana", suggester=learner)
    session = labeler.session
    try:
        wait_for(lambda: session.suggestion_at(session.row_at(0)) is not None)
        shown = session.suggestion_at(session.row_at(0))
        assert (shown.label, shown.model) == ("spam", "recording v0")
        learner.known = {"a": "ham", "b": "ham", "warm": "spam"}  # the learner now thinks "ham"
        learner.retrain()
        wait_for(lambda: session.suggestion_at(session.row_at(0)).model == "recording v1")
        assert session.suggestion_at(session.row_at(0)).label == "ham"
        event = session.decide("accept", shown=("spam", "recording v0"))
        assert (event.action, event.label, event.suggestion, event.suggester) == (
            "accepted",
            "spam",
            "spam",
            "recording v0",
        )
        event = session.decide("accept")  # from Python, with nothing said: what is current
        assert event.label == "ham" and event.suggester == "recording v1"
    finally:
        labeler.close()


def test_a_learner_that_fails_to_learn_is_reported_and_labeling_goes_on(store_path):
    class Broken(Recording):
        def learn(self, examples):
            if examples:
                raise RuntimeError("disk full")

    labeler = lw.Labeler(frame(), labels=["ham", "spam"], store=store_path, suggester=Broken())
    try:
        event = labeler.label("spam")
        assert event.label == "spam" and labeler.df["label"].iat[0] == "spam"
        assert any("could not learn from a decision" in e and "disk full" in e for e in labeler.errors)
    finally:
        labeler.close()


def test_a_closed_session_ignores_a_late_update(store_path):
    learner = Recording()
    labeler = lw.Labeler(frame(), labels=["ham", "spam"], store=store_path, suggester=learner)
    labeler.close()
    learner.retrain()  # the learner outlives the labeler: nothing happens, nothing raises
    assert labeler.session.closed


def test_a_real_learner_in_a_labeler_learns_each_decision_and_refreshes_the_items_ahead(store_path):
    df = lw.datasets.sms_spam().head(120)
    gold = df["gold"].tolist()
    learner = lw.Learner(min_labels=4)
    labeler = lw.Labeler(df[["text"]].copy(), labels=["ham", "spam"], store=store_path, suggester=learner, prefetch=4)
    session = labeler.session
    try:
        assert session.suggester_status.startswith("needs")  # never a guess before it has labels
        for _ in range(60):
            labeler.label(gold[session.row_at(labeler.position)])
        assert learner.wait_until_trained(timeout=60)
        assert learner.n_labels == 60
        wait_for(lambda: labeler.widget.status["suggester_status"].startswith("learned from 60 labels"), timeout=20)
        ahead = [session.row_at(r) for r in range(60, 64)]
        wait_for(lambda: all((s := session.suggestion_at(r)) is not None and s.valid for r in ahead), timeout=30)
        right = sum(session.suggestion_at(r).label == gold[r] for r in ahead)
        assert right >= 3  # learned, and the window ahead was asked again with the new model
        suggestion = session.suggestion_at(ahead[0])
        assert suggestion.confidence_source == "learned" and suggestion.model == "learner"
        assert abs(sum(suggestion.probabilities.values()) - 1) < 1e-9
    finally:
        labeler.close()
        learner.close()


def test_known_labels_teach_a_real_learner_before_the_first_decision(store_path):
    df = lw.datasets.sms_spam().head(200).copy()
    df["expert"] = df["gold"].where(df.index.isin(df.index[:150]))  # the first 150 known, the rest not
    learner = lw.Learner(label_column="expert", min_labels=4)
    labeler = lw.Labeler(
        df[["text", "expert"]], labels=["ham", "spam"], store=store_path, suggester=learner, prefetch=2
    )
    try:
        assert learner.wait_until_trained(timeout=60) and learner.n_labels == 150
        labeler.goto(160)
        suggestion = labeler.session.prefetcher.wait(labeler.session.row_at(160), timeout=30)
        assert suggestion is not None and suggestion.valid and suggestion.confidence_source == "learned"
    finally:
        labeler.close()
        learner.close()


def test_a_fast_labeler_is_shown_the_last_model_while_the_next_one_trains(store_path, monkeypatch):
    """Every retrain held back: the items reached meanwhile are suggested by the model trained last, in the view."""
    from labelwidgets.suggesters import learner as learner_module

    df = lw.datasets.sms_spam().head(80)
    gold = df["gold"].tolist()
    learner = lw.Learner(min_labels=4)
    labeler = lw.Labeler(df[["text"]].copy(), labels=["ham", "spam"], store=store_path, suggester=learner, prefetch=2)
    session = labeler.session
    release = threading.Event()
    real_train = learner_module.train
    try:
        for _ in range(20):
            labeler.label(gold[session.row_at(labeler.position)])
        assert learner.wait_until_trained(timeout=60)

        def held_back(*args, **kwargs):
            assert release.wait(timeout=60)
            return real_train(*args, **kwargs)

        monkeypatch.setattr(learner_module, "train", held_back)
        for _ in range(30):
            row = session.row_at(labeler.position)
            shown = session.prefetcher.wait(row, timeout=30)
            assert shown is not None and shown.valid, shown
            assert shown.rationale == "learned from 20 labels"
            labeler.label(gold[row])
        assert learner.status == "learned from 20 labels"
        release.set()
        assert learner.wait_until_trained(timeout=60)
        assert learner.status == "learned from 50 labels"
    finally:
        release.set()
        labeler.close()
        learner.close()
