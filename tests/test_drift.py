"""Agreement over time, the Page-Hinkley change detector, and label drift (JS distance, PSI)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import jensenshannon
from sklearn.metrics import cohen_kappa_score

from labelwidgets.errors import InputError
from labelwidgets.metrics.drift import PageHinkley, agreement_over_time, js_distance, label_drift, psi, psi_reading

START = pd.Timestamp("2025-03-01 09:00", tz="UTC")


def agreement_stream(seed: int, before: float, after: float, n_before: int = 300, n_after: int = 300) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.r_[rng.random(n_before) < before, rng.random(n_after) < after].astype(float)


def session(agree: np.ndarray, seed: int = 0, shuffle: bool = True) -> pd.DataFrame:
    """Decisions whose suggestion agrees with the label where ``agree`` is 1, in a shuffled row order."""
    rng = np.random.default_rng(seed)
    n = len(agree)
    human = rng.choice(["ham", "spam", "eggs"], n, p=[0.5, 0.3, 0.2])
    other = {"ham": "spam", "spam": "eggs", "eggs": "ham"}
    suggested = np.where(agree == 1, human, [other[h] for h in human])
    frame = pd.DataFrame(
        {
            "label": pd.array(human, dtype="string"),
            "decision": np.where(agree == 1, "accepted", "corrected"),
            "suggestion": pd.array(suggested, dtype="string"),
            "decided_at": START + pd.to_timedelta(np.arange(n) * 7, unit="s"),
        }
    )
    return frame.sample(frac=1, random_state=seed) if shuffle else frame


# ---------------------------------------------------------------------------------------------------------------
# Page-Hinkley


def test_page_hinkley_finds_a_drop_from_90_to_50_percent_quickly() -> None:
    detector = PageHinkley()
    delays, early_alarms = [], 0
    for seed in range(50):
        alarms = np.flatnonzero(detector.detect(agreement_stream(seed, 0.9, 0.5)))
        early_alarms += int((alarms < 300).sum())
        after = alarms[alarms >= 300]
        delays.append(after[0] - 300 if after.size else math.inf)
    assert max(delays) <= 80, sorted(delays)  # every drop found, within 80 decisions
    assert np.median(delays) <= 35
    assert early_alarms <= 2  # over 50 × 300 stationary decisions before the change


def test_page_hinkley_rarely_fires_on_a_stationary_stream() -> None:
    detector = PageHinkley()
    at_90 = sum(int(detector.detect(agreement_stream(100 + s, 0.9, 0.9, 1000, 1000)).sum()) for s in range(20))
    at_50 = sum(int(detector.detect(agreement_stream(200 + s, 0.5, 0.5, 1000, 1000)).sum()) for s in range(20))
    assert at_90 <= 2  # in 40,000 decisions
    assert at_50 <= 60  # the noisiest 0/1 stream: at most 1.5 false alarms per 1,000 decisions


def test_page_hinkley_directions_and_a_clean_step() -> None:
    step_down = np.r_[np.ones(100), np.zeros(100)]
    alarms = np.flatnonzero(PageHinkley().detect(step_down))
    assert alarms.size >= 1 and 100 <= alarms[0] <= 115
    assert not PageHinkley(direction="up").detect(step_down).any()
    step_up = 1 - step_down
    assert PageHinkley(direction="up").detect(step_up).any()
    assert not PageHinkley(direction="down").detect(step_up).any()
    assert not PageHinkley().detect(np.ones(1000)).any()
    assert not PageHinkley(min_samples=500).detect(step_down[:400]).any()


def test_page_hinkley_starts_over_after_an_alarm() -> None:
    detector = PageHinkley()
    alarms = np.flatnonzero(detector.detect(np.r_[np.ones(100), np.zeros(100)]))
    assert alarms.size == 1
    assert detector.n == 199 - alarms[0]  # counting again from the alarm
    assert detector.mean == 0.0  # the mean since the alarm, not since the start
    fresh = PageHinkley().detect(np.ones(50))
    np.testing.assert_array_equal(detector.detect(np.ones(50)), fresh)  # detect() forgets earlier updates


def test_page_hinkley_refuses_bad_settings() -> None:
    with pytest.raises(InputError, match="threshold"):
        PageHinkley(threshold=0)
    with pytest.raises(InputError, match="direction"):
        PageHinkley(direction="sideways")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="finite"):
        PageHinkley().update(float("nan"))


# ---------------------------------------------------------------------------------------------------------------
# agreement over time


def test_rolling_numbers_equal_a_direct_computation_in_decision_order() -> None:
    agree = agreement_stream(3, 0.85, 0.6, 120, 80)
    frame = session(agree, seed=3)
    frame.loc[frame.index[::17], "label"] = pd.NA  # skipped rows: not pairs, but still decisions
    frame.loc[frame.index[::17], "decision"] = "skipped"
    result = agreement_over_time(frame, window=40, min_periods=10)

    ordered = frame.sort_values("decided_at")
    assert list(result.index) == list(ordered.index)  # joins back onto the user's rows
    assert result["decided_at"].is_monotonic_increasing
    is_pair = ordered["label"].notna().to_numpy()
    assert result["agree"].isna().to_numpy().tolist() == (~is_pair).tolist()

    human = ordered["label"].to_numpy(object)
    suggested = ordered["suggestion"].to_numpy(object)
    pair_positions = np.flatnonzero(is_pair)
    for row in range(len(ordered)):
        window = pair_positions[pair_positions <= row][-40:]
        assert result["n_compared"].iloc[row] == len(window)
        if len(window) < 10:
            assert math.isnan(result["accuracy"].iloc[row]) and math.isnan(result["kappa"].iloc[row])
            continue
        h, s = human[window].astype(str), suggested[window].astype(str)
        assert result["accuracy"].iloc[row] == pytest.approx(np.mean(h == s), abs=1e-12)
        if len(set(h)) > 1 and len(set(s)) > 1:
            assert result["kappa"].iloc[row] == pytest.approx(cohen_kappa_score(h, s), abs=1e-9)
        assert result["accuracy_low"].iloc[row] <= result["accuracy"].iloc[row] <= result["accuracy_high"].iloc[row]
        if np.isfinite(result["kappa"].iloc[row]):
            assert result["kappa_low"].iloc[row] <= result["kappa"].iloc[row] <= result["kappa_high"].iloc[row]

    reviewed = ordered["decision"].isin(["accepted", "corrected", "rejected"]).to_numpy()
    accepted = (ordered["decision"] == "accepted").to_numpy()
    last = len(ordered) - 1
    window = np.flatnonzero(reviewed)[-40:]
    assert result["n_reviewed"].iloc[last] == 40
    assert result["accept_rate"].iloc[last] == pytest.approx(accepted[window].mean(), abs=1e-12)


def test_a_drop_in_agreement_is_flagged_after_it_happens() -> None:
    result = agreement_over_time(session(agreement_stream(5, 0.9, 0.5), seed=5), window=50)
    changes = np.flatnonzero(result["change"].to_numpy())
    assert changes.size >= 1
    assert 300 <= changes[0] <= 380
    assert result["accuracy"].iloc[290] > 0.75 and result["accuracy"].iloc[-1] < 0.65


def test_undecided_rows_are_left_out_and_a_custom_detector_is_used() -> None:
    frame = session(agreement_stream(6, 0.9, 0.9, 50, 50), seed=6)
    frame.loc[frame.index[:10], "decided_at"] = pd.NaT
    result = agreement_over_time(frame, detector=PageHinkley(threshold=1e9))
    assert len(result) == 90
    assert not result["change"].any()


def test_agreement_over_time_with_too_little_data() -> None:
    empty = agreement_over_time(session(np.zeros(0)))
    assert empty.empty and "kappa" in empty.columns
    few = agreement_over_time(session(np.ones(5)), min_periods=10)
    assert few["accuracy"].isna().all() and few["kappa"].isna().all()
    with pytest.raises(InputError, match="decided_at"):
        agreement_over_time(session(np.ones(5)).drop(columns="decided_at"))


# ---------------------------------------------------------------------------------------------------------------
# label drift


def test_psi_and_js_distance_by_hand() -> None:
    assert psi([50, 50], [50, 50]) == 0.0
    assert psi([60, 40], [40, 60]) == pytest.approx(2 * 0.2 * math.log(0.6 / 0.4))  # 0.1622
    # a label with no baseline count: its share becomes eps before the logarithm
    assert psi([10, 0], [5, 5], eps=1e-4) == pytest.approx(
        (0.5 - 1.0) * math.log(0.5 / 1.0) + (0.5 - 1e-4) * math.log(0.5 / 1e-4)
    )
    assert psi([10, 0], [5, 5], eps=1e-2) < psi([10, 0], [5, 5], eps=1e-4)
    assert js_distance([1, 0], [0, 1]) == pytest.approx(1.0)
    assert js_distance([3, 1], [3, 1]) == pytest.approx(0.0, abs=1e-12)
    assert js_distance([30, 10, 0], [1, 1, 1]) == pytest.approx(jensenshannon([0.75, 0.25, 0], [1 / 3] * 3, base=2))


def test_psi_reading_boundaries() -> None:
    assert [psi_reading(x) for x in (0.0, 0.099, 0.1, 0.25, 0.2501, 3.0)] == [
        "stable",
        "stable",
        "moderate",
        "moderate",
        "large",
        "large",
    ]
    assert psi_reading(math.nan) is None


def test_psi_and_js_refuse_bad_input() -> None:
    with pytest.raises(InputError, match="length"):
        psi([1, 2], [1, 2, 3])
    with pytest.raises(InputError, match="all zeros"):
        js_distance([0, 0], [1, 1])
    with pytest.raises(InputError, match="non-negative"):
        psi([1, -1], [1, 1])


def drifting_labels(n_baseline: int = 200, n_after: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    before = rng.choice(["ham", "spam"], n_baseline, p=[0.8, 0.2])
    after = rng.choice(["ham", "spam", "eggs"], n_after, p=[0.3, 0.3, 0.4])  # a new label shows up
    labels = np.r_[before, after]
    frame = pd.DataFrame(
        {"label": pd.array(labels, dtype="string"), "decided_at": START + pd.to_timedelta(np.arange(len(labels)), "s")}
    )
    return frame.sample(frac=1, random_state=seed)


def test_label_drift_against_the_first_labels() -> None:
    frame = drifting_labels()
    result = label_drift(frame, baseline=100, window=100)
    ordered = frame.sort_values("decided_at")
    assert list(result.index) == list(ordered.index)
    assert (result["reading"].iloc[:100] == "baseline").all()
    assert result["psi"].iloc[:199].isna().all()  # the first full window after the baseline ends at row 199
    assert result["reading"].iloc[199] == "stable"  # rows 100-199: the same mix as the baseline
    assert result["reading"].iloc[-1] == "large"  # rows 300-399: after the change
    assert result["js_distance"].iloc[-1] > 0.3 > result["js_distance"].iloc[199]

    labels = ordered["label"].to_numpy(str)
    names = ["eggs", "ham", "spam"]
    baseline = [np.sum(labels[:100] == x) for x in names]
    recent = [np.sum(labels[-100:] == x) for x in names]
    assert result["psi"].iloc[-1] == pytest.approx(psi(baseline, recent), abs=1e-12)
    assert result["js_distance"].iloc[-1] == pytest.approx(js_distance(baseline, recent), abs=1e-12)
    assert result["n_recent"].iloc[-1] == 100 and result["n_baseline"].iloc[-1] == 100


def test_label_drift_against_a_reference_and_partial_windows() -> None:
    frame = drifting_labels(seed=1)
    reference = pd.Series(["ham"] * 80 + ["spam"] * 20)
    result = label_drift(frame, baseline=reference, window=50, min_periods=20)
    assert result["psi"].iloc[:19].isna().all() and result["psi"].iloc[19:].notna().all()
    assert result["reading"].iloc[60] == "stable"
    assert result["reading"].iloc[-1] == "large"
    same = label_drift(frame, baseline=reference.to_frame("label"), window=50, min_periods=20)
    pd.testing.assert_frame_equal(result, same)


def test_label_drift_edge_cases() -> None:
    short = drifting_labels(30, 0)
    result = label_drift(short, baseline=100)
    assert result["psi"].isna().all() and (result["reading"] == "baseline").all()
    no_time = drifting_labels().drop(columns="decided_at").sort_index()
    assert "decided_at" not in label_drift(no_time).columns
    with pytest.raises(InputError, match="baseline"):
        label_drift(no_time, baseline=0)
    with pytest.raises(InputError, match="'category'"):
        label_drift(no_time, column="category")
    with pytest.raises(InputError, match="no labels"):
        label_drift(no_time, baseline=pd.Series([None, None], dtype=object))
    with pytest.raises(InputError, match="not in labels"):
        label_drift(no_time, labels=["ham", "spam"])
