"""The one place that turns label counts into agreement numbers, intervals and bootstrap replicates.

Every other module (``lw.agreement``, ``lw.agreement_over_time``, ``RunningAgreement``, the Dashboard and
``lw.compare``) computes Cohen's kappa, Scott's pi, F1, the Wilson interval, the percentile interval and the
bootstrap over items through these functions, and takes its NaN reasons from ``kappa_note``/``scott_pi_note``, so
one number has one definition and one explanation everywhere. ``kappa_estimate`` puts kappa, its note and its
bootstrap interval together for one pair of sides (a student and gold, two annotators), and ``CHANCE_SENTENCE`` is
what kappa 0 means, in the words every view shows.

Counts are numpy arrays whose last axis is the label set; any leading axes (bootstrap replicates, rolling windows,
several suggesters) broadcast, so a thousand replicates cost one call. Only numpy is imported here.

Degenerate cases follow scikit-learn's ``cohen_kappa_score``: kappa is NaN only where it is undefined, i.e. there
are no pairs or chance agreement p_e is 1 (people and the suggester all gave the same single label: 0/0). Anywhere
else it is the formula's value. A suggester that always says the same label therefore has kappa exactly 0 (its
agreement is what chance predicts), as does a set of human labels that are all the same; ``kappa_note`` says so.

A prediction outside the label set (an invalid LLM output) is counted in ``n`` but in no label's
``pred_counts``: it never agrees, and it forms its own category for chance agreement, as scikit-learn would count
an extra class.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from statistics import NormalDist
from typing import Any, NamedTuple

import numpy as np

from labelwidgets.errors import InputError

#: How the interval of a count-based rate is computed (``interval`` column of ``lw.agreement``).
WILSON = "Wilson"
#: How the interval of kappa, pi, F1 and ECE is computed.
BOOTSTRAP = "bootstrap percentile"

# bounds a chunk of bootstrap draws to about 32 MB of int64, however many replicates or cells
_MAX_DRAWN_ENTRIES = 4_000_000


def check_ci(ci: float) -> None:
    """Raise ``InputError`` unless ``ci`` is a confidence level strictly between 0 and 1."""
    if isinstance(ci, bool) or not isinstance(ci, (int, float, np.floating)) or not 0 < ci < 1:
        raise InputError(f"ci must be between 0 and 1 (e.g. 0.95 for a 95% interval), got {ci!r}.")


# ---------------------------------------------------------------------------------------------------------------
# numbers from counts


def _as_float(*arrays: Any) -> list[np.ndarray]:
    return [np.asarray(a, dtype=float) for a in arrays]


def kappa_from_counts(agree: Any, true_counts: Any, pred_counts: Any) -> np.ndarray:
    """Cohen's kappa from the number of agreeing pairs and the per-label counts of both sides.

    ``true_counts`` (people) and ``pred_counts`` (the suggester) have the labels on their last axis; ``n`` is
    ``true_counts.sum(-1)``. kappa = (p_o − p_e) / (1 − p_e) with p_o = agree / n and p_e = Σ true·pred / n²,
    computed as (n·agree − Σ true·pred) / (n² − Σ true·pred) so that whole counts give exact results (a
    constant suggester gives exactly 0.0). NaN only where kappa is undefined: n = 0, or p_e = 1.
    """
    agree_f, true, pred = _as_float(agree, true_counts, pred_counts)
    n = true.sum(axis=-1)
    chance_n2 = (true * pred).sum(axis=-1)  # p_e · n²
    numerator = n * agree_f - chance_n2
    denominator = n * n - chance_n2
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = numerator / denominator
    return np.where((n > 0) & (denominator > 0), kappa, np.nan)


def scott_pi_from_counts(agree: Any, true_counts: Any, pred_counts: Any) -> np.ndarray:
    """Scott's pi: like kappa, but chance agreement from the label shares of both sides pooled.

    p_e = Σ ((true + pred) / 2n)², with predictions outside the label set pooled as one more category. NaN only
    where pi is undefined: n = 0, or p_e = 1 (both sides gave one and the same label throughout).
    """
    agree_f, true, pred = _as_float(agree, true_counts, pred_counts)
    n = true.sum(axis=-1)
    outside = n - pred.sum(axis=-1)
    pooled = true + pred
    chance_4n2 = (pooled * pooled).sum(axis=-1) + outside * outside  # p_e · (2n)²
    numerator = 4 * n * agree_f - chance_4n2
    denominator = 4 * n * n - chance_4n2
    with np.errstate(divide="ignore", invalid="ignore"):
        pi = numerator / denominator
    return np.where((n > 0) & (denominator > 0), pi, np.nan)


def f1_from_counts(hits: Any, true_counts: Any, pred_counts: Any) -> np.ndarray:
    """Per-label F1 = 2·hits / (true + pred), as scikit-learn's ``f1_score(average=None, zero_division=np.nan)``.

    ``hits`` counts, per label, the pairs where both sides gave that label. NaN for a label that appears on
    neither side.
    """
    hits_f, true, pred = _as_float(hits, true_counts, pred_counts)
    denominator = true + pred
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, 2 * hits_f / denominator, np.nan)


def macro_f1_from_counts(hits: Any, true_counts: Any, pred_counts: Any) -> np.ndarray:
    """Unweighted mean of the per-label F1 over the labels seen on either side; NaN when no label is seen.

    The same as ``f1_score(average="macro", zero_division=np.nan)`` with every label of the label set passed.
    """
    f1 = f1_from_counts(hits, true_counts, pred_counts)
    seen = np.isfinite(f1)
    count = seen.sum(axis=-1)
    total = np.where(seen, f1, 0.0).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(count > 0, total / count, np.nan)


# ---------------------------------------------------------------------------------------------------------------
# why a number is NaN, or what to keep in mind: the same words from every caller


NO_PAIRS = "no pairs of a human label and a suggestion"
#: The reader's key to kappa, said once wherever a kappa is shown to a student or a class.
CHANCE_SENTENCE = (
    "Kappa counts only the agreement beyond chance: 0 is what answering at random with your own mix of labels "
    "would score, 1 is every answer right."
)


def _used(counts: np.ndarray, labels: Sequence[Hashable]) -> list[Hashable]:
    return [labels[int(i)] for i in np.flatnonzero(counts)]


def kappa_note(
    true_counts: Any, pred_counts: Any, labels: Sequence[Hashable], *, reference: str = "people",
    other: str = "the suggester",
) -> str:  # fmt: skip
    """Why Cohen's kappa is NaN, or why its value says little, for one set of counts; "" when there is nothing to say.

    ``labels`` names the positions of the count vectors; ``reference`` and ``other`` name the two sides (people and
    the suggester, or two annotators). Only the first two cases make kappa NaN (the first says ``NO_PAIRS``):

    * no pairs;
    * both sides gave one and the same label throughout: chance agreement is 1, kappa 0/0;
    * ``other`` always gave the same label: kappa is exactly 0, no better than chance;
    * ``reference`` always gave the same label: kappa is exactly 0 whatever the other side did.
    """
    true = np.asarray(true_counts)
    pred = np.asarray(pred_counts)
    n = true.sum()
    if n == 0:
        return NO_PAIRS
    used_true = _used(true, labels)
    used_pred = _used(pred, labels)
    other_constant = len(used_pred) == 1 and pred.sum() == n  # outside-the-label-set answers are a label too
    if len(used_true) == 1 and other_constant and used_true == used_pred:
        return f"{reference} and {other} all say {used_true[0]!r}: chance agreement is 1, so kappa is 0/0"
    if other_constant:
        return f"{other} always says {used_pred[0]!r}: kappa 0 = no better than chance"
    if len(used_true) == 1:
        return f"{reference} only ever said {used_true[0]!r}: kappa is 0 whatever {other} says; see accuracy"
    return ""


def scott_pi_note(true_counts: Any, pred_counts: Any, labels: Sequence[Hashable]) -> str:
    """Why Scott's pi is NaN for one set of counts (people vs the suggester), "" when it is defined."""
    true = np.asarray(true_counts)
    pred = np.asarray(pred_counts)
    n = true.sum()
    if n == 0:
        return NO_PAIRS
    used = _used(true + pred, labels)
    if len(used) == 1 and pred.sum() == n:
        return f"people and the suggester all say {used[0]!r}: chance agreement is 1, so pi is 0/0"
    return ""


def bootstrap_note(n_defined: int, n_boot: int) -> str:
    """What the percentile interval left out: resamples where the metric was undefined."""
    undefined = n_boot - n_defined
    if undefined <= 0:
        return ""
    return (
        f"{undefined} of {n_boot} bootstrap resamples were undefined (one and the same label on both sides) "
        "and left out of the interval"
    )


# ---------------------------------------------------------------------------------------------------------------
# intervals


def wilson_interval(successes: Any, trials: Any, ci: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion (no continuity correction), elementwise.

    Returns (low, high), NaN where ``trials`` is 0. The same as statsmodels' ``proportion_confint(method="wilson")``
    and scipy's ``binomtest(k, n).proportion_ci(method="wilson")``, vectorised for rolling windows; at 0 or all
    successes the bound is exactly 0 or 1.
    """
    check_ci(ci)
    k, n = _as_float(successes, trials)
    z = NormalDist().inv_cdf(1 - (1 - ci) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denominator = 1 + z * z / n
        center = (p + z * z / (2 * n)) / denominator
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
        # rounding would otherwise leave 1 − 1e-16 below an estimate of 1
        low = np.where(n > 0, np.where(k == 0, 0.0, np.clip(center - half, 0.0, 1.0)), np.nan)
        high = np.where(n > 0, np.where(k == n, 1.0, np.clip(center + half, 0.0, 1.0)), np.nan)
    return low, high


def percentile_interval(replicates: Any, ci: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Percentile bootstrap interval over the last axis, leaving out undefined (non-finite) replicates.

    Returns (low, high, n_defined), each shaped like the leading axes (0-d for a 1-D input: use ``float()``).
    The bounds are NaN where fewer than two replicates are defined; quantiles interpolate linearly, as
    ``np.quantile``'s default.
    """
    check_ci(ci)
    values = np.asarray(replicates, dtype=float)
    defined = np.isfinite(values)
    n_defined = defined.sum(axis=-1)
    tail = (1 - ci) / 2
    if values.ndim == 1:  # the common case, without nanquantile's cost
        if n_defined < 2:
            return np.array(np.nan), np.array(np.nan), np.asarray(n_defined)
        low, high = np.quantile(values[defined], [tail, 1 - tail])
        return np.asarray(low), np.asarray(high), np.asarray(n_defined)
    enough = n_defined >= 2
    if not enough.any():  # also no replicates at all, where nanquantile would warn
        nothing = np.full(values.shape[:-1], np.nan)
        return nothing, nothing.copy(), n_defined
    finite = np.where(defined & enough[..., None], values, np.nan)
    finite[~enough] = 0.0  # nanquantile warns on all-NaN rows; they are masked below
    low, high = np.nanquantile(finite, [tail, 1 - tail], axis=-1)
    return np.where(enough, low, np.nan), np.where(enough, high, np.nan), n_defined


def kappa_normal_interval(
    kappa: Any, agree: Any, true_counts: Any, pred_counts: Any, ci: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Normal interval kappa ± z·SE with Cohen's (1960) large-sample SE √(p_o(1 − p_o)/n) / (1 − p_e), in [−1, 1].

    Cheap enough for every row of a rolling window, but rough for small n; NaN where ``kappa`` is NaN.
    """
    check_ci(ci)
    kappa_f, agree_f, true, pred = _as_float(kappa, agree, true_counts, pred_counts)
    z = NormalDist().inv_cdf(1 - (1 - ci) / 2)
    n = true.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        observed = agree_f / n
        chance = (true * pred).sum(axis=-1) / (n * n)
        se = np.sqrt(observed * (1 - observed) / n) / (1 - chance)
    defined = np.isfinite(kappa_f)
    return (
        np.where(defined, np.clip(kappa_f - z * se, -1, 1), np.nan),
        np.where(defined, np.clip(kappa_f + z * se, -1, 1), np.nan),
    )


# ---------------------------------------------------------------------------------------------------------------
# the bootstrap over items


def check_n_boot(n_boot: int, *, least: int = 1) -> None:
    """Raise ``InputError`` unless ``n_boot`` is a whole number of resamples, at least ``least``."""
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < least:
        raise InputError(f"n_boot must be an integer >= {least}, got {n_boot!r}.")


def bootstrap_cells(
    cell_counts: Any,
    statistic: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, ...]],
    n_boot: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, ...]:
    """The bootstrap over items, drawn per cell: ``n_boot`` resamples of the items, with replacement.

    Items that are interchangeable for the statistic (same labels, same confidence) form a *cell*;
    ``cell_counts`` says how many items each cell holds. Resampling n items with replacement puts
    Multinomial(n, cell shares) items in the cells, so that is what is drawn: the cost grows with the number of
    occupied cells, not of items. ``statistic(cells, draws)`` gets the positions of the occupied cells in
    ``cell_counts`` (in order) and a block of draws (replicates × occupied cells), and returns arrays whose first
    axis is the replicates; the blocks are concatenated. The draws depend only on ``rng`` and the occupied cells
    in order, so every caller that orders its cells the same way gets the same replicates.
    """
    check_n_boot(n_boot)
    counts = np.asarray(cell_counts, dtype=np.int64).ravel()
    occupied = np.flatnonzero(counts)
    n = int(counts.sum())
    if n == 0:
        return statistic(occupied, np.zeros((n_boot, 0), dtype=np.int64))
    shares = counts[occupied] / n
    block = max(1, min(n_boot, _MAX_DRAWN_ENTRIES // occupied.size))
    # drawing in blocks gives the same numbers as one call: the generator draws replicate after replicate
    parts = [
        statistic(occupied, rng.multinomial(n, shares, size=min(block, n_boot - start)))
        for start in range(0, n_boot, block)
    ]
    return tuple(np.concatenate(pieces, axis=0) for pieces in zip(*parts, strict=True))


def bootstrap_items(
    columns: Sequence[Any],
    statistic: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, ...]],
    n_boot: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, ...]:
    """``bootstrap_cells`` for items given as columns of values (one value per item in each column).

    The cells are the distinct rows, in sorted order; ``statistic(rows, draws)`` gets those rows (cells ×
    columns) instead of positions.
    """
    table = np.column_stack([np.asarray(c) for c in columns])
    rows, cell_counts = np.unique(table, axis=0, return_counts=True)
    return bootstrap_cells(cell_counts, lambda cells, draws: statistic(rows[cells], draws), n_boot, rng)


def sum_by_code(draws: np.ndarray, codes: np.ndarray, k: int) -> np.ndarray:
    """Add up the columns of ``draws`` (replicates × cells) by each cell's code in [0, k); other codes drop out."""
    out = np.zeros((draws.shape[0], k), dtype=draws.dtype)
    valid = (codes >= 0) & (codes < k)
    if valid.any():
        keys = codes[valid]
        order = np.argsort(keys, kind="stable")
        present, starts = np.unique(keys[order], return_index=True)
        out[:, present] = np.add.reduceat(draws[:, valid][:, order], starts, axis=1)
    return out


class LabelCounts(NamedTuple):
    """What the ``*_from_counts`` functions take; with a leading replicate axis when bootstrapped."""

    agree: np.ndarray  # pairs where the suggestion equals the human label
    true_counts: np.ndarray  # human labels per label (last axis)
    pred_counts: np.ndarray  # suggestions per label; suggestions outside the label set in none
    hits: np.ndarray  # pairs where both sides gave the label, per label


def _outside_as_k(codes: np.ndarray, k: int) -> np.ndarray:
    return np.where((codes >= 0) & (codes < k), codes, k)


def _check_codes(human: np.ndarray, suggested: np.ndarray, k: int) -> None:
    if human.ndim != 1 or suggested.ndim not in (1, 2) or suggested.shape[-1] != human.shape[0]:
        raise InputError(
            f"needs human codes shaped (n,) and suggested codes (n,) or (m, n); got {human.shape} and "
            f"{suggested.shape}."
        )
    if ((human < 0) | (human >= k)).any():
        raise InputError(f"human label codes must lie in [0, {k}).")


def label_counts(human_codes: Any, suggested_codes: Any, k: int) -> LabelCounts:
    """The label counts of the pairs as they are. Codes as in ``bootstrap_counts``; no replicate axis."""
    human = np.asarray(human_codes, dtype=np.int64)
    suggested = np.asarray(suggested_codes, dtype=np.int64)
    _check_codes(human, suggested, k)
    agreeing = suggested == human
    rows = np.broadcast_to(human, suggested.shape)

    def per_label(codes: np.ndarray) -> np.ndarray:
        rows_of_codes = [np.bincount(_outside_as_k(c, k), minlength=k + 1)[:k] for c in np.atleast_2d(codes)]
        return np.stack(rows_of_codes) if codes.ndim == 2 else rows_of_codes[0]

    hits = per_label(np.where(agreeing, rows, k))
    pred = per_label(suggested)
    true = np.broadcast_to(np.bincount(human, minlength=k), pred.shape)
    return LabelCounts(agreeing.sum(axis=-1), true, pred, hits)


def bootstrap_confusion(confusion: Any, n_boot: int, rng: np.random.Generator) -> LabelCounts:
    """The label counts of ``n_boot`` bootstrap resamples of the pairs behind a confusion matrix.

    ``confusion[i, j]`` counts the pairs where people said label i and the suggester j; columns past the k rows
    (if any) count suggestions outside the label set. Each result has a leading axis of ``n_boot``.
    """
    table = np.asarray(confusion, dtype=np.int64)
    k, width = table.shape
    if width < k:
        raise InputError(f"a confusion matrix needs at least as many columns as rows, got shape {table.shape}.")

    def counts(cells: np.ndarray, draws: np.ndarray) -> tuple[np.ndarray, ...]:
        human, suggested = np.divmod(cells, width)
        hits = sum_by_code(draws, np.where(human == suggested, human, -1), k)
        return hits.sum(axis=1), sum_by_code(draws, human, k), sum_by_code(draws, suggested, k), hits

    return LabelCounts(*bootstrap_cells(table.ravel(), counts, n_boot, rng))


def confusion_of_codes(reference_codes: Any, other_codes: Any, k: int) -> np.ndarray:
    """The k × (k + 1) confusion matrix of two code arrays: ``[i, j]`` counts the pairs coded (i, j); the last
    column counts ``other`` codes outside [0, k) (answers outside the label set). Reference codes lie in [0, k)."""
    reference = np.asarray(reference_codes, dtype=np.int64)
    other = np.asarray(other_codes, dtype=np.int64)
    if other.ndim != 1:
        raise InputError(f"confusion_of_codes() needs two code arrays shaped (n,); got {other.shape}.")
    _check_codes(reference, other, k)
    cells = np.bincount(reference * (k + 1) + _outside_as_k(other, k), minlength=k * (k + 1))
    return cells.reshape(k, k + 1)


def bootstrap_counts(
    human_codes: Any, suggested_codes: Any, k: int, n_boot: int, rng: np.random.Generator
) -> LabelCounts:
    """The label counts of ``n_boot`` resamples of the items, with replacement: (agree, true, pred, hits).

    ``human_codes`` are label codes in [0, k), one per item. ``suggested_codes`` are one suggester's codes (n,), or
    several suggesters' (m, n) resampled *together* with the human labels: the same items in each resample, so
    differences between suggesters are paired. A code outside [0, k) is a suggestion outside the label set (an
    invalid output): it counts as a disagreement. Shapes: ``agree`` (n_boot,) or (n_boot, m); the others
    (n_boot, k) or (n_boot, m, k). Feed them to ``kappa_from_counts(agree, true_counts, pred_counts)`` and the
    other ``*_from_counts``. For one suggester this equals ``bootstrap_confusion`` of the pairs' confusion
    matrix with the same ``rng`` (the cells are drawn in the same order).
    """
    human = np.asarray(human_codes, dtype=np.int64)
    suggested = np.asarray(suggested_codes, dtype=np.int64)
    _check_codes(human, suggested, k)
    if suggested.ndim == 1:
        return bootstrap_confusion(confusion_of_codes(human, suggested, k), n_boot, rng)
    m = suggested.shape[0]

    def counts(rows: np.ndarray, draws: np.ndarray) -> tuple[np.ndarray, ...]:
        human_of_cell = rows[:, 0]
        true = sum_by_code(draws, human_of_cell, k)
        pred = np.stack([sum_by_code(draws, rows[:, 1 + j], k) for j in range(m)], axis=1)
        hit_codes = np.where(rows[:, 1:] == human_of_cell[:, None], human_of_cell[:, None], -1)
        hits = np.stack([sum_by_code(draws, hit_codes[:, j], k) for j in range(m)], axis=1)
        return hits.sum(axis=-1), true, pred, hits

    agree, true, pred, hits = bootstrap_items([human, *_outside_as_k(suggested, k)], counts, n_boot, rng)
    return LabelCounts(agree, np.broadcast_to(true[:, None, :], pred.shape), pred, hits)


# ---------------------------------------------------------------------------------------------------------------
# kappa with its note and interval


class KappaEstimate(NamedTuple):
    """Cohen's kappa of one pair of sides, with what to say about it (`kappa_estimate`)."""

    kappa: float
    low: float  # the bootstrap percentile interval; NaN without one (kappa NaN, or n_boot=0)
    high: float
    n: int  # the pairs behind it
    interval: str  # how the interval was computed (``BOOTSTRAP``), "" without one
    note: str  # `kappa_note`: why kappa is NaN or what its value means; "" when there is nothing to say
    resampling_note: str  # `bootstrap_note`: the resamples left out of the interval, if any

    def notes(self, *more: str) -> str:
        """Everything to say about this kappa in one line: its note, then ``more`` (say, which items it leaves
        out), then what the bootstrap left out."""
        return "; ".join(x for x in (self.note, *more, self.resampling_note) if x)


def kappa_estimate(
    confusion: Any, labels: Sequence[Hashable], *, reference: str = "people", other: str = "the suggester",
    n_boot: int = 0, ci: float = 0.95, rng: np.random.Generator | int = 0,
) -> KappaEstimate:  # fmt: skip
    """Cohen's kappa from a confusion matrix, its note, and a bootstrap percentile interval over the pairs.

    ``confusion[i, j]`` counts the pairs where ``reference`` said label i and ``other`` label j (rows and the first
    columns in the order of ``labels``; a column past them counts answers outside the label set, as
    `confusion_of_codes` makes it). The interval resamples the pairs ``n_boot`` times with ``rng`` (a generator,
    or an int seed) through `bootstrap_confusion`, which gives the replicates `bootstrap_counts` gives for the codes;
    there is none when kappa is NaN or ``n_boot`` is 0, and then ``rng`` is not drawn from.
    """
    check_ci(ci)
    check_n_boot(n_boot, least=0)
    table = np.asarray(confusion, dtype=np.int64)
    k = len(labels)
    if table.ndim != 2 or table.shape[0] != k or table.shape[1] not in (k, k + 1):
        raise InputError(
            f"kappa_estimate() needs a {k} × {k} (or {k} × {k + 1}) confusion matrix for the {k} labels, got shape "
            f"{table.shape}."
        )
    true, pred = table.sum(axis=1), table[:, :k].sum(axis=0)
    agree = int(np.trace(table[:, :k]))
    kappa = float(kappa_from_counts(agree, true, pred))
    note = kappa_note(true, pred, labels, reference=reference, other=other)
    n = int(table.sum())
    if not np.isfinite(kappa) or not n_boot:
        return KappaEstimate(kappa, np.nan, np.nan, n, "", note, "")
    drawn = bootstrap_confusion(table, n_boot, np.random.default_rng(rng))
    low, high, defined = percentile_interval(kappa_from_counts(drawn.agree, drawn.true_counts, drawn.pred_counts), ci)
    return KappaEstimate(kappa, float(low), float(high), n, BOOTSTRAP, note, bootstrap_note(int(defined), n_boot))
