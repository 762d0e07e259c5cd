"""A student's answer key: the gold labels kept from the browser until the student commits, and their score.

The one definition of a student's *scored answer* on an item: the label of their latest decision in force that is
not a revision (a skip or a rejection scores no answer). A ``revised`` event (a change after the answer was shown)
is recorded and counted, and never changes the score. `lw.Classroom` reads the same definition from the store
(`labelwidgets.metrics.classroom.scored_answers`).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from labelwidgets.decision import FIRST_ANSWERS, REVISED, UNDO, Decision
from labelwidgets.errors import InputError
from labelwidgets.labels import LabelSet
from labelwidgets.metrics.counts import CHANCE_SENTENCE, kappa_estimate, wilson_interval
from labelwidgets.missing import is_missing
from labelwidgets.session.fold import Histories

#: When the gold label of an item reaches the student: after each commit, once every item is decided, or never.
FEEDBACK_MODES = ("after", "end", None)
#: The actions that give a scored answer; the others (skip, reject) leave the item without one.
ANSWERS = FIRST_ANSWERS


def read_gold(column: pd.Series, names: Sequence[Hashable]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """A gold column as (labels, None where missing), which rows are practice items, and the labels not in ``names``.

    The one reading of a gold column, for the student's Labeler and the teacher's Classroom alike.
    """
    values = column.to_numpy(dtype=object, copy=True)
    missing = np.fromiter((is_missing(v) for v in values), dtype=bool, count=len(values))
    values[missing] = None
    known = set(names)
    outside = sorted({str(v) for v in values[~missing] if v not in known})
    return values, missing, outside


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
        import html

        head = html.escape(self.summary())
        return f"<p>{head}</p><p><em>{html.escape(CHANCE_SENTENCE)}</em></p>{self.confusion.to_html()}"

    def summary(self) -> str:
        if not self.scored:
            return f"{self.annotator}: no scored answers yet."
        kappa = "undefined" if np.isnan(self.kappa) else f"{self.kappa:.2f}"
        note = f" ({self.kappa_note})" if self.kappa_note else ""
        extra = []
        if self.practice:
            extra.append(f"{self.practice} practice item{'s' if self.practice != 1 else ''} not scored")
        if self.revised:
            extra.append(f"{self.revised} answer{'s' if self.revised != 1 else ''} changed after feedback")
        tail = f"; {', '.join(extra)}" if extra else ""
        return (
            f"{self.annotator}: {self.correct} of {self.scored} right ({self.accuracy:.0%}, 95% CI "
            f"{self.accuracy_low:.0%}–{self.accuracy_high:.0%}), Cohen's kappa against the gold labels {kappa}{note}"
            f"{tail}."
        )

    def __repr__(self) -> str:
        return f"{self.summary()}\n{self.confusion}"


class AnswerKey:
    """The gold labels of a teaching session, when they may be shown, and the student's running score.

    Updated once per event (constant time): the score comes from a confusion matrix kept up to date, never from a
    pass over the decisions.
    """

    def __init__(self, df: pd.DataFrame, column: Any, labels: LabelSet, feedback: str | None) -> None:
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
        values, missing, outside = read_gold(df[column], names)
        if outside:
            raise InputError(
                f"the gold column {column!r} has labels that are not in the label set {names}: {outside[:20]}"
                f"{' …' if len(outside) > 20 else ''}. Fix the column, or add them to labels=."
            )
        if missing.all():
            raise InputError(
                f"the gold column {column!r} has no labels (every value is missing): there is nothing to give "
                "feedback from. Pass the column of correct labels, or leave out gold= to label without an answer key."
            )
        self.column = column
        self.feedback = feedback
        self.labels = labels
        self.names = names
        self._code = {name: i for i, name in enumerate(names)}
        self.gold = values
        self.practice = missing
        self.n_practice = int(missing.sum())
        k = len(names)
        self._confusion = np.zeros((k, k), dtype=np.int64)  # [gold, answer], scored items only
        # per row: the answers in force (revisions left out), by the one rule of which events are in force
        self._answers = Histories()
        self._revisions: dict[int, set[int]] = {}  # per row: ids of revision events in force

    # ----- what the student may see -----------------------------------------------------------------------
    def gold_at(self, row: int) -> str | None:
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
        self._replace(row, lambda: self._answers.apply(event_id, row, event.action, event.undoes, label))

    def _replace(self, row: int, change: Any) -> None:
        old = self.answer_at(row)
        change()
        new = self.answer_at(row)
        gold = self.gold[row]
        if gold is None or old == new:
            return
        g = self._code[gold]
        if old is not None and old in self._code:
            self._confusion[g, self._code[old]] -= 1
        if new is not None and new in self._code:
            self._confusion[g, self._code[new]] += 1

    # ----- the score --------------------------------------------------------------------------------------
    def _score(self) -> dict[str, Any]:
        """The score's numbers from the confusion matrix kept up to date: constant time for a given label set."""
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

    def report(self, annotator: str) -> StudentReport:
        score = self._score()
        low, high = wilson_interval(score["correct"], score["scored"])
        frame = pd.DataFrame(
            self._confusion.copy(),
            index=pd.Index(self.names, name="gold" if self.column == "gold" else f"gold ({self.column})"),
            columns=pd.Index(self.names, name="your answer"),
        )
        return StudentReport(
            annotator=annotator,
            **score,
            accuracy_low=float(low),
            accuracy_high=float(high),
            practice=self.n_practice,
            revised=self.revised,
            confusion=frame,
        )

    def score_json(self) -> dict[str, Any]:
        """The running score for the widget's header (numbers only: no gold label of any item)."""
        score = self._score()
        return {
            **score,
            "accuracy": score["accuracy"] if score["scored"] else None,
            "kappa": None if np.isnan(score["kappa"]) else score["kappa"],
            "revised": self.revised,
            "practice": self.n_practice,
            "chance": CHANCE_SENTENCE,
        }
