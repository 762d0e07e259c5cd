"""metrics.multilabel: every number equal to scikit-learn on the indicator matrices and to NLTK on the sets, on
generated answers (empty answers and missing ones included) and on a replay of GoEmotions."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nltk.metrics.agreement import AnnotationTask
from nltk.metrics.distance import masi_distance as nltk_masi_distance
from sklearn.metrics import (
    accuracy_score,
    cohen_kappa_score,
    f1_score,
    jaccard_score,
    precision_recall_fscore_support,
)
from sklearn.metrics import hamming_loss as sklearn_hamming_loss
from sklearn.preprocessing import MultiLabelBinarizer

import labelwidgets as lw
from labelwidgets.errors import InputError
from labelwidgets.metrics.multilabel import (
    PER_LABEL_COLUMNS,
    hamming_loss,
    indicator,
    jaccard_samples,
    krippendorff_alpha_masi,
    macro_f1,
    masi_distance,
    micro_f1,
    multilabel_report,
    per_label,
    subset_accuracy,
)

SETTINGS = settings(max_examples=80, deadline=None, derandomize=True)
NAMES = ["anger", "joy", "fear", "love", "grief", "awe", "calm"]
CONTAINERS: list[Callable[[Sequence[str]], Any]] = [tuple, list, set, frozenset]


# ---------------------------------------------------------------------------------------------------------------
# generated answers


@st.composite
def label_sets(draw: st.DrawFn) -> list[str]:
    """A label set of 2-7 names, in a drawn order (the order must not matter to any number)."""
    return draw(st.permutations(NAMES).map(lambda names: names[: draw(st.integers(2, 7))]))


def answers(labels: list[str], *, missing: bool = True) -> st.SearchStrategy[Any]:
    """One answer: a set of names in a drawn container (the empty set included), or None."""
    present = st.tuples(st.frozensets(st.sampled_from(labels)), st.sampled_from(CONTAINERS)).map(
        lambda drawn: drawn[1](sorted(drawn[0], key=labels.index))
    )
    return st.one_of(st.none(), present, present, present) if missing else present


@st.composite
def paired_answers(draw: st.DrawFn) -> tuple[list[str], list[Any], list[Any]]:
    labels = draw(label_sets())
    n = draw(st.integers(1, 30))
    return (
        labels,
        draw(st.lists(answers(labels), min_size=n, max_size=n)),
        draw(st.lists(answers(labels), min_size=n, max_size=n)),
    )


def binarized(y_true: list[Any], y_pred: list[Any], labels: list[str]) -> tuple[np.ndarray, np.ndarray, int]:
    """scikit-learn's indicator matrices of the rows where both sides answered, and how many were left out."""
    kept = [i for i, (a, b) in enumerate(zip(y_true, y_pred, strict=True)) if a is not None and b is not None]
    binarizer = MultiLabelBinarizer(classes=labels)
    return (
        binarizer.fit_transform([y_true[i] for i in kept]),
        binarizer.fit_transform([y_pred[i] for i in kept]),
        len(y_true) - len(kept),
    )


def assert_same(ours: Any, reference: Any) -> None:
    """Equal up to rounding, NaN where the reference is NaN."""
    np.testing.assert_allclose(np.asarray(ours, dtype=float), np.asarray(reference, dtype=float), rtol=1e-12, atol=0)


def sklearn_kappa(column_true: np.ndarray, column_pred: np.ndarray) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # it warns, and gives NaN, when both columns hold one and the same value
        return float(cohen_kappa_score(column_true, column_pred, labels=[0, 1], replace_undefined_by=np.nan))


def check_against_sklearn(y_true: list[Any], y_pred: list[Any], labels: list[str], n_boot: int = 0) -> None:
    """Every number of multilabel_report, and of each function alone, equal to scikit-learn's."""
    truth, predicted, left_out = binarized(y_true, y_pred, labels)
    report = multilabel_report(y_true, y_pred, labels, n_boot=n_boot)
    table = report.per_label
    assert list(table.columns) == PER_LABEL_COLUMNS
    assert list(table.index) == labels
    assert (report.n, report.n_left_out) == (len(truth), left_out)
    assert (table["n"] == len(truth)).all() and (table["n_left_out"] == left_out).all()
    singles = [subset_accuracy, jaccard_samples, hamming_loss, micro_f1, macro_f1]
    in_report = [report.subset_accuracy, report.jaccard, report.hamming_loss, report.micro_f1, report.macro_f1]
    for function, value in zip(singles, in_report, strict=True):
        assert function(y_true, y_pred, labels) == pytest.approx(value, nan_ok=True, rel=0, abs=0)
    pd.testing.assert_frame_equal(per_label(y_true, y_pred, labels, n_boot=n_boot), table)
    if not len(truth):  # scikit-learn refuses empty inputs; here every number is NaN
        assert all(math.isnan(value) for value in in_report)
        assert table.drop(columns=["n", "n_left_out", "note"]).isna().all().all()
        return

    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, average=None, zero_division=np.nan
    )
    assert_same(table["precision"], precision)
    assert_same(table["recall"], recall)
    assert_same(table["f1"], f1)
    assert_same(table["prevalence_true"], support / len(truth))
    assert_same(table["prevalence_pred"], predicted.mean(axis=0))
    assert_same(table["cohen_kappa"], [sklearn_kappa(truth[:, j], predicted[:, j]) for j in range(len(labels))])

    assert report.subset_accuracy == pytest.approx(accuracy_score(truth, predicted), rel=1e-12)
    assert report.jaccard == pytest.approx(
        jaccard_score(truth, predicted, average="samples", zero_division=1), rel=1e-12
    )
    assert report.hamming_loss == pytest.approx(sklearn_hamming_loss(truth, predicted), rel=1e-12)
    assert_same(report.micro_f1, f1_score(truth, predicted, average="micro", zero_division=np.nan))
    assert_same(report.macro_f1, f1_score(truth, predicted, average="macro", zero_division=np.nan))


@given(paired_answers())
@SETTINGS
def test_every_number_equals_scikit_learn(drawn: tuple[list[str], list[Any], list[Any]]) -> None:
    labels, y_true, y_pred = drawn
    check_against_sklearn(y_true, y_pred, labels)


@given(paired_answers())
@SETTINGS
def test_indicator_equals_multilabel_binarizer(drawn: tuple[list[str], list[Any], list[Any]]) -> None:
    labels, y_true, _ = drawn
    present = [answer for answer in y_true if answer is not None]
    expected = MultiLabelBinarizer(classes=labels).fit_transform(present).astype(bool)
    matrix = indicator(present, labels)
    assert matrix.dtype == bool and matrix.shape == (len(present), len(labels))
    np.testing.assert_array_equal(matrix, expected.reshape(len(present), len(labels)))


@given(paired_answers(), st.randoms(use_true_random=False))
@SETTINGS
def test_the_order_of_the_label_set_moves_no_number(drawn: tuple[list[str], list[Any], list[Any]], rng: Any) -> None:
    labels, y_true, y_pred = drawn
    shuffled = list(labels)
    rng.shuffle(shuffled)
    pd.testing.assert_frame_equal(
        per_label(y_true, y_pred, shuffled, n_boot=50).loc[labels], per_label(y_true, y_pred, labels, n_boot=50)
    )
    for function in (subset_accuracy, jaccard_samples, hamming_loss, micro_f1, macro_f1):
        assert function(y_true, y_pred, shuffled) == pytest.approx(function(y_true, y_pred, labels), nan_ok=True)


def test_empty_answers_agree_and_missing_answers_are_left_out() -> None:
    labels = ["anger", "joy"]
    y_true = [[], [], ["joy"], None, ["anger"]]
    y_pred = [(), ["joy"], ["joy"], ["joy"], None]
    report = multilabel_report(y_true, y_pred, labels, n_boot=0)
    assert (report.n, report.n_left_out) == (3, 2)
    truth, predicted, _ = binarized(y_true, y_pred, labels)
    assert report.jaccard == jaccard_score(truth, predicted, average="samples", zero_division=1)
    assert report.subset_accuracy == accuracy_score(truth, predicted)  # [] == () is an exact match
    assert "y_true never gave 'anger'" in report.per_label.loc["anger", "note"]


# ---------------------------------------------------------------------------------------------------------------
# MASI and Krippendorff's alpha against NLTK


def masi_with_empty_answers(a: frozenset[Hashable], b: frozenset[Hashable]) -> float:
    """NLTK's MASI, with two empty answers at distance 0 (NLTK divides 0 by 0 there)."""
    return 0.0 if not a and not b else float(nltk_masi_distance(a, b))


@given(st.frozensets(st.sampled_from(NAMES), min_size=1), st.frozensets(st.sampled_from(NAMES), min_size=1),
       st.sampled_from(CONTAINERS))  # fmt: skip
@SETTINGS
def test_masi_distance_equals_nltk(a: frozenset[str], b: frozenset[str], container: Callable[..., Any]) -> None:
    assert masi_distance(container(sorted(a)), b) == nltk_masi_distance(set(a), set(b))


def test_masi_distance_of_empty_answers() -> None:
    with pytest.raises(ZeroDivisionError):
        nltk_masi_distance(set(), set())  # NLTK's 0/0: why two empty answers are defined here
    assert masi_distance([], set()) == 0.0
    for other in ({"joy"}, {"joy", "fear"}):
        assert masi_distance([], other) == nltk_masi_distance(set(), other) == 1.0
        assert masi_distance(other, ()) == nltk_masi_distance(other, set()) == 1.0


def nltk_alpha(triples: list[tuple[Any, Any, Any]], distance: Callable[..., float] = nltk_masi_distance) -> float:
    present = [(coder, item, frozenset(answer)) for coder, item, answer in triples if answer is not None]
    return float(AnnotationTask(data=present, distance=distance).alpha())


def distinct_pairable_answers(triples: list[tuple[Any, Any, Any]]) -> set[frozenset[Any]]:
    """The distinct answers on the items answered twice or more: alpha needs two of them."""
    answered = pd.Series([item for _, item, answer in triples if answer is not None]).value_counts()
    return {frozenset(a) for _, item, a in triples if a is not None and answered.get(item, 0) >= 2}


@st.composite
def coded_triples(draw: st.DrawFn, *, empty: bool) -> list[tuple[Any, Any, Any]]:
    """(coder, item, answer) for 2-5 coders and 1-8 items, some answers missing."""
    labels = draw(label_sets())
    n_coders, n_items = draw(st.integers(2, 5)), draw(st.integers(1, 8))
    answer = answers(labels)
    if not empty:
        answer = answer.filter(lambda a: a is None or len(a) > 0)
    return [(f"c{c}", i, draw(answer)) for c in range(n_coders) for i in range(n_items)]


def check_alpha(triples: list[tuple[Any, Any, Any]], distance: Callable[..., float]) -> None:
    alpha = krippendorff_alpha_masi(triples)
    frame = pd.DataFrame(triples, columns=["annotator", "item", "label"])
    assert krippendorff_alpha_masi(frame) == pytest.approx(alpha, nan_ok=True, rel=0, abs=0)
    if len(distinct_pairable_answers(triples)) < 2:
        assert math.isnan(alpha)  # 0/0: NLTK returns 1 or fails here
    else:
        assert alpha == pytest.approx(nltk_alpha(triples, distance), rel=1e-9, abs=1e-12)


@given(coded_triples(empty=False))
@SETTINGS
def test_alpha_equals_nltk(triples: list[tuple[Any, Any, Any]]) -> None:
    check_alpha(triples, nltk_masi_distance)


@given(coded_triples(empty=True))
@SETTINGS
def test_alpha_with_empty_answers_equals_nltk_with_their_distance_defined(triples: list[tuple[Any, Any, Any]]) -> None:
    check_alpha(triples, masi_with_empty_answers)


@pytest.mark.slow  # the krippendorff package takes several seconds on this
def test_alpha_of_30_coders_on_5000_items_equals_the_krippendorff_package() -> None:
    rng = np.random.default_rng(11)
    labels = lw.datasets.GOEMOTIONS_LABELS
    truth = rng.random((5000, len(labels))) < 0.2
    flips = rng.random((30, 5000, len(labels))) < 0.08
    given_answer = rng.random((30, 5000)) < 0.9
    triples = [
        (f"coder{c}", i, [labels[j] for j in np.flatnonzero(truth[i] ^ flips[c, i])] if given_answer[c, i] else None)
        for c in range(30)
        for i in range(5000)
    ]
    alpha = krippendorff_alpha_masi(triples)  # (its speed: benchmarks/bench_masi.py)

    # the krippendorff package on the same data, its distance NLTK's MASI between the distinct answers
    distinct = sorted({frozenset(a) for _, _, a in triples if a is not None}, key=sorted)
    code = {answer: k for k, answer in enumerate(distinct)}
    table = np.array([[masi_with_empty_answers(a, b) for b in distinct] for a in distinct])
    matrix = np.full((30, 5000), np.nan)
    for coder, item, answer in triples:
        if answer is not None:
            matrix[int(coder.removeprefix("coder")), item] = code[frozenset(answer)]

    def masi_of_codes(v1: np.ndarray, v2: np.ndarray, i1: np.ndarray, i2: np.ndarray, n_v: np.ndarray,
                      dtype: Any = np.float64) -> np.ndarray:  # fmt: skip
        return table[np.asarray(v1, dtype=int), np.asarray(v2, dtype=int)].astype(dtype)

    reference = krippendorff.alpha(
        reliability_data=matrix, value_domain=np.arange(len(distinct)), level_of_measurement=masi_of_codes
    )
    assert alpha == pytest.approx(reference, rel=1e-9)


# ---------------------------------------------------------------------------------------------------------------
# a replay on GoEmotions: the gold answers against simulated annotators


def noisy(gold: list[list[str]], labels: Sequence[str], seed: int, *, empty: bool) -> list[list[str] | None]:
    """An annotator who misses a gold emotion a quarter of the time, adds a wrong one now and then, skips 3%.

    Without ``empty`` an answer that lost every emotion keeps the gold answer, so NLTK's MASI stays defined.
    """
    rng = np.random.default_rng(seed)
    out: list[list[str] | None] = []
    for answer in gold:
        kept = [name for name in labels if (name in answer) != (rng.random() < (0.25 if name in answer else 0.06))]
        skipped = rng.random() < 0.03
        out.append(None if skipped else (kept if kept or empty else list(answer)))
    return out


@pytest.fixture(scope="module")
def goemotions() -> tuple[list[list[str]], list[str]]:
    frame = lw.datasets.goemotions()
    return frame["gold"].tolist(), list(lw.datasets.GOEMOTIONS_LABELS)


def test_goemotions_replay_equals_scikit_learn(goemotions: tuple[list[list[str]], list[str]]) -> None:
    gold, labels = goemotions
    predicted = noisy(gold, labels, seed=1, empty=True)
    check_against_sklearn(gold, predicted, labels, n_boot=200)
    report = multilabel_report(gold, predicted, labels, n_boot=200)
    assert report.n_left_out == sum(answer is None for answer in predicted) > 0
    assert any(answer == [] for answer in predicted)  # "none of these" answers are part of the replay

    # each label's kappa interval is lw.agreement's on that label's yes/no column, with the same seed
    pairs = [(g, p) for g, p in zip(gold, predicted, strict=True) if p is not None]
    for name in labels:
        frame = pd.DataFrame(
            {
                "label": ["yes" if name in g else "no" for g, _ in pairs],
                "suggestion": ["yes" if name in p else "no" for _, p in pairs],
            }
        )
        table = lw.agreement(frame, labels=["no", "yes"], n_boot=200, seed=0)
        kappa = table[table["metric"] == "cohen_kappa"].iloc[0]
        row = report.per_label.loc[name]
        assert row["cohen_kappa"] == pytest.approx(kappa["value"], rel=1e-12)
        assert (row["kappa_low"], row["kappa_high"]) == (kappa["low"], kappa["high"])


def test_goemotions_replay_alpha_equals_nltk(goemotions: tuple[list[list[str]], list[str]]) -> None:
    gold, labels = goemotions
    for empty, distance in ((False, nltk_masi_distance), (True, masi_with_empty_answers)):
        coders = {f"annotator{seed}": noisy(gold, labels, seed, empty=empty) for seed in range(2, 7)}
        coders["gold"] = list(gold)
        triples = [(coder, item, answers[item]) for coder, answers in coders.items() for item in range(len(gold))]
        alpha = krippendorff_alpha_masi(triples)
        assert 0 < alpha < 1
        assert alpha == pytest.approx(nltk_alpha(triples, distance), rel=1e-9)


# ---------------------------------------------------------------------------------------------------------------
# bad input


def test_a_name_outside_the_label_set_is_refused_with_the_names() -> None:
    with pytest.raises(InputError, match=r"outside labels=\['anger', 'joy'\]: \['fear', 'love'\]"):
        indicator([["anger"], ["love", "fear"]], ["anger", "joy"])
    with pytest.raises(InputError, match=r"\['fear'\]\. Add them to the label set"):
        per_label([["anger"]], [["fear"]], ["anger", "joy"])


def test_a_bare_string_answer_is_refused_with_a_list_suggested() -> None:
    with pytest.raises(InputError, match=r"y_pred\[1\] is the string 'joy'.*Pass a list of names, e.g. \['joy'\]"):
        multilabel_report([["joy"], ["joy"]], [["joy"], "joy"], ["anger", "joy"])
    with pytest.raises(InputError, match=r"json.loads\(\) it first"):
        indicator(['["anger","joy"]'], ["anger", "joy"])
    with pytest.raises(InputError, match=r"the string 'joy'.*Pass a list"):
        masi_distance("joy", ["joy"])
    with pytest.raises(InputError, match=r"is the string 'joy'"):
        krippendorff_alpha_masi([("a", 1, "joy"), ("b", 1, ["joy"])])
    with pytest.raises(InputError, match=r"labels must be a list of label names, not the string"):
        per_label([["joy"]], [["joy"]], "joy")


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(InputError, match=r"y_true has 2 answers and y_pred 1; give one answer per item"):
        subset_accuracy([["joy"], []], [["joy"]], ["joy"])


def test_other_bad_input_is_refused_with_what_to_do() -> None:
    with pytest.raises(InputError, match=r"answers \[1\] are missing \(None\).*use per_label\(\)"):
        indicator([["joy"], None], ["joy"])
    with pytest.raises(InputError, match=r"answer 0 is 3, not a set of label names"):
        indicator([3], ["joy"])
    with pytest.raises(InputError, match=r"a missing answer \(None\) has no distance"):
        masi_distance(None, ["joy"])
    with pytest.raises(InputError, match=r"answered an item more than once.*\('a', 1\)"):
        krippendorff_alpha_masi([("a", 1, ["joy"]), ("a", 1, []), ("b", 1, ["joy"])])
    with pytest.raises(InputError, match=r"not \(annotator, item, answer\) triples"):
        krippendorff_alpha_masi([("a", ["joy"])])
    with pytest.raises(InputError, match=r"column\(s\) \['label'\] not found"):
        krippendorff_alpha_masi(pd.DataFrame({"annotator": ["a"], "item": [1], "answer": [["joy"]]}))
    with pytest.raises(InputError, match=r"n_boot must be an integer >= 0"):
        per_label([["joy"]], [["joy"]], ["joy"], n_boot=-1)
