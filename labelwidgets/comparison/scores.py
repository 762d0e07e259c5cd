"""The leaderboard's numbers: point estimates, intervals, ranking and the pairwise tests.

How answers are scored is the kind's business (``AnswerKind.scores`` and ``AnswerKind.ranking``): one label per item
is encoded as int codes ``0..k-1`` into the label set, with ``k`` for an invalid output; a set of labels per item as
n × (k + 1) booleans, the last column marking an invalid output; spans as their stored text (an object array), None
for an invalid output. An invalid output counts as a disagreement everywhere (so no entry climbs by refusing hard
items).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from labelwidgets.comparison.inputs import check_known
from labelwidgets.errors import InputError
from labelwidgets.kinds import SINGLE
from labelwidgets.labels import LabelSet
from labelwidgets.metrics.checks import SET_CELLS, set_indicator
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
from labelwidgets.metrics.multilabel import (
    bootstrap_multilabel_counts,
    multilabel_counts,
    pair_scores,
    scores_from_counts,
)
from labelwidgets.suggesters.base import Suggestion

#: What every leaderboard can also sort by (low to high): the table column of each.
USAGE_SORT_KEYS: dict[str, tuple[str, bool]] = {
    "cost": ("cost_per_item", True),
    "latency": ("latency_per_item", True),
    "tokens": ("tokens_per_item", True),
    "invalid": ("invalid_share", True),
}
#: sort_by= names and the table column each sorts on; quality metrics sort high to low, the others low to high.
SORT_KEYS: dict[str, tuple[str, bool]] = {
    "kappa": ("kappa", False),
    "accuracy": ("accuracy", False),
    "macro_f1": ("macro_f1", False),
    **USAGE_SORT_KEYS,
}
#: The same for sets of labels per item; Hamming loss sorts low to high.
SET_SORT_KEYS: dict[str, tuple[str, bool]] = {
    "jaccard": ("jaccard", False),
    "subset_accuracy": ("subset_accuracy", False),
    "micro_f1": ("micro_f1", False),
    "macro_f1": ("macro_f1", False),
    "hamming_loss": ("hamming_loss", True),
    **USAGE_SORT_KEYS,
}
#: The same for spans: every span metric sorts high to low.
SPAN_METRICS = ("strict_f1", "strict_precision", "strict_recall", "partial_f1", "exact_f1", "ent_type_f1",
                "exact_match")  # fmt: skip
SPAN_SORT_KEYS: dict[str, tuple[str, bool]] = {
    **{metric: (metric, False) for metric in SPAN_METRICS},
    **USAGE_SORT_KEYS,
}
QUALITY_METRICS = ("kappa", "accuracy", "macro_f1")
SET_METRICS = ("jaccard", "subset_accuracy", "micro_f1", "macro_f1", "hamming_loss")
#: The set metrics with a bootstrap interval (subset accuracy has Wilson's).
SET_BOOTSTRAPPED = ("jaccard", "micro_f1", "macro_f1", "hamming_loss")
#: How a sentence names each quality metric.
METRIC_WORDS = {
    "kappa": "kappa", "accuracy": "accuracy", "macro_f1": "macro-F1", "micro_f1": "micro-F1", "jaccard": "Jaccard",
    "subset_accuracy": "subset accuracy", "hamming_loss": "Hamming loss", "strict_f1": "strict span F1",
    "strict_precision": "strict span precision", "strict_recall": "strict span recall",
    "partial_f1": "partial span F1", "exact_f1": "exact-boundary span F1", "ent_type_f1": "entity-type span F1",
    "exact_match": "exact match",
}  # fmt: skip
_USAGE_COLUMNS = ["n", "invalid", "invalid_share", "cost", "cost_per_item", "tokens_per_item", "latency_per_item"]


@dataclass(frozen=True)
class Ranking:
    """What a leaderboard of one kind of answer ranks by and shows (``AnswerKind.ranking``)."""

    sort_keys: dict[str, tuple[str, bool]]  # sort_by= names: (table column, ascending)
    default: str  # sort_by when none is given; ties on another key fall back to it
    metrics: tuple[str, ...]  # the quality metrics, each with _low/_high in the table, in the order shown
    wilson: str  # the share of exact matches: Wilson interval, ties by McNemar's test

    @property
    def bootstrapped(self) -> tuple[str, ...]:
        """The metrics with a percentile bootstrap interval (and a paired bootstrap of differences)."""
        return tuple(m for m in self.metrics if m != self.wilson)

    @property
    def table_columns(self) -> list[str]:
        return ["rank", *(c for m in self.metrics for c in (m, f"{m}_low", f"{m}_high")), *_USAGE_COLUMNS,
                "tied_with"]  # fmt: skip

    @property
    def pairwise_columns(self) -> list[str]:
        diffs = [c for m in self.bootstrapped for c in (f"{m}_diff", f"{m}_diff_low", f"{m}_diff_high")]
        return ["a", "b", "n", "disagree", "a_only_correct", "b_only_correct", f"{self.wilson}_diff", "mcnemar_p",
                *diffs, "distinguishable"]  # fmt: skip

    def intervals(self, bootstrap: str) -> str:
        """How the table's intervals were computed, in one clause (``bootstrap`` says how the resampling went)."""
        shown = [METRIC_WORDS.get(m, m) for m in self.bootstrapped]
        listed = ", ".join(shown[:-1]) + f" and {shown[-1]}" if len(shown) > 1 else shown[0]
        return f"{METRIC_WORDS.get(self.wilson, self.wilson)} Wilson; {listed} {bootstrap}"


SINGLE_RANKING = Ranking(SORT_KEYS, "kappa", QUALITY_METRICS, "accuracy")
SET_RANKING = Ranking(SET_SORT_KEYS, "jaccard", SET_METRICS, "subset_accuracy")
SPAN_RANKING = Ranking(SPAN_SORT_KEYS, "strict_f1", SPAN_METRICS, "exact_match")
TABLE_COLUMNS = SINGLE_RANKING.table_columns
PAIRWISE_COLUMNS = SINGLE_RANKING.pairwise_columns


@dataclass
class Scores:
    table: pd.DataFrame
    pairwise: pd.DataFrame
    notes: list[str]
    tie_metric: str
    metrics: tuple[str, ...] = QUALITY_METRICS  # the quality metrics of the table, in the order shown


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
    """The leaderboard's numbers, as the kind of answer of ``labels`` scores them (``AnswerKind.scores``).

    ``human`` and each of ``predicted`` are encoded by ``encode_answers``: int codes with ``k`` for an invalid
    output (one label per item), or n × (k + 1) boolean rows whose last column marks an invalid output (sets).
    """
    kind = labels.kind if labels is not None else SINGLE
    return kind.scores(human, predicted, usage, k, sort_by=sort_by, ci=ci, n_boot=n_boot, seed=seed, labels=labels)


def encode_answers(values: Sequence[Any] | np.ndarray, labels: LabelSet, *, column: str | None = None) -> np.ndarray:
    """Answers as ``score`` compares them (``AnswerKind.compared``): what is missing or not an answer over
    ``labels`` marks an invalid output, or, with ``column`` (human answers), is refused, listing the values."""
    return labels.kind.compared(values, labels, column=column)


def encode_suggestions(suggestions: Sequence[Suggestion], labels: LabelSet) -> np.ndarray:
    """Each suggester output as ``score`` compares it: an invalid output (no answer over ``labels``) marked."""
    return encode_answers([s.label if s.valid else None for s in suggestions], labels)


def differs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per item, whether two encoded answers differ (two invalid outputs do not)."""
    unequal = np.asarray(a) != np.asarray(b)
    return unequal.any(axis=1) if unequal.ndim == 2 else unequal


def answer_values(encoded: np.ndarray, labels: LabelSet) -> Any:
    """Encoded answers back as the values a DataFrame shows: label names (a pandas string array), or lists of names
    in label-set order (an object array); missing for an invalid output."""
    k = len(labels)
    if encoded.dtype == object:  # spans: stored texts, as lists of {"start", "end", "label", "text": None}
        spans = np.empty(len(encoded), dtype=object)
        for i, stored in enumerate(encoded):
            spans[i] = None if stored is None else labels.kind.value(stored, labels)
        return spans
    if encoded.ndim == 1:
        return pd.array(np.array([*labels.names, None], dtype=object)[encoded], dtype="string")
    names = np.array(labels.names, dtype=object)
    out = np.empty(len(encoded), dtype=object)
    for i, row in enumerate(encoded):
        out[i] = None if row[k] else list(names[row[:k]])
    return out


def label_codes(values: Sequence[Any] | np.ndarray, labels: LabelSet, *, column: str | None = None) -> np.ndarray:
    """One label per item (``SingleLabel.compared``): int codes into ``labels.names``, ``k`` for anything else."""
    raw = np.asarray(values, dtype=object) if len(values) else np.array([], dtype=object)
    present = ~pd.isna(raw)
    text = np.full(len(raw), None, dtype=object)
    text[present] = [str(v) for v in raw[present]]
    if column is not None:
        return check_known(text, labels, column)
    codes = pd.Index(labels.names, dtype=object).get_indexer(text)
    return np.where(codes < 0, len(labels), codes).astype(np.int64)


def set_rows(values: Sequence[Any] | np.ndarray, labels: LabelSet, *, column: str | None = None) -> np.ndarray:
    """Sets of labels per item (``MultiLabel.compared``): n × (k + 1) booleans, a row per answer over
    ``labels.names`` and a last column marking what is no answer (missing, or a set with a name outside the labels;
    for ``column``, human answers, such a name is refused). Stored JSON text is read as the set it keeps."""
    k = len(labels)
    rows = np.zeros((len(values), k + 1), dtype=bool)
    cells = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        if isinstance(value, str) or not isinstance(value, SET_CELLS):
            stored = labels.kind.suggested(value, labels)[0] if isinstance(value, str) else None
            cells[i] = None if stored is None else labels.kind.value(stored, labels)
        else:
            cells[i] = value
    where = column if column is not None else "suggestions"
    if column is None:  # a set naming anything outside the labels is an invalid output as a whole
        position = set(labels.names)
        for i, cell in enumerate(cells):
            if cell is not None and not set(cell) <= position:
                cells[i] = None
    matrix, present, _ = set_indicator(cells, labels.names, "compare", where)
    rows[:, :k] = matrix
    rows[:, k] = ~present
    return rows


def span_rows(values: Sequence[Any] | np.ndarray, labels: LabelSet, *, column: str | None = None) -> np.ndarray:
    """Spans per item (``SpanAnswers.compared``): an object array of each answer's stored text (``[[start, end,
    label], ...]``, sorted), None for what is no spans answer over ``labels`` (missing; a label outside the labels,
    overlapping spans the kind refuses, bad offsets). For ``column`` (human answers) such a value is refused,
    listing the first ones. A cell is a list of spans (``{"start", "end", "label", ...}`` or ``(start, end,
    label)``) or the stored JSON text."""
    kind = labels.kind
    out = np.full(len(values), None, dtype=object)
    refused: list[str] = []
    for i, value in enumerate(values):
        if not isinstance(value, (str, *SET_CELLS)):
            if column is not None:
                refused.append(f"#{i}: {value!r} is not a list of spans")
            continue
        try:
            out[i] = kind.from_cell(value, labels)
        except InputError as error:
            if column is not None:
                refused.append(f"#{i}: {str(error).rstrip('.')}")
    if refused:
        listed = "; ".join(refused[:5]) + (f"; and {len(refused) - 5} more" if len(refused) > 5 else "")
        raise InputError(
            f"the human answers in {column!r} include {len(refused)} that are not spans over the labels "
            f"{labels.names} (#: the answer's position among the rows with one): {listed}. Fix or drop those rows."
        )
    return out


@dataclass(frozen=True)
class _Entries:
    """Per suggester, what ranking and the pairwise tests need, for either kind of answer."""

    rows: list[dict[str, Any]]  # the table rows: point values, intervals, n, invalid, usage
    boot: dict[str, dict[str, np.ndarray]] | None  # per suggester, per bootstrapped metric, the replicates
    correct: dict[str, np.ndarray]  # per suggester: items where the whole answer equals the human one
    encoded: dict[str, np.ndarray]  # per suggester: the encoded outputs, for `differs`
    notes: list[str]


def label_scores(
    human: np.ndarray, predicted: Mapping[str, np.ndarray], usage: Mapping[str, dict[str, float]], k: int, *,
    sort_by: str, ci: float, n_boot: int, seed: int, labels: LabelSet | None = None,
) -> Scores:  # fmt: skip
    """``score`` for one label per item: kappa, accuracy and macro-F1 (``SingleLabel.scores``)."""
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
        _bootstrap_bounds(row, boot[name] if boot is not None else None, ("kappa", "macro_f1"), ci)
        rows.append(row)
        if human_classes.size > 1:  # else the note above says it for everyone
            if invalid == n:
                notes.append(f"{name} gave no valid label: kappa 0 = no better than chance")
            elif note := kappa_note(true_counts, np.bincount(codes[j], minlength=k + 1)[:k], label_names, other=name):
                notes.append(note)
    entries = _Entries(rows, boot, {name: predicted[name] == human for name in names}, dict(predicted), notes)
    return _ranked(entries, n, SINGLE_RANKING, sort_by, ci, defined=human_classes.size >= 2)


def set_scores(
    human: np.ndarray, predicted: Mapping[str, np.ndarray], usage: Mapping[str, dict[str, float]], k: int, *,
    sort_by: str, ci: float, n_boot: int, seed: int, labels: LabelSet | None = None,
) -> Scores:  # fmt: skip
    """``score`` for sets of labels per item: Jaccard, subset accuracy, micro and macro F1 and Hamming loss, by the
    definitions of ``metrics.multilabel`` (``MultiLabel.scores``).

    An invalid output names no label: in the per-label counts (F1, Hamming loss) it says no label is present, and as
    a whole answer it never matches, not even "none of these" (subset accuracy and Jaccard 0).
    """
    n = len(human)
    truth = np.asarray(human, dtype=bool)[:, :k]
    names = list(predicted)
    stacked = np.stack([np.asarray(predicted[name], dtype=bool) for name in names])  # (m, n, k + 1)
    sides, valid = stacked[:, :, :k], ~stacked[:, :, k]
    estimates = [scores_from_counts(multilabel_counts(truth, sides[j], valid=valid[j])) for j in range(len(names))]
    boot = None
    if n_boot and n >= 2:
        rng = np.random.default_rng(seed)
        drawn = scores_from_counts(bootstrap_multilabel_counts(truth, sides, n_boot, rng, valid))
        boot = {name: {m: drawn[m][:, j] for m in SET_BOOTSTRAPPED} for j, name in enumerate(names)}
    rows, notes, correct = [], [], {}
    for j, name in enumerate(names):
        exact, _, _ = pair_scores(truth, sides[j], valid[j])
        low, high = wilson_interval(int(exact.sum()), n, ci)
        invalid = int((~valid[j]).sum())
        row: dict[str, Any] = {
            "suggester": name,
            **{metric: float(estimates[j][metric]) for metric in SET_RANKING.metrics},
            "subset_accuracy_low": float(low),
            "subset_accuracy_high": float(high),
            "n": n,
            "invalid": invalid,
            "invalid_share": invalid / n,
            **usage[name],
        }
        _bootstrap_bounds(row, boot[name] if boot is not None else None, SET_BOOTSTRAPPED, ci)
        rows.append(row)
        correct[name] = exact
        if invalid == n:
            notes.append(f"{name} gave no valid answer: every item counts as a disagreement")
    entries = _Entries(rows, boot, correct, {name: stacked[j] for j, name in enumerate(names)}, notes)
    return _ranked(entries, n, SET_RANKING, sort_by, ci, defined=True)


def span_leaderboard_scores(
    human: np.ndarray, predicted: Mapping[str, np.ndarray], usage: Mapping[str, dict[str, float]], k: int, *,
    sort_by: str, ci: float, n_boot: int, seed: int, labels: LabelSet | None = None,
) -> Scores:  # fmt: skip
    """``score`` for spans (``SpanAnswers.scores``): each suggester's spans against the people's over all items,
    `span_scores`' numbers (nervaluate's) as ``lw.agreement`` gives them (``metrics.span_agreement``).

    ``strict_f1`` (the default ranking), ``strict_precision``, ``strict_recall``, ``partial_f1``, ``exact_f1`` and
    ``ent_type_f1`` with percentile bootstrap intervals over the items (every suggester on the same resamples, so
    differences are paired); ``exact_match`` (the share of items whose spans are exactly the people's) with a Wilson
    interval, ties by McNemar. An invalid output marks no span (the people's spans on that item are missed) and
    never matches, not even an item without spans. NaN where ``span_scores`` says 0 for 0/0: precision of a
    suggester that marked no span, recall and F1 when the people marked none.
    """
    from labelwidgets.kinds import SPANS
    from labelwidgets.metrics.span_agreement import bootstrap_sums, item_sums, scores_from_sums

    kind: Any = labels.kind if labels is not None else SPANS
    n = len(human)
    human_spans = [tuple(kind.spans(stored)) for stored in human]
    names = list(predicted)
    sides = {name: [tuple(kind.spans(v)) if v is not None else () for v in predicted[name]] for name in names}
    seen = sorted({s.label for answers in (human_spans, *sides.values()) for answer in answers for s in answer})
    label_names = labels.names if labels is not None else seen
    overall = slice(0, 2 + 4)  # spans suggested, human spans, 2 · credit per scheme (`item_sums`)
    per_pair = {name: item_sums(human_spans, sides[name], label_names)[:, overall] for name in names}
    possible = int(per_pair[names[0]][:, 1].sum()) if names else 0
    boot = None
    if n_boot and n >= 2:
        columns = [per_pair[names[0]][:, 1], *(c for name in names for c in np.delete(per_pair[name], 1, axis=1).T)]
        drawn = bootstrap_sums(columns, n_boot, np.random.default_rng(seed))  # (n_boot, 1 + 5 m)
        boot = {}
        for j, name in enumerate(names):
            mine = drawn[:, 1 + 5 * j : 1 + 5 * (j + 1)]
            sums = np.column_stack([mine[:, 0], drawn[:, 0], mine[:, 1:]])
            replicates = scores_from_sums(sums, [])
            boot[name] = {metric: replicates[metric] for metric in SPAN_RANKING.bootstrapped}
    rows, notes, correct = [], [], {}
    if n and not possible:
        notes.append(
            "the people marked no span on any item: recall is undefined and F1 is 0 for a suggester that marks "
            "spans (NaN for one that marks none), so it cannot rank them; compare by exact_match"
        )
    for name in names:
        valid = np.array([v is not None for v in predicted[name]], dtype=bool)
        exact = valid & np.fromiter(map(tuple.__eq__, human_spans, sides[name]), dtype=bool, count=n)
        estimates = scores_from_sums(per_pair[name].sum(axis=0), [])
        low, high = wilson_interval(int(exact.sum()), n, ci)
        invalid = int((~valid).sum())
        row: dict[str, Any] = {
            "suggester": name,
            **{metric: float(estimates[metric]) for metric in SPAN_RANKING.bootstrapped},
            "exact_match": float(exact.mean()) if n else math.nan,
            "exact_match_low": float(low),
            "exact_match_high": float(high),
            "n": n,
            "invalid": invalid,
            "invalid_share": invalid / n,
            **usage[name],
        }
        _bootstrap_bounds(row, boot[name] if boot is not None else None, SPAN_RANKING.bootstrapped, ci)
        rows.append(row)
        correct[name] = exact
        if invalid == n:
            notes.append(f"{name} gave no valid answer: every item counts as a disagreement")
    entries = _Entries(rows, boot, correct, {name: predicted[name] for name in names}, notes)
    return _ranked(entries, n, SPAN_RANKING, sort_by, ci, defined=possible > 0)


def _bootstrap_bounds(
    row: dict[str, Any], replicates: Mapping[str, np.ndarray] | None, metrics: Sequence[str], ci: float
) -> None:
    for metric in metrics:
        bounds = _interval(replicates[metric], ci) if replicates is not None else (math.nan, math.nan)
        if not math.isfinite(row[metric]):
            bounds = (math.nan, math.nan)
        row[f"{metric}_low"], row[f"{metric}_high"] = bounds


def _ranked(entries: _Entries, n: int, ranking: Ranking, sort_by: str, ci: float, *, defined: bool) -> Scores:
    """The table in ranking order, the pairwise tests and who is tied with whom. ``defined``: whether the
    ranking's default metric can tell entries apart (kappa cannot when the people used one label)."""
    column, ascending = ranking.sort_keys[sort_by]
    table = pd.DataFrame(entries.rows).set_index("suggester")
    # ties on the sort key fall back to the default metric, then the given order: a stable, explainable ranking
    table["_order"] = np.arange(len(table))
    by, order = [column, "_order"], [ascending, True]
    if column != ranking.default:
        by.insert(1, ranking.default)
        order.insert(1, ranking.sort_keys[ranking.default][1])
    table = table.sort_values(by, ascending=order, na_position="last", kind="stable").drop(columns="_order")
    table["rank"] = np.arange(1, len(table) + 1)

    tie_metric = _tie_metric(sort_by, entries.boot is not None, ranking, defined=defined)
    points = {name: {m: float(table.loc[name, m]) for m in ranking.metrics} for name in table.index}
    pairwise = _pairwise(entries, n, points, list(table.index), ci, tie_metric, ranking)
    tied: dict[str, list[str]] = {name: [] for name in table.index}
    for record in pairwise.itertuples(index=False):
        if not record.distinguishable:
            tied[str(record.a)].append(str(record.b))
            tied[str(record.b)].append(str(record.a))
    ranked = {str(name): i for i, name in enumerate(table.index)}
    table["tied_with"] = [", ".join(sorted(tied[name], key=lambda other: ranked[other])) for name in table.index]
    table = table[ranking.table_columns]
    table.index.name = "suggester"
    return Scores(table, pairwise, entries.notes, tie_metric, ranking.metrics)


def _tie_metric(sort_by: str, have_bootstrap: bool, ranking: Ranking, *, defined: bool) -> str:
    metric = sort_by if sort_by in ranking.metrics else ranking.default
    if metric == ranking.default and not defined:
        return ranking.wilson
    return metric if have_bootstrap else ranking.wilson  # without resamples only McNemar can speak


def _pairwise(
    entries: _Entries,
    n: int,
    points: Mapping[str, Mapping[str, float]],
    ranked: list[str],
    ci: float,
    tie_metric: str,
    ranking: Ranking,
) -> pd.DataFrame:
    from statsmodels.stats.contingency_tables import mcnemar

    alpha = 1 - ci
    boot = entries.boot
    rows = []
    for i, a in enumerate(ranked):
        for b in ranked[i + 1 :]:
            right_a = entries.correct[a]
            right_b = entries.correct[b]
            a_only = int((right_a & ~right_b).sum())
            b_only = int((~right_a & right_b).sum())
            both = int((right_a & right_b).sum())
            table = [[both, a_only], [b_only, int(n - both - a_only - b_only)]]
            p_value = float(mcnemar(table, exact=True).pvalue)
            row: dict[str, Any] = {
                "a": a, "b": b, "n": n,
                "disagree": int(differs(entries.encoded[a], entries.encoded[b]).sum()),
                "a_only_correct": a_only, "b_only_correct": b_only,
                f"{ranking.wilson}_diff": float(right_a.mean() - right_b.mean()),
                "mcnemar_p": p_value,
            }  # fmt: skip
            for metric in ranking.bootstrapped:
                row[f"{metric}_diff"] = points[a][metric] - points[b][metric]
                if boot is None:
                    row[f"{metric}_diff_low"] = row[f"{metric}_diff_high"] = math.nan
                    continue
                difference = boot[a][metric] - boot[b][metric]
                row[f"{metric}_diff_low"], row[f"{metric}_diff_high"] = _interval(difference, ci)
            if tie_metric == ranking.wilson:
                distinguishable = p_value < alpha
            else:
                low, high = row[f"{tie_metric}_diff_low"], row[f"{tie_metric}_diff_high"]
                distinguishable = bool(math.isfinite(low) and (low > 0 or high < 0))
            row["distinguishable"] = bool(distinguishable)
            rows.append(row)
    frame = pd.DataFrame(rows, columns=ranking.pairwise_columns)
    return frame.astype({"distinguishable": bool})
