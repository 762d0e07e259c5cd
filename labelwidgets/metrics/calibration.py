"""Calibration of suggestion confidences: are suggestions given with confidence c right c of the time?

Confidences fall in ``n_bins`` equal-width bins [b/n_bins, (b+1)/n_bins), a confidence of exactly 1 in the last.
Everything here works from three sums per bin (pairs, confidence, correct), so ``lw.calibration``, the ECE of
``lw.agreement``, ``RunningAgreement`` and the Dashboard share one definition.

With multi-label answers (lists of names) a suggestion's ``confidence`` is its confidence in the whole set: it is
calibrated against an exact match of the two sets (subset accuracy). A DataFrame has no per-label probabilities,
so there is no per-label calibration here.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from labelwidgets.errors import public
from labelwidgets.frames import Frame, takes_frames
from labelwidgets.metrics.checks import answer_kind, check_bins, require_columns
from labelwidgets.metrics.counts import bootstrap_items, sum_by_code
from labelwidgets.metrics.pairs import Columns, resolve_columns, scored_labels


def bin_of(confidence: np.ndarray, n_bins: int) -> np.ndarray:
    """The bin of each confidence in [0, 1]: floor(c · n_bins), with 1.0 in the last bin."""
    return np.minimum(np.floor(np.asarray(confidence, dtype=float) * n_bins).astype(np.int64), n_bins - 1)


def bin_sums(confidence: np.ndarray, correct: np.ndarray, n_bins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per bin: (pairs, sum of confidences, pairs where the suggestion was right)."""
    bins = bin_of(confidence, n_bins)
    return (
        np.bincount(bins, minlength=n_bins),
        np.bincount(bins, weights=confidence, minlength=n_bins),
        np.bincount(bins, weights=np.asarray(correct, dtype=float), minlength=n_bins),
    )


def ece(confidence_sums: np.ndarray, correct_sums: np.ndarray, n: np.ndarray | int) -> np.ndarray:
    """Expected calibration error Σ_bins (count/n)·|accuracy − mean confidence| = Σ_bins |correct − Σ conf| / n.

    The bins are the last axis; leading axes (bootstrap replicates) broadcast. NaN where ``n`` is 0.
    """
    gaps = np.abs(np.asarray(correct_sums, dtype=float) - np.asarray(confidence_sums, dtype=float)).sum(axis=-1)
    n_f = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n_f > 0, gaps / n_f, np.nan)


def bootstrap_ece(
    confidence: np.ndarray, correct: np.ndarray, n_bins: int, n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    """ECE of ``n_boot`` resamples of the pairs (the bootstrap over items of ``counts``)."""
    n = len(confidence)

    def statistic(rows: np.ndarray, draws: np.ndarray) -> tuple[np.ndarray, ...]:
        bins = bin_of(rows[:, 0], n_bins)
        confidence_sums = sum_by_code(draws * rows[:, 0], bins, n_bins)
        correct_sums = sum_by_code(draws * rows[:, 1], bins, n_bins)
        return (ece(confidence_sums, correct_sums, n),)

    columns = [np.asarray(confidence, dtype=float), np.asarray(correct, dtype=float)]
    return bootstrap_items(columns, statistic, n_boot, rng)[0]


def reliability_table(counts: np.ndarray, confidence_sums: np.ndarray, correct_sums: np.ndarray) -> pd.DataFrame:
    """The reliability table of ``calibration`` from the per-bin sums (empty bins: NaN means, count 0)."""
    counts = np.asarray(counts, dtype=np.int64)
    n_bins = len(counts)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_confidence = np.where(counts > 0, np.asarray(confidence_sums, dtype=float) / counts, np.nan)
        accuracy = np.where(counts > 0, np.asarray(correct_sums, dtype=float) / counts, np.nan)
    edges = np.arange(n_bins + 1) / n_bins
    return pd.DataFrame(
        {
            "bin": np.arange(n_bins),
            "low": edges[:-1],
            "high": edges[1:],
            "mean_confidence": mean_confidence,
            "accuracy": accuracy,
            "gap": accuracy - mean_confidence,
            "count": counts,
        }
    )


def _calibration_pairs(
    df: pd.DataFrame, func: str, label: str, suggestion: str, decision: str | None, confidence: str, n_bins: int
) -> tuple[np.ndarray, np.ndarray]:
    check_bins(n_bins)
    cols = resolve_columns(df, func, label=label, suggestion=suggestion, decision=decision)
    require_columns(df, func, confidence=confidence)
    cols = Columns(cols.label, cols.suggestion, cols.decision, confidence, None)
    kind = answer_kind(df, func, cols.label, cols.suggestion)
    pairs = kind.pairs(df, cols, scored_labels(df, cols, None, kind, func), func)
    assert pairs.confidence is not None
    known = np.isfinite(pairs.confidence)
    return pairs.confidence[known], pairs.correct[known]


@public
@takes_frames("df")
def calibration(
    df: Frame,
    *,
    label: str = "label",
    suggestion: str = "suggestion",
    decision: str | None = "decision",
    confidence: str = "confidence",
    n_bins: int = 10,
) -> pd.DataFrame:
    """Reliability table of the suggestion confidences: are suggestions given with confidence c right c of the time?

    One row per equal-width bin ``[low, high)`` (the last bin includes 1.0), over the pairs with a confidence:
    ``mean_confidence`` (mean stated confidence in the bin), ``accuracy`` (share of those suggestions the people
    agreed with), ``gap`` (accuracy − mean confidence; negative means over-confident) and ``count``. Empty bins have
    NaN means and count 0.

    Multi-label answers (lists of names): ``accuracy`` is the share of suggested sets the people kept exactly, since
    the confidence is the suggestion's confidence in its whole set.
    """
    confidence_values, correct = _calibration_pairs(df, "calibration", label, suggestion, decision, confidence, n_bins)
    return reliability_table(*bin_sums(confidence_values, correct, n_bins))


@takes_frames("df")
def expected_calibration_error(
    df: Frame,
    *,
    label: str = "label",
    suggestion: str = "suggestion",
    decision: str | None = "decision",
    confidence: str = "confidence",
    n_bins: int = 10,
) -> float:
    """Expected calibration error: Σ over bins of (bin count / total) × |accuracy − mean confidence|.

    0 means the stated confidences match how often suggestions are right; the bins are those of ``calibration``.
    NaN when no pair has a confidence.
    """
    confidence_values, correct = _calibration_pairs(
        df, "expected_calibration_error", label, suggestion, decision, confidence, n_bins
    )
    if confidence_values.size == 0:
        return math.nan
    _, confidence_sums, correct_sums = bin_sums(confidence_values, correct, n_bins)
    return float(ece(confidence_sums, correct_sums, confidence_values.size))
