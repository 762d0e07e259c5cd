"""How far people agree with the LLM's suggestions: ``agreement`` (a tidy table of metrics) and ``confusion``.

Every function here is pure: DataFrames in, numbers out. Each number is computed by ``labelwidgets.metrics.counts``
from label counts (the tests check them against scikit-learn and statsmodels), so the table, the Dashboard,
``RunningAgreement`` and ``lw.compare`` give the same value and the same NaN reason.

Conventions shared by every function:

* a *pair* is a row with a human label and a suggestion, whose decision is not ``skipped`` (``metrics.pairs``);
  only pairs enter human-vs-LLM metrics. The human label is the reference, the suggestion the prediction.
* a metric that is undefined on the data (no pairs; kappa or pi when both sides gave a single, identical label)
  is NaN, and the table says why in ``note``. A defined value that says little (kappa 0 for a suggester that
  always gives the same label) keeps its value and gets a note.
* unweighted metrics never depend on the order of ``labels``.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from labelwidgets.errors import public
from labelwidgets.metrics.calibration import bin_sums, bootstrap_ece, ece
from labelwidgets.metrics.checks import check_bins, check_labels, object_values, require_columns, sorted_labels
from labelwidgets.metrics.counts import (
    BOOTSTRAP,
    NO_PAIRS,
    WILSON,
    LabelCounts,
    bootstrap_counts,
    bootstrap_note,
    check_ci,
    check_n_boot,
    f1_from_counts,
    kappa_from_counts,
    kappa_note,
    label_counts,
    macro_f1_from_counts,
    percentile_interval,
    scott_pi_from_counts,
    scott_pi_note,
    wilson_interval,
)
from labelwidgets.metrics.pairs import REVIEW_DECISIONS, Columns, Pairs, find_pairs, label_list, resolve_columns

__all__ = ["REVIEW_DECISIONS", "agreement", "confusion", "wilson_interval"]  # wilson_interval: older import path

_TIDY_COLUMNS = ["group", "metric", "value", "low", "high", "n", "interval", "note"]


@public
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
    * ``cohen_kappa``: Cohen's kappa, equal to scikit-learn's ``cohen_kappa_score`` (bootstrap interval). NaN only
      when people and the suggester all gave one and the same label (chance agreement 1, kappa 0/0). A suggester
      that always gives the same label has kappa 0 (no better than chance), and the note says so.
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
    cols = resolve_columns(
        df, func, label=label, suggestion=suggestion, decision=decision, confidence=confidence,
        suggestion_visible=suggestion_visible,
    )  # fmt: skip
    check_ci(ci)
    check_bins(n_bins)
    check_n_boot(n_boot, least=0)
    labels_used = label_list(df, cols, check_labels(labels))

    by_columns = [by] if isinstance(by, str) else (list(by) if by is not None else [])
    if by_columns:
        require_columns(df, func, **{f"by[{i}]": c for i, c in enumerate(by_columns)})
        grouped = df.groupby(by if isinstance(by, str) else by_columns, dropna=False, sort=True)
        groups: list[tuple[Any, pd.DataFrame]] = list(grouped)
    else:
        groups = [("all", df)]

    seeds = np.random.SeedSequence(seed).spawn(len(groups))
    rows: list[dict[str, Any]] = []
    for (key, frame), group_seed in zip(groups, seeds, strict=True):
        rng = np.random.default_rng(group_seed)
        for row in _agreement_rows(frame, cols, labels_used, int(n_boot), rng, ci, n_bins):
            rows.append({"group": key, **row})
    return pd.DataFrame(rows, columns=_TIDY_COLUMNS).astype({"value": float, "low": float, "high": float, "n": int})


def _row(metric: str, value: float, n: int, low: float = math.nan, high: float = math.nan, interval: str = "",
         note: str = "") -> dict[str, Any]:  # fmt: skip
    if not math.isfinite(value):
        low = high = math.nan
    return {"metric": metric, "value": value, "low": low, "high": high, "n": n, "interval": interval, "note": note}


def _joined(*notes: str) -> str:
    return "; ".join(note for note in notes if note)


def _canonical_bootstrap(pairs: Pairs, n_boot: int, rng: np.random.Generator) -> LabelCounts:
    """``bootstrap_counts`` of the pairs, resampled in sorted label order and returned in ``pairs.labels`` order.

    The draws depend on the order of the cells, so resampling in one canonical order keeps the order of
    ``labels=`` from moving the intervals; the Dashboard resamples its running counts the same way.
    """
    labels = pairs.labels
    k = len(labels)
    rank = np.empty(k, dtype=np.int64)
    rank[[labels.index(x) for x in sorted_labels(labels)]] = np.arange(k)
    drawn = bootstrap_counts(rank[pairs.human], rank[pairs.suggested], k, n_boot, rng)
    return LabelCounts(drawn.agree, drawn.true_counts[:, rank], drawn.pred_counts[:, rank], drawn.hits[:, rank])


def _n_row(pairs: Pairs) -> dict[str, Any]:
    n = pairs.n
    notes = [] if n else ["no pairs to compare"]
    if pairs.exclusions:
        notes.append("rows left out: " + ", ".join(pairs.exclusions))
    if pairs.visible is not None and n:
        # the column is boolean-ish: True/False, 1/0 or their strings after a round trip through CSV
        shown = sum(str(v).strip().lower() in ("true", "1", "1.0", "yes") for v in pairs.visible)
        if shown:
            notes.append(
                f"{shown} of {n} pairs were decided with the suggestion on screen, where people tend to go along "
                "with it; compare by='suggestion_visible'"
            )
    return _row("n", float(n), n, note="; ".join(notes))


def _accept_rate_row(frame: pd.DataFrame, cols: Columns, ci: float) -> dict[str, Any]:
    # every reviewed decision counts, with or without a final label
    if cols.decision is None:
        return _row("accept_rate", math.nan, 0, note="no decision column")
    decisions = object_values(frame[cols.decision])
    reviewed = int(np.isin(decisions, REVIEW_DECISIONS).sum())
    if not reviewed:
        return _row("accept_rate", math.nan, 0, note="no accepted, corrected or rejected decisions")
    accepted = int((decisions == "accepted").sum())
    low, high = wilson_interval(accepted, reviewed, ci)
    return _row("accept_rate", accepted / reviewed, reviewed, float(low), float(high), WILSON)


def _agreement_rows(
    frame: pd.DataFrame, cols: Columns, labels: list[Hashable], n_boot: int, rng: np.random.Generator,
    ci: float, n_bins: int,
) -> list[dict[str, Any]]:  # fmt: skip
    pairs = find_pairs(frame, cols, labels, "agreement")
    n = pairs.n
    observed = label_counts(pairs.human, pairs.suggested, len(labels))
    agree, true, pred, hits = int(observed.agree), observed.true_counts, observed.pred_counts, observed.hits
    rows = [_n_row(pairs), _accept_rate_row(frame, cols, ci)]

    if n:
        low, high = wilson_interval(agree, n, ci)
        rows.append(_row("accuracy", agree / n, n, float(low), float(high), WILSON))
    else:
        rows.append(_row("accuracy", math.nan, 0, note=NO_PAIRS))

    boot = _canonical_bootstrap(pairs, n_boot, rng) if n and n_boot else None

    def bootstrapped(metric: str, value: float, replicates: np.ndarray | None, note: str = "") -> dict[str, Any]:
        if not math.isfinite(value) or replicates is None:
            return _row(metric, value, n, note=note)
        low, high, n_defined = percentile_interval(replicates, ci)
        return _row(metric, value, n, float(low), float(high), BOOTSTRAP,
                    _joined(note, bootstrap_note(int(n_defined), n_boot)))  # fmt: skip

    perfect = f"all {n} pairs agree" if n and agree == n else ""
    kappa = float(kappa_from_counts(agree, true, pred))
    kappa_boot = kappa_from_counts(boot.agree, boot.true_counts, boot.pred_counts) if boot is not None else None
    rows.append(bootstrapped("cohen_kappa", kappa, kappa_boot, kappa_note(true, pred, labels) or perfect))

    pi = float(scott_pi_from_counts(agree, true, pred))
    pi_boot = scott_pi_from_counts(boot.agree, boot.true_counts, boot.pred_counts) if boot is not None else None
    rows.append(bootstrapped("scott_pi", pi, pi_boot, scott_pi_note(true, pred, labels) or perfect))

    if n:
        macro = float(macro_f1_from_counts(hits, true, pred))
        macro_boot = macro_f1_from_counts(boot.hits, boot.true_counts, boot.pred_counts) if boot is not None else None
        rows.append(bootstrapped("macro_f1", macro, macro_boot, "mean over the labels seen on either side"))
    else:
        rows.append(_row("macro_f1", math.nan, 0, note=NO_PAIRS))

    rows.append(_ece_row(pairs, n_bins, n_boot, rng, ci))

    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(pred > 0, hits / pred, np.nan)
        recall = np.where(true > 0, hits / true, np.nan)
    f1 = f1_from_counts(hits, true, pred)
    f1_boot = f1_from_counts(boot.hits, boot.true_counts, boot.pred_counts) if boot is not None else None
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


def _ece_row(pairs: Pairs, n_bins: int, n_boot: int, rng: np.random.Generator, ci: float) -> dict[str, Any]:
    if pairs.confidence is None:
        return _row("ece", math.nan, 0, note="no confidence column")
    known = np.isfinite(pairs.confidence)
    n = int(known.sum())
    if n == 0:
        return _row("ece", math.nan, 0, note="no pair has a confidence")
    confidence = pairs.confidence[known]
    correct = pairs.correct[known]
    _, confidence_sums, correct_sums = bin_sums(confidence, correct, n_bins)
    value = float(ece(confidence_sums, correct_sums, n))
    notes = []
    if n < pairs.n:
        notes.append(f"{pairs.n - n} pair(s) without a confidence left out")
    if n < 10 * n_bins:
        notes.append(f"fewer than 10 pairs per bin on average ({n} in {n_bins} bins): ECE runs high on few pairs")
    if not n_boot:
        return _row("ece", value, n, note="; ".join(notes))
    low, high, _ = percentile_interval(bootstrap_ece(confidence, correct, n_bins, n_boot, rng), ci)
    return _row("ece", value, n, float(low), float(high), BOOTSTRAP, "; ".join(notes))


@public
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
    func = "confusion"
    cols = resolve_columns(df, func, label=label, suggestion=suggestion, decision=decision)
    labels_used = label_list(df, cols, check_labels(labels))
    pairs = find_pairs(df, cols, labels_used, func)
    k = len(labels_used)
    counts = np.bincount(pairs.human * k + pairs.suggested, minlength=k * k).reshape(k, k)
    return pd.DataFrame(
        counts,
        index=pd.Index(labels_used, name="human", dtype=object),
        columns=pd.Index(labels_used, name="suggestion", dtype=object),
    )
