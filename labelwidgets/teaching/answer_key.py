"""A student's answer key: the gold labels kept from the browser until the student commits, and their score.

The one definition of a student's *scored answer* on an item: the label of their latest decision in force that is
not a revision (a skip or a rejection scores no answer). A ``revised`` event (a change after the answer was shown)
is recorded and counted, and never changes the score. `lw.Classroom` reads the same definition from the store
(`labelwidgets.metrics.classroom.scored_answers`).

What differs between kinds of answer (one label per item, a set of labels, spans) is a score strategy
(`scoring_for`): the single-label score keeps a k × k confusion matrix; the multi-label one keeps the scored (gold,
answer) pairs and reads its numbers from `labelwidgets.metrics.multilabel`; the spans one (`span_key.SpanScore`)
keeps the pairs too and reads `span_scores`. Gold spans are read against each item's text (`span_key`). Everything
else (which answer is scored, when gold may be shown) is the same for every kind: answers are compared as stored
text.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, Union

import numpy as np
import pandas as pd

from labelwidgets.decision import FIRST_ANSWERS, REVISED, UNDO, Decision
from labelwidgets.errors import InputError
from labelwidgets.labels import LabelSet
from labelwidgets.metrics.counts import CHANCE_SENTENCE, kappa_estimate, wilson_interval
from labelwidgets.missing import is_missing
from labelwidgets.session.fold import Histories

if TYPE_CHECKING:
    from labelwidgets.teaching.span_key import SpanStudentReport

#: When the gold label of an item reaches the student: after each commit, once every item is decided, or never.
FEEDBACK_MODES = ("after", "end", None)
#: The actions that give a scored answer; the others (skip, reject) leave the item without one.
ANSWERS = FIRST_ANSWERS


def read_gold(
    column: pd.Series, labels: LabelSet, *, texts: pd.Series | None = None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """A gold column as (answers as stored text, None where missing), which rows are practice items, and the values
    that are no answer over ``labels`` (a label outside the set; for sets of labels, anything but a list of labels
    or its JSON text).

    For kinds whose answers are about the item's text (spans), ``texts`` is the column of the items' texts, row by
    row: each gold cell is checked against its own row's text, and a cell that is not spans of it is refused here,
    with its row and why (`span_key.read_span_gold`).

    The one reading of a gold column, for the student's Labeler and the teacher's Classroom alike.
    """
    if labels.kind.about_text:
        from labelwidgets.teaching.span_key import read_span_gold

        return read_span_gold(column, labels, texts)
    values = column.to_numpy(dtype=object, copy=True)
    missing = np.fromiter((is_missing(v) for v in values), dtype=bool, count=len(values))
    values[missing] = None
    outside: set[str] = set()
    for row in np.flatnonzero(~missing):
        try:
            values[row] = labels.kind.from_cell(values[row], labels)
        except InputError:
            outside.add(str(values[row]))
    return values, missing, sorted(outside)


def spans_hint(column: pd.Series, labels: LabelSet) -> str:
    """A sentence for the error about a gold column whose values are spans, given to a lesson (or class) of
    another kind: which ``kind=`` reads them; "" otherwise."""
    from labelwidgets.teaching.span_key import looks_like_spans

    if labels.kind.about_text or not any(looks_like_spans(v) for v in column.tolist()):
        return ""
    return (
        f" The column holds spans of the text (lists of start, end, label): for spans, pass kind='spans' "
        f"(this is kind={labels.kind.name!r})."
    )


@dataclass(frozen=True)
class StudentReport:
    """A student's answers against the gold labels: `labeler.report()`."""

    annotator: str
    scored: int
    correct: int
    accuracy: float
    accuracy_low: float
    accuracy_high: float
    kappa: float
    kappa_note: str
    practice: int
    revised: int
    #: rows: the gold label; columns: the student's scored answer
    confusion: pd.DataFrame

    def _repr_html_(self) -> str:
        return _report_html(self.summary(), self.confusion)

    def summary(self) -> str:
        if not self.scored:
            return f"{self.annotator}: no scored answers yet."
        kappa = "undefined" if np.isnan(self.kappa) else f"{self.kappa:.2f}"
        note = f" ({self.kappa_note})" if self.kappa_note else ""
        tail = _practice_and_revisions(self.practice, self.revised)
        return (
            f"{self.annotator}: {self.correct} of {self.scored} right ({self.accuracy:.0%}, 95% CI "
            f"{self.accuracy_low:.0%}–{self.accuracy_high:.0%}), Cohen's kappa against the gold labels {kappa}{note}"
            f"{tail}."
        )

    def __repr__(self) -> str:
        return f"{self.summary()}\n{self.confusion}"


@dataclass(frozen=True)
class SetStudentReport:
    """A student's sets of labels against the gold sets: `labeler.report()` with ``kind="multi"``.

    Every number is `labelwidgets.metrics.multilabel`'s (equal to scikit-learn on the indicator matrices).
    """

    annotator: str
    scored: int
    correct: int  # answers exactly equal to the gold set
    accuracy: float  # subset accuracy: correct / scored
    jaccard: float  # mean over scored items of |answer ∩ gold| / |answer ∪ gold|
    micro_f1: float
    macro_f1: float
    practice: int
    revised: int
    #: one row per label: precision, recall, f1 and Cohen's kappa against the gold sets (`metrics.multilabel.per_label`)
    per_label: pd.DataFrame

    def _repr_html_(self) -> str:
        return _report_html(self.summary(), self.per_label)

    def summary(self) -> str:
        if not self.scored:
            return f"{self.annotator}: no scored answers yet."
        tail = _practice_and_revisions(self.practice, self.revised)
        return (
            f"{self.annotator}: mean Jaccard {self.jaccard:.2f} against the gold sets over {self.scored} items, "
            f"{self.correct} exactly right ({self.accuracy:.0%}); per label: {_label_kappas(self.per_label)}{tail}."
        )

    def __repr__(self) -> str:
        return f"{self.summary()}\n{self.per_label}"


def _report_html(summary: str, table: pd.DataFrame) -> str:
    """A student report in a notebook: its score line, what kappa 0 means, and its table."""
    import html

    return f"<p>{html.escape(summary)}</p><p><em>{html.escape(CHANCE_SENTENCE)}</em></p>{table.to_html()}"


def _practice_and_revisions(practice: int, revised: int) -> str:
    """The end of a score line: the practice items left unscored and the answers changed after feedback, if any."""
    extra = []
    if practice:
        extra.append(f"{practice} practice item{'s' if practice != 1 else ''} not scored")
    if revised:
        extra.append(f"{revised} answer{'s' if revised != 1 else ''} changed after feedback")
    return f"; {', '.join(extra)}" if extra else ""


def _label_kappas(per_label: pd.DataFrame) -> str:
    """Each label's Cohen's kappa, as the score line shows it."""
    return ", ".join(
        f"{name} kappa {'undefined' if math.isnan(kappa) else f'{kappa:.2f}'}"
        for name, kappa in zip(per_label.index, per_label["cohen_kappa"], strict=True)
    )


#: What `labeler.report()` gives, for each kind of answer.
AnyReport = Union[StudentReport, SetStudentReport, "SpanStudentReport"]


class Scoring(Protocol):
    """A student's running score for one kind of answer: told every change of a scored answer on an item with gold,
    read by the header, `report()` and the feedback on each item."""

    def change(self, row: int, gold: str, old: str | None, new: str | None) -> None:
        """The scored answer on ``row`` (gold ``gold``) went from ``old`` to ``new`` (stored texts; None: none)."""
        ...

    def score(self) -> dict[str, Any]:
        """The numbers the header shows (``scored``, ``correct``, ``accuracy``, ``kappa``, ``kappa_note``, ...)."""
        ...

    def report(self, annotator: str, column: str, practice: int, revised: int) -> AnyReport: ...

    def feedback(self, gold: str, answer: str | None, *, text: str | None = None) -> dict[str, Any]:
        """What the student sees of an item once its answer is shown (the gold answer, theirs, right or not);
        ``text`` is the item's text (spans are shown with it)."""
        ...


class LabelScore:
    """One label per item: a confusion matrix kept up to date, so each change and each read take constant time."""

    def __init__(self, labels: LabelSet) -> None:
        self.labels = labels
        self.names = labels.names
        self._code = {name: i for i, name in enumerate(self.names)}
        k = len(self.names)
        self._confusion = np.zeros((k, k), dtype=np.int64)  # [gold, answer], scored items only

    def change(self, row: int, gold: str, old: str | None, new: str | None) -> None:
        g = self._code[gold]
        if old is not None and old in self._code:
            self._confusion[g, self._code[old]] -= 1
        if new is not None and new in self._code:
            self._confusion[g, self._code[new]] += 1

    def score(self) -> dict[str, Any]:
        confusion = self._confusion
        scored = int(confusion.sum())
        correct = int(np.trace(confusion))
        kappa = kappa_estimate(confusion, self.names, reference="the gold labels", other="the student")
        return {
            "scored": scored,
            "correct": correct,
            "accuracy": correct / scored if scored else float("nan"),
            "kappa": kappa.kappa,
            "kappa_note": kappa.notes() if scored else "",
        }

    def report(self, annotator: str, column: str, practice: int, revised: int) -> StudentReport:
        score = self.score()
        low, high = wilson_interval(score["correct"], score["scored"])
        frame = pd.DataFrame(
            self._confusion.copy(),
            index=pd.Index(self.names, name="gold" if column == "gold" else f"gold ({column})"),
            columns=pd.Index(self.names, name="your answer"),
        )
        return StudentReport(
            annotator=annotator,
            **score,
            accuracy_low=float(low),
            accuracy_high=float(high),
            practice=practice,
            revised=revised,
            confusion=frame,
        )

    def feedback(self, gold: str, answer: str | None, *, text: str | None = None) -> dict[str, Any]:
        return {
            "gold": gold,
            "answer": answer,
            "correct": answer == gold,
            "guideline": self.labels.description_map().get(gold, ""),
        }


class SetScore:
    """A set of labels per item: the scored (gold, answer) pairs, with the numbers read from them by
    `labelwidgets.metrics.multilabel` when asked for, once per change (a lesson has tens to hundreds of items)."""

    def __init__(self, labels: LabelSet) -> None:
        self.labels = labels
        self._pairs: dict[int, tuple[str, str]] = {}  # row -> (gold, scored answer), stored texts
        self._read: Any = None  # the multilabel_report of the pairs, until they change

    def change(self, row: int, gold: str, old: str | None, new: str | None) -> None:
        if new is None:
            self._pairs.pop(row, None)
        else:
            self._pairs[row] = (gold, new)
        self._read = None

    def _exact(self) -> int:
        """Scored answers equal to their gold set (one stored text per set)."""
        return sum(gold == answer for gold, answer in self._pairs.values())

    def _sets(self, pairs: Iterable[tuple[str, str]]) -> tuple[list[list[str]], list[list[str]]]:
        decoded = [(json.loads(gold), json.loads(answer)) for gold, answer in pairs]
        return [gold for gold, _ in decoded], [answer for _, answer in decoded]

    def _report(self, n_boot: int) -> Any:
        from labelwidgets.metrics.multilabel import multilabel_report

        gold, answers = self._sets(self._pairs.values())
        return multilabel_report(gold, answers, self.labels.names, n_boot=n_boot)

    def score(self) -> dict[str, Any]:
        if self._read is None:
            self._read = self._report(0)
        report = self._read
        scored = int(report.n)
        correct = self._exact()
        per_label = [
            {
                "label": name,
                **{k: None if math.isnan(row[k]) else float(row[k]) for k in ("precision", "recall", "f1")},
                "kappa": None if math.isnan(row["cohen_kappa"]) else float(row["cohen_kappa"]),
            }
            for name, row in report.per_label.iterrows()
        ]
        return {
            "scored": scored,
            "correct": correct,
            "accuracy": report.subset_accuracy if scored else float("nan"),
            "kappa": float("nan"),  # one kappa per label, not one for the whole set
            "kappa_note": (
                f"a set of labels per item: mean Jaccard {report.jaccard:.2f}; {_label_kappas(report.per_label)}"
                if scored
                else ""
            ),
            "jaccard": None if not scored else float(report.jaccard),
            "per_label": per_label,
        }

    def report(self, annotator: str, column: str, practice: int, revised: int) -> SetStudentReport:
        report = self._report(1000)
        scored = int(report.n)
        return SetStudentReport(
            annotator=annotator,
            scored=scored,
            correct=self._exact(),
            accuracy=report.subset_accuracy,
            jaccard=report.jaccard,
            micro_f1=report.micro_f1,
            macro_f1=report.macro_f1,
            practice=practice,
            revised=revised,
            per_label=report.per_label,
        )

    def feedback(self, gold: str, answer: str | None, *, text: str | None = None) -> dict[str, Any]:
        from labelwidgets.metrics.multilabel import jaccard_samples

        labels = self.labels
        truth = set(json.loads(gold))
        given = set(json.loads(answer)) if answer is not None else set()
        descriptions = {name: text for name, text in labels.description_map().items() if text}
        return {
            "gold": labels.describe(gold),
            "answer": None if answer is None else labels.describe(answer),
            "correct": answer == gold,
            "guideline": "; ".join(
                f"{name}: {descriptions[name]}" for name in labels.names if name in truth & set(descriptions)
            ),
            "right": [name for name in labels.names if name in truth & given],
            "missed": [name for name in labels.names if name in truth - given],
            "extra": [name for name in labels.names if name in given - truth],
            "jaccard": None if answer is None else jaccard_samples([truth], [given], labels.names),
        }


def _span_score(labels: LabelSet) -> Scoring:
    from labelwidgets.teaching.span_key import SpanScore  # it builds on this module

    return SpanScore(labels)


_SCORES: dict[str, Callable[[LabelSet], Scoring]] = {"single": LabelScore, "multi": SetScore, "spans": _span_score}


def scoring_for(labels: LabelSet) -> Scoring:
    """The running score for ``labels``' kind of answer: the one place teaching tells the kinds apart."""
    return _SCORES[labels.kind.name](labels)


class AnswerKey:
    """The gold answers of a teaching session, when they may be shown, and the student's running score.

    Updated once per event: the score strategy (`scoring_for`) is told each change of a scored answer, never given
    a pass over the decisions.
    """

    def __init__(
        self, df: pd.DataFrame, column: Any, labels: LabelSet, feedback: str | None, *, text: str | None = None
    ) -> None:
        if feedback not in FEEDBACK_MODES:
            raise InputError(
                f"feedback={feedback!r}: use 'after' (show the answer after each commit), 'end' (when every item is "
                "decided) or None (never show it; the teacher sees the results)."
            )
        if not isinstance(column, str) or column not in df.columns:
            raise InputError(
                f"gold={column!r} must name the column of the correct labels; the DataFrame has the columns "
                f"{list(df.columns)}."
            )
        names = labels.names
        texts = None
        if labels.kind.about_text:
            if not isinstance(text, str) or text not in df.columns:
                raise InputError(
                    f"gold {labels.kind.name} are checked against each item's text, and the DataFrame has no column "
                    f"{text!r} (text=); its columns are {list(df.columns)}."
                )
            texts = df[text]
        values, missing, outside = read_gold(df[column], labels, texts=texts)
        if outside:
            raise InputError(
                f"the gold column {column!r} has labels that are not in the label set {names}: {outside[:20]}"
                f"{' …' if len(outside) > 20 else ''}. Fix the column, or add them to labels=."
                + spans_hint(df[column], labels)
            )
        if missing.all():
            raise InputError(
                f"the gold column {column!r} has no labels (every value is missing): there is nothing to give "
                "feedback from. Pass the column of correct labels, or leave out gold= to label without an answer key."
            )
        self.column = column
        self.feedback = feedback
        self.labels = labels
        #: The items' texts, row by row, for kinds whose answers are about them (spans); None for the others.
        self.texts: list[Any] | None = None if texts is None else texts.tolist()
        self.names = names
        self.gold = values
        self.practice = missing
        self.n_practice = int(missing.sum())
        self._score = scoring_for(labels)
        # per row: the answers in force (revisions left out), by the one rule of which events are in force
        self._answers = Histories()
        self._revisions: dict[int, set[int]] = {}  # per row: ids of revision events in force

    # ----- what the student may see -----------------------------------------------------------------------
    def gold_at(self, row: int) -> str | None:
        """The gold answer of ``row`` as stored text (None on a practice item)."""
        value = self.gold[row]
        return None if value is None else str(value)

    def answer_at(self, row: int) -> str | None:
        """The student's scored answer on ``row`` (None: no answer yet, or a skip or rejection)."""
        current = self._answers.current(row)
        return None if current is None else current[1]

    @property
    def revised(self) -> int:
        """Answers changed after feedback: items with a revision in force (per item, however many revisions)."""
        return sum(1 for ids in self._revisions.values() if ids)

    def revealed(self, row: int, decided: bool, finished: bool) -> bool:
        """Whether the gold label of ``row`` may be shown now: never before the student's own answer on it."""
        if self.practice[row] or self.feedback is None:
            return False
        if self.feedback == "end" and not finished:
            return False
        return decided and self.answer_at(row) is not None

    def shows_score(self, finished: bool) -> bool:
        return self.feedback == "after" or (self.feedback == "end" and finished)

    def feedback_at(self, row: int) -> dict[str, Any]:
        """The gold answer of ``row`` against the student's scored one, as the student reads it (call only once
        `revealed`): the answers, right or not, the guideline and, for sets of labels, which labels were right,
        missed and extra, and the item's Jaccard."""
        gold = self.gold_at(row)
        if gold is None:
            raise ValueError(f"row {row} is a practice item: it has no gold answer")
        return self._score.feedback(gold, self.answer_at(row), text=self.text_at(row))

    def text_at(self, row: int) -> str | None:
        """The text of ``row`` for kinds whose answers are about it (spans are shown with it); None otherwise."""
        text = None if self.texts is None else self.texts[row]
        return text if isinstance(text, str) else None

    # ----- keeping the score ------------------------------------------------------------------------------
    def replay(self, rows_and_events: Iterable[tuple[int, Decision]]) -> None:
        """Rebuild from the stored events of this student (oldest first), after a restart."""
        for row, event in rows_and_events:
            self.apply(row, event)

    def apply(self, row: int, event: Decision) -> None:
        if event.id is None:
            return
        revisions = self._revisions.setdefault(row, set())
        if event.action == REVISED:
            revisions.add(event.id)
            return
        if event.action == UNDO and event.undoes in revisions:
            revisions.discard(event.undoes)
            return
        label = event.label if event.action in ANSWERS else None
        event_id = int(event.id)
        old = self.answer_at(row)
        self._answers.apply(event_id, row, event.action, event.undoes, label)
        new = self.answer_at(row)
        gold = self.gold_at(row)
        if gold is not None and old != new:
            self._score.change(row, gold, old, new)

    # ----- the score --------------------------------------------------------------------------------------
    def report(self, annotator: str) -> AnyReport:
        return self._score.report(annotator, self.column, self.n_practice, self.revised)

    def score_json(self) -> dict[str, Any]:
        """The running score for the widget's header (numbers only: no gold label of any item)."""
        score = self._score.score()
        return {
            **score,
            "accuracy": score["accuracy"] if score["scored"] else None,
            "kappa": None if np.isnan(score["kappa"]) else score["kappa"],
            "revised": self.revised,
            "practice": self.n_practice,
            "chance": score.get("chance", CHANCE_SENTENCE),  # what the numbers mean (spans: F1 has no chance level)
        }
