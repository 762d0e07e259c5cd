"""Spans through the metrics (#21 "Numbers"): lw.agreement, lw.confusion, lw.agreement_over_time, RunningAgreement,
lw.label_drift, order='disagreement' and lw.compare, each dispatched through SpanAnswers' scoring methods.

The reference is `span_scores` (itself equal to nervaluate 1.2.1, tests/test_span_metrics.py) and nervaluate directly,
on the bundled WNUT 2017 sample (400 texts) with "model" columns made by perturbing the gold spans with a seeded RNG:
spans dropped, relabeled, their boundaries moved by a word or a character, spurious spans added. Floats are compared
with ``==``: the numbers must be the very floats span_scores gives.
"""

from __future__ import annotations

import json
import math
import random
import warnings
from collections import Counter
from typing import Any

import nervaluate
import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import jensenshannon

import labelwidgets as lw
from labelwidgets.errors import InputError
from labelwidgets.kinds import SPANS
from labelwidgets.metrics.calibration import expected_calibration_error
from labelwidgets.metrics.running import RunningAgreement
from labelwidgets.metrics.span_agreement import span_spread
from labelwidgets.metrics.spans import SCHEMES, span_item_counts, span_scores
from labelwidgets.session.ordering import by_disagreement
from labelwidgets.spans import Span

LABELS = list(lw.datasets.WNUT17_LABELS)


# --- data ---------------------------------------------------------------------------------------------------------


def as_spans(cell: Any) -> list[Span]:
    """A DataFrame cell of span dicts as sorted Spans (what every metric here compares)."""
    return sorted(Span(s["start"], s["end"], s["label"]) for s in cell)


def perturb(
    text: str, gold: list[dict[str, Any]], rng: random.Random, rate: float, *, overlap: bool = False
) -> list[dict[str, Any]]:
    """A model's spans: each gold span dropped, relabeled, stretched over the next word or cut by a character with
    probability ``rate`` each, and a spurious span on a free word now and then. Spans never overlap unless
    ``overlap`` (then a span may be stacked on a longer one)."""
    out: list[tuple[int, int, str]] = []
    for span in gold:
        start, end, label = span["start"], span["end"], span["label"]
        draw = rng.random()
        if draw < rate:
            continue
        if draw < 2 * rate:
            label = rng.choice([x for x in LABELS if x != label])
        elif draw < 3 * rate:
            space = text.find(" ", end + 1)
            end = len(text) if space < 0 else space  # over the next word
        elif draw < 4 * rate and end - start > 1:
            start += 1
        out.append((start, end, label))
        if overlap and rng.random() < 0.2:
            out.append((start, max(start + 1, end - 1), rng.choice(LABELS)))
    if rng.random() < rate * 2:
        words = [(i, i + len(w)) for i, w in _words(text)]
        start, end = rng.choice(words)
        out.append((start, end, rng.choice(LABELS)))
    out = sorted(set(out))
    if not overlap:
        kept: list[tuple[int, int, str]] = []
        for start, end, label in out:
            if not kept or start >= kept[-1][1]:
                kept.append((start, end, label))
        out = kept
    return [{"start": s, "end": e, "label": x, "text": text[s:e]} for s, e, x in out]


def _words(text: str) -> list[tuple[int, str]]:
    at, words = 0, []
    for word in text.split(" "):
        if word:
            words.append((at, word))
        at += len(word) + 1
    return words


@pytest.fixture(scope="module")
def wnut() -> pd.DataFrame:
    """WNUT 2017's 400 texts with gold spans and three deterministic models (good, fair, poor)."""
    df = lw.datasets.wnut17()
    rng = random.Random(21)
    for name, rate in (("good", 0.04), ("fair", 0.12), ("poor", 0.25)):
        df[name] = [perturb(t, g, rng, rate) for t, g in zip(df["text"], df["gold"], strict=True)]
    df["nested"] = [perturb(t, g, rng, 0.12, overlap=True) for t, g in zip(df["text"], df["gold"], strict=True)]
    return df


def results(df: pd.DataFrame, model: str = "fair", **extra: Any) -> pd.DataFrame:
    """A results frame as a Labeler writes one: the person's spans in ``label``, the model's in ``suggestion``."""
    frame = pd.DataFrame({"text": df["text"], "label": df["gold"], "suggestion": df[model]}, index=df.index)
    frame["decision"] = [
        "accepted" if as_spans(a) == as_spans(b) else "corrected"
        for a, b in zip(frame["label"], frame["suggestion"], strict=True)
    ]
    for column, values in extra.items():
        frame[column] = values
    return frame


def nervaluate_overall(reference: list[list[Span]], predicted: list[list[Span]]) -> Any:
    def dicts(side: list[list[Span]]) -> list[list[dict[str, Any]]]:
        return [[{"label": s.label, "start": s.start, "end": s.end - 1} for s in spans] for spans in side]

    used = sorted({s.label for side in (reference, predicted) for spans in side for s in spans})
    return nervaluate.Evaluator(dicts(reference), dicts(predicted), tags=used, loader="dict").evaluate()


def metric(table: pd.DataFrame, name: str, group: Any = "all") -> pd.Series:
    rows = table[(table["metric"] == name) & (table["group"] == group)]
    assert len(rows) == 1, name
    return rows.iloc[0]


def expected_value(counts: Any, part: str) -> float:
    """span_scores' value, or NaN where it says 0 for 0/0 (lw.agreement's convention)."""
    if part == "precision":
        return counts.precision if counts.actual else math.nan
    if part == "recall":
        return counts.recall if counts.possible else math.nan
    return counts.f1 if counts.actual + counts.possible else math.nan


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def random_spans(rng: random.Random, labels: list[str]) -> list[Span]:
    """Up to five spans, nested and overlapping ones included, some longer than 100 characters (nervaluate's 1%
    rule), sorted."""
    spans = set()
    for _ in range(rng.randint(0, 5)):
        start = rng.randint(0, 40)
        length = rng.choice([1, 2, 3, 5, 8, 150, 300])
        spans.add(Span(start, start + length, rng.choice(labels)))
    return sorted(spans)


def test_counts_item_by_item_add_up_to_span_scores_and_the_running_path_pairs_alike() -> None:
    from labelwidgets.metrics.span_agreement import _item_row, item_sums

    rng = random.Random(7)
    names = ["a", "b", "c"]
    for trial in range(200):
        reference = [random_spans(rng, names) for _ in range(rng.randint(0, 15))]
        predicted = [random_spans(rng, names) for _ in reference]
        labels = None if trial % 3 else ["a", "b"]
        if labels is not None:
            reference = [[s for s in spans if s.label in labels] for spans in reference]
            predicted = [[s for s in spans if s.label in labels] for spans in predicted]
        counts = span_item_counts(reference, predicted, labels)
        expected = span_scores(reference, predicted, labels)
        total = counts.total()
        assert total.overall == expected.overall and total.items == len(reference)
        assert {k: dict(v) for k, v in total.per_label.items()} == {k: dict(v) for k, v in expected.per_label.items()}
        if reference:
            rows = [i for i in range(len(reference)) if rng.random() < 0.5]
            part = span_scores([reference[i] for i in rows], [predicted[i] for i in rows], list(counts.labels))
            assert counts.total(rows).overall == part.overall
        used = list(counts.labels)
        vectorised = item_sums([tuple(r) for r in reference], [tuple(p) for p in predicted], used)
        one_by_one = [_item_row(tuple(r), tuple(p), used) for r, p in zip(reference, predicted, strict=True)]
        assert vectorised.tolist() == one_by_one


# --- lw.agreement -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["good", "poor", "nested"])
def test_agreement_is_span_scores_and_nervaluate(wnut: pd.DataFrame, model: str) -> None:
    frame = results(wnut, model)
    table = lw.agreement(frame, n_boot=200, seed=3)
    reference = [as_spans(c) for c in frame["label"]]
    predicted = [as_spans(c) for c in frame["suggestion"]]
    expected = span_scores(reference, predicted, LABELS)
    theirs = nervaluate_overall(reference, predicted)

    n = metric(table, "n")
    assert n["value"] == 400 and n["n"] == 400
    assert (
        f"{expected.overall['strict'].possible} human spans, {expected.overall['strict'].actual} suggested" in n["note"]
    )
    exact = metric(table, "exact_match")
    assert (
        exact["value"] == sum(a == b for a, b in zip(reference, predicted, strict=True)) / 400
        and exact["interval"] == "Wilson"
    )
    for scheme in SCHEMES:
        counts = expected.overall[scheme]
        for part in ("precision", "recall", "f1"):
            row = metric(table, f"{scheme}_{part}")
            assert row["value"] == getattr(counts, part) == getattr(theirs["overall"][scheme], part), (scheme, part)
            assert row["interval"] == "bootstrap percentile" and row["low"] <= row["value"] <= row["high"]
        assert metric(table, f"{scheme}_precision")["n"] == counts.actual
        assert metric(table, f"{scheme}_recall")["n"] == counts.possible
        assert metric(table, f"{scheme}_f1")["n"] == 400
    for label in LABELS:
        for scheme in ("strict", "partial"):
            counts = expected.per_label[label][scheme]
            assert counts == span_scores(reference, predicted, [label]).overall[scheme]  # the label's spans alone
            for part in ("precision", "recall", "f1"):
                row = metric(table, f"{scheme}_{part}[{label}]")
                assert same(row["value"], expected_value(counts, part)), (label, scheme, part)
                assert row["value"] == getattr(theirs["entities"][label][scheme], part) or math.isnan(row["value"])
    # the same seed, the same intervals; another seed, others
    again = lw.agreement(frame, n_boot=200, seed=3)
    pd.testing.assert_frame_equal(table, again)
    other = lw.agreement(frame, n_boot=200, seed=4)
    assert metric(other, "strict_f1")["low"] != metric(table, "strict_f1")["low"]


def test_agreement_by_groups_scores_each_group_alone(wnut: pd.DataFrame) -> None:
    frame = results(wnut, "fair", half=np.where(np.arange(400) < 150, "first", "second"))
    table = lw.agreement(frame, by="half", n_boot=50)
    assert set(table["group"]) == {"first", "second"}
    for group, rows in frame.groupby("half"):
        expected = span_scores([as_spans(c) for c in rows["label"]], [as_spans(c) for c in rows["suggestion"]])
        assert metric(table, "n", group)["value"] == len(rows)
        for scheme in ("strict", "partial"):
            assert metric(table, f"{scheme}_f1", group)["value"] == expected.overall[scheme].f1
        for label, by_scheme in expected.per_label.items():
            assert same(metric(table, f"strict_f1[{label}]", group)["value"], expected_value(by_scheme["strict"], "f1"))


def test_agreement_leaves_out_what_every_kind_leaves_out_and_says_why_a_number_is_nan() -> None:
    text = "Ana met Bo in Rome"
    ana, bo, rome = (0, 3, "person"), (8, 10, "person"), (14, 18, "location")
    frame = pd.DataFrame({
        "label": [[ana], [], [rome], None, [bo]],
        "suggestion": [[ana, bo], [], [], [bo], None],
        "decision": ["corrected", "accepted", "corrected", "skipped", "labeled"],
        "confidence": [0.9, 0.8, 0.3, 0.5, np.nan],
    })  # fmt: skip
    del text
    table = lw.agreement(frame, labels=["person", "location"], n_boot=100)
    n = metric(table, "n")
    assert n["value"] == 3 and "1 skipped" in n["note"] and "1 without a valid suggestion" in n["note"]
    assert "2 human spans, 2 suggested" in n["note"]
    assert metric(table, "exact_match")["value"] == 1 / 3
    strict = span_scores([[Span(*ana)], [], [Span(*rome)]], [[Span(*ana), Span(*bo)], [], []])
    assert metric(table, "strict_f1")["value"] == strict.overall["strict"].f1 == 0.5
    no_location = metric(table, "strict_precision[location]")
    assert math.isnan(no_location["value"]) and "no suggested span is 'location'" in no_location["note"]
    assert "span_scores and nervaluate report 0" in no_location["note"]
    assert metric(table, "strict_recall[location]")["value"] == 0.0
    ece = metric(table, "ece")
    assert ece["n"] == 3 and "exact match" in ece["note"]
    assert ece["value"] == expected_calibration_error(frame)  # lw.calibration reads the same pairs


def test_a_labeler_writes_what_the_metrics_read(wnut: pd.DataFrame, tmp_path: Any) -> None:
    df = wnut[["text", "gold"]].head(60).copy()
    # what a model says: the words and a label, placed on the text by the Labeler
    df["model"] = [[{"text": s["text"], "label": s["label"]} for s in spans] for spans in wnut["fair"].head(60)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # FromColumn's check of the column (not this test's business)
        labeler = lw.Labeler(df, labels=LABELS, kind="spans", suggester=lw.FromColumn("model"),
                             store=tmp_path / "s.db", annotator="ana")  # fmt: skip
    for i, gold in enumerate(df["gold"]):
        if i % 10 == 9:
            labeler.skip()
        elif i % 3 == 0:
            labeler.accept()
        else:
            labeler.label([(s["start"], s["end"], s["label"]) for s in gold])
    written = labeler.df
    labeler.close()
    pairs = written[written["decision"] != "skipped"]
    reference = [as_spans(c) for c in pairs["label"]]
    predicted = [as_spans(c) for c in pairs["suggestion"]]
    expected = span_scores(reference, predicted)
    table = lw.agreement(written, n_boot=50)
    assert metric(table, "n")["value"] == 54 and "6 skipped" in metric(table, "n")["note"]
    for scheme in SCHEMES:
        assert metric(table, f"{scheme}_f1")["value"] == expected.overall[scheme].f1
    assert metric(table, "accept_rate")["value"] == (pairs["decision"] == "accepted").mean()
    running = RunningAgreement.from_pairs(written["label"].where(written["decision"] != "skipped"),
                                          written["suggestion"], kind="spans")  # fmt: skip
    assert running.values["strict_f1"] == expected.overall["strict"].f1


# --- lw.confusion -------------------------------------------------------------------------------------------------


def test_confusion_matches_spans_by_boundaries_label_against_label(wnut: pd.DataFrame) -> None:
    frame = results(wnut, "poor")
    table = lw.confusion(frame)
    assert list(table.index) == [*sorted(LABELS), "spurious"] and list(table.columns) == [*sorted(LABELS), "missed"]
    assert table.index.name == "human" and table.columns.name == "suggestion"
    reference = [as_spans(c) for c in frame["label"]]
    predicted = [as_spans(c) for c in frame["suggestion"]]
    scores = span_scores(reference, predicted)
    block = table.loc[sorted(LABELS), sorted(LABELS)].to_numpy()
    assert np.trace(block) == scores.overall["strict"].correct  # no side has two spans at the same boundaries
    assert block.sum() == scores.overall["exact"].correct
    human = Counter(s.label for spans in reference for s in spans)
    suggested = Counter(s.label for spans in predicted for s in spans)
    assert table.drop(columns=[]).loc[sorted(LABELS)].sum(axis=1).to_dict() == {x: human[x] for x in sorted(LABELS)}
    assert table[sorted(LABELS)].sum(axis=0).to_dict() == {x: suggested[x] for x in sorted(LABELS)}
    assert table.loc["spurious", "missed"] == 0


def test_confusion_at_shared_boundaries_matches_equal_labels_first() -> None:
    frame = pd.DataFrame({
        "label": [[(0, 3, "person"), (0, 3, "group"), (5, 9, "location")]],
        "suggestion": [[(0, 3, "group"), (0, 3, "product"), (5, 8, "location")]],
    })  # fmt: skip
    table = lw.confusion(frame, decision=None)
    assert table.loc["group", "group"] == 1 and table.loc["person", "product"] == 1
    assert table.loc["location", "missed"] == 1 and table.loc["spurious", "location"] == 1
    assert int(table.to_numpy().sum()) == 4


# --- lw.agreement_over_time and RunningAgreement --------------------------------------------------------------------


def test_agreement_over_time_is_span_scores_of_the_last_window(wnut: pd.DataFrame) -> None:
    frame = results(wnut, "fair", decided_at=pd.date_range("2024-01-01", periods=400, freq="min", tz="UTC"))
    frame.loc[frame.index[::17], "decision"] = "skipped"
    over = lw.agreement_over_time(frame, window=40, min_periods=10)
    pairs = frame[frame["decision"] != "skipped"]
    reference = [as_spans(c) for c in pairs["label"]]
    predicted = [as_spans(c) for c in pairs["suggestion"]]
    is_pair = (frame["decision"] != "skipped").to_numpy()
    checked = 0
    for at in (5, 9, 130, 399, 170):  # positions in decision order; 170 is skipped
        row = over.iloc[at]
        upto = int(is_pair[: at + 1].sum()) - 1  # the last pair up to this row
        window = slice(max(0, upto + 1 - 40), upto + 1)
        assert row["n_compared"] == window.stop - window.start
        if row["n_compared"] < 10:
            assert math.isnan(row["strict_f1"]) and math.isnan(row["exact_match"])
            continue
        expected = span_scores(reference[window], predicted[window], LABELS)
        assert row["strict_f1"] == expected.overall["strict"].f1
        assert row["strict_precision"] == expected.overall["strict"].precision
        assert row["strict_recall"] == expected.overall["strict"].recall
        assert row["partial_f1"] == expected.overall["partial"].f1
        assert row["exact_match"] == np.mean(
            [a == b for a, b in zip(reference[window], predicted[window], strict=True)]
        )
        for label in LABELS:
            counts = expected.per_label.get(label, {}).get("strict", _NONE)
            assert same(row[f"strict_f1[{label}]"], expected_value(counts, "f1"))
            assert row[f"prevalence[{label}]"] == np.mean([any(s.label == label for s in r) for r in reference[window]])
        checked += 1
    assert checked >= 3
    assert over["change"].dtype == bool and math.isnan(over.iloc[17]["agree"]) and over.iloc[16]["agree"] in (0, 1)


class _NoSpans:
    actual = possible = 0
    precision = recall = f1 = 0.0


_NONE = _NoSpans()


def test_running_agreement_over_a_rolling_window_is_span_scores_of_the_window(wnut: pd.DataFrame) -> None:
    frame = results(wnut, "nested")
    humans, suggestions = list(frame["label"]), list(frame["suggestion"])
    window = 50
    running = RunningAgreement(LABELS, kind="spans")
    kept: list[tuple[Any, Any]] = []
    for i, (human, suggestion) in enumerate(zip(humans, suggestions, strict=True)):
        running.update(human, suggestion)
        kept.append((human, suggestion))
        if len(kept) > window:
            running.remove(*kept.pop(0))
        if i in (10, 99, 250, 399):
            reference = [as_spans(h) for h, _ in kept]
            predicted = [as_spans(s) for _, s in kept]
            expected = span_scores(reference, predicted, LABELS)
            values = running.values
            assert running.n == len(kept) and values["n"] == len(kept)
            for scheme in SCHEMES:
                for part in ("precision", "recall", "f1"):
                    assert same(values[f"{scheme}_{part}"], expected_value(expected.overall[scheme], part))
            for label in LABELS:
                counts = expected.per_label.get(label, {}).get("partial", _NONE)
                assert same(values[f"partial_f1[{label}]"], expected_value(counts, "f1"))
            exact = [a == b for a, b in zip(reference, predicted, strict=True)]
            assert running.accuracy == values["exact_match"] == np.mean(exact)
    # the same state in one pass, from the stored text a store keeps
    stored = [json.dumps([[s["start"], s["end"], s["label"]] for s in h]) for h, _ in kept]
    at_once = RunningAgreement.from_pairs(stored, [s for _, s in kept], labels=LABELS, kind="spans")
    assert at_once.values.keys() == running.values.keys()
    assert all(same(at_once.values[k], v) for k, v in running.values.items())
    pd.testing.assert_frame_equal(at_once.confusion, running.confusion)
    window_frame = pd.DataFrame({"label": [h for h, _ in kept], "suggestion": [s for _, s in kept]})
    pd.testing.assert_frame_equal(running.confusion, lw.confusion(window_frame, decision=None, labels=LABELS))
    assert math.isnan(running.kappa) and "no kappa" in running.notes["kappa"]
    # taking everything back leaves nothing behind: integer sums, no rounding
    for pair in list(kept):
        running.remove(*pair)
    assert running.n == 0 and not running.values["strict_f1"] == running.values["strict_f1"]
    assert running.confusion.to_numpy().sum() == 0


def test_running_agreement_reads_the_kind_from_the_first_pair_and_refuses_what_it_cannot_count() -> None:
    running = RunningAgreement()
    running.update([{"start": 0, "end": 3, "label": "person"}], [])
    assert running.kind is SPANS and running.values["strict_recall"] == 0.0
    with pytest.raises(InputError, match="cannot remove"):
        running.remove([(0, 3, "person")], [(0, 3, "person")])
    with pytest.raises(InputError, match="the human answer is the text 'person', not a JSON list of spans"):
        running.update("person", [])
    with pytest.raises(InputError, match="the suggestion is 3, not a list of spans"):
        running.update([], 3)
    fixed = RunningAgreement(["person"], kind="spans")
    with pytest.raises(InputError, match=r"\['city'\], not among the labels"):
        fixed.update([(0, 3, "city")], [])
    with pytest.raises(InputError, match="multi-label answers; these are spans"):
        fixed.label_kappa  # noqa: B018


# --- lw.label_drift -----------------------------------------------------------------------------------------------


def test_label_drift_follows_the_share_of_spans_per_label_and_each_label_s_prevalence(wnut: pd.DataFrame) -> None:
    frame = pd.DataFrame({"label": wnut["gold"]}, index=wnut.index)
    drift = lw.label_drift(frame, baseline=100, window=80, decided_at=None, labels=LABELS)
    spans = [as_spans(c) for c in frame["label"]]

    def mix(answers: list[list[Span]]) -> np.ndarray:
        """Spans per label, and the answers without spans."""
        counts = Counter(s.label for answer in answers for s in answer)
        return np.array([*(counts[x] for x in LABELS), sum(not answer for answer in answers)], dtype=float)

    baseline, recent = spans[:100], spans[-80:]
    last = drift.iloc[-1]
    assert last["js_distance"] == pytest.approx(jensenshannon(mix(baseline), mix(recent), base=2), abs=1e-12)
    for label in LABELS:
        assert last[f"prevalence[{label}]"] == np.mean([any(s.label == label for s in a) for a in recent])
        assert last[f"baseline_prevalence[{label}]"] == np.mean([any(s.label == label for s in a) for a in baseline])
    assert (drift["reading"].iloc[:100] == "baseline").all()


# --- order='disagreement' -----------------------------------------------------------------------------------------


def test_disagreement_between_suggestion_columns_is_one_minus_their_mean_strict_f1(wnut: pd.DataFrame) -> None:
    columns = wnut[["good", "fair", "poor"]].copy()
    columns.iloc[0] = [None, None, None]  # no suggestion: first
    columns.iloc[1, 1:] = [None, None]  # one suggestion: nothing to disagree with
    spread = span_spread(columns)
    assert spread[0] == 1.0 and spread[1] == 0.0 and ((spread >= 0) & (spread <= 1)).all()
    for row in range(2, 400):
        f1s = []
        for a, b in (("good", "fair"), ("good", "poor"), ("fair", "poor")):
            x, y = as_spans(columns.at[columns.index[row], a]), as_spans(columns.at[columns.index[row], b])
            if not x and not y:
                f1s.append(1.0)
                continue
            f1s.append((span_scores([x], [y]).overall["strict"].f1 + span_scores([y], [x]).overall["strict"].f1) / 2)
        assert spread[row] == pytest.approx(1 - np.mean(f1s), abs=1e-12), row
    order = by_disagreement(columns, seed=0)
    assert sorted(order.tolist()) == list(range(400)) and spread[order[0]] == 1.0
    assert (np.diff(spread[order]) <= 0).all()


def test_a_spans_labeler_orders_by_disagreement(wnut: pd.DataFrame) -> None:
    df = wnut[["text", "good", "poor"]].head(40).copy()
    labeler = lw.Labeler(df, labels=LABELS, kind="spans", order="disagreement", order_by=["good", "poor"], store=None)
    spread = span_spread(df[["good", "poor"]])
    ranks = [labeler.session.row_at(i) for i in range(40)]
    assert (np.diff(spread[ranks]) <= 0).all() and spread[ranks[0]] == spread.max()
    labeler.close()


# --- lw.compare ---------------------------------------------------------------------------------------------------


def test_compare_ranks_span_suggesters_by_strict_f1_with_intervals(wnut: pd.DataFrame) -> None:
    df = wnut[["text", "gold", "good", "fair", "poor"]].copy()
    df.at[df.index[3], "poor"] = [{"start": 0, "end": 2, "label": "city"}]  # a label outside: an invalid output
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # FromColumn's check of the columns (not this test's business)
        board = lw.compare(df, human="gold", suggesters={n: lw.FromColumn(n) for n in ("poor", "good", "fair")},
                           progress=False, n_boot=200)  # fmt: skip
        by_partial = lw.compare(df, human="gold", suggesters={n: lw.FromColumn(n) for n in ("poor", "good")},
                                sort_by="partial_f1", progress=False, n_boot=0)  # fmt: skip
    assert board.sort_by == "strict_f1" and list(board.table.index) == ["good", "fair", "poor"]
    reference = [as_spans(c) for c in df["gold"]]
    for name in ("good", "fair", "poor"):
        # what the suggester said, as the kind placed it on the text (a span cutting a word grows to the word)
        predicted = [SPANS.spans(s.label) if s.valid else [] for s in board.suggestions[name]]
        for placed, column in zip(predicted, df[name], strict=True):
            if placed and placed != as_spans(column):  # only moved to whole words (spaces at the edges left out)
                assert len(placed) == len(column)
                assert all(a.overlaps(b) and a.label == b.label for a, b in zip(placed, as_spans(column), strict=True))
        if name == "poor":
            assert predicted[3] == [] and not board.suggestions[name][3].valid  # an invalid output marks no span
        expected = span_scores(reference, predicted, LABELS)
        row = board.table.loc[name]
        assert row["strict_f1"] == expected.overall["strict"].f1
        assert row["strict_precision"] == expected.overall["strict"].precision
        assert row["strict_recall"] == expected.overall["strict"].recall
        assert row["partial_f1"] == expected.overall["partial"].f1
        assert row["exact_f1"] == expected.overall["exact"].f1 and row["ent_type_f1"] == expected.overall["ent_type"].f1
        exact = [a == b for a, b in zip(reference, predicted, strict=True)]
        if name == "poor":
            exact[3] = False  # never a match, whatever the person said
        assert row["exact_match"] == np.mean(exact)
        for m in ("strict_f1", "partial_f1", "exact_match"):
            assert row[f"{m}_low"] <= row[m] <= row[f"{m}_high"]
        assert row["invalid"] == (1 if name == "poor" else 0) and row["n"] == 400
    assert by_partial.sort_by == "partial_f1" and list(by_partial.table.index) == ["good", "poor"]
    assert by_partial.tie_metric == "exact_match" and "exact McNemar test" in by_partial.method  # no resamples
    assert "exact match Wilson; strict span F1" in board.method
    assert set(board.pairwise[["a", "b"]].itertuples(index=False, name=None)) == {
        ("good", "fair"), ("good", "poor"), ("fair", "poor")
    }  # fmt: skip
    assert board.pairwise.set_index(["a", "b"]).loc[("good", "poor"), "distinguishable"]
    shown = board.predictions
    assert shown.loc[df.index[3], "poor"] is None
    assert [s["start"] for s in shown.iloc[0]["human"]] == [s["start"] for s in df["gold"].iloc[0]]
    wrong = board.disagreement_positions("poor")
    assert len(wrong) == 400 - round(board.table.loc["poor", "exact_match"] * 400)
    assert "strict_f1" in repr(board)


def test_compare_a_spans_labeler_and_relabel_through_it(wnut: pd.DataFrame, tmp_path: Any) -> None:
    df = wnut[["text", "poor"]].head(30).copy()
    labeler = lw.Labeler(df, labels=LABELS, kind="spans", store=tmp_path / "c.db", annotator="ana")
    for gold in wnut["gold"].head(20):
        labeler.label([(s["start"], s["end"], s["label"]) for s in gold])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        board = lw.compare(labeler, suggesters={"poor": lw.FromColumn("poor")}, progress=False, n_boot=50)
    predicted = [SPANS.spans(s.label) if s.valid else [] for s in board.suggestions["poor"]]
    reference = [as_spans(c) for c in wnut["gold"].head(20)]
    assert board.n == 20 and board.excluded == {"without a human label": 10}
    assert board.table.loc["poor", "strict_f1"] == span_scores(reference, predicted, LABELS).overall["strict"].f1
    payload = json.loads(json.dumps(board.item_payload(0)))
    assert [s[0] for s in payload["human"]] == [s.start for s in reference[0]]  # [start, end, label], code points
    correction = board.relabel_at(0, [(0, 3, "person")])
    assert correction is not None and correction["event"] is not None
    assert labeler.df["label"].iloc[0] == [{"start": 0, "end": 3, "label": "person", "text": df["text"].iloc[0][:3]}]
    reference[0] = [Span(0, 3, "person")]
    assert board.table.loc["poor", "strict_f1"] == span_scores(reference, predicted, LABELS).overall["strict"].f1
    labeler.close()


def test_compare_refuses_a_sort_key_of_another_kind_and_bad_human_spans(wnut: pd.DataFrame) -> None:
    df = wnut[["text", "gold", "good"]].head(20).copy()
    with pytest.raises(InputError, match=r"does not rank spans.*strict_f1"):
        lw.compare(df, human="gold", suggesters={"good": lw.FromColumn("good")}, sort_by="jaccard", progress=False)
    with pytest.raises(InputError, match=r"not known.*for spans one of"):
        lw.compare(df, human="gold", suggesters={"good": lw.FromColumn("good")}, sort_by="f1", progress=False)
    df.at[df.index[2], "gold"] = [{"start": 0, "end": 2, "label": "city"}]
    with pytest.raises(InputError, match=r"the human answers in 'gold' include 1 that are not spans.*#2: 'city'"):
        lw.compare(df, human="gold", labels=LABELS, suggesters={"good": lw.FromColumn("good")}, progress=False)
    df.at[df.index[2], "gold"] = [{"start": 4, "end": 2, "label": "person"}]
    with pytest.raises(InputError, match=r"not spans.*#2: the span \(4, 2, 'person'\) ends before it starts"):
        lw.compare(df, human="gold", suggesters={"good": lw.FromColumn("good")}, progress=False)


# --- bad input ----------------------------------------------------------------------------------------------------


def test_a_spans_column_beside_single_labels_is_refused_by_every_metric(wnut: pd.DataFrame) -> None:
    frame = results(wnut, "fair")
    frame["suggestion"] = "person"
    for call in (lw.agreement, lw.confusion):
        with pytest.raises(InputError, match=r"kinds of answer \('label' lists of spans, 'suggestion' single"):
            call(frame)
    frame["suggestion"] = [["person"]] * 400
    with pytest.raises(InputError, match="'suggestion' lists of labels"):
        lw.agreement(frame)
    with pytest.raises(InputError, match="different kinds of answer"):
        by_disagreement(pd.DataFrame({"a": wnut["good"], "b": ["person"] * 400}))
    entities = pd.DataFrame({"a": [[{"text": "Ana", "label": "person"}]], "b": [[]]}, index=["k"])
    with pytest.raises(InputError, match=r"order='disagreement'.*column 'a' row 'k' holds the entity.*without offsets"):
        by_disagreement(entities)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ([{"text": "Ana", "label": "person"}], "column 'label' row 'b' holds the entity .* without offsets"),
        ([{"start": 3, "end": 3, "label": "person"}], r"0 <= start < end"),
        ([(0, 3, 7)], "a span's label is a label name"),
        ([{"start": 0, "end": 3, "label": "person"}, "person"], "column 'label' row 'b' holds 'person', not a span"),
        ([(0, 3, "city")], r"\['city'\], not among the labels"),
    ],
)
def test_bad_spans_are_refused_with_what_to_pass(cell: Any, message: str) -> None:
    frame = pd.DataFrame(
        {"label": [[(0, 3, "person")], cell], "suggestion": [[], [(0, 3, "person")]]}, index=["a", "b"]
    )
    with pytest.raises(InputError, match=message):
        lw.agreement(frame, decision=None, labels=["person"] if "city" in message else None)


def test_an_answer_mixing_spans_and_names_is_refused() -> None:
    frame = pd.DataFrame({"label": [[], [(0, 3, "person"), "person"]], "suggestion": [[], []]})
    with pytest.raises(InputError, match=r"column 'label' mixes spans and label names in one answer, e\.g\. 'person'"):
        lw.agreement(frame, decision=None)
    names_first = pd.DataFrame(
        {"label": [["person"], [{"start": 0, "end": 3, "label": "person"}]], "suggestion": [[], []]}
    )
    with pytest.raises(InputError, match="not a list of label names"):
        lw.agreement(names_first, decision=None)


def test_spans_saved_as_text_are_refused_with_how_to_read_them_back() -> None:
    frame = pd.DataFrame({"label": ['[[0,3,"person"]]', "[]"], "suggestion": [[(0, 3, "person")], []]})
    with pytest.raises(InputError, match=r"spans saved as text.*map\(json.loads\)"):
        lw.agreement(frame, decision=None)


def test_empty_lists_take_the_kind_of_the_other_column() -> None:
    frame = pd.DataFrame({"label": [[], []], "suggestion": [[(0, 3, "person")], []]})
    table = lw.agreement(frame, decision=None, n_boot=0)
    assert metric(table, "strict_recall")["note"].startswith("the people marked no span")
    assert metric(table, "strict_precision")["value"] == 0.0 and metric(table, "exact_match")["value"] == 0.5
    assert span_item_counts([[]], [[Span(0, 3, "person")]]).total().overall["strict"].spurious == 1
