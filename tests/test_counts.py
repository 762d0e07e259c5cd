"""metrics.counts, the one definition of every agreement number: equal to the reference libraries, and every
caller (lw.agreement, RunningAgreement, agreement_over_time, the Dashboard, lw.compare) gives the same value and
the same reason."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score, f1_score, precision_recall_fscore_support
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss_kappa
from statsmodels.stats.proportion import proportion_confint

import labelwidgets as lw
from labelwidgets.errors import InputError
from labelwidgets.metrics import counts
from labelwidgets.metrics.counts import (
    BOOTSTRAP,
    bootstrap_confusion,
    bootstrap_counts,
    bootstrap_note,
    confusion_of_codes,
    f1_from_counts,
    kappa_estimate,
    kappa_from_counts,
    kappa_note,
    label_counts,
    macro_f1_from_counts,
    percentile_interval,
    scott_pi_from_counts,
    scott_pi_note,
    wilson_interval,
)

SETTINGS = settings(max_examples=80, deadline=None, derandomize=True)
K = 4  # labels 0..3; code 4 is a suggestion outside the label set (an invalid LLM output)


@st.composite
def coded_pairs(draw: st.DrawFn, *, invalid: bool = True) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 40))
    human = draw(st.lists(st.integers(0, K - 1), min_size=n, max_size=n))
    suggested = draw(st.lists(st.integers(0, K if invalid else K - 1), min_size=n, max_size=n))
    return np.array(human), np.array(suggested)


def chance_is_one(human: np.ndarray, suggested: np.ndarray) -> bool:
    """Both sides gave one and the same label throughout: kappa and pi are 0/0."""
    return bool(np.unique(human).size == 1 and (suggested == human[0]).all())


# ---------------------------------------------------------------------------------------------------------------
# equal to scikit-learn and statsmodels


@given(coded_pairs())
@SETTINGS
def test_kappa_from_counts_equals_scikit_learn(pairs: tuple[np.ndarray, np.ndarray]) -> None:
    human, suggested = pairs
    agree, true, pred, _ = label_counts(human, suggested, K)
    kappa = float(kappa_from_counts(agree, true, pred))
    if chance_is_one(human, suggested):
        assert math.isnan(kappa)
        assert kappa_note(true, pred, list("abcd")).endswith("chance agreement is 1, so kappa is 0/0")
    else:
        # an invalid output is one more category for scikit-learn, never equal to a human label
        assert kappa == pytest.approx(cohen_kappa_score(human, suggested), abs=1e-9)


@given(coded_pairs(invalid=False))
@SETTINGS
def test_scott_pi_from_counts_equals_fleiss_kappa_of_two_raters(pairs: tuple[np.ndarray, np.ndarray]) -> None:
    human, suggested = pairs
    agree, true, pred, _ = label_counts(human, suggested, K)
    pi = float(scott_pi_from_counts(agree, true, pred))
    if chance_is_one(human, suggested):
        assert math.isnan(pi)
        assert scott_pi_note(true, pred, list("abcd")).endswith("so pi is 0/0")
    else:
        per_item = np.stack([np.bincount([h, s], minlength=K) for h, s in zip(human, suggested, strict=True)])
        assert pi == pytest.approx(statsmodels_fleiss_kappa(per_item), abs=1e-9)
        assert scott_pi_note(true, pred, list("abcd")) == ""


@given(coded_pairs())
@SETTINGS
def test_f1_and_macro_f1_from_counts_equal_scikit_learn(pairs: tuple[np.ndarray, np.ndarray]) -> None:
    human, suggested = pairs
    _, true, pred, hits = label_counts(human, suggested, K)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn warns about labels with no samples; NaN is the answer
        per_label = precision_recall_fscore_support(human, suggested, labels=range(K), zero_division=np.nan)[2]
        macro = f1_score(human, suggested, labels=range(K), average="macro", zero_division=np.nan)
    np.testing.assert_allclose(f1_from_counts(hits, true, pred), per_label, atol=1e-9, equal_nan=True)
    assert float(macro_f1_from_counts(hits, true, pred)) == pytest.approx(macro, abs=1e-9, nan_ok=True)


@given(st.integers(0, 500), st.integers(0, 500), st.sampled_from([0.5, 0.8, 0.9, 0.95, 0.99]))
@SETTINGS
def test_wilson_interval_equals_statsmodels(successes: int, extra: int, ci: float) -> None:
    trials = successes + extra
    low, high = wilson_interval(successes, trials, ci)
    if trials == 0:
        assert math.isnan(float(low)) and math.isnan(float(high))
        return
    ref_low, ref_high = proportion_confint(successes, trials, alpha=1 - ci, method="wilson")
    assert float(low) == pytest.approx(ref_low, abs=1e-9)
    assert float(high) == pytest.approx(ref_high, abs=1e-9)


def test_wilson_interval_is_vectorised_and_exact_at_the_ends() -> None:
    low, high = wilson_interval(np.array([0, 3, 10]), np.array([10, 10, 10]))
    assert low[0] == 0.0 and high[2] == 1.0
    assert (low[1], high[1]) == pytest.approx(proportion_confint(3, 10, method="wilson"), abs=1e-12)


@given(st.lists(st.one_of(st.floats(-1, 1), st.just(math.nan)), min_size=0, max_size=60), st.floats(0.5, 0.99))
@SETTINGS
def test_percentile_interval_equals_numpy_quantiles_of_the_defined_replicates(values: list[float], ci: float) -> None:
    replicates = np.array(values, dtype=float)
    low, high, n_defined = percentile_interval(replicates, ci)
    finite = replicates[np.isfinite(replicates)]
    assert int(n_defined) == finite.size
    if finite.size < 2:
        assert math.isnan(float(low)) and math.isnan(float(high))
    else:
        expected = np.quantile(finite, [(1 - ci) / 2, 1 - (1 - ci) / 2])
        assert (float(low), float(high)) == pytest.approx(tuple(expected), abs=1e-12)
    # the same over a leading axis, row by row
    stacked = np.stack([replicates, replicates[::-1]])
    rows_low, rows_high, rows_defined = percentile_interval(stacked, ci)
    np.testing.assert_allclose(rows_low, [low, low], equal_nan=True)
    np.testing.assert_allclose(rows_high, [high, high], equal_nan=True)
    assert rows_defined.tolist() == [finite.size, finite.size]


def test_count_functions_are_vectorised_over_leading_axes() -> None:
    rng = np.random.default_rng(3)
    human = rng.integers(0, K, size=(6, 30))
    suggested = np.where(rng.random((6, 30)) < 0.6, human, rng.integers(0, K + 1, size=(6, 30)))
    per_row = [label_counts(h, s, K) for h, s in zip(human, suggested, strict=True)]
    agree, true, pred, hits = (np.stack([np.asarray(row[i]) for row in per_row]) for i in range(4))
    for function, first in ((kappa_from_counts, agree), (scott_pi_from_counts, agree), (macro_f1_from_counts, hits)):
        together = function(first, true, pred)
        one_by_one = [float(function(*row[:3])) if function is not macro_f1_from_counts
                      else float(function(row.hits, row.true_counts, row.pred_counts)) for row in per_row]  # fmt: skip
        np.testing.assert_allclose(together, one_by_one, atol=1e-12)


# ---------------------------------------------------------------------------------------------------------------
# the bootstrap over items


def test_bootstrap_counts_are_counts_of_a_resample() -> None:
    rng = np.random.default_rng(0)
    human = rng.integers(0, 3, 200)
    suggested = np.where(rng.random(200) < 0.7, human, rng.integers(-1, 4, 200))  # -1 and 3: outside the labels
    drawn = bootstrap_counts(human, suggested, 3, 500, np.random.default_rng(1))
    assert drawn.true_counts.shape == drawn.pred_counts.shape == drawn.hits.shape == (500, 3)
    assert (drawn.true_counts.sum(axis=1) == 200).all()  # n items in every resample
    assert (drawn.agree == drawn.hits.sum(axis=1)).all()
    assert (drawn.hits <= np.minimum(drawn.true_counts, drawn.pred_counts)).all()
    # an invalid suggestion counts in n and in no label: the suggestions per resample fall short by about 21%
    invalid_share = 1 - drawn.pred_counts.sum(axis=1).mean() / 200
    assert invalid_share == pytest.approx(np.mean((suggested < 0) | (suggested >= 3)), abs=0.01)


def test_bootstrap_of_several_suggesters_is_paired() -> None:
    rng = np.random.default_rng(4)
    human = rng.integers(0, 3, 120)
    first = np.where(rng.random(120) < 0.8, human, rng.integers(0, 4, 120))
    second = np.where(rng.random(120) < 0.5, human, rng.integers(0, 3, 120))
    both = bootstrap_counts(human, np.stack([first, second, first]), 3, 2000, np.random.default_rng(9))
    assert both.pred_counts.shape == (2000, 3, 3) and both.agree.shape == (2000, 3)
    # paired: every suggester is scored on the same resampled items
    np.testing.assert_array_equal(both.true_counts[:, 0], both.true_counts[:, 1])
    for drawn in both:
        np.testing.assert_array_equal(drawn[:, 0], drawn[:, 2])
    # and each one alone is resampled as if it were the only one
    alone = bootstrap_counts(human, second, 3, 2000, np.random.default_rng(10))
    together = kappa_from_counts(both.agree[:, 1], both.true_counts[:, 1], both.pred_counts[:, 1])
    single = kappa_from_counts(alone.agree, alone.true_counts, alone.pred_counts)
    assert np.quantile(together, [0.025, 0.5, 0.975]) == pytest.approx(
        np.quantile(single, [0.025, 0.5, 0.975]), abs=0.02
    )


def test_bootstrap_confusion_equals_bootstrap_counts_and_drawing_in_blocks_changes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(5)
    human = rng.integers(0, 3, 90)
    suggested = np.where(rng.random(90) < 0.7, human, rng.integers(0, 3, 90))
    confusion_matrix = np.bincount(human * 3 + suggested, minlength=9).reshape(3, 3)
    from_items = bootstrap_counts(human, suggested, 3, 400, np.random.default_rng(2))
    from_confusion = bootstrap_confusion(confusion_matrix, 400, np.random.default_rng(2))
    monkeypatch.setattr(counts, "_MAX_DRAWN_ENTRIES", 50)  # blocks of 5 replicates
    in_blocks = bootstrap_confusion(confusion_matrix, 400, np.random.default_rng(2))
    for a, b, c in zip(from_items, from_confusion, in_blocks, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)


def test_bootstrap_matches_resampling_rows_in_distribution() -> None:
    rng = np.random.default_rng(6)
    human = rng.integers(0, 3, 300)
    suggested = np.where(rng.random(300) < 0.7, human, rng.integers(0, 3, 300))
    drawn = bootstrap_counts(human, suggested, 3, 4000, np.random.default_rng(7))
    cells = bootstrap_kappa = kappa_from_counts(drawn.agree, drawn.true_counts, drawn.pred_counts)
    rows = np.random.default_rng(8).integers(0, 300, size=(4000, 300))
    plain = [label_counts(human[r], suggested[r], 3) for r in rows]
    row_kappa = np.array([float(kappa_from_counts(*c[:3])) for c in plain])
    assert np.quantile(cells, [0.025, 0.5, 0.975]) == pytest.approx(
        np.quantile(row_kappa, [0.025, 0.5, 0.975]), abs=0.012
    )
    assert bootstrap_kappa.std() == pytest.approx(row_kappa.std(), rel=0.08)


def test_bootstrap_refuses_bad_input() -> None:
    with pytest.raises(InputError, match="n_boot"):
        bootstrap_counts([0, 1], [0, 1], 2, 0, np.random.default_rng(0))
    with pytest.raises(InputError, match=r"human label codes must lie in \[0, 2\)"):
        bootstrap_counts([0, 2], [0, 1], 2, 10, np.random.default_rng(0))
    with pytest.raises(InputError, match="shaped"):
        bootstrap_counts([0, 1], [0, 1, 1], 2, 10, np.random.default_rng(0))


# ---------------------------------------------------------------------------------------------------------------
# degenerate cases: one rule, one reason, in every caller

# A suggester that always says "spam" while people said ham 6 times and spam 4 times. Chance agreement is
# 0.4 < 1, so kappa is defined and is exactly 0.0 (scikit-learn agrees); the note says why.
CONSTANT_HUMAN = ["ham"] * 6 + ["spam"] * 4
CONSTANT_SUGGESTED = ["spam"] * 10
CONSTANT_NOTE = "the suggester always says 'spam': kappa 0 = no better than chance"


def constant_suggester_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "text": [f"message {i}" for i in range(10)],
            "label": CONSTANT_HUMAN,
            "suggestion": CONSTANT_SUGGESTED,
            "decision": ["accepted" if h == "spam" else "corrected" for h in CONSTANT_HUMAN],
        }
    )


def test_a_constant_suggester_has_kappa_exactly_zero_with_a_note_in_counts() -> None:
    assert cohen_kappa_score(CONSTANT_HUMAN, CONSTANT_SUGGESTED) == 0.0
    agree, true, pred, _ = label_counts([0] * 6 + [1] * 4, [1] * 10, 2)
    assert float(kappa_from_counts(agree, true, pred)) == 0.0  # exactly, not 1e-17
    assert kappa_note(true, pred, ["ham", "spam"]) == CONSTANT_NOTE


def test_a_constant_suggester_gives_the_same_kappa_and_note_in_agreement_and_running_agreement() -> None:
    table = lw.agreement(constant_suggester_frame(), n_boot=200)
    row = table[table["metric"] == "cohen_kappa"].iloc[0]
    assert row["value"] == 0.0
    assert row["note"] == CONSTANT_NOTE
    assert (row["low"], row["high"]) == (0.0, 0.0)  # every resample has the same constant suggester

    running = lw.RunningAgreement(["ham", "spam"])
    for human, suggested in zip(CONSTANT_HUMAN, CONSTANT_SUGGESTED, strict=True):
        running.update(human, suggested)
    assert running.kappa == 0.0
    assert running.notes["kappa"] == CONSTANT_NOTE


def test_a_constant_suggester_in_a_rolling_window_has_kappa_zero() -> None:
    frame = constant_suggester_frame().assign(decided_at=pd.date_range("2025-01-01", periods=10, freq="min"))
    over_time = lw.agreement_over_time(frame, window=10, min_periods=5)
    assert over_time["kappa"].iloc[-1] == 0.0


def test_lw_agreement_and_lw_compare_agree_on_a_constant_suggester() -> None:
    """Regression: lw.agreement said NaN and lw.compare 0.0 for a suggester that always gives the same label."""
    frame = constant_suggester_frame()
    board = lw.compare(
        frame, human="label", text="text", labels=["ham", "spam"],
        suggesters={"always spam": lw.FromColumn("suggestion")}, progress=False, n_boot=0,
    )  # fmt: skip
    table = lw.agreement(frame, n_boot=0)
    kappa = float(table.loc[table["metric"] == "cohen_kappa", "value"].iloc[0])
    assert kappa == float(board.table.loc["always spam", "kappa"]) == 0.0


def test_kappa_is_nan_only_when_chance_agreement_is_one() -> None:
    same = label_counts([1, 1, 1], [1, 1, 1], 2)
    assert math.isnan(float(kappa_from_counts(*same[:3])))
    assert kappa_note(same.true_counts, same.pred_counts, ["ham", "spam"]) == (
        "people and the suggester all say 'spam': chance agreement is 1, so kappa is 0/0"
    )
    people_constant = label_counts([1, 1, 1], [1, 0, 1], 2)
    assert float(kappa_from_counts(*people_constant[:3])) == 0.0
    assert kappa_note(people_constant.true_counts, people_constant.pred_counts, ["ham", "spam"]).startswith(
        "people only ever said 'spam'"
    )
    # a constant suggester with some invalid outputs is not constant: its kappa is the formula's
    with_invalid = label_counts([0, 1, 0, 1], [1, 1, 2, 2], 2)
    assert float(kappa_from_counts(*with_invalid[:3])) == pytest.approx(
        cohen_kappa_score([0, 1, 0, 1], [1, 1, 2, 2]), abs=1e-12
    )
    assert kappa_note(with_invalid.true_counts, with_invalid.pred_counts, ["ham", "spam"]) == ""
    empty = label_counts(np.array([], dtype=int), np.array([], dtype=int), 2)
    assert math.isnan(float(kappa_from_counts(*empty[:3])))
    assert kappa_note(empty.true_counts, empty.pred_counts, ["ham", "spam"]) == counts.NO_PAIRS


# ---------------------------------------------------------------------------------------------------------------
# kappa with its note and interval: one assembly for students, classes and teams


@given(coded_pairs(), st.integers(0, 2**32 - 1))
@SETTINGS
def test_kappa_estimate_is_kappa_its_note_and_the_bootstrap_of_the_codes(
    pairs: tuple[np.ndarray, np.ndarray], seed: int
) -> None:
    human, suggested = pairs
    labels = list("abcd")
    confusion = confusion_of_codes(human, suggested, K)
    assert confusion.shape == (K, K + 1) and confusion.sum() == human.size
    estimate = kappa_estimate(confusion, labels, reference="ana", other="ben", n_boot=300, ci=0.9,
                              rng=np.random.default_rng(seed))  # fmt: skip
    agree, true, pred, _ = label_counts(human, suggested, K)
    assert estimate.note == kappa_note(true, pred, labels, reference="ana", other="ben")
    assert estimate.n == human.size
    if chance_is_one(human, suggested):
        assert math.isnan(estimate.kappa) and math.isnan(estimate.low) and estimate.interval == ""
        return
    assert estimate.kappa == pytest.approx(cohen_kappa_score(human, suggested), abs=1e-9)
    # the interval is the percentile interval of the same replicates bootstrap_counts draws from the codes
    drawn = bootstrap_counts(human, suggested, K, 300, np.random.default_rng(seed))
    low, high, defined = percentile_interval(kappa_from_counts(drawn.agree, drawn.true_counts, drawn.pred_counts), 0.9)
    assert (estimate.low, estimate.high) == (pytest.approx(float(low), nan_ok=True),
                                             pytest.approx(float(high), nan_ok=True))  # fmt: skip
    assert estimate.interval == BOOTSTRAP
    assert estimate.resampling_note == bootstrap_note(int(defined), 300)


def test_kappa_estimate_notes_read_in_order_and_a_square_confusion_needs_no_outside_column() -> None:
    # a student who only ever answers "spam" against gold: kappa 0, and the note says why
    square = np.array([[0, 6], [0, 4]])
    estimate = kappa_estimate(square, ["ham", "spam"], reference="the gold labels", other="the student")
    assert estimate.kappa == 0.0 and estimate.interval == "" and math.isnan(estimate.low)
    assert estimate.note == "the student always says 'spam': kappa 0 = no better than chance"
    assert estimate.notes("2 item(s) left out") == f"{estimate.note}; 2 item(s) left out"
    with_outside = kappa_estimate(np.column_stack([square, [0, 0]]), ["ham", "spam"], reference="the gold labels",
                                  other="the student")  # fmt: skip
    assert with_outside == estimate
    # an interval where some resamples are undefined says so, after anything the caller adds
    few = kappa_estimate(np.array([[1, 0], [0, 1]]), ["ham", "spam"], n_boot=200, rng=3)
    assert few.kappa == 1.0 and "bootstrap resamples were undefined" in few.resampling_note
    assert few.notes("scope") == f"scope; {few.resampling_note}"
    with pytest.raises(InputError, match="2 × 2"):
        kappa_estimate(np.zeros((3, 3)), ["ham", "spam"])
    with pytest.raises(InputError, match="n_boot"):
        kappa_estimate(square, ["ham", "spam"], n_boot=-1)
