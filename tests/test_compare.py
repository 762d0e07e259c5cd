"""lw.compare: the leaderboard's numbers against scikit-learn and statsmodels, ties, bad input, relabels."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest
from sklearn.metrics import accuracy_score, cohen_kappa_score, f1_score
from statsmodels.stats.contingency_tables import mcnemar

import labelwidgets as lw
from labelwidgets.comparison.compare import CostNotConfirmed, Leaderboard, compare
from labelwidgets.errors import InputError
from labelwidgets.labels import LabelSet
from labelwidgets.suggesters import cost as cost_module
from labelwidgets.suggesters.base import Item, Suggestion
from labelwidgets.suggesters.column import FromColumn

LABELS = ["billing", "bug", "praise"]


def noisy(truth: np.ndarray, error_rate: float, rng: np.random.Generator, labels: Sequence[str] = LABELS) -> np.ndarray:
    """A copy of ``truth`` with about ``error_rate`` of the entries replaced by another label."""
    out = truth.copy()
    wrong = rng.random(len(truth)) < error_rate
    shift = rng.integers(1, len(labels), size=len(truth))
    index = {name: i for i, name in enumerate(labels)}
    out[wrong] = [labels[(index[t] + s) % len(labels)] for t, s in zip(truth[wrong], shift[wrong], strict=True)]
    return out


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 300
    truth = rng.choice(LABELS, size=n, p=[0.5, 0.3, 0.2])
    df = pd.DataFrame({"text": [f"ticket {i}" for i in range(n)], "label": truth}, index=pd.RangeIndex(n, name="id"))
    df["good"] = noisy(truth, 0.08, rng)
    df["fair"] = noisy(truth, 0.25, rng)
    df["poor"] = noisy(truth, 0.5, rng)
    # invalid outputs: not a label, and missing
    df.loc[df.index[:6], "fair"] = "no idea"
    df.loc[df.index[6:10], "fair"] = None
    return df


def columns_board(df: pd.DataFrame, names: Sequence[str] = ("good", "fair", "poor"), **kwargs) -> Leaderboard:
    return compare(df, labels=LABELS, suggesters={n: FromColumn(n) for n in names}, progress=False, **kwargs)


# ----- numbers ---------------------------------------------------------------------------------------------------


def test_numbers_equal_scikit_learn_on_the_same_columns(frame: pd.DataFrame) -> None:
    board = columns_board(frame)
    human = frame["label"].to_numpy()
    for name in ("good", "fair", "poor"):
        # an invalid output is its own category, so it counts as a disagreement everywhere
        predicted = frame[name].where(frame[name].isin(LABELS), "<invalid>").to_numpy()
        row = board.table.loc[name]
        assert row["accuracy"] == pytest.approx(accuracy_score(human, predicted), abs=1e-12)
        assert row["kappa"] == pytest.approx(cohen_kappa_score(human, predicted), abs=1e-12)
        macro = f1_score(human, predicted, labels=LABELS, average="macro", zero_division=np.nan)
        assert row["macro_f1"] == pytest.approx(macro, abs=1e-12)
        assert row["n"] == len(frame)
        assert row["invalid"] == (predicted == "<invalid>").sum()
    assert board.table.loc["fair", "invalid"] == 10
    assert board.table.loc["fair", "invalid_share"] == pytest.approx(10 / 300)


def test_intervals_are_wilson_for_accuracy_and_bootstrap_for_kappa(frame: pd.DataFrame) -> None:
    board = columns_board(frame)
    row = board.table.loc["good"]
    correct = round(row["accuracy"] * row["n"])
    wilson = binomtest(correct, int(row["n"])).proportion_ci(confidence_level=0.95, method="wilson")
    assert (row["accuracy_low"], row["accuracy_high"]) == pytest.approx((wilson.low, wilson.high), abs=1e-9)
    for metric in ("kappa", "macro_f1"):
        assert row[f"{metric}_low"] < row[metric] < row[f"{metric}_high"]
    assert "Wilson" in board.method and "bootstrap" in board.method and "McNemar" not in board.method
    # reproducible with the same seed, different with another
    again = columns_board(frame)
    timed = ["latency_per_item"]  # measured wall time: FromColumn does not time itself
    pd.testing.assert_frame_equal(board.table.drop(columns=timed), again.table.drop(columns=timed))
    other = columns_board(frame, seed=1)
    assert other.table.loc["good", "kappa_low"] != board.table.loc["good", "kappa_low"]
    assert other.table.loc["good", "kappa"] == board.table.loc["good", "kappa"]


def test_ranked_by_kappa_by_default_and_by_what_sort_by_says(frame: pd.DataFrame) -> None:
    board = columns_board(frame)
    assert list(board.table.index) == ["good", "fair", "poor"]
    assert list(board.table["rank"]) == [1, 2, 3]
    assert board.table["kappa"].is_monotonic_decreasing
    by_invalid = columns_board(frame, sort_by="invalid")
    assert by_invalid.table.index[-1] == "fair"
    assert by_invalid.table.loc["fair", "rank"] == 3
    by_accuracy = columns_board(frame, sort_by="accuracy")
    assert by_accuracy.table["accuracy"].is_monotonic_decreasing
    assert by_accuracy.tie_metric == "accuracy" and "McNemar" in by_accuracy.method


# ----- ties ---------------------------------------------------------------------------------------------------


def test_identical_suggesters_are_tied_and_a_clearly_better_one_is_not(frame: pd.DataFrame) -> None:
    frame["good_copy"] = frame["good"]
    for sort_by in ("kappa", "accuracy", "macro_f1"):
        board = columns_board(frame, ("good", "good_copy", "poor"), sort_by=sort_by)
        pairs = board.pairwise.set_index(["a", "b"])
        same = pairs.loc[("good", "good_copy")]
        assert same["disagree"] == 0 and same["mcnemar_p"] == 1.0
        assert same["kappa_diff_low"] == same["kappa_diff_high"] == 0.0
        assert not same["distinguishable"]
        assert board.table.loc["good", "tied_with"] == "good_copy"
        assert board.table.loc["good_copy", "tied_with"] == "good"
        better = pairs.loc[("good", "poor")]
        assert better["distinguishable"] and better["mcnemar_p"] < 1e-6
        assert better["kappa_diff_low"] > 0
        assert board.table.loc["poor", "tied_with"] == ""


def test_mcnemar_p_values_equal_statsmodels(frame: pd.DataFrame) -> None:
    board = columns_board(frame)
    human = frame["label"].to_numpy()
    for pair in board.pairwise.itertuples():
        right_a = frame[pair.a].to_numpy() == human
        right_b = frame[pair.b].to_numpy() == human
        table = [[(right_a & right_b).sum(), (right_a & ~right_b).sum()],
                 [(~right_a & right_b).sum(), (~right_a & ~right_b).sum()]]  # fmt: skip
        assert pair.mcnemar_p == pytest.approx(mcnemar(table, exact=True).pvalue, abs=1e-12)
        assert pair.a_only_correct == table[0][1] and pair.b_only_correct == table[1][0]
        for metric in ("accuracy", "kappa", "macro_f1"):  # differences of the table's own numbers
            expected = board.table.loc[pair.a, metric] - board.table.loc[pair.b, metric]
            assert getattr(pair, f"{metric}_diff") == pytest.approx(expected, abs=1e-12)


def test_close_suggesters_on_a_small_sample_are_tied() -> None:
    rng = np.random.default_rng(11)
    truth = rng.choice(["ham", "spam"], size=40)
    df = pd.DataFrame({"text": ["x"] * 40, "label": truth})
    df["a"] = noisy(truth, 0.10, rng, ["ham", "spam"])
    df["b"] = noisy(truth, 0.15, rng, ["ham", "spam"])
    board = compare(df, labels=["ham", "spam"], suggesters={"a": FromColumn("a"), "b": FromColumn("b")},
                    progress=False)  # fmt: skip
    assert not board.pairwise.loc[0, "distinguishable"]
    assert board.table.loc["a", "tied_with"] == "b"


def test_without_resamples_ties_come_from_mcnemar(frame: pd.DataFrame) -> None:
    board = columns_board(frame, n_boot=0)
    assert board.table[["kappa_low", "kappa_high", "macro_f1_low", "macro_f1_high"]].isna().all().all()
    assert board.table["accuracy_low"].notna().all()
    assert board.tie_metric == "accuracy" and "none (n_boot=0)" in board.method and "McNemar" in board.method
    assert board.pairwise["distinguishable"].tolist() == (board.pairwise["mcnemar_p"] < 0.05).tolist()


def test_when_the_people_used_one_label_kappa_cannot_rank_and_ties_use_mcnemar() -> None:
    df = pd.DataFrame({"text": ["x"] * 30, "label": ["ham"] * 30, "a": ["ham"] * 30, "b": ["ham", "spam"] * 15})
    board = compare(df, labels=["ham", "spam"], suggesters={"a": FromColumn("a"), "b": FromColumn("b")},
                    progress=False)  # fmt: skip
    # chance agreement is 1 for "a" (0/0: NaN); "b" gets scikit-learn's 0.0
    assert np.isnan(board.table.loc["a", "kappa"]) and board.table.loc["b", "kappa"] == 0.0
    assert board.table.loc["b", "kappa"] == cohen_kappa_score(df["label"], df["b"])
    assert board.table.loc["a", "accuracy"] == 1.0 and board.table.loc["b", "accuracy"] == 0.5
    assert board.tie_metric == "accuracy"
    assert board.pairwise.loc[0, "distinguishable"]  # 15 discordant items, all one way: p = 6e-5
    assert any("single label" in note for note in board.notes) and "single label" in repr(board)


# ----- inputs ---------------------------------------------------------------------------------------------------


def test_rows_without_a_human_label_are_left_out_and_counted(frame: pd.DataFrame) -> None:
    frame.loc[frame.index[:12], "label"] = None
    board = columns_board(frame)
    assert board.n == 288
    assert board.excluded == {"without a human label": 12}
    assert "Left out of the comparison: 12 without a human label." in repr(board)


def test_human_labels_outside_the_label_set_are_an_error_listing_them(frame: pd.DataFrame) -> None:
    frame.loc[frame.index[:3], "label"] = "refund"
    frame.loc[frame.index[3], "label"] = "Bug"
    with pytest.raises(InputError, match=r"2 value\(s\) not in the labels .*'refund' \(3×\), 'Bug' \(1×\)"):
        columns_board(frame)


def test_no_human_labels_at_all_is_a_clear_error(frame: pd.DataFrame) -> None:
    frame["label"] = None
    with pytest.raises(InputError, match=r"no rows to compare: none of the 300 row\(s\) has a usable human label"):
        columns_board(frame)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"human": "gold"}, r"column\(s\) \['gold'\] not found \(human='gold'\)"),
        ({"text": "body"}, r"column\(s\) \['body'\] not found \(text='body'\)"),
        ({"sort_by": "speed"}, r"sort_by='speed' is not known"),
        ({"suggesters": {}}, r"suggesters is empty"),
        (
            {"suggesters": {"x": "gpt"}},
            r"suggesters\['x'\]='gpt' is a string; pass a suggester object instead, for example .*lw.LLM\('gpt'\)",
        ),
        ({"ci": 95}, r"ci must be between 0 and 1"),
        ({"annotator": "who"}, r"annotator= needs item="),
    ],
)
def test_bad_arguments(frame: pd.DataFrame, kwargs: dict, message: str) -> None:
    arguments = {"labels": LABELS, "suggesters": {"good": FromColumn("good")}, "progress": False, **kwargs}
    with pytest.raises(InputError, match=message):
        compare(frame, **arguments)


def test_duplicate_index_is_an_error_that_points_to_item() -> None:
    df = pd.DataFrame({"text": ["a", "b"], "label": ["ham", "spam"]}, index=[1, 1])
    with pytest.raises(InputError, match="item="):
        compare(df, suggesters=[FromColumn("label")], progress=False)


class Flaky:
    """Raises for every batch that holds a text containing 'boom', and answers 'bug' otherwise."""

    name = "flaky"

    def __init__(self) -> None:
        self.calls = 0

    def suggest(self, items: Sequence[Item], labels: LabelSet) -> list[Suggestion]:
        self.calls += 1
        if any("boom" in item.text for item in items):
            raise RuntimeError("the model server hung up")
        return [Suggestion(label="bug") for _ in items]


class Miscounting:
    name = "miscounting"

    def suggest(self, items: Sequence[Item], labels: LabelSet) -> list[Suggestion]:
        return [Suggestion(label="bug")]


def test_a_suggester_that_fails_on_some_rows_gives_invalid_outputs_not_a_crash(frame: pd.DataFrame) -> None:
    frame.loc[frame.index[[5, 50, 51]], "text"] = "boom"
    flaky = Flaky()
    board = compare(frame, labels=LABELS, suggesters={"flaky": flaky, "miscounting": Miscounting(),
                    "good": FromColumn("good")}, progress=False, batch_size=16)  # fmt: skip
    assert board.table.loc["flaky", "invalid"] == 3  # the failing batch was retried item by item
    errors = board.errors
    flaky_errors = errors[errors["suggester"] == "flaky"]
    assert list(flaky_errors["key"]) == [5, 50, 51]
    assert set(flaky_errors["error"]) == {"RuntimeError: the model server hung up"}
    assert board.table.loc["miscounting", "invalid"] == 300
    assert errors[errors["suggester"] == "miscounting"]["error"].iloc[0] == "suggest() returned 1 answers for 16 items"
    assert board.predictions.loc[5, "flaky"] is pd.NA and board.predictions.loc[6, "flaky"] == "bug"


def test_labels_default_to_those_the_people_used_and_unknown_suggestions_are_invalid() -> None:
    df = pd.DataFrame({"text": list("abcd"), "label": ["ham", "spam", "ham", "spam"],
                       "llm": ["ham", "spam", "maybe", "spam"]})  # fmt: skip
    board = compare(df, suggesters={"llm": FromColumn("llm")}, progress=False)
    assert board.labels.names == ["ham", "spam"]
    assert board.table.loc["llm", "invalid"] == 1
    assert board.errors["raw"].tolist() == ["maybe"]


def test_cost_tokens_and_latency_per_item_come_from_the_suggestions() -> None:
    class Priced:
        name = "priced"

        def suggest(self, items: Sequence[Item], labels: LabelSet) -> list[Suggestion]:
            return [
                Suggestion(label="ham", cost=0.002, input_tokens=100, output_tokens=5, latency=0.5, cached=False)
                if item.key != '"cached"'
                else Suggestion(
                    label="ham", cost=0.0, input_tokens=None, output_tokens=None, latency=0.001, cached=True
                )
                for item in items
            ]

    df = pd.DataFrame({"text": ["a", "b", "c"], "label": ["ham", "spam", "ham"]}, index=["x", "y", "cached"])
    board = compare(df, suggesters=[Priced()], progress=False)
    row = board.table.loc["priced"]
    assert row["cost"] == pytest.approx(0.004)
    assert row["cost_per_item"] == pytest.approx(0.002)  # what a new, uncached item costs
    assert row["tokens_per_item"] == 105
    assert row["latency_per_item"] == pytest.approx(0.5)


# ----- running ----------------------------------------------------------------------------------------------------


def test_suggesters_run_concurrently_within_their_own_limit() -> None:
    class Slow:
        def __init__(self, name: str, max_concurrency: int | None) -> None:
            self.name = name
            self.max_concurrency = max_concurrency
            self.active = 0
            self.peak = 0
            self.lock = threading.Lock()

        def suggest(self, items: Sequence[Item], labels: LabelSet) -> list[Suggestion]:
            with self.lock:
                self.active += 1
                self.peak = max(self.peak, self.active)
            time.sleep(0.02)
            with self.lock:
                self.active -= 1
            return [Suggestion(label="ham" if int(item.text) % 2 else "spam") for item in items]

    df = pd.DataFrame({"text": [str(i) for i in range(64)], "label": ["ham", "spam"] * 32})
    serial, parallel = Slow("serial", 1), Slow("parallel", None)
    board = compare(df, suggesters=[serial, parallel], batch_size=4, max_workers=6, progress=False)
    assert serial.peak == 1
    assert parallel.peak > 1
    # outputs land in item order whatever order the batches finished in
    expected = ["ham" if i % 2 else "spam" for i in range(64)]
    assert board.predictions["parallel"].tolist() == expected


def test_the_progress_bar_counts_every_item(frame: pd.DataFrame, capsys: pytest.CaptureFixture[str]) -> None:
    compare(frame, labels=LABELS, suggesters={"good": FromColumn("good"), "poor": FromColumn("poor")})
    assert "600/600" in capsys.readouterr().err


class Paid:
    name = "paid"

    def __init__(self, estimate: float | None) -> None:
        self.estimate = estimate
        self.ran = False

    def estimate_cost(self, items: Sequence[Item], labels: LabelSet) -> float | None:
        return None if self.estimate is None else self.estimate * len(items)

    def suggest(self, items: Sequence[Item], labels: LabelSet) -> list[Suggestion]:
        self.ran = True
        return [Suggestion(label="ham") for _ in items]


def test_an_expensive_run_needs_a_yes(monkeypatch: pytest.MonkeyPatch) -> None:
    df = pd.DataFrame({"text": ["a"] * 100, "label": ["ham", "spam"] * 50})
    paid = Paid(0.05)  # $5 in all
    with pytest.raises(CostNotConfirmed, match=r"estimated cost \$5\.00 .*confirm_above=None"):
        compare(df, suggesters=[paid], progress=False)  # pytest's stdin is no terminal: nobody can answer
    assert not paid.ran
    questions: list[str] = []
    monkeypatch.setattr(cost_module, "ask", lambda q: questions.append(q) or False)
    with pytest.raises(CostNotConfirmed, match="Not confirmed"):
        compare(df, suggesters=[paid], progress=False)
    assert not paid.ran and "paid $5.00" in questions[0] and "above confirm_above=$1.00" in questions[0]
    monkeypatch.setattr(cost_module, "ask", lambda q: True)
    compare(df, suggesters=[paid], progress=False)
    assert paid.ran


class EstimateFails(Paid):
    def estimate_cost(self, items: Sequence[Item], labels: LabelSet) -> float | None:
        raise ConnectionError("price list unreachable")


class SaysItCosts:
    name = "hosted"
    costs_money = True

    def suggest(self, items: Sequence[Item], labels: LabelSet) -> list[Suggestion]:
        return [Suggestion(label="ham") for _ in items]


@pytest.mark.parametrize(
    ("suggester", "why"),
    [
        (Paid(None), "no price is known for it"),
        (EstimateFails(1.0), r"its estimate failed \(ConnectionError: price list unreachable\)"),
        (Paid(float("nan")), "its estimate is nan, not a number of dollars"),
        (SaysItCosts(), r"it costs money and has no estimate_cost\(\)"),
    ],
)
def test_an_unknown_cost_asks_whatever_confirm_above_is(suggester: object, why: str) -> None:
    """Fails closed: a run whose cost nobody can estimate could cost anything, so it is asked about like an
    expensive one, even under a generous confirm_above."""
    df = pd.DataFrame({"text": ["a"] * 10, "label": ["ham", "spam"] * 5, "vendor": ["ham"] * 10})
    with pytest.raises(CostNotConfirmed, match=r"cannot be estimated \(x: " + why + r"\).*confirm_above=None"):
        compare(df, suggesters={"x": suggester, "vendor": FromColumn("vendor")}, progress=False,
                confirm_above=1_000_000)  # fmt: skip
    assert not getattr(suggester, "ran", False)


def test_an_llm_without_a_price_asks_before_compare_runs(fault_server) -> None:  # type: ignore[no-untyped-def]
    df = pd.DataFrame({"text": ["a", "b"], "label": ["ham", "spam"]})
    # A server by name is not looked up, so its cost is unknown (one on this machine would be free).
    remote = lw.LLM("openai/my-own-model", api_base="http://my-gpu-box:8000/v1", api_key="sk-x", cache=False)
    with pytest.raises(CostNotConfirmed, match="openai/my-own-model: no price is known for it"):
        compare(df, suggesters=[remote], progress=False)
    assert fault_server.request_count == 0
    unpriced = lw.LLM("openai/my-own-model", api_base=fault_server.url, api_key="sk-x", cache=False)
    board = compare(df, suggesters=[unpriced], progress=False, confirm_above=None)  # None: never ask
    assert board.n == 2 and fault_server.request_count == 2


def test_free_cheap_or_unchecked_runs_do_not_ask(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(question: str) -> bool:
        raise AssertionError("asked")

    monkeypatch.setattr(cost_module, "ask", never)
    df = pd.DataFrame({"text": ["a"] * 10, "label": ["ham", "spam"] * 5, "vendor": ["ham"] * 10})
    for paid, limit in ((Paid(0.05), 1.0), (Paid(0.0), 0.0), (Paid(None), None), (SaysItCosts(), None)):
        compare(df, suggesters={"x": paid, "vendor": FromColumn("vendor")}, progress=False, confirm_above=limit)
        assert getattr(paid, "ran", True)


# ----- suggesters see only inputs -------------------------------------------------------------------------------


class Cheater:
    """Copies the answer from a field that holds one, and records every field name it was shown."""

    name = "cheater"
    answers = ("label", "gold", "decision")

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def suggest(self, items: Sequence[Item], labels: LabelSet) -> list[Suggestion]:
        out = []
        for item in items:
            self.seen.update(item.fields)
            copied = next((item.fields[f] for f in self.answers if f in item.fields), None)
            out.append(Suggestion(label=copied) if isinstance(copied, str) else Suggestion.invalid("nothing to copy"))
        return out


def test_a_suggester_cannot_read_the_human_label_or_a_gold_column(frame: pd.DataFrame) -> None:
    frame["gold"] = frame["label"]
    cheater = Cheater()
    board = compare(frame, labels=LABELS, suggesters={"cheater": cheater, "good": FromColumn("good")},
                    exclude=["gold", "fair", "poor"], progress=False)  # fmt: skip
    assert cheater.seen == {"good"}  # neither the human label, nor the excluded columns
    assert list(board.table.index) == ["good", "cheater"] and board.table.loc["cheater", "invalid_share"] == 1.0
    with pytest.raises(InputError, match=r"reads column 'gold'"):
        compare(frame, labels=LABELS, suggesters=[FromColumn("gold")], exclude="gold", progress=False)


def test_from_column_on_the_human_labels_is_refused(frame: pd.DataFrame) -> None:
    with pytest.raises(InputError, match=r"suggesters\['copy'\] reads column 'label', which holds the human labels"):
        compare(frame, labels=LABELS, suggesters={"copy": FromColumn("label")}, progress=False)
    with pytest.raises(InputError, match=r"exclude\[0\]='nope'"):
        compare(frame, labels=LABELS, suggesters=[FromColumn("good")], exclude=["nope"], progress=False)


def test_a_long_table_hides_its_label_item_and_annotator_columns() -> None:
    long = pd.DataFrame({"item": [1, 1, 2, 2], "annotator": ["ana", "bo"] * 2, "label": ["spam"] * 2 + ["ham"] * 2,
                         "text": ["t1", "t1", "t2", "t2"], "source": ["sms", "sms", "web", "web"]})  # fmt: skip
    cheater = Cheater()
    board = compare(long, item="item", annotator="annotator", suggesters=[cheater], progress=False)
    assert cheater.seen == {"source"}
    assert board.table.loc["cheater", "invalid"] == 2


def test_a_labeler_hides_what_its_people_decided(tmp_path) -> None:  # type: ignore[no-untyped-def]
    df = pd.DataFrame({"text": [f"message {i}" for i in range(4)], "source": ["a", "b", "a", "b"]})
    labeler = lw.Labeler(df, text="text", labels=["ham", "spam"], store=str(tmp_path / "l.db"), annotator="ana")
    for label in ["ham", "spam", "spam"]:
        labeler.label(label)
    cheater = Cheater()
    board = compare(labeler, suggesters=[cheater], progress=False)
    # label, decision, annotator, decided_at and seconds say what the person chose; the suggestion shown does not
    assert cheater.seen == {"source", "suggestion", "confidence"}
    assert board.table.loc["cheater", "invalid"] == 3
    labeler.close()


# ----- one definition of each number ------------------------------------------------------------------------------


def test_compare_and_agreement_give_the_same_point_estimates_including_a_constant_suggester() -> None:
    rng = np.random.default_rng(5)
    human = rng.choice(["ham", "spam", "eggs"], size=200, p=[0.5, 0.3, 0.2])
    df = pd.DataFrame({"text": [f"t{i}" for i in range(200)], "label": human,
                       "fair": noisy(human, 0.3, rng, ["ham", "spam", "eggs"]), "constant": ["ham"] * 200})  # fmt: skip
    board = compare(df, labels=["ham", "spam", "eggs"], progress=False,
                    suggesters={"fair": FromColumn("fair"), "constant": FromColumn("constant")})  # fmt: skip
    for name in ("fair", "constant"):
        tidy = lw.agreement(df.assign(suggestion=df[name]), decision=None, confidence=None, n_boot=0)
        value = tidy.set_index("metric")["value"]
        row = board.table.loc[name]
        assert row["accuracy"] == value["accuracy"]
        assert row["kappa"] == pytest.approx(value["cohen_kappa"], abs=1e-12)
        assert row["macro_f1"] == pytest.approx(value["macro_f1"], abs=1e-12)
    assert board.table.loc["constant", "kappa"] == 0.0 == cohen_kappa_score(df["label"], df["constant"])
    assert "constant always says 'ham': kappa 0 = no better than chance" in board.notes
    assert not any(note.startswith("fair") for note in board.notes)


# ----- multi-annotator ------------------------------------------------------------------------------------------


def test_a_long_table_uses_the_majority_label_and_counts_ties() -> None:
    long = pd.DataFrame(
        {
            "item": [1, 1, 1, 2, 2, 3, 3, 3, 4, 5],
            "annotator": ["ana", "bo", "cy", "ana", "bo", "ana", "bo", "cy", "ana", "ana"],
            "label": ["spam", "spam", "ham", "ham", "spam", "ham", "ham", None, "spam", None],
            "text": ["t1"] * 3 + ["t2"] * 2 + ["t3"] * 3 + ["t4", "t5"],
            "llm": ["spam"] * 3 + ["ham"] * 2 + ["spam"] * 3 + ["spam", "ham"],
        }
    )
    board = compare(long, item="item", annotator="annotator", suggesters={"llm": FromColumn("llm")}, progress=False)
    assert board.predictions["human"].to_dict() == {1: "spam", 3: "ham", 4: "spam"}
    assert board.excluded == {
        "annotation rows without a label": 2,
        "items without a human label": 1,
        "items where the annotators tie": 1,
    }
    assert board.item_payload(0)["votes"] == "spam 2 · ham 1"
    duplicated = pd.concat([long, long.head(1)])
    with pytest.raises(InputError, match="more than once"):
        compare(duplicated, item="item", annotator="annotator", suggesters=[FromColumn("llm")], progress=False)
    board.relabel(3, "spam")
    assert board.corrections[["key", "old", "new"]].values.tolist() == [[3, "ham", "spam"]]
    assert long.loc[5, "label"] == "ham"  # the annotations themselves are left alone


# ----- relabel --------------------------------------------------------------------------------------------------


def test_relabel_a_dataframe_updates_it_and_logs_the_correction(frame: pd.DataFrame) -> None:
    board = columns_board(frame)
    key = int(board.disagreements("good").index[0])
    before = board.table.loc["good", "accuracy"]
    new = frame.loc[key, "good"]
    old = frame.loc[key, "label"]
    correction = board.relabel(key, new)
    assert correction is not None and correction["event"] is None
    assert frame.loc[key, "label"] == new
    log = board.corrections
    assert log[["key", "old", "new"]].values.tolist() == [[key, old, new]]
    assert str(log["at"].dtype) == "datetime64[ns, UTC]" or str(log["at"].dtype).startswith("datetime64")
    assert board.table.loc["good", "accuracy"] == pytest.approx(before + 1 / 300)
    assert board.relabel(key, new) is None  # already that label: nothing recorded
    assert len(board.corrections) == 1
    with pytest.raises(InputError, match="not one of the labels"):
        board.relabel(key, "spam")
    with pytest.raises(InputError, match="not one of the compared items"):
        board.relabel(10_000, "bug")


def test_relabel_a_labeler_appends_a_revised_event_to_its_store(tmp_path) -> None:
    df = pd.DataFrame({"text": [f"message {i}" for i in range(6)], "llm": ["ham", "spam", "ham", "spam", "ham", "ham"]})
    labeler = lw.Labeler(df, text="text", labels=["ham", "spam"], store=str(tmp_path / "l.db"), annotator="ana")
    for label in ["ham", "spam", "spam", "spam"]:
        labeler.label(label)
    board = compare(labeler, suggesters={"llm": FromColumn("llm")}, progress=False)
    assert board.n == 4 and board.excluded == {"without a human label": 2}
    assert board.disagreements("llm").index.tolist() == [2]
    board.relabel(2, "ham")
    assert df.loc[2, "label"] == "ham"  # through the session, as every decision
    events = labeler.decisions
    assert events["action"].tolist() == ["labeled"] * 4 + ["revised"]  # a revision, never an acceptance
    assert events["label"].tolist() == ["ham", "spam", "spam", "spam", "ham"]
    assert events["previous_label"].iloc[-1] == "spam"
    assert "compare()" in events["note"].iloc[-1] and "'spam'" in events["note"].iloc[-1]
    assert board.corrections["event"].tolist() == [events["id"].iloc[-1]]
    assert board.table.loc["llm", "accuracy"] == 1.0
    labeler.close()
    # the event is durable: a new labeler on the same store sees the corrected label
    again = lw.Labeler(df.drop(columns=list(df.columns[2:])), text="text", labels=["ham", "spam"],
                       store=str(tmp_path / "l.db"), annotator="ana")  # fmt: skip
    assert again.df.loc[2, "label"] == "ham"
    again.close()


def test_relabel_through_a_labelers_dataframe_warns_that_the_store_will_not_know() -> None:
    df = pd.DataFrame({"text": ["a", "b", "c"], "llm": ["ham", "ham", "spam"]})
    labeler = lw.Labeler(df, labels=["ham", "spam"], store=None)
    for label in ["ham", "spam", "spam"]:
        labeler.label(label)
    board = compare(labeler.df, suggesters=[FromColumn("llm")], progress=False)
    with pytest.warns(UserWarning, match="Pass the Labeler itself"):
        board.relabel(1, "ham")
    assert len(board.corrections) == 1


# ----- display ----------------------------------------------------------------------------------------------------


def test_repr_is_stable_and_readable(frame: pd.DataFrame) -> None:
    board = columns_board(frame)
    text = repr(board)
    assert text.startswith("Leaderboard: 3 suggesters vs human labels on 300 items, ranked by kappa")
    assert "0x" not in text and "good" in text and "Wilson" in text
    assert text == repr(columns_board(frame))
    bundle = board._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert data["text/plain"] == text
    assert "application/vnd.jupyter.widget-view+json" in data
    assert repr(board.widget) == "LeaderboardWidget(3 entries, 300 items)"


def test_widget_messages_open_step_and_relabel(frame: pd.DataFrame) -> None:
    board = columns_board(frame)
    widget = board.widget
    sent: list[dict] = []
    widget.send = sent.append  # type: ignore[method-assign]
    assert [e["name"] for e in widget.entries] == ["good", "fair", "poor"]
    assert widget.entries[0]["kappa"] == pytest.approx(board.table.loc["good", "kappa"])
    assert widget.entries[1]["tied_with"] == []
    widget._on_message(widget, {"type": "open", "a": "fair", "b": None, "request": 1}, [])
    listing, window = sent[0], sent[1]
    expected = board.disagreement_positions("fair")
    assert listing["count"] == len(expected) and window["start"] == 0
    assert [item["position"] for item in window["items"]] == expected[:20].tolist()
    first = window["items"][0]
    assert first["text"] == "ticket 0" and {o["name"] for o in first["outputs"]} == {"good", "fair", "poor"}
    assert next(o for o in first["outputs"] if o["name"] == "fair")["error"].startswith("'no idea' is not one of")
    widget._on_message(widget, {"type": "window", "list": listing["list"], "start": 20, "request": 1}, [])
    assert [item["position"] for item in sent[2]["items"]] == expected[20:40].tolist()
    target = window["items"][1]
    new = next(label for label in LABELS if label != target["human"])
    widget._on_message(widget, {"type": "relabel", "client": "c", "seq": 1, "position": target["position"],
                                "label": new}, [])  # fmt: skip
    assert sent[3]["ok"] is True and (sent[3]["client"], sent[3]["seq"]) == ("c", 1)
    assert sent[3]["status"] == board.relabel_status
    assert not sent[3]["status"].startswith("Saved") and "in memory" in sent[3]["status"]  # a DataFrame is not saved
    assert sent[4]["item"]["human"] == new and sent[4]["item"]["corrected"]
    assert widget.summary["corrections"] == 1
    widget._on_message(widget, {"type": "relabel", "client": "c", "seq": 2, "position": 0, "label": "nope"}, [])
    assert sent[5]["ok"] is False and "not one of the labels" in sent[5]["error"]


def test_importing_compare_stays_light() -> None:
    code = (
        "import sys, labelwidgets as lw; lw.compare; "
        "print([m for m in ('sklearn', 'statsmodels', 'scipy', 'anywidget', 'tqdm') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_lw_compare_is_callable_whatever_was_imported_first() -> None:
    """Importing a module of the comparison package never shadows the function ``lw.compare``."""
    code = (
        "import pandas as pd, labelwidgets as lw; lw.Leaderboard; import labelwidgets.comparison.scores; "
        "df = pd.DataFrame({'text': ['a', 'b'], 'label': ['x', 'y'], 'm': ['x', 'y']}); "
        "print(lw.compare(df, suggesters=[lw.FromColumn('m')], progress=False).table['accuracy'].iloc[0])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1.0"


def test_lw_compare_is_the_function() -> None:
    import labelwidgets as lw

    df = pd.DataFrame({"text": ["a", "b"], "label": ["x", "y"], "model": ["x", "y"]})
    board = lw.compare(df, suggesters=[lw.FromColumn("model")], progress=False)
    assert type(board).__name__ == "Leaderboard" and board.table["accuracy"].iloc[0] == 1.0
