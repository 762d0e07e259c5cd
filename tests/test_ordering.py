"""Labeling order and blind checks: where human time goes, and how much suggestions sway people."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import labelwidgets as lw
from labelwidgets.session.ordering import by_disagreement, by_uncertainty, stratified


def frame(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {
            "text": [f"text {i}" for i in range(n)],
            "guess": rng.choice(["a", "b"], n),
            "p": rng.random(n),
            "m1": rng.choice(["a", "b"], n),
            "m2": rng.choice(["a", "b"], n),
            "m3": rng.choice(["a", "b"], n),
            "source": ["web"] * (n - 4) + ["sms"] * 4,
        }
    )


def walk(labeler: lw.Labeler) -> list[int]:
    seen = []
    for _ in range(len(labeler.df)):
        seen.append(int(labeler.current.name))
        labeler.skip()
    return seen


def test_uncertain_order_puts_the_lowest_confidence_first(store_path):
    df = frame()
    labeler = lw.Labeler(df, labels=["a", "b"], store=store_path, suggester=lw.FromColumn("guess", confidence="p"),
                         order="uncertain")  # fmt: skip
    seen = walk(labeler)
    assert seen == list(df["p"].sort_values().index)
    assert labeler.order_info["order"] == "uncertain"
    assert labeler.session.store.sessions()[0]["order"] == "uncertain"  # recorded in the store
    labeler.close()


def test_uncertain_order_without_confidences_says_what_to_do():
    with pytest.raises(lw.InputError, match=r"lw\.suggest"):
        lw.Labeler(frame(), labels=["a", "b"], store=None, order="uncertain")


def test_missing_confidence_counts_as_most_uncertain():
    order = by_uncertainty(pd.Series([0.9, None, 0.1, np.nan]))
    assert set(order[:2]) == {1, 3} and list(order[2:]) == [2, 0]


def test_disagreement_order_puts_split_votes_first(store_path):
    df = frame()
    labeler = lw.Labeler(df, labels=["a", "b"], store=store_path, order="disagreement", order_by=["m1", "m2", "m3"])
    seen = walk(labeler)
    unanimous = df[["m1", "m2", "m3"]].nunique(axis=1) == 1
    first_unanimous = seen.index(next(i for i in seen if unanimous[i]))
    assert not unanimous[seen[:first_unanimous]].any() and unanimous[seen[first_unanimous:]].all()
    with pytest.raises(lw.InputError, match="two suggestion columns"):
        by_disagreement(df[["m1"]])


def test_stratified_order_brings_every_stratum_early():
    df = frame()
    order = stratified(df["source"], seed=1)
    assert sorted(order) == list(range(len(df)))
    sms_positions = [i for i, row in enumerate(order) if df["source"].iloc[row] == "sms"]
    assert sms_positions[0] < 12  # 4 of 40 rows: one of them comes within the first ~10
    assert np.diff(sms_positions).min() > 3  # spread out, not bunched


def test_random_order_is_reproducible(store_path):
    one = walk(lw.Labeler(frame(), labels=["a", "b"], store=None, order="random", seed=5))
    two = walk(lw.Labeler(frame(), labels=["a", "b"], store=None, order="random", seed=5))
    assert one == two and one != sorted(one)


def test_bad_order_arguments():
    with pytest.raises(lw.InputError, match="not known"):
        lw.Labeler(frame(), labels=["a", "b"], store=None, order="smart")
    with pytest.raises(lw.InputError, match="do not exist"):
        lw.Labeler(frame(), labels=["a", "b"], store=None, order="stratified", order_by="nope")
    with pytest.raises(lw.InputError, match="exactly once"):
        lw.Labeler(frame(4), labels=["a", "b"], store=None, order=[0, 0, 1, 2])
    with pytest.raises(lw.InputError, match="blind"):
        lw.Labeler(frame(), labels=["a", "b"], store=None, blind=1.5)


def test_blind_items_hide_the_suggestion_and_record_it(store_path):
    df = frame(200)
    labeler = lw.Labeler(df, labels=["a", "b"], store=store_path, suggester=lw.FromColumn("guess"), blind=0.2)
    blind_rows = [r for r in range(200) if labeler.session.is_blind(r)]
    assert 20 <= len(blind_rows) <= 60  # about 20% of 200
    first_blind = blind_rows[0]
    labeler.goto(first_blind)
    payload = labeler.widget.item_payload(first_blind)
    assert payload["suggestion_status"] == "hidden" and payload["suggestion"] is None
    with pytest.raises(lw.InputError, match="blind check"):
        labeler.accept()
    event = labeler.label(df["guess"].iloc[first_blind])
    assert event.action == "labeled" and event.suggestion_visible is False
    assert event.suggestion == df["guess"].iloc[first_blind]  # kept, for agreement split by visibility
    again = lw.Labeler(frame(200), labels=["a", "b"], store=store_path, suggester=lw.FromColumn("guess"), blind=0.2)
    assert [r for r in range(200) if again.session.is_blind(r)] == blind_rows  # stable across restarts
    labeler.close()
    again.close()


def test_a_bad_order_leaves_the_dataframe_and_store_untouched(tmp_path):
    df = frame()
    columns = list(df.columns)
    with pytest.raises(lw.InputError):
        lw.Labeler(df, labels=["a", "b"], store=tmp_path / "s.db", order="smart")
    assert list(df.columns) == columns and not (tmp_path / "s.db").exists()


def spread_one_row_at_a_time(values: pd.DataFrame) -> np.ndarray:
    """The definition, row by row: 1 - share of the most common suggestion; no suggestion at all counts as 1."""
    out = np.ones(len(values))
    for i, row in enumerate(values.astype(object).to_numpy()):
        present = [v for v in row if not pd.isna(v)]
        if present:
            out[i] = 1 - pd.Series(present).value_counts().iloc[0] / len(present)
    return out


@pytest.mark.parametrize("columns", [2, 3, 5])
def test_disagreement_order_matches_its_definition_row_by_row(columns):
    rng = np.random.default_rng(columns)
    values = pd.DataFrame(
        {f"m{j}": rng.choice(np.array(["a", "b", "c", None], dtype=object), 300, p=[0.4, 0.3, 0.2, 0.1])
         for j in range(columns)}
    )  # fmt: skip
    values.iloc[:5] = None  # rows with no suggestion at all
    order = by_disagreement(values, seed=2)
    assert sorted(order) == list(range(300))
    spread = spread_one_row_at_a_time(values)
    assert np.all(np.diff(spread[order]) <= 1e-12)  # most disagreement first, every row in its place
    assert np.allclose(np.sort(spread)[::-1], spread[order])


def test_stratified_order_with_many_strata_covers_every_row_once():
    groups = pd.Series(np.arange(5000) % 1700)  # many small strata, the case a loop per stratum is slow for
    order = stratified(groups, seed=3)
    assert sorted(order) == list(range(5000))
    first_round = order[:1700]
    assert len(set(groups.iloc[first_round])) > 1000  # the strata take turns


def test_uncertain_order_reads_numbers_given_as_text():
    order = by_uncertainty(pd.Series(["0.9", "0.2", None, "x"], dtype=object))
    assert set(order[:2]) == {2, 3} and list(order[2:]) == [1, 0]
