"""Agreement metrics: published reference values, equality with the reference libraries, degenerate cases."""

from __future__ import annotations

import math
import random
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from running_helpers import apply_steps
from scipy.stats import binomtest
from sklearn.metrics import cohen_kappa_score, confusion_matrix, f1_score, precision_recall_fscore_support
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss_kappa

from labelwidgets.errors import InputError
from labelwidgets.metrics.agreement import agreement, confusion
from labelwidgets.metrics.annotators import Level, annotator_agreement, fleiss_kappa, krippendorff_alpha
from labelwidgets.metrics.calibration import calibration, expected_calibration_error
from labelwidgets.metrics.counts import kappa_from_counts, wilson_interval
from labelwidgets.metrics.running import RunningAgreement

DATA = Path(__file__).parent / "data"
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)


def value(table: pd.DataFrame, metric: str, **where: object) -> float:
    rows = table[table["metric"] == metric]
    for column, wanted in where.items():
        rows = rows[rows[column].isna()] if wanted is None else rows[rows[column] == wanted]
    assert len(rows) == 1, f"expected one {metric!r} row, got {len(rows)}"
    return float(rows["value"].iloc[0])


def note(table: pd.DataFrame, metric: str) -> str:
    return str(table.loc[table["metric"] == metric, "note"].iloc[0])


def session_frame(human: list, suggested: list, **extra: object) -> pd.DataFrame:
    """A DataFrame shaped like the labeler's result columns."""
    decisions = ["accepted" if h == s else "corrected" for h, s in zip(human, suggested, strict=True)]
    frame = pd.DataFrame(
        {
            "label": pd.array(human, dtype="string"),
            "decision": decisions,
            "suggestion": pd.array(suggested, dtype="string"),
        }
    )
    for column, values in extra.items():
        frame[column] = values
    return frame


def random_session(seed: int, n: int = 300, labels: tuple[str, ...] = ("ham", "spam", "eggs")) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    human = rng.choice(labels, n, p=np.linspace(2, 1, len(labels)) / np.linspace(2, 1, len(labels)).sum())
    suggested = np.where(rng.random(n) < 0.75, human, rng.choice(labels, n))
    frame = session_frame(list(human), list(suggested), confidence=rng.random(n))
    frame.loc[rng.random(n) < 0.1, "label"] = pd.NA  # skipped or rejected without a label
    frame.loc[frame["label"].isna(), "decision"] = rng.choice(["skipped", "rejected"], int(frame["label"].isna().sum()))
    frame.loc[rng.random(n) < 0.05, "suggestion"] = pd.NA  # the LLM gave no valid suggestion
    return frame


# ---------------------------------------------------------------------------------------------------------------
# published reference values (tests/data/README.md)


@pytest.mark.parametrize(
    ("level", "published"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)]
)
def test_krippendorff_2011_published_alphas(level: Level, published: float) -> None:
    coders_by_units = pd.read_csv(DATA / "krippendorff2011_4coders_12units.csv")
    assert round(krippendorff_alpha(coders_by_units, level=level), 3) == published


def test_krippendorff_2011_through_annotator_agreement() -> None:
    coders_by_units = pd.read_csv(DATA / "krippendorff2011_4coders_12units.csv")
    long = coders_by_units.rename_axis("annotator").reset_index().melt("annotator", var_name="item", value_name="label")
    table = annotator_agreement(long)
    assert round(value(table, "krippendorff_alpha"), 3) == 0.743
    assert value(table, "krippendorff_alpha") == pytest.approx(0.743421052631579, abs=1e-12)
    assert table.loc[table["metric"] == "krippendorff_alpha", "n"].item() == 11  # unit 12 has one value only


def fleiss_1971_counts() -> np.ndarray:
    raw = pd.read_csv(DATA / "fleiss1971_diagnoses_raw_30x6.csv").to_numpy()
    return np.stack([np.bincount(row, minlength=6)[1:] for row in raw])


def test_fleiss_1971_published_kappa() -> None:
    assert fleiss_kappa(fleiss_1971_counts()) == pytest.approx(0.4302445, abs=5e-8)


def test_fleiss_1971_through_annotator_agreement() -> None:
    raw = pd.read_csv(DATA / "fleiss1971_diagnoses_raw_30x6.csv")
    long = raw.rename_axis("item").reset_index().melt("item", var_name="annotator", value_name="label")
    table = annotator_agreement(long)
    assert value(table, "fleiss_kappa") == pytest.approx(0.4302445, abs=5e-8)
    assert table.loc[table["metric"] == "fleiss_kappa", "n"].item() == 30
    assert len(table[table["metric"] == "cohen_kappa"]) == 15  # every pair of the 6 raters


def test_wikipedia_fleiss_example() -> None:
    counts = pd.read_csv(DATA / "wikipedia_fleiss_example_counts_10x5.csv").to_numpy()
    assert round(fleiss_kappa(counts), 3) == 0.210
    assert fleiss_kappa(counts) == pytest.approx(statsmodels_fleiss_kappa(counts), abs=1e-12)


# ---------------------------------------------------------------------------------------------------------------
# human vs. LLM: equal to scikit-learn


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_agreement_equals_sklearn(seed: int) -> None:
    frame = random_session(seed)
    pairs = frame[frame["label"].notna() & frame["suggestion"].notna() & (frame["decision"] != "skipped")]
    human, suggested = pairs["label"].to_numpy(str), pairs["suggestion"].to_numpy(str)
    table = agreement(frame, n_boot=200)

    assert value(table, "n") == len(pairs)
    assert value(table, "accuracy") == pytest.approx(np.mean(human == suggested), abs=1e-12)
    assert value(table, "cohen_kappa") == pytest.approx(cohen_kappa_score(human, suggested), abs=1e-9)
    assert value(table, "macro_f1") == pytest.approx(f1_score(human, suggested, average="macro"), abs=1e-9)
    labels = sorted(set(human) | set(suggested))
    precision, recall, f1, _ = precision_recall_fscore_support(human, suggested, labels=labels)
    for i, name in enumerate(labels):
        assert value(table, f"precision[{name}]") == pytest.approx(precision[i], abs=1e-9)
        assert value(table, f"recall[{name}]") == pytest.approx(recall[i], abs=1e-9)
        assert value(table, f"f1[{name}]") == pytest.approx(f1[i], abs=1e-9)
    reviewed = frame["decision"].isin(["accepted", "corrected", "rejected"])
    assert value(table, "accept_rate") == pytest.approx((frame["decision"] == "accepted").sum() / reviewed.sum())
    assert table.loc[table["metric"] == "accept_rate", "n"].item() == reviewed.sum()
    # every interval brackets its value
    bounded = table.dropna(subset=["low", "high"])
    assert len(bounded) >= 10
    assert (bounded["low"] <= bounded["value"] + 1e-12).all()
    assert (bounded["value"] <= bounded["high"] + 1e-12).all()
    assert set(bounded["interval"]) == {"Wilson", "bootstrap percentile"}


def test_agreement_table_shape_and_notes() -> None:
    table = agreement(random_session(3), n_boot=100)
    assert list(table.columns) == ["group", "metric", "value", "low", "high", "n", "interval", "note"]
    assert list(table["metric"][:7]) == ["n", "accept_rate", "accuracy", "cohen_kappa", "scott_pi", "macro_f1", "ece"]
    assert set(table["group"]) == {"all"}
    frame = random_session(3)
    skipped = (frame["decision"] == "skipped").sum()
    rejected = (frame["decision"] == "rejected").sum()
    no_suggestion = (frame["label"].notna() & frame["suggestion"].isna()).sum()
    assert note(table, "n") == (
        f"rows left out: {skipped} skipped, {rejected} rejected without a label, "
        f"{no_suggestion} without a valid suggestion"
    )
    assert "not decided yet" in note(agreement(frame.assign(decision=None), n_boot=0), "n")


def test_scott_pi_is_fleiss_kappa_for_two_raters_and_differs_from_cohen_under_skew() -> None:
    # people split evenly, the LLM says "spam" far more often: the marginals differ, so pi < kappa
    human = ["ham"] * 50 + ["spam"] * 50
    suggested = ["ham"] * 20 + ["spam"] * 30 + ["spam"] * 50
    table = agreement(session_frame(human, suggested), n_boot=0)
    pairs = zip(human, suggested, strict=True)
    counts = np.array([[(h == "ham") + (s == "ham"), (h == "spam") + (s == "spam")] for h, s in pairs])
    assert value(table, "scott_pi") == pytest.approx(statsmodels_fleiss_kappa(counts), abs=1e-12)
    assert value(table, "cohen_kappa") == pytest.approx(cohen_kappa_score(human, suggested), abs=1e-12)
    assert value(table, "scott_pi") < value(table, "cohen_kappa") - 0.05


def test_bootstrap_interval_matches_a_plain_row_bootstrap() -> None:
    # the cells are drawn as multinomial counts; that must give the same distribution as resampling rows
    frame = random_session(7, n=400)
    table = agreement(frame, n_boot=3000, seed=1)
    pairs = frame[frame["label"].notna() & frame["suggestion"].notna() & (frame["decision"] != "skipped")]
    human, suggested = pairs["label"].to_numpy(str), pairs["suggestion"].to_numpy(str)
    codes = {name: i for i, name in enumerate(sorted(set(human) | set(suggested)))}
    h = np.array([codes[x] for x in human])
    s = np.array([codes[x] for x in suggested])
    rows = np.random.default_rng(2).integers(0, len(h), size=(3000, len(h)))
    agree = (h[rows] == s[rows]).sum(axis=1)
    true = np.stack([np.bincount(r, minlength=3) for r in h[rows]])
    pred = np.stack([np.bincount(r, minlength=3) for r in s[rows]])
    low, high = np.quantile(kappa_from_counts(agree, true, pred), [0.025, 0.975])
    kappa_row = table[table["metric"] == "cohen_kappa"].iloc[0]
    assert kappa_row["low"] == pytest.approx(low, abs=0.015)
    assert kappa_row["high"] == pytest.approx(high, abs=0.015)


def test_bootstrap_is_reproducible_and_seeded() -> None:
    frame = random_session(4)
    first = agreement(frame, n_boot=200, seed=5)
    pd.testing.assert_frame_equal(first, agreement(frame, n_boot=200, seed=5))
    other = agreement(frame, n_boot=200, seed=6)
    assert not np.allclose(first["low"].dropna(), other["low"].dropna())
    no_boot = agreement(frame, n_boot=0)
    assert no_boot.loc[no_boot["metric"] == "cohen_kappa", "low"].isna().all()


def test_wilson_interval_equals_scipy() -> None:
    for k, n in [(0, 1), (1, 1), (3, 10), (97, 100), (500, 1000), (0, 7)]:
        low, high = wilson_interval(k, n, 0.9)
        reference = binomtest(k, n).proportion_ci(confidence_level=0.9, method="wilson")
        assert float(low) == pytest.approx(reference.low, abs=1e-12)
        assert float(high) == pytest.approx(reference.high, abs=1e-12)
    assert all(math.isnan(float(x)) for x in wilson_interval(0, 0))


def test_confusion_equals_sklearn() -> None:
    frame = random_session(5)
    pairs = frame[frame["label"].notna() & frame["suggestion"].notna() & (frame["decision"] != "skipped")]
    labels = ["spam", "ham", "eggs"]
    table = confusion(frame, labels=labels)
    expected = confusion_matrix(pairs["label"].to_numpy(str), pairs["suggestion"].to_numpy(str), labels=labels)
    np.testing.assert_array_equal(table.to_numpy(), expected)
    assert list(table.index) == labels and list(table.columns) == labels
    assert (table.index.name, table.columns.name) == ("human", "suggestion")
    # a label outside labels= drops its pairs, as in scikit-learn
    subset = confusion(frame, labels=["ham", "spam"])
    np.testing.assert_array_equal(
        subset.to_numpy(),
        confusion_matrix(pairs["label"].to_numpy(str), pairs["suggestion"].to_numpy(str), labels=["ham", "spam"]),
    )
    assert confusion(frame.iloc[:0], labels=labels).to_numpy().sum() == 0


def naive_calibration(confidence: np.ndarray, correct: np.ndarray, n_bins: int) -> tuple[list, float]:
    bins = []
    ece = 0.0
    for b in range(n_bins):
        low, high = b / n_bins, (b + 1) / n_bins
        inside = [i for i, c in enumerate(confidence) if low <= c < high or (b == n_bins - 1 and c == 1.0)]
        if inside:
            mean_confidence = sum(confidence[i] for i in inside) / len(inside)
            accuracy = sum(correct[i] for i in inside) / len(inside)
            ece += len(inside) / len(confidence) * abs(accuracy - mean_confidence)
            bins.append((mean_confidence, accuracy, len(inside)))
        else:
            bins.append((math.nan, math.nan, 0))
    return bins, ece


@pytest.mark.parametrize("n_bins", [1, 5, 10])
def test_calibration_equals_a_direct_computation(n_bins: int) -> None:
    frame = random_session(6)
    frame.loc[frame.index[:7], "confidence"] = [0.0, 1.0, 0.5, 0.3, 0.7, np.nan, 0.99]
    table = calibration(frame, n_bins=n_bins)
    pairs = frame[frame["label"].notna() & frame["suggestion"].notna() & frame["confidence"].notna()]
    pairs = pairs[pairs["decision"] != "skipped"]
    correct = (pairs["label"] == pairs["suggestion"]).to_numpy(bool)
    bins, ece = naive_calibration(pairs["confidence"].to_numpy(), correct, n_bins)
    assert len(table) == n_bins
    np.testing.assert_allclose(table["mean_confidence"], [b[0] for b in bins], atol=1e-12)
    np.testing.assert_allclose(table["accuracy"], [b[1] for b in bins], atol=1e-12)
    np.testing.assert_array_equal(table["count"], [b[2] for b in bins])
    assert table["count"].sum() == len(pairs)
    assert expected_calibration_error(frame, n_bins=n_bins) == pytest.approx(ece, abs=1e-12)
    assert value(agreement(frame, n_bins=n_bins, n_boot=50), "ece") == pytest.approx(ece, abs=1e-12)


def test_perfectly_calibrated_confidences_have_small_ece() -> None:
    rng = np.random.default_rng(0)
    confidence = rng.random(20_000)
    right = rng.random(20_000) < confidence
    frame = session_frame(["a"] * 20_000, ["a" if r else "b" for r in right], confidence=confidence)
    assert expected_calibration_error(frame) < 0.02
    over_confident = frame.assign(confidence=np.clip(confidence + 0.3, 0, 1))
    assert expected_calibration_error(over_confident) > 0.2


# ---------------------------------------------------------------------------------------------------------------
# label order, groups, renamed columns


@given(st.integers(0, 10_000), st.permutations(["ham", "spam", "eggs", "toast"]))
@settings(max_examples=15, deadline=None, derandomize=True)
def test_label_order_never_changes_a_metric(seed: int, order: list[str]) -> None:
    frame = random_session(seed, n=60, labels=("ham", "spam", "eggs"))
    reference = agreement(frame, labels=["eggs", "ham", "spam", "toast"], n_boot=50)
    permuted = agreement(frame, labels=order, n_boot=50)
    pd.testing.assert_frame_equal(
        reference.set_index("metric").sort_index(), permuted.set_index("metric").sort_index(), atol=1e-12
    )
    assert note(permuted, "recall[toast]") == "no human label is 'toast'"


def test_by_gives_one_block_per_group_equal_to_the_subset() -> None:
    frame = random_session(8, n=400)
    frame["annotator"] = np.where(np.arange(len(frame)) % 3 == 0, "ana", "ben")
    table = agreement(frame, by="annotator", n_boot=0)
    assert list(table["group"].unique()) == ["ana", "ben"]
    for name, subset in frame.groupby("annotator"):
        alone = agreement(subset, n_boot=0, labels=["eggs", "ham", "spam"]).drop(columns="group")
        mine = table[table["group"] == name].drop(columns="group").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone)
    frame["batch"] = np.arange(len(frame)) % 2
    several = agreement(frame, by=["annotator", "batch"], n_boot=0)
    assert set(several["group"]) == {("ana", 0), ("ana", 1), ("ben", 0), ("ben", 1)}
    assert agreement(frame.iloc[:0], by="annotator").empty


def test_renamed_columns_give_the_same_numbers() -> None:
    frame = random_session(9)
    renamed = frame.rename(columns={"label": "my_label", "suggestion": "llm", "decision": "act", "confidence": "p"})
    theirs = agreement(renamed, label="my_label", suggestion="llm", decision="act", confidence="p", n_boot=100)
    pd.testing.assert_frame_equal(agreement(frame, n_boot=100), theirs)


def test_suggestion_visible_is_pointed_out() -> None:
    frame = random_session(10, n=50)
    frame["suggestion_visible"] = [True, False] * 25
    assert "with the suggestion on screen" in note(agreement(frame, n_boot=0), "n")
    assert "on screen" not in note(agreement(frame.drop(columns="suggestion_visible"), n_boot=0), "n")


# ---------------------------------------------------------------------------------------------------------------
# degenerate cases: NaN with a reason where a metric is undefined; a note where a defined value says little


def assert_every_nan_is_explained(table: pd.DataFrame) -> None:
    unexplained = table[table["value"].isna() & (table["note"].fillna("") == "")]
    assert unexplained.empty, f"NaN without a note:\n{unexplained}"


def test_empty_input() -> None:
    table = agreement(session_frame([], []), n_boot=100)
    assert table["value"].drop(index=0).isna().all()
    assert value(table, "n") == 0
    assert_every_nan_is_explained(table)
    assert math.isnan(expected_calibration_error(session_frame([], [], confidence=[])))


def test_one_human_class_only() -> None:
    human = ["ham"] * 10
    suggested = ["ham"] * 8 + ["spam"] * 2
    assert cohen_kappa_score(human, suggested) == 0.0  # defined: chance agreement 0.8 < 1
    table = agreement(session_frame(human, suggested), n_boot=100)
    assert value(table, "cohen_kappa") == 0.0
    assert note(table, "cohen_kappa").startswith(
        "people only ever said 'ham': kappa is 0 whatever the suggester says; see accuracy"
    )
    assert value(table, "accuracy") == pytest.approx(0.8)
    assert_every_nan_is_explained(table)


def test_everyone_agrees_on_one_class() -> None:
    table = agreement(session_frame(["spam"] * 5, ["spam"] * 5), n_boot=100)
    for metric in ("cohen_kappa", "scott_pi"):
        assert math.isnan(value(table, metric))
        assert "all say 'spam'" in note(table, metric)
    assert_every_nan_is_explained(table)


def test_perfect_agreement_over_two_classes_is_a_real_one_with_a_note() -> None:
    table = agreement(session_frame(["a", "b"] * 5, ["a", "b"] * 5), n_boot=100)
    assert value(table, "cohen_kappa") == 1.0
    assert note(table, "cohen_kappa") == "all 10 pairs agree"


def test_a_single_item() -> None:
    table = agreement(session_frame(["ham"], ["spam"]), n_boot=100)
    assert value(table, "cohen_kappa") == cohen_kappa_score(["ham"], ["spam"]) == 0.0  # chance agreement 0
    assert note(table, "cohen_kappa") == "the suggester always says 'spam': kappa 0 = no better than chance"
    agreeing = agreement(session_frame(["ham"], ["ham"]), n_boot=100)
    for metric in ("cohen_kappa", "scott_pi"):
        assert math.isnan(value(agreeing, metric))
        assert "all say 'ham'" in note(agreeing, metric)
    assert_every_nan_is_explained(table)
    assert_every_nan_is_explained(agreeing)


def test_no_decision_or_confidence_column() -> None:
    frame = session_frame(["a", "b", "a"], ["a", "b", "b"]).drop(columns="decision")
    table = agreement(frame, n_boot=10)
    assert math.isnan(value(table, "accept_rate")) and note(table, "accept_rate") == "no decision column"
    assert math.isnan(value(table, "ece")) and note(table, "ece") == "no confidence column"


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c", None]),
            st.sampled_from(["a", "b", None]),
            st.sampled_from([0.0, 0.5, 1.0, None]),
        ),
        max_size=8,
    )
)
@settings(max_examples=80, deadline=None, derandomize=True)
def test_small_and_odd_inputs_never_give_an_unexplained_nan(rows: list[tuple]) -> None:
    frame = session_frame(
        [r[0] for r in rows], [r[1] for r in rows], confidence=[np.nan if r[2] is None else r[2] for r in rows]
    )
    frame.loc[frame["label"].isna(), "decision"] = "skipped"
    table = agreement(frame, n_boot=20)
    assert_every_nan_is_explained(table)
    assert table.loc[table["metric"] != "n", "value"].dropna().between(-1, 1).all()


# ---------------------------------------------------------------------------------------------------------------
# between annotators


@st.composite
def label_matrices(draw: st.DrawFn) -> np.ndarray:
    """annotators × items, labels 0..k-1, NaN for a missing label."""
    annotators = draw(st.integers(2, 5))
    items = draw(st.integers(1, 25))
    k = draw(st.integers(2, 4))
    cells = draw(
        st.lists(st.one_of(st.none(), st.integers(0, k - 1)), min_size=annotators * items, max_size=annotators * items)
    )
    return np.array([np.nan if c is None else c for c in cells], dtype=float).reshape(annotators, items)


def to_long(matrix: np.ndarray, names: list[str] | None = None) -> pd.DataFrame:
    rows = [
        {"item": f"i{j:02d}", "annotator": f"r{i}", "label": names[int(v)] if names else v}
        for i in range(matrix.shape[0])
        for j in range(matrix.shape[1])
        if not math.isnan(v := matrix[i, j])
    ]
    random.Random(0).shuffle(rows)  # the long table's row order must not matter
    return pd.DataFrame(rows, columns=["item", "annotator", "label"])


@given(label_matrices())
@settings(max_examples=80, deadline=None, derandomize=True)
def test_annotator_agreement_equals_the_reference_libraries(matrix: np.ndarray) -> None:
    long = to_long(matrix, names=["neg", "neu", "pos", "mixed"])
    if long.empty:
        return
    table = annotator_agreement(long)
    assert_every_nan_is_explained(table)
    # the package's own matrix: only items and annotators that appear in the long table
    present = matrix[:, ~np.isnan(matrix).all(axis=0)]
    present = present[~np.isnan(present).all(axis=1)]

    pairable = (~np.isnan(present)).sum(axis=0) >= 2
    alpha = value(table, "krippendorff_alpha")
    if pairable.any() and np.unique(present[:, pairable][~np.isnan(present[:, pairable])]).size >= 2:
        assert alpha == pytest.approx(krippendorff.alpha(present, level_of_measurement="nominal"), abs=1e-9)
    else:
        assert math.isnan(alpha)

    counts = np.stack([np.bincount(col[~np.isnan(col)].astype(int), minlength=4) for col in present.T])
    per_item = counts.sum(axis=1)
    kappa = value(table, "fleiss_kappa")
    if (per_item >= 2).any():
        sizes, frequency = np.unique(per_item[per_item >= 2], return_counts=True)
        chosen = counts[per_item == sizes[frequency == frequency.max()].max()]
        if (chosen.sum(axis=0) > 0).sum() >= 2:
            assert kappa == pytest.approx(statsmodels_fleiss_kappa(chosen), abs=1e-9)
        else:
            assert math.isnan(kappa)
        agreeing = (counts * (counts - 1)).sum(axis=1)[per_item >= 2]
        total = (per_item * (per_item - 1))[per_item >= 2]
        assert value(table, "percent_agreement", annotator_a=None) == pytest.approx(np.mean(agreeing / total))
    else:
        assert math.isnan(kappa)

    pairwise = table[table["metric"] == "cohen_kappa"]
    assert len(pairwise) == present.shape[0] * (present.shape[0] - 1) // 2
    annotators = sorted(long["annotator"].unique())
    for row in pairwise.itertuples():
        a = matrix[int(row.annotator_a[1:])]
        b = matrix[int(row.annotator_b[1:])]
        both = ~np.isnan(a) & ~np.isnan(b)
        assert row.annotator_a in annotators and row.n == both.sum()
        x, y = a[both], b[both]
        if both.sum() and (np.unique(x).size >= 2 or np.unique(y).size >= 2 or x[0] != y[0]):
            assert row.value == pytest.approx(cohen_kappa_score(x, y, labels=range(4)), abs=1e-9)
        else:  # no overlap, or one and the same label from both: chance agreement 1
            assert math.isnan(row.value) and row.note


@given(label_matrices())
@SETTINGS
def test_krippendorff_alpha_of_names_equals_alpha_of_codes(matrix: np.ndarray) -> None:
    names = np.array(["neg", "neu", "pos", "mixed"], dtype=object)
    as_names = np.where(np.isnan(matrix), None, names[np.nan_to_num(matrix).astype(int)])
    ours = krippendorff_alpha(as_names, level="nominal")
    codes = krippendorff_alpha(matrix, level="nominal")
    assert (math.isnan(ours) and math.isnan(codes)) or ours == pytest.approx(codes, abs=1e-9)


def test_annotators_without_overlap() -> None:
    long = pd.DataFrame(
        {"item": [1, 2, 3, 4], "annotator": ["ana", "ana", "ben", "ben"], "label": ["x", "y", "x", "y"]}
    )
    table = annotator_agreement(long)
    assert table["value"].isna().all()
    assert note(table, "krippendorff_alpha") == "no item has labels from two annotators"
    assert table.loc[table["metric"] == "cohen_kappa", "note"].item() == "no item labeled by both"
    assert table.loc[table["metric"] == "cohen_kappa", "n"].item() == 0


def test_annotator_agreement_on_empty_and_unlabeled_input() -> None:
    empty = annotator_agreement(pd.DataFrame({"item": [], "annotator": [], "label": []}))
    assert list(empty["metric"]) == ["percent_agreement", "fleiss_kappa", "krippendorff_alpha"]
    assert empty["value"].isna().all()
    assert_every_nan_is_explained(empty)
    unlabeled = annotator_agreement(pd.DataFrame({"item": [1, 1], "annotator": ["ana", "ben"], "label": [None, "x"]}))
    assert unlabeled.loc[unlabeled["metric"] == "cohen_kappa", "note"].item() == "no item labeled by both"
    assert_every_nan_is_explained(unlabeled)


def test_annotators_who_all_give_the_same_label() -> None:
    long = pd.DataFrame({"item": [1, 1, 2, 2], "annotator": ["ana", "ben"] * 2, "label": ["x"] * 4})
    table = annotator_agreement(long)
    assert value(table, "percent_agreement", annotator_a=None) == 1.0  # a real 100%: they did agree every time
    for metric in ("fleiss_kappa", "krippendorff_alpha"):
        assert math.isnan(value(table, metric))
        assert "same" in note(table, metric)
    assert math.isnan(value(table, "cohen_kappa"))


def test_fleiss_kappa_on_undefined_and_bad_counts() -> None:
    assert math.isnan(fleiss_kappa(np.zeros((0, 3))))
    assert math.isnan(fleiss_kappa([[3, 0], [3, 0]]))
    with pytest.raises(InputError, match="same number of ratings"):
        fleiss_kappa([[3, 0], [1, 1]])
    with pytest.raises(InputError, match="non-negative whole counts"):
        fleiss_kappa([[1.5, 0.5], [1, 1]])


def test_krippendorff_alpha_rejects_names_for_interval_data() -> None:
    with pytest.raises(InputError, match="needs numeric values"):
        krippendorff_alpha([["a", "b"], ["a", "a"]], level="interval")
    with pytest.raises(InputError, match="level must be one of"):
        krippendorff_alpha([[1, 2], [1, 2]], level="circular")  # type: ignore[arg-type]


def test_duplicate_labels_from_one_annotator_are_refused() -> None:
    long = pd.DataFrame({"item": [1, 1, 2], "annotator": ["ana", "ana", "ben"], "label": ["x", "y", "x"]})
    with pytest.raises(InputError, match="drop_duplicates"):
        annotator_agreement(long)


# ---------------------------------------------------------------------------------------------------------------
# running accumulator


@st.composite
def add_remove_sequences(draw: st.DrawFn) -> list[tuple[str, tuple]]:
    labels = ["ham", "spam", "eggs"]
    added: list[tuple] = []
    steps: list[tuple[str, tuple]] = []
    for _ in range(draw(st.integers(0, 60))):
        if added and draw(st.integers(0, 3)) == 0:  # undo one of the earlier decisions
            event = added.pop(draw(st.integers(0, len(added) - 1)))
            steps.append(("remove", event))
            continue
        human = draw(st.sampled_from([*labels, None]))
        suggested = draw(st.sampled_from([*labels, None]))
        confidence = draw(st.one_of(st.none(), st.sampled_from([0.0, 0.15, 0.5, 0.95, 1.0])))
        accepted = draw(st.sampled_from([True, False, None]))
        event = (human, suggested, confidence, accepted)
        added.append(event)
        steps.append(("update", event))
    return steps


@given(add_remove_sequences())
@settings(max_examples=100, deadline=None, derandomize=True)
def test_running_agreement_equals_sklearn_after_any_add_remove_sequence(steps: list[tuple[str, tuple]]) -> None:
    running = RunningAgreement(labels=["ham", "spam", "eggs"])
    kept = apply_steps(running, steps)
    pairs = [e for e in kept if e[0] is not None and e[1] is not None]
    human = [e[0] for e in pairs]
    suggested = [e[1] for e in pairs]
    assert running.n == len(pairs)
    np.testing.assert_array_equal(
        running.confusion.to_numpy(),
        confusion_matrix(human, suggested, labels=["ham", "spam", "eggs"]) if pairs else np.zeros((3, 3), dtype=int),
    )
    if pairs:
        assert running.accuracy == pytest.approx(np.mean(np.array(human) == np.array(suggested)), abs=1e-12)
    else:
        assert math.isnan(running.accuracy) and "accuracy" in running.notes
    if pairs and (len(set(human)) >= 2 or len(set(suggested)) >= 2 or human[0] != suggested[0]):
        assert running.kappa == pytest.approx(cohen_kappa_score(human, suggested), abs=1e-9)
    else:  # no pairs, or one and the same label on both sides: chance agreement 1
        assert math.isnan(running.kappa) and running.notes["kappa"]
    reviewed = [e[3] for e in kept if e[3] is not None]
    if reviewed:
        assert running.accept_rate == pytest.approx(np.mean(reviewed), abs=1e-12)
    else:
        assert math.isnan(running.accept_rate)
    with_confidence = [e for e in pairs if e[2] is not None]
    if with_confidence:
        confidence = np.array([e[2] for e in with_confidence])
        correct = np.array([e[0] == e[1] for e in with_confidence])
        assert running.ece == pytest.approx(naive_calibration(confidence, correct, 10)[1], abs=1e-9)
    else:
        assert math.isnan(running.ece)


def test_running_agreement_equals_agreement_on_a_session() -> None:
    frame = random_session(11)
    running = RunningAgreement()
    for row in frame.itertuples():
        human = None if pd.isna(row.label) or row.decision == "skipped" else row.label
        suggested = None if pd.isna(row.suggestion) else row.suggestion
        accepted = {"accepted": True, "corrected": False, "rejected": False}.get(row.decision)
        running.update(human, suggested, row.confidence, accepted)
    table = agreement(frame, n_boot=0)
    assert running.n == value(table, "n")
    assert running.kappa == pytest.approx(value(table, "cohen_kappa"), abs=1e-12)
    assert running.accuracy == pytest.approx(value(table, "accuracy"), abs=1e-12)
    assert running.accept_rate == pytest.approx(value(table, "accept_rate"), abs=1e-12)
    assert running.ece == pytest.approx(value(table, "ece"), abs=1e-9)
    pd.testing.assert_frame_equal(running.confusion.loc[["eggs", "ham", "spam"], ["eggs", "ham", "spam"]],
                                  confusion(frame), check_index_type=False, check_column_type=False)  # fmt: skip


def test_running_agreement_refuses_what_was_never_added() -> None:
    running = RunningAgreement(labels=["a", "b"])
    running.update("a", "b", accepted=False)
    with pytest.raises(InputError, match="no such decision"):
        running.remove("a", "a")
    with pytest.raises(InputError, match="accepted=True"):
        running.remove(None, None, accepted=True)
    with pytest.raises(InputError, match="not one of the labels"):
        running.update("c", "a")
    running.remove("a", "b", accepted=False)
    assert running.n == 0 and math.isnan(running.kappa) and math.isnan(running.accept_rate)


# ---------------------------------------------------------------------------------------------------------------
# bad input


def test_missing_columns_are_named_with_the_columns_that_exist() -> None:
    frame = pd.DataFrame({"text": ["x"], "my_label": ["a"], "llm": ["a"]})
    with pytest.raises(InputError) as error:
        agreement(frame)
    message = str(error.value)
    assert "['label', 'suggestion']" in message and "'my_label'" in message and "'llm'" in message
    with pytest.raises(InputError, match="'item'"):
        annotator_agreement(frame)


def test_a_misspelt_optional_column_is_an_error_not_a_silent_nan() -> None:
    frame = random_session(12, n=20)
    with pytest.raises(InputError, match="decison"):
        agreement(frame, decision="decison")
    with pytest.raises(InputError, match="by"):
        agreement(frame, by="annotator")


def test_bad_values_are_refused() -> None:
    frame = random_session(13, n=20)
    with pytest.raises(InputError, match="unknown decisions"):
        agreement(frame.assign(decision="maybe"))
    with pytest.raises(InputError, match=r"in \[0, 1\]"):
        agreement(frame.assign(confidence=1.5))
    with pytest.raises(InputError, match="DataFrame"):
        agreement([1, 2, 3])  # type: ignore[arg-type]
    with pytest.raises(InputError, match="unique"):
        agreement(frame, labels=["ham", "ham"])
    with pytest.raises(InputError, match="ci"):
        agreement(frame, ci=95)
