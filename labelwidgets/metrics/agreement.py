"""How far people agree with the LLM's suggestions, and with each other.

Every function here is pure: DataFrames or arrays in, numbers out. scikit-learn, statsmodels and krippendorff
are imported inside the functions that use them, so ``import labelwidgets.metrics.agreement`` stays cheap for the live
dashboard.

Conventions shared by every function:

* a *pair* is a row with a human label and a suggestion, whose decision is not ``skipped``; only pairs enter
  human-vs-LLM metrics. The human label is the reference (``y_true``), the suggestion the prediction.
* a metric that is undefined on the data (empty input, one item, one class only, no overlap) is NaN, and the
  tidy tables say why in ``note``. No function returns 1.0 or 0.0 where the number would be an artefact.
* unweighted metrics never depend on the order of ``labels``.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal

import numpy as np
import pandas as pd

from labelwidgets.decision import ACTIONS
from labelwidgets.errors import InputError

#: Decisions taken on a suggestion that was shown: the denominator of the accept rate.
REVIEW_DECISIONS = ("accepted", "corrected", "rejected")

BOOTSTRAP = "bootstrap percentile"
WILSON = "Wilson"

_TIDY_COLUMNS = ["group", "metric", "value", "low", "high", "n", "interval", "note"]
_MAX_LISTED_COLUMNS = 30


# ---------------------------------------------------------------------------------------------------------------
# input checks


def _show_columns(df: pd.DataFrame) -> str:
    names = [str(c) for c in df.columns]
    if len(names) > _MAX_LISTED_COLUMNS:
        return f"{names[:_MAX_LISTED_COLUMNS]} and {len(names) - _MAX_LISTED_COLUMNS} more"
    return str(names)


def _require_frame(df: Any, func: str) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"{func}() needs a pandas DataFrame, got {type(df).__name__}.")
    return df


def _require_columns(df: pd.DataFrame, func: str, **columns: str) -> None:
    """Raise one error naming every missing column, the argument that names it, and the columns that exist."""
    missing = {arg: col for arg, col in columns.items() if col not in df.columns}
    if missing:
        wanted = ", ".join(f"{arg}={col!r}" for arg, col in missing.items())
        raise InputError(
            f"{func}(): column(s) {list(missing.values())} not found ({wanted}). The DataFrame has the columns "
            f"{_show_columns(df)}; if the results were written under other names, pass them, e.g. "
            f"{next(iter(missing))}='my_{next(iter(missing))}'."
        )


def _optional_column(df: pd.DataFrame, func: str, arg: str, name: str | None, default: str) -> str | None:
    """A column that may be absent: None when not wanted or absent under its default name.

    A name the caller chose that does not exist is an error (most likely a typo), not a silent omission.
    """
    if name is None:
        return None
    if name in df.columns:
        return name
    if name == default:
        return None
    _require_columns(df, func, **{arg: name})
    return None  # unreachable


def _check_ci(ci: float) -> None:
    if not 0 < ci < 1:
        raise InputError(f"ci must be between 0 and 1 (e.g. 0.95 for a 95% interval), got {ci!r}.")


def _check_labels(labels: Iterable[Hashable] | None) -> list[Hashable] | None:
    if labels is None:
        return None
    if isinstance(labels, str):
        raise InputError(f"labels must be a list of label names, not the string {labels!r}.")
    names = list(labels)
    if not names:
        raise InputError("labels is empty: give the label names, e.g. labels=['ham', 'spam'], or leave it out.")
    if len(set(names)) != len(names):
        repeated = sorted({str(n) for n in names if names.count(n) > 1})
        raise InputError(f"labels must be unique; repeated: {repeated}.")
    return names


def _object_values(series: pd.Series) -> np.ndarray:
    """Values as an object array with every kind of missing value (None, NaN, pd.NA, NaT) as None."""
    values = np.array(series.to_numpy(dtype=object), dtype=object)
    values[pd.isna(values)] = None
    return values


def _sorted_labels(values: Iterable[Hashable]) -> list[Hashable]:
    distinct = {v for v in values if v is not None}
    try:
        return sorted(distinct)  # type: ignore[type-var]
    except TypeError:  # mixed types (0 and "0") still need one stable order
        return sorted(distinct, key=lambda v: (type(v).__name__, str(v)))


def _encode(values: np.ndarray, labels: Sequence[Hashable]) -> np.ndarray:
    """Integer code of each value in ``labels``; -1 for missing values and values not in ``labels``."""
    codes = pd.Index(list(labels), dtype=object).get_indexer(values)
    return np.asarray(codes, dtype=np.int64)


def _check_confidence(values: np.ndarray, func: str, column: str) -> np.ndarray:
    try:
        conf = pd.to_numeric(pd.Series(values, dtype=object), errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        raise InputError(f"{func}(): column {column!r} must hold numbers in [0, 1] or NaN.") from None
    outside = np.isfinite(conf) & ((conf < 0) | (conf > 1))
    if np.isinf(conf).any() or outside.any():
        bad = conf[np.isinf(conf) | outside][:5].tolist()
        raise InputError(f"{func}(): confidences must lie in [0, 1]; column {column!r} has e.g. {bad}.")
    return conf


def _check_decisions(values: np.ndarray, func: str, column: str) -> None:
    unknown = sorted({str(v) for v in values if v is not None and v not in ACTIONS})
    if unknown:
        raise InputError(
            f"{func}(): column {column!r} holds unknown decisions {unknown[:10]}; "
            f"expected one of {list(ACTIONS)} or missing."
        )


# ---------------------------------------------------------------------------------------------------------------
# human/suggestion pairs


@dataclass(frozen=True)
class _Columns:
    label: str
    suggestion: str
    decision: str | None
    confidence: str | None
    visible: str | None


@dataclass(frozen=True)
class _Pairs:
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


def _resolve_columns(
    df: pd.DataFrame,
    func: str,
    *,
    label: str,
    suggestion: str,
    decision: str | None,
    confidence: str | None = None,
    suggestion_visible: str | None = None,
) -> _Columns:
    _require_frame(df, func)
    _require_columns(df, func, label=label, suggestion=suggestion)
    return _Columns(
        label=label,
        suggestion=suggestion,
        decision=_optional_column(df, func, "decision", decision, "decision"),
        confidence=_optional_column(df, func, "confidence", confidence, "confidence"),
        visible=_optional_column(df, func, "suggestion_visible", suggestion_visible, "suggestion_visible"),
    )


def _label_list(df: pd.DataFrame, cols: _Columns, labels: list[Hashable] | None) -> list[Hashable]:
    if labels is not None:
        return labels
    return _sorted_labels([*_object_values(df[cols.label]), *_object_values(df[cols.suggestion])])


def _pairs(df: pd.DataFrame, cols: _Columns, labels: list[Hashable], func: str) -> _Pairs:
    human_raw = _object_values(df[cols.label])
    suggested_raw = _object_values(df[cols.suggestion])
    has_human = np.array([v is not None for v in human_raw], dtype=bool)
    has_suggestion = np.array([v is not None for v in suggested_raw], dtype=bool)
    decisions = np.full(len(df), None, dtype=object)
    if cols.decision is not None:
        decisions = _object_values(df[cols.decision])
        _check_decisions(decisions, func, cols.decision)
    skipped = decisions == "skipped"
    human = _encode(human_raw, labels)
    suggested = _encode(suggested_raw, labels)
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
        confidence = _check_confidence(_object_values(df[cols.confidence]), func, cols.confidence)[keep]
    visible = None
    if cols.visible is not None:
        visible = _object_values(df[cols.visible])[keep]
    return _Pairs(labels, human[keep], suggested[keep], confidence, visible, exclusions, keep)


# ---------------------------------------------------------------------------------------------------------------
# metrics from counts; every function takes a leading batch axis so that bootstrap replicates cost one call


def _kappa_from_margins(agree: Any, true: Any, pred: Any) -> np.ndarray:
    """Cohen's kappa from the number of agreeing pairs and the two label count vectors (last axis = labels).

    NaN where kappa cannot measure agreement: fewer than two pairs, or one side using a single class (kappa is then
    0 or 0/0 whatever the other side says).
    """
    agree = np.asarray(agree, dtype=float)
    true = np.asarray(true, dtype=float)
    pred = np.asarray(pred, dtype=float)
    n = true.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        chance = (true * pred).sum(axis=-1) / (n * n)
        kappa = (agree / n - chance) / (1 - chance)
    undefined = (n < 2) | ((true > 0).sum(axis=-1) < 2) | ((pred > 0).sum(axis=-1) < 2)
    return np.where(undefined, np.nan, kappa)


def _scott_pi_from_margins(agree: Any, true: Any, pred: Any) -> np.ndarray:
    """Scott's pi: like kappa, but chance agreement from the pooled label distribution of both sides.

    NaN with fewer than two pairs or when both sides together use a single class (chance agreement 1).
    """
    agree = np.asarray(agree, dtype=float)
    pooled = np.asarray(true, dtype=float) + np.asarray(pred, dtype=float)
    n = pooled.sum(axis=-1) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = pooled / (2 * n)[..., None]
        chance = (shares * shares).sum(axis=-1)
        pi = (agree / n - chance) / (1 - chance)
    undefined = (n < 2) | ((pooled > 0).sum(axis=-1) < 2)
    return np.where(undefined, np.nan, pi)


def _f1_from_counts(hits: np.ndarray, true: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Per-label F1 = 2·hits / (true + pred); NaN for a label that appears on neither side."""
    denominator = np.asarray(true, dtype=float) + np.asarray(pred, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, 2 * np.asarray(hits, dtype=float) / denominator, np.nan)


def _nanmean_last(values: np.ndarray) -> np.ndarray:
    counts = np.isfinite(values).sum(axis=-1)
    totals = np.where(np.isfinite(values), values, 0.0).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(counts > 0, totals / counts, np.nan)


def _label_counts(human: np.ndarray, suggested: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hits per label, human count per label, suggestion count per label)."""
    hits = np.bincount(human[human == suggested], minlength=k)
    return hits, np.bincount(human, minlength=k), np.bincount(suggested, minlength=k)


def _sum_by_key(draws: np.ndarray, keys: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros((draws.shape[0], k), dtype=np.int64)
    if keys.size == 0:
        return out
    order = np.argsort(keys, kind="stable")
    present, starts = np.unique(keys[order], return_index=True)
    out[:, present] = np.add.reduceat(draws[:, order], starts, axis=1)
    return out


def _bootstrap_counts(
    human: np.ndarray, suggested: np.ndarray, k: int, n_boot: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Label counts of ``n_boot`` resamples of the pairs, each shaped (n_boot, k).

    Resampling n rows with replacement gives Multinomial(n, observed cell shares) counts in the confusion matrix,
    so the cells are drawn directly: the cost does not grow with the number of rows.
    """
    cells = np.bincount(human * k + suggested, minlength=k * k)
    occupied = np.flatnonzero(cells)
    n = int(cells.sum())
    draws = rng.multinomial(n, cells[occupied] / n, size=n_boot)
    rows, columns = np.divmod(occupied, k)
    on_diagonal = rows == columns
    hits = np.zeros((n_boot, k), dtype=np.int64)
    hits[:, rows[on_diagonal]] = draws[:, on_diagonal]
    return hits, _sum_by_key(draws, rows, k), _sum_by_key(draws, columns, k)


def _percentile_interval(replicates: np.ndarray, ci: float) -> tuple[float, float, int]:
    """Percentile interval over the finite replicates, and how many replicates were undefined."""
    finite = replicates[np.isfinite(replicates)]
    undefined = int(replicates.size - finite.size)
    if finite.size < 2:
        return math.nan, math.nan, undefined
    tail = (1 - ci) / 2
    low, high = np.quantile(finite, [tail, 1 - tail])
    return float(low), float(high), undefined


def wilson_interval(successes: Any, trials: Any, ci: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion (no continuity correction), elementwise.

    Returns (low, high); NaN where ``trials`` is 0. Same as ``scipy.stats.binomtest(k, n).proportion_ci(method=
    "wilson")``, but vectorised for rolling windows.
    """
    _check_ci(ci)
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    z = NormalDist().inv_cdf(1 - (1 - ci) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denominator = 1 + z * z / n
        center = (p + z * z / (2 * n)) / denominator
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
        # at k = 0 or k = n the bound is exactly 0 or 1; rounding would leave 1 − 1e-16 below the estimate
        low = np.where(n > 0, np.where(k == 0, 0.0, np.clip(center - half, 0.0, 1.0)), np.nan)
        high = np.where(n > 0, np.where(k == n, 1.0, np.clip(center + half, 0.0, 1.0)), np.nan)
    return low, high


# ---------------------------------------------------------------------------------------------------------------
# calibration


def _bin_of(confidence: np.ndarray, n_bins: int) -> np.ndarray:
    # bin b holds [b/n_bins, (b+1)/n_bins); a confidence of exactly 1 belongs to the last bin
    return np.minimum(np.floor(confidence * n_bins).astype(np.int64), n_bins - 1)


def _check_bins(n_bins: int) -> None:
    if not isinstance(n_bins, (int, np.integer)) or isinstance(n_bins, bool) or n_bins < 1:
        raise InputError(f"n_bins must be a positive integer, got {n_bins!r}.")


def _ece(confidence: np.ndarray, correct: np.ndarray, n_bins: int) -> float:
    """Expected calibration error: Σ_bins |correct − Σ confidence| / n, i.e. the count-weighted mean gap."""
    bins = _bin_of(confidence, n_bins)
    confidence_sums = np.bincount(bins, weights=confidence, minlength=n_bins)
    correct_sums = np.bincount(bins, weights=correct.astype(float), minlength=n_bins)
    return float(np.abs(correct_sums - confidence_sums).sum() / len(confidence))


def _bootstrap_ece(
    confidence: np.ndarray, correct: np.ndarray, n_bins: int, n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    n = len(confidence)
    bins = _bin_of(confidence, n_bins)
    correct = correct.astype(float)
    chunk = max(1, min(n_boot, 2_000_000 // n))  # bounds the index matrix to ~16 MB
    replicates = []
    for start in range(0, n_boot, chunk):
        size = min(chunk, n_boot - start)
        rows = rng.integers(0, n, size=(size, n))
        keys = (np.arange(size)[:, None] * n_bins + bins[rows]).ravel()
        confidence_sums = np.bincount(keys, weights=confidence[rows].ravel(), minlength=size * n_bins)
        correct_sums = np.bincount(keys, weights=correct[rows].ravel(), minlength=size * n_bins)
        gaps = np.abs(correct_sums - confidence_sums).reshape(size, n_bins)
        replicates.append(gaps.sum(axis=1) / n)
    return np.concatenate(replicates)


def _reliability(confidence: np.ndarray, correct: np.ndarray, n_bins: int) -> pd.DataFrame:
    bins = _bin_of(confidence, n_bins)
    counts = np.bincount(bins, minlength=n_bins)
    confidence_sums = np.bincount(bins, weights=confidence, minlength=n_bins)
    correct_sums = np.bincount(bins, weights=correct.astype(float), minlength=n_bins)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_confidence = np.where(counts > 0, confidence_sums / counts, np.nan)
        accuracy = np.where(counts > 0, correct_sums / counts, np.nan)
    edges = np.arange(n_bins + 1) / n_bins
    return pd.DataFrame(
        {
            "bin": np.arange(n_bins),
            "low": edges[:-1],
            "high": edges[1:],
            "mean_confidence": mean_confidence,
            "accuracy": accuracy,
            "gap": accuracy - mean_confidence,
            "count": counts.astype(np.int64),
        }
    )


# ---------------------------------------------------------------------------------------------------------------
# human vs. LLM


def agreement(
    df: pd.DataFrame,
    *,
    label: str = "label",
    suggestion: str = "suggestion",
    decision: str | None = "decision",
    confidence: str | None = "confidence",
    suggestion_visible: str | None = "suggestion_visible",
    by: str | Sequence[str] | None = None,
    labels: Iterable[Hashable] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    ci: float = 0.95,
    n_bins: int = 10,
) -> pd.DataFrame:
    """Agreement between the final human labels and the LLM's suggestions, one row per metric (and group).

    Columns: ``group`` (the value of ``by``, a tuple for several columns, ``"all"`` without ``by``), ``metric``,
    ``value``, ``low``/``high`` (a ``ci`` interval), ``n`` (the rows the number rests on), ``interval`` (how the
    interval was computed) and ``note`` (why a value is NaN, or what to keep in mind).

    Metrics, with the human label as the reference:

    * ``n``: pairs compared (rows with a human label and a suggestion, not skipped); the note counts what was left
      out. When ``suggestion_visible`` exists, the note says how many decisions were made with the suggestion on
      screen, where people tend to go along with it.
    * ``accept_rate``: share of ``accepted`` among accepted + corrected + rejected decisions (Wilson interval).
    * ``accuracy``: share of pairs where the suggestion equals the human label (Wilson interval).
    * ``cohen_kappa``: Cohen's kappa, scikit-learn's ``cohen_kappa_score`` (bootstrap interval). NaN when either
      side uses one class only, where kappa is 0 or 0/0 by construction.
    * ``scott_pi``: Scott's pi, chance agreement from the pooled label shares; lower than kappa when the LLM's label
      shares differ from the people's (bootstrap interval).
    * ``macro_f1``: unweighted mean of per-label F1 over the labels seen in the group (bootstrap interval).
    * ``ece``: expected calibration error of the suggestion confidences, ``n_bins`` equal-width bins
      (bootstrap interval).
    * ``precision[x]`` (of suggestions ``x``, the share people agreed with), ``recall[x]`` (of human labels ``x``,
      the share the LLM suggested; both Wilson) and ``f1[x]`` (bootstrap) for every label ``x``.

    Bootstrap intervals resample pairs with replacement ``n_boot`` times (``n_boot=0`` skips them); ``seed`` makes
    them reproducible.
    """
    func = "agreement"
    cols = _resolve_columns(
        df, func, label=label, suggestion=suggestion, decision=decision, confidence=confidence,
        suggestion_visible=suggestion_visible,
    )  # fmt: skip
    _check_ci(ci)
    _check_bins(n_bins)
    if not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise InputError(f"n_boot must be a non-negative integer, got {n_boot!r}.")
    label_list = _label_list(df, cols, _check_labels(labels))

    by_columns = [by] if isinstance(by, str) else (list(by) if by is not None else [])
    if by_columns:
        _require_columns(df, func, **{f"by[{i}]": c for i, c in enumerate(by_columns)})
        grouped = df.groupby(by if isinstance(by, str) else by_columns, dropna=False, sort=True)
        groups: list[tuple[Any, pd.DataFrame]] = list(grouped)
    else:
        groups = [("all", df)]

    seeds = np.random.SeedSequence(seed).spawn(len(groups))
    rows: list[dict[str, Any]] = []
    for (key, frame), group_seed in zip(groups, seeds, strict=True):
        rng = np.random.default_rng(group_seed)
        for row in _agreement_rows(frame, cols, label_list, n_boot, rng, ci, n_bins):
            rows.append({"group": key, **row})
    return pd.DataFrame(rows, columns=_TIDY_COLUMNS).astype({"value": float, "low": float, "high": float, "n": int})


def _row(metric: str, value: float, n: int, low: float = math.nan, high: float = math.nan, interval: str = "",
         note: str = "") -> dict[str, Any]:  # fmt: skip
    if not math.isfinite(value):
        low = high = math.nan
    return {"metric": metric, "value": value, "low": low, "high": high, "n": n, "interval": interval, "note": note}


def _chance_corrected_note(pairs: _Pairs, hits_true_pred: tuple[np.ndarray, ...], pooled: bool) -> str:
    _, true, pred = hits_true_pred
    name = "pi" if pooled else "kappa"
    if pairs.n == 0:
        return "no pairs of a human label and a suggestion"
    if pairs.n == 1:
        return f"only one pair: chance agreement cannot be estimated, so {name} is undefined"
    used_true = np.flatnonzero(true)
    used_pred = np.flatnonzero(pred)
    if len(used_true) == 1 and len(used_pred) == 1 and used_true[0] == used_pred[0]:
        only = pairs.labels[used_true[0]]
        return f"people and the LLM all say {only!r}: chance agreement is 1, so {name} is 0/0"
    if not pooled and len(used_true) == 1:
        return (
            f"every human label is {pairs.labels[used_true[0]]!r}: kappa is 0 whatever the suggestions, "
            "so it cannot measure agreement here; see accuracy"
        )
    if not pooled and len(used_pred) == 1:
        return (
            f"every suggestion is {pairs.labels[used_pred[0]]!r}: kappa is 0 whatever the people chose, "
            "so it cannot measure agreement here; see accuracy"
        )
    return ""


def _bootstrap_note(undefined: int, n_boot: int) -> str:
    if undefined == 0:
        return ""
    return f"{undefined} of {n_boot} bootstrap resamples were undefined (one class only) and left out of the interval"


def _agreement_rows(
    frame: pd.DataFrame, cols: _Columns, labels: list[Hashable], n_boot: int, rng: np.random.Generator,
    ci: float, n_bins: int,
) -> list[dict[str, Any]]:  # fmt: skip
    from sklearn.metrics import cohen_kappa_score, f1_score, precision_recall_fscore_support

    func = "agreement"
    pairs = _pairs(frame, cols, labels, func)
    k = len(labels)
    n = pairs.n
    counts = _label_counts(pairs.human, pairs.suggested, k)
    hits, true, pred = counts
    rows = []

    n_notes = [] if n else ["no pairs to compare"]
    if pairs.exclusions:
        n_notes.append("rows left out: " + ", ".join(pairs.exclusions))
    if pairs.visible is not None and n:
        # the column is boolean-ish: True/False, 1/0 or their strings after a round trip through CSV
        shown = sum(str(v).strip().lower() in ("true", "1", "1.0", "yes") for v in pairs.visible)
        if shown:
            n_notes.append(
                f"{shown} of {n} pairs were decided with the suggestion on screen, where people tend to go along "
                "with it; compare by='suggestion_visible'"
            )
    rows.append(_row("n", float(n), n, note="; ".join(n_notes)))

    # accept rate: every reviewed decision counts, with or without a final label
    if cols.decision is None:
        rows.append(_row("accept_rate", math.nan, 0, note="no decision column"))
    else:
        decisions = _object_values(frame[cols.decision])
        reviewed = sum(d in REVIEW_DECISIONS for d in decisions)
        accepted = int((decisions == "accepted").sum())
        if reviewed:
            low, high = wilson_interval(accepted, reviewed, ci)
            rows.append(_row("accept_rate", accepted / reviewed, reviewed, float(low), float(high), WILSON))
        else:
            rows.append(_row("accept_rate", math.nan, 0, note="no accepted, corrected or rejected decisions"))

    agree = int(hits.sum())
    if n:
        low, high = wilson_interval(agree, n, ci)
        rows.append(_row("accuracy", agree / n, n, float(low), float(high), WILSON))
    else:
        rows.append(_row("accuracy", math.nan, 0, note="no pairs of a human label and a suggestion"))

    boot = None
    if n and n_boot:
        # resample in a canonical label order, so that the order of labels= cannot move the intervals either
        rank = np.empty(k, dtype=np.int64)
        rank[[labels.index(x) for x in _sorted_labels(labels)]] = np.arange(k)
        canonical = _bootstrap_counts(rank[pairs.human], rank[pairs.suggested], k, n_boot, rng)
        boot = tuple(counts_by_rank[:, rank] for counts_by_rank in canonical)
    interval = BOOTSTRAP if boot is not None else ""

    def bootstrapped(metric: str, value: float, replicates: np.ndarray | None, note: str = "") -> dict[str, Any]:
        if not math.isfinite(value) or replicates is None:
            return _row(metric, value, n, note=note)
        low, high, undefined = _percentile_interval(replicates, ci)
        extra = _bootstrap_note(undefined, n_boot)
        return _row(metric, value, n, low, high, interval, "; ".join(x for x in (note, extra) if x))

    perfect = f"all {n} pairs agree" if n and agree == n else ""
    kappa_note = _chance_corrected_note(pairs, counts, pooled=False)
    kappa = math.nan
    if not kappa_note:
        kappa = float(cohen_kappa_score(pairs.human, pairs.suggested, labels=np.arange(k)))
    kappa_boot = _kappa_from_margins(boot[0].sum(axis=1), boot[1], boot[2]) if boot is not None else None
    rows.append(bootstrapped("cohen_kappa", kappa, kappa_boot, kappa_note or perfect))

    pi_note = _chance_corrected_note(pairs, counts, pooled=True)
    pi = math.nan if pi_note else float(_scott_pi_from_margins(agree, true, pred))
    pi_boot = _scott_pi_from_margins(boot[0].sum(axis=1), boot[1], boot[2]) if boot is not None else None
    rows.append(bootstrapped("scott_pi", pi, pi_boot, pi_note or perfect))

    if n:
        macro = float(
            f1_score(pairs.human, pairs.suggested, labels=np.arange(k), average="macro", zero_division=np.nan)
        )
        macro_boot = _nanmean_last(_f1_from_counts(*boot)) if boot is not None else None
        rows.append(bootstrapped("macro_f1", macro, macro_boot, "mean over the labels seen on either side"))
    else:
        rows.append(_row("macro_f1", math.nan, 0, note="no pairs of a human label and a suggestion"))

    rows.append(_ece_row(pairs, cols, n_bins, n_boot, rng, ci))

    if n:
        precision, recall, f1, _ = precision_recall_fscore_support(
            pairs.human, pairs.suggested, labels=np.arange(k), zero_division=np.nan
        )
    else:
        precision = recall = f1 = np.full(k, np.nan)
    f1_boot = _f1_from_counts(*boot) if boot is not None else None
    for i, name in enumerate(labels):
        p_low, p_high = wilson_interval(hits[i], pred[i], ci)
        r_low, r_high = wilson_interval(hits[i], true[i], ci)
        rows.append(_row(f"precision[{name}]", float(precision[i]), int(pred[i]), float(p_low), float(p_high),
                         WILSON, "" if pred[i] else f"the LLM never suggested {name!r}"))  # fmt: skip
        rows.append(_row(f"recall[{name}]", float(recall[i]), int(true[i]), float(r_low), float(r_high),
                         WILSON, "" if true[i] else f"no human label is {name!r}"))  # fmt: skip
        f1_note = "" if true[i] + pred[i] else f"{name!r} appears neither as a human label nor as a suggestion"
        row = bootstrapped(f"f1[{name}]", float(f1[i]), None if f1_boot is None else f1_boot[:, i], f1_note)
        row["n"] = int(true[i] + pred[i] - hits[i])  # pairs where the label appears on at least one side
        rows.append(row)
    return rows


def _ece_row(
    pairs: _Pairs, cols: _Columns, n_bins: int, n_boot: int, rng: np.random.Generator, ci: float
) -> dict[str, Any]:
    if pairs.confidence is None:
        return _row("ece", math.nan, 0, note="no confidence column")
    known = np.isfinite(pairs.confidence)
    n = int(known.sum())
    if n == 0:
        return _row("ece", math.nan, 0, note="no pair has a confidence")
    confidence = pairs.confidence[known]
    correct = pairs.correct[known]
    value = _ece(confidence, correct, n_bins)
    notes = []
    if n < pairs.n:
        notes.append(f"{pairs.n - n} pair(s) without a confidence left out")
    if n < 10 * n_bins:
        notes.append(f"fewer than 10 pairs per bin on average ({n} in {n_bins} bins): ECE runs high on few pairs")
    if not n_boot:
        return _row("ece", value, n, note="; ".join(notes))
    low, high, _ = _percentile_interval(_bootstrap_ece(confidence, correct, n_bins, n_boot, rng), ci)
    return _row("ece", value, n, low, high, BOOTSTRAP, "; ".join(notes))


def confusion(
    df: pd.DataFrame,
    *,
    label: str = "label",
    suggestion: str = "suggestion",
    decision: str | None = "decision",
    labels: Iterable[Hashable] | None = None,
) -> pd.DataFrame:
    """Confusion counts of the pairs: rows are human labels (index ``human``), columns suggestions (``suggestion``).

    Entry [a, b] counts the pairs where people said ``a`` and the LLM suggested ``b``; the same numbers as
    ``sklearn.metrics.confusion_matrix(human, suggestion, labels=labels)``. Pairs whose label or suggestion is not in
    ``labels`` are left out, as in scikit-learn.
    """
    from sklearn.metrics import confusion_matrix

    func = "confusion"
    cols = _resolve_columns(df, func, label=label, suggestion=suggestion, decision=decision)
    label_list = _label_list(df, cols, _check_labels(labels))
    pairs = _pairs(df, cols, label_list, func)
    k = len(label_list)
    if pairs.n:
        counts = confusion_matrix(pairs.human, pairs.suggested, labels=np.arange(k))
    else:
        counts = np.zeros((k, k), dtype=np.int64)
    return pd.DataFrame(
        counts,
        index=pd.Index(label_list, name="human", dtype=object),
        columns=pd.Index(label_list, name="suggestion", dtype=object),
    )


def _calibration_pairs(
    df: pd.DataFrame, func: str, label: str, suggestion: str, decision: str | None, confidence: str, n_bins: int
) -> tuple[np.ndarray, np.ndarray]:
    _check_bins(n_bins)
    cols = _resolve_columns(df, func, label=label, suggestion=suggestion, decision=decision)
    _require_columns(df, func, confidence=confidence)
    cols = _Columns(cols.label, cols.suggestion, cols.decision, confidence, None)
    pairs = _pairs(df, cols, _label_list(df, cols, None), func)
    assert pairs.confidence is not None
    known = np.isfinite(pairs.confidence)
    return pairs.confidence[known], pairs.correct[known]


def calibration(
    df: pd.DataFrame,
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
    """
    confidence_values, correct = _calibration_pairs(df, "calibration", label, suggestion, decision, confidence, n_bins)
    return _reliability(confidence_values, correct, n_bins)


def expected_calibration_error(
    df: pd.DataFrame,
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
    return _ece(confidence_values, correct, n_bins)


# ---------------------------------------------------------------------------------------------------------------
# between annotators


def _fleiss_with_reason(counts: np.ndarray) -> tuple[float, str]:
    from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss_kappa

    if counts.shape[0] == 0:
        return math.nan, "no item has the same number of labels as the others"
    raters = counts.sum(axis=1)
    if raters[0] < 2:
        return math.nan, "every item has a single label: nothing to agree on"
    if (counts.sum(axis=0) > 0).sum() < 2:
        return math.nan, "every label is the same: chance agreement is 1, so kappa is 0/0"
    return float(statsmodels_fleiss_kappa(counts, method="fleiss")), ""


def fleiss_kappa(counts: Any) -> float:
    """Fleiss' kappa from an items × categories matrix of counts (how many raters put item i in category j).

    Every item must have the same number of ratings. Computed by ``statsmodels.stats.inter_rater.fleiss_kappa``;
    NaN when undefined (no items, one rating per item, or a single category used throughout).
    """
    table = np.asarray(counts)
    if table.ndim != 2:
        raise InputError(f"fleiss_kappa() needs an items × categories matrix of counts, got shape {table.shape}.")
    if table.size and (not np.issubdtype(table.dtype, np.number) or (table < 0).any() or (table % 1 != 0).any()):
        raise InputError("fleiss_kappa() needs non-negative whole counts.")
    totals = table.sum(axis=1)
    if table.size and (totals != totals[0]).any():
        raise InputError(
            f"Fleiss' kappa needs the same number of ratings for every item; the rows sum to "
            f"{sorted(set(totals.tolist()))[:10]}. Use krippendorff_alpha for uneven or missing ratings."
        )
    return _fleiss_with_reason(table.astype(float))[0]


Level = Literal["nominal", "ordinal", "interval", "ratio"]
_LEVELS = ("nominal", "ordinal", "interval", "ratio")


def _alpha_with_reason(matrix: np.ndarray, level: Level) -> tuple[float, str]:
    """Krippendorff's alpha of a float coders × units matrix (NaN = missing), with the reason when undefined."""
    import krippendorff

    labelled = np.isfinite(matrix)
    pairable = labelled.sum(axis=0) >= 2
    if not pairable.any():
        return math.nan, "no item has labels from two annotators"
    values = matrix[:, pairable][labelled[:, pairable]]
    if np.unique(values).size < 2:
        return math.nan, "every label on the items labeled twice or more is the same: alpha is 0/0"
    return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)), ""


def krippendorff_alpha(reliability_data: Any, level: Level = "nominal") -> float:
    """Krippendorff's alpha: 1 − observed disagreement / disagreement expected by chance.

    ``reliability_data`` is coders × units (one row per annotator, one column per item, as in Krippendorff 2011 and
    the ``krippendorff`` package), with NaN or None for a missing label. ``level`` picks the distance between
    values: ``nominal`` (any labels), ``ordinal``, ``interval`` or ``ratio`` (numbers). Computed by
    ``krippendorff.alpha``; NaN when undefined (no unit labeled twice, or a single value throughout).
    """
    if level not in _LEVELS:
        raise InputError(f"level must be one of {list(_LEVELS)}, got {level!r}.")
    raw = reliability_data.to_numpy(dtype=object) if isinstance(reliability_data, pd.DataFrame) else reliability_data
    data = np.asarray(raw, dtype=object)
    if data.ndim != 2:
        raise InputError(f"reliability_data must be coders × units (2-D), got shape {data.shape}.")
    missing = pd.isna(data)
    try:
        matrix = np.where(missing, np.nan, data).astype(float)
    except (TypeError, ValueError):
        if level != "nominal":
            raise InputError(
                f"level={level!r} needs numeric values; for labels that are not numbers use level='nominal'."
            ) from None
        codes = pd.Index(_sorted_labels(data[~missing].tolist()), dtype=object).get_indexer(data[~missing])
        matrix = np.full(data.shape, np.nan)
        matrix[~missing] = codes
    return _alpha_with_reason(matrix, level)[0]


def _pair_kappa_note(a: np.ndarray, b: np.ndarray) -> str:
    if a.size == 0:
        return "no item labeled by both"
    if a.size == 1:
        return "only one item labeled by both: chance agreement cannot be estimated"
    if np.unique(a).size == 1 and np.unique(b).size == 1 and a[0] == b[0]:
        return "both gave every shared item the same label: kappa is 0/0"
    if np.unique(a).size == 1 or np.unique(b).size == 1:
        return "one of them used a single label on the shared items: kappa is 0 whatever the other did"
    return ""


def annotator_agreement(
    long_df: pd.DataFrame,
    *,
    item: str = "item",
    annotator: str = "annotator",
    label: str = "label",
    labels: Iterable[Hashable] | None = None,
) -> pd.DataFrame:
    """Agreement between annotators, from a long table with one row per item × annotator (missing labels allowed).

    Columns: ``metric``, ``annotator_a``, ``annotator_b`` (set for pairwise rows), ``value``, ``n``, ``note``.
    Rows:

    * ``percent_agreement``: over items with two labels or more, the mean share of annotator pairs on the item who
      gave the same label; ``n`` = those items.
    * ``fleiss_kappa``: Fleiss' kappa (statsmodels) over the items with the most common number of labels (it needs
      the same number per item); ``n`` = those items.
    * ``krippendorff_alpha``: nominal Krippendorff's alpha (the ``krippendorff`` package) over all items, missing
      labels allowed; ``n`` = items with two labels or more.
    * per pair of annotators: ``percent_agreement`` and ``cohen_kappa`` (scikit-learn) on the items both labeled;
      ``n`` = that overlap.
    """
    from sklearn.metrics import cohen_kappa_score

    func = "annotator_agreement"
    _require_frame(long_df, func)
    _require_columns(long_df, func, item=item, annotator=annotator, label=label)
    checked_labels = _check_labels(labels)
    frame = long_df[[item, annotator, label]]
    without_key = frame[item].isna() | frame[annotator].isna()
    if without_key.any():
        raise InputError(f"{func}(): {int(without_key.sum())} row(s) have no {item!r} or no {annotator!r}.")
    # every annotator and item counts, even one without a label: a pair with no overlap is worth a row
    all_item_codes, items = pd.factorize(frame[item], sort=True)
    all_annotator_codes, annotators = pd.factorize(frame[annotator], sort=True)
    labelled = frame[label].notna().to_numpy()
    item_codes, annotator_codes = all_item_codes[labelled], all_annotator_codes[labelled]
    frame = frame[labelled]
    repeated = frame.duplicated([item, annotator], keep=False)
    if repeated.any():
        examples = frame.loc[repeated, [item, annotator]].drop_duplicates().head(3).to_records(index=False).tolist()
        raise InputError(
            f"{func}(): some annotators labeled an item more than once, e.g. (item, annotator) = {examples}. Keep one "
            f"label each, e.g. long_df.drop_duplicates([{item!r}, {annotator!r}], keep='last')."
        )
    values = _object_values(frame[label])
    label_list = checked_labels if checked_labels is not None else _sorted_labels(values)
    codes = _encode(values, label_list)
    if (codes < 0).any():
        unknown = sorted({str(v) for v in values[codes < 0]})[:10]
        raise InputError(f"{func}(): labels {unknown} are not in labels={label_list}.")
    k = len(label_list)

    matrix = np.full((len(annotators), len(items)), np.nan)  # coders × units, as krippendorff expects
    matrix[annotator_codes, item_codes] = codes
    counts = np.zeros((len(items), k), dtype=np.int64)  # items × categories, as Fleiss expects
    np.add.at(counts, (item_codes, codes), 1)
    per_item = counts.sum(axis=1)

    rows: list[dict[str, Any]] = []

    def add(metric: str, value: float, n: int, note: str = "", a: Any = None, b: Any = None) -> None:
        rows.append({"metric": metric, "annotator_a": a, "annotator_b": b, "value": value, "n": n, "note": note})

    multi = per_item >= 2
    if multi.any():
        pairs_total = per_item[multi] * (per_item[multi] - 1) / 2
        pairs_agreeing = (counts[multi] * (counts[multi] - 1) / 2).sum(axis=1)
        single = int((per_item == 1).sum())
        add("percent_agreement", float(np.mean(pairs_agreeing / pairs_total)), int(multi.sum()),
            f"{single} item(s) with a single label left out" if single else "")  # fmt: skip
    else:
        add("percent_agreement", math.nan, 0, "no item has labels from two annotators")

    if multi.any():
        sizes, frequency = np.unique(per_item[multi], return_counts=True)
        size = int(sizes[frequency == frequency.max()].max())  # ties: prefer more labels per item
        chosen = per_item == size
        kappa, note = _fleiss_with_reason(counts[chosen].astype(float))
        dropped = int(multi.sum() - chosen.sum())
        extra = f"used the items with {size} labels; {dropped} item(s) with another count left out" if dropped else ""
        add("fleiss_kappa", kappa, int(chosen.sum()), "; ".join(x for x in (note, extra) if x))
    else:
        add("fleiss_kappa", math.nan, 0, "no item has labels from two annotators")

    alpha, note = _alpha_with_reason(matrix, "nominal")
    add("krippendorff_alpha", alpha, int(multi.sum()), note)

    for i in range(len(annotators)):
        for j in range(i + 1, len(annotators)):
            both = np.isfinite(matrix[i]) & np.isfinite(matrix[j])
            a, b = matrix[i, both].astype(int), matrix[j, both].astype(int)
            shared = int(both.sum())
            add("percent_agreement", float(np.mean(a == b)) if shared else math.nan, shared,
                "" if shared else "no item labeled by both", annotators[i], annotators[j])  # fmt: skip
            note = _pair_kappa_note(a, b)
            value = math.nan if note else float(cohen_kappa_score(a, b, labels=np.arange(k)))
            add("cohen_kappa", value, shared, note, annotators[i], annotators[j])

    return pd.DataFrame(rows, columns=["metric", "annotator_a", "annotator_b", "value", "n", "note"]).astype(
        {"value": float, "n": int}
    )


# ---------------------------------------------------------------------------------------------------------------
# live


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


class RunningAgreement:
    """Human-vs-LLM agreement kept up to date one decision at a time, for the live dashboard.

    ``update`` adds a decision and ``remove`` takes it back (undo); both cost O(1): they move running confusion
    counts and the sums kappa needs, never rescanning. The properties read the same numbers as ``agreement`` and
    scikit-learn on the same pairs (kappa NaN where ``agreement`` says why in ``notes``).
    """

    def __init__(self, labels: Iterable[Hashable] | None = None, *, n_bins: int = 10):
        _check_bins(n_bins)
        checked = _check_labels(labels)
        self._fixed_labels = checked is not None
        self._labels: list[Hashable] = list(checked or [])
        self._n_bins = n_bins
        self._cells: dict[tuple[Hashable, Hashable], int] = {}
        self._true: dict[Hashable, int] = {}  # human label counts
        self._pred: dict[Hashable, int] = {}  # suggestion counts
        self._n = 0
        self._agree = 0
        self._margin_products = 0  # Σ_label true × pred: chance agreement × n²
        self._reviewed = 0
        self._accepted = 0
        self._bin_counts = [0] * n_bins
        self._bin_confidence = [0.0] * n_bins
        self._bin_correct = [0] * n_bins
        self._with_confidence = 0

    def _check_label(self, value: Hashable) -> None:
        if self._fixed_labels and value not in self._labels:
            raise InputError(f"{value!r} is not one of the labels {self._labels}.")

    def _move(self, human_label: Any, suggestion: Any, confidence: Any, accepted: Any, step: int) -> None:
        if accepted is not None:
            self._reviewed += step
            self._accepted += step * bool(accepted)
        if _missing(human_label) or _missing(suggestion):
            return
        self._check_label(human_label)
        self._check_label(suggestion)
        touched = {human_label, suggestion}
        self._margin_products -= sum(self._true.get(x, 0) * self._pred.get(x, 0) for x in touched)
        self._true[human_label] = self._true.get(human_label, 0) + step
        self._pred[suggestion] = self._pred.get(suggestion, 0) + step
        self._margin_products += sum(self._true.get(x, 0) * self._pred.get(x, 0) for x in touched)
        cell = (human_label, suggestion)
        self._cells[cell] = self._cells.get(cell, 0) + step
        agree = human_label == suggestion
        self._n += step
        self._agree += step * agree
        for value in touched:
            if value not in self._labels:
                self._labels.append(value)
        if confidence is not None and not _missing(confidence):
            c = float(confidence)
            if not 0 <= c <= 1:
                raise InputError(f"confidence must lie in [0, 1], got {confidence!r}.")
            b = min(math.floor(c * self._n_bins), self._n_bins - 1)
            self._bin_counts[b] += step
            self._bin_confidence[b] += step * c
            self._bin_correct[b] += step * agree
            self._with_confidence += step

    def update(self, human_label: Any, suggestion: Any, confidence: float | None = None,
               accepted: bool | None = None) -> None:  # fmt: skip
        """Add one decision: the final human label (None if none), the suggestion (None if none), its confidence,
        and whether the suggestion was accepted (None when it was not reviewed: labeled or skipped)."""
        self._move(human_label, suggestion, confidence, accepted, +1)

    def remove(self, human_label: Any, suggestion: Any, confidence: float | None = None,
               accepted: bool | None = None) -> None:  # fmt: skip
        """Take back a decision added earlier with the same arguments (undo)."""
        if not (_missing(human_label) or _missing(suggestion)):
            if self._cells.get((human_label, suggestion), 0) < 1:
                raise InputError(f"cannot remove ({human_label!r}, {suggestion!r}): no such decision was added.")
        if accepted is not None and (self._accepted if accepted else self._reviewed - self._accepted) < 1:
            raise InputError(f"cannot remove a decision with accepted={accepted!r}: none was added.")
        self._move(human_label, suggestion, confidence, accepted, -1)

    @property
    def n(self) -> int:
        """Pairs of a human label and a suggestion."""
        return self._n

    @property
    def accuracy(self) -> float:
        """Share of pairs where the suggestion equals the human label; NaN with no pairs."""
        return self._agree / self._n if self._n else math.nan

    @property
    def accept_rate(self) -> float:
        """Share of accepted among reviewed decisions (``accepted`` given as True or False); NaN with none."""
        return self._accepted / self._reviewed if self._reviewed else math.nan

    def _kappa_note(self) -> str:
        if self._n < 2:
            return "fewer than two pairs: chance agreement cannot be estimated"
        used_true = [x for x, c in self._true.items() if c > 0]
        used_pred = [x for x, c in self._pred.items() if c > 0]
        if len(used_true) == 1 and used_pred == used_true:
            return f"people and the LLM all say {used_true[0]!r}: kappa is 0/0"
        if len(used_true) == 1:
            return f"every human label is {used_true[0]!r}: kappa is 0 whatever the suggestions"
        if len(used_pred) == 1:
            return f"every suggestion is {used_pred[0]!r}: kappa is 0 whatever the people chose"
        return ""

    @property
    def kappa(self) -> float:
        """Cohen's kappa of the pairs; NaN when undefined (see ``notes``)."""
        # the class counts are checked lazily: label sets are small, and the update stays O(1)
        if self._kappa_note():
            return math.nan
        n = self._n
        return (n * self._agree - self._margin_products) / (n * n - self._margin_products)

    @property
    def ece(self) -> float:
        """Expected calibration error over the pairs with a confidence; NaN with none."""
        if self._with_confidence == 0:
            return math.nan
        gaps = sum(abs(c - s) for c, s in zip(self._bin_correct, self._bin_confidence, strict=True))
        return gaps / self._with_confidence

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
        """Why a metric is NaN, by metric name."""
        notes = {}
        if not self._n:
            notes["accuracy"] = "no pairs of a human label and a suggestion"
        if self._kappa_note():
            notes["kappa"] = self._kappa_note()
        if not self._reviewed:
            notes["accept_rate"] = "no accepted, corrected or rejected decisions"
        if not self._with_confidence:
            notes["ece"] = "no pair has a confidence"
        return notes
