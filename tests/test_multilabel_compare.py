"""lw.compare's numbers for multi-label answers: what is compared (comparison.inputs) and how it is scored and ranked
(comparison.scores), against scikit-learn and statsmodels computed here, on generated answers and GoEmotions."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest
from sklearn.metrics import f1_score, hamming_loss, jaccard_score
from sklearn.preprocessing import MultiLabelBinarizer
from statsmodels.stats.contingency_tables import mcnemar

import labelwidgets as lw
from labelwidgets.comparison.inputs import prepare
from labelwidgets.comparison.scores import (
    SET_RANKING,
    SET_SORT_KEYS,
    answer_values,
    differs,
    encode_suggestions,
    score,
)
from labelwidgets.errors import InputError
from labelwidgets.labels import LabelSet
from labelwidgets.suggesters.base import Suggestion
from labelwidgets.suggesters.validate import validate

LABELS = list(lw.datasets.GOEMOTIONS_LABELS)
USAGE = {"cost": math.nan, "cost_per_item": math.nan, "tokens_per_item": math.nan, "latency_per_item": 0.0}


def noisy(gold: list[list[str]], rate: float, seed: int) -> list[list[str]]:
    """Each label flipped (added or dropped) with probability ``rate``."""
    rng = np.random.default_rng(seed)
    return [[x for x in LABELS if (x in answer) != (rng.random() < rate)] for answer in gold]


@pytest.fixture(scope="module")
def replay() -> dict[str, Any]:
    """GoEmotions' gold sets and three suggesters' outputs as compare() gets them (validated Suggestions)."""
    gold = [list(g) for g in lw.datasets.goemotions()["gold"]]
    labels = LabelSet.parse(LABELS, "multi")
    outputs: dict[str, list[Any]] = {
        "good": noisy(gold, 0.04, 1), "fair": noisy(gold, 0.12, 2), "poor": noisy(gold, 0.35, 3)
    }  # fmt: skip
    outputs["fair"][:8] = [["awe"]] * 4 + [None] * 4  # invalid: a name outside the labels, and no answer
    suggestions = {
        name: [validate(Suggestion(label=a) if a is not None else Suggestion.invalid("no answer"), labels)
               for a in answers]
        for name, answers in outputs.items()
    }  # fmt: skip
    return {"gold": gold, "labels": labels, "outputs": outputs, "suggestions": suggestions}


def board_scores(replay: dict[str, Any], **options: Any) -> Any:
    labels = replay["labels"]
    human = labels.kind.compared(np.array(replay["gold"], dtype=object), labels, column="gold")
    predicted = {name: encode_suggestions(s, labels) for name, s in replay["suggestions"].items()}
    settings = {"sort_by": "jaccard", "ci": 0.95, "n_boot": 300, "seed": 0, **options}
    return score(human, predicted, dict.fromkeys(predicted, USAGE), len(labels), labels=labels, **settings)


def references(gold: list[list[str]], answers: list[Any]) -> dict[str, float]:
    """scikit-learn's numbers; an invalid output names no label, and as a whole answer never matches."""
    binarizer = MultiLabelBinarizer(classes=LABELS)
    truth = binarizer.fit_transform(gold)
    valid = np.array([a is not None and set(a) <= set(LABELS) for a in answers])
    predicted = binarizer.fit_transform([a if ok else [] for a, ok in zip(answers, valid, strict=True)])
    per_item = np.array([jaccard_score(t, p, zero_division=1) for t, p in zip(truth, predicted, strict=True)])
    exact = (truth == predicted).all(axis=1) & valid
    return {
        "jaccard": float(np.mean(np.where(valid, per_item, 0.0))),
        "subset_accuracy": float(exact.mean()),
        "micro_f1": f1_score(truth, predicted, average="micro", zero_division=np.nan),
        "macro_f1": f1_score(truth, predicted, average="macro", zero_division=np.nan),
        "hamming_loss": hamming_loss(truth, predicted),
        "invalid": int((~valid).sum()),
        "exact": exact,  # type: ignore[dict-item]
    }


def test_every_entry_equals_scikit_learn(replay: dict[str, Any]) -> None:
    scores = board_scores(replay)
    assert list(scores.table.columns) == SET_RANKING.table_columns
    assert scores.metrics == ("jaccard", "subset_accuracy", "micro_f1", "macro_f1", "hamming_loss")
    for name, answers in replay["outputs"].items():
        expected = references(replay["gold"], answers)
        row = scores.table.loc[name]
        for metric in SET_RANKING.metrics:
            assert row[metric] == pytest.approx(expected[metric], rel=1e-12), (name, metric)
        assert row["invalid"] == expected["invalid"] and row["n"] == len(replay["gold"])
        exact = int(expected["exact"].sum())  # type: ignore[attr-defined]
        wilson = binomtest(exact, len(replay["gold"])).proportion_ci(confidence_level=0.95, method="wilson")
        assert (row["subset_accuracy_low"], row["subset_accuracy_high"]) == pytest.approx((wilson.low, wilson.high))
        for metric in ("jaccard", "micro_f1", "macro_f1", "hamming_loss"):
            assert row[f"{metric}_low"] <= row[metric] <= row[f"{metric}_high"], (name, metric)
    assert scores.table.loc["fair", "invalid"] == 8


def test_an_invalid_output_never_matches_none_of_these() -> None:
    labels = LabelSet.parse(["a", "b"], "multi")
    human = labels.kind.compared(np.array([[], [], ["a"]], dtype=object), labels, column="label")
    outputs = [Suggestion.invalid("no answer"), Suggestion(label="[]"), Suggestion(label='["a"]')]
    predicted = {"x": encode_suggestions([validate(s, labels) for s in outputs], labels)}
    row = score(human, predicted, {"x": USAGE}, 2, sort_by="jaccard", ci=0.95, n_boot=0, seed=0, labels=labels).table
    assert row.loc["x", "jaccard"] == pytest.approx(2 / 3) and row.loc["x", "subset_accuracy"] == pytest.approx(2 / 3)
    assert row.loc["x", "hamming_loss"] == 0.0  # it names no label, and no label was due on that item
    assert row.loc["x", "invalid"] == 1


def test_ranked_by_jaccard_by_default_and_by_every_sort_key(replay: dict[str, Any]) -> None:
    assert SET_RANKING.default == "jaccard"
    for sort_by, (column, ascending) in SET_SORT_KEYS.items():
        table = board_scores(replay, sort_by=sort_by, n_boot=0).table
        assert list(table["rank"]) == [1, 2, 3]
        if column in ("jaccard", "subset_accuracy", "micro_f1", "macro_f1", "hamming_loss"):
            values = table[column]
            assert values.is_monotonic_increasing if ascending else values.is_monotonic_decreasing, sort_by
    assert list(board_scores(replay).table.index) == ["good", "fair", "poor"]
    assert list(board_scores(replay, sort_by="invalid", n_boot=0).table.index)[-1] == "fair"


def test_pairwise_tests_equal_statsmodels_and_ties_follow_the_sort_metric(replay: dict[str, Any]) -> None:
    gold = replay["gold"]
    scores = board_scores(replay)
    assert list(scores.pairwise.columns) == SET_RANKING.pairwise_columns
    assert scores.tie_metric == "jaccard"
    for pair in scores.pairwise.itertuples():
        right_a = references(gold, replay["outputs"][pair.a])["exact"]
        right_b = references(gold, replay["outputs"][pair.b])["exact"]
        table = [[(right_a & right_b).sum(), (right_a & ~right_b).sum()],
                 [(~right_a & right_b).sum(), (~right_a & ~right_b).sum()]]  # type: ignore[operator]  # fmt: skip
        assert pair.mcnemar_p == pytest.approx(mcnemar(table, exact=True).pvalue, abs=1e-12)
        assert pair.subset_accuracy_diff == pytest.approx(right_a.mean() - right_b.mean())  # type: ignore[attr-defined]
        low, high = pair.jaccard_diff_low, pair.jaccard_diff_high
        assert pair.distinguishable == (low > 0 or high < 0)
        outputs_a, outputs_b = replay["outputs"][pair.a], replay["outputs"][pair.b]
        assert pair.disagree == sum(
            (a is None) != (b is None) or (a is not None and b is not None and set(a) != set(b))
            for a, b in zip(outputs_a, outputs_b, strict=True)
        )
    assert scores.pairwise.set_index(["a", "b"]).loc[("good", "poor"), "distinguishable"]
    by_exact = board_scores(replay, sort_by="subset_accuracy")
    assert by_exact.tie_metric == "subset_accuracy"  # exact matches: McNemar's test decides ties
    for pair in by_exact.pairwise.itertuples():
        assert pair.distinguishable == (pair.mcnemar_p < 0.05)


def test_a_copy_is_tied_with_its_original(replay: dict[str, Any]) -> None:
    copied = dict(replay, suggestions={**replay["suggestions"], "good_copy": replay["suggestions"]["good"]})
    scores = board_scores(copied)
    same = scores.pairwise.set_index(["a", "b"]).loc[("good", "good_copy")]
    assert same["disagree"] == 0 and same["jaccard_diff_low"] == same["jaccard_diff_high"] == 0.0
    assert not same["distinguishable"] and scores.table.loc["good", "tied_with"] == "good_copy"


def test_encoded_answers_read_back_and_compare(replay: dict[str, Any]) -> None:
    labels = replay["labels"]
    encoded = encode_suggestions(replay["suggestions"]["fair"], labels)
    shown = answer_values(encoded, labels)
    assert list(shown[:8]) == [None] * 8
    assert list(shown[8:20]) == replay["outputs"]["fair"][8:20]
    assert not differs(encoded, encoded).any()
    single = LabelSet.parse(["a", "b"])
    codes = encode_suggestions([Suggestion(label="a"), Suggestion.invalid("x")], single)
    names = answer_values(codes, single)  # a string array, as board.predictions shows one label per item
    assert names[0] == "a" and pd.isna(names[1]) and str(names.dtype) == "string" and list(codes) == [0, 2]


# ---------------------------------------------------------------------------------------------------------------
# what compare() compares


def frame_of(gold: list[Any]) -> pd.DataFrame:
    return pd.DataFrame({"text": [f"comment {i}" for i in range(len(gold))], "gold": pd.Series(gold, dtype=object)})


def test_a_human_column_of_lists_is_compared_as_sets() -> None:
    df = frame_of([["joy"], [], ["anger", "joy"], None])
    prepared = prepare(df, human="gold", text="text", labels=None, item=None, annotator=None)
    assert prepared.labels.kind.name == "multi" and prepared.labels.names == ["anger", "joy"]
    assert prepared.excluded == {"without a human label": 1}
    expected = MultiLabelBinarizer(classes=["anger", "joy"]).fit_transform([["joy"], [], ["anger", "joy"]])
    np.testing.assert_array_equal(prepared.human[:, :2], expected)
    assert not prepared.human[:, 2].any()
    explicit = prepare(df, human="gold", text="text", labels=LABELS, item=None, annotator=None, kind="multi")
    assert explicit.labels.names == LABELS and explicit.human.shape == (3, len(LABELS) + 1)
    stored = frame_of(['["joy"]', "[]"])  # the text a store keeps, read as sets when the kind is said
    as_text = prepare(stored, human="gold", text="text", labels=["joy"], item=None, annotator=None, kind="multi")
    np.testing.assert_array_equal(as_text.human, [[True, False], [False, False]])


def test_bad_human_answers_are_refused_naming_what_is_wrong() -> None:
    with pytest.raises(InputError, match=r"outside the labels \['anger', 'joy'\]: \['awe'\]"):
        prepare(frame_of([["joy"], ["awe"]]), human="gold", text="text", labels=["anger", "joy"], item=None,
                annotator=None)  # fmt: skip
    with pytest.raises(InputError, match=r"mixes lists of labels.*rows \[0\].*'joy' \(rows \[1\]\)"):
        prepare(frame_of([["joy"], "joy"]), human="gold", text="text", labels=None, item=None, annotator=None)
    long = pd.DataFrame({"item": [1, 1], "text": ["a", "a"], "gold": pd.Series([["joy"], []], dtype=object)})
    with pytest.raises(InputError, match="one row per item"):
        prepare(long, human="gold", text="text", labels=None, item="item", annotator=None)


def test_compare_checks_the_sort_key_against_the_kind_before_running_anything() -> None:
    df = frame_of([["joy"], []])
    df["model"] = pd.Series([["joy"], ["joy"]], dtype=object)
    calls = {"n": 0}

    class Counting:
        def suggest(self, items: Any, labels: Any) -> list[Suggestion]:
            calls["n"] += 1
            return [Suggestion(label="[]") for _ in items]

    with pytest.raises(InputError, match=r"does not rank multi-label answers.*jaccard"):
        lw.compare(df, human="gold", suggesters={"c": Counting()}, sort_by="kappa", progress=False)
    with pytest.raises(InputError, match="not known"):
        lw.compare(df, human="gold", suggesters={"c": Counting()}, sort_by="speed", progress=False)
    assert calls["n"] == 0


# ---------------------------------------------------------------------------------------------------------------
# end to end (needs the Leaderboard to encode answers through comparison.scores: see the leaderboard patch)


def test_compare_ranks_multi_label_suggesters_by_jaccard(replay: dict[str, Any]) -> None:
    df = frame_of(replay["gold"])
    for name, answers in replay["outputs"].items():
        df[name] = pd.Series(answers, dtype=object)
    board = lw.compare(df, human="gold", labels=LABELS, suggesters={n: lw.FromColumn(n) for n in replay["outputs"]},
                       progress=False, n_boot=300)  # fmt: skip
    assert board.sort_by == "jaccard" and list(board.table.index) == ["good", "fair", "poor"]
    expected = board_scores(replay).table
    pd.testing.assert_frame_equal(board.table[list(SET_RANKING.metrics)], expected[list(SET_RANKING.metrics)])
    assert "subset accuracy Wilson; Jaccard, micro-F1, macro-F1 and Hamming loss" in board.method
    assert "jaccard" in repr(board) and "kappa" not in repr(board).split("\n")[1]
    shown = board.predictions
    assert shown.loc[9, "human"] == replay["gold"][9] and shown.loc[0, "fair"] is None
    wrong = board.disagreement_positions("poor")
    assert len(wrong) == sum(set(a) != set(g) for a, g in zip(replay["outputs"]["poor"], replay["gold"], strict=True))
    payload = board.item_payload(int(wrong[0]))
    assert payload["human"] == replay["gold"][int(wrong[0])] and isinstance(payload["outputs"][0]["label"], list)
    before = board.table.loc["good", "jaccard"]
    position = int(board.disagreement_positions("good")[0])
    correction = board.relabel_at(position, list(replay["outputs"]["good"][position]))
    assert correction is not None and correction["new"] == replay["outputs"]["good"][position]
    assert df.loc[position, "gold"] == replay["outputs"]["good"][position]
    assert board.table.loc["good", "jaccard"] > before
    assert board.relabel_at(position, list(replay["outputs"]["good"][position])) is None
    with pytest.raises(InputError, match="not among the labels"):
        board.relabel_at(position, ["awe"])
    by_micro = lw.compare(df, human="gold", labels=LABELS, suggesters={"good": lw.FromColumn("good")},
                          sort_by="micro_f1", progress=False, n_boot=0)  # fmt: skip
    assert by_micro.sort_by == "micro_f1" and by_micro.tie_metric == "subset_accuracy"


def test_compare_a_multi_label_labeler(store_path) -> None:
    frame = lw.datasets.goemotions().head(20)
    frame["model"] = pd.Series(noisy([list(g) for g in frame["gold"]], 0.1, 7), dtype=object).to_numpy()
    labeler = lw.Labeler(frame, labels=LABELS, kind="multi", store=store_path)
    for gold in frame["gold"][:15]:
        labeler.label(list(gold))
    board = lw.compare(labeler, suggesters={"model": lw.FromColumn("model")}, progress=False, n_boot=0)
    assert board.n == 15 and board.sort_by == "jaccard"
    truth = MultiLabelBinarizer(classes=LABELS).fit_transform(frame["gold"][:15])
    predicted = MultiLabelBinarizer(classes=LABELS).fit_transform(frame["model"][:15])
    assert board.table.loc["model", "jaccard"] == pytest.approx(
        jaccard_score(truth, predicted, average="samples", zero_division=1), rel=1e-12
    )
    labeler.close()
