"""The result columns in the user's DataFrame: blank columns that share one array until settled (first show).

In a kernel, a Labeler's all-missing result columns are read-only views of one blank value per kind until the cell
has finished (`ResultColumns.attach(blank_shared=True)`, pandas' copy-on-write); these tests pin that the values
and types are the same as with a copy each, that no write ever shows through another column or a Series the user
holds, that no write, by the labeler or by the person's own code, before or after settling, meets a read-only
array, that settling gives every column its own values, and that NumPy's huge-page setting is put back.
"""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest
from test_package import _in_kernel

import labelwidgets as lw
from labelwidgets.decision import Decision
from labelwidgets.session.results import RESULT_FIELDS, ResultColumns
from labelwidgets.session.session import LabelingSession


def texts(n: int) -> pd.DataFrame:
    return pd.DataFrame({"text": [f"message {i}" for i in range(n)]})


def backing(series: pd.Series) -> np.ndarray:
    return np.asarray(series.array._ndarray if hasattr(series.array, "_ndarray") else series.to_numpy())


def sharing(df: pd.DataFrame, names: list[str]) -> set[tuple[str, str]]:
    pairs = set()
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if np.shares_memory(backing(df[a]), backing(df[b])):
                pairs.add((a, b))
    return pairs


def decision(label: str, action: str = "labeled") -> Decision:
    return Decision(
        item_key="k", action=action, label=label, annotator="ana", decided_at=datetime.now(timezone.utc),
        suggestion="ham", confidence=0.75, seconds=1.5,
    )  # fmt: skip


def test_blank_columns_share_one_array_per_kind_until_settled_and_no_write_shows_through():
    df = texts(1_000)
    columns = ResultColumns.plan(df)
    columns.attach(blank_shared=True)
    texts_ = ["label", "decision", "suggestion", "annotator"]
    assert sharing(df, texts_) == {(a, b) for i, a in enumerate(texts_) for b in texts_[i + 1 :]}
    assert sharing(df, ["confidence", "seconds"]) == {("confidence", "seconds")}
    held = df["decision"]  # a Series the user took before the first decision
    columns.write(3, decision("spam"))
    assert df["label"].iat[3] == "spam" and df["decision"].iat[3] == "labeled" and df["suggestion"].iat[3] == "ham"
    assert df["annotator"].iat[3] == "ana" and df["confidence"].iat[3] == 0.75 and df["seconds"].iat[3] == 1.5
    assert held.isna().all()  # never written through
    assert df.drop(index=3)[list(RESULT_FIELDS)].isna().all().all()
    columns.settle()
    assert sharing(df, [*texts_, "confidence", "seconds"]) == set()
    columns.write(4, decision("ham", "accepted"))
    assert df["label"].iloc[3:5].tolist() == ["spam", "ham"]
    assert df["decision"].iloc[3:5].tolist() == ["labeled", "accepted"]


def test_blank_columns_take_no_memory_and_have_the_types_of_full_ones():
    shared, full = texts(100_000), texts(100_000)
    ResultColumns.plan(shared).attach(blank_shared=True)
    ResultColumns.plan(full).attach()
    assert shared.dtypes.to_dict() == full.dtypes.to_dict()
    pd.testing.assert_frame_equal(shared, full)
    for name in RESULT_FIELDS:
        assert backing(shared[name]).strides == (0,), name  # one value seen 100,000 times
        assert backing(full[name]).strides != (0,), name


def test_the_persons_own_writes_work_before_and_after_settling():
    df = texts(1_000)
    columns = ResultColumns.plan(df)
    columns.attach(blank_shared=True)
    held = {name: df[name] for name in RESULT_FIELDS}  # Series taken from the columns before anything is written
    when = pd.Timestamp("2026-01-02 03:04:05", tz="UTC")
    df.loc[2, "label"] = "mine"
    df.loc[2, "confidence"] = 0.25
    df.loc[2, "decided_at"] = when
    df["seconds"] = df["seconds"].fillna(0.0)
    columns.settle()
    df.loc[5, "annotator"] = "me"
    for name, series in held.items():  # writes into a held Series: copied first, never into the df or a read-only view
        series.iloc[7] = when if name == "decided_at" else (1.0 if name in ("confidence", "seconds") else "held")
    assert df.loc[2, "label"] == "mine" and df.loc[2, "confidence"] == 0.25 and df.loc[2, "decided_at"] == when
    assert df["seconds"].eq(0.0).all() and df.loc[5, "annotator"] == "me"
    untouched = df.drop(index=[2, 5])[["label", "decision", "suggestion", "annotator", "confidence", "decided_at"]]
    assert untouched.isna().all().all()
    assert held["label"].iloc[7] == "held" and held["label"].iloc[:7].isna().all()
    for name in RESULT_FIELDS:
        assert backing(df[name]).flags.writeable and backing(df[name]).strides != (0,), name


def test_a_closed_labelers_blank_columns_can_be_written_and_are_settled(store_path):
    df = texts(500)
    labeler = lw.Labeler(df, labels=["ham", "spam"], store=store_path, annotator="ana")
    labeler.session._results.attach(blank_shared=True)  # as in a kernel, before the cell has finished
    session = labeler.session
    labeler.close()
    del labeler
    df.loc[3, "label"] = "spam"  # the person's own edit after the Labeler is gone
    assert df["label"].notna().sum() == 1
    session.settle_results()  # the kernel's callback still runs after a close
    assert all(backing(df[name]).strides != (0,) for name in RESULT_FIELDS)


def test_a_session_with_blank_columns_deferred_writes_what_one_without_writes(store_path, tmp_path):
    frames = []
    for defer, store in ((False, store_path), (True, tmp_path / "other.db")):
        df = texts(50)
        session = LabelingSession(df, text="text", labels=["ham", "spam"], store=store, annotator="ana",
                                  defer_blank_copies=defer)  # fmt: skip
        for intent, label in [("label", "spam"), ("label", "ham"), ("skip", None), ("label", "spam")]:
            session.decide(intent, label)
        session.undo()
        session.relabel(0, "ham")  # the index value of the first row
        session.settle_results()
        session.close()
        frames.append(df)
    plain, deferred = frames
    pd.testing.assert_frame_equal(
        plain.drop(columns=["decided_at", "seconds"]), deferred.drop(columns=["decided_at", "seconds"])
    )
    for column in ("decided_at", "seconds"):
        assert plain[column].dtype == deferred[column].dtype
        assert (plain[column].isna() == deferred[column].isna()).all()
    assert plain["label"].iloc[:3].tolist() == ["ham", "ham", pd.NA]


def test_in_a_kernel_the_blank_columns_are_copied_once_the_cell_is_done(tmp_path):
    make = (
        "import time, numpy as np, pandas as pd, labelwidgets as lw\n"
        "df = pd.DataFrame({'text': [f'item {i}' for i in range(20_000)]})\n"
        "labeler = lw.Labeler(df, labels=['x', 'y'], store=None)\n"
        "same = lambda a, b: np.shares_memory(df[a].array._ndarray, df[b].array._ndarray)\n"
        "print(same('label', 'decision'), same('label', 'annotator'))"
    )
    later = (
        "time.sleep(0.6)\n"  # the settling runs on the kernel's loop between cells, after 0.25 s
        "print(same('label', 'decision'), same('label', 'annotator'), same('confidence', 'seconds'))"
    )
    after_next_cell = (
        "print(same('label', 'decision'), same('confidence', 'seconds'))\n"
        "labeler.label('y')\n"
        "print(df['label'].iloc[:2].tolist(), df['decision'].iloc[:2].tolist(), int(df['label'].notna().sum()))"
    )
    made, _, settled = _in_kernel(tmp_path, [make, later, after_next_cell])
    assert made == "True True"  # not copied while the cell that shows the Labeler runs
    assert settled.splitlines() == ["False False", "['y', <NA>] ['labeled', <NA>] 1"]


def test_numpys_huge_page_setting_is_put_back():
    toggle = getattr(np._core.multiarray, "_set_madvise_hugepage", None)
    if toggle is None:
        pytest.fail("this NumPy has no _set_madvise_hugepage: look at labelwidgets.session.results again")
    before = toggle(True)
    try:
        for setting in (True, False):
            toggle(setting)
            labeler = lw.Labeler(texts(5_000), labels=["ham", "spam"], store=None)
            labeler.close()
            assert toggle(setting) is setting  # as it was before the Labeler
    finally:
        toggle(before)


def test_result_columns_work_whatever_pandas_default_string_storage_is():
    """With pyarrow installed pandas 3 defaults to pyarrow-backed text; the result columns keep python storage (one
    cell written in O(1)) and say so in their dtype, so pandas' own methods work on them (isin raised before)."""
    import pandas as pd

    import labelwidgets as lw

    with pd.option_context("mode.string_storage", "pyarrow"):
        df = pd.DataFrame({"text": ["a", "b", "c"]})
        labeler = lw.Labeler(df, labels=["x", "y"], store=None)
        labeler.label("x")
        labeler.session.settle_results()
        labeler.label("y")
        assert df["decision"].isin(["labeled"]).tolist() == [True, True, False]
        assert df["label"].dtype.storage == "python"
        assert df["label"].eq("y").fillna(False).tolist() == [False, True, False]
