"""`Labeler.relabel`: the public way to change an item that already has a decision."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import labelwidgets as lw


def frame(n: int = 5) -> pd.DataFrame:
    df = pd.DataFrame({"text": [f"message {i}" for i in range(n)]}, index=[f"m{i}" for i in range(n)])
    df["guess"] = ["spam", "ham"] * (n // 2) + ["spam"] * (n % 2)
    df["p"] = np.linspace(0.5, 0.9, n)
    return df


def test_relabel_is_a_revision_not_an_acceptance(store_path):
    df = frame()
    labeler = lw.Labeler(df, labels=["ham", "spam"], store=store_path, suggester=lw.FromColumn("guess", confidence="p"))
    accepted = labeler.accept()  # m0: the suggestion "spam" accepted
    labeler.label("spam")  # m1: suggested "ham", corrected to "spam"
    assert labeler.position == 2
    event = labeler.relabel("m0", "ham", note="on review")
    assert event.action == "revised" and event.label == "ham" and event.previous_label == "spam"
    assert event.suggestion == "spam" and event.confidence == accepted.confidence  # still paired with the suggestion
    assert event.note == "on review" and event.item_key == accepted.item_key
    assert labeler.position == 2  # the cursor stays where the person is
    assert df.loc["m0", "label"] == "ham" and df.loc["m0", "decision"] == "revised"
    stats = labeler.stats
    assert stats["revised"] == 1 and stats["accepted"] == 0 and stats["corrected"] == 1 and stats["decided"] == 2
    log = labeler.decisions
    assert list(log["action"]) == ["accepted", "corrected", "revised"]
    assert log["previous_label"].iloc[2] == "spam"
    labeler.close()


def test_undo_reverts_a_relabel_like_any_decision(store_path):
    df = frame()
    labeler = lw.Labeler(df, labels=["ham", "spam"], store=store_path)
    labeler.label("ham")
    labeler.label("spam")
    labeler.relabel("m0", "spam")
    assert labeler.session.undo_target() == 0
    undo = labeler.undo()
    assert undo is not None and undo.action == "undo"
    assert df.loc["m0", "label"] == "ham" and df.loc["m0", "decision"] == "labeled"
    assert labeler.stats["revised"] == 0 and labeler.stats["labeled"] == 2
    assert labeler.position == 0  # undo shows the item it reverted


def test_a_relabel_survives_a_restart_and_can_be_undone_after_it(store_path):
    lab = lw.Labeler(frame(), labels=["ham", "spam"], store=store_path, annotator="ana")
    lab.label("ham")
    lab.relabel("m0", "spam")
    lab.close()
    df = frame()
    again = lw.Labeler(df, labels=["ham", "spam"], store=store_path, annotator="ana")
    assert df.loc["m0", "label"] == "spam" and df.loc["m0", "decision"] == "revised"
    assert again.stats["revised"] == 1
    again.undo()
    assert df.loc["m0", "label"] == "ham"


def test_relabel_of_an_item_never_decided_says_to_label_it(store_path):
    labeler = lw.Labeler(frame(), labels=["ham", "spam"], store=store_path)
    labeler.label("ham")
    with pytest.raises(lw.InputError, match=r"'m3' has no decision to revise.*goto\(3\).*label\('spam'\)"):
        labeler.relabel("m3", "spam")
    labeler.undo()
    with pytest.raises(lw.InputError, match="no decision to revise"):
        labeler.relabel("m0", "spam")  # undone: no decision any more
    assert len(labeler.decisions) == 2  # nothing was written


def test_relabel_checks_the_label_and_the_key(store_path):
    labeler = lw.Labeler(frame(), labels=["ham", "spam"], store=store_path)
    labeler.label("ham")
    with pytest.raises(lw.InputError, match=r"'eggs' is not one of the labels \['ham', 'spam'\]"):
        labeler.relabel("m0", "eggs")
    with pytest.raises(lw.InputError, match=r"'nope' is not an item of this labeler.*index"):
        labeler.relabel("nope", "spam")
    assert labeler.relabel("m0", "ham").action == "labeled"  # already that label: nothing new is recorded
    assert len(labeler.decisions) == 1


def test_relabel_by_key_column_and_of_a_skipped_item(store_path):
    df = pd.DataFrame({"id": [10, 20, 30], "text": ["a", "b", "c"]})
    labeler = lw.Labeler(df, labels=["x", "y"], key="id", store=store_path)
    labeler.skip()
    event = labeler.relabel(10, "y")
    assert event.action == "revised" and event.previous_label is None
    assert df.loc[0, "label"] == "y"


def test_relabel_of_an_item_whose_text_changed_points_to_stale(store_path):
    lw.Labeler(frame(), labels=["ham", "spam"], store=store_path).label("ham")
    df = frame()
    df.loc["m0", "text"] = "edited"
    with pytest.warns(UserWarning, match="changed text"):
        labeler = lw.Labeler(df, labels=["ham", "spam"], store=store_path)
    with pytest.raises(lw.InputError, match=r"text changed.*labeler\.stale"):
        labeler.relabel("m0", "spam")
