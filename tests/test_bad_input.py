"""Every bad input gets an error that says what is wrong and what to do, before anything changes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import labelwidgets as lw
from labelwidgets.labels import LabelSet
from labelwidgets.store.migrations import SCHEMA_VERSION


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
    with pytest.raises(
        lw.StoreError, match=r"created for the labels \['ham', 'spam'\].*its own store, for example store='my-task.db'"
    ):
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


V1_SCHEMA = """
CREATE TABLE lw_meta (key VARCHAR(64) NOT NULL PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE lw_events (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, item_key TEXT NOT NULL, action VARCHAR(16) NOT NULL,
    annotator TEXT NOT NULL, decided_at TEXT NOT NULL, label TEXT, suggestion TEXT, confidence FLOAT,
    suggestion_visible BOOLEAN, suggester TEXT, note TEXT, seconds FLOAT, text_hash VARCHAR(32), undoes INTEGER,
    session_id VARCHAR(64), client_id VARCHAR(64), client_seq INTEGER,
    CONSTRAINT lw_events_client_once UNIQUE (client_id, client_seq)
);
CREATE TABLE lw_sessions (session_id VARCHAR(64) NOT NULL PRIMARY KEY, annotator TEXT NOT NULL, info TEXT NOT NULL);
"""


def version_1_store(path, version: str = "1") -> None:
    """A store as labelwidgets wrote it before schema version 2: no previous_label column."""
    import sqlite3

    from labelwidgets.decision import text_hash

    with sqlite3.connect(path) as conn:
        conn.executescript(V1_SCHEMA)
        conn.execute("INSERT INTO lw_meta VALUES ('schema_version', ?), ('labels', '[\"x\", \"y\"]')", (version,))
        rows = [
            ("0", "accepted", "x", "x", 0.9, 1, None, text_hash("a")),
            ("1", "labeled", "y", None, None, None, None, text_hash("b")),
            ("2", "labeled", "x", None, None, None, None, text_hash("c")),
            ("2", "undo", "x", None, None, None, 3, text_hash("c")),
        ]
        conn.executemany(
            "INSERT INTO lw_events (item_key, action, annotator, decided_at, label, suggestion, confidence, "
            "suggestion_visible, undoes, text_hash) VALUES (?, ?, 'ana', '2024-05-01T10:00:00.000000+00:00', "
            "?, ?, ?, ?, ?, ?)",
            rows,
        )


def test_a_store_written_by_an_older_version_is_migrated(tmp_path):
    import sqlite3

    path = tmp_path / "old.db"
    version_1_store(path)
    df = frame()
    labeler = lw.Labeler(df, labels=["x", "y"], store=path, annotator="ana")
    assert list(df["label"].iloc[:2]) == ["x", "y"] and pd.isna(df["label"].iloc[2])  # every decision intact
    assert list(df["decision"].iloc[:2]) == ["accepted", "labeled"] and df["confidence"].iloc[0] == 0.9
    assert labeler.position == 2 and labeler.stats["decided"] == 2
    assert labeler.relabel(1, "x").previous_label == "y"  # the new column is there and written
    labeler.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM lw_meta WHERE key='schema_version'").fetchone() == (str(SCHEMA_VERSION),)
        assert conn.execute("SELECT count(*) FROM lw_events").fetchone() == (5,)


def test_a_store_from_a_newer_version_is_refused_and_left_alone(tmp_path):
    import sqlite3

    path = tmp_path / "new.db"
    version_1_store(path, version="99")
    df = frame()
    with pytest.raises(lw.StoreError, match=r"schema version 99, newer than this labelwidgets.*pip install -U"):
        lw.Labeler(df, labels=["x", "y"], store=path)
    assert "label" not in df.columns
    with sqlite3.connect(path) as conn:  # not migrated, not written
        assert conn.execute("SELECT value FROM lw_meta WHERE key='schema_version'").fetchone() == ("99",)
        assert "previous_label" not in {row[1] for row in conn.execute("PRAGMA table_info(lw_events)")}
        assert conn.execute("SELECT count(*) FROM lw_sessions").fetchone() == (0,)


def test_relabel_of_a_never_decided_item_and_close_twice():
    labeler = lw.Labeler(frame(), labels=["x"], store=None)
    with pytest.raises(lw.InputError, match="has no decision to revise"):
        labeler.relabel(0, "x")
    labeler.close()
    labeler.close()
    with pytest.raises(lw.LabelwidgetsError, match="closed"):
        labeler.relabel(0, "x")
