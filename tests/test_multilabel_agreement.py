"""Multi-label answers through lw.agreement, lw.confusion, lw.calibration, RunningAgreement and drift: every number
equal to scikit-learn (and SciPy) computed here, on generated frames and on a replay of GoEmotions."""

from __future__ import annotations

import json
import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from running_helpers import apply_steps
from scipy.spatial.distance import jensenshannon
from sklearn.metrics import (
    accuracy_score,
    cohen_kappa_score,
    f1_score,
    hamming_loss,
    jaccard_score,
    multilabel_confusion_matrix,
    precision_recall_fscore_support,
)
from sklearn.preprocessing import MultiLabelBinarizer

import labelwidgets as lw
from labelwidgets.errors import InputError
from labelwidgets.metrics.calibration import expected_calibration_error
from labelwidgets.metrics.multilabel import per_label

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)
NAMES = ["anger", "joy", "fear", "love", "grief"]
DECISIONS = [None, "labeled", "accepted", "corrected", "rejected", "skipped"]
REVIEWED = ("accepted", "corrected", "rejected")
WHOLE = ("subset_accuracy", "jaccard", "hamming_loss", "micro_f1", "macro_f1")


# ---------------------------------------------------------------------------------------------------------------
# references, computed with scikit-learn from the frame


def column(values: list[Any]) -> pd.Series:
    return pd.Series(values, dtype=object)


def pair_rows(df: pd.DataFrame) -> pd.DataFrame:
    """The rows lw.agreement compares: a human answer and a suggestion, not skipped."""
    keep = df["label"].notna() & df["suggestion"].notna()
    if "decision" in df.columns:
        keep &= df["decision"].astype(object).ne("skipped")
    return df[keep]


def indicators(rows: pd.DataFrame, labels: list[str]) -> tuple[np.ndarray, np.ndarray]:
    binarizer = MultiLabelBinarizer(classes=labels)
    return binarizer.fit_transform(rows["label"]), binarizer.fit_transform(rows["suggestion"])


def sklearn_kappa(truth: np.ndarray, predicted: np.ndarray) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # it warns, and gives NaN, when both columns hold one and the same value
        return float(cohen_kappa_score(truth, predicted, labels=[0, 1], replace_undefined_by=np.nan))


def naive_ece(confidence: np.ndarray, correct: np.ndarray, n_bins: int = 10) -> float:
    known = np.isfinite(confidence)
    confidence, correct = confidence[known], correct[known]
    if not len(confidence):
        return math.nan
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    gaps = [abs(correct[bins == b].sum() - confidence[bins == b].sum()) for b in range(n_bins)]
    return float(sum(gaps) / len(confidence))


def reference(df: pd.DataFrame, labels: list[str]) -> dict[str, float]:
    """Every metric of lw.agreement on multi-label answers, from scikit-learn."""
    rows = pair_rows(df)
    decisions = df["decision"].astype(object) if "decision" in df.columns else pd.Series([], dtype=object)
    reviewed = decisions.isin(REVIEWED).sum()
    out = {"n": float(len(rows)), "accept_rate": (decisions == "accepted").sum() / reviewed if reviewed else math.nan}
    if not len(rows):
        return out
    truth, predicted = indicators(rows, labels)
    out.update({
        "subset_accuracy": accuracy_score(truth, predicted),
        "jaccard": jaccard_score(truth, predicted, average="samples", zero_division=1),
        "hamming_loss": hamming_loss(truth, predicted),
        "micro_f1": f1_score(truth, predicted, average="micro", zero_division=np.nan),
        "macro_f1": f1_score(truth, predicted, average="macro", zero_division=np.nan),
    })  # fmt: skip
    if "confidence" in df.columns:
        correct = (truth == predicted).all(axis=1)
        out["ece"] = naive_ece(pd.to_numeric(rows["confidence"]).to_numpy(dtype=float), correct)
    precision, recall, f1, _ = precision_recall_fscore_support(truth, predicted, average=None, zero_division=np.nan)
    for j, name in enumerate(labels):
        out[f"cohen_kappa[{name}]"] = sklearn_kappa(truth[:, j], predicted[:, j])
        out[f"precision[{name}]"] = precision[j]
        out[f"recall[{name}]"] = recall[j]
        out[f"f1[{name}]"] = f1[j]
    return out


def values_of(table: pd.DataFrame, group: Any = "all") -> dict[str, float]:
    rows = table[table["group"].map(lambda g: g == group)]
    return dict(zip(rows["metric"], rows["value"], strict=True))


def assert_numbers(ours: dict[str, float], expected: dict[str, float]) -> None:
    for metric, value in expected.items():
        assert ours[metric] == pytest.approx(value, rel=1e-12, abs=1e-15, nan_ok=True), metric


# ---------------------------------------------------------------------------------------------------------------
# generated frames


@st.composite
def label_sets(draw: st.DrawFn) -> list[str]:
    return draw(st.permutations(NAMES).map(lambda names: names[: draw(st.integers(2, 5))]))


def answers(labels: list[str]) -> st.SearchStrategy[Any]:
    """A set of names as a Labeler's DataFrame holds it (a list in label-set order), [] included, or None."""
    present = st.frozensets(st.sampled_from(labels)).map(lambda names: [x for x in labels if x in names])
    return st.one_of(st.none(), present, present, present)


@st.composite
def multi_frames(draw: st.DrawFn) -> tuple[pd.DataFrame, list[str]]:
    labels = draw(label_sets())
    n = draw(st.integers(1, 40))
    human = draw(st.lists(answers(labels), min_size=n, max_size=n))
    suggested = draw(st.lists(answers(labels), min_size=n, max_size=n))
    if all(a is None for a in human + suggested):
        human[0] = []  # at least one list: the frame holds multi-label answers
    decisions = draw(st.lists(st.sampled_from(DECISIONS), min_size=n, max_size=n))
    confidence = draw(st.lists(st.one_of(st.just(math.nan), st.floats(0, 1)), min_size=n, max_size=n))
    df = pd.DataFrame({"label": column(human), "suggestion": column(suggested), "decision": column(decisions),
                       "confidence": confidence})  # fmt: skip
    return df, labels


@given(multi_frames())
@SETTINGS
def test_agreement_on_multi_label_answers_equals_scikit_learn(drawn: tuple[pd.DataFrame, list[str]]) -> None:
    df, labels = drawn
    table = lw.agreement(df, labels=labels, n_boot=0)
    assert list(table.columns) == ["group", "metric", "value", "low", "high", "n", "interval", "note"]
    expected = reference(df, labels)
    metrics = list(table["metric"])
    assert metrics[:8] == ["n", "accept_rate", *WHOLE, "ece"]
    assert metrics[8:] == [f"{m}[{x}]" for x in labels for m in ("cohen_kappa", "precision", "recall", "f1")]
    ours = values_of(table)
    assert_numbers(ours, expected)
    if not expected["n"]:
        assert all(math.isnan(ours[m]) for m in WHOLE)
    # the label set's order moves no number
    shuffled = values_of(lw.agreement(df, labels=labels[::-1], n_boot=0))
    assert_numbers(shuffled, ours)


def test_agreement_defaults_to_the_names_seen_and_counts_what_it_leaves_out() -> None:
    df = pd.DataFrame({
        "label": column([["joy"], [], ["anger", "joy"], None, ["fear"]]),
        "suggestion": column([["joy"], [], ["joy"], ["joy"], None]),
        "decision": column(["accepted", "accepted", "corrected", None, "labeled"]),
    })  # fmt: skip
    table = lw.agreement(df, n_boot=0)
    labels = ["anger", "fear", "joy"]  # sorted, as for single labels
    assert [m for m in table["metric"] if m.startswith("f1[")] == [f"f1[{x}]" for x in labels]
    assert_numbers(values_of(table), reference(df, labels))
    n_row = table[table["metric"] == "n"].iloc[0]
    assert n_row["value"] == 3
    assert "1 not decided yet" in n_row["note"] and "1 without a valid suggestion" in n_row["note"]
    assert "none of these" in table.set_index("metric").loc["jaccard", "note"]  # [] == [] counts as full agreement


@given(multi_frames(), st.integers(0, 3))
@settings(max_examples=25, deadline=None, derandomize=True)
def test_by_groups_each_equal_scikit_learn_and_per_label(drawn: tuple[pd.DataFrame, list[str]], seed: int) -> None:
    df, labels = drawn
    df["batch"] = np.arange(len(df)) % 3
    table = lw.agreement(df, labels=labels, by="batch", n_boot=50, seed=seed)
    for group, frame in df.groupby("batch"):
        rows = table[table["group"] == group].set_index("metric")
        assert_numbers(rows["value"].to_dict(), reference(frame, labels))
        # each label's kappa, note and interval: multilabel.per_label's on the group's pairs, with the same seed
        pairs = pair_rows(frame)
        expected = per_label(list(pairs["label"]), list(pairs["suggestion"]), labels, n_boot=50, seed=seed)
        for name in labels:
            row = rows.loc[f"cohen_kappa[{name}]"]
            kappa = expected.loc[name]
            assert (row["value"], row["low"], row["high"]) == pytest.approx(
                (kappa["cohen_kappa"], kappa["kappa_low"], kappa["kappa_high"]), nan_ok=True, rel=1e-12
            )


# ---------------------------------------------------------------------------------------------------------------
# GoEmotions


def noisy(gold: list[list[str]], labels: list[str], seed: int) -> list[list[str] | None]:
    """A suggester that misses a gold emotion a quarter of the time, adds a wrong one now and then, says nothing 3%."""
    rng = np.random.default_rng(seed)
    out: list[list[str] | None] = []
    for answer in gold:
        kept = [name for name in labels if (name in answer) != (rng.random() < (0.25 if name in answer else 0.06))]
        out.append(None if rng.random() < 0.03 else kept)
    return out


@pytest.fixture(scope="module")
def replay() -> tuple[pd.DataFrame, list[str]]:
    """GoEmotions' 600 comments decided in a session: gold as the human answer, a noisy suggestion, a confidence."""
    labels = list(lw.datasets.GOEMOTIONS_LABELS)
    df = lw.datasets.goemotions()
    rng = np.random.default_rng(3)
    df["label"] = df["gold"]
    df["suggestion"] = column(noisy(list(df["gold"]), labels, seed=4)).to_numpy()
    same = [s is not None and list(s) == list(g) for g, s in zip(df["gold"], df["suggestion"], strict=True)]
    df["decision"] = np.where(same, "accepted", np.where(df["suggestion"].isna(), "labeled", "corrected"))
    df["confidence"] = np.where(same, rng.uniform(0.5, 1, len(df)), rng.uniform(0, 0.9, len(df)))
    df["decided_at"] = pd.date_range("2025-01-01", periods=len(df), freq="s", tz="UTC")
    df["annotator"] = np.where(np.arange(len(df)) % 2, "ana", "ben")
    return df, labels


def test_goemotions_replay_equals_scikit_learn(replay: tuple[pd.DataFrame, list[str]]) -> None:
    df, labels = replay
    table = lw.agreement(df, n_boot=200)
    assert_numbers(values_of(table), reference(df, labels))
    assert any(s == [] for s in df["suggestion"] if s is not None)  # "none of these" suggestions are in the replay
    rows = table.set_index("metric")
    for metric in ("jaccard", "hamming_loss", "micro_f1", "macro_f1", "f1[joy]", "ece"):
        assert rows.loc[metric, "interval"] == "bootstrap percentile"
        assert rows.loc[metric, "low"] <= rows.loc[metric, "value"] <= rows.loc[metric, "high"], metric
    assert rows.loc["subset_accuracy", "interval"] == "Wilson"
    pairs = pair_rows(df)
    expected = per_label(list(pairs["label"]), list(pairs["suggestion"]), labels, n_boot=200, seed=0)
    for name in labels:
        assert rows.loc[f"cohen_kappa[{name}]", "low"] == expected.loc[name, "kappa_low"]
        assert rows.loc[f"cohen_kappa[{name}]", "high"] == expected.loc[name, "kappa_high"]
    by = lw.agreement(df, by="annotator", n_boot=0)
    for annotator, frame in df.groupby("annotator"):
        assert_numbers(values_of(by, annotator), reference(frame, labels))


def test_confusion_is_one_two_by_two_matrix_per_label(replay: tuple[pd.DataFrame, list[str]]) -> None:
    df, labels = replay
    table = lw.confusion(df, labels=labels)
    assert table.index.names == ["label", "human"] and table.columns.name == "suggestion"
    assert list(table.columns) == ["absent", "present"]
    truth, predicted = indicators(pair_rows(df), labels)
    np.testing.assert_array_equal(table.to_numpy(), multilabel_confusion_matrix(truth, predicted).reshape(-1, 2))
    np.testing.assert_array_equal(table.loc["joy"].to_numpy(), multilabel_confusion_matrix(truth, predicted)[3])


def test_calibration_rates_the_set_confidence_against_exact_matches(replay: tuple[pd.DataFrame, list[str]]) -> None:
    df, labels = replay
    rows = pair_rows(df)
    truth, predicted = indicators(rows, labels)
    correct = (truth == predicted).all(axis=1)
    confidence = rows["confidence"].to_numpy(dtype=float)
    table = lw.calibration(df)
    bins = np.minimum((confidence * 10).astype(int), 9)
    for b in range(10):
        chosen = bins == b
        assert table.loc[b, "count"] == chosen.sum()
        if chosen.any():
            assert table.loc[b, "accuracy"] == pytest.approx(correct[chosen].mean(), rel=1e-12)
            assert table.loc[b, "mean_confidence"] == pytest.approx(confidence[chosen].mean(), rel=1e-12)
    assert expected_calibration_error(df) == pytest.approx(naive_ece(confidence, correct), rel=1e-12)


def test_agreement_of_a_multi_label_labeler(store_path) -> None:
    df = lw.datasets.goemotions().head(12)
    labels = list(lw.datasets.GOEMOTIONS_LABELS)
    df["model"] = column(noisy(list(df["gold"]), labels, seed=5)).to_numpy()
    labeler = lw.Labeler(df, labels=labels, kind="multi", store=store_path, suggester=lw.FromColumn("model"))
    for gold in df["gold"][:10]:
        labeler.label(list(gold))
    table = lw.agreement(labeler.df, labels=labels, n_boot=0)  # the label set: Hamming loss counts every label
    assert_numbers(values_of(table), reference(labeler.df, labels))
    assert values_of(table)["n"] == sum(s is not None for s in df["model"][:10])
    cells = [*labeler.df["label"], *labeler.df["suggestion"]]
    seen = sorted({x for answers in cells if isinstance(answers, list) for x in answers})
    assert_numbers(values_of(lw.agreement(labeler.df, n_boot=0)), reference(labeler.df, seen))
    labeler.close()


# ---------------------------------------------------------------------------------------------------------------
# RunningAgreement


@st.composite
def add_remove_sequences(draw: st.DrawFn) -> tuple[list[str], list[tuple[str, tuple[Any, ...]]]]:
    labels = draw(label_sets())
    added: list[tuple[Any, ...]] = []
    steps: list[tuple[str, tuple[Any, ...]]] = []
    for _ in range(draw(st.integers(0, 40))):
        if added and draw(st.integers(0, 3)) == 0:
            event = added.pop(draw(st.integers(0, len(added) - 1)))
            steps.append(("remove", event))
            continue
        event = (draw(answers(labels)), draw(answers(labels)), draw(st.one_of(st.none(), st.floats(0, 1))),
                 draw(st.sampled_from([None, True, False])))  # fmt: skip
        added.append(event)
        steps.append(("update", event))
    return labels, steps


@given(add_remove_sequences())
@settings(max_examples=80, deadline=None, derandomize=True)
def test_running_agreement_on_sets_equals_the_batch_numbers(drawn: tuple[list[str], list[tuple[str, Any]]]) -> None:
    labels, steps = drawn
    running = lw.RunningAgreement(labels, kind="multi")
    kept = apply_steps(running, steps)
    frame = pd.DataFrame({
        "label": column([e[0] for e in kept]), "suggestion": column([e[1] for e in kept]),
        "confidence": [math.nan if e[2] is None else e[2] for e in kept],
        "decision": column([None if e[3] is None else ("accepted" if e[3] else "corrected") for e in kept]),
    })  # fmt: skip
    expected = reference(frame, labels)
    ours = running.values
    assert running.n == expected["n"]
    for metric, value in expected.items():
        if metric in ours:
            assert ours[metric] == pytest.approx(value, rel=1e-12, abs=1e-15, nan_ok=True), metric
    assert set(ours) >= {*WHOLE, "accept_rate", "ece", *(f"cohen_kappa[{x}]" for x in labels)}
    assert running.accuracy == pytest.approx(expected.get("subset_accuracy", math.nan), nan_ok=True)
    assert math.isnan(running.kappa) and "label_kappa" in running.notes["kappa"]
    pairs = pair_rows(frame)
    if len(pairs):
        truth, predicted = indicators(pairs, labels)
        np.testing.assert_array_equal(running.confusion.to_numpy(),
                                      multilabel_confusion_matrix(truth, predicted).reshape(-1, 2))  # fmt: skip
        assert running.jaccard == pytest.approx(expected["jaccard"], rel=1e-12)
    # the same state in one vectorised pass, from the stored texts a Dashboard reads
    stored = [[None if a is None else json.dumps(sorted(a)) for a in e[:2]] for e in kept]
    batch = lw.RunningAgreement.from_pairs([s[0] for s in stored], [s[1] for s in stored], [e[2] for e in kept],
                                           [e[3] for e in kept], labels=labels, kind="multi")  # fmt: skip
    assert batch.values == pytest.approx(ours, nan_ok=True)
    pd.testing.assert_series_equal(batch.label_kappa, running.label_kappa)


def test_running_agreement_reads_the_kind_from_the_first_pair_and_refuses_what_it_cannot_count() -> None:
    running = lw.RunningAgreement(["anger", "joy"])
    assert running.kind.name == "single"
    running.update(["joy"], [], 0.4, accepted=False)
    assert running.kind.name == "multi" and running.n == 1 and running.jaccard == 0.0
    running.update('["anger","joy"]', '["joy"]')  # a store's text of the same kind of answer
    assert running.values["jaccard"] == pytest.approx(0.25)
    with pytest.raises(InputError, match="no such decision"):
        running.remove(["anger"], ["joy"])
    with pytest.raises(InputError, match=r"\['fear'\], not among the labels"):
        running.update(["fear"], ["joy"])
    with pytest.raises(InputError, match="not a multi-label answer"):
        running.update("joy", ["joy"])
    running.remove(["joy"], [], 0.4, accepted=False)
    running.remove(["anger", "joy"], ["joy"])
    assert running.n == 0 and math.isnan(running.jaccard) and running.label_kappa.isna().all()
    with pytest.raises(InputError, match="multi-label answers"):
        lw.RunningAgreement(["a", "b"], kind="single").jaccard  # noqa: B018
    lists = lw.RunningAgreement.from_pairs([["joy"], None], [["joy"], ["anger"]])
    assert lists.kind.name == "multi" and lists.n == 1 and lists.labels == ["joy"]


# ---------------------------------------------------------------------------------------------------------------
# drift


def test_agreement_over_time_follows_each_label_in_the_window(replay: tuple[pd.DataFrame, list[str]]) -> None:
    df, labels = replay
    window, min_periods = 50, 20
    result = lw.agreement_over_time(df, window=window, min_periods=min_periods)
    assert "accuracy" not in result.columns and "kappa[joy]" in result.columns
    rows = pair_rows(df.sort_values("decided_at"))
    positions = {key: i for i, key in enumerate(rows.index)}
    for key in [rows.index[5], rows.index[19], rows.index[60], rows.index[-1]]:
        seen = positions[key] + 1
        recent = rows.iloc[max(0, seen - window) : seen]
        row = result.loc[key]
        assert row["n_compared"] == len(recent)
        if len(recent) < min_periods:
            assert math.isnan(row["subset_accuracy"]) and math.isnan(row["kappa[joy]"])
            continue
        truth, predicted = indicators(recent, labels)
        assert row["subset_accuracy"] == pytest.approx(accuracy_score(truth, predicted), rel=1e-12)
        assert row["jaccard"] == pytest.approx(jaccard_score(truth, predicted, average="samples", zero_division=1))
        assert row["micro_f1"] == pytest.approx(f1_score(truth, predicted, average="micro"), rel=1e-12)
        for j, name in enumerate(labels):
            assert row[f"kappa[{name}]"] == pytest.approx(sklearn_kappa(truth[:, j], predicted[:, j]), nan_ok=True)
            assert row[f"prevalence[{name}]"] == pytest.approx(truth[:, j].mean(), rel=1e-12)
            assert row[f"suggested_prevalence[{name}]"] == pytest.approx(predicted[:, j].mean(), rel=1e-12)
    agree = result.loc[rows.index, "agree"]
    truth, predicted = indicators(rows, labels)
    np.testing.assert_array_equal(agree.to_numpy(), (truth == predicted).all(axis=1).astype(float))


def test_label_drift_follows_each_labels_prevalence(replay: tuple[pd.DataFrame, list[str]]) -> None:
    df, labels = replay
    result = lw.label_drift(df, baseline=200, window=100)
    answers = df.sort_values("decided_at")["label"]
    binarizer = MultiLabelBinarizer(classes=labels)
    matrix = binarizer.fit_transform(answers)
    mentions = np.column_stack([matrix, matrix.sum(axis=1) == 0])  # every name, and "none of these" answers
    baseline = mentions[:200].sum(axis=0)
    for i in (200, 250, 299, 300, 450, len(df) - 1):
        row = result.iloc[i]
        recent = matrix[max(200, i - 99) : i + 1]
        if len(recent) < 100:
            assert math.isnan(row["js_distance"]) and math.isnan(row["prevalence[joy]"])
            continue
        counts = mentions[i - 99 : i + 1].sum(axis=0)
        assert row["js_distance"] == pytest.approx(jensenshannon(baseline, counts, base=2), rel=1e-12)
        for j, name in enumerate(labels):
            assert row[f"prevalence[{name}]"] == pytest.approx(recent[:, j].mean(), rel=1e-12)
            assert row[f"baseline_prevalence[{name}]"] == pytest.approx(matrix[:200, j].mean(), rel=1e-12)
    assert (result["reading"].iloc[:200] == "baseline").all()


# ---------------------------------------------------------------------------------------------------------------
# bad input


def test_names_outside_the_labels_are_listed() -> None:
    df = pd.DataFrame({"label": column([["joy", "awe"], ["zeal"]]), "suggestion": column([["joy"], []])})
    with pytest.raises(InputError, match=r"outside the labels \['anger', 'joy'\]: \['awe', 'zeal'\]"):
        lw.agreement(df, labels=["anger", "joy"])
    with pytest.raises(InputError, match="awe"):
        lw.confusion(df, labels=["anger", "joy"])
    nested = pd.DataFrame({"label": column([[["joy"]]]), "suggestion": column([["joy"]])})
    with pytest.raises(InputError, match="not a list of label names"):
        lw.agreement(nested)


def test_a_column_mixing_lists_and_single_labels_is_refused_naming_the_rows() -> None:
    df = pd.DataFrame(
        {"label": column([["joy"], "joy", ["anger"], "anger"]), "suggestion": column([["joy"], [], ["joy"], []]),
         "confidence": [0.5, 0.6, 0.7, 0.8]}
    ).set_axis(["a", "b", "c", "d"])  # fmt: skip
    for call in (lw.agreement, lw.confusion, lw.calibration):
        with pytest.raises(InputError, match=r"mixes lists of labels.*rows \['a', 'c'\].*'joy' \(rows \['b', 'd'\]\)"):
            call(df)  # type: ignore[operator]
    other = pd.DataFrame({"label": column([["joy"], ["anger"]]), "suggestion": column(["joy", "anger"])})
    with pytest.raises(InputError, match="different kinds of answer"):
        lw.agreement(other)
    saved = pd.DataFrame({"label": ['["joy"]', "[]"], "suggestion": ['["joy"]', '["anger"]']})
    with pytest.raises(InputError, match=r"json\.loads"):
        lw.agreement(saved)


def test_single_label_frames_are_scored_as_before() -> None:
    df = pd.DataFrame({"label": ["a", "b", "a", None], "suggestion": ["a", "a", "a", "b"]})
    assert list(lw.agreement(df, n_boot=0)["metric"])[:7] == [
        "n", "accept_rate", "accuracy", "cohen_kappa", "scott_pi", "macro_f1", "ece",
    ]  # fmt: skip
