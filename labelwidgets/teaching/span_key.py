"""Teaching with gold spans (``lw.Labeler(..., kind="spans", gold="column")``): the gold column read against each
item's text, the student's feedback per item and their score.

Definitions:

* A gold cell is a list of spans over its own row's text: ``(start, end, label)`` tuples, mappings with "start",
  "end" and "label" (a "text" there must be the text at those offsets), or their JSON text; ``[]`` is "no spans",
  an answer like any other; a missing value makes a practice item. Anything else is refused with its row and why.
* A student's span is *right* when gold has exactly it (same start, end and label), *missed* when gold has it and
  the answer does not, *extra* when the answer has it and gold does not.
* Scores are `span_scores`' (nervaluate 1.2.1's) with gold as the reference and the student's spans as the
  prediction: strict and partial precision, recall and F1 over the scored items, overall and per label. Where
  `span_scores` says 0 for 0/0 these say NaN (None in the widget), as every span metric of the package does:
  precision without a span in the answers, recall without a gold span, F1 without a span on either side.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from labelwidgets.errors import InputError
from labelwidgets.labels import LabelSet
from labelwidgets.missing import is_missing
from labelwidgets.spans import Span
from labelwidgets.teaching.answer_key import _practice_and_revisions

if TYPE_CHECKING:
    from labelwidgets.metrics.spans import SpanCounts, SpanScores

_SHOWN_ROWS = 5  # rows named in the error about a gold column
_SHOWN = 40  # characters of a span's text quoted in a sentence


# ----- the gold column ----------------------------------------------------------------------------------------


def read_span_gold(
    column: pd.Series, labels: LabelSet, texts: pd.Series | None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """`read_gold` for spans: (stored texts, None where missing; practice rows; nothing outside, since a cell that
    is not spans of its row's text is refused here, naming the first rows and why)."""
    if texts is None or len(texts) != len(column):
        raise InputError("gold spans are checked against each item's text: pass the column of texts (text=).")
    values = column.to_numpy(dtype=object, copy=True)
    missing = np.fromiter((is_missing(v) for v in values), dtype=bool, count=len(values))
    values[missing] = None
    item_texts = texts.to_numpy(dtype=object)
    problems: list[tuple[int, str]] = []
    for row in np.flatnonzero(~missing).tolist():
        text = item_texts[row]
        if not isinstance(text, str):
            problems.append((row, f"the item's text is {text!r}, not a string to mark spans in"))
            continue
        try:
            values[row] = labels.kind.from_cell(values[row], labels, text=text)
        except InputError as error:
            problems.append((row, str(error)))
    if problems:
        index = column.index
        named = "; ".join(f"row {index[row]!r}: {why}" for row, why in problems[:_SHOWN_ROWS])
        more = f" (and {len(problems) - _SHOWN_ROWS} more rows)" if len(problems) > _SHOWN_ROWS else ""
        raise InputError(
            f"the gold column {column.name!r} has {len(problems)} cell(s) that are not spans of their row's text "
            f"(rows by the DataFrame's index): {named}{more}. Each gold cell is a list of (start, end, label) spans "
            f"over that row's text, offsets in code points with end exclusive (tuples, "
            '{"start", "end", "label"} dicts or their JSON text), [] for no spans; a missing value makes a practice '
            "item."
        )
    return values, missing, []


def looks_like_spans(value: Any) -> bool:
    """Whether a cell of a column looks like spans (a list of (start, end, label) or of dicts with "start" and
    "end", or its JSON text): for the error about a spans column given to a lesson of another kind."""
    if isinstance(value, str):
        if not value.lstrip().startswith("[["):
            if not value.lstrip().startswith("[{"):
                return False
        try:
            value = json.loads(value)
        except ValueError:
            return False
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (list, tuple)) or not value:
        return False
    first = value[0]
    if isinstance(first, Mapping):
        return "start" in first and "end" in first
    return (
        isinstance(first, (list, tuple))
        and len(first) == 3
        and all(isinstance(x, int) and not isinstance(x, bool) for x in first[:2])
    )


# ----- one item: what the student sees ------------------------------------------------------------------------


def _spans(stored: str) -> list[Span]:
    return [Span(int(s), int(e), str(label)) for s, e, label in json.loads(stored)]


def _shown(spans: list[Span], text: str | None) -> list[dict[str, Any]]:
    return [{"start": s.start, "end": s.end, "label": s.label, "text": None if text is None else s.text_in(text)}
            for s in spans]  # fmt: skip


def _named(spans: list[Span], text: str | None) -> str:
    def one(span: Span) -> str:
        if text is None:
            return f"{span.label} ({span.start}, {span.end})"
        shown = repr(span.text_in(text))  # clipped as `SpanAnswers.describe` clips it
        return f"{span.label} {shown if len(shown) <= _SHOWN else shown[: _SHOWN - 1] + '…'}"

    return ", ".join(one(span) for span in spans)


def feedback_sentence(right: list[Span], missed: list[Span], extra: list[Span], text: str | None) -> str:
    """The feedback in one sentence: "2 of 3 spans right; missed: location 'Paris'; extra: person 'visited'"."""
    expected = len(right) + len(missed)
    if not expected and not extra:
        return "no spans, as in the answer key: right"
    head = f"{len(right)} of {expected} span{'s' if expected != 1 else ''} right"
    if not expected:
        head = "the answer key has no spans here"
    parts = [head]
    if missed:
        parts.append(f"missed: {_named(missed, text)}")
    if extra:
        parts.append(f"extra: {_named(extra, text)}")
    return "; ".join(parts)


def _or_none(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def _defined(counts: SpanCounts) -> tuple[float, float, float]:
    """Precision, recall and F1 as `span_scores` gives them, NaN where it says 0 for 0/0."""
    return (
        counts.precision if counts.actual else math.nan,
        counts.recall if counts.possible else math.nan,
        counts.f1 if counts.actual + counts.possible else math.nan,
    )


# ----- the report -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpanStudentReport:
    """A student's spans against the gold spans: `labeler.report()` with ``kind="spans"``.

    Every number is `span_scores`' with gold as the reference (NaN where it says 0 for 0/0; see the module).
    """

    annotator: str
    scored: int
    correct: int  # answers with exactly the gold spans
    accuracy: float  # correct / scored
    gold_spans: int  # spans in gold on the scored items
    spans: int  # spans in the student's answers on them
    right: int  # of those, spans exactly in gold (strict matches)
    precision: float  # strict
    recall: float
    f1: float
    partial_f1: float
    practice: int
    revised: int
    #: one row per label: gold and answered spans, strict precision, recall and F1, partial F1
    per_label: pd.DataFrame

    def _repr_html_(self) -> str:
        import html

        return f"<p>{html.escape(self.summary())}</p>{self.per_label.to_html()}"

    def summary(self) -> str:
        if not self.scored:
            return f"{self.annotator}: no scored answers yet."
        tail = _practice_and_revisions(self.practice, self.revised)
        if math.isnan(self.f1):
            score = "no spans in gold nor in the answers, so no span F1"
        else:
            score = (
                f"strict span F1 {self.f1:.2f} against the gold spans ({self.right} of {self.gold_spans} gold spans "
                f"found, {self.spans} marked; partial F1 {self.partial_f1:.2f})"
            )
        labels = ", ".join(
            f"{name} F1 {'undefined' if math.isnan(f1) else f'{f1:.2f}'}"
            for name, f1 in zip(self.per_label.index, self.per_label["f1"], strict=True)
            if self.per_label.loc[name, "gold_spans"] or self.per_label.loc[name, "spans"]
        )
        return (
            f"{self.annotator}: {score} over {self.scored} items, {self.correct} exactly right "
            f"({self.accuracy:.0%}){'; per label: ' + labels if labels else ''}{tail}."
        )

    def __repr__(self) -> str:
        return f"{self.summary()}\n{self.per_label}"


# ----- the running score ------------------------------------------------------------------------------------------


class SpanScore:
    """Spans per item: the scored (gold, answer) pairs, with the numbers read from them by `span_scores` when asked
    for, once per change (a lesson has tens to hundreds of items)."""

    def __init__(self, labels: LabelSet) -> None:
        self.labels = labels
        self._pairs: dict[int, tuple[str, str]] = {}  # row -> (gold, scored answer), stored texts
        self._read: SpanScores | None = None  # span_scores of the pairs, until they change

    def change(self, row: int, gold: str, old: str | None, new: str | None) -> None:
        if new is None:
            self._pairs.pop(row, None)
        else:
            self._pairs[row] = (gold, new)
        self._read = None

    def _scores(self) -> SpanScores:
        from labelwidgets.metrics.spans import span_scores

        if self._read is None:
            pairs = list(self._pairs.values())
            self._read = span_scores([_spans(g) for g, _ in pairs], [_spans(a) for _, a in pairs], self.labels.names)
        return self._read

    def _exact(self) -> int:
        """Scored answers with exactly the gold spans (one stored text per list of spans)."""
        return sum(gold == answer for gold, answer in self._pairs.values())

    def _per_label(self, scores: SpanScores) -> pd.DataFrame:
        rows = []
        for name in self.labels.names:
            by_scheme = scores.per_label.get(name)
            if by_scheme is None:
                rows.append({"gold_spans": 0, "spans": 0, "right": 0, "precision": math.nan, "recall": math.nan,
                             "f1": math.nan, "partial_f1": math.nan})  # fmt: skip
                continue
            strict = by_scheme["strict"]
            precision, recall, f1 = _defined(strict)
            rows.append({"gold_spans": strict.possible, "spans": strict.actual, "right": strict.correct,
                         "precision": precision, "recall": recall, "f1": f1,
                         "partial_f1": _defined(by_scheme["partial"])[2]})  # fmt: skip
        frame = pd.DataFrame(rows, index=pd.Index(self.labels.names, name="label"))
        return frame.astype({"gold_spans": int, "spans": int, "right": int})

    def score(self) -> dict[str, Any]:
        scores = self._scores()
        scored = len(self._pairs)
        correct = self._exact()
        strict, partial = scores.overall["strict"], scores.overall["partial"]
        precision, recall, f1 = _defined(strict)
        per_label = self._per_label(scores)
        note = ""
        if scored:
            note = (
                f"spans: strict F1 {'undefined' if math.isnan(f1) else f'{f1:.2f}'} ({strict.correct} of "
                f"{strict.possible} gold spans found, {strict.actual} marked)"
            )
        from labelwidgets.teaching.class_answers import SPAN_F1_SENTENCE

        return {
            "chance": SPAN_F1_SENTENCE,  # the score line's second sentence: no chance level, unlike kappa's
            "scored": scored,
            "correct": correct,
            "accuracy": correct / scored if scored else float("nan"),
            "kappa": float("nan"),  # span F1, not kappa: there is no chance agreement over positions in a text
            "kappa_note": note,
            "precision": _or_none(precision),
            "recall": _or_none(recall),
            "f1": _or_none(f1),
            "partial_f1": _or_none(_defined(partial)[2]),
            "per_label": [
                {
                    "label": name,
                    "gold_spans": int(row["gold_spans"]),
                    "spans": int(row["spans"]),
                    **{k: _or_none(float(row[k])) for k in ("precision", "recall", "f1", "partial_f1")},
                }
                for name, row in per_label.iterrows()
            ],
        }

    def report(self, annotator: str, column: str, practice: int, revised: int) -> SpanStudentReport:
        scores = self._scores()
        strict, partial = scores.overall["strict"], scores.overall["partial"]
        precision, recall, f1 = _defined(strict)
        scored = len(self._pairs)
        correct = self._exact()
        return SpanStudentReport(
            annotator=annotator,
            scored=scored,
            correct=correct,
            accuracy=correct / scored if scored else math.nan,
            gold_spans=strict.possible,
            spans=strict.actual,
            right=strict.correct,
            precision=precision,
            recall=recall,
            f1=f1,
            partial_f1=_defined(partial)[2],
            practice=practice,
            revised=revised,
            per_label=self._per_label(scores),
        )

    def feedback(self, gold: str, answer: str | None, *, text: str | None = None) -> dict[str, Any]:
        """The gold spans and the student's, each with its text; which were right, missed and extra; the item's
        strict F1 (None without a span on either side) and the feedback in one sentence."""
        from labelwidgets.metrics.spans import span_scores

        labels = self.labels
        truth, given = _spans(gold), _spans(answer) if answer is not None else []
        right = [s for s in truth if s in set(given)]
        missed = [s for s in truth if s not in set(given)]
        extra = [s for s in given if s not in set(truth)]
        descriptions = {name: words for name, words in labels.description_map().items() if words}
        described = {s.label for s in truth} & set(descriptions)
        guideline = "; ".join(f"{name}: {descriptions[name]}" for name in labels.names if name in described)
        f1 = math.nan
        if answer is not None:
            f1 = _defined(span_scores([truth], [given], labels.names).overall["strict"])[2]
        return {
            "gold": labels.describe(gold, text=text),
            "answer": None if answer is None else labels.describe(answer, text=text),
            "correct": answer == gold,
            "guideline": guideline,
            "gold_spans": _shown(truth, text),
            "right": _shown(right, text),
            "missed": _shown(missed, text),
            "extra": _shown(extra, text),
            "f1": None if answer is None else _or_none(f1),
            "summary": None if answer is None else feedback_sentence(right, missed, extra, text),
        }
