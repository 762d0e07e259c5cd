"""`lw.labels_needed`: how many items to label before labeling starts, for an interval of a given width.

Two targets, each with a closed form whose interval the package itself reports (so the number answers the question
the person will later read off the table):

* **a share** (how common a label is): the normal (Wald) interval p ± z·√(p(1 − p)/n), the people-only interval of
  ``lw.estimate``; n = (2z)² p(1 − p) / width². Without a prevalence, p = 0.5, the widest case, so the number is
  enough whatever the share turns out to be.
* **Cohen's kappa** of two people (or a person and a model) on the same items: the normal interval with Cohen's
  (1960) large-sample standard error √(p_o(1 − p_o)/n) / (1 − p_e) (``metrics.counts.kappa_normal_interval``), with
  p_e = Σ p_k² from the label shares and p_o = κ(1 − p_e) + p_e; n = (2z)² p_o(1 − p_o) / ((1 − p_e)² width²).
  Without shares, equal shares over the labels: the best case; a rare label makes p_e larger and the number grows,
  so give ``prevalence`` when you know roughly how common the labels are. At that n the estimated p_o and p_e make
  the interval slightly wider on average than the formula says (a few percent with a rare label), so the number is
  then raised until the average width over 4,000 seeded simulated samples is within the target.

Both are approximations; tests/test_sample_size.py checks by simulation that at the returned n the average width of
the interval is within the target.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from statistics import NormalDist
from typing import Any

import numpy as np

from labelwidgets.errors import InputError, public
from labelwidgets.metrics.counts import check_ci, kappa_from_counts, kappa_normal_interval

#: Without labels, kappa is about two labels.
DEFAULT_LABEL_COUNT = 2
#: Kappa's number is checked on this many simulated samples (seeded), and made to give an average width this much
#: below the target, so that simulation error cannot put it above.
SIMULATIONS = 4000
SIMULATION_SEED = 20250101
SIMULATION_MARGIN = 0.005


@public
def labels_needed(
    width: float = 0.1,
    *,
    prevalence: float | Mapping[Hashable, float] | Sequence[float] | None = None,
    kappa: float | None = None,
    labels: Sequence[Hashable] | None = None,
    ci: float = 0.95,
) -> int:
    """How many items to label for a ``ci`` interval ``width`` wide (high − low) around a share, or around Cohen's
    kappa when ``kappa`` (the agreement you expect) is given.

    >>> lw.labels_needed(0.1)                  # a share, unknown: p = 0.5
    385
    >>> lw.labels_needed(0.05, prevalence=0.1)  # a share near 10%
    554
    >>> lw.labels_needed(0.2, kappa=0.7, labels=["ham", "spam"], prevalence={"ham": 0.8, "spam": 0.2})
    333

    For a share, ``prevalence`` is the share you expect (a number in (0, 1)); unknown, 0.5 (enough for any share).
    For kappa, the number is of items both sides label; ``prevalence`` gives each label's share (a mapping, or
    shares in the order of ``labels``, or for two labels the share of the first); unknown, equal shares over
    ``labels`` (two by default), which is the fewest items — skewed labels need more.
    """
    func = "labels_needed"
    if isinstance(width, bool) or not isinstance(width, (int, float)) or not 0 < width <= 2:
        raise InputError(f"{func}(width={width!r}): the interval's width (high − low), e.g. 0.1 for ±0.05.")
    check_ci(ci)
    z = NormalDist().inv_cdf(1 - (1 - ci) / 2)
    if kappa is None:
        if labels is not None:
            raise InputError(
                f"{func}(labels=...) is for kappa: give kappa=... (the agreement you expect), or leave labels out "
                "for a share."
            )
        p = 0.5 if prevalence is None else _share(prevalence, func)
        return max(1, math.ceil((2 * z) ** 2 * p * (1 - p) / width**2 - 1e-9))
    if isinstance(kappa, bool) or not isinstance(kappa, (int, float)) or not 0 <= kappa < 1:
        raise InputError(
            f"{func}(kappa={kappa!r}): the agreement you expect, from 0 (chance) up to but not 1 (e.g. 0.7)."
        )
    shares = _shares(prevalence, labels, func)
    chance = sum(p * p for p in shares)
    observed = kappa * (1 - chance) + chance
    variance = observed * (1 - observed) / (1 - chance) ** 2
    n = max(2, math.ceil((2 * z) ** 2 * variance / width**2 - 1e-9))
    # The formula is the width at the true p_o and p_e; the estimated ones make the interval a little wider on
    # average (1/(1 − p̂_e) is convex), by up to a few percent with a rare label. Grow n until simulated pairs of
    # labels at this kappa give intervals that are, on average, within the target (width shrinks as 1/√n).
    for _ in range(20):
        simulated = _mean_kappa_width(n, kappa, shares, ci)
        if simulated <= width * (1 - SIMULATION_MARGIN):
            break
        n = max(n + 1, math.ceil(n * (simulated / (width * (1 - SIMULATION_MARGIN))) ** 2))
    return n


def _mean_kappa_width(n: int, kappa: float, shares: list[float], ci: float) -> float:
    """The average width of ``kappa_normal_interval`` over ``SIMULATIONS`` samples of n items labeled by two sides
    with these label shares and this kappa (joint P(i, j) = (1 − κ) p_i p_j + κ p_i [i = j]); a fixed seed, so the
    answer is the same every time."""
    p = np.asarray(shares, dtype=float)
    joint = (1 - kappa) * np.outer(p, p) + kappa * np.diag(p)
    rng = np.random.default_rng(SIMULATION_SEED)
    cells = rng.multinomial(n, joint.ravel() / joint.sum(), size=SIMULATIONS).reshape(SIMULATIONS, len(p), len(p))
    agree = np.trace(cells, axis1=1, axis2=2)
    true, pred = cells.sum(axis=2), cells.sum(axis=1)
    low, high = kappa_normal_interval(kappa_from_counts(agree, true, pred), agree, true, pred, ci)
    widths = high - low
    return float(np.nanmean(widths)) if np.isfinite(widths).any() else math.inf


def _share(prevalence: Any, func: str) -> float:
    if isinstance(prevalence, bool) or not isinstance(prevalence, (int, float)) or not 0 < prevalence < 1:
        raise InputError(f"{func}(prevalence={prevalence!r}): the share you expect, between 0 and 1 (e.g. 0.12).")
    return float(prevalence)


def _shares(prevalence: Any, labels: Sequence[Hashable] | None, func: str) -> list[float]:
    """Each label's share (summing to 1) for kappa's chance agreement."""
    count = DEFAULT_LABEL_COUNT if labels is None else len(labels)
    if labels is not None and len(set(labels)) != count:
        raise InputError(f"{func}(labels={list(labels)!r}): each label once.")
    if count < 2:
        raise InputError(f"{func}(labels=...): kappa needs at least 2 labels, got {count}.")
    if prevalence is None:
        return [1 / count] * count
    if isinstance(prevalence, Mapping):
        if labels is not None and set(prevalence) != set(labels):
            raise InputError(f"{func}(): prevalence names {sorted(map(str, prevalence))}, labels {list(labels)}.")
        shares = [float(v) for v in prevalence.values()]
    elif isinstance(prevalence, (int, float)) and not isinstance(prevalence, bool):
        if count != 2:
            raise InputError(
                f"{func}(prevalence={prevalence}): one number is the first label's share with two labels; with "
                f"{count} labels give a share for each."
            )
        first = _share(prevalence, func)
        shares = [first, 1 - first]
    else:
        shares = [float(v) for v in prevalence]
        if len(shares) != count:
            raise InputError(f"{func}(): {len(shares)} shares for {count} labels.")
    if len(shares) < 2 or any(not 0 <= s <= 1 for s in shares) or not math.isclose(sum(shares), 1, abs_tol=1e-6):
        raise InputError(f"{func}(prevalence=...): the labels' shares must be between 0 and 1 and sum to 1: {shares}.")
    return shares
