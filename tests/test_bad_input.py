"""Every bad input gets an error that says what is wrong and what to do, before anything changes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import labelwidgets as lw
from labelwidgets.labels import LabelSet


def frame() -> pd.DataFrame:
    return pd.DataFrame({"text": ["a", "b", "c"]})


def test_not_a_dataframe():
    with pytest.raises(lw.InputError, match="expected a pandas DataFrame"):
        lw.Labeler(["a", "b"], labels=["x"], store=None)  # type: ignore[arg-type]


def test_empty_dataframe():
    with pytest.raises(lw.InputError, match="empty"):
        lw.Labeler(pd.DataFrame({"text": []}), labels=["x"], store=None)


def test_missing_text_column_lists_the_columns_that_exist():
    with pytest.raises(lw.InputError, match=r"no column 'body'.*\['text'\]"):
        lw.Labeler(frame(), text="body", labels=["x"], store=None)


@pytest.mark.parametrize("labels", [[], ["a", "a"], "spam", ["a", ""], ["a", 3]])
def test_bad_label_lists(labels):
    with pytest.raises(lw.InputError, match="label"):
        lw.Labeler(frame(), labels=labels, store=None)


def test_duplicate_keys_are_named():
    df = pd.DataFrame({"text": ["a", "b", "c"]}, index=[1, 1, 2])
    with pytest.raises(lw.InputError, match=r"duplicate values \(for example \[1\]\).*key="):
        lw.Labeler(df, labels=["x"], store=None)
    df2 = pd.DataFrame({"id": [5, 5, 6], "text": ["a", "b", "c"]})
    with pytest.raises(lw.InputError, match="key column 'id' has duplicate"):
        lw.Labeler(df2, labels=["x"], key="id", store=None)
    with pytest.raises(lw.InputError, match="key='nope' is not a column"):
        lw.Labeler(df2, labels=["x"], key="nope", store=None)


def test_result_column_clash_names_it_and_how_to_rename(tmp_path):
    df = pd.DataFrame({"text": ["a"], "label": ["mine"]})
    with pytest.raises(lw.InputError, match=r"already has column\(s\) \['label'\].*columns=\{'label': 'my_label'\}"):
        lw.Labeler(df, labels=["x"], store=tmp_path / "s.db")
    assert list(df.columns) == ["text", "label"]  # nothing was added
    assert not (tmp_path / "s.db").exists()  # nor any store created
    labeler = lw.Labeler(df, labels=["x"], store=None, columns={"label": "my_label"})
    labeler.label("x")
    assert df["label"].iloc[0] == "mine" and df["my_label"].iloc[0] == "x"


def test_unknown_result_field_in_columns():
    with pytest.raises(lw.InputError, match="unknown result fields"):
        lw.Labeler(frame(), labels=["x"], store=None, columns={"lable": "y"})


def test_missing_and_non_string_text_stay_labelable():
    df = pd.DataFrame({"text": [None, np.nan, 42, "ok"]})
    labeler = lw.Labeler(df, labels=["x"], store=None)
    payloads = [labeler.widget.item_payload(i) for i in range(4)]
    assert [p["text"] for p in payloads] == [None, None, "42", "ok"]
    for _ in range(4):
        labeler.label("x")
    assert (df["label"] == "x").all()


def test_more_labels_than_keys_fall_back_to_the_picker():
    labels = LabelSet.parse([f"intent_{i}" for i in range(77)])
    keys = [label.key for label in labels]
    assert keys[:9] == list("123456789")
    assert not {"a", "x", "z"} & set(keys)
    assert keys.count(None) == 77 - len([k for k in keys if k])
    assert len({k for k in keys if k}) == len([k for k in keys if k])


def test_store_in_a_missing_folder(tmp_path):
    with pytest.raises(lw.StoreError, match=r"does not exist.*makedirs"):
        lw.Labeler(frame(), labels=["x"], store=tmp_path / "nope" / "labels.db")


def test_store_path_that_is_a_folder(tmp_path):
    with pytest.raises(lw.StoreError, match="is a folder"):
        lw.Labeler(frame(), labels=["x"], store=tmp_path)


def test_read_only_store_fails_before_labeling_starts(tmp_path):
    path = tmp_path / "ro.db"
    lw.Labeler(frame(), labels=["x"], store=path)  # create it
    df = frame()
    with pytest.raises(lw.StoreError, match="read-only"):
        lw.Labeler(df, labels=["x"], store=f"sqlite:///file:{path}?mode=ro&uri=true")
    assert "label" not in df.columns


def test_a_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("my notes, not a database\n" * 100)
    with pytest.raises(lw.StoreError, match="not a SQLite database"):
        lw.Labeler(frame(), labels=["x"], store=path)
    assert path.read_text().startswith("my notes")


def test_store_for_a_different_label_set(tmp_path):
    path = tmp_path / "s.db"
    lw.Labeler(frame(), labels=["ham", "spam"], store=path)
    with pytest.raises(lw.StoreError, match=r"created for the labels \['ham', 'spam'\].*labels-v2.db"):
        lw.Labeler(frame(), labels=["pos", "neg"], store=path)
    lw.Labeler(frame(), labels=["ham", "spam", "unsure"], store=path)  # adding at the end is fine
    lw.Labeler(frame(), labels=["spam", "ham", "unsure"], store=path)  # so is another order


def test_unknown_label_in_python_api(store_path):
    labeler = lw.Labeler(frame(), labels=["ham", "spam"], store=store_path)
    with pytest.raises(lw.InputError, match=r"'eggs' is not one of the labels \['ham', 'spam'\]"):
        labeler.label("eggs")
    assert labeler.stats["decided"] == 0


def test_accept_without_a_suggester(store_path):
    labeler = lw.Labeler(frame(), labels=["ham"], store=store_path)
    with pytest.raises(lw.InputError, match="no suggester is attached"):
        labeler.accept()


def test_show_names_a_missing_column():
    with pytest.raises(lw.InputError, match=r"show= names columns that do not exist: \['sender'\]"):
        lw.Labeler(frame(), labels=["x"], store=None, show=["sender"])


def test_very_long_text_is_sent_in_part_first():
    from labelwidgets.widgets.labeler import PREVIEW_CHARS

    df = pd.DataFrame({"text": ["word " * 400_000]})
    labeler = lw.Labeler(df, labels=["x"], store=None)
    item = labeler.widget.item_payload(0)
    assert len(item["text"]) == PREVIEW_CHARS and item["length"] == 2_000_000
