"""``RunningAgreement``: human-vs-LLM agreement kept up to date one decision at a time, for the live Dashboard.

``RunningAgreement.from_pairs`` reaches the same state for many decisions at once, vectorised, so a dashboard opened
on a session with hundreds of thousands of decisions does not add them one by one.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from labelwidgets.errors import InputError
from labelwidgets.metrics.calibration import ece, reliability_table
from labelwidgets.metrics.checks import check_bins, check_labels, encode, object_values
from labelwidgets.metrics.counts import NO_PAIRS, kappa_from_counts, kappa_note
from labelwidgets.missing import is_missing


class RunningAgreement:
    """Human-vs-LLM agreement kept up to date one decision at a time, for the live dashboard.

    ``update`` adds a decision and ``remove`` takes it back (undo); both cost O(1): they move running confusion
    counts and calibration sums, never rescanning. The properties compute through ``metrics.counts`` and
    ``metrics.calibration`` from those counts (O(number of labels)), so they read the same numbers and notes as
    ``lw.agreement`` on the same pairs. ``from_pairs`` adds many decisions at once.
    """

    def __init__(self, labels: Iterable[Hashable] | None = None, *, n_bins: int = 10):
        check_bins(n_bins)
        checked = check_labels(labels)
        self._fixed_labels = checked is not None
        self._labels: list[Hashable] = list(checked or [])
        self._n_bins = n_bins
        self._cells: dict[tuple[Hashable, Hashable], int] = {}
        self._true: dict[Hashable, int] = {}  # human label counts
        self._pred: dict[Hashable, int] = {}  # suggestion counts
        self._n = 0
        self._agree = 0
        self._reviewed = 0
        self._accepted = 0
        self._bin_counts = np.zeros(n_bins, dtype=np.int64)
        self._bin_confidence = np.zeros(n_bins)
        self._bin_correct = np.zeros(n_bins, dtype=np.int64)

    @classmethod
    def from_pairs(
        cls,
        human_labels: Iterable[Any],
        suggestions: Iterable[Any],
        confidences: Iterable[Any] | None = None,
        accepted: Iterable[Any] | None = None,
        *,
        labels: Iterable[Hashable] | None = None,
        n_bins: int = 10,
    ) -> RunningAgreement:
        """The state that ``update`` reaches after adding each decision in turn, in one vectorised pass.

        One entry per decision, as ``update`` takes them: ``human_labels`` and ``suggestions`` (missing where there
        is none), ``confidences`` (None: no confidences), ``accepted`` (True/False for reviewed decisions, missing
        for the others; None: none reviewed). The same checks and errors as ``update``, and the same numbers: the
        calibration sums are added in the given order, as one ``update`` after another would.
        """
        running = cls(labels, n_bins=n_bins)
        human = _values(human_labels)
        suggested = _values(suggestions)
        n = len(human)
        confidence = _values(confidences) if confidences is not None else np.full(n, None, dtype=object)
        reviewed_as = _values(accepted) if accepted is not None else np.full(n, None, dtype=object)
        if not len(suggested) == len(confidence) == len(reviewed_as) == n:
            raise InputError(
                f"from_pairs() needs one entry per decision in each argument; got {n} human labels, "
                f"{len(suggested)} suggestions, {len(confidence)} confidences and {len(reviewed_as)} accepted."
            )
        reviewed = reviewed_as != None  # noqa: E711 (elementwise on an object array)
        running._reviewed = int(reviewed.sum())
        running._accepted = int(reviewed_as[reviewed].astype(bool).sum())
        is_pair = (human != None) & (suggested != None)  # noqa: E711
        human, suggested, confidence = human[is_pair], suggested[is_pair], confidence[is_pair]
        if running._fixed_labels:
            for values in (human, suggested):
                unknown = encode(values, running._labels) < 0
                if unknown.any():
                    running._check_label(values[unknown][0])
        else:
            # the order `update` would first see them in: each pair's human label, then its suggestion
            running._labels = list(pd.unique(np.column_stack([human, suggested]).ravel()))
        k = len(running._labels)
        human_codes, suggested_codes = encode(human, running._labels), encode(suggested, running._labels)
        scores = _confidences(confidence)
        true_counts = np.bincount(human_codes, minlength=k)
        pred_counts = np.bincount(suggested_codes, minlength=k)
        cells = np.bincount(human_codes * k + suggested_codes, minlength=k * k).reshape(k, k)
        running._true = {label: int(c) for label, c in zip(running._labels, true_counts, strict=True) if c}
        running._pred = {label: int(c) for label, c in zip(running._labels, pred_counts, strict=True) if c}
        names = running._labels
        running._cells = {(names[i], names[j]): int(cells[i, j]) for i, j in np.argwhere(cells)}
        agree = human_codes == suggested_codes
        running._n = int(is_pair.sum())
        running._agree = int(agree.sum())
        scored = ~np.isnan(scores)
        if scored.any():
            # the bins of lw.calibration: [b/n_bins, (b+1)/n_bins), 1.0 in the last
            bins = np.minimum(np.floor(scores[scored] * n_bins).astype(np.int64), n_bins - 1)
            running._bin_counts = np.bincount(bins, minlength=n_bins).astype(np.int64)
            running._bin_confidence = np.bincount(bins, weights=scores[scored], minlength=n_bins).astype(float)
            running._bin_correct = np.bincount(bins, weights=agree[scored], minlength=n_bins).astype(np.int64)
        return running

    def _check_label(self, value: Hashable) -> None:
        if self._fixed_labels and value not in self._labels:
            raise InputError(f"{value!r} is not one of the labels {self._labels}.")

    def _move(self, human_label: Any, suggestion: Any, confidence: Any, accepted: Any, step: int) -> None:
        if accepted is not None:
            self._reviewed += step
            self._accepted += step * bool(accepted)
        if is_missing(human_label) or is_missing(suggestion):
            return
        self._check_label(human_label)
        self._check_label(suggestion)
        confidence_value = None
        if not is_missing(confidence):
            confidence_value = float(confidence)
            if not 0 <= confidence_value <= 1:
                raise InputError(f"confidence must lie in [0, 1], got {confidence!r}.")
        self._true[human_label] = self._true.get(human_label, 0) + step
        self._pred[suggestion] = self._pred.get(suggestion, 0) + step
        cell = (human_label, suggestion)
        self._cells[cell] = self._cells.get(cell, 0) + step
        agree = human_label == suggestion
        self._n += step
        self._agree += step * agree
        for value in (human_label, suggestion):
            if value not in self._labels:
                self._labels.append(value)
        if confidence_value is not None:
            # the bins of lw.calibration: [b/n_bins, (b+1)/n_bins), 1.0 in the last
            b = min(math.floor(confidence_value * self._n_bins), self._n_bins - 1)
            self._bin_counts[b] += step
            self._bin_confidence[b] += step * confidence_value
            self._bin_correct[b] += step * agree

    def update(self, human_label: Any, suggestion: Any, confidence: float | None = None,
               accepted: bool | None = None) -> None:  # fmt: skip
        """Add one decision: the final human label (None if none), the suggestion (None if none), its confidence,
        and whether the suggestion was accepted (None when it was not reviewed: labeled or skipped)."""
        self._move(human_label, suggestion, confidence, accepted, +1)

    def remove(self, human_label: Any, suggestion: Any, confidence: float | None = None,
               accepted: bool | None = None) -> None:  # fmt: skip
        """Take back a decision added earlier with the same arguments (undo)."""
        if not (is_missing(human_label) or is_missing(suggestion)):
            if self._cells.get((human_label, suggestion), 0) < 1:
                raise InputError(f"cannot remove ({human_label!r}, {suggestion!r}): no such decision was added.")
        if accepted is not None and (self._accepted if accepted else self._reviewed - self._accepted) < 1:
            raise InputError(f"cannot remove a decision with accepted={accepted!r}: none was added.")
        self._move(human_label, suggestion, confidence, accepted, -1)

    @property
    def labels(self) -> list[Hashable]:
        """The label set: ``labels`` as given, else the labels in the order first seen."""
        return list(self._labels)

    @property
    def n(self) -> int:
        """Pairs of a human label and a suggestion."""
        return self._n

    @property
    def agree(self) -> int:
        """Pairs where the suggestion equals the human label."""
        return self._agree

    @property
    def accuracy(self) -> float:
        """Share of pairs where the suggestion equals the human label; NaN with no pairs."""
        return self._agree / self._n if self._n else math.nan

    @property
    def accept_rate(self) -> float:
        """Share of accepted among reviewed decisions (``accepted`` given as True or False); NaN with none."""
        return self._accepted / self._reviewed if self._reviewed else math.nan

    @property
    def n_reviewed(self) -> int:
        """Decisions given with ``accepted`` True or False: accepted, corrected or rejected."""
        return self._reviewed

    def _label_counts(self) -> tuple[np.ndarray, np.ndarray]:
        true = np.array([self._true.get(x, 0) for x in self._labels], dtype=np.int64)
        pred = np.array([self._pred.get(x, 0) for x in self._labels], dtype=np.int64)
        return true, pred

    @property
    def kappa(self) -> float:
        """Cohen's kappa of the pairs (``metrics.counts``); NaN only when undefined, see ``notes``."""
        true, pred = self._label_counts()
        return float(kappa_from_counts(self._agree, true, pred))

    @property
    def ece(self) -> float:
        """Expected calibration error over the pairs with a confidence; NaN with none."""
        return float(ece(self._bin_confidence, self._bin_correct, self._bin_counts.sum()))

    @property
    def reliability(self) -> pd.DataFrame:
        """The reliability table of the pairs with a confidence, as ``lw.calibration`` gives it."""
        return reliability_table(self._bin_counts, self._bin_confidence, self._bin_correct)

    @property
    def confusion(self) -> pd.DataFrame:
        """Confusion counts, rows human labels and columns suggestions, in ``labels`` order (else first seen)."""
        index = {x: i for i, x in enumerate(self._labels)}
        counts = np.zeros((len(self._labels), len(self._labels)), dtype=np.int64)
        for (a, b), c in self._cells.items():
            counts[index[a], index[b]] = c
        return pd.DataFrame(
            counts,
            index=pd.Index(self._labels, name="human", dtype=object),
            columns=pd.Index(self._labels, name="suggestion", dtype=object),
        )

    @property
    def notes(self) -> dict[str, str]:
        """Why a metric is NaN, or what to keep in mind about its value, by metric name (the words of
        ``lw.agreement``)."""
        notes = {}
        if not self._n:
            notes["accuracy"] = NO_PAIRS
        true, pred = self._label_counts()
        why = kappa_note(true, pred, self._labels)
        if why:
            notes["kappa"] = why
        if not self._reviewed:
            notes["accept_rate"] = "no accepted, corrected or rejected decisions"
        if not self._bin_counts.sum():
            notes["ece"] = "no pair has a confidence"
        return notes


def _values(values: Iterable[Any]) -> np.ndarray:
    """An object array with every kind of missing value as None."""
    if isinstance(values, pd.Series):
        series = values
    else:
        series = pd.Series(values if isinstance(values, np.ndarray) else list(values), dtype=object)
    return object_values(series)


def _confidences(values: np.ndarray) -> np.ndarray:
    """Confidences of pairs as floats, NaN where missing; the error ``update`` gives for one outside [0, 1]."""
    try:
        scores = np.where(values == None, np.nan, values).astype(float)  # noqa: E711 (elementwise)
    except (TypeError, ValueError):
        raise InputError("confidences must be numbers in [0, 1] or missing.") from None
    outside = ~np.isnan(scores) & ~((scores >= 0) & (scores <= 1))
    if outside.any():
        raise InputError(f"confidence must lie in [0, 1], got {values[outside][0]!r}.")
    return scores
