"""Agreement within a team (``metrics.team``): reference values, equality with the reference libraries and with
``annotator_agreement``, invariances, conflicts, gold labels and bad input."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from random import Random

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss_kappa

from labelwidgets.errors import InputError
from labelwidgets.metrics.annotators import annotator_agreement
from labelwidgets.metrics.counts import wilson_interval
from labelwidgets.metrics.team import conflicts, resolve_gold, team_agreement

REFERENCE = Path(__file__).parent / "data"  # copies of /work/shared/datasets/agreement_reference_tables
NOTEBOOK_DATA = Path(__file__).parent.parent / "notebooks" / "data"
DAVIDSON_CLASSES = ["hate_speech", "offensive_language", "neither"]
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)


def row(table: pd.DataFrame, metric: str, **where: object) -> pd.Series:
    rows = table[table["metric"] == metric]
    for column in ("annotator", "other", "label"):
        wanted = where.get(column)
        rows = rows[rows[column].isna()] if wanted is None else rows[rows[column] == wanted]
    assert len(rows) == 1, f"expected one {metric!r} row for {where}, got {len(rows)}"
    return rows.iloc[0]


def value(table: pd.DataFrame, metric: str, **where: object) -> float:
    return float(row(table, metric, **where)["value"])


def assert_every_nan_is_explained(table: pd.DataFrame) -> None:
    unexplained = table[table["value"].isna() & (table["note"] == "")]
    assert unexplained.empty, f"NaN without a note:\n{unexplained}"


def from_matrix(matrix: np.ndarray, names: list[str] | None = None, skips: bool = True) -> pd.DataFrame:
    """Decisions from an annotators × items matrix (NaN = no label); a NaN cell becomes a skip row when ``skips``."""
    rows = []
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            cell = matrix[i, j]
            if math.isnan(cell) and not skips:
                continue
            label = None if math.isnan(cell) else (names[int(cell)] if names else int(cell))
            rows.append({"key": f"item{j:02d}", "annotator": f"r{i}", "label": label})
    return pd.DataFrame(rows, columns=["key", "annotator", "label"])


def from_counts(counts: np.ndarray, names: list[str]) -> pd.DataFrame:
    """Decisions from items × labels counts: one row per rating, rater ids by position within the item."""
    rows = [
        {"key": item, "annotator": f"rater{position}", "label": label}
        for item, per_label in enumerate(counts)
        for position, label in enumerate(np.repeat(names, per_label))
    ]
    return pd.DataFrame(rows)


def counts_of(matrix: np.ndarray, k: int) -> np.ndarray:
    return np.stack([np.bincount(col[~np.isnan(col)].astype(int), minlength=k) for col in matrix.T])


# ---------------------------------------------------------------------------------------------------------------
# published reference tables (tests/data/README.md)


def test_krippendorff_2011_four_coders_with_missing_values() -> None:
    coders_by_units = pd.read_csv(REFERENCE / "krippendorff2011_4coders_12units.csv").to_numpy(dtype=float)
    table = team_agreement(from_matrix(coders_by_units), n_boot=200)
    alpha = row(table, "krippendorff_alpha")
    assert round(alpha["value"], 3) == 0.743
    assert alpha["value"] == pytest.approx(
        krippendorff.alpha(coders_by_units, level_of_measurement="nominal"), abs=1e-9
    )
    assert alpha["n"] == 11  # unit 12 has a single value
    assert alpha["low"] <= alpha["value"] <= alpha["high"]


def test_fleiss_1971_thirty_patients_six_psychiatrists() -> None:
    raw = pd.read_csv(REFERENCE / "fleiss1971_diagnoses_raw_30x6.csv").to_numpy(dtype=float)
    table = team_agreement(from_matrix(raw.T), n_boot=200)  # rows of the file are patients
    kappa = row(table, "fleiss_kappa")
    counts = np.stack([np.bincount(r.astype(int), minlength=6)[1:] for r in raw])
    assert kappa["value"] == pytest.approx(0.4302445, abs=5e-8)
    assert kappa["value"] == pytest.approx(statsmodels_fleiss_kappa(counts), abs=1e-9)
    assert kappa["n"] == 30 and kappa["note"] == ""
    assert kappa["low"] < kappa["value"] < kappa["high"]
    assert len(table[table["metric"] == "cohen_kappa"]) == 15  # every pair of the six raters


def test_wikipedia_fleiss_example_from_counts() -> None:
    counts = pd.read_csv(REFERENCE / "wikipedia_fleiss_example_counts_10x5.csv").to_numpy()
    decisions = from_counts(counts, ["c1", "c2", "c3", "c4", "c5"])
    assert len(decisions) == 140  # 10 items × 14 raters
    table = team_agreement(decisions, n_boot=0)
    assert round(value(table, "fleiss_kappa"), 3) == 0.210
    assert value(table, "fleiss_kappa") == pytest.approx(statsmodels_fleiss_kappa(counts), abs=1e-9)
    assert value(table, "krippendorff_alpha") == pytest.approx(
        krippendorff.alpha(value_counts=counts, level_of_measurement="nominal"), abs=1e-9
    )


# ---------------------------------------------------------------------------------------------------------------
# a real crowd-labeled dataset: Davidson et al. 2017, the sample shipped with the notebooks


@pytest.fixture(scope="module")
def davidson() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-judgement decisions, per-tweet counts) of the 300-tweet sample; annotator ids are synthetic."""
    decisions = pd.read_csv(NOTEBOOK_DATA / "davidson_sample_decisions.csv")
    counts = pd.read_csv(NOTEBOOK_DATA / "davidson_sample.csv").set_index("tweet_id")
    return decisions, counts


def test_davidson_decisions_expand_the_published_counts(davidson: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    decisions, counts = davidson
    expanded = pd.crosstab(decisions["key"], decisions["label"]).reindex(columns=DAVIDSON_CLASSES, fill_value=0)
    assert expanded.index.tolist() == counts.index.tolist()
    assert (expanded.to_numpy() == counts[DAVIDSON_CLASSES].to_numpy()).all()
    assert (decisions.groupby("key").size() == counts["count"]).all()


def test_davidson_equals_the_reference_libraries(davidson: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    decisions, counts = davidson
    table = team_agreement(decisions, n_boot=200, by_label=True)
    assert_every_nan_is_explained(table)
    per_tweet = counts[DAVIDSON_CLASSES].to_numpy()

    alpha = row(table, "krippendorff_alpha")
    assert alpha["value"] == pytest.approx(
        krippendorff.alpha(value_counts=per_tweet, level_of_measurement="nominal"), abs=1e-9
    )
    assert alpha["n"] == 300
    # Fleiss' kappa on the 274 tweets with three judgements, the most common number
    kappa = row(table, "fleiss_kappa")
    three = per_tweet[counts["count"].to_numpy() == 3]
    assert kappa["value"] == pytest.approx(statsmodels_fleiss_kappa(three), abs=1e-9)
    assert kappa["n"] == 274 and "26 item(s) with another count left out" in kappa["note"]
    shares = (per_tweet * (per_tweet - 1)).sum(axis=1) / (counts["count"] * (counts["count"] - 1))
    assert value(table, "percent_agreement") == pytest.approx(shares.mean(), abs=1e-12)

    for code, name in enumerate(DAVIDSON_CLASSES):
        this_or_not = np.column_stack([per_tweet.sum(axis=1) - per_tweet[:, code], per_tweet[:, code]])
        assert value(table, "krippendorff_alpha", label=name) == pytest.approx(
            krippendorff.alpha(value_counts=this_or_not, level_of_measurement="nominal"), abs=1e-9
        )
        chosen = this_or_not[counts["count"].to_numpy() == 3]
        assert value(table, "fleiss_kappa", label=name) == pytest.approx(statsmodels_fleiss_kappa(chosen), abs=1e-9)
        said = per_tweet[:, code] > 0
        disagreed = per_tweet.max(axis=1) < per_tweet.sum(axis=1)
        assert value(table, "disagreement_share", label=name) == pytest.approx((said & disagreed).sum() / said.sum())
    # hate speech is the class the crowd disagrees on (Davidson et al.'s finding)
    shares_by_label = {name: value(table, "disagreement_share", label=name) for name in DAVIDSON_CLASSES}
    assert max(shares_by_label, key=shares_by_label.__getitem__) == "hate_speech"


def test_davidson_gold_labels_are_the_published_majority_class(davidson: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    decisions, counts = davidson
    gold = resolve_gold(decisions).set_index("key")
    assert gold.index.tolist() == counts.index.tolist()
    resolved = gold["how"] != "unresolved"
    published = counts["class"].map(dict(enumerate(DAVIDSON_CLASSES)))
    assert (gold.loc[resolved, "label"] == published[resolved]).all()
    per_tweet = counts[DAVIDSON_CLASSES].to_numpy()
    assert (resolved.to_numpy() == (2 * per_tweet.max(axis=1) > per_tweet.sum(axis=1))).all()
    disputed = conflicts(decisions)
    assert set(disputed["key"]) == set(counts.index[per_tweet.max(axis=1) < counts["count"]])


# ---------------------------------------------------------------------------------------------------------------
# between people: the same numbers as scikit-learn, statsmodels, krippendorff and annotator_agreement


@st.composite
def label_matrices(draw: st.DrawFn) -> np.ndarray:
    """annotators × items, labels 0..k-1, NaN for no label."""
    annotators = draw(st.integers(2, 5))
    items = draw(st.integers(1, 25))
    k = draw(st.integers(2, 4))
    cells = draw(
        st.lists(st.one_of(st.none(), st.integers(0, k - 1)), min_size=annotators * items, max_size=annotators * items)
    )
    return np.array([np.nan if c is None else c for c in cells], dtype=float).reshape(annotators, items)


NAMES = ["neg", "neu", "pos", "mixed"]


@given(label_matrices())
@SETTINGS
def test_team_agreement_equals_the_reference_libraries(matrix: np.ndarray) -> None:
    decisions = from_matrix(matrix, NAMES)
    table = team_agreement(decisions, NAMES, n_boot=0)
    assert_every_nan_is_explained(table)
    counts = counts_of(matrix, 4)
    per_item = counts.sum(axis=1)

    pairable = per_item >= 2
    alpha = value(table, "krippendorff_alpha")
    if pairable.any() and (counts[pairable].sum(axis=0) > 0).sum() >= 2:
        assert alpha == pytest.approx(krippendorff.alpha(matrix, level_of_measurement="nominal"), abs=1e-9)
    else:
        assert math.isnan(alpha)

    kappa = value(table, "fleiss_kappa")
    if pairable.any():
        sizes, frequency = np.unique(per_item[pairable], return_counts=True)
        chosen = counts[per_item == sizes[frequency == frequency.max()].max()]
        if (chosen.sum(axis=0) > 0).sum() >= 2:
            assert kappa == pytest.approx(statsmodels_fleiss_kappa(chosen), abs=1e-9)
        else:
            assert math.isnan(kappa)
    else:
        assert math.isnan(kappa)

    for i in range(matrix.shape[0]):
        for j in range(i + 1, matrix.shape[0]):
            both = ~np.isnan(matrix[i]) & ~np.isnan(matrix[j])
            x, y = matrix[i, both], matrix[j, both]
            kappa_row = row(table, "cohen_kappa", annotator=f"r{i}", other=f"r{j}")
            assert kappa_row["n"] == both.sum()
            if both.any() and (np.unique(x).size >= 2 or np.unique(y).size >= 2 or x[0] != y[0]):
                assert kappa_row["value"] == pytest.approx(cohen_kappa_score(x, y, labels=range(4)), abs=1e-9)
            else:  # no overlap, or one and the same label from both: chance agreement 1
                assert math.isnan(kappa_row["value"]) and kappa_row["note"]
            if both.any():
                assert value(table, "percent_agreement", annotator=f"r{i}", other=f"r{j}") == np.mean(x == y)

    # one definition: the same numbers as annotator_agreement
    theirs = annotator_agreement(decisions.rename(columns={"key": "item"}))
    team_wide = theirs[theirs["annotator_a"].isna()].set_index("metric")
    for metric in ("percent_agreement", "fleiss_kappa", "krippendorff_alpha"):
        ours = row(table, metric)
        assert ours["n"] == team_wide.loc[metric, "n"]
        assert ours["value"] == pytest.approx(team_wide.loc[metric, "value"], abs=1e-12, nan_ok=True)
    for pair in theirs[theirs["metric"] == "cohen_kappa"].itertuples():
        ours = row(table, "cohen_kappa", annotator=pair.annotator_a, other=pair.annotator_b)
        assert ours["value"] == pytest.approx(pair.value, abs=1e-12, nan_ok=True)


def majority_of_others(matrix: np.ndarray, person: int, k: int) -> np.ndarray:
    """Per item, the strict majority label of the others (two labels or more), NaN where there is none."""
    others = np.delete(matrix, person, axis=0)
    counts = counts_of(others, k)
    top = counts.argmax(axis=1).astype(float)
    return np.where((counts.sum(axis=1) >= 2) & (2 * counts.max(axis=1) > counts.sum(axis=1)), top, np.nan)


@given(label_matrices())
@SETTINGS
def test_each_person_against_the_majority_of_the_others(matrix: np.ndarray) -> None:
    table = team_agreement(from_matrix(matrix, NAMES), NAMES, n_boot=0)
    for person in range(matrix.shape[0]):
        majority = majority_of_others(matrix, person, 4)
        compared = ~np.isnan(matrix[person]) & ~np.isnan(majority)
        x, y = majority[compared], matrix[person, compared]
        kappa = row(table, "cohen_kappa_vs_majority", annotator=f"r{person}")
        share = row(table, "percent_agreement_vs_majority", annotator=f"r{person}")
        assert kappa["n"] == share["n"] == compared.sum()
        if not compared.any():
            assert math.isnan(kappa["value"]) and math.isnan(share["value"]) and share["note"]
            continue
        assert share["value"] == np.mean(x == y)
        if np.unique(x).size >= 2 or np.unique(y).size >= 2 or x[0] != y[0]:
            assert kappa["value"] == pytest.approx(cohen_kappa_score(x, y, labels=range(4)), abs=1e-9)
        else:
            assert math.isnan(kappa["value"]) and kappa["note"]


@given(label_matrices(), st.randoms(use_true_random=False))
@SETTINGS
def test_names_and_order_do_not_change_the_values(matrix: np.ndarray, random: Random) -> None:
    decisions = from_matrix(matrix, NAMES)
    before = team_agreement(decisions, n_boot=0, by_label=True)

    # other annotator names (a different sort order), other label names, the rows shuffled
    people = [f"r{i}" for i in range(matrix.shape[0])]
    renamed_people = dict(zip(people, random.sample([f"p{i}" for i in range(9)], len(people)), strict=True))
    renamed_labels = dict(zip(NAMES, ["zeta", "alpha", "mu", "beta"], strict=True))
    shuffled = decisions.sample(frac=1.0, random_state=random.randrange(1000))
    shuffled = shuffled.assign(
        annotator=shuffled["annotator"].map(renamed_people), label=shuffled["label"].map(renamed_labels)
    )
    after = team_agreement(shuffled, n_boot=0, by_label=True)

    for metric in ("n", "percent_agreement", "fleiss_kappa", "krippendorff_alpha"):
        assert value(after, metric) == pytest.approx(value(before, metric), abs=1e-12, nan_ok=True)
    for person in people:
        for metric in ("cohen_kappa_vs_majority", "percent_agreement_vs_majority"):
            ours = value(after, metric, annotator=renamed_people[person])
            assert ours == pytest.approx(value(before, metric, annotator=person), abs=1e-12, nan_ok=True)
    for pair in before[before["metric"] == "cohen_kappa"].itertuples():
        a, b = sorted([renamed_people[pair.annotator], renamed_people[pair.other]])
        assert value(after, "cohen_kappa", annotator=a, other=b) == pytest.approx(pair.value, abs=1e-12, nan_ok=True)
    used = set(before["label"].dropna())
    assert used == {name for name in NAMES if name in set(decisions["label"].dropna())}
    for name in used:
        for metric in ("krippendorff_alpha", "fleiss_kappa", "disagreement_share"):
            ours = value(after, metric, label=renamed_labels[name])
            assert ours == pytest.approx(value(before, metric, label=name), abs=1e-12, nan_ok=True)


@given(label_matrices())
@settings(max_examples=40, deadline=None, derandomize=True)
def test_bootstrap_on_small_and_degenerate_teams(matrix: np.ndarray) -> None:
    table = team_agreement(from_matrix(matrix, NAMES), n_boot=30, seed=3, by_label=True)
    assert_every_nan_is_explained(table)
    bounded = table.dropna(subset=["low", "high"])
    assert (bounded["low"] <= bounded["high"]).all()
    assert bounded["low"].between(-1, 1).all() and bounded["high"].between(-1, 1).all()
    assert table.loc[table["value"].isna(), ["low", "high"]].isna().all().all()
    assert (table["n"] >= 0).all()


@given(st.integers(2, 6), st.lists(st.sampled_from(NAMES), min_size=2, max_size=30).filter(lambda x: len(set(x)) >= 2))
@SETTINGS
def test_perfect_agreement_is_one(people: int, truth: list[str]) -> None:
    decisions = pd.DataFrame(
        [{"key": j, "annotator": f"r{i}", "label": label} for i in range(people) for j, label in enumerate(truth)]
    )
    table = team_agreement(decisions, n_boot=50, by_label=True)
    for metric in ("percent_agreement", "fleiss_kappa", "krippendorff_alpha"):
        assert value(table, metric) == pytest.approx(1.0, abs=1e-12)
    pairwise = table[table["metric"].isin(["cohen_kappa", "percent_agreement"]) & table["annotator"].notna()]
    assert len(pairwise) == people * (people - 1)
    assert np.allclose(pairwise["value"], 1.0)
    for name in set(truth):
        assert value(table, "krippendorff_alpha", label=name) == pytest.approx(1.0)
        assert value(table, "disagreement_share", label=name) == 0.0
    assert conflicts(decisions).empty
    assert (resolve_gold(decisions)["how"] == "unanimous").all()


# ---------------------------------------------------------------------------------------------------------------
# intervals


def random_team(seed: int, items: int = 300, people: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    truth = rng.choice(["ham", "spam", "eggs"], items, p=[0.6, 0.3, 0.1])
    keys = np.repeat(np.arange(items), people)
    labels = np.where(
        rng.random(items * people) < 0.8, np.repeat(truth, people), rng.choice(["ham", "spam"], items * people)
    )
    decisions = pd.DataFrame(
        {"key": keys, "annotator": np.tile([f"p{i}" for i in range(people)], items), "label": labels}
    )
    return decisions.assign(label=decisions["label"].where(rng.random(len(decisions)) > 0.1, None))


def test_intervals_bracket_the_values_and_repeat_with_the_seed() -> None:
    decisions = random_team(0)
    table = team_agreement(decisions, n_boot=300, seed=7, by_label=True)
    assert_every_nan_is_explained(table)
    numbers = table[table["metric"] != "n"]
    assert numbers["value"].notna().all()
    assert ((numbers["low"] <= numbers["value"] + 1e-12) & (numbers["value"] <= numbers["high"] + 1e-12)).all()
    assert set(numbers["interval"]) == {"bootstrap percentile", "Wilson"}
    pd.testing.assert_frame_equal(table, team_agreement(decisions, n_boot=300, seed=7, by_label=True))
    assert not table["low"].equals(team_agreement(decisions, n_boot=300, seed=8, by_label=True)["low"])

    share = row(table, "percent_agreement", annotator="p0", other="p1")
    both = decisions.pivot(index="key", columns="annotator", values="label")[["p0", "p1"]].dropna()
    low, high = wilson_interval(int((both["p0"] == both["p1"]).sum()), len(both), 0.95)
    assert (share["low"], share["high"]) == (float(low), float(high))
    assert share["interval"] == "Wilson" and share["n"] == len(both)


def test_without_bootstrap_only_wilson_intervals() -> None:
    table = team_agreement(random_team(1), n_boot=0)
    bootstrapped = table["metric"].isin(
        ["fleiss_kappa", "krippendorff_alpha", "cohen_kappa", "cohen_kappa_vs_majority"]
    )
    assert table.loc[bootstrapped, "low"].isna().all()
    assert table.loc[table["interval"] == "Wilson", "low"].notna().all()


def test_the_interval_of_a_label_list_does_not_depend_on_its_order() -> None:
    decisions = random_team(2, items=120)
    one = team_agreement(decisions, ["ham", "spam", "eggs"], n_boot=200)
    other = team_agreement(decisions, ["eggs", "spam", "ham"], n_boot=200)
    pd.testing.assert_frame_equal(one, other)


# ---------------------------------------------------------------------------------------------------------------
# undefined values, with the reason


def test_one_annotator_gives_nan_with_a_reason_not_an_error() -> None:
    # a live table starts with one person labeling: nothing to compare yet
    table = team_agreement(pd.DataFrame({"key": [1, 2], "annotator": ["ana", "ana"], "label": ["x", "y"]}))
    assert row(table, "n")["note"].startswith("fewer than two annotators have labeled: nothing to compare yet")
    assert table.loc[table["metric"] != "n", "value"].isna().all()
    assert_every_nan_is_explained(table)
    assert table["other"].isna().all()  # no pairs
    assert row(table, "krippendorff_alpha")["note"] == "no item has labels from two annotators"


def test_people_without_overlap() -> None:
    decisions = pd.DataFrame({"key": [1, 2, 3, 4], "annotator": ["ana", "ana", "ben", "ben"], "label": list("xyxy")})
    table = team_agreement(decisions, by_label=True)
    assert table.loc[table["metric"] != "n", "value"].isna().all()
    assert_every_nan_is_explained(table)
    assert row(table, "cohen_kappa", annotator="ana", other="ben")["note"] == "no item labeled by both"
    assert row(table, "cohen_kappa", annotator="ana", other="ben")["n"] == 0


def test_one_label_throughout() -> None:
    decisions = pd.DataFrame({"key": [1, 1, 2, 2], "annotator": ["ana", "ben"] * 2, "label": ["x"] * 4})
    table = team_agreement(decisions)
    assert value(table, "percent_agreement") == 1.0  # they did agree every time
    for metric in ("fleiss_kappa", "krippendorff_alpha"):
        assert math.isnan(value(table, metric)) and "same" in row(table, metric)["note"]
    assert math.isnan(value(table, "cohen_kappa", annotator="ana", other="ben"))
    assert "chance agreement is 1" in row(table, "cohen_kappa", annotator="ana", other="ben")["note"]


def test_skips_are_not_ratings_and_labels_nobody_used_are_explained() -> None:
    decisions = pd.DataFrame(
        {"key": [1, 1, 1, 2, 2, 2], "annotator": ["ana", "ben", "cy"] * 2, "label": ["x", "x", None, "y", "x", "y"]}
    )
    table = team_agreement(decisions, ["x", "y", "z"], by_label=True)
    assert row(table, "fleiss_kappa")["note"] == "used the items with 3 labels; 1 item(s) with another count left out"
    assert row(table, "fleiss_kappa")["n"] == 1
    z_alpha = row(table, "krippendorff_alpha", label="z")
    assert math.isnan(z_alpha["value"]) and z_alpha["note"] == "nobody said 'z' on an item labeled twice or more"
    assert math.isnan(value(table, "disagreement_share", label="z"))
    assert value(table, "disagreement_share", label="y") == 1.0  # item 2: y, x, y
    assert value(table, "disagreement_share", label="x") == 0.5  # item 1 unanimous, item 2 not
    # against the others' majority: item 1 has one other label for ana and ben (a pair, not a majority); on item 2
    # ana's others split x / y, and so do cy's, while ben's others agree on y
    assert row(table, "percent_agreement_vs_majority", annotator="ana")["n"] == 0
    assert row(table, "percent_agreement_vs_majority", annotator="cy")["n"] == 0
    assert row(table, "percent_agreement_vs_majority", annotator="ben")["n"] == 1
    assert value(table, "percent_agreement_vs_majority", annotator="ben") == 0.0


# ---------------------------------------------------------------------------------------------------------------
# conflicts and gold labels


DECISIONS = pd.DataFrame(
    {
        "key": ["a", "a", "a", "b", "b", "c", "c", "c", "c", "d", "e", "e"],
        "annotator": ["ana", "ben", "cy", "ana", "ben", "ana", "ben", "cy", "dee", "ana", "ana", "ben"],
        "label": ["x", "x", "y", "x", "y", "x", "x", "y", "y", "x", "y", "y"],
    }
)


def test_conflicts_lists_the_items_people_labeled_differently() -> None:
    table = conflicts(DECISIONS)
    assert table["key"].tolist() == ["a", "b", "c"]
    assert table["n_labels"].tolist() == [3, 2, 4]
    assert table["majority"].tolist() == ["x", None, None]  # 2 of 3; 1–1 and 2–2 are ties
    assert table["labels"].iloc[0] == {"ana": "x", "ben": "x", "cy": "y"}


def test_resolve_gold() -> None:
    gold = resolve_gold(DECISIONS).set_index("key")
    assert gold.index.tolist() == ["a", "b", "c", "e"]  # d has a single label
    assert gold["how"].tolist() == ["majority", "unresolved", "unresolved", "unanimous"]
    assert gold["label"].tolist() == ["x", None, None, "y"]
    assert gold["n_labels"].tolist() == [3, 2, 4, 2]
    assert gold["agreement"].tolist() == pytest.approx([2 / 3, 1 / 2, 1 / 2, 1.0])
    assert gold["adjudicator"].isna().all()

    adjudications = pd.DataFrame({"key": ["c", "a", "d"], "label": ["y", "y", "z"], "adjudicator": ["lead"] * 3})
    gold = resolve_gold(DECISIONS, adjudications).set_index("key")
    assert gold.index.tolist() == ["a", "b", "c", "d", "e"]  # d is adjudicated, so it is gold despite one label
    assert gold.loc[["a", "c", "d"], "how"].eq("adjudicated").all()
    assert gold.loc[["a", "c", "d"], "label"].tolist() == ["y", "y", "z"]  # the adjudication overrides the majority
    assert gold.loc[["a", "c", "d"], "agreement"].tolist() == pytest.approx([1 / 3, 1 / 2, 0.0])
    assert gold.loc["a", "adjudicator"] == "lead" and gold.loc["b", "adjudicator"] is None

    single = resolve_gold(DECISIONS, min_labels=1).set_index("key")
    assert single.loc["d", "how"] == "single" and single.loc["d", "label"] == "x"
    assert resolve_gold(DECISIONS, min_labels=4)["key"].tolist() == ["c"]


def test_resolve_gold_rejects_bad_adjudications() -> None:
    with pytest.raises(InputError, match="not among the decisions' keys"):
        resolve_gold(DECISIONS, pd.DataFrame({"key": ["zz"], "label": ["x"]}))
    with pytest.raises(InputError, match="more than once"):
        resolve_gold(DECISIONS, pd.DataFrame({"key": ["a", "a"], "label": ["x", "y"]}))
    with pytest.raises(InputError, match="needs a key and a label"):
        resolve_gold(DECISIONS, pd.DataFrame({"key": ["a"], "label": [None]}))
    with pytest.raises(InputError, match=r"\['label'\] not found"):
        resolve_gold(DECISIONS, pd.DataFrame({"key": ["a"], "gold": ["x"]}))
    with pytest.raises(InputError, match="min_labels"):
        resolve_gold(DECISIONS, min_labels=0)


# ---------------------------------------------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize("function", [team_agreement, conflicts, resolve_gold])
def test_bad_decisions(function: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    call = function
    with pytest.raises(InputError, match=r"\['annotator'\] not found"):
        call(DECISIONS.rename(columns={"annotator": "user"}))
    with pytest.raises(InputError, match="needs a pandas DataFrame"):
        call(DECISIONS.to_dict())
    twice = pd.concat([DECISIONS, pd.DataFrame({"key": ["a"], "annotator": ["ana"], "label": [None]})])
    with pytest.raises(InputError, match="pass the decisions in force, one row per item and annotator") as error:
        call(twice)
    assert "('a', 'ana')" in str(error.value) and "drop_duplicates" in str(error.value)
    with pytest.raises(InputError, match="no 'key' or no 'annotator'"):
        call(DECISIONS.assign(annotator=DECISIONS["annotator"].where(DECISIONS["key"] != "b", None)))


def test_bad_arguments() -> None:
    with pytest.raises(InputError, match=r"labels \['y'\] are not in"):
        team_agreement(DECISIONS, ["x"])
    with pytest.raises(InputError, match="ci must be between 0 and 1"):
        team_agreement(DECISIONS, ci=95)
    with pytest.raises(InputError, match="n_boot must be an integer"):
        team_agreement(DECISIONS, n_boot=-1)
    with pytest.raises(InputError, match="by_label"):
        team_agreement(DECISIONS, by_label="yes")  # type: ignore[arg-type]


def test_empty_decisions() -> None:
    empty = pd.DataFrame({"key": [], "annotator": [], "label": []})
    table = team_agreement(empty, by_label=True)
    assert table["metric"].tolist() == ["n", "percent_agreement", "fleiss_kappa", "krippendorff_alpha"]
    assert_every_nan_is_explained(table)
    assert conflicts(empty).empty and resolve_gold(empty).empty
