"""Is agreement or the label mix changing as the session goes on?

``agreement_over_time`` follows human-vs-LLM agreement in decision order, with a Page-Hinkley change detector on
the agree/disagree stream; ``label_drift`` compares the recent label mix with a baseline (Jensen-Shannon distance
and population stability index). Pure functions, no widgets, no SciPy (the first paint of a Dashboard uses them).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd

from labelwidgets.errors import InputError, public
from labelwidgets.frames import Frame, takes_frames
from labelwidgets.metrics.checks import (
    answer_kind,
    check_labels,
    object_values,
    optional_column,
    require_columns,
    require_frame,
    set_indicator,
    sorted_labels,
)
from labelwidgets.metrics.counts import check_ci, kappa_from_counts, kappa_normal_interval, wilson_interval
from labelwidgets.metrics.multilabel import MultilabelCounts, label_kappa_from_counts, pair_scores, scores_from_counts
from labelwidgets.metrics.pairs import (
    REVIEW_DECISIONS,
    Columns,
    find_pairs,
    find_set_pairs,
    resolve_columns,
    set_names_seen,
)

#: Added to an empty share before PSI takes its logarithm; the PSI of a label absent on one side depends on it.
PSI_EPSILON = 1e-4
PSI_MODERATE = 0.1
PSI_LARGE = 0.25


# ---------------------------------------------------------------------------------------------------------------
# change detection


class PageHinkley:
    """Page-Hinkley test for a shift in the mean of a stream (Page 1954, as used for drift by Gama et al. 2014).

    Against the running mean x̄ₜ since the last alarm, it keeps two cumulative sums::

        up_t   = Σ (x − x̄ₜ − delta)   alarm on a rise  when up_t − min(up)     > threshold
        down_t = Σ (x − x̄ₜ + delta)   alarm on a drop  when max(down) − down_t > threshold

    ``delta`` is the shift per item that is tolerated as noise, ``threshold`` the evidence needed for an alarm,
    ``min_samples`` the items seen since the last alarm before a new one may fire. After an alarm the test starts
    over, so it can find the next change. ``direction`` is ``"down"``, ``"up"`` or ``"both"``.

    The defaults suit a 0/1 agree stream: on simulated streams a drop from 90% to 50% agreement is found after a
    median of about 25 items, and a stationary 90% stream raises well under one false alarm per 1,000 items
    (tests/test_drift.py checks both).
    """

    def __init__(
        self,
        delta: float = 0.05,
        threshold: float = 10.0,
        min_samples: int = 20,
        direction: Literal["down", "up", "both"] = "both",
    ):
        if not delta >= 0:
            raise InputError(f"delta must be >= 0, got {delta!r}.")
        if not threshold > 0:
            raise InputError(f"threshold must be > 0, got {threshold!r}.")
        if min_samples < 1:
            raise InputError(f"min_samples must be >= 1, got {min_samples!r}.")
        if direction not in ("down", "up", "both"):
            raise InputError(f"direction must be 'down', 'up' or 'both', got {direction!r}.")
        self.delta = float(delta)
        self.threshold = float(threshold)
        self.min_samples = int(min_samples)
        self.direction = direction
        self.reset()

    def reset(self) -> None:
        """Forget everything seen so far."""
        self.n = 0
        self.mean = 0.0
        self._up = self._up_min = 0.0
        self._down = self._down_max = 0.0

    @property
    def statistic(self) -> float:
        """The larger of the two test statistics now; an alarm fires when it exceeds ``threshold``."""
        up = self._up - self._up_min if self.direction != "down" else 0.0
        down = self._down_max - self._down if self.direction != "up" else 0.0
        return max(up, down)

    def update(self, x: float) -> bool:
        """Add one value; True when it completes evidence of a change (the test then starts over)."""
        x = float(x)
        if not math.isfinite(x):
            raise InputError(f"PageHinkley.update() needs a finite number, got {x!r}.")
        self.n += 1
        self.mean += (x - self.mean) / self.n
        self._up += x - self.mean - self.delta
        self._up_min = min(self._up_min, self._up)
        self._down += x - self.mean + self.delta
        self._down_max = max(self._down_max, self._down)
        if self.n >= self.min_samples and self.statistic > self.threshold:
            self.reset()
            return True
        return False

    def detect(self, stream: Iterable[float]) -> np.ndarray:
        """Run a fresh test over ``stream``; a boolean array, True where a change was detected.

        The same steps as ``update`` on each value in turn, in one loop over local names (a Dashboard runs it over
        200,000 decisions: 0.2 s instead of 1 s), leaving the test in the same state."""
        self.reset()
        values = np.asarray(stream if isinstance(stream, np.ndarray) else list(stream), dtype=float)
        if not np.isfinite(values).all():  # update says which value, after the ones before it
            return np.array([self.update(x) for x in values], dtype=bool)
        delta, threshold, min_samples = self.delta, self.threshold, self.min_samples
        up_counts, down_counts = self.direction != "down", self.direction != "up"
        n, mean, up, up_min, down, down_max = 0, 0.0, 0.0, 0.0, 0.0, 0.0
        alarms = np.zeros(len(values), dtype=bool)
        for i, x in enumerate(values.tolist()):
            n += 1
            mean += (x - mean) / n
            up += x - mean - delta
            up_min = min(up_min, up)
            down += x - mean + delta
            down_max = max(down_max, down)
            if (
                n >= min_samples
                and max(up - up_min if up_counts else 0.0, down_max - down if down_counts else 0.0) > threshold
            ):
                alarms[i] = True
                n, mean, up, up_min, down, down_max = 0, 0.0, 0.0, 0.0, 0.0, 0.0
        self.n, self.mean, self._up, self._up_min, self._down, self._down_max = n, mean, up, up_min, down, down_max
        return alarms


# ---------------------------------------------------------------------------------------------------------------
# agreement over time


def _rolling_sums(events: np.ndarray, counts_so_far: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """For each output row: (sum of ``events`` over the last ``window`` events so far, number of those events).

    ``events`` holds one value per event (axis 0, any trailing shape), ``counts_so_far[i]`` how many events
    happened up to and including output row i.
    """
    cumulative = np.concatenate([np.zeros((1, *events.shape[1:]), events.dtype), np.cumsum(events, axis=0)])
    start = np.maximum(counts_so_far - window, 0)
    return cumulative[counts_so_far] - cumulative[start], counts_so_far - start


@public
@takes_frames("df")
def agreement_over_time(
    df: Frame,
    *,
    window: int = 50,
    min_periods: int = 10,
    label: str = "label",
    suggestion: str = "suggestion",
    decision: str | None = "decision",
    decided_at: str = "decided_at",
    ci: float = 0.95,
    detector: PageHinkley | None = None,
) -> pd.DataFrame:
    """Rolling human-vs-LLM agreement in decision order, with change points.

    One row per decided row (``decided_at`` set), sorted by ``decided_at``, indexed like ``df`` so the result
    joins back onto it. Columns:

    * ``decided_at``, ``decision``; ``agree``: 1.0 when the suggestion equals the final label, 0.0 when not,
      NaN when the row is not a pair (no label, no suggestion, or skipped).
    * ``n_compared``: pairs in the window (the last ``window`` pairs up to this row); ``accuracy`` with a Wilson
      interval ``accuracy_low``/``accuracy_high``; ``kappa`` (Cohen's) with ``kappa_low``/``kappa_high`` from
      Cohen's (1960) large-sample standard error, √(pₒ(1−pₒ)/n)/(1−pₑ), an approximation that is rough for small
      windows. NaN while the window holds fewer than ``min_periods`` pairs, and kappa NaN when people and the
      suggester all gave the same single label in the window (kappa 0 when only the suggester did).
    * ``n_reviewed``, ``accept_rate`` (+ Wilson ``accept_rate_low``/``_high``): over the last ``window``
      accepted/corrected/rejected decisions.
    * ``change``: True where ``detector`` (default ``PageHinkley()``) finds a change in the agree stream.

    Multi-label answers (lists of names) get, in place of accuracy and kappa: ``agree`` 1.0 for the same set;
    ``subset_accuracy`` (+ Wilson ``_low``/``_high``), ``jaccard``, ``micro_f1`` and ``macro_f1`` of the window;
    and per label ``x`` the window's ``kappa[x]`` (present/absent), ``prevalence[x]`` (share of the human answers
    holding x) and ``suggested_prevalence[x]`` (share of the suggestions holding x). ``change`` watches each pair's
    Jaccard, which moves before exact matches do.

    Spans (lists of spans) get: ``agree`` 1.0 for the same spans; ``exact_match`` (+ Wilson ``_low``/``_high``),
    ``strict_precision``, ``strict_recall``, ``strict_f1`` and ``partial_f1`` of the window's pairs (`span_scores`
    of the last ``window`` items, NaN where ``lw.agreement`` says why); per label ``x`` the window's ``strict_f1[x]``,
    ``prevalence[x]`` (share of the human answers with a span labeled x) and ``suggested_prevalence[x]``. ``change``
    watches each pair's strict F1 (1 when neither side marked a span).
    """
    func = "agreement_over_time"
    require_frame(df, func)
    cols = resolve_columns(df, func, label=label, suggestion=suggestion, decision=decision)
    require_columns(df, func, decided_at=decided_at)
    check_ci(ci)
    if window < 1 or min_periods < 1:
        raise InputError(f"window and min_periods must be >= 1, got window={window!r}, min_periods={min_periods!r}.")
    min_periods = min(min_periods, window)
    detector = detector if detector is not None else PageHinkley()

    kind = answer_kind(df, func, cols.label, cols.suggestion)
    decided = df[df[decided_at].notna()].sort_values(decided_at, kind="stable")
    over_time = kind.over_time(decided, cols, window=window, min_periods=min_periods, ci=ci, func=func)
    is_pair = over_time.kept  # the rows agreement() compares
    decisions = object_values(decided[cols.decision]) if cols.decision else np.full(len(decided), None, object)

    reviewed_events = np.array([d in REVIEW_DECISIONS for d in decisions], dtype=bool)
    accepted_events = (decisions[reviewed_events] == "accepted").astype(float)
    accepted_in_window, n_reviewed = _rolling_sums(accepted_events, np.cumsum(reviewed_events), window)
    enough_reviewed = n_reviewed >= min_periods
    with np.errstate(divide="ignore", invalid="ignore"):
        accept_rate = np.where(enough_reviewed, accepted_in_window / n_reviewed, np.nan)
    accept_low, accept_high = wilson_interval(accepted_in_window, n_reviewed, ci)

    agree = np.full(len(decided), np.nan)
    agree[is_pair] = over_time.agree
    change = np.zeros(len(decided), dtype=bool)
    change[is_pair] = detector.detect(over_time.watched)

    result = pd.DataFrame(
        {
            "decision": decisions,
            "agree": agree,
            **over_time.columns,
            "n_reviewed": n_reviewed.astype(np.int64),
            "accept_rate": accept_rate,
            "accept_rate_low": np.where(enough_reviewed, accept_low, np.nan),
            "accept_rate_high": np.where(enough_reviewed, accept_high, np.nan),
            "change": change,
        },
        index=decided.index,
    )
    result.insert(0, "decided_at", decided[decided_at])
    return result


class OverTime(NamedTuple):
    """One kind's part of ``agreement_over_time`` (``AnswerKind.over_time``)."""

    kept: np.ndarray  # per decided row: whether it is a pair
    agree: np.ndarray  # per pair: 1.0 when the two answers are the same answer
    watched: np.ndarray  # per pair: the stream the change detector watches
    columns: dict[str, np.ndarray]  # per decided row, from n_compared on


def label_over_time(
    decided: pd.DataFrame, cols: Columns, *, window: int, min_periods: int, ci: float, func: str
) -> OverTime:
    """Rolling accuracy and kappa of single-label pairs (``SingleLabel.over_time``); ``decided`` in decision order."""
    labels = sorted_labels([*object_values(decided[cols.label]), *object_values(decided[cols.suggestion])])
    pairs = find_pairs(decided, cols, labels, func)
    pairs_so_far = np.cumsum(pairs.kept)
    k = len(pairs.labels)
    agree_events = (pairs.human == pairs.suggested).astype(float)
    agree_in_window, n_compared = _rolling_sums(agree_events, pairs_so_far, window)
    human_in_window, _ = _rolling_sums(np.eye(k, dtype=np.int64)[pairs.human], pairs_so_far, window)
    suggested_in_window, _ = _rolling_sums(np.eye(k, dtype=np.int64)[pairs.suggested], pairs_so_far, window)

    enough = n_compared >= min_periods
    with np.errstate(divide="ignore", invalid="ignore"):
        accuracy = np.where(enough, agree_in_window / n_compared, np.nan)
    accuracy_low, accuracy_high = wilson_interval(agree_in_window, n_compared, ci)
    kappa = np.where(enough, kappa_from_counts(agree_in_window, human_in_window, suggested_in_window), np.nan)
    kappa_low, kappa_high = kappa_normal_interval(kappa, agree_in_window, human_in_window, suggested_in_window, ci)
    columns = {
        "n_compared": n_compared.astype(np.int64),
        "accuracy": accuracy,
        "accuracy_low": np.where(enough, accuracy_low, np.nan),
        "accuracy_high": np.where(enough, accuracy_high, np.nan),
        "kappa": kappa,
        "kappa_low": kappa_low,
        "kappa_high": kappa_high,
    }
    return OverTime(pairs.kept, agree_events, agree_events, columns)


def set_over_time(
    decided: pd.DataFrame, cols: Columns, *, window: int, min_periods: int, ci: float, func: str
) -> OverTime:
    """Rolling whole-answer numbers, per-label kappa and per-label prevalence of multi-label pairs
    (``MultiLabel.over_time``), from the window sums of ``metrics.multilabel.MultilabelCounts``."""
    labels = sorted_labels([*set_names_seen(decided[cols.label], func, cols.label),
                            *set_names_seen(decided[cols.suggestion], func, cols.suggestion)])  # fmt: skip
    pairs = find_set_pairs(decided, cols, labels, func)
    pairs_so_far = np.cumsum(pairs.kept)
    truth, predicted = pairs.truth.astype(np.int64), pairs.predicted.astype(np.int64)
    exact, jaccard, mismatches = pair_scores(pairs.truth, pairs.predicted)
    per_pair = np.column_stack([exact, jaccard, mismatches])
    sums, n_compared = _rolling_sums(per_pair, pairs_so_far, window)
    true_in_window, _ = _rolling_sums(truth, pairs_so_far, window)
    pred_in_window, _ = _rolling_sums(predicted, pairs_so_far, window)
    hits_in_window, _ = _rolling_sums(truth & predicted, pairs_so_far, window)
    counts = MultilabelCounts(n_compared, sums[:, 0], sums[:, 1], sums[:, 2], hits_in_window, true_in_window,
                              pred_in_window)  # fmt: skip

    enough = n_compared >= min_periods
    scores = scores_from_counts(counts)
    low, high = wilson_interval(sums[:, 0], n_compared, ci)
    columns = {
        "n_compared": n_compared.astype(np.int64),
        "subset_accuracy": np.where(enough, scores["subset_accuracy"], np.nan),
        "subset_accuracy_low": np.where(enough, low, np.nan),
        "subset_accuracy_high": np.where(enough, high, np.nan),
        **{metric: np.where(enough, scores[metric], np.nan) for metric in ("jaccard", "micro_f1", "macro_f1")},
    }
    kappas = label_kappa_from_counts(counts)
    with np.errstate(divide="ignore", invalid="ignore"):
        for j, name in enumerate(pairs.labels):
            columns[f"kappa[{name}]"] = np.where(enough, kappas[:, j], np.nan)
            columns[f"prevalence[{name}]"] = np.where(enough, true_in_window[:, j] / n_compared, np.nan)
            columns[f"suggested_prevalence[{name}]"] = np.where(enough, pred_in_window[:, j] / n_compared, np.nan)
    return OverTime(pairs.kept, exact.astype(float), jaccard, columns)


# ---------------------------------------------------------------------------------------------------------------
# label mix


def _as_counts(values: Any, name: str) -> np.ndarray:
    counts = np.asarray(values, dtype=float)
    if counts.ndim != 1 or counts.size == 0:
        raise InputError(f"{name} must be a non-empty 1-D sequence of counts or shares, got shape {counts.shape}.")
    if not np.isfinite(counts).all() or (counts < 0).any():
        raise InputError(f"{name} must hold finite, non-negative numbers.")
    if counts.sum() == 0:
        raise InputError(f"{name} is all zeros: there is no distribution to compare.")
    return counts


@takes_frames("expected_counts", "actual_counts")
def psi(expected_counts: Any, actual_counts: Any, eps: float = PSI_EPSILON) -> float:
    """Population stability index Σ (aᵢ − eᵢ)·ln(aᵢ / eᵢ) between two label distributions.

    ``expected_counts`` (the baseline) and ``actual_counts`` (recent) are counts or shares per label, in the same
    label order; each is divided by its total. A share of exactly 0 becomes ``eps`` first, since the logarithm of 0
    is undefined; so a label missing on one side adds about share × ln(share / eps). Read with ``psi_reading``:
    below 0.1 stable, 0.1 to 0.25 moderate, above 0.25 large.
    """
    expected = _as_counts(expected_counts, "expected_counts")
    actual = _as_counts(actual_counts, "actual_counts")
    if expected.shape != actual.shape:
        raise InputError(f"expected_counts and actual_counts differ in length: {expected.size} vs {actual.size}.")
    if not eps > 0:
        raise InputError(f"eps must be > 0, got {eps!r}.")
    return float(_psi_rows(expected[None, :], actual[None, :], eps)[0])


def _psi_rows(expected: np.ndarray, actual: np.ndarray, eps: float) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        e = expected / expected.sum(axis=-1, keepdims=True)
        a = actual / actual.sum(axis=-1, keepdims=True)
    e = np.where(e == 0, eps, e)
    a = np.where(a == 0, eps, a)
    return ((a - e) * np.log(a / e)).sum(axis=-1)


def psi_reading(value: float) -> str | None:
    """The usual reading of a PSI value: "stable" (< 0.1), "moderate" (0.1-0.25), "large" (> 0.25); None for NaN."""
    if not math.isfinite(value):
        return None
    if value < PSI_MODERATE:
        return "stable"
    return "moderate" if value <= PSI_LARGE else "large"


@takes_frames("p", "q")
def js_distance(p: Any, q: Any) -> float:
    """Jensen-Shannon distance between two distributions (counts or shares, same order), base 2: 0 for the same
    distribution, 1 for distributions with no label in common. As ``scipy.spatial.distance.jensenshannon``."""
    first = _as_counts(p, "p")
    second = _as_counts(q, "q")
    if first.shape != second.shape:
        raise InputError(f"p and q differ in length: {first.size} vs {second.size}.")
    return float(_jensenshannon(first, second))


def _jensenshannon(p: np.ndarray, q: np.ndarray, axis: int = 0) -> np.ndarray:
    """``scipy.spatial.distance.jensenshannon(p, q, base=2, axis=axis)`` step by step, for non-negative finite
    counts with a positive total along ``axis``, in NumPy: importing ``scipy.spatial`` takes 0.5-1 s of CPU, which
    a Dashboard's first paint would wait for (tests/test_drift.py compares the two)."""
    p = p / np.sum(p, axis=axis, keepdims=True)
    q = q / np.sum(q, axis=axis, keepdims=True)
    m = (p + q) / 2.0
    js = np.sum(_rel_entr(p, m), axis=axis) + np.sum(_rel_entr(q, m), axis=axis)
    js /= np.log(2)
    return np.sqrt(js / 2.0)


def _rel_entr(x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """``scipy.special.rel_entr`` where ``m`` > 0 wherever ``x`` > 0 (``m`` is the mean of ``x`` and another
    share): x·ln(x/m), 0 where x is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, x * np.log(x / np.where(x > 0, m, 1.0)), 0.0)


@public
@takes_frames("df", "baseline")
def label_drift(
    df: Frame,
    *,
    column: str = "label",
    baseline: int | pd.DataFrame | pd.Series = 100,
    window: int = 100,
    min_periods: int | None = None,
    decided_at: str | None = "decided_at",
    labels: Iterable[Hashable] | None = None,
    eps: float = PSI_EPSILON,
) -> pd.DataFrame:
    """How far the recent label mix has moved from a baseline, at every labeled row, in decision order.

    ``baseline`` is either a number (the first ``baseline`` labels of ``df`` in decision order; the windows then
    start after them and never overlap them) or reference labels: a Series, or a DataFrame with ``column``. Rows are
    the labeled rows of ``df`` (``column`` set; with a ``decided_at`` column, only rows with a time, sorted by it),
    indexed like ``df``; the last row is the current state. Columns:

    * ``n_baseline``, ``n_recent``: labels in the baseline and in the recent window (the last ``window`` labels).
    * ``js_distance``: Jensen-Shannon distance (base 2; 0 same mix, 1 nothing in common).
    * ``psi``: population stability index, zero shares replaced by ``eps`` (default 1e-4).
    * ``reading``: "stable" (PSI < 0.1), "moderate" (0.1-0.25) or "large" (> 0.25).

    Values are NaN while the window holds fewer than ``min_periods`` labels (default: a full window) or while the
    baseline is still filling, with ``reading`` "baseline" on the baseline's own rows.

    Multi-label answers (lists of names): the mix compared is the share of each label among the names given, with
    "none of these" answers (``[]``) as one more category; and per label ``x`` two more columns follow the label's
    prevalence, the share of answers holding it: ``prevalence[x]`` in the recent window and
    ``baseline_prevalence[x]`` in the baseline.

    Spans (lists of spans): the mix compared is the share of each label among the spans, with answers without spans
    (``[]``) as one more category ("no spans"), so a text with three persons counts three times; ``prevalence[x]``
    and ``baseline_prevalence[x]`` are the share of answers with at least one span labeled ``x``.
    """
    func = "label_drift"
    require_frame(df, func)
    require_columns(df, func, column=column)
    time_column = optional_column(df, func, "decided_at", decided_at, "decided_at")
    if window < 1:
        raise InputError(f"window must be >= 1, got {window!r}.")
    min_periods = window if min_periods is None else min_periods
    if not 1 <= min_periods <= window:
        raise InputError(f"min_periods must be between 1 and window={window}, got {min_periods!r}.")
    if not eps > 0:
        raise InputError(f"eps must be > 0, got {eps!r}.")

    rows = df[df[column].notna()]
    if time_column is not None:
        rows = rows[rows[time_column].notna()].sort_values(time_column, kind="stable")
    stream = object_values(rows[column])
    kind = answer_kind(df, func, column)

    if isinstance(baseline, (pd.DataFrame, pd.Series)):
        if isinstance(baseline, pd.DataFrame):
            require_columns(baseline, func, column=column)
            baseline = baseline[column]
        baseline_kind = answer_kind(pd.DataFrame({"baseline": baseline.to_numpy(dtype=object)}), func, "baseline")
        if baseline_kind is not kind and baseline.notna().any() and df[column].notna().any():
            raise InputError(
                f"{func}(): the baseline and {column!r} hold different kinds of answer (lists of labels in one, single "
                "labels in the other); compare answers of one kind."
            )
        kind = baseline_kind if not df[column].notna().any() else kind
        reference = object_values(baseline)
        reference = reference[[v is not None for v in reference]]
        if reference.size == 0:
            raise InputError(f"{func}(): the baseline holds no labels to compare with.")
        n_in_baseline = 0  # every row of df is recent
    elif isinstance(baseline, (int, np.integer)) and not isinstance(baseline, bool) and baseline >= 1:
        n_in_baseline = min(int(baseline), len(stream))
        reference = stream[:n_in_baseline]
    else:
        raise InputError(
            f"baseline must be a number of first labels (>= 1), a Series of labels or a DataFrame with {column!r}; "
            f"got {baseline!r}."
        )

    events = kind.drift_events(stream, reference, check_labels(labels), func)
    baseline_counts = events.reference.sum(axis=0).astype(float)
    recent_events = events.stream[n_in_baseline:]
    seen = np.arange(1, len(recent_events) + 1)
    recent_counts, n_recent = _rolling_sums(recent_events, seen, window)
    baseline_complete = not isinstance(baseline, (int, np.integer)) or n_in_baseline == int(baseline)
    ready = (n_recent >= min_periods) & baseline_complete

    js = np.full(len(recent_events), np.nan)
    population_stability = np.full(len(recent_events), np.nan)
    if ready.any():
        expected = np.broadcast_to(baseline_counts, recent_counts[ready].shape)
        js[ready] = _jensenshannon(expected, recent_counts[ready], axis=1)
        population_stability[ready] = _psi_rows(expected, recent_counts[ready], eps)
    prevalence: dict[str, np.ndarray] = {}
    recent_holding, baseline_holding = recent_counts, baseline_counts  # answers holding each label
    if events.presence is not None:  # the mix counts something else (spans): the presences are their own
        recent_holding = _rolling_sums(events.presence[0][n_in_baseline:], seen, window)[0]
        baseline_holding = events.presence[1].sum(axis=0).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        for j, name in enumerate(events.prevalence_of):  # the share of answers that hold each label
            recent = np.where(ready, recent_holding[:, j] / n_recent, np.nan)
            prevalence[f"prevalence[{name}]"] = np.concatenate([np.full(n_in_baseline, np.nan), recent])
            prevalence[f"baseline_prevalence[{name}]"] = np.full(len(stream), baseline_holding[j] / len(reference))

    n_rows = len(stream)
    result = pd.DataFrame(
        {
            "n_baseline": np.full(n_rows, len(reference), dtype=np.int64),
            "n_recent": np.concatenate([np.zeros(n_in_baseline), n_recent]).astype(np.int64),
            "js_distance": np.concatenate([np.full(n_in_baseline, np.nan), js]),
            "psi": np.concatenate([np.full(n_in_baseline, np.nan), population_stability]),
        },
        index=rows.index,
    )
    readings = ["baseline"] * n_in_baseline + [psi_reading(v) for v in population_stability]
    result["reading"] = pd.Series(readings, index=rows.index, dtype=object)
    for name, values in prevalence.items():
        result[name] = values
    if time_column is not None:
        result.insert(0, "decided_at", rows[time_column])
    return result


class DriftEvents(NamedTuple):
    """What ``label_drift`` counts, per answer (``AnswerKind.drift_events``): one row per answer, one column per
    category of the label mix."""

    stream: np.ndarray  # (answers, categories) int
    reference: np.ndarray  # (baseline answers, categories) int
    prevalence_of: list[Hashable]  # the labels whose share of answers is followed: the first columns
    # when the categories count something other than answers (spans), per answer whether it holds each label of
    # prevalence_of: (stream, reference), each (answers, labels) 0/1
    presence: tuple[np.ndarray, np.ndarray] | None = None


def label_events(stream: np.ndarray, reference: np.ndarray, labels: list[Hashable] | None, func: str) -> DriftEvents:
    """Single labels: each answer counts once, for its label (``SingleLabel.drift_events``)."""
    label_list = labels if labels is not None else sorted_labels([*reference, *stream])
    index = pd.Index(list(label_list), dtype=object)
    stream_codes = index.get_indexer(stream)
    reference_codes = index.get_indexer(reference)
    if (stream_codes < 0).any() or (reference_codes < 0).any():
        unknown = sorted({str(v) for v in [*stream[stream_codes < 0], *reference[reference_codes < 0]]})[:10]
        raise InputError(f"{func}(): labels {unknown} are not in labels={label_list}.")
    one_hot = np.eye(len(label_list), dtype=np.int64)
    return DriftEvents(one_hot[stream_codes], one_hot[reference_codes], [])


def set_events(stream: np.ndarray, reference: np.ndarray, labels: list[Hashable] | None, func: str) -> DriftEvents:
    """Multi-label answers: each name given counts once, and an empty answer once as "none of these"
    (``MultiLabel.drift_events``)."""
    if labels is None:
        seen = [*set_indicator(stream, None, func, "answers")[2], *set_indicator(reference, None, func, "baseline")[2]]
        labels = sorted_labels(seen)

    def events(values: np.ndarray, where: str) -> np.ndarray:
        matrix = set_indicator(values, labels, func, where)[0].astype(np.int64)
        return np.column_stack([matrix, ~matrix.any(axis=1)]).astype(np.int64)

    return DriftEvents(events(stream, "answers"), events(reference, "baseline"), list(labels))
