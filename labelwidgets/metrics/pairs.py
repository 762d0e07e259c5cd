"""Pairs of a human label and a suggestion: the rows every human-vs-LLM metric compares.

A *pair* is a row with a human label and a suggestion whose decision is not ``skipped``. The human label is the
reference (``y_true``), the suggestion the prediction. ``find_pairs`` encodes them against a fixed label list and
says how many rows were left out, and why, so that every metric rests on the same rows and explains them alike.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

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
    sorted_labels,
)

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
    decisions = np.full(len(df), None, dtype=object)
    if cols.decision is not None:
        decisions = object_values(df[cols.decision])
        check_decisions(decisions, func, cols.decision)
    skipped = decisions == "skipped"
    human = encode(human_raw, labels)
    suggested = encode(suggested_raw, labels)
    usable = has_human & has_suggestion & ~skipped
    unknown = usable & ((human < 0) | (suggested < 0))
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

    confidence = None
    if cols.confidence is not None:
        confidence = check_confidence(object_values(df[cols.confidence]), func, cols.confidence)[keep]
    visible = None
    if cols.visible is not None:
        visible = object_values(df[cols.visible])[keep]
    return Pairs(labels, human[keep], suggested[keep], confidence, visible, exclusions, keep)
