"""Statistics of pairwise judgments (``metrics.pairwise``, issue #22): every number against its reference — scipy's
binomtest, kendalltau and spearmanr, choix, scikit-learn's cohen_kappa_score, the krippendorff package and
MT-Bench's own way of counting agreement — on generated tables and on seeded tournaments with a known strength
order; the sample size that detects a 60/40 preference; a judge that prefers the left side; bad input."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import choix
import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom, binomtest, kendalltau, spearmanr
from sklearn.metrics import cohen_kappa_score

import labelwidgets as lw
import labelwidgets.metrics as metrics
from labelwidgets.errors import InputError
from labelwidgets.metrics.pairwise import (
    DEFAULT_ALPHA,
    bradley_terry,
    detection_power,
    exact_interval,
    fit_bradley_terry,
    judge_agreement,
    judgments_needed,
    leaderboards,
    pairwise_conflicts,
    people_agreement,
    position_bias,
    win_matrix,
    win_rates,
)

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True)
SYSTEMS = ["alpha", "beta", "gamma", "delta"]
VERDICTS = ("tie", "both_bad")


# ---------------------------------------------------------------------------------------------------------------
# tables of judgments


@st.composite
def judgment_tables(draw: Any, systems: Sequence[str] = SYSTEMS, max_rows: int = 40) -> pd.DataFrame:
    """Rows of (system_a, system_b, winner), the pair in either order, ties and both-bad among the winners."""
    n_systems = draw(st.integers(2, len(systems)))
    names = list(systems[:n_systems])
    pairs = st.tuples(st.sampled_from(names), st.sampled_from(names)).filter(lambda p: p[0] != p[1])
    rows = draw(st.lists(st.tuples(pairs, st.sampled_from(["a", "b", "a", "b", "tie", "both_bad"])), min_size=1,
                         max_size=max_rows))  # fmt: skip
    return pd.DataFrame([{"system_a": a, "system_b": b, "winner": {"a": a, "b": b}.get(w, w)} for (a, b), w in rows])


def tournament(seed: int, strengths: dict[str, float], n: int, *, tie_share: float = 0.0) -> pd.DataFrame:
    """n judgments of random pairs by Bradley–Terry with the given strengths; a share of ties; a random left side."""
    rng = np.random.default_rng(seed)
    names = list(strengths)
    rows = []
    for _ in range(n):
        i, j = rng.choice(len(names), 2, replace=False)
        a, b = names[i], names[j]
        p = 1 / (1 + math.exp(-(strengths[a] - strengths[b])))
        if rng.random() < tie_share:
            winner = "tie"
        else:
            winner = a if rng.random() < p else b
        rows.append({"system_a": a, "system_b": b, "winner": winner, "left": a if rng.random() < 0.5 else b})
    return pd.DataFrame(rows)


def comparisons(df: pd.DataFrame, names: list[str], ties: str) -> tuple[list[tuple[int, int]], int]:
    """choix's data for the table: (winner, loser) per decisive judgment; with ties="half" every judgment twice,
    a tie as one win each way (so the penalty doubles too)."""
    data = []
    repeat = 2 if ties == "half" else 1
    for a, b, w in zip(df["system_a"], df["system_b"], df["winner"], strict=True):
        i, j = names.index(a), names.index(b)
        if w in VERDICTS:
            if ties == "half":
                data += [(i, j), (j, i)]
        else:
            win = names.index(w)
            data += [(win, j if win == i else i)] * repeat
    return data, repeat


def by_system(table: pd.DataFrame, column: str, names: list[str]) -> np.ndarray:
    return table.set_index("system").loc[names, column].to_numpy(dtype=float)


def metric(table: pd.DataFrame, name: str, **where: Any) -> pd.Series:
    rows = table[table["metric"] == name]
    for column, wanted in where.items():
        rows = rows[rows[column] == wanted]
    assert len(rows) == 1, (name, where, len(rows))
    return rows.iloc[0]


# ---------------------------------------------------------------------------------------------------------------
# win rates and the win matrix


@given(judgment_tables(), st.sampled_from([0.9, 0.95]))
@SETTINGS
def test_win_rates_count_the_table_and_their_intervals_are_binomtests(df: pd.DataFrame, ci: float) -> None:
    table = win_rates(df, ci=ci).set_index("system")
    half = win_rates(df, ties="half", ci=ci).set_index("system")
    for name in table.index:
        mine = df[(df["system_a"] == name) | (df["system_b"] == name)]
        wins = int((mine["winner"] == name).sum())
        ties = int(mine["winner"].isin(VERDICTS).sum())
        losses = len(mine) - wins - ties
        row = table.loc[name]
        assert (row["wins"], row["losses"], row["ties"], row["n"]) == (wins, losses, ties, wins + losses)
        assert row["both_bad"] == int((mine["winner"] == "both_bad").sum())
        if wins + losses == 0:
            assert math.isnan(row["win_rate"]) and "only ties" in row["note"]
        else:
            reference = binomtest(wins, wins + losses).proportion_ci(confidence_level=ci, method="exact")
            assert row["win_rate"] == pytest.approx(wins / (wins + losses))
            assert (row["low"], row["high"]) == pytest.approx((reference.low, reference.high), abs=1e-9)
        assert half.loc[name, "win_rate"] == pytest.approx((wins + ties / 2) / len(mine))
        assert half.loc[name, "n"] == len(mine)
        if ties % 2 == 0:  # a whole count: the half-tie interval is binomtest's too
            reference = binomtest(wins + ties // 2, len(mine)).proportion_ci(confidence_level=ci, method="exact")
            assert (half.loc[name, "low"], half.loc[name, "high"]) == pytest.approx(
                (reference.low, reference.high), abs=1e-9
            )
    rates = table["win_rate"].to_numpy()
    assert list(rates[np.isfinite(rates)]) == sorted(rates[np.isfinite(rates)], reverse=True)


def test_the_exact_interval_is_binomtests_for_every_count_and_conservative_between() -> None:
    for n in (1, 2, 7, 50, 121):
        for k in range(n + 1):
            reference = binomtest(k, n).proportion_ci(method="exact")
            low, high = exact_interval(k, n)
            assert (float(low), float(high)) == pytest.approx((reference.low, reference.high), abs=1e-9)
    low, high = exact_interval([10.5, 0, 5], [21, 0, 5])
    below, above = exact_interval(10, 21), exact_interval(11, 21)
    assert float(below[0]) < low[0] < float(above[0]) and float(below[1]) < high[0] < float(above[1])
    assert math.isnan(low[1]) and math.isnan(high[1]) and high[2] == 1.0


@given(judgment_tables(), st.sampled_from(["drop", "half"]))
@SETTINGS
def test_the_win_matrix_counts_each_pair(df: pd.DataFrame, ties: str) -> None:
    matrix = win_matrix(df, ties=ties)  # type: ignore[arg-type]
    names = list(matrix.wins.index)
    for a, b in itertools.permutations(names, 2):
        between = df[df[["system_a", "system_b"]].apply(set, axis=1) == {a, b}]
        wins = int((between["winner"] == a).sum())
        losses = int((between["winner"] == b).sum())
        tied = len(between) - wins - losses
        assert (matrix.wins.loc[a, b], matrix.ties.loc[a, b]) == (wins, tied)
        games = wins + losses + (tied if ties == "half" else 0)
        expected = (wins + (tied / 2 if ties == "half" else 0)) / games if games else math.nan
        assert matrix.rate.loc[a, b] == pytest.approx(expected, nan_ok=True)
        if games:
            assert matrix.rate.loc[a, b] + matrix.rate.loc[b, a] == pytest.approx(1.0)
    assert np.isnan(np.diag(matrix.rate.to_numpy())).all()
    # the matrix adds up to the per-system table
    table = win_rates(df, ties=ties).set_index("system")  # type: ignore[arg-type]
    assert (matrix.wins.sum(axis=1).loc[names].to_numpy() == table.loc[names, "wins"].to_numpy()).all()


# ---------------------------------------------------------------------------------------------------------------
# Bradley–Terry


@given(judgment_tables(max_rows=30), st.sampled_from(["drop", "half"]), st.sampled_from([0.01, 0.3, 2.0]))
@settings(max_examples=30, deadline=None, derandomize=True)
def test_bradley_terry_equals_choix_on_the_same_comparisons(df: pd.DataFrame, ties: str, alpha: float) -> None:
    table = bradley_terry(df, ties=ties, alpha=alpha, n_boot=0)  # type: ignore[arg-type]
    names = sorted(set(df["system_a"]) | set(df["system_b"]))
    data, repeat = comparisons(df, names, ties)
    reference = choix.opt_pairwise(len(names), data, alpha=alpha * repeat, tol=1e-12) if data else np.zeros(
        len(names))  # fmt: skip
    assert by_system(table, "strength", names) == pytest.approx(reference, abs=1e-6)
    assert abs(table["strength"].sum()) < 1e-9  # mean 0, as choix's penalty makes it
    assert list(table["rank"]) == sorted(table["rank"])


def test_with_alpha_0_it_is_the_maximum_likelihood_of_choix_ilsr() -> None:
    strengths = {"s1": -1.0, "s2": -0.3, "s3": 0.2, "s4": 1.1}
    df = tournament(3, strengths, 400, tie_share=0.2)
    names = sorted(strengths)
    for ties in ("drop", "half"):
        data, _ = comparisons(df, names, ties)
        mine = by_system(bradley_terry(df, ties=ties, alpha=0, n_boot=0), "strength", names)  # type: ignore[arg-type]
        assert mine == pytest.approx(choix.ilsr_pairwise(len(names), data, alpha=0, tol=1e-12), abs=1e-8)
        assert mine == pytest.approx(choix.opt_pairwise(len(names), data, alpha=0, tol=1e-12), abs=1e-5)


def test_a_seeded_tournament_recovers_the_known_strength_order_with_intervals_around_the_truth() -> None:
    truth = {"e": 1.0, "c": 0.0, "a": -0.8, "d": 0.5, "b": -0.7}
    df = tournament(11, truth, 3000, tie_share=0.1)
    table = bradley_terry(df, n_boot=400, seed=5)
    assert list(table["system"]) == sorted(truth, key=truth.__getitem__, reverse=True)
    assert list(table["rank"]) == [1, 2, 3, 4, 5]
    centred = {name: s - np.mean(list(truth.values())) for name, s in truth.items()}
    inside = [row.low <= centred[row.system] <= row.high for row in table.itertuples()]
    assert sum(inside) >= 4, table
    assert (table["low"] < table["strength"]).all() and (table["strength"] < table["high"]).all()
    assert set(table["interval"]) == {"bootstrap percentile"}
    names = sorted(truth)
    data, _ = comparisons(df, names, "drop")
    assert by_system(table, "strength", names) == pytest.approx(
        choix.opt_pairwise(len(names), data, alpha=DEFAULT_ALPHA, tol=1e-12), abs=1e-6
    )
    # the win rates put them in the same order, and kendall's tau of strengths and truth is 1
    assert list(win_rates(df)["system"]) == list(table["system"])
    assert kendalltau(by_system(table, "strength", names), [truth[n] for n in names]).statistic == pytest.approx(1)


def test_the_bootstrap_is_seeded_and_resamples_judgments() -> None:
    df = tournament(4, {"x": 0.4, "y": 0.0, "z": -0.4}, 150)
    one, again = bradley_terry(df, n_boot=200, seed=1), bradley_terry(df, n_boot=200, seed=1)
    other = bradley_terry(df, n_boot=200, seed=2)
    pd.testing.assert_frame_equal(one, again)
    assert not np.allclose(one["low"], other["low"])
    assert one["strength"].tolist() == other["strength"].tolist()
    # the replicates are fits of resampled tables: one replicate by hand, from the same multinomial draw
    plain = bradley_terry(df, n_boot=0)
    assert plain["low"].isna().all() and set(plain["interval"]) == {""}
    # resamples where a system never lost have no ML strengths: alpha=0 leaves them out and says so
    lopsided = pd.DataFrame({"system_a": ["x"] * 6 + ["y"], "system_b": ["y"] * 6 + ["x"],
                             "winner": ["x"] * 6 + ["y"]})  # fmt: skip
    table = bradley_terry(lopsided, alpha=0, n_boot=300, seed=0)
    assert "bootstrap resamples had no maximum-likelihood strengths" in table["note"].iloc[0]
    assert np.isfinite(table["low"]).all()


def test_fit_bradley_terry_handles_a_stack_and_a_system_that_never_lost() -> None:
    wins = np.array([[0, 5.0], [0, 0]])
    strengths = fit_bradley_terry(wins, 0.01)
    assert strengths == pytest.approx(choix.opt_pairwise(2, [(0, 1)] * 5, alpha=0.01, tol=1e-12), abs=1e-6)
    assert np.isnan(fit_bradley_terry(wins, 0.0)).all()
    stack = np.stack([wins, wins.T, np.array([[0, 3.0], [3.0, 0]])])
    fitted = fit_bradley_terry(stack, 0.01)
    assert fitted.shape == (3, 2) and fitted[0] == pytest.approx(-fitted[1]) and fitted[2] == pytest.approx([0, 0])


# ---------------------------------------------------------------------------------------------------------------
# the sample size the README recommends: a planted 60/40 preference


def test_judgments_needed_for_a_60_40_preference_is_the_first_n_with_80_percent_power_from_then_on() -> None:
    n = judgments_needed(0.6, power=0.8, ci=0.95)
    assert n == 210
    powers = detection_power(np.arange(n, 2 * n), 0.6)
    assert (powers >= 0.8).all() and detection_power(n - 1, 0.6) < 0.8
    # power is the exact binomial test's: the share of win counts whose binomtest interval excludes 0.5
    counts = np.arange(n + 1)
    intervals = [binomtest(int(k), n).proportion_ci(method="exact") for k in counts]
    excluded = [interval.low > 0.5 or interval.high < 0.5 for interval in intervals]

    assert float(detection_power(n, 0.6)) == pytest.approx(binom.pmf(counts[excluded], n, 0.6).sum(), abs=1e-12)
    assert judgments_needed(0.4) == n  # two-sided: the same for the other system
    assert judgments_needed(0.7) < 60 < judgments_needed(0.55)


def planted(n: int, seeds: range, preference: float = 0.6) -> pd.DataFrame:
    """One two-system table per seed (systems A{seed} and B{seed}), n decisive judgments, A preferred."""
    frames = []
    for seed in seeds:
        a_wins = np.random.default_rng(seed).random(n) < preference
        frames.append(pd.DataFrame({"system_a": f"A{seed}", "system_b": f"B{seed}",
                                    "winner": np.where(a_wins, f"A{seed}", f"B{seed}")}))  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def detected(table: pd.DataFrame) -> float:
    """The share of seeds whose A has a win-rate interval above 0.5."""
    a = table[table["system"].str.startswith("A")]
    return float((a["low"] > 0.5).mean())


def test_a_planted_60_40_preference_is_detected_in_80_percent_of_seeds_at_the_recommended_size() -> None:
    n = judgments_needed(0.6)
    seeds = range(1000)
    rate = detected(win_rates(planted(n, seeds)))
    power = float(detection_power(n, 0.6))  # 0.820
    assert rate >= 0.8
    assert abs(rate - power) < 3 * math.sqrt(power * (1 - power) / len(seeds))  # the simulation is the theory
    # it is the size that does it: half of it detects far less often
    assert detected(win_rates(planted(n // 2, range(200)))) < 0.6


# ---------------------------------------------------------------------------------------------------------------
# judge and people


def judged_items(seed: int, n_items: int, people: Sequence[str], *, left_bias: float = 0.0,
                 noise: float = 0.2) -> pd.DataFrame:  # fmt: skip
    """Items of a pair of systems with a true winner (or a tie); each person judges once with a random side; the
    judge "gpt" judges in both orders, choosing the left output with probability ``left_bias`` and otherwise the
    truth; everyone errs with probability ``noise``."""
    rng = np.random.default_rng(seed)
    pairs = [("p1", "p2"), ("p1", "p3"), ("p2", "p3")]
    rows = []

    def verdict(truth: str, a: str, b: str) -> str:
        return str(rng.choice([a, b, "tie"])) if rng.random() < noise else truth

    for item in range(n_items):
        a, b = pairs[item % 3] if rng.random() < 0.5 else pairs[item % 3][::-1]
        truth = str(rng.choice([a, a, b, "tie"]))
        for person in people:
            left = a if rng.random() < 0.5 else b
            rows.append({"item": item, "system_a": a, "system_b": b, "annotator": person, "left": left,
                         "winner": verdict(truth, a, b)})  # fmt: skip
        for left in (a, b):
            said = left if rng.random() < left_bias else verdict(truth, a, b)
            rows.append({"item": item, "system_a": a, "system_b": b, "annotator": "gpt", "left": left,
                         "winner": said})  # fmt: skip
    return pd.DataFrame(rows)


def outcome(winner: str, a: str, b: str) -> str:
    first, second = sorted((a, b))
    return "a" if winner == first else "b" if winner == second else "tie"


def mt_bench_counts(df: pd.DataFrame, judge: str) -> dict[tuple[str, bool], tuple[int, int]]:
    """MT-Bench's compute_agreement.py, restated: votes keyed by (question, sorted pair); the judge's verdict is its
    winner when its votes agree, else a tie; ban=["tie"] for "without tie"."""
    votes: dict[tuple[Any, str, str], dict[str, list[str]]] = {}
    for row in df.itertuples():
        a, b = sorted((row.system_a, row.system_b))
        votes.setdefault((row.item, a, b), {}).setdefault(row.annotator, []).append(
            outcome(row.winner, row.system_a, row.system_b)
        )
    counts = {}
    for with_ties in (True, False):
        agree = total = 0
        pair_agree = pair_total = 0
        for by in votes.values():
            people = [v[0] if len(set(v)) == 1 else "tie" for who, v in sorted(by.items()) if who != judge]
            if judge in by:
                verdict = by[judge][0] if len(set(by[judge])) == 1 else "tie"
                for v in people:
                    if with_ties or (v != "tie" and verdict != "tie"):
                        total += 1
                        agree += v == verdict
            for v, w in itertools.combinations(people, 2):
                if with_ties or (v != "tie" and w != "tie"):
                    pair_total += 1
                    pair_agree += v == w
        counts["judge", with_ties] = (agree, total)
        counts["people", with_ties] = (pair_agree, pair_total)
    return counts


def judge_and_people_outcomes(df: pd.DataFrame, judge: str) -> tuple[list[str], list[str]]:
    """(person's outcome, judge's outcome) for every person's verdict on an item the judge judged."""
    judge_rows = df[df["annotator"] == judge]
    by_item = {}
    for item, rows in judge_rows.groupby("item"):
        said = {outcome(r.winner, r.system_a, r.system_b) for r in rows.itertuples()}
        by_item[item] = said.pop() if len(said) == 1 else "tie"
    people = df[(df["annotator"] != judge) & df["item"].isin(by_item)]
    return ([outcome(r.winner, r.system_a, r.system_b) for r in people.itertuples()],
            [by_item[r.item] for r in people.itertuples()])  # fmt: skip


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_judge_agreement_counts_as_mt_bench_and_its_kappa_is_sklearns(seed: int) -> None:
    df = judged_items(seed, 90, ["ann", "bob", "cy"], left_bias=0.2)
    table = judge_agreement(df, "gpt", n_boot=200, seed=seed)
    reference = mt_bench_counts(df, "gpt")
    for between, side in (("judge vs people", "judge"), ("people vs people", "people")):
        for name, with_ties in (("agreement_with_ties", True), ("agreement_without_ties", False)):
            row = metric(table, name, between=between)
            agree, total = reference[side, with_ties]
            assert (row["value"], row["n"]) == (pytest.approx(agree / total), total)
            assert row["low"] < row["value"] < row["high"] and row["interval"] == "Wilson"
    people, judge = judge_and_people_outcomes(df, "gpt")
    kappa = metric(table, "cohen_kappa", between="judge vs people")
    assert kappa["value"] == pytest.approx(cohen_kappa_score(people, judge))
    assert kappa["n"] == len(people) and kappa["low"] < kappa["value"] < kappa["high"]
    assert "flipped" in metric(table, "agreement_with_ties", between="judge vs people")["note"]


def test_a_judge_that_agrees_with_everyone_and_one_that_never_does() -> None:
    df = judged_items(5, 60, ["ann", "bob"], noise=0.0)
    perfect = judge_agreement(df, "gpt", n_boot=0)
    assert (perfect["value"] == 1.0).all()
    contrary = df.copy()
    is_judge = contrary["annotator"] == "gpt"
    contrary.loc[is_judge, "winner"] = np.where(
        contrary.loc[is_judge, "winner"] == contrary.loc[is_judge, "system_a"], contrary.loc[is_judge, "system_b"],
        contrary.loc[is_judge, "system_a"])  # fmt: skip
    table = judge_agreement(contrary, "gpt", n_boot=0)
    assert metric(table, "agreement_without_ties", between="judge vs people")["value"] == 0.0
    assert metric(table, "agreement_with_ties", between="people vs people")["value"] == 1.0


# ---------------------------------------------------------------------------------------------------------------
# position bias


def test_a_judge_that_prefers_the_left_side_is_flagged_and_a_fair_one_is_not() -> None:
    biased = position_bias(judged_items(7, 150, ["ann"], left_bias=0.6, noise=0.1))
    fair = position_bias(judged_items(7, 150, ["ann"], left_bias=0.0, noise=0.1))
    for name, table in (("biased", biased), ("fair", fair)):
        consistency = metric(table, "position_consistency", rater="gpt")
        left = metric(table, "left_win_rate", rater="gpt")
        assert consistency["n"] == 150, name
        if name == "biased":
            assert consistency["high"] < 0.6 and left["low"] > 0.6 and left["p_value"] < 1e-6
            assert metric(table, "favours_left", rater="gpt")["value"] > 0.3
            assert metric(table, "favours_right", rater="gpt")["value"] < 0.05
        else:
            assert consistency["low"] > 0.7 and left["low"] < 0.5 < left["high"] and left["p_value"] > 0.01
    # the person was asked once per item: no consistency, but a left-win rate
    person = metric(biased, "position_consistency", rater="ann")
    assert math.isnan(person["value"]) and "both orders" in person["note"]
    assert not math.isnan(metric(biased, "left_win_rate", rater="ann")["value"])


def test_a_persons_left_win_rate_is_a_binomial_test_against_one_half() -> None:
    rng = np.random.default_rng(3)
    rows = []
    for item in range(300):
        a, b = "p", "q"
        left = a if rng.random() < 0.5 else b
        right = b if left == a else a
        winner = "tie" if rng.random() < 0.1 else left if rng.random() < 0.65 else right
        rows.append({"item": item, "system_a": a, "system_b": b, "left": left, "winner": winner, "annotator": "eve"})
    df = pd.DataFrame(rows)
    row = metric(position_bias(df), "left_win_rate", rater="eve")
    decisive = df[df["winner"] != "tie"]
    left_wins = int((decisive["winner"] == decisive["left"]).sum())
    test = binomtest(left_wins, len(decisive), 0.5)
    assert (row["value"], row["n"]) == (pytest.approx(left_wins / len(decisive)), len(decisive))
    assert row["p_value"] == pytest.approx(test.pvalue)
    interval = test.proportion_ci(method="exact")
    assert (row["low"], row["high"]) == pytest.approx((interval.low, interval.high), abs=1e-9)
    assert row["low"] > 0.5


def test_a_swapped_verdict_column_is_the_same_as_a_row_per_order() -> None:
    rows = judged_items(9, 60, [], left_bias=0.3)
    first, second = rows.iloc[::2].reset_index(drop=True), rows.iloc[1::2].reset_index(drop=True)
    wide = first.assign(winner_swapped=second["winner"])
    pd.testing.assert_frame_equal(position_bias(wide, swapped="winner_swapped"), position_bias(rows))
    with_people = pd.concat([judged_items(9, 60, ["ann", "bob"])[lambda d: d["annotator"] != "gpt"], rows])
    wide_people = pd.concat([with_people[with_people["annotator"] != "gpt"], wide])
    pd.testing.assert_frame_equal(judge_agreement(wide_people, "gpt", swapped="winner_swapped", n_boot=50),
                                  judge_agreement(with_people, "gpt", n_boot=50))  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# between people, and two leaderboards


def test_people_agreement_is_krippendorffs_alpha_and_sklearns_kappa_on_the_three_outcomes() -> None:
    df = judged_items(12, 120, ["ann", "bob", "cy"], noise=0.35)
    df = df.drop(index=df.index[(df["annotator"] == "cy") & (df["item"] % 4 == 0)])  # cy skipped some items
    table = people_agreement(df, judge="gpt", n_boot=100)
    people = df[df["annotator"] != "gpt"]
    coded = people.assign(outcome=[outcome(r.winner, r.system_a, r.system_b) for r in people.itertuples()])
    wide = coded.pivot(index="annotator", columns="item", values="outcome")
    codes = wide.apply(lambda column: column.map({"a": 0, "b": 1, "tie": 2})).to_numpy(dtype=float)
    alpha = krippendorff.alpha(reliability_data=codes, level_of_measurement="nominal")
    assert metric(table, "krippendorff_alpha")["value"] == pytest.approx(alpha)
    for one, other in itertools.combinations(["ann", "bob", "cy"], 2):
        both = wide.loc[[one, other]].dropna(axis=1)
        row = table[(table["metric"] == "cohen_kappa") & (table["annotator"] == one) & (table["other"] == other)]
        assert row["value"].item() == pytest.approx(cohen_kappa_score(both.loc[one], both.loc[other]))
        assert row["n"].item() == both.shape[1]


def test_conflicts_list_the_items_people_judged_differently() -> None:
    df = pd.DataFrame({
        "item": [1, 1, 2, 2, 3, 3, 3, 3],
        "system_a": ["x", "y", "x", "x", "x", "x", "x", "x"],
        "system_b": ["y", "x", "y", "y", "y", "y", "y", "y"],
        "annotator": ["ann", "bob", "ann", "bob", "ann", "bob", "cy", "gpt"],
        "winner": ["x", "x", "x", "both_bad", "tie", "y", "y", "x"],
    })  # fmt: skip
    found = pairwise_conflicts(df, judge="gpt")
    assert found["item"].tolist() == [2, 3]
    assert found["verdicts"].tolist() == [{"ann": "x", "bob": "tie"}, {"ann": "tie", "bob": "y", "cy": "y"}]
    assert found["majority"].tolist() == [None, "y"] and found["n"].tolist() == [2, 3]
    assert (found["system_a"] == "x").all() and (found["system_b"] == "y").all()
    assert pairwise_conflicts(df)["verdicts"].iloc[1]["gpt"] == "x"  # the judge counts as a person when not named


def test_two_leaderboards_side_by_side_with_scipys_rank_correlations() -> None:
    truth = {"s1": 1.0, "s2": 0.5, "s3": 0.0, "s4": -0.6, "s5": -1.0}
    people = tournament(21, truth, 1500).assign(annotator="people", item=range(1500))
    judge_view = dict(zip(truth, [1.0, -0.1, 0.4, -0.6, -1.0], strict=True))  # swaps s2 and s3
    judge = tournament(22, judge_view, 1500).assign(annotator="gpt", item=range(1500, 3000))
    boards = leaderboards(pd.concat([people, judge]), "gpt", n_boot=100)
    table = boards.table
    assert table["system"].tolist() == ["s1", "s2", "s3", "s4", "s5"]
    assert table["people_rank"].tolist() == [1, 2, 3, 4, 5]
    assert table.set_index("system").loc[["s2", "s3"], "judge_rank"].tolist() == [3, 2]
    x, y = table["people_strength"], table["judge_strength"]
    tau = metric(boards.correlation, "kendall_tau")
    rho = metric(boards.correlation, "spearman_rho")
    assert (tau["value"], tau["p_value"]) == pytest.approx(tuple(kendalltau(x, y)))
    assert (rho["value"], rho["p_value"]) == pytest.approx(tuple(spearmanr(x, y)))
    assert tau["value"] == pytest.approx(0.8) and tau["n"] == 5
    assert (table["people_low"] < table["people_strength"]).all()
    # each side's strengths are bradley_terry on its own judgments
    alone = bradley_terry(judge, n_boot=100).set_index("system")
    assert table.set_index("system")["judge_strength"].to_numpy() == pytest.approx(
        alone.loc[table["system"], "strength"].to_numpy())  # fmt: skip


def test_the_public_names_load_lazily() -> None:
    assert lw.win_rates is win_rates and lw.bradley_terry is bradley_terry
    assert lw.judge_agreement is judge_agreement and lw.position_bias is position_bias
    assert metrics.leaderboards is leaderboards and metrics.judgments_needed is judgments_needed
    assert {"win_rates", "bradley_terry", "judge_agreement", "position_bias"} <= set(dir(lw))


# ---------------------------------------------------------------------------------------------------------------
# bad input


def table(**columns: list[Any]) -> pd.DataFrame:
    return pd.DataFrame({"system_a": ["x", "x"], "system_b": ["y", "y"], "winner": ["x", "y"], **columns})


@pytest.mark.parametrize(
    ("df", "call", "message"),
    [
        (table(winner=["x", "gpt-5"]), win_rates, r"rows \[1\] have a 'winner' that is neither of the row's two "
         r"systems nor one of \['tie', 'both_bad', 'inconsistent'\] \(e.g. 'gpt-5' for 'x' vs 'y'\)"),
        (table(winner=["left", "x"]), bradley_terry, "Name the winning system itself, not the side"),
        (table(system_b=["y", "x"]), win_rates, r"rows \[1\] compare a system with itself \(e.g. 'x' vs itself\)\. "
         "A judgment compares two different systems"),
        (table().iloc[:0], bradley_terry, "the table of judgments is empty. Judge some pairs first"),
        (table(winner=[None, None]), win_rates, r"no row of the table has a winner yet \(2 row\(s\) without one\)"),
        (table(system_a=["x", None]), win_rates, r"rows \[1\] have no 'system_a' or no 'system_b'"),
        (table(system_b=["tie", "y"]), win_rates, "Rename that system"),
        (table().drop(columns="winner"), win_rates, r"column\(s\) \['winner'\] not found"),
        (table(left=["x", "z"]), position_bias, r"'left' that is neither of the row's two systems \(e.g. 'z'"),
        (table(), position_bias, r"needs the column left='left'"),
        (table(), lambda df: judge_agreement(df, "gpt"), r"needs the column annotator='annotator'"),
        (table(annotator=["a", "b"], item=[1, 1]), lambda df: judge_agreement(df, "gpt"),
         r"no row of the 'annotator' column names the judge 'gpt'; the raters are \['a', 'b'\]"),
        (table(winner=["x", "x"]), lambda df: bradley_terry(df, alpha=0),
         "with alpha=0 .* the strengths do not exist .* Use alpha > 0"),
        (table(), lambda df: bradley_terry(df, alpha=-1), "alpha must be a number >= 0"),
        (table(), lambda df: win_rates(df, ties="ignore"), "ties must be 'drop' .* or 'half'"),
        (table(), lambda df: bradley_terry(df, n_boot=-1), "n_boot must be an integer"),
        ([1, 2], win_rates, "needs a pandas DataFrame, got list"),
    ],
)  # fmt: skip
def test_bad_input_says_what_to_do(df: Any, call: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        call(df)


def test_rows_without_a_winner_are_left_out_and_said() -> None:
    df = pd.DataFrame({"system_a": ["x", "x", "x"], "system_b": ["y", "y", "y"], "winner": ["x", None, "x"]})
    row = win_rates(df).set_index("system").loc["x"]
    assert row["wins"] == 2 and "1 row(s) without a winner (not judged yet) left out" in row["note"]
    # win rates and strengths read the verdicts alone: other columns may be missing or anything
    more = df.assign(annotator=[None, "a", "b"], item=[None, None, 1], left=["z", None, "x"])
    pd.testing.assert_frame_equal(win_rates(more), win_rates(df))
    pd.testing.assert_frame_equal(bradley_terry(more, n_boot=20), bradley_terry(df, n_boot=20))
    with pytest.raises(InputError, match=r"preference must be between 0 and 1 and not 0\.5"):
        judgments_needed(0.5)
