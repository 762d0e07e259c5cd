"""Pairs of a human label and a suggestion: the rows every human-vs-LLM metric compares.

A *pair* is a row with a human label and a suggestion whose decision is not ``skipped``. The human label is the
reference (``y_true``), the suggestion the prediction. ``find_pairs`` encodes them against a fixed label list and
says how many rows were left out, and why, so that every metric rests on the same rows and explains them alike.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from labelwidgets.metrics.checks import (
    check_confidence,
    check_decisions,
    encode,
    object_values,
    optional_column,
    require_columns,
    require_frame,
    set_indicator,
    sorted_labels,
)

if TYPE_CHECKING:
    from labelwidgets.kinds import AnswerKind

#: Decisions taken on a suggestion that was shown: the denominator of the accept rate.
REVIEW_DECISIONS = ("accepted", "corrected", "rejected")


@dataclass(frozen=True)
class Columns:
    """The result columns a metric reads; optional ones are None when absent."""

    label: str
    suggestion: str
    decision: str | None
    confidence: str | None
    visible: str | None


@dataclass(frozen=True)
class Pairs:
    """The comparable rows of one group, encoded against a fixed label list."""

    labels: list[Hashable]
    human: np.ndarray  # int codes into labels
    suggested: np.ndarray
    confidence: np.ndarray | None  # per pair, NaN where missing; None when there is no confidence column
    visible: np.ndarray | None  # per pair, True/False/None
    exclusions: list[str]  # how many rows were left out and why, e.g. "3 skipped"
    kept: np.ndarray  # boolean mask over the input rows: which rows are pairs

    @property
    def n(self) -> int:
        return len(self.human)

    @property
    def correct(self) -> np.ndarray:
        return self.human == self.suggested


def resolve_columns(
    df: pd.DataFrame,
    func: str,
    *,
    label: str,
    suggestion: str,
    decision: str | None,
    confidence: str | None = None,
    suggestion_visible: str | None = None,
) -> Columns:
    """Check that the columns exist (optional ones may be absent under their default names)."""
    require_frame(df, func)
    require_columns(df, func, label=label, suggestion=suggestion)
    return Columns(
        label=label,
        suggestion=suggestion,
        decision=optional_column(df, func, "decision", decision, "decision"),
        confidence=optional_column(df, func, "confidence", confidence, "confidence"),
        visible=optional_column(df, func, "suggestion_visible", suggestion_visible, "suggestion_visible"),
    )


def label_list(df: pd.DataFrame, cols: Columns, labels: list[Hashable] | None) -> list[Hashable]:
    """``labels`` when given, else every label seen on either side, sorted."""
    if labels is not None:
        return labels
    return sorted_labels([*object_values(df[cols.label]), *object_values(df[cols.suggestion])])


def find_pairs(df: pd.DataFrame, cols: Columns, labels: list[Hashable], func: str) -> Pairs:
    """The pairs of ``df``, encoded against ``labels``, with the reasons other rows were left out."""
    human_raw = object_values(df[cols.label])
    suggested_raw = object_values(df[cols.suggestion])
    has_human = np.array([v is not None for v in human_raw], dtype=bool)
    has_suggestion = np.array([v is not None for v in suggested_raw], dtype=bool)
    human = encode(human_raw, labels)
    suggested = encode(suggested_raw, labels)
    keep, exclusions = _kept_rows(df, cols, has_human, has_suggestion, (human < 0) | (suggested < 0), func)
    confidence, visible = _pair_extras(df, cols, keep, func)
    return Pairs(labels, human[keep], suggested[keep], confidence, visible, exclusions, keep)


def _kept_rows(
    df: pd.DataFrame, cols: Columns, has_human: np.ndarray, has_suggestion: np.ndarray, outside: np.ndarray,
    func: str,
) -> tuple[np.ndarray, list[str]]:  # fmt: skip
    """Which rows are pairs, and how many others were left out and why (``outside``: an answer not in labels=)."""
    decisions = np.full(len(df), None, dtype=object)
    if cols.decision is not None:
        decisions = object_values(df[cols.decision])
        check_decisions(decisions, func, cols.decision)
    skipped = decisions == "skipped"
    usable = has_human & has_suggestion & ~skipped
    unknown = usable & outside
    keep = usable & ~unknown

    no_human = ~has_human | skipped
    reasons = {
        "not decided yet": no_human & (decisions == None),  # noqa: E711 (elementwise on an object array)
        "skipped": skipped,
        "rejected without a label": no_human & (decisions == "rejected"),
    }
    if cols.decision is None:
        reasons = {"without a human label": no_human}
    reasons["decided without a human label"] = no_human & ~np.logical_or.reduce(list(reasons.values()))
    reasons["without a valid suggestion"] = has_human & ~skipped & ~has_suggestion
    reasons["with a label or suggestion not in labels="] = unknown
    exclusions = [f"{int(mask.sum())} {reason}" for reason, mask in reasons.items() if mask.any()]
    return keep, exclusions


def _pair_extras(
    df: pd.DataFrame, cols: Columns, keep: np.ndarray, func: str
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The confidence and suggestion_visible of the pairs (None without the column)."""
    confidence = None
    if cols.confidence is not None:
        confidence = check_confidence(object_values(df[cols.confidence]), func, cols.confidence)[keep]
    visible = None
    if cols.visible is not None:
        visible = object_values(df[cols.visible])[keep]
    return confidence, visible


@dataclass(frozen=True)
class SetPairs:
    """The comparable rows of one group with multi-label answers, as indicator matrices over a fixed label list.

    The same rows as ``Pairs`` would keep (a human answer and a suggestion, not skipped); ``[]`` ("none of these")
    is an answer on either side. ``correct`` is an exact match of the two sets.
    """

    labels: list[Hashable]
    truth: np.ndarray  # n × k bool: the human answers
    predicted: np.ndarray  # n × k bool: the suggestions
    confidence: np.ndarray | None  # per pair: the suggestion's (whole set's) confidence, NaN where missing
    visible: np.ndarray | None
    exclusions: list[str]
    kept: np.ndarray

    @property
    def n(self) -> int:
        return int(self.truth.shape[0])

    @property
    def correct(self) -> np.ndarray:
        return (self.truth == self.predicted).all(axis=1)


def scored_labels(
    df: pd.DataFrame, cols: Columns, labels: list[Hashable] | None, kind: AnswerKind, func: str
) -> list[Hashable]:
    """``labels`` when given, else every label in the answers on either side (``kind.names_seen``), sorted."""
    if labels is not None:
        return labels
    seen = [name for column in (cols.label, cols.suggestion) for name in kind.names_seen(df[column], func, column)]
    return sorted_labels(seen)


def label_names_seen(values: pd.Series, func: str, column: str) -> list[Hashable]:
    """The labels in a column of single labels, sorted (``SingleLabel.names_seen``)."""
    return sorted_labels(object_values(values))


def set_names_seen(values: pd.Series, func: str, column: str) -> list[Hashable]:
    """The names in a column of multi-label answers, sorted (``MultiLabel.names_seen``)."""
    return set_indicator(object_values(values), None, func, column)[2]


def find_set_pairs(df: pd.DataFrame, cols: Columns, labels: list[Hashable], func: str) -> SetPairs:
    """The pairs of multi-label answers in ``df`` over ``labels``; a name outside ``labels`` is refused, listed."""
    truth, has_human, _ = set_indicator(object_values(df[cols.label]), labels, func, cols.label)
    predicted, has_suggestion, _ = set_indicator(object_values(df[cols.suggestion]), labels, func, cols.suggestion)
    keep, exclusions = _kept_rows(df, cols, has_human, has_suggestion, np.zeros(len(df), dtype=bool), func)
    confidence, visible = _pair_extras(df, cols, keep, func)
    return SetPairs(labels, truth[keep], predicted[keep], confidence, visible, exclusions, keep)
