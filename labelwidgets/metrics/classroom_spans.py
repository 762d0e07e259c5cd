"""A class that marks spans against gold spans (``lw.Classroom(kind="spans")``): each student's span F1, per label,
the hardest items, and the students' agreement among themselves.

Answers, gold and suggestions are lists of spans, as `scored_answers` and `lw.Classroom` give them (mappings with
"start", "end", "label" and "text"; tuples and stored JSON text are read too); ``[]`` is "no spans", an answer.

Definitions: every score is `span_scores`' (nervaluate 1.2.1's) with gold as the reference and the student's spans
as the prediction, NaN where it says 0 for 0/0 (precision without a span in the answers, recall without a gold
span, F1 without a span on either side), as every span metric of the package. Intervals are bootstrap percentile
intervals over the items (never over spans: the spans of one text are not independent draws), from the items' own
counts (`span_item_counts`), so each resample's F1 is `span_scores`' on the resampled items; shares of answers
have Wilson intervals. Agreement among students is `labelwidgets.metrics.team_spans`' (mean pairwise span F1).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from labelwidgets.errors import InputError, public
from labelwidgets.metrics.classroom import (
    AGREEMENT_COLUMNS,
    _as_decisions,
    _by_student,
    _by_student_with_streams,
    _check_answers,
    _check_top,
    _checked_inputs,
    _frame,
    _label_names,
    _share_shown,
)
from labelwidgets.metrics.counts import bootstrap_items, percentile_interval, wilson_interval
from labelwidgets.metrics.team_spans import Spans, describe_spans, read_span_answer, shown_span
from labelwidgets.missing import is_missing
from labelwidgets.spans import Span

__all__ = ["class_span_agreement", "hardest_spans", "student_span_label_scores", "student_span_scores"]

STUDENT_SPAN_COLUMNS = [
    "student", "answered", "practice", "scored", "correct", "accuracy", "accuracy_low", "accuracy_high",
    "gold_spans", "spans", "precision", "recall", "f1", "f1_low", "f1_high", "partial_f1", "n_model", "f1_model",
    "model_accuracy", "model_f1", "revised", "saw_suggestions",
]  # fmt: skip
SPAN_LABEL_COLUMNS = ["student", "label", "n", "gold_spans", "spans", "right", "precision", "recall", "f1",
                      "partial_f1", "note"]  # fmt: skip
_HARDEST_SPAN_COLUMNS = ["key", "gold", "gold_described", "n_answers", "mean_f1", "n_wrong", "share_wrong",
                         "most_missed", "most_extra"]  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# reading


class _Texts:
    """The text of the spans seen, per item, from the cells that name it (shown answers and gold)."""

    def __init__(self) -> None:
        self.by_key: dict[Any, dict[Span, str]] = {}

    def add(self, key: Any, named: Mapping[Span, str]) -> None:
        if named:
            self.by_key.setdefault(key, {}).update(named)

    def shown(self, key: Any, spans: Iterable[Span]) -> list[dict[str, Any]]:
        known = self.by_key.get(key, {})
        return [shown_span(span, known.get(span)) for span in spans]


def _read(value: Any, key: Any, what: str, labels: list[str], func: str, texts: _Texts) -> Spans | None:
    read = read_span_answer(value, f"{what} on {key!r}", func)
    if read is None:
        return None
    spans, named = read
    outside = sorted({span.label for span in spans} - set(labels))
    if outside:
        raise InputError(f"{func}(): {what} on {key!r} has span labels {outside} that are not in labels={labels}.")
    texts.add(key, named)
    return spans


def _span_gold(gold: Any, labels: list[str], func: str, texts: _Texts) -> dict[Any, Spans]:
    """Gold as key -> spans, practice items (missing) left out."""
    if not isinstance(gold, (pd.Series, Mapping)):
        raise InputError(f"{func}(): gold must be a mapping item key -> list of spans or a Series indexed by item "
                         f"key, got {type(gold).__name__}.")  # fmt: skip
    out = {}
    for key, value in gold.items():
        spans = _read(value, key, "the gold spans", labels, func, texts)
        if spans is not None:
            out[key] = spans
    return out


def _sums(counts: np.ndarray) -> np.ndarray:
    """`span_item_counts` counts (..., 5) as (..., 3): credit, the predicted spans, the reference spans."""
    correct, incorrect, partial, missed, spurious = np.moveaxis(counts.astype(float), -1, 0)
    return np.stack([correct + 0.5 * partial, correct + incorrect + partial + spurious,
                     correct + incorrect + partial + missed], axis=-1)  # fmt: skip


def _scores(sums: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall and F1 from sums (..., 3) as `span_scores` gives them, NaN where it says 0 for 0/0."""
    from labelwidgets.metrics.spans import precision_recall_f1

    credit, actual, possible = np.moveaxis(sums, -1, 0)
    precision, recall, f1 = precision_recall_f1(credit, actual, possible)
    return (
        np.where(actual > 0, precision, np.nan),
        np.where(possible > 0, recall, np.nan),
        np.where(actual + possible > 0, f1, np.nan),
    )


def _counts(reference: list[Spans], predicted: list[Spans], labels: list[str], *, by_label: bool = False) -> Any:
    from labelwidgets.metrics.spans import span_item_counts

    return span_item_counts([list(s) for s in reference], [list(s) for s in predicted], labels,
                            schemes=("strict", "partial") if by_label else ("strict",))  # fmt: skip


_STRICT, _PARTIAL = 0, 2  # the schemes' places on `span_item_counts`' overall axis (SCHEMES order)


def _scored(own: pd.DataFrame, truth: dict[Any, Spans], labels: list[str], func: str, texts: _Texts) -> tuple[
    pd.DataFrame, np.ndarray, list[Spans], list[Spans]
]:  # fmt: skip
    """A student's decided rows, which are scored (gold and an answer), and the gold and answers of those."""
    decided = own[own["action"].notna()]
    keys = decided["key"].tolist()
    answers = [_read(value, key, f"the answer of {student!r}", labels, func, texts)
               for key, value, student in zip(keys, decided["answer"].tolist(), decided["student"].tolist(),
                                              strict=True)]  # fmt: skip
    scored = np.array([key in truth and answer is not None for key, answer in zip(keys, answers, strict=True)],
                      dtype=bool)  # fmt: skip
    gold = [truth[key] for key, s in zip(keys, scored, strict=True) if s]
    given = [answer for answer, s in zip(answers, scored, strict=True) if s and answer is not None]
    return decided, scored, gold, given


# ---------------------------------------------------------------------------------------------------------------
# per student


@public
def student_span_scores(
    answers: pd.DataFrame,
    gold: Mapping[Any, Any] | pd.Series,
    labels: Iterable[Hashable],
    *,
    ci: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """`student_scores` for spans: one row per student (sorted by name).

    ``answered``, ``practice``, ``scored``, ``revised`` and ``saw_suggestions`` as in `student_scores`. Then
    ``correct`` (answers with exactly the gold spans) and ``accuracy`` = correct / scored with a Wilson interval;
    ``gold_spans`` and ``spans`` (on the scored items); strict ``precision``, ``recall`` and ``f1`` against the gold
    spans, ``f1`` with a bootstrap interval over the items (``f1_low``/``f1_high``), and ``partial_f1``;
    ``n_model``: scored items with a recorded suggestion, ``f1_model``: the strict F1 of the suggestions against the
    student's answers on them, ``model_accuracy`` and ``model_f1``: the suggestions' exact share and strict F1
    against gold on the same items. Per label: `student_span_label_scores`.
    """
    func = "student_span_scores"
    label_names, frame = _checked_inputs(answers, labels, func, ci=ci, n_boot=n_boot)
    names = [str(name) for name in label_names]
    texts = _Texts()
    truth = _span_gold(gold, names, func, texts)
    rows = []
    for student, own, rng in _by_student_with_streams(frame, seed):
        decided, scored, gold_spans, given = _scored(own, truth, names, func, texts)
        n = len(given)
        overall = _counts(gold_spans, given, names).overall if n else np.zeros((0, 4, 5), dtype=np.int64)
        sums, partial = _sums(overall[:, _STRICT]), _sums(overall[:, _PARTIAL])
        precision, recall, f1 = (float(x) for x in _scores(sums.sum(axis=0)))
        correct = sum(g == a for g, a in zip(gold_spans, given, strict=True))
        low, high = (float(x) for x in wilson_interval(correct, n, ci))
        f1_low = f1_high = math.nan
        if n and n_boot and math.isfinite(f1):
            drawn = bootstrap_items(sums.T, lambda rows, draws: (_scores(draws @ rows)[2],), n_boot, rng)[0]
            f1_low, f1_high = (float(x) for x in percentile_interval(drawn, ci)[:2])
        suggestions = decided["suggestion"][scored].tolist()
        with_model = [i for i, s in enumerate(suggestions) if not is_missing(s)]
        model = [_read(suggestions[i], decided["key"][scored].iloc[i], "the suggestion", names, func, texts)
                 for i in with_model]  # fmt: skip
        model_spans = [m if m is not None else () for m in model]
        n_model = len(model_spans)
        f1_model = model_f1 = model_accuracy = math.nan
        if n_model:
            mine = [given[i] for i in with_model]
            truths = [gold_spans[i] for i in with_model]
            f1_model = float(_scores(_sums(_counts(mine, model_spans, names).overall[:, _STRICT]).sum(axis=0))[2])
            model_f1 = float(_scores(_sums(_counts(truths, model_spans, names).overall[:, _STRICT]).sum(axis=0))[2])
            model_accuracy = sum(m == t for m, t in zip(model_spans, truths, strict=True)) / n_model
        rows.append({
            "student": student, "answered": len(decided), "practice": int(sum(key not in truth for key in
                                                                              decided["key"])),
            "scored": n, "correct": correct, "accuracy": correct / n if n else math.nan, "accuracy_low": low,
            "accuracy_high": high, "gold_spans": int(sums[:, 2].sum()), "spans": int(sums[:, 1].sum()),
            "precision": precision, "recall": recall, "f1": f1, "f1_low": f1_low, "f1_high": f1_high,
            "partial_f1": float(_scores(partial.sum(axis=0))[2]), "n_model": n_model, "f1_model": f1_model,
            "model_accuracy": model_accuracy, "model_f1": model_f1, "revised": int(own["revised"].sum()),
            "saw_suggestions": _share_shown(decided),
        })  # fmt: skip
    return _frame(rows, STUDENT_SPAN_COLUMNS,
                  ints=("answered", "practice", "scored", "correct", "gold_spans", "spans", "n_model", "revised"),
                  texts=("student",))  # fmt: skip


@public
def student_span_label_scores(
    answers: pd.DataFrame,
    gold: Mapping[Any, Any] | pd.Series,
    labels: Iterable[Hashable],
    *,
    ci: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Per student and label: how the student's spans of that label find the gold spans of that label
    (`span_scores`' per-label counts): ``n`` (scored items), ``gold_spans``, ``spans``, ``right`` (strict matches),
    strict ``precision``, ``recall`` and ``f1``, ``partial_f1`` and ``note`` (why a value is NaN). ``ci``,
    ``n_boot`` and ``seed`` are checked as everywhere, and unused: these are point values."""
    func = "student_span_label_scores"
    label_names, frame = _checked_inputs(answers, labels, func, ci=ci, n_boot=n_boot)
    names = [str(name) for name in label_names]
    texts = _Texts()
    truth = _span_gold(gold, names, func, texts)
    rows = []
    for student, own in _by_student(frame):
        _, _, gold_spans, given = _scored(own, truth, names, func, texts)
        if given:
            counts = _counts(gold_spans, given, names, by_label=True).per_label.sum(axis=0)  # labels × 2 × 5
        else:
            counts = np.zeros((len(names), 2, 5), dtype=np.int64)
        strict, partial = _sums(counts[:, 0]), _sums(counts[:, 1])
        precision, recall, f1 = _scores(strict)
        partial_f1 = _scores(partial)[2]
        for code, name in enumerate(names):
            note = ""
            if not given:
                note = "no scored answer yet"
            elif not strict[code, 1] and not strict[code, 2]:
                note = f"no span of {name!r} in gold nor in the answers"
            elif not strict[code, 1]:
                note = f"no span of {name!r} marked: precision is undefined"
            elif not strict[code, 2]:
                note = f"no gold span of {name!r}: recall is undefined"
            rows.append({
                "student": student, "label": name, "n": len(given), "gold_spans": int(strict[code, 2]),
                "spans": int(strict[code, 1]), "right": int(counts[code, 0, 0]), "precision": float(precision[code]),
                "recall": float(recall[code]), "f1": float(f1[code]), "partial_f1": float(partial_f1[code]),
                "note": note,
            })  # fmt: skip
    return _frame(rows, SPAN_LABEL_COLUMNS, ints=("n", "gold_spans", "spans", "right"),
                  texts=("student", "label", "note"))  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------
# per item


@public
def hardest_spans(
    answers: pd.DataFrame, gold: Mapping[Any, Any] | pd.Series, labels: Iterable[Hashable], *, top: int | None = None
) -> pd.DataFrame:
    """`hardest` for spans: the items with gold the class found hardest, lowest mean strict F1 first.

    One row per item with gold and at least one scored answer. Columns: ``key``, ``gold`` (the gold spans, with
    their text), ``gold_described`` (the same as a person reads them), ``n_answers``, ``mean_f1`` (the mean over the
    answers of each answer's strict F1 against gold; an answer with no spans where gold has none counts 1, exactly
    right, where `span_scores` says 0 for 0/0), ``n_wrong`` (answers without exactly the gold spans),
    ``share_wrong``, ``most_missed`` and ``most_extra`` (the gold span the most answers left out, the span the most
    answers added, described; None when none was), then one column per label counting the spans of that label in
    the answers. Ties keep the order the items were first answered in, after more answers.
    """
    func = "hardest_spans"
    names = [str(name) for name in _label_names(labels, func)]
    _check_top(top)
    frame = _check_answers(answers, func)
    texts = _Texts()
    truth = _span_gold(gold, names, func, texts)
    given_by_key: dict[Any, list[Spans]] = {}
    for key, value, student in zip(frame["key"].tolist(), frame["answer"].tolist(), frame["student"].tolist(),
                                   strict=True):  # fmt: skip
        if key in truth:
            spans = _read(value, key, f"the answer of {student!r}", names, func, texts)
            if spans is not None:
                given_by_key.setdefault(key, []).append(spans)
    keys = list(given_by_key)
    reference = [truth[key] for key in keys for _ in given_by_key[key]]
    predicted = [spans for key in keys for spans in given_by_key[key]]
    item_f1 = np.zeros(0)
    if predicted:
        item_f1 = _scores(_sums(_counts(reference, predicted, names).overall[:, _STRICT]))[2]
        item_f1 = np.where(np.isnan(item_f1), 1.0, item_f1)  # no span on either side: exactly right
    shown = [f"{name} (answers)" if name in _HARDEST_SPAN_COLUMNS else name for name in names]
    rows, at = [], 0
    for key in keys:
        given = given_by_key[key]
        expected = truth[key]
        missed = Counter(span for answer in given for span in expected if span not in answer)
        extra = Counter(span for answer in given for span in answer if span not in expected)
        per_label = Counter(span.label for answer in given for span in answer)
        wrong = sum(answer != expected for answer in given)
        rows.append({
            "key": key, "gold": texts.shown(key, expected), "gold_described": describe_spans(texts.shown(key,
                                                                                                        expected)),
            "n_answers": len(given), "mean_f1": float(item_f1[at : at + len(given)].mean()), "n_wrong": wrong,
            "share_wrong": wrong / len(given), "most_missed": _most(missed, key, texts),
            "most_extra": _most(extra, key, texts),
            **{column: int(per_label[name]) for name, column in zip(names, shown, strict=True)},
        })  # fmt: skip
        at += len(given)
    columns = [*_HARDEST_SPAN_COLUMNS, *shown]
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    out = pd.DataFrame(rows, columns=columns)
    order = np.lexsort((np.arange(len(out)), -out["n_answers"].to_numpy(), out["mean_f1"].to_numpy()))
    if top is not None:
        order = order[: int(top)]
    return out.iloc[order].reset_index(drop=True)


def _most(counts: Counter[Span], key: Any, texts: _Texts) -> str | None:
    """The span counted most (the first in text order on a tie), described with how many answers: None for none."""
    if not counts:
        return None
    most = max(counts.values())
    span = min(span for span, n in counts.items() if n == most)
    return f"{describe_spans(texts.shown(key, [span]))} ({most})"


# ---------------------------------------------------------------------------------------------------------------
# the class


@public
def class_span_agreement(
    answers: pd.DataFrame, labels: Iterable[Hashable], *, ci: float = 0.95, n_boot: int = 1000, seed: int = 0
) -> pd.DataFrame:
    """`class_agreement` for spans: ``mean_strict_f1`` and ``mean_partial_f1`` (the mean over pairs of students of
    their span F1 on the items both answered, with a bootstrap interval over the items two students or more
    answered; `metrics.team_spans.span_team_agreement`'s) and ``percent_agreement`` (pairs of students on an item
    who marked the very same spans). Practice items count: agreement among students needs no gold."""
    from labelwidgets.metrics.team_spans import span_team_agreement

    func = "class_span_agreement"
    names, frame = _checked_inputs(answers, labels, func, ci=ci, n_boot=n_boot)
    rated = frame[frame["answer"].map(lambda v: not is_missing(v))]
    table = span_team_agreement(_as_decisions(rated), [str(n) for n in names], ci=ci, n_boot=n_boot, seed=seed)
    whole = table[table["annotator"].isna() & table["label"].isna()].set_index("metric")
    rows = []
    for metric in ("mean_strict_f1", "mean_partial_f1", "percent_agreement"):
        row = whole.loc[metric]
        note = str(row["note"])
        if metric != "percent_agreement" and not int(row["n"]):
            note = "no two students have answered the same item yet"
        rows.append({"metric": metric, **{c: row[c] for c in AGREEMENT_COLUMNS[1:]}, "note": note})
    return _frame(rows, AGREEMENT_COLUMNS, ints=("n",), texts=("metric", "interval", "note"))
