"""What a classroom does differently for each kind of answer, in one place: which metrics score the class, and which
of their numbers the live view draws.

Everything else (reading the store, which answer is scored, sway, progress) sees stored text, the same for every
kind: an answer follows a suggestion, or equals gold, when their texts are equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from labelwidgets.errors import InputError
from labelwidgets.labels import LabelSet
from labelwidgets.metrics.counts import CHANCE_SENTENCE

#: What the numbers of a class that marks spans mean, where a class with labels reads what kappa 0 means.
SET_SENTENCE = (
    "Jaccard is the share of labels two answers have in common among all the labels either gives: 1 is the gold "
    "set exactly, 0 no label of it; it has no chance level. Krippendorff's alpha (MASI) is chance-corrected: 0 is "
    "what answering at random with the class's own mix of sets would score."
)
SPAN_F1_SENTENCE = (
    "Strict span F1 counts a span right only when its start, end and label are a gold span's; partial F1 counts "
    "the same boundaries right and overlapping ones half, whatever the label. Span F1 has no chance level: 0 is no "
    "gold span found, 1 is every gold span found and none added."
)


@dataclass(frozen=True)
class ClassMeasures:
    """Which numbers of a classroom's tables its view draws, and how it names them."""

    per_student: tuple[str, str, str]  # the first panel: `table`'s column, its interval's low and high columns
    per_student_model: str  # the same number against the model's suggestions
    per_student_title: str
    agreement_metric: str  # the row of `agreement` the header states
    agreement_name: str
    #: The columns of `hardest` the view shows beside the item's text and the spread of answers: (column, header).
    #: ``n_wrong`` is shown with ``n_answers`` and ``share_wrong`` ("2 of 3 (67%)").
    hardest_columns: tuple[tuple[str, str], ...]
    hardest_order: str  # what puts an item first
    scale_sentence: str = CHANCE_SENTENCE  # what the numbers mean, under the header
    chance_line: bool = True  # a dashed line at 0 ("chance") on the first panel
    #: The header's line of each student's numbers: `table`'s columns, shown "a / b", and the line's name (none
    #: when the columns are empty: the panels show them).
    header_scores: tuple[str, ...] = ()
    header_scores_name: str = ""


class ClassAnswers(Protocol):
    """A classroom's metrics for one kind of answer (`class_answers_for`). Answers, gold and suggestions come as
    the class's tables show them (`shown`)."""

    measures: ClassMeasures

    def shown(self, stored: pd.Series, labels: LabelSet, *, texts: Sequence[Any] | None = None) -> pd.Series:
        """Stored answers as a classroom's tables show them (labels; lists of labels; spans with their text, from
        ``texts``: the items' texts, row by row); None where missing."""
        ...

    def table(self, answers: pd.DataFrame, gold: pd.Series, labels: LabelSet, **options: Any) -> pd.DataFrame: ...

    def by_label(self, answers: pd.DataFrame, gold: pd.Series, labels: LabelSet, **options: Any) -> pd.DataFrame: ...

    def hardest(self, answers: pd.DataFrame, gold: pd.Series, labels: LabelSet, top: int | None) -> pd.DataFrame: ...

    def agreement(self, answers: pd.DataFrame, labels: LabelSet, **options: Any) -> pd.DataFrame: ...


class LabelClass:
    """One label per item: `labelwidgets.metrics.classroom`'s single-label functions."""

    measures = ClassMeasures(
        per_student=("kappa", "kappa_low", "kappa_high"),
        per_student_model="kappa_model",
        per_student_title="Cohen's kappa per student (0 = chance)",
        agreement_metric="krippendorff_alpha",
        agreement_name="Krippendorff's alpha",
        hardest_columns=(("gold", "gold"), ("n_wrong", "wrong"), ("most_common_wrong", "most common wrong answer")),
        hardest_order="share of students wrong",
    )

    def shown(self, stored: pd.Series, labels: LabelSet, *, texts: Sequence[Any] | None = None) -> pd.Series:
        return stored

    def table(self, answers: pd.DataFrame, gold: pd.Series, labels: LabelSet, **options: Any) -> pd.DataFrame:
        from labelwidgets.metrics.classroom import student_scores

        return student_scores(answers, gold, labels.names, **options)

    def by_label(self, answers: pd.DataFrame, gold: pd.Series, labels: LabelSet, **options: Any) -> pd.DataFrame:
        raise InputError(
            "by_label is for a class that answers with sets of labels (kind='multi'); with one label per item, "
            "table has each student's accuracy and kappa, and hardest the spread of answers per label."
        )

    def hardest(self, answers: pd.DataFrame, gold: pd.Series, labels: LabelSet, top: int | None) -> pd.DataFrame:
        from labelwidgets.metrics.classroom import hardest

        return hardest(answers, gold, labels.names, top=top)

    def agreement(self, answers: pd.DataFrame, labels: LabelSet, **options: Any) -> pd.DataFrame:
        from labelwidgets.metrics.classroom import class_agreement

        return class_agreement(answers, labels.names, **options)


class SetClass:
    """A set of labels per item: each student's Jaccard and per-label kappa against gold, the class's alpha with
    MASI, the hardest items by mean Jaccard (`labelwidgets.metrics.classroom`'s set functions)."""

    measures = ClassMeasures(
        per_student=("jaccard", "jaccard_low", "jaccard_high"),
        per_student_model="jaccard_model",
        per_student_title="Mean Jaccard per student",
        agreement_metric="krippendorff_alpha_masi",
        agreement_name="Krippendorff's alpha (MASI)",
        hardest_columns=(
            ("gold", "gold"),
            ("mean_jaccard", "mean Jaccard"),
            ("n_wrong", "not exactly right"),
            ("most_missed", "most missed"),
            ("most_extra", "most often added"),
        ),
        hardest_order="lowest mean Jaccard first",
        # Mean Jaccard has no chance level (0 is no label shared with gold); alpha, in the header, is chance-corrected.
        scale_sentence=SET_SENTENCE,
        chance_line=False,
    )

    def shown(self, stored: pd.Series, labels: LabelSet, *, texts: Sequence[Any] | None = None) -> pd.Series:
        return _cells(stored, labels, texts)

    def table(self, answers: pd.DataFrame, gold: pd.Series, labels: LabelSet, **options: Any) -> pd.DataFrame:
        from labelwidgets.metrics.classroom import student_set_scores

        return student_set_scores(answers, gold, labels.names, **options)

    def by_label(self, answers: pd.DataFrame, gold: pd.Series, labels: LabelSet, **options: Any) -> pd.DataFrame:
        from labelwidgets.metrics.classroom import student_label_scores

        return student_label_scores(answers, gold, labels.names, **options)

    def hardest(self, answers: pd.DataFrame, gold: pd.Series, labels: LabelSet, top: int | None) -> pd.DataFrame:
        from labelwidgets.metrics.classroom import hardest_sets

        return hardest_sets(answers, gold, labels.names, top=top)

    def agreement(self, answers: pd.DataFrame, labels: LabelSet, **options: Any) -> pd.DataFrame:
        from labelwidgets.metrics.classroom import class_set_agreement

        return class_set_agreement(answers, labels.names, **options)


class SpanClass:
    """Spans of the item's text: each student's strict span F1 against the gold spans (and per label), the class's
    mean pairwise span F1, the hardest items by mean strict F1 (`labelwidgets.metrics.classroom_spans`)."""

    measures = ClassMeasures(
        per_student=("f1", "f1_low", "f1_high"),
        per_student_model="f1_model",
        per_student_title="Strict span F1 per student",
        agreement_metric="mean_strict_f1",
        agreement_name="mean pairwise strict span F1",
        hardest_columns=(
            ("gold_described", "gold"),
            ("mean_f1", "mean strict F1"),
            ("n_wrong", "not exactly right"),
            ("most_missed", "most missed"),
            ("most_extra", "most often added"),
        ),
        hardest_order="lowest mean strict span F1 first",
        scale_sentence=SPAN_F1_SENTENCE,
        chance_line=False,  # F1 of spans over a text has no chance level
        header_scores=("f1", "partial_f1"),
        header_scores_name="Span F1 against gold (strict / partial)",
    )

    def shown(self, stored: pd.Series, labels: LabelSet, *, texts: Sequence[Any] | None = None) -> pd.Series:
        return _cells(stored, labels, texts)

    def table(self, answers: pd.DataFrame, gold: pd.Series, labels: LabelSet, **options: Any) -> pd.DataFrame:
        from labelwidgets.metrics.classroom_spans import student_span_scores

        return student_span_scores(answers, gold, labels.names, **options)

    def by_label(self, answers: pd.DataFrame, gold: pd.Series, labels: LabelSet, **options: Any) -> pd.DataFrame:
        from labelwidgets.metrics.classroom_spans import student_span_label_scores

        return student_span_label_scores(answers, gold, labels.names, **options)

    def hardest(self, answers: pd.DataFrame, gold: pd.Series, labels: LabelSet, top: int | None) -> pd.DataFrame:
        from labelwidgets.metrics.classroom_spans import hardest_spans

        return hardest_spans(answers, gold, labels.names, top=top)

    def agreement(self, answers: pd.DataFrame, labels: LabelSet, **options: Any) -> pd.DataFrame:
        from labelwidgets.metrics.classroom_spans import class_span_agreement

        return class_span_agreement(answers, labels.names, **options)


def _cells(stored: pd.Series, labels: LabelSet, texts: Sequence[Any] | None) -> pd.Series:
    """Stored answers as the kind's cells (lists), None where missing."""
    answers = np.array([v if isinstance(v, str) else pd.NA for v in stored], dtype=object)
    shown = pd.Series(labels.kind.cells(answers, labels, texts=texts), index=stored.index, dtype=object)
    return shown.where(shown.notna(), None)


_BY_KIND: dict[str, ClassAnswers] = {"single": LabelClass(), "multi": SetClass(), "spans": SpanClass()}


def class_answers_for(labels: LabelSet) -> ClassAnswers:
    """The classroom's metrics for ``labels``' kind of answer: the one place a classroom tells the kinds apart."""
    return _BY_KIND[labels.kind.name]
