"""When to stop labeling: the stabilizing-predictions signal (Bloodgood & Vijay-Shanker, CoNLL 2009).

Hold aside a stop set of items nobody labels for it; after each batch of new labels, the learner predicts every item
of the stop set, and Cohen's kappa between these predictions and the previous batch's says how much the new labels
changed what it predicts. When the mean of the last ``window`` kappas is at least ``threshold`` (the paper's 0.99
and 3), more labels no longer change the learner's predictions: "you could stop here". It says nothing of whether
those predictions are right; it says that labeling more of the same way will not change them.

The same rule as small-text's ``KappaAverage`` (1.4.1): identical predictions agree with kappa 1 (where the formula
is 0/0, one label throughout), and the first comparison waits for a second set of predictions. The tests hold it to
``KappaAverage`` on the same predictions.

A learner that retrains after every label changes little between two retrains, so comparing every retrain would say
"stable" almost at once; the predictions are compared once per ``every`` new labels, as the paper's batches are.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from labelwidgets.errors import InputError
from labelwidgets.metrics.counts import kappa_from_counts

__all__ = ["EVERY", "STOP_SET", "THRESHOLD", "WINDOW", "StabilizingPredictions", "StoppingSignal"]

THRESHOLD = 0.99  # Bloodgood & Vijay-Shanker's kappa, and small-text's default
WINDOW = 3  # successive comparisons averaged, the paper's and small-text's default
EVERY = 10  # new labels between two sets of predictions compared: a batch
STOP_SET = 1000  # items held aside, at most (fewer when the DataFrame has fewer unlabeled ones)


@dataclass(frozen=True)
class StoppingSignal:
    """The signal at one moment: the kappa of each comparison so far (oldest first), the rule, and the verdict."""

    kappas: tuple[float, ...]
    threshold: float
    window: int
    every: int
    stop_set: int  # items predicted each time
    labels: int | None  # labels the last predictions were made from

    @property
    def mean(self) -> float | None:
        """The mean kappa over the last ``window`` comparisons; None before there are ``window`` of them."""
        if len(self.kappas) < self.window:
            return None
        return float(np.mean(self.kappas[-self.window :]))

    @property
    def stop(self) -> bool:
        """True when the mean kappa over the window is at least the threshold: "you could stop here"."""
        mean = self.mean
        return mean is not None and mean >= self.threshold

    @property
    def sentence(self) -> str:
        """One line: "predictions stable (κ 0.995 ≥ 0.99 over the last 3 batches of 10 labels): you could stop here"."""
        rule = f"κ ≥ {self.threshold:g} over {self.window} batches of {self.every} labels"
        if self.stop_set == 0:
            return "stopping signal: no unlabeled items to hold aside as a stop set"
        mean = self.mean
        if mean is None:
            done = len(self.kappas)
            return f"stopping signal: {done} of {self.window} comparisons of the stop set so far ({rule})"
        if mean >= self.threshold:
            return (
                f"predictions stable: κ {mean:.3f} ≥ {self.threshold:g} over the last {self.window} batches of "
                f"{self.every} labels on {self.stop_set} held-aside items: you could stop here"
            )
        return f"predictions still changing: κ {mean:.3f} < {self.threshold:g} over the last {self.window} batches"

    def scores(self) -> dict[str, Any]:
        return {
            "stop": self.stop,
            "kappa_mean": self.mean,
            "kappas": list(self.kappas),
            "threshold": self.threshold,
            "window": self.window,
            "every": self.every,
            "stop_set": self.stop_set,
            "labels": self.labels,
        }


class StabilizingPredictions:
    """The rule, fed one set of stop-set predictions at a time (`update`); `signal` is where it stands.

    >>> rule = StabilizingPredictions(threshold=0.99, window=3, every=10)
    >>> rule.update(["ham", "spam", ...], labels=20).sentence
    """

    def __init__(
        self, *, threshold: float = THRESHOLD, window: int = WINDOW, every: int = EVERY, stop_set: int = STOP_SET
    ) -> None:
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not -1 <= threshold <= 1:
            raise InputError(f"threshold={threshold!r}: a Cohen's kappa, between -1 and 1 (the paper's 0.99).")
        for name, value in (("window", window), ("every", every), ("stop_set", stop_set)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InputError(f"{name}={value!r} must be a whole number of at least 1.")
        self.threshold = float(threshold)
        self.window = window
        self.every = every
        self.stop_set = stop_set
        self._previous: np.ndarray | None = None
        self._kappas: list[float] = []
        self._labels: int | None = None
        self._size = 0

    def due(self, labels: int) -> bool:
        """Whether predictions made from ``labels`` labels are the next to compare: the first, or ``every`` more."""
        return self._labels is None or labels - self._labels >= self.every

    def update(self, predictions: Sequence[Hashable], *, labels: int | None = None) -> StoppingSignal:
        """Compare ``predictions`` (one answer per stop-set item, the same items each time, in the same order) with
        the previous ones."""
        current = np.asarray(list(predictions), dtype=object)
        if self._previous is not None:
            if len(current) != len(self._previous):
                raise InputError(
                    f"{len(current)} predictions, {len(self._previous)} before: the stop set must stay the same items."
                )
            self._kappas.append(agreement(self._previous, current))
        self._previous = current
        self._labels = labels
        self._size = len(current)
        return self.signal

    @property
    def signal(self) -> StoppingSignal:
        return StoppingSignal(
            kappas=tuple(self._kappas),
            threshold=self.threshold,
            window=self.window,
            every=self.every,
            stop_set=self._size if self._previous is not None else self.stop_set,
            labels=self._labels,
        )

    def __repr__(self) -> str:
        return (
            f"StabilizingPredictions(threshold={self.threshold:g}, window={self.window}, every={self.every}, "
            f"stop_set={self.stop_set})"
        )


def agreement(before: np.ndarray, after: np.ndarray) -> float:
    """Cohen's kappa between two sets of predictions of the same items; 1 when they are identical (kappa is 0/0
    when both give one label throughout), as small-text's ``KappaAverage`` has it."""
    if np.array_equal(before, after):
        return 1.0
    codes, _ = _codes(np.concatenate([before, after]))
    first, second = codes[: len(before)], codes[len(before) :]
    n_labels = int(codes.max()) + 1
    agree = int((first == second).sum())
    kappa = kappa_from_counts(agree, np.bincount(first, minlength=n_labels), np.bincount(second, minlength=n_labels))
    return float(kappa)


def _codes(values: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    import pandas as pd

    codes, uniques = pd.factorize(values, use_na_sentinel=False)  # no answer is one more category
    return codes, list(uniques)
