"""Labeling orders for multi-label answers: per-label entropy first (uncertain), set difference first
(disagreement), each against a reference computed row by row here (SciPy's entropy, scikit-learn's Jaccard)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.stats import entropy
from sklearn.metrics import jaccard_score
from sklearn.preprocessing import MultiLabelBinarizer

import labelwidgets as lw
from labelwidgets.errors import InputError
from labelwidgets.session.ordering import by_disagreement, by_uncertainty, label_entropy, make_order, set_spread

LABELS = ["anger", "joy", "fear", "love"]


def sets(rng: np.random.Generator, n: int, missing: float = 0.1) -> pd.Series:
    """n answers as a Labeler's DataFrame holds them: lists in label order, [] included, None where missing."""
    drawn = rng.random((n, len(LABELS))) < 0.3
    cells: list[Any] = [[x for x, on in zip(LABELS, row, strict=True) if on] for row in drawn]
    for i in np.flatnonzero(rng.random(n) < missing):
        cells[i] = None
    return pd.Series(cells, dtype=object)


def probabilities(rng: np.random.Generator, n: int) -> pd.DataFrame:
    values = rng.random((n, len(LABELS)))
    values[rng.random(values.shape) < 0.05] = np.nan
    values[:3, 0] = [0.0, 1.0, 0.5]  # certain, certain, the most uncertain
    return pd.DataFrame(values, columns=[f"p_{x}" for x in LABELS])


def reference_entropy(row: np.ndarray) -> float:
    """Σ over labels of the binary entropy in bits (SciPy); a missing probability is 1 bit."""
    return float(sum(1.0 if np.isnan(p) else entropy([p, 1 - p], base=2) for p in row))


def test_label_entropy_equals_scipy_and_orders_most_uncertain_first() -> None:
    rng = np.random.default_rng(1)
    table = probabilities(rng, 400)
    expected = np.array([reference_entropy(row) for row in table.to_numpy()])
    np.testing.assert_allclose(label_entropy(table), expected, rtol=1e-12, atol=1e-12)
    order = make_order("uncertain", table, seed=3, order_by=list(table.columns))
    assert order is not None and sorted(order) == list(range(400))
    assert np.all(np.diff(expected[order]) <= 1e-12)  # most uncertain first, every row once
    with pytest.raises(InputError, match=r"\[0, 1\]"):
        label_entropy(pd.DataFrame({"p": [0.5, 1.5]}))


def test_per_label_probability_cells_order_by_entropy_and_a_set_confidence_lowest_first() -> None:
    rng = np.random.default_rng(2)
    table = probabilities(rng, 200)
    cells = pd.Series(
        [{x: p for x, p in zip(LABELS, row, strict=True) if not np.isnan(p)} for row in table.to_numpy()], dtype=object
    )
    cells[7] = None  # no probabilities at all: every label is unknown, the most uncertain row
    expected = np.array([reference_entropy(row) for row in table.to_numpy()])
    expected[7] = len(LABELS)
    order = by_uncertainty(cells, seed=1)
    assert order[0] == 7 and np.all(np.diff(expected[order]) <= 1e-12)
    # a plain number is the confidence in the whole set: lowest first, as for one label
    confidence = pd.Series(rng.random(200))
    np.testing.assert_array_equal(make_order("uncertain", table, confidence=confidence), np.argsort(confidence))
    with pytest.raises(InputError, match="mixes per-label probabilities"):
        by_uncertainty(pd.Series([{"joy": 0.2}, 0.5], dtype=object))


def reference_spread(frame: pd.DataFrame) -> np.ndarray:
    """Mean Jaccard distance over pairs of present suggestions, row by row (scikit-learn's Jaccard; 0 for two
    empty sets); 1 with no suggestion, 0 with one."""
    binarizer = MultiLabelBinarizer(classes=LABELS)
    out = np.empty(len(frame))
    for i, row in enumerate(frame.itertuples(index=False)):
        present = [binarizer.fit_transform([cell])[0] for cell in row if cell is not None]
        if len(present) < 2:
            out[i] = 1.0 if not present else 0.0
            continue
        distances = [1 - jaccard_score(a, b, zero_division=1) for k, a in enumerate(present) for b in present[k + 1 :]]
        out[i] = np.mean(distances)
    return out


@pytest.mark.parametrize("columns", [2, 3, 4])
def test_disagreement_is_the_mean_jaccard_distance_between_suggestion_columns(columns: int) -> None:
    rng = np.random.default_rng(columns)
    frame = pd.DataFrame({f"m{j}": sets(rng, 300) for j in range(columns)})
    frame.iloc[:4] = None  # no suggestion at all
    expected = reference_spread(frame)
    np.testing.assert_allclose(set_spread(frame), expected, rtol=1e-12, atol=1e-12)
    order = by_disagreement(frame, seed=2)
    assert sorted(order) == list(range(300))
    assert np.all(np.diff(expected[order]) <= 1e-12)  # most disagreement first
    assert (expected[:4] == 1).all() and set(order[:4]) <= set(np.flatnonzero(expected == 1))


def test_disagreement_refuses_a_column_mixing_lists_and_labels() -> None:
    frame = pd.DataFrame({"m1": pd.Series([["joy"], "joy", ["fear"]], dtype=object),
                          "m2": pd.Series([["joy"], [], []], dtype=object)})  # fmt: skip
    with pytest.raises(InputError, match=r"'m1' mixes lists of labels.*rows \[0, 2\].*'joy' \(rows \[1\]\)"):
        make_order("disagreement", frame, order_by=["m1", "m2"])
    single = pd.DataFrame({"m1": ["a", "b"], "m2": pd.Series([["a"], ["b"]], dtype=object)})
    with pytest.raises(InputError, match="different kinds of answer"):
        by_disagreement(single)


def test_a_multi_label_labeler_labels_in_these_orders(store_path) -> None:
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"text": [f"comment {i}" for i in range(30)], "m1": sets(rng, 30), "m2": sets(rng, 30)})
    df = pd.concat([df, probabilities(rng, 30)], axis=1)
    spread = reference_spread(df[["m1", "m2"]])
    fresh = df.copy()  # the second Labeler labels a DataFrame no Labeler wrote to
    labeler = lw.Labeler(df, labels=LABELS, kind="multi", store=None, order="disagreement", order_by=["m1", "m2"])
    seen = []
    for _ in range(len(df)):
        seen.append(int(labeler.current.name))
        labeler.label([])
    assert sorted(seen) == list(range(30)) and np.all(np.diff(spread[seen]) <= 1e-12)
    labeler.close()
    columns = [f"p_{x}" for x in LABELS]
    uncertain = lw.Labeler(fresh, labels=LABELS, kind="multi", store=None, order="uncertain", order_by=columns)
    expected = np.array([reference_entropy(row) for row in fresh[columns].to_numpy()])
    assert int(uncertain.current.name) == int(np.argmax(expected))
    uncertain.close()
