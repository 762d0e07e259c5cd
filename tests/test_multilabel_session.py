"""Multi-label answers through the whole core: the Labeler, the store, restore, suggestions, undo and review."""

from __future__ import annotations

import gc
import sqlite3

import numpy as np
import pandas as pd
import pytest

import labelwidgets as lw
from labelwidgets.errors import InputError, StoreError
from labelwidgets.labels import LabelSet
from labelwidgets.session.fold import EventFold
from labelwidgets.store.migrations import SCHEMA_VERSION

LABELS = ["urgent", "billing", "outage"]  # not in code-point order: the DataFrame keeps this order, the store sorts


def frame(n: int = 6) -> pd.DataFrame:
    return pd.DataFrame({"text": [f"ticket {i}" for i in range(n)]}, index=[f"t{i}" for i in range(n)])


def stored_labels(path) -> list[str | None]:
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT label FROM lw_events ORDER BY id")]


def test_a_set_of_labels_lands_in_the_dataframe_in_label_order_and_in_the_store_canonical(store_path):
    df = frame()
    labeler = lw.Labeler(df, labels=LABELS, kind="multi", store=store_path, annotator="ana")
    first = labeler.label(["billing", "urgent"])
    assert first.action == "labeled" and first.label == '["billing","urgent"]'
    assert df.loc["t0", "label"] == ["urgent", "billing"]
    none = labeler.label([])  # "none of these" is an answer, not a skip
    assert none.action == "labeled" and df.loc["t1", "label"] == [] and df.loc["t1", "decision"] == "labeled"
    labeler.skip()
    assert pd.isna(df.loc["t2", "label"]) and df.loc["t2", "decision"] == "skipped"
    assert stored_labels(store_path) == ['["billing","urgent"]', "[]", None]
    assert labeler.decisions["label"].tolist()[:2] == [["urgent", "billing"], []]
    assert "kind='multi'" in repr(labeler)
    labeler.close()
    again = frame()
    restored = lw.Labeler(again, labels=LABELS, kind="multi", store=store_path, annotator="ana")
    assert again.loc["t0", "label"] == ["urgent", "billing"] and again.loc["t1", "label"] == []
    assert pd.isna(again.loc["t2", "label"]) and again.loc["t2", "decision"] == "skipped"
    assert again.loc["t0", "label"] is not again.loc["t1", "label"]  # each cell its own list
    assert again["suggestion"].dtype == object and again["suggestion"].isna().all()  # no suggester: none restored
    assert restored.position == 3
    restored.close()


def test_restored_rows_with_the_same_set_each_hold_their_own_list(store_path):
    guesses = [["urgent"], ["urgent"], None, [], [], ["outage", "urgent"], None, None]
    df = frame(8).assign(guess=guesses)
    labeler = lw.Labeler(df, labels=LABELS, kind="multi", store=store_path, suggester=lw.FromColumn("guess"))
    for answer in (["billing", "urgent"], ["urgent", "billing"], ["billing", "urgent"], [], []):
        labeler.label(answer)
    labeler.skip()
    labeler.close()
    again = frame(8).assign(guess=guesses)
    gc_was_on = gc.isenabled()
    restored = lw.Labeler(again, labels=LABELS, kind="multi", store=store_path, suggester=lw.FromColumn("guess"))
    assert gc.isenabled() == gc_was_on  # the collector, paused for the restore, is as it was
    labels, suggestions = again["label"].tolist(), again["suggestion"].tolist()
    assert labels[:5] == [["urgent", "billing"]] * 3 + [[], []]  # label-set order, whatever order they were given in
    assert all(cell is pd.NA for cell in labels[5:])  # skipped, not yet decided
    assert suggestions[:6] == [["urgent"], ["urgent"], pd.NA, [], [], ["urgent", "outage"]]
    assert again["label"].dtype == object and again["suggestion"].dtype == object
    cells = [cell for cell in labels + suggestions if isinstance(cell, list)]
    assert len({id(cell) for cell in cells}) == len(cells) == 10  # no two cells share a list, equal sets included
    again.loc["t0", "label"].append("outage")  # editing one cell in place changes that cell only
    assert again["label"].tolist()[1:3] == [["urgent", "billing"]] * 2 and again.loc["t3", "suggestion"] == []
    restored.close()


def test_multi_label_cells_decode_each_stored_set_into_a_list_of_its_own():
    labels = LabelSet.parse(LABELS, "multi")
    stored = np.array(['["billing","urgent"]', None, "[]", '["billing","urgent"]', np.nan, pd.NA, "[]"], dtype=object)
    cells = labels.kind.cells(stored, labels)
    assert cells.tolist() == [["urgent", "billing"], pd.NA, [], ["urgent", "billing"], pd.NA, pd.NA, []]
    assert cells[0] is not cells[3] and cells[2] is not cells[6]
    assert labels.kind.cells(np.full(3, pd.NA, dtype=object), labels).tolist() == [pd.NA] * 3
    assert labels.kind.cells(np.array([], dtype=object), labels).tolist() == []
    cells[0].append("outage")  # nothing is kept between calls: the next column decodes afresh
    assert labels.kind.cells(stored[:1], labels).tolist() == [["urgent", "billing"]]


def test_a_restore_that_fails_leaves_the_garbage_collector_as_it_was(store_path, monkeypatch):
    labeler = lw.Labeler(frame(), labels=LABELS, kind="multi", store=store_path, annotator="ana")
    labeler.label(["outage"])
    labeler.close()

    def fail(*args, **kwargs):
        raise RuntimeError("the store went away")

    monkeypatch.setattr(EventFold, "from_frame", fail)
    try:
        for enabled in (True, False):
            gc.enable() if enabled else gc.disable()
            with pytest.raises(RuntimeError, match="went away"):
                lw.Labeler(frame(), labels=LABELS, kind="multi", store=store_path, annotator="ana")
            assert gc.isenabled() is enabled
    finally:
        gc.enable()


def test_undo_and_the_fold_treat_a_set_like_any_answer(store_path):
    df = frame()
    labeler = lw.Labeler(df, labels=LABELS, kind="multi", store=store_path)
    labeler.label(["outage"])
    labeler.label([])
    labeler.undo()
    assert pd.isna(df.loc["t1", "label"]) and labeler.position == 1
    labeler.undo()
    assert pd.isna(df.loc["t0", "label"]) and labeler.stats["decided"] == 0
    labeler.close()


@pytest.mark.parametrize(
    ("given", "why"),
    [
        ("urgent", "not the string 'urgent'"),
        (["urgent", "spam"], "not among the labels"),
        (["urgent", "urgent"], "more than once"),
        (42, "a list of labels"),
    ],
)
def test_bad_multi_label_answers_are_refused_with_what_to_pass(store_path, given, why):
    labeler = lw.Labeler(frame(), labels=LABELS, kind="multi", store=store_path)
    with pytest.raises(InputError, match=why):
        labeler.label(given)
    assert labeler.stats["decided"] == 0
    labeler.close()


def test_a_list_given_to_a_single_label_labeler_says_to_use_kind_multi(store_path):
    labeler = lw.Labeler(frame(), labels=LABELS, store=store_path)
    with pytest.raises(InputError, match="kind='multi'"):
        labeler.label(["urgent"])
    labeler.close()


def test_an_unknown_kind_is_refused(store_path):
    with pytest.raises(InputError, match=r"'single'.*'multi'"):
        lw.Labeler(frame(), labels=LABELS, kind="multiple", store=store_path)


def test_a_store_keeps_one_kind_of_answer(tmp_path):
    multi_store, single_store = tmp_path / "multi.db", tmp_path / "single.db"
    lw.Labeler(frame(), labels=LABELS, kind="multi", store=multi_store).close()
    with pytest.raises(StoreError, match=r"multi-label answers \(kind='multi'\).*Pass kind='multi'"):
        lw.Labeler(frame(), labels=LABELS, store=multi_store)
    lw.Labeler(frame(), labels=LABELS, store=single_store).close()
    with pytest.raises(StoreError, match=r"single-label answers .*Pass kind='single'"):
        lw.Labeler(frame(), labels=LABELS, kind="multi", store=single_store)


def test_a_store_from_before_kinds_is_single_label(tmp_path):
    path = tmp_path / "v3.db"
    old = lw.Labeler(frame(), labels=LABELS, store=path)
    old.label("urgent")
    old.close()
    with sqlite3.connect(path) as conn:  # as schema version 3 left it: no kind recorded
        conn.execute("DELETE FROM lw_meta WHERE key = 'kind'")
        conn.execute("UPDATE lw_meta SET value = '3' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="single-label"):
        lw.Labeler(frame(), labels=LABELS, kind="multi", store=path)
    df = frame()
    again = lw.Labeler(df, labels=LABELS, store=path)
    assert df.loc["t0", "label"] == "urgent"
    again.close()
    with sqlite3.connect(path) as conn:
        meta = dict(conn.execute("SELECT key, value FROM lw_meta"))
    assert meta["kind"] == "single" and meta["schema_version"] == str(SCHEMA_VERSION)


def suggested_frame() -> pd.DataFrame:
    df = frame(5)
    df["guess"] = [["urgent", "billing"], '["outage"]', "Billing, URGENT", ["urgent", "refund"], None]
    return df


def test_suggestions_as_lists_or_json_accept_as_sets_and_a_set_outside_the_labels_is_invalid(store_path):
    df = suggested_frame()
    with pytest.warns(UserWarning, match=r"1 of 5 values .*\['urgent', 'refund'\]"):
        labeler = lw.Labeler(df, labels=LABELS, kind="multi", store=store_path, suggester=lw.FromColumn("guess"))
    accepted = labeler.accept()
    assert accepted.action == "accepted" and df.loc["t0", "label"] == ["urgent", "billing"]
    assert df.loc["t0", "suggestion"] == ["urgent", "billing"]
    # the same set in another order is the suggestion: accepted, not corrected
    same = labeler.label(["outage"])
    assert same.action == "accepted"
    corrected = labeler.label(["billing"])  # suggested "Billing, URGENT" (near misses mapped): a correction
    assert corrected.action == "corrected" and corrected.suggestion == '["billing","urgent"]'
    assert df.loc["t2", "suggestion"] == ["urgent", "billing"]
    suggestion = labeler.suggestion
    assert suggestion is not None and not suggestion.valid and "refund" in (suggestion.error or "")
    with pytest.raises(InputError, match="invalid"):
        labeler.accept()
    labeled = labeler.label(["urgent"])
    assert labeled.action == "labeled" and labeled.suggestion is None  # an invalid suggestion is never written
    labeler.close()


def test_going_back_and_choosing_another_answer_is_a_revision_that_keeps_the_old_one(store_path):
    df = frame()
    labeler = lw.Labeler(df, labels=LABELS, kind="multi", store=store_path)
    for answer in (["urgent"], ["billing"], ["outage"], []):
        labeler.label(answer)
    labeler.goto(1)
    revised = labeler.label(["billing", "outage"])
    assert revised.action == "revised" and revised.previous_label == '["billing"]'
    assert df.loc["t1", "label"] == ["billing", "outage"] and df.loc["t1", "decision"] == "revised"
    assert labeler.position == 2  # review mode: the next item in order, not the first undecided (4)
    assert labeler.stats["labeled"] == 3 and labeler.stats["revised"] == 1


def test_single_label_going_back_is_a_revision_and_review_moves_in_order(store_path):
    df = frame()
    labeler = lw.Labeler(df, labels=["ham", "spam"], store=store_path)
    for label in ("ham", "spam", "ham", "spam"):
        labeler.label(label)
    labeler.goto(0)
    revised = labeler.label("spam")
    assert revised.action == "revised" and revised.previous_label == "ham"
    assert labeler.position == 1
    kept = labeler.skip()  # a skip in review leaves the item as it is
    assert kept.action == "labeled" and kept.label == "spam"
    assert df.loc["t1", "decision"] == "labeled" and labeler.position == 2
    unchanged = labeler.label("ham")  # the same answer again changes nothing
    assert unchanged.action == "labeled" and labeler.position == 3
    assert labeler.decisions["action"].tolist() == ["labeled"] * 4 + ["revised"]


def test_label_with_nothing_left_raises_and_names_relabel(store_path):
    df = frame(2)
    labeler = lw.Labeler(df, labels=["ham", "spam"], store=store_path)
    labeler.label("ham")
    labeler.label("spam")
    with pytest.raises(InputError, match=r"nothing left to label.*relabel"):
        labeler.label("ham")
    assert df["label"].tolist() == ["ham", "spam"] and len(labeler.decisions) == 2
    labeler.relabel("t1", "ham")
    assert df.loc["t1", "label"] == "ham"


def test_a_skipped_item_answered_later_is_a_first_answer_not_a_revision(store_path):
    labeler = lw.Labeler(frame(3), labels=["ham", "spam"], store=store_path)
    labeler.skip()
    labeler.goto(0)
    event = labeler.label("spam")
    assert event.action == "labeled" and event.previous_label is None


def test_the_event_log_shows_sets_as_lists(store_path):
    labeler = lw.Labeler(frame(), labels=LABELS, kind="multi", store=store_path)
    labeler.label(["outage", "urgent"])
    labeler.relabel("t0", [])
    log = labeler.decisions
    assert log["label"].tolist() == [["urgent", "outage"], []]
    assert log["previous_label"].iloc[1] == ["urgent", "outage"]
    assert log["label"].iloc[0] is not log["label"].iloc[1]


class Recording:
    """A suggester that learns: records every example it is taught, suggests nothing useful."""

    name = "recording"

    def __init__(self, label_column: str | None = None) -> None:
        self.label_column = label_column
        self.taught: list[tuple[str, str | None]] = []

    def learn(self, examples) -> None:
        self.taught.extend((e.key, e.label) for e in examples)

    def suggest(self, items, labels):
        return [lw.Suggestion(label=[]) for _ in items]


def test_a_learner_is_taught_sets_from_known_lists_restored_answers_and_each_change(store_path):
    df = frame(4)
    df["expert"] = [["outage"], None, '["billing", "urgent"]', None]
    first = lw.Labeler(df.copy(), labels=LABELS, kind="multi", store=store_path, annotator="ana")
    first.goto(1)
    first.label(["urgent"])
    first.close()
    learner = Recording(label_column="expert")
    labeler = lw.Labeler(df, labels=LABELS, kind="multi", store=store_path, annotator="ana", suggester=learner)
    assert sorted(learner.taught) == [('"t0"', '["outage"]'), ('"t1"', '["urgent"]'), ('"t2"', '["billing","urgent"]')]
    learner.taught.clear()
    labeler.goto(3)
    labeler.label([])
    labeler.undo()
    assert learner.taught == [('"t3"', "[]"), ('"t3"', None)]
    labeler.close()
    df["expert"] = [["outage", "refund"], None, None, None]
    with pytest.raises(InputError, match=r"not labels: \[\"\['outage', 'refund'\]\"\]"):
        lw.Labeler(df, labels=LABELS, kind="multi", store=store_path, suggester=Recording(label_column="expert"))


def test_sets_another_annotator_wrote_into_the_dataframe_are_kept_as_lists(store_path):
    df = frame(4)
    ana = lw.Labeler(df, labels=LABELS, kind="multi", store=store_path, annotator="ana")
    ana.label(["billing"])
    ana.label([])
    with pytest.warns(UserWarning, match="hold 2 decision"):
        ben = lw.Labeler(df, labels=LABELS, kind="multi", store=store_path, annotator="ben")
    assert df.loc["t0", "label"] == ["billing"] and df.loc["t1", "label"] == []
    ben.goto(2)
    ben.label(["urgent", "outage"])
    assert df.loc["t2", "label"] == ["urgent", "outage"] and df.loc["t0", "label"] == ["billing"]
    ben.close()


def test_one_boolean_column_per_label_follows_every_answer_and_restore(store_path):
    df = frame(4)
    columns = {"per_label": "is_{label}"}
    labeler = lw.Labeler(df, labels=LABELS, kind="multi", store=store_path, annotator="ana", columns=columns)
    labeler.label(["billing", "urgent"])
    labeler.label([])
    labeler.skip()
    expected = {
        "is_urgent": [True, False, pd.NA, pd.NA],
        "is_billing": [True, False, pd.NA, pd.NA],
        "is_outage": [False, False, pd.NA, pd.NA],
    }
    for column, values in expected.items():
        assert str(df[column].dtype) == "boolean"
        assert df[column].tolist() == values
    labeler.undo()
    labeler.undo()
    assert df["is_billing"].tolist() == [True, pd.NA, pd.NA, pd.NA]
    labeler.close()
    again = frame(4)
    lw.Labeler(again, labels=LABELS, kind="multi", store=store_path, annotator="ana", columns=columns).close()
    assert again["is_billing"].tolist() == [True, pd.NA, pd.NA, pd.NA]
    assert again["is_outage"].tolist() == [False, pd.NA, pd.NA, pd.NA]


def test_per_label_columns_for_one_label_per_item_and_bad_patterns(store_path):
    df = frame(3)
    labeler = lw.Labeler(df, labels=["ham", "spam"], store=store_path, columns={"per_label": "{label}?"})
    labeler.label("spam")
    assert df["spam?"].tolist() == [True, pd.NA, pd.NA] and df["ham?"].tolist() == [False, pd.NA, pd.NA]
    labeler.close()
    with pytest.raises(InputError, match=r"pattern with \{label\}"):
        lw.Labeler(frame(3), labels=LABELS, kind="multi", store=None, columns={"per_label": "flag"})
    clashing = frame(3).assign(is_urgent=1)
    with pytest.raises(InputError, match=r"already has column\(s\) \['is_urgent'\]"):
        lw.Labeler(clashing, labels=LABELS, kind="multi", store=None, columns={"per_label": "is_{label}"})
