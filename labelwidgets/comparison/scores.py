"""The leaderboard's numbers: point estimates, intervals, ranking and the pairwise tests.

Labels are int codes ``0..k-1`` into the label set; ``k`` stands for an invalid output, which counts as a
disagreement everywhere (so no entry climbs by refusing hard items).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from labelwidgets.labels import LabelSet
from labelwidgets.metrics.counts import (
    LabelCounts,
    bootstrap_counts,
    kappa_from_counts,
    kappa_note,
    label_counts,
    macro_f1_from_counts,
    percentile_interval,
    wilson_interval,
)
from labelwidgets.suggesters.base import Suggestion

#: sort_by= names and the table column each sorts on; quality metrics sort high to low, the others low to high.
SORT_KEYS: dict[str, tuple[str, bool]] = {
    "kappa": ("kappa", False),
    "accuracy": ("accuracy", False),
    "macro_f1": ("macro_f1", False),
    "cost": ("cost_per_item", True),
    "latency": ("latency_per_item", True),
    "tokens": ("tokens_per_item", True),
    "invalid": ("invalid_share", True),
}
QUALITY_METRICS = ("kappa", "accuracy", "macro_f1")
TABLE_COLUMNS = [
    "rank", "kappa", "kappa_low", "kappa_high", "accuracy", "accuracy_low", "accuracy_high",
    "macro_f1", "macro_f1_low", "macro_f1_high", "n", "invalid", "invalid_share", "cost", "cost_per_item",
    "tokens_per_item", "latency_per_item", "tied_with",
]  # fmt: skip
PAIRWISE_COLUMNS = [
    "a", "b", "n", "disagree", "a_only_correct", "b_only_correct", "accuracy_diff", "mcnemar_p",
    "kappa_diff", "kappa_diff_low", "kappa_diff_high", "macro_f1_diff", "macro_f1_diff_low", "macro_f1_diff_high",
    "distinguishable",
]  # fmt: skip


@dataclass
class Scores:
    table: pd.DataFrame
    pairwise: pd.DataFrame
    notes: list[str]
    tie_metric: str


def _mean_of(values: Iterable[float | None]) -> float:
    known = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    return sum(known) / len(known) if known else math.nan


def usage(suggestions: list[Suggestion]) -> dict[str, float]:
    """Cost, tokens and latency per item. Items served from a cache are left out of the per-item means when others
    are not, since a new item costs what an uncached one did. Every suggestion has a latency: the runner gives one
    that does not time itself its share of the call's wall time."""
    fresh = [s for s in suggestions if not s.cached] or suggestions
    costs = [s.cost for s in fresh]
    tokens = [
        None if s.input_tokens is None and s.output_tokens is None else (s.input_tokens or 0) + (s.output_tokens or 0)
        for s in fresh
    ]
    spent = [s.cost for s in suggestions if s.cost is not None and not s.cached]
    return {
        "cost": float(sum(spent)) if spent else math.nan,
        "cost_per_item": _mean_of(costs),
        "tokens_per_item": _mean_of(tokens),
        "latency_per_item": _mean_of(s.latency for s in fresh),
    }


def _metrics(counts: LabelCounts, n: int) -> dict[str, np.ndarray]:
    """Kappa, accuracy and macro-F1 from label counts, by the definitions ``lw.agreement`` uses (metrics.counts)."""
    return {
        "kappa": kappa_from_counts(counts.agree, counts.true_counts, counts.pred_counts),
        "accuracy": np.asarray(counts.agree, dtype=float) / n,
        "macro_f1": macro_f1_from_counts(counts.hits, counts.true_counts, counts.pred_counts),
    }


def _bootstrap(
    human: np.ndarray, codes: np.ndarray, names: list[str], k: int, n_boot: int, seed: int
) -> dict[str, dict[str, np.ndarray]]:
    """Kappa, accuracy and macro-F1 of every suggester on the same ``n_boot`` resamples of the items.

    All suggesters (the rows of ``codes``) are resampled together with the human labels: the same items in every
    replicate, so the difference of two suggesters' replicates is the paired bootstrap of their difference.
    """
    boot = bootstrap_counts(human, codes, k, n_boot, np.random.default_rng(seed))
    metrics = _metrics(boot, len(human))  # each (n_boot, m)
    return {name: {m: values[:, j] for m, values in metrics.items()} for j, name in enumerate(names)}


def _interval(replicates: np.ndarray, ci: float) -> tuple[float, float]:
    low, high, _ = percentile_interval(replicates, ci)
    return float(low), float(high)


def score(
    human: np.ndarray, predicted: Mapping[str, np.ndarray], usage: Mapping[str, dict[str, float]], k: int, *,
    sort_by: str, ci: float, n_boot: int, seed: int, labels: LabelSet | None = None,
) -> Scores:  # fmt: skip
    n = len(human)
    notes: list[str] = []
    label_names = labels.names if labels is not None else [str(i) for i in range(k)]
    human_classes = np.unique(human)
    if human_classes.size < 2:
        notes.append(
            f"the people used a single label ({label_names[human_classes[0]]!r}): kappa is 0 whatever the "
            "suggesters say (NaN for one that says the same throughout), so it cannot rank them; compare by accuracy"
        )
    names = list(predicted)
    codes = np.stack([predicted[name] for name in names])  # (m, n); k marks an invalid output
    estimates = _metrics(label_counts(human, codes, k), n)
    boot = _bootstrap(human, codes, names, k, n_boot, seed) if n_boot and n >= 2 else None
    true_counts = np.bincount(human, minlength=k)
    rows = []
    for j, name in enumerate(names):
        correct = int((codes[j] == human).sum())
        low, high = wilson_interval(correct, n, ci)
        invalid = int((codes[j] == k).sum())
        row: dict[str, Any] = {
            "suggester": name,
            "kappa": float(estimates["kappa"][j]),
            "accuracy": float(estimates["accuracy"][j]),
            "accuracy_low": float(low),
            "accuracy_high": float(high),
            "macro_f1": float(estimates["macro_f1"][j]),
            "n": n,
            "invalid": invalid,
            "invalid_share": invalid / n,
            **usage[name],
        }
        for metric in ("kappa", "macro_f1"):
            bounds = _interval(boot[name][metric], ci) if boot is not None else (math.nan, math.nan)
            if not math.isfinite(row[metric]):
                bounds = (math.nan, math.nan)
            row[f"{metric}_low"], row[f"{metric}_high"] = bounds
        rows.append(row)
        if human_classes.size > 1:  # else the note above says it for everyone
            if invalid == n:
                notes.append(f"{name} gave no valid label: kappa 0 = no better than chance")
            elif note := kappa_note(true_counts, np.bincount(codes[j], minlength=k + 1)[:k], label_names, other=name):
                notes.append(note)

    column, ascending = SORT_KEYS[sort_by]
    table = pd.DataFrame(rows).set_index("suggester")
    # ties on the sort key fall back to kappa, then the given order: a stable, explainable ranking
    table["_order"] = np.arange(len(table))
    by, order = [column, "_order"], [ascending, True]
    if column != "kappa":
        by.insert(1, "kappa")
        order.insert(1, False)
    table = table.sort_values(by, ascending=order, na_position="last", kind="stable").drop(columns="_order")
    table["rank"] = np.arange(1, len(table) + 1)

    tie_metric = _tie_metric(sort_by, boot is not None, kappa_defined=human_classes.size >= 2)
    points = {name: {m: float(table.loc[name, m]) for m in QUALITY_METRICS} for name in table.index}
    pairwise = _pairwise(human, predicted, points, list(table.index), boot, ci, tie_metric)
    tied: dict[str, list[str]] = {name: [] for name in table.index}
    for record in pairwise.itertuples(index=False):
        if not record.distinguishable:
            tied[str(record.a)].append(str(record.b))
            tied[str(record.b)].append(str(record.a))
    ranked = {str(name): i for i, name in enumerate(table.index)}
    table["tied_with"] = [", ".join(sorted(tied[name], key=lambda other: ranked[other])) for name in table.index]
    table = table[TABLE_COLUMNS]
    table.index.name = "suggester"
    return Scores(table, pairwise, notes, tie_metric)


def _tie_metric(sort_by: str, have_bootstrap: bool, *, kappa_defined: bool) -> str:
    metric = sort_by if sort_by in QUALITY_METRICS else "kappa"
    if metric == "kappa" and not kappa_defined:
        return "accuracy"
    return metric if have_bootstrap else "accuracy"  # without resamples only McNemar can speak


def _pairwise(
    human: np.ndarray,
    predicted: Mapping[str, np.ndarray],
    points: Mapping[str, Mapping[str, float]],
    ranked: list[str],
    boot: Mapping[str, Mapping[str, np.ndarray]] | None,
    ci: float,
    tie_metric: str,
) -> pd.DataFrame:
    from statsmodels.stats.contingency_tables import mcnemar

    alpha = 1 - ci
    rows = []
    for i, a in enumerate(ranked):
        for b in ranked[i + 1 :]:
            right_a = predicted[a] == human
            right_b = predicted[b] == human
            a_only = int((right_a & ~right_b).sum())
            b_only = int((~right_a & right_b).sum())
            both = int((right_a & right_b).sum())
            table = [[both, a_only], [b_only, int(len(human) - both - a_only - b_only)]]
            p_value = float(mcnemar(table, exact=True).pvalue)
            row: dict[str, Any] = {
                "a": a, "b": b, "n": len(human),
                "disagree": int((predicted[a] != predicted[b]).sum()),
                "a_only_correct": a_only, "b_only_correct": b_only,
                "accuracy_diff": float(right_a.mean() - right_b.mean()),
                "mcnemar_p": p_value,
            }  # fmt: skip
            for metric in ("kappa", "macro_f1"):
                if boot is None:
                    row[f"{metric}_diff"] = points[a][metric] - points[b][metric]
                    row[f"{metric}_diff_low"] = row[f"{metric}_diff_high"] = math.nan
                    continue
                difference = boot[a][metric] - boot[b][metric]
                row[f"{metric}_diff"] = points[a][metric] - points[b][metric]
                row[f"{metric}_diff_low"], row[f"{metric}_diff_high"] = _interval(difference, ci)
            if tie_metric == "accuracy":
                distinguishable = p_value < alpha
            else:
                low, high = row[f"{tie_metric}_diff_low"], row[f"{tie_metric}_diff_high"]
                distinguishable = bool(math.isfinite(low) and (low > 0 or high < 0))
            row["distinguishable"] = bool(distinguishable)
            rows.append(row)
    frame = pd.DataFrame(rows, columns=PAIRWISE_COLUMNS)
    return frame.astype({"distinguishable": bool})
